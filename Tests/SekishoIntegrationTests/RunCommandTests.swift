import Foundation
import SekishoCore
import XCTest

/// `sekisho run` and `sekisho version` as a process: bind failures, IPv6, signals, log format.
final class RunCommandTests: IntegrationTestCase {
    /// The backend holds a port; a sekisho listener configured on it must fail to start, say
    /// which listener, and never report itself ready.
    func testAddressAlreadyInUseExitsNonZeroNamingTheListener() throws {
        let backend = try startBackend()
        var config = SekishoConfigFile.standard(pki: pki, backendAddress: backend.address)
        config.listeners[0].name = "busy-listener"
        config.listeners[0].listen = backend.address
        let url = try writeConfig(config)
        let ready = testDirectory.appendingPathComponent("busy.ready.json")
        let result = try run("sekisho-run", try sekishoBinary(),
                             ["run", "--config", url.path, "--ready-file", ready.path], timeout: 30)
        XCTAssertFalse(result.timedOut, "sekisho kept running on a port that is in use\n\(result)")
        XCTAssertNotEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.output.contains("busy-listener"), "the message does not name the listener:\n\(result)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ready.path), "ready file written although a bind failed")
    }

    func testVersionPrintsOpenSSL3AndNghttp2Versions() throws {
        let result = try run("sekisho-version", try sekishoBinary(), ["version"], timeout: 30)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertNotNil(result.stdout.range(of: #"OpenSSL 3\.[0-9]+\.[0-9]+"#, options: .regularExpression),
                        "no OpenSSL 3.x.y version string:\n\(result)")
        XCTAssertNotNil(result.stdout.range(of: #"nghttp2[^0-9]*[0-9]+\.[0-9]+"#, options: [.regularExpression, .caseInsensitive]),
                        "no nghttp2 version:\n\(result)")
        XCTAssertTrue(result.stdout.lowercased().contains("sekisho"), "\(result)")
    }

    /// A second listener on [::1]:0 is reported in the ready file and serves clients.
    func testIPv6ListenerServesClients() throws {
        let inet6 = (try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8)) ?? ""
        guard inet6.contains("00000000000000000000000000000001") else {
            throw XCTSkip("no IPv6 loopback (::1) on this machine")
        }
        let backend = try startBackend()
        var config = SekishoConfigFile.standard(pki: pki, backendAddress: backend.address)
        var v6 = config.listeners[0]
        v6.name = "v6"
        v6.listen = "[::1]:0"
        config.listeners.append(v6)
        let sekisho = try startSekisho(config)

        let address = try sekisho.listener("v6")
        XCTAssertEqual(address.family, .ipv6)
        XCTAssertEqual(address.host, "::1")
        XCTAssertEqual(try sekisho.listener("main").family, .ipv4)
        let result = try curl(address)
        XCTAssertTrue(result.succeeded, "\(result)")
        XCTAssertEqual(result.stdout, "hello from backend")
        let ok = try sekisho.waitForLogEntry("handshake_ok on v6") { $0.event == "handshake_ok" }
        XCTAssertEqual(ok.string("listener"), "v6", "\(ok)")
    }

    /// The ready file appears only once the signal handlers are in place: a SIGHUP sent the
    /// instant it exists reloads (before, it could meet the default disposition, which
    /// terminates the process), and a SIGTERM afterwards drains and exits 0. A watcher thread
    /// polls for the ready file every 100 µs and signals the pid it names at once, since the
    /// window was open only for a moment after start-up; three fresh processes.
    func testSignalsSentTheMomentTheReadyFileAppearsAreHandled() throws {
        let backend = try startBackend()
        for round in 1...3 {
            let label = "sekisho\(round)"
            let readyPath = testDirectory.appendingPathComponent("\(label).ready.json").path
            let signalled = DispatchSemaphore(value: 0)
            let watcher = Thread {
                // Bounded: 30 s at 100 µs per probe.
                for _ in 0..<300_000 {
                    if let data = FileManager.default.contents(atPath: readyPath),
                       let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                       let pid = object["pid"] as? Int {
                        kill(pid_t(pid), SIGHUP)
                        signalled.signal()
                        return
                    }
                    usleep(100)
                }
            }
            watcher.start()
            let sekisho = try startSekisho(.standard(pki: pki, backendAddress: backend.address), label: label)
            XCTAssertEqual(signalled.wait(timeout: .now() + 30), .success, "round \(round): the watcher never saw the ready file")
            _ = try Poll.until(timeout: 15, "a reloaded line after an immediate SIGHUP (round \(round))") {
                if let status = sekisho.child.exitStatus {
                    throw HarnessError("sekisho exited with status \(status) on SIGHUP\n\(sekisho.child.transcript())")
                }
                return sekisho.log().events("reloaded").isEmpty ? nil : true
            }
            let result = try curl(try sekisho.listener())
            XCTAssertEqual(result.stdout, "hello from backend", "round \(round): \(result)")
            XCTAssertEqual(sekisho.stop(grace: 15), 0, "round \(round)\n\(sekisho.child.transcript())")
        }
    }

    func testSIGTERMStopsWithExitStatusZero() throws {
        let (_, sekisho) = try startProxy()
        XCTAssertEqual(sekisho.readyPID, Int(sekisho.pid), "ready file pid is not the process we started")
        let status = sekisho.stop(grace: 15)
        XCTAssertEqual(status, 0, "sekisho did not exit 0 on SIGTERM\n\(sekisho.child.transcript())")
    }

    /// With `log.format: json`, every stderr line (start-up, accepted and refused handshakes,
    /// shutdown) is exactly one JSON object.
    func testJSONLogFormatWritesOneObjectPerLine() throws {
        let (_, sekisho) = try startProxy()
        let address = try sekisho.listener()
        _ = try curl(address)
        _ = try sClient(address, options: ["-tls1_3"], client: nil)
        try sekisho.waitForLogEntry("handshake_refused") { $0.event == "handshake_refused" }
        sekisho.stop()
        let log = sekisho.log()
        XCTAssertTrue(log.malformedLines.isEmpty, "lines that are not JSON objects:\n\(log.malformedLines.joined(separator: "\n"))")
        XCTAssertFalse(log.events("handshake_ok").isEmpty, "no handshake_ok line")
    }
}
