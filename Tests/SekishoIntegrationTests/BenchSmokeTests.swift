import Foundation
import SekishoCore
import XCTest

/// Each sekisho-bench scenario for a second or two against a real sekisho and demo backend.
/// The reports must be internally consistent (counts, percentiles in order, bytes matching the
/// requested sizes, errors by kind); nothing here asserts speed.
final class BenchSmokeTests: IntegrationTestCase {
    /// Short runs: the point is the report, not the number.
    static let short = ["--duration", "1.5", "--warmup", "0.3", "--connections", "4"]

    func testFullHandshakesReportRateLatencyAndOnlyFullHandshakes() throws {
        let target = try startSekishoWithDemoBackend()
        let run = try runBench("handshake", target: target, Self.short + ["--mode", "full"])
        try assertSaneReport(run, scenario: "handshake")
        XCTAssertEqual(run.int("tls.resumedHandshakes"), 0, "\(run)")
        let full = try XCTUnwrap(run.int("tls.fullHandshakes"), "\(run)")
        let operations = try XCTUnwrap(run.int("operations"))
        // Every measured operation was a handshake of its own; handshakes finishing just
        // outside the window make the two differ by at most the concurrency on each side.
        XCTAssertLessThanOrEqual(abs(full - operations), 2 * 4 + 1, "\(run)")
        XCTAssertEqual(run.string("tls.negotiated.version"), "TLSv1.3", "\(run)")
    }

    func testResumedHandshakesResumeOverTLS13AndTLS12() throws {
        let target = try startSekishoWithDemoBackend()
        for version in ["1.3", "1.2"] {
            let run = try runBench("handshake", target: target, Self.short + ["--mode", "resumed", "--tls", version])
            try assertSaneReport(run, scenario: "handshake")
            let resumed = try XCTUnwrap(run.int("tls.resumedHandshakes"), "\(run)")
            XCTAssertGreaterThan(resumed, 0, "TLS \(version): nothing resumed\n\(run)")
            // Only each connection's first handshake is full, and that is in the warm-up.
            XCTAssertLessThanOrEqual(run.int("tls.fullHandshakes") ?? .max, 4, "TLS \(version)\n\(run)")
            XCTAssertEqual(run.string("tls.negotiated.version"), "TLSv" + version, "\(run)")
        }
    }

    /// sekisho holds an ECDSA and an RSA certificate; the offered signature algorithms choose.
    /// An ECDSA client key still signs while only RSA algorithms are offered for the server.
    func testSignatureAlgorithmsSelectTheServerCertificate() throws {
        let target = try startSekishoWithDemoBackend()
        let ecdsa = try runBench("handshake", target: target, Self.short + ["--sigalgs", "ECDSA+SHA256"])
        try assertSaneReport(ecdsa, scenario: "handshake")
        XCTAssertTrue(ecdsa.string("tls.negotiated.serverKey")?.hasPrefix("EC") == true, "\(ecdsa)")

        let rsa = try runBench("handshake", target: target, Self.short + ["--sigalgs", "rsa_pss_rsae_sha256:RSA+SHA256"])
        try assertSaneReport(rsa, scenario: "handshake")
        XCTAssertTrue(rsa.string("tls.negotiated.serverKey")?.hasPrefix("RSA") == true, "\(rsa)")
    }

    func testKeepAliveRequestsReuseTheirConnections() throws {
        let target = try startSekishoWithDemoBackend()
        let run = try runBench("h1", target: target, ["--duration", "1.5", "--warmup", "0", "--connections", "4"])
        try assertSaneReport(run, scenario: "h1")
        XCTAssertEqual(run.int("connectionsOpened"), 4, "keep-alive connections were not reused\n\(run)")
        XCTAssertGreaterThan(run.int("operations") ?? 0, 4, "\(run)")
        XCTAssertEqual(run.int("tls.fullHandshakes"), 4, "\(run)")
    }

    func testPipelinedRequestsAreAllAnswered() throws {
        let target = try startSekishoWithDemoBackend()
        let run = try runBench("h1", target: target, Self.short + ["--pipeline", "4"])
        try assertSaneReport(run, scenario: "h1")
        XCTAssertEqual(run.int("settings.pipeline"), 4, "\(run)")
    }

    func testRequestBudgetMeasuresExactlyThatManyRequests() throws {
        let target = try startSekishoWithDemoBackend()
        let run = try runBench("h1", target: target, ["--requests", "300", "--warmup", "0.2", "--connections", "3"])
        try assertSaneReport(run, scenario: "h1")
        XCTAssertEqual(run.int("operations"), 300, "\(run)")
        XCTAssertNil(run.value("settings.durationSeconds"), "\(run)")
    }

    func testPacedRequestsStayNearTheRequestedRate() throws {
        let target = try startSekishoWithDemoBackend()
        let run = try runBench("h1", target: target, Self.short + ["--rate", "200"])
        try assertSaneReport(run, scenario: "h1")
        // Pacing caps the rate from above: far below what sekisho serves here, so at most the
        // requested rate (plus rounding), whatever the machine's speed.
        XCTAssertLessThanOrEqual(run.double("operationsPerSecond") ?? .infinity, 200 * 1.1, "\(run)")
    }

