import Foundation
import SekishoCore
import XCTest

/// Helpers for the client-trust integration tests (policy, deny-list, revocation, forensics,
/// readiness, `sekisho report`): configurations written as YAML text, forensics records read
/// back, CRLs minted with chosen dates, and the sekisho CLI run as a command.
extension IntegrationTestCase {
    /// The `certificates:` and `client_auth:` lines every trust listener shares. `crls` are PKI
    /// file names (none: no `crl` key); `clientAuth` is appended inside the client_auth mapping
    /// (e.g. `policy: {allow_all: true}`).
    func trustListener(
        name: String = "main", crls: [String] = ["client-ca.crl", "root-ca.crl"], clientAuth: String = "",
        tls: String? = nil, upstream: String? = "backend", mode: String? = nil
    ) -> String {
        let crlList = crls.map { "\"\(pki.path($0))\"" }.joined(separator: ", ")
        var out = """
              - name: \(name)
                listen: "127.0.0.1:0"
                certificates:
                  - {cert: "\(pki.path("server-ecdsa.pem"))", key: "\(pki.path("server-ecdsa.key"))"}
                  - {cert: "\(pki.path("server-rsa.pem"))", key: "\(pki.path("server-rsa.key"))"}
                client_auth: {ca: "\(pki.path("client-ca.pem"))"\(crls.isEmpty ? "" : ", crl: [\(crlList)]")\(clientAuth.isEmpty ? "" : ", " + clientAuth)}

            """
        if let mode { out += "    mode: \(mode)\n" }
        if let tls { out += "    tls: \(tls)\n" }
        if let upstream { out += "    upstream: \(upstream)\n" }
        return out
    }

    /// A whole configuration: JSON logs, forensics into `forensics.jsonl` (and the inventory
    /// into `inventory.json`) in the test folder, the given listeners, one tcp upstream.
    func trustConfig(listeners: [String], backend: String = "127.0.0.1:9", forensics: Bool = true) -> String {
        var out = "log: {level: info, format: json}\n"
        if forensics {
            out += "forensics: {path: \"\(forensicsPath)\", inventory_path: \"\(inventoryPath)\", expiry_warnings: [30d, 7d]}\n"
        }
        out += "listeners:\n" + listeners.joined()
        out += "upstreams:\n  - {name: backend, servers: [\"\(backend)\"], protocol: tcp}\n"
        return out
    }

    var forensicsPath: String { testDirectory.appendingPathComponent("forensics.jsonl").path }
    var inventoryPath: String { testDirectory.appendingPathComponent("inventory.json").path }

