import Foundation
import SekishoCore
import XCTest

/// `sekisho report` and `sekisho clients` on what a real sekisho recorded, and `sekisho report`
/// on a fixed recorded file.
final class ReportTests: IntegrationTestCase {
    func testReportAndInventoryOfARecordedRun() throws {
        let backend = try startBackend()
        let sekisho = try startSekisho(yaml: trustConfig(listeners: [trustListener()], backend: backend.address))
        let address = try sekisho.listener()
        let legacy = ["-cipher", "DEFAULT:@SECLEVEL=0"]
        _ = try sClient(address, options: ["-tls1_1"] + legacy, client: "client-good-ecdsa")
        _ = try sClient(address, options: ["-tls1_3"] + legacy, client: "client-sha1")
        _ = try sClient(address, options: ["-tls1_3"] + legacy, client: "client-sha1")
        _ = try sClient(address, options: ["-tls1_3"] + legacy, client: "client-expired")
        let good = try curl(address)
        XCTAssertTrue(good.succeeded, "\(good)")
        _ = try Poll.until(timeout: 10, "five records") { forensicsRecords().count == 5 ? true : nil }
        XCTAssertEqual(sekisho.stop(), 0)  // SIGTERM: the inventory is written on the way out

        let report = try sekishoCommand(["report", "--forensics", forensicsPath, "--since", "1h"])
        XCTAssertTrue(report.succeeded, "\(report)")
        XCTAssertTrue(report.stdout.contains(
            "\n3 clients would be refused: 1 offers only TLS 1.1 or older, 1 presents a SHA-1-signed certificate, 1 presents an expired certificate\n"),
            report.stdout)
        XCTAssertTrue(report.stdout.contains("records: 5 (1 accepted, 4 refused), 4 client(s), 1 address(es)"), report.stdout)
        XCTAssertTrue(report.stdout.contains("weak_signature_sha1"), report.stdout)
        XCTAssertTrue(report.stdout.contains("Ask the issuing CA for a SHA-2 certificate."), report.stdout)

        let json = try sekishoCommand(["report", "--forensics", forensicsPath, "--json"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stdout)
        XCTAssertEqual(object["clients_refused"] as? Int, 3)
        let reasons = (object["by_reason"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        XCTAssertEqual(reasons, ["weak_signature_sha1", "expired", "protocol_version"])

        let clients = try sekishoCommand(["clients", "--inventory", inventoryPath, "--json"])
        XCTAssertTrue(clients.succeeded, "\(clients)")
        let inventory = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(clients.stdout.utf8)) as? [String: Any])
        let entries = inventory["clients"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.count, 3, "one per presented certificate: \(entries)")
        let sha1 = try XCTUnwrap(entries.first { $0["identity"] as? String == (try? fingerprint(of: "client-sha1")) })
        XCTAssertEqual(sha1["handshakes"] as? Int, 2)
        XCTAssertEqual(sha1["failures"] as? [String: Int], ["weak_signature_sha1": 2])
        let ok = try XCTUnwrap(entries.first { $0["identity"] as? String == (try? fingerprint(of: "client-good-ecdsa")) })
        XCTAssertEqual(ok["accepted"] as? Int, 1)
        XCTAssertEqual(ok["last_version"] as? String, "TLSv1.3")
        // The test PKI's certificates expire within two days: the 30d/7d warnings fire once each.
        XCTAssertEqual(sekisho.log().events("client_certificate_expiring").count, 1, "\(sekisho.log().events("client_certificate_expiring"))")
        let table = try sekishoCommand(["clients", "--inventory", inventoryPath])
        XCTAssertTrue(table.stdout.contains("client-sha1"), table.stdout)
        XCTAssertTrue(table.stdout.contains("weak_signature_sha1=2"), table.stdout)
    }

    func testReportOnAFixedRecordedFile() throws {
        let file = testDirectory.appendingPathComponent("recorded.jsonl")
        let lines = [
            #"{"time":"2026-01-05T09:00:00.000Z","listener":"main","client":"198.51.100.7:50123","outcome":"refused","reason":"protocol_version","offered":{"legacy_version":"TLSv1.1","versions":["TLSv1.1"],"supported_versions_extension":false,"highest_version":"TLSv1.1","only_legacy_versions":true,"cipher_suites":[{"code":"0xC014","name":"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"}],"profile_cipher_suites":0,"groups":["secp256r1"],"profile_groups":1,"signature_algorithms":[],"alpn":[]},"chain":[],"warnings":[]}"#,
            #"{"time":"2026-01-05T09:01:00.000Z","listener":"main","client":"198.51.100.8:50124","outcome":"refused","reason":"protocol_version","chain":[],"warnings":[]}"#,
            #"{"time":"2026-01-05T09:02:00.000Z","listener":"main","client":"198.51.100.9:40000","outcome":"refused","reason":"weak_signature_sha1","chain":[{"subject":"CN=clinic-sha1,O=Clinic","issuer":"CN=CA","serial":"01","sha256":"aa","not_before":"2025-01-01T00:00:00Z","not_after":"2027-01-01T00:00:00Z","signature_algorithm":"sha1WithRSAEncryption","key_type":"RSA","key_bits":2048}],"identity":"aa","hint":"The certificate is signed with SHA-1. Ask the issuing CA for a SHA-2 certificate.","warnings":[]}"#,
            #"{"time":"2026-01-05T09:03:00.000Z","listener":"main","client":"198.51.100.10:40001","outcome":"accepted","reason":"ok","chain":[{"subject":"CN=clinic-ok,O=Clinic","issuer":"CN=CA","serial":"02","sha256":"bb","not_before":"2025-01-01T00:00:00Z","not_after":"2027-01-01T00:00:00Z","signature_algorithm":"ecdsa-with-SHA256","key_type":"EC","key_bits":256}],"identity":"bb","warnings":[]}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let all = try sekishoCommand(["report", "--forensics", file.path])
        XCTAssertTrue(all.succeeded, "\(all)")
        XCTAssertTrue(all.stdout.contains("\n3 clients would be refused: 2 offer only TLS 1.1 or older, 1 presents a SHA-1-signed certificate\n"), all.stdout)
        XCTAssertTrue(all.stdout.contains("198.51.100.7"), all.stdout)
        XCTAssertTrue(all.stdout.contains("clinic-sha1"), all.stdout)
        let recent = try sekishoCommand(["report", "--forensics", file.path, "--since", "24h"])
        XCTAssertTrue(recent.stdout.contains("no client would be refused (0 clients seen)"), recent.stdout)
        let bad = try sekishoCommand(["report", "--forensics", file.path, "--since", "yesterday"])
        XCTAssertEqual(bad.status, 2, "\(bad)")
        XCTAssertTrue(bad.stderr.contains("--since: 'yesterday' is neither a window"), "\(bad)")
        let missing = try sekishoCommand(["report", "--forensics", file.path + ".nope"])
        XCTAssertEqual(missing.status, 2)
    }
}