    func testDownloadCountsEveryBodyByte() throws {
        let target = try startSekishoWithDemoBackend()
        let size = 1_048_576
        let run = try runBench("body", target: target, Self.short + ["--download", "1MiB"])
        try assertSaneReport(run, scenario: "body")
        let operations = try XCTUnwrap(run.int("operations"))
        XCTAssertEqual(run.int("bytes.bodyReceived"), operations * size, "\(run)")
        XCTAssertEqual(run.int("bytes.bodySent"), 0, "\(run)")
        XCTAssertGreaterThan(run.int("bytes.wireReceived") ?? 0, operations * size, "TLS adds record overhead\n\(run)")
        XCTAssertEqual(run.string("settings.path"), "/source?bytes=\(size)", "\(run)")
    }

    func testUploadCountsEveryBodyByte() throws {
        let target = try startSekishoWithDemoBackend()
        let size = 262_144
        let run = try runBench("body", target: target, Self.short + ["--upload", "256KiB"])
        try assertSaneReport(run, scenario: "body")
        let operations = try XCTUnwrap(run.int("operations"))
        XCTAssertEqual(run.int("bytes.bodySent"), operations * size, "\(run)")
        XCTAssertEqual(run.string("settings.path"), "/sink", "\(run)")
    }

    func testIdleConnectionsAreHeldAndReportedReady() throws {
        let target = try startSekishoWithDemoBackend()
        let ready = testDirectory.appendingPathComponent("idle.ready.json")
        let run = try runBench("idle", target: target, [
            "--connections", "20", "--concurrency", "5", "--duration", "1.5", "--warmup", "0", "--ready-file", ready.path,
        ])
        try assertSaneReport(run, scenario: "idle")
        XCTAssertEqual(run.int("peakEstablished"), 20, "\(run)")
        XCTAssertEqual(run.int("operations"), 20, "one handshake per held connection\n\(run)")
        let data = try XCTUnwrap(FileManager.default.contents(atPath: ready.path), "no ready file\n\(run)")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["established"] as? Int, 20)
    }

    /// A refused client certificate: nothing measured, the run fails, and the errors are
    /// counted under a TLS kind.
    func testRevokedClientCertificateIsReportedAsHandshakeErrors() throws {
        let target = try startSekishoWithDemoBackend()
        let run = try runBench("handshake", target: target, Self.short, client: "client-revoked")
        XCTAssertEqual(run.result.status, 1, "a run that measured nothing must fail\n\(run)")
        XCTAssertEqual(run.int("operations"), 0, "\(run)")
        let kinds = run.errorKinds()
        XCTAssertGreaterThan(run.int("errors.total") ?? 0, 0, "\(run)")
        XCTAssertTrue(kinds.keys.contains { $0.hasPrefix("tls_") || $0 == "closed_by_server" || $0 == "reset" },
                      "unexpected error kinds \(kinds)\n\(run)")
    }

    func testPlainTargetMeasuresTheBackendDirectly() throws {
        let backend = try startDemoBackend()
        let run = try runBench("h1", target: backend, Self.short + ["--plain"], client: nil)
        try assertSaneReport(run, scenario: "h1")
        XCTAssertEqual(run.string("transport"), "plain", "\(run)")
        XCTAssertNil(run.value("tls"), "\(run)")
    }

    func testH2SaysNotImplementedAndExitsWithStatus2() throws {
        let result = try run("sekisho-bench-h2", try benchBinary(), ["h2", "--target", "127.0.0.1:9"], timeout: 30)
        XCTAssertEqual(result.status, 2, "\(result)")
        XCTAssertTrue(result.stderr.contains("not implemented until HTTP/2 support"), "\(result)")
    }

    // MARK: -

    /// What every successful report must satisfy.
    private func assertSaneReport(_ run: BenchRun, scenario: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(run.result.status, 0, "\(run)", file: file, line: line)
        XCTAssertNotNil(run.report, "stdout is not a JSON report\n\(run)", file: file, line: line)
        XCTAssertEqual(run.string("tool"), "sekisho-bench", file: file, line: line)
        XCTAssertEqual(run.string("scenario"), scenario, file: file, line: line)
        XCTAssertEqual(run.int("errors.total"), 0, "errors: \(run.errorKinds())\n\(run)", file: file, line: line)
        let operations = try XCTUnwrap(run.int("operations"), "\(run)", file: file, line: line)
        XCTAssertGreaterThan(operations, 0, "\(run)", file: file, line: line)
        let elapsed = try XCTUnwrap(run.double("elapsedSeconds"), file: file, line: line)
        XCTAssertGreaterThan(elapsed, 0, "\(run)", file: file, line: line)
        let rate = try XCTUnwrap(run.double("operationsPerSecond"), file: file, line: line)
        XCTAssertEqual(rate, Double(operations) / elapsed, accuracy: max(0.1, rate * 0.001), "\(run)", file: file, line: line)
        let keys = ["min", "p50", "p90", "p99", "p999", "max"]
        let values = try keys.map { try XCTUnwrap(run.double("latencyMicroseconds.\($0)"), "\($0)\n\(run)", file: file, line: line) }
        XCTAssertGreaterThan(values[0], 0, "\(run)", file: file, line: line)
        XCTAssertEqual(values, values.sorted(), "percentiles out of order \(zip(keys, values).map { "\($0)=\($1)" })", file: file, line: line)
        XCTAssertNotNil(run.double("client.cpuSeconds"), file: file, line: line)
        // The table went to stderr: the human-readable form carries the same numbers.
        XCTAssertTrue(run.result.stderr.contains("p99.9"), "no summary table on stderr\n\(run)", file: file, line: line)
    }
}
