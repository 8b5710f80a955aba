import Foundation
import SekishoProxy
import XCTest

final class ReadinessPageTests: XCTestCase {
    private let good = TrustFixtures.certificate(cn: "client-good", sha256: String(repeating: "0a", count: 32))

    func testTLS11ClientFailsVersionAndSuitesAndIsToldWhatToChange() {
        let record = TrustFixtures.record(hello: TrustFixtures.tls11Hello, chain: [good])
        let verdict = ReadinessPage.verdict(record: record, certificateProblem: nil)
        XCTAssertFalse(verdict.wouldPass)
        XCTAssertEqual(verdict.checks.map(\.name), ["tls_version", "cipher_suites", "key_exchange", "certificate"])
        XCTAssertEqual(verdict.checks.map(\.passed), [false, false, true, true])
        XCTAssertEqual(verdict.checks[0].reason, "protocol_version")
        XCTAssertTrue(verdict.checks[0].change?.contains("security.tls.version.max to 4") == true)
        XCTAssertEqual(verdict.checks[0].found, "offers at most TLSv1.1; TLS 1.2 is the minimum")
        let html = ReadinessPage.html(verdict)
        XCTAssertTrue(html.contains("この端末はこのままでは接続できません。"), html)
        XCTAssertTrue(html.contains("This client would be refused."), html)
        XCTAssertTrue(html.contains("✘ 不合格 / fail"))
    }

    func testGoodTLS13ClientPasses() {
        let verdict = ReadinessPage.verdict(record: TrustFixtures.record(chain: [good]), certificateProblem: nil)
        XCTAssertTrue(verdict.wouldPass, "\(verdict)")
        XCTAssertTrue(ReadinessPage.html(verdict).contains("この端末は接続できます。"))
        XCTAssertEqual(verdict.negotiatedVersion, "TLSv1.3")
    }

    func testSHA1CertificateFailsOnlyTheCertificateCheck() {
        let sha1 = TrustFixtures.certificate(cn: "client-sha1", signature: "ecdsa-with-SHA1", sha256: String(repeating: "0b", count: 32))
        let verdict = ReadinessPage.verdict(record: TrustFixtures.record(chain: [sha1]),
                                            certificateProblem: ("weak_signature_sha1", "client certificate CN=client-sha1 signed with ecdsa-with-SHA1 at depth 0"))
        XCTAssertFalse(verdict.wouldPass)
        XCTAssertEqual(verdict.checks.filter { !$0.passed }.map(\.name), ["certificate"])
        XCTAssertEqual(verdict.checks[3].change, "The certificate is signed with SHA-1. Ask the issuing CA for a SHA-2 certificate.")
        XCTAssertEqual(verdict.checks[3].reason, "weak_signature_sha1")
    }

    func testMissingCertificate() {
        let verdict = ReadinessPage.verdict(record: TrustFixtures.record(chain: []), certificateProblem: nil)
        XCTAssertEqual(verdict.checks[3].passed, false)
        XCTAssertEqual(verdict.checks[3].reason, "no_client_cert")
    }

    func testJSONForAcceptApplicationJSONAndHTMLOtherwise() throws {
        XCTAssertTrue(ReadinessPage.wantsJSON(accept: "application/json"))
        XCTAssertTrue(ReadinessPage.wantsJSON(accept: "text/html;q=0.9, Application/JSON;q=0.5"))
        XCTAssertFalse(ReadinessPage.wantsJSON(accept: "application/json;q=0"))
        XCTAssertFalse(ReadinessPage.wantsJSON(accept: "text/html,application/xhtml+xml,*/*;q=0.8"))
        XCTAssertFalse(ReadinessPage.wantsJSON(accept: nil))
        let verdict = ReadinessPage.verdict(record: TrustFixtures.record(chain: [good]), certificateProblem: nil)
        let response = String(decoding: ReadinessPage.response(verdict, json: true), as: UTF8.self)
        let parts = response.components(separatedBy: "\r\n\r\n")
        XCTAssertTrue(parts[0].hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"), parts[0])
        XCTAssertTrue(parts[0].contains("Content-Length: \(parts[1].utf8.count)"), parts[0])
        XCTAssertTrue(parts[0].contains("Connection: close"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any])
        XCTAssertEqual(object["would_pass"] as? Bool, true)
        let html = String(decoding: ReadinessPage.response(verdict, json: false), as: UTF8.self)
        XCTAssertTrue(html.contains("Content-Type: text/html; charset=utf-8"))
    }

    func testUntrustedTextIsEscaped() {
        let evil = TrustFixtures.certificate(cn: "<script>alert(1)</script>", sha256: String(repeating: "0c", count: 32))
        let html = ReadinessPage.html(ReadinessPage.verdict(record: TrustFixtures.record(chain: [evil]), certificateProblem: nil))
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;script&gt;"))
    }
}
