import Foundation
import SekishoCore
import XCTest

/// Harness pieces for the HTTP proxy tests (`protocol: http1`): the misbehaving backend
/// `scripts/test-backend-h1.py`, a config writer with the HTTP keys, the raw mutual-TLS client
/// `scripts/tls-raw-client.py`, and the access log.

/// `scripts/test-backend-h1.py` on loopback. Its event log has `accept <conn> <peer>`,
/// `request <conn> <METHOD> <TARGET>` and `close <conn>` lines.
final class H1Backend {
    let child: ChildProcess
    let name: String
    let port: Int
    let eventLogURL: URL

    var address: String { "127.0.0.1:\(port)" }

    private init(child: ChildProcess, name: String, port: Int, eventLogURL: URL) {
        self.child = child
        self.name = name
        self.port = port
        self.eventLogURL = eventLogURL
    }

    static func start(repositoryRoot: URL, python: URL, directory: URL, name: String) throws -> H1Backend {
        let ready = directory.appendingPathComponent("\(name).ready.json")
        let events = directory.appendingPathComponent("\(name).events.log")
        try? FileManager.default.removeItem(at: ready)
        let child = ChildProcess(
            label: name,
            executable: python,
            arguments: [
                repositoryRoot.appendingPathComponent("scripts/test-backend-h1.py").path,
                "--listen", "127.0.0.1:0", "--ready-file", ready.path, "--log", events.path, "--name", name,
            ],
            workingDirectory: directory,
            outputDirectory: directory
        )
        try child.start()
        let port: Int = try Poll.until(timeout: 20, "\(name)'s ready file") {
            if let status = child.exitStatus {
                throw HarnessError("\(name) exited with \(status) before it was ready\n\(child.transcript())")
            }
            guard let data = FileManager.default.contents(atPath: ready.path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let port = object["port"] as? Int
            else { return nil }
            return port
        }
        return H1Backend(child: child, name: name, port: port, eventLogURL: events)
    }

    func events() -> [String] {
        ChildProcess.read(eventLogURL).split(separator: "\n").map(String.init)
    }

    /// TCP connections the backend accepted.
    var accepts: Int { events().filter { $0.hasPrefix("accept ") }.count }

    /// `METHOD TARGET` of every request the backend read, in order.
    var requests: [String] {
        events().filter { $0.hasPrefix("request ") }.map { $0.split(separator: " ", maxSplits: 2).last.map(String.init) ?? "" }
    }

    /// `METHOD TARGET` of every request the backend read completely and answered.
    var served: [String] {
        events().filter { $0.hasPrefix("served ") }.map { $0.split(separator: " ", maxSplits: 2).last.map(String.init) ?? "" }
    }

    /// Requests per backend connection number, in order.
    var requestsByConnection: [Int: [String]] {
        var out: [Int: [String]] = [:]
        for line in events() where line.hasPrefix("request ") {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let conn = Int(parts[1]) else { continue }
            out[conn, default: []].append(String(parts[2]))
        }
        return out
    }
}

/// A sekisho config for HTTP tests: one listener `main` (127.0.0.1:0, both server certificates,
/// client CA with CRLs), `loops` fixed (1 by default, so every request of a test meets the same
/// pool), access log as JSON on stdout, and extra YAML for the listener and the upstreams.
struct HTTP1ConfigFile {
    var pki: TestPKI
    var loops = 1
    /// Upstreams: name → servers; all `protocol: http1`, each with `upstreamExtra[name]` keys.
    var upstreams: [(name: String, servers: [String])]
    var upstreamExtra: [String: String] = [:]
    var listenerUpstream = "backend"
    /// YAML lines (already indented by 4) appended to the listener.
    var listenerExtra = ""
    var clientAuthRequired = true

    func yaml() -> String {
        var out = "loops: \(loops)\nlog: {level: debug, format: json}\naccess_log: {format: json, output: stdout}\n"
        out += "listeners:\n  - name: main\n    listen: \"127.0.0.1:0\"\n    certificates:\n"
        out += "      - {cert: \"\(pki.path("server-ecdsa.pem"))\", key: \"\(pki.path("server-ecdsa.key"))\"}\n"
        out += "      - {cert: \"\(pki.path("server-rsa.pem"))\", key: \"\(pki.path("server-rsa.key"))\"}\n"
        out += "    client_auth: {required: \(clientAuthRequired), ca: \"\(pki.path("client-ca.pem"))\", "
        out += "crl: [\"\(pki.path("client-ca.crl"))\", \"\(pki.path("root-ca.crl"))\"]}\n"
        out += "    upstream: \(listenerUpstream)\n"
        out += listenerExtra
        out += "upstreams:\n"
        for upstream in upstreams {
            let servers = upstream.servers.map { "\"\($0)\"" }.joined(separator: ", ")
            out += "  - name: \(upstream.name)\n    servers: [\(servers)]\n    protocol: http1\n"
            if let extra = upstreamExtra[upstream.name] { out += extra }
        }
        return out
    }
}

/// One access log line (JSON).
struct AccessLine: CustomStringConvertible {
    let raw: String
    let fields: [String: Any]

