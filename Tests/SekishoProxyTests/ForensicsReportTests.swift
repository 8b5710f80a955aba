import Foundation
import SekishoProxy
import XCTest

final class ForensicsReportTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private func lines(_ records: [HandshakeRecord]) -> String {
        records.map { String(decoding: HandshakeForensics.jsonLine($0), as: UTF8.self) }.joined()
    }

    private func sample() -> String {
        var records: [HandshakeRecord] = []
        // Three old TLS 1.1 browsers on three addresses, no certificate sent.
        for i in 1...3 {
            records.append(TrustFixtures.record(at: t0, client: "192.0.2.\(i):5000\(i)", hello: TrustFixtures.tls11Hello, reason: "protocol_version"))
        }
        // Two clinics with SHA-1 certificates, one of them twice.
        let sha1a = TrustFixtures.certificate(cn: "clinic-a", signature: "ecdsa-with-SHA1", sha256: String(repeating: "a1", count: 32))
        let sha1b = TrustFixtures.certificate(cn: "clinic-b", signature: "ecdsa-with-SHA1", sha256: String(repeating: "b1", count: 32))
        records.append(TrustFixtures.record(at: t0, client: "192.0.2.10:1", chain: [sha1a], reason: "weak_signature_sha1"))
        records.append(TrustFixtures.record(at: t0.addingTimeInterval(60), client: "192.0.2.10:2", chain: [sha1a], reason: "weak_signature_sha1"))
        records.append(TrustFixtures.record(at: t0, client: "192.0.2.11:1", chain: [sha1b], reason: "weak_signature_sha1"))
        // A clinic refused once for an expired certificate, then fixed: not counted as refused.
        let fixed = TrustFixtures.certificate(cn: "clinic-c", sha256: String(repeating: "c1", count: 32))
        records.append(TrustFixtures.record(at: t0, client: "192.0.2.12:1", chain: [fixed], reason: "expired"))
        records.append(TrustFixtures.record(at: t0.addingTimeInterval(120), client: "192.0.2.12:2", chain: [fixed]))
        // One clinic not on the allow-list.
        let other = TrustFixtures.certificate(cn: "clinic-d", sha256: String(repeating: "d1", count: 32))
        records.append(TrustFixtures.record(at: t0, client: "192.0.2.13:1", chain: [other], reason: "policy_denied:ou"))
        // An old record, outside a 1h window.
        records.append(TrustFixtures.record(at: t0.addingTimeInterval(-7200), client: "192.0.2.99:1", hello: TrustFixtures.tls11Hello, reason: "protocol_version"))
        return lines(records) + "not json\n"
    }

    func testSummaryCountsClientsByTheirLatestRefusal() {
        let report = ForensicsReport.build(jsonLines: sample(), since: t0.addingTimeInterval(-3600), until: t0.addingTimeInterval(3600))
        XCTAssertEqual(report.records, 9)
        XCTAssertEqual(report.unreadableLines, 1)
        XCTAssertEqual(report.accepted, 1)
        XCTAssertEqual(report.refused, 8)
        XCTAssertEqual(report.clients, 7)
        XCTAssertEqual(report.clientsRefused, 6)
        XCTAssertEqual(report.summary, "6 clients would be refused: 3 offer only TLS 1.1 or older, 2 present SHA-1-signed certificates, 1 is not on the allow-list")
        XCTAssertEqual(report.byReason.map(\.reason), ["protocol_version", "weak_signature_sha1", "expired", "policy_denied:ou"])
        XCTAssertEqual(report.byReason.map(\.handshakes), [3, 3, 1, 1])
        XCTAssertEqual(report.byReason.map(\.clients), [3, 2, 0, 1])
        let clinicA = try! XCTUnwrap(report.identities.first { $0.name == "clinic-a" })
        XCTAssertEqual(clinicA.refused, 2)
        XCTAssertEqual(clinicA.addresses, ["192.0.2.10"])
        XCTAssertEqual(clinicA.hint, "The certificate is signed with SHA-1. Ask the issuing CA for a SHA-2 certificate.")
        let fixed = try! XCTUnwrap(report.identities.first { $0.name == "clinic-c" })
        XCTAssertEqual(fixed.lastReason, "ok")
        XCTAssertNil(fixed.hint)
        XCTAssertEqual(report.identities.first { $0.key == "address:192.0.2.1" }?.name, "(no certificate) 192.0.2.1")
        XCTAssertEqual(report.addresses.first?.address, "192.0.2.10")
    }

    func testWithoutAWindowEverythingCounts() {
        let report = ForensicsReport.build(jsonLines: sample(), since: nil, until: t0.addingTimeInterval(3600))
        XCTAssertEqual(report.records, 10)
        XCTAssertEqual(report.clientsRefused, 7)
        XCTAssertTrue(report.summary.hasPrefix("7 clients would be refused: 4 offer only TLS 1.1 or older"), report.summary)
    }

    func testTextAndJSON() throws {
        let report = ForensicsReport.build(jsonLines: sample(), since: t0.addingTimeInterval(-3600), until: t0.addingTimeInterval(3600))
        let text = report.text()
        XCTAssertTrue(text.contains("\n6 clients would be refused: 3 offer only TLS 1.1 or older"), text)
        XCTAssertTrue(text.contains("By reason"), text)
        XCTAssertTrue(text.contains("By client"), text)
        XCTAssertTrue(text.contains("By address"), text)
        XCTAssertTrue(text.contains("What to change"), text)
        XCTAssertTrue(text.contains("; 1 unreadable line(s) skipped"), text)
        let decoded = try JSONDecoder().decode(ForensicsReport.self, from: report.jsonData())
        XCTAssertEqual(decoded, report)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        XCTAssertEqual(object["clients_refused"] as? Int, 6)
        XCTAssertNotNil(object["by_reason"])
    }

    func testNothingRefused() {
        let report = ForensicsReport.build(jsonLines: lines([TrustFixtures.record(at: t0)]), since: nil, until: t0)
        XCTAssertEqual(report.summary, "no client would be refused (1 client seen)")
        let one = ForensicsReport.build(jsonLines: lines([TrustFixtures.record(at: t0, reason: "no_client_cert")]), since: nil, until: t0)
        XCTAssertEqual(one.summary, "1 client would be refused: 1 presents no certificate")
    }

    func testWindowSyntax() {
        XCTAssertEqual(ForensicsReport.windowSeconds("24h"), 86_400)
        XCTAssertEqual(ForensicsReport.windowSeconds("7d"), 604_800)
        XCTAssertEqual(ForensicsReport.windowSeconds("30m"), 1_800)
        XCTAssertNil(ForensicsReport.windowSeconds("0h"))
        XCTAssertNil(ForensicsReport.windowSeconds("1w"))
        XCTAssertNil(ForensicsReport.windowSeconds("h"))
    }
}
