import Foundation
import XCTest
import SekishoCore

/// SIGHUP reload (all or nothing, connections keep their generation) and SIGTERM drain, against
/// the real binary.
final class ReloadAndDrainTests: IntegrationTestCase {
    /// A config with one server certificate kind, so the served key type shows which
    /// generation answered a handshake.
    private func config(serverCert: String, backend: BackendProcess, listen: String = "127.0.0.1:0") -> SekishoConfigFile {
        var config = SekishoConfigFile.standard(pki: pki, backendAddress: backend.address, listen: listen)
        config.listeners[0].certificates = [
            .init(cert: pki.path("\(serverCert).pem"), key: pki.path("\(serverCert).key")),
        ]
        return config
    }

    /// The key size `openssl s_client` reports for the server certificate.
    private func servedKeyBits(_ address: HostPort) throws -> String {
        let result = try sClient(address, options: ["-tls1_3"])
        let line = result.stdout.split(separator: "\n").first { $0.contains("Server public key is") }
        return line.map(String.init) ?? "no server key line:\n\(result)"
    }

    private func hangUp(_ sekisho: SekishoProcess) {
        kill(sekisho.pid, SIGHUP)
    }

    func testReloadWithANewCertificateServesItToNewHandshakes() throws {
        let backend = try startBackend()
        let sekisho = try startSekisho(config(serverCert: "server-ecdsa", backend: backend))
        let address = try sekisho.listener()
        XCTAssertEqual(try servedKeyBits(address), "Server public key is 256 bit")

        // Same file, now with the RSA certificate.
        try config(serverCert: "server-rsa", backend: backend).write(to: testDirectory.appendingPathComponent("sekisho.yaml"))
        hangUp(sekisho)
        let reloaded = try sekisho.waitForLogEntry("event=reloaded") { $0.event == "reloaded" }
        XCTAssertEqual(reloaded.string("generation"), "2")
        XCTAssertEqual(reloaded.string("kept"), "main")

        XCTAssertEqual(try servedKeyBits(address), "Server public key is 3072 bit")
        XCTAssertEqual(try curl(address).stdout, "hello from backend")
    }

    func testReloadWithABrokenCertificateKeepsTheOldOneAndOpenConnectionsAlive() throws {
        let backend = try startBackend()
        let sekisho = try startSekisho(config(serverCert: "server-ecdsa", backend: backend))
        let address = try sekisho.listener()

        // An open keep-alive connection that spans the failed reload.
        let request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        let result = try sClient(address, options: ["-tls1_3", "-quiet"], send: request, timeout: 30) { child in
            _ = try Poll.until(timeout: 10, "first response on the open connection") {
                child.stdout().components(separatedBy: "hello from backend").count == 2 ? true : nil
            }
            try self.config(serverCert: "server-rsa1024", backend: backend)
                .write(to: self.testDirectory.appendingPathComponent("sekisho.yaml"))
            self.hangUp(sekisho)
            let failed = try sekisho.waitForLogEntry("event=reload_failed") { $0.event == "reload_failed" }
            XCTAssertTrue(failed.string("detail")?.contains("server-rsa1024.pem") == true, "\(failed)")
            XCTAssertTrue(failed.string("detail")?.contains("2048") == true, "the rule is named: \(failed)")

            child.writeStdin("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            _ = try Poll.until(timeout: 10, "second response on the same connection after the failed reload") {
                child.stdout().components(separatedBy: "hello from backend").count == 3 ? true : nil
            }
            child.closeStdin()
        }
        XCTAssertEqual(result.stdout.components(separatedBy: "hello from backend").count, 3, "\(result)")
        XCTAssertEqual(backend.acceptedConnections.count, 1, "both requests used the one upstream connection: \(backend.events())")

        // New handshakes still get the old (ECDSA) certificate, and the process is still serving.
        XCTAssertEqual(try servedKeyBits(address), "Server public key is 256 bit")
        XCTAssertNil(sekisho.child.exitStatus)
    }

    func testReloadAddsAndDropsListenersByName() throws {
        let backend = try startBackend()
        let sekisho = try startSekisho(config(serverCert: "server-ecdsa", backend: backend))
        let main = try sekisho.listener()

        var next = config(serverCert: "server-ecdsa", backend: backend)
        var extra = next.listeners[0]
        extra.name = "extra"
        next.listeners[0].name = "renamed"  // main is dropped, renamed is new (port 0: a new port)
        next.listeners.append(extra)
        try next.write(to: testDirectory.appendingPathComponent("sekisho.yaml"))
        hangUp(sekisho)
        let reloaded = try sekisho.waitForLogEntry("event=reloaded") { $0.event == "reloaded" }
        XCTAssertEqual(reloaded.string("dropped"), "main")
        XCTAssertEqual(reloaded.string("added"), "renamed,extra")
        let listening = sekisho.log().events("listening").compactMap { $0.string("listener") }
        XCTAssertEqual(listening, ["main", "renamed", "extra"])

        // The dropped listener no longer accepts.
        let refused = try curl(main, timeout: 5)
        XCTAssertFalse(refused.succeeded, "dropped listener still answers:\n\(refused)")
    }

    func testSIGTERMStopsAcceptingAndLetsAnOpenConnectionFinish() throws {
        let backend = try startBackend()
        let sekisho = try startSekisho(config(serverCert: "server-ecdsa", backend: backend))
        let address = try sekisho.listener()
        let request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        let result = try sClient(address, options: ["-tls1_3", "-quiet"], send: request, timeout: 30) { child in
            _ = try Poll.until(timeout: 10, "first response") {
                child.stdout().contains("hello from backend") ? true : nil
            }
            kill(sekisho.pid, SIGTERM)
            try sekisho.waitForLogEntry("event=stopping") { $0.event == "stopping" }
            // New connections are refused at once (the listener is closed) ...
            let late = try self.curl(address, timeout: 5)
            XCTAssertFalse(late.succeeded, "a new connection was accepted after SIGTERM:\n\(late)")
            // ... while the open one is still served.
            child.writeStdin("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            _ = try Poll.until(timeout: 10, "second response during the drain") {
                child.stdout().components(separatedBy: "hello from backend").count == 3 ? true : nil
            }
            child.closeStdin()
        }
        XCTAssertEqual(result.stdout.components(separatedBy: "hello from backend").count, 3, "\(result)")
        XCTAssertTrue(sekisho.child.waitForExit(timeout: 15), "sekisho did not exit after the drain")
        XCTAssertEqual(sekisho.child.exitStatus, 0)
        let stopped = try XCTUnwrap(sekisho.log().events("stopped").first)
        XCTAssertEqual(stopped.string("open_connections"), "0")
    }
}