    func string(_ key: String) -> String? { fields[key].map { ($0 as? String) ?? "\($0)" } }
    func int(_ key: String) -> Int? { fields[key] as? Int }
    var status: Int? { int("status") }
    var description: String { raw }
}

extension IntegrationTestCase {
    func startH1Backend(name: String = "backend") throws -> H1Backend {
        let backend = try H1Backend.start(
            repositoryRoot: repositoryRoot, python: try IntegrationPaths.tool("python3"),
            directory: testDirectory, name: name)
        track(backend.child)
        return backend
    }

    /// sekisho in front of `backend` (default config) or with a custom `HTTP1ConfigFile`.
    func startHTTP1Sekisho(_ config: HTTP1ConfigFile, label: String = "sekisho") throws -> SekishoProcess {
        let url = testDirectory.appendingPathComponent("\(label).yaml")
        try config.yaml().write(to: url, atomically: true, encoding: .utf8)
        let sekisho = try SekishoProcess.start(binary: try sekishoBinary(), config: url, directory: testDirectory, label: label)
        track(sekisho.child)
        return sekisho
    }

    func startHTTP1Proxy(
        listenerExtra: String = "", upstreamExtra: String = ""
    ) throws -> (backend: H1Backend, sekisho: SekishoProcess) {
        let backend = try startH1Backend()
        var config = HTTP1ConfigFile(pki: pki, upstreams: [("backend", [backend.address])])
        config.listenerExtra = listenerExtra
        config.upstreamExtra = ["backend": upstreamExtra]
        return (backend, try startHTTP1Sekisho(config))
    }

    /// Access log lines so far (sekisho's stdout).
    func accessLog(_ sekisho: SekishoProcess) -> [AccessLine] {
        sekisho.child.stdout().split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return AccessLine(raw: String(line), fields: object)
        }
    }

    /// Waits until the access log has at least `count` lines (they are written when an exchange
    /// ends, which may be a moment after the client saw its response).
    @discardableResult
    func waitForAccessLines(_ sekisho: SekishoProcess, count: Int, timeout: TimeInterval = 10) throws -> [AccessLine] {
        try Poll.until(timeout: timeout, "\(count) access log line(s)") {
            let lines = accessLog(sekisho)
            return lines.count >= count ? lines : nil
        }
    }

    /// Sends `bytes` over mutual TLS with `scripts/tls-raw-client.py` and returns what came
    /// back (stdout, raw) with the summary line (stderr: `closed=eof|reset|timeout received=N`).
    func rawTLS(
        _ address: HostPort,
        _ bytes: [UInt8],
        client: String? = "client-good-ecdsa",
        serverName: String? = nil,
        drip: Int = 0,
        timeout: TimeInterval = 10,
        halfClose: Bool = false
    ) throws -> (response: String, closed: String, result: CommandResult) {
        let label = uniqueLabel("raw-request")
        let file = testDirectory.appendingPathComponent("\(label).bin")
        try Data(bytes).write(to: file)
        var args = [
            repositoryRoot.appendingPathComponent("scripts/tls-raw-client.py").path,
            "--connect", "\(address.host):\(address.port)", "--ca", pki.path("ca.pem"),
            "--send", file.path, "--timeout", "\(timeout)",
        ]
        if let client {
            let (cert, key) = pki.client(client)
            args += ["--cert", cert, "--key", key]
        }
        if let serverName { args += ["--servername", serverName] }
        if drip > 0 { args += ["--drip", "\(drip)"] }
        if halfClose { args.append("--half-close") }
        let result = try run("tls-raw-client", try IntegrationPaths.tool("python3"), args, timeout: timeout + 20)
        let summary = result.stderr.split(separator: "\n").last { $0.hasPrefix("closed=") } ?? ""
        let closed = summary.split(separator: " ").first.map { String($0.dropFirst("closed=".count)) } ?? "?"
        return (result.stdout, closed, result)
    }

