import Foundation
import SekishoConfig
import XCTest
@testable import SekishoProxy

/// Access log lines: every field, both formats, escaping of network-supplied values.
final class AccessLogTests: XCTestCase {
    private func record() -> AccessRecord {
        var record = AccessRecord(
            time: "2026-11-28T03:56:50.627Z", connection: "2rrv", listener: "main", client: "127.0.0.1:5899",
            subject: "CN=client-a,O=医療法人テスト会", fingerprint: "2bb1", tlsVersion: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256"
        )
        record.method = "GET"
        record.target = "/echo?x=\"a b\"\n"
        record.host = "localhost"
        record.status = 200
        record.bytesIn = 161
        record.bytesOut = 2_318
        record.upstream = "backend"
        record.server = "127.0.0.1:8080"
        record.upstreamMilliseconds = 13
        record.totalMilliseconds = 14
        return record
    }

    func testJSONLineHasEveryFieldWithTypes() throws {
        let line = AccessLog(format: .json, sink: nil).render(record())
        XCTAssertFalse(line.contains("\n"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["time"] as? String, "2026-11-28T03:56:50.627Z")
        XCTAssertEqual(object["client"] as? String, "127.0.0.1:5899")
        XCTAssertEqual(object["subject"] as? String, "CN=client-a,O=医療法人テスト会")
        XCTAssertEqual(object["sha256"] as? String, "2bb1")
        XCTAssertEqual(object["tls_version"] as? String, "TLSv1.3")
        XCTAssertEqual(object["cipher"] as? String, "TLS_AES_128_GCM_SHA256")
        XCTAssertEqual(object["method"] as? String, "GET")
        XCTAssertEqual(object["target"] as? String, "/echo?x=\"a b\"\n")
        XCTAssertEqual(object["status"] as? Int, 200)
        XCTAssertEqual(object["bytes_in"] as? Int, 161)
        XCTAssertEqual(object["bytes_out"] as? Int, 2_318)
        XCTAssertEqual(object["upstream"] as? String, "backend")
        XCTAssertEqual(object["server"] as? String, "127.0.0.1:8080")
        XCTAssertEqual(object["upstream_ms"] as? Int, 13)
        XCTAssertEqual(object["total_ms"] as? Int, 14)
        XCTAssertNil(object["retried"])
        XCTAssertNil(object["error"])
    }

    func testTextLineQuotesAndEscapesNetworkValues() {
        var failed = record()
        failed.retried = true
        failed.error = "upstream_response_timeout"
        let line = AccessLog(format: .text, sink: nil).render(failed)
        XCTAssertFalse(line.contains("\n"), "a CR/LF in the target must not start a new line")
        XCTAssertTrue(line.hasPrefix("time=2026-11-28T03:56:50.627Z conn=2rrv listener=main client=127.0.0.1:5899 "), line)
        XCTAssertTrue(line.contains(#"target="/echo?x=\"a b\"\\x0a""#), line)
        XCTAssertTrue(line.contains(#"subject="CN=client-a,O=医療法人テスト会""#), line)
        XCTAssertTrue(line.hasSuffix("total_ms=14 retried=true error=upstream_response_timeout"), line)
    }

    func testTimestampShape() {
        let stamp = AccessLog.timestamp()
        XCTAssertNotNil(stamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression), stamp)
    }
}
