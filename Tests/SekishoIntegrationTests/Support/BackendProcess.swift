import Foundation

/// `scripts/test-backend.py` running on loopback with a kernel-assigned port. Its event log has
/// one `accept <peer>` line per TCP connection it accepted and one `request <METHOD> <PATH>`
/// line per request, which is how the tests prove that a refused client never reached it.
final class BackendProcess {
    let child: ChildProcess
    let port: Int
    let host: String
    let eventLogURL: URL

    /// `host:port` in the form sekisho's config expects (`[::1]:N` for IPv6).
    var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private init(child: ChildProcess, host: String, port: Int, eventLogURL: URL) {
        self.child = child
        self.host = host
        self.port = port
        self.eventLogURL = eventLogURL
    }

    static func start(repositoryRoot: URL, python: URL, directory: URL, host: String = "127.0.0.1") throws -> BackendProcess {
        let ready = directory.appendingPathComponent("backend.ready.json")
        let events = directory.appendingPathComponent("backend.events.log")
        let listen = host.contains(":") ? "[\(host)]:0" : "\(host):0"
        let child = ChildProcess(
            label: "backend",
            executable: python,
            arguments: [
                repositoryRoot.appendingPathComponent("scripts/test-backend.py").path,
                "--listen", listen, "--ready-file", ready.path, "--log", events.path,
            ],
            workingDirectory: directory,
            outputDirectory: directory
        )
        try child.start()
        let port: Int = try Poll.until(timeout: 20, "the test backend's ready file \(ready.path)") {
            if let status = child.exitStatus {
                throw HarnessError("test backend exited with \(status) before it was ready\n\(child.transcript())")
            }
            guard let data = FileManager.default.contents(atPath: ready.path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let port = object["port"] as? Int
            else { return nil }
            return port
        }
        return BackendProcess(child: child, host: host, port: port, eventLogURL: events)
    }

    /// All lines of the event log so far.
    func events() -> [String] {
        ChildProcess.read(eventLogURL).split(separator: "\n").map(String.init)
    }

    var acceptedConnections: [String] { events().filter { $0.hasPrefix("accept ") } }
    var requests: [String] { events().filter { $0.hasPrefix("request ") } }

    func stop() { child.stop(signal: SIGTERM, grace: 5) }
}