    func rawTLS(_ address: HostPort, _ text: String, serverName: String? = nil, drip: Int = 0, timeout: TimeInterval = 10)
        throws -> (response: String, closed: String, result: CommandResult)
    {
        try rawTLS(address, Array(text.utf8), serverName: serverName, drip: drip, timeout: timeout)
    }

    /// Status codes of the responses in a raw transcript, in order (1xx included).
    func statuses(_ response: String) -> [Int] {
        var out: [Int] = []
        var rest = Substring(response)
        while let range = rest.range(of: "HTTP/1.1 ") {
            let code = rest[range.upperBound...].prefix(3)
            if let n = Int(code) { out.append(n) }
            rest = rest[range.upperBound...]
        }
        return out
    }

    /// The text between the empty line after the headers of a single response and its end.
    func headAndBody(_ response: String) -> (head: String, body: String) {
        guard let split = response.range(of: "\r\n\r\n") else { return (response, "") }
        return (String(response[..<split.lowerBound]), String(response[split.upperBound...]))
    }

    /// Splits a raw transcript of responses (1xx, Content-Length, chunked, or to the end) into
    /// heads and bodies; a chunked body is returned de-chunked.
    func responses(_ raw: String) -> [(head: String, body: String)] {
        var out: [(head: String, body: String)] = []
        var rest = Array(raw.utf8)[...]
        let separator = Array("\r\n\r\n".utf8)
        while !rest.isEmpty {
            guard let end = rest.firstRange(of: separator) else {
                out.append((String(decoding: rest, as: UTF8.self), ""))
                break
            }
            let head = String(decoding: rest[..<end.lowerBound], as: UTF8.self)
            rest = rest[end.upperBound...]
            let status = Int(head.dropFirst("HTTP/1.1 ".count).prefix(3)) ?? 0
            if (100...199).contains(status) || status == 204 || status == 304 {
                out.append((head, ""))
                continue
            }
            if let length = headerValues(head, "Content-Length").first.flatMap({ Int($0) }) {
                let body = rest.prefix(length)
                out.append((head, String(decoding: body, as: UTF8.self)))
                rest = rest.dropFirst(length)
            } else if headerValues(head, "Transfer-Encoding").first == "chunked" {
                var body: [UInt8] = []
                let crlf = Array("\r\n".utf8)
                while let lineEnd = rest.firstRange(of: crlf) {
                    let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
                    let size = Int(sizeText, radix: 16) ?? 0
                    rest = rest[lineEnd.upperBound...]
                    if size == 0 {
                        // Trailers, then the empty line.
                        if let trailerEnd = rest.firstRange(of: crlf), trailerEnd.lowerBound == rest.startIndex {
                            rest = rest[trailerEnd.upperBound...]
                        } else if let trailerEnd = rest.firstRange(of: separator) {
                            rest = rest[trailerEnd.upperBound...]
                        }
                        break
                    }
                    body += rest.prefix(size)
                    rest = rest.dropFirst(size + 2)
                }
                out.append((head, String(decoding: body, as: UTF8.self)))
            } else {
                out.append((head, String(decoding: rest, as: UTF8.self)))
                break
            }
        }
        return out
    }

    /// Header values of a raw response head, case-insensitive name.
    func headerValues(_ head: String, _ name: String) -> [String] {
        head.split(separator: "\r\n").dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            guard line[..<colon].lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    /// `curl --http1.1` through sekisho with SNI `localhost` (`--resolve`), verifying the server
    /// certificate against its name: the way a browser reaches the service.
    func curlLocalhost(
        _ address: HostPort, paths: [String], client: String? = "client-good-ecdsa", extra: [String] = [], timeout: TimeInterval = 30
    ) throws -> CommandResult {
        let curl = try IntegrationPaths.tool("curl")
        var args = ["--http1.1", "-sS", "-v", "--noproxy", "*", "--max-time", "\(Int(timeout))",
                    "--cacert", pki.path("ca.pem"), "--resolve", "localhost:\(address.port):\(address.host)"]
        if let client {
            let (cert, key) = pki.client(client)
            args += ["--cert", cert, "--key", key]
        }
        args += extra
        for path in paths { args.append("https://localhost:\(address.port)\(path)") }
        return try run("curl", curl, args, timeout: timeout + 5)
    }
}