    /// Starts sekisho on YAML text. With `trustPollSeconds`, sekisho runs through a one-line
    /// wrapper that adds `--trust-poll-seconds` (the harness starts `run --config --ready-file`
    /// only); the wrapper `exec`s, so the pid stays sekisho's.
    func startSekisho(yaml: String, label: String = "sekisho", trustPollSeconds: Int? = nil) throws -> SekishoProcess {
        let config = testDirectory.appendingPathComponent("\(label).yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        var binary = try sekishoBinary()
        if let seconds = trustPollSeconds {
            let wrapper = testDirectory.appendingPathComponent("\(label)-wrapper.sh")
            try "#!/bin/sh\nexec \"\(binary.path)\" \"$@\" --trust-poll-seconds \(seconds)\n".write(to: wrapper, atomically: true, encoding: .utf8)
            chmod(wrapper.path, 0o755)
            binary = wrapper
        }
        let sekisho = try SekishoProcess.start(binary: binary, config: config, directory: testDirectory, label: label)
        track(sekisho.child)
        return sekisho
    }

    /// Rewrites the configuration of `label` and sends SIGHUP; waits for the next `reloaded`.
    func reload(_ sekisho: SekishoProcess, yaml: String, label: String = "sekisho") throws {
        let before = sekisho.log().events("reloaded").count
        try yaml.write(to: testDirectory.appendingPathComponent("\(label).yaml"), atomically: true, encoding: .utf8)
        kill(sekisho.pid, SIGHUP)
        _ = try Poll.until(timeout: 15, "a reloaded line after SIGHUP") {
            if let failure = sekisho.log().events("reload_failed").last { throw HarnessError("reload failed: \(failure)") }
            return sekisho.log().events("reloaded").count > before ? true : nil
        }
    }

    // MARK: Forensics records

    /// The records written so far (JSON lines), each as a dictionary.
    func forensicsRecords() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: forensicsPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Waits for a record matching `predicate` (records are written off the loops, a moment
    /// after the client saw the outcome).
    @discardableResult
    func waitForRecord(_ what: String, timeout: TimeInterval = 10, where predicate: @escaping ([String: Any]) -> Bool) throws -> [String: Any] {
        try Poll.until(timeout: timeout, "a forensics record with \(what) in \(forensicsPath)") {
            forensicsRecords().first(where: predicate)
        }
    }

    // MARK: Certificates and CRLs

    /// `openssl x509 -serial` of the leaf in `<kind>.pem`, as sekisho logs it (uppercase hex).
    func serial(of kind: String) throws -> String {
        let result = try run("openssl-x509", openssl, ["x509", "-in", pki.path("\(kind).pem"), "-noout", "-serial"])
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("serial=") else { throw HarnessError("no serial in \(result)") }
        return String(text.dropFirst("serial=".count))
    }

    /// SHA-256 of the leaf in `<kind>.pem`, lowercase hex without colons.
    func fingerprint(of kind: String) throws -> String {
        let result = try run("openssl-x509", openssl, ["x509", "-in", pki.path("\(kind).pem"), "-noout", "-fingerprint", "-sha256"])
        guard let value = result.stdout.split(separator: "=").last else { throw HarnessError("no fingerprint in \(result)") }
        return value.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":", with: "").lowercased()
    }

    /// A CRL of the test intermediate CA, written into the test folder, revoking the leaves of
    /// `revoking` and dated `lastUpdateOffset`/`nextUpdateOffset` seconds from now. The PKI
    /// script removes its CA database, so a fresh one is made (`openssl ca -revoke` adds an
    /// unknown certificate as it revokes it).
    func mintCRL(named name: String, revoking: [String] = [], lastUpdateOffset: Int = -3600, nextUpdateOffset: Int = 86_400) throws -> String {
        let dir = testDirectory.appendingPathComponent("ca-\(name)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/index.txt", contents: Data())
        try "unique_subject = no\n".write(toFile: dir + "/index.txt.attr", atomically: true, encoding: .utf8)
        let conf = """
            [ ca ]
            default_ca = CA_default
            [ CA_default ]
            dir = \(dir)
            database = $dir/index.txt
            certificate = \(pki.path("intermediate.pem"))
            private_key = \(pki.path("intermediate.key"))
            default_md = sha256
            default_crl_days = 2
            [ crl_ext ]
            authorityKeyIdentifier = keyid:always

            """
        try conf.write(toFile: dir + "/ca.cnf", atomically: true, encoding: .utf8)
        for kind in revoking {
            let result = try run("openssl-ca", openssl, ["ca", "-batch", "-config", dir + "/ca.cnf", "-revoke", pki.path("\(kind).pem")])
            guard result.succeeded else { throw HarnessError("openssl ca -revoke failed\n\(result)") }
        }
        let out = testDirectory.appendingPathComponent("\(name).crl").path
        let result = try run("openssl-ca", openssl, [
            "ca", "-batch", "-config", dir + "/ca.cnf", "-gencrl", "-crlexts", "crl_ext",
            "-crl_lastupdate", Self.stamp(lastUpdateOffset), "-crl_nextupdate", Self.stamp(nextUpdateOffset), "-out", out,
        ])
        guard result.succeeded else { throw HarnessError("openssl ca -gencrl failed\n\(result)") }
        return out
    }

    static func stamp(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        return formatter.string(from: Date().addingTimeInterval(TimeInterval(offset)))
    }

    // MARK: Commands

    /// `sekisho <arguments>` to completion.
    func sekishoCommand(_ arguments: [String], timeout: TimeInterval = 30) throws -> CommandResult {
        try run("sekisho-cli", try sekishoBinary(), arguments, timeout: timeout)
    }

    /// An HTTP request line set for s_client: `Accept` picks the readiness page's format.
    static func request(accept: String? = nil) -> String {
        "GET / HTTP/1.1\r\nHost: localhost\r\n" + (accept.map { "Accept: \($0)\r\n" } ?? "") + "Connection: close\r\n\r\n"
    }

    /// The body of the HTTP response found in `text` (s_client output, which goes on after the
    /// response with its own lines), cut at its Content-Length.
    static func httpBody(_ text: String) -> String? {
        guard let start = text.range(of: "HTTP/1.1 "), let blank = text.range(of: "\r\n\r\n", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        let head = text[start.lowerBound..<blank.lowerBound]
        let rest = Array(text[blank.upperBound...].utf8)
        guard let line = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)), length <= rest.count
        else { return String(decoding: rest, as: UTF8.self) }
        return String(decoding: rest[..<length], as: UTF8.self)
    }
}
