import Foundation
import SekishoCore
import XCTest

/// The readiness-check listener with real clients: a TLS 1.1 client, a good TLS 1.3 client and
/// a client with a SHA-1 certificate each complete the lenient handshake and get a page (JSON or
/// HTML, Japanese and English) saying what would fail and what to change; the result is recorded
/// for the operator; nothing ever reaches an upstream.
final class ReadinessTests: IntegrationTestCase {
    private func startReadiness() throws -> (BackendProcess, SekishoProcess, HostPort) {
        let backend = try startBackend()
        // The config still declares an upstream (the file format needs one); the readiness
        // listener must never connect to it.
        let yaml = trustConfig(listeners: [trustListener(name: "ready", upstream: nil, mode: "readiness")], backend: backend.address)
        let sekisho = try startSekisho(yaml: yaml)
        return (backend, sekisho, try sekisho.listener("ready"))
    }

    private func json(_ result: CommandResult) throws -> [String: Any] {
        let body = try XCTUnwrap(Self.httpBody(result.stdout), "no HTTP response in\n\(result)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], body)
    }

    private func check(_ page: [String: Any], _ name: String) -> [String: Any]? {
        (page["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    func testTLS11ClientIsToldToEnableTLS12() throws {
        let (backend, sekisho, address) = try startReadiness()
        let options = ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]
        let result = try sClient(address, options: options, send: Self.request(accept: "application/json"))
        XCTAssertTrue(result.stdout.contains("HTTP/1.1 200 OK"), "\(result)")
        XCTAssertTrue(result.stdout.contains("Protocol  : TLSv1.1"), "the lenient handshake completed with TLS 1.1\n\(result)")
        let page = try json(result)
        XCTAssertEqual(page["would_pass"] as? Bool, false)
        XCTAssertEqual(page["negotiated_version"] as? String, "TLSv1.1")
        let version = try XCTUnwrap(check(page, "tls_version"))
        XCTAssertEqual(version["passed"] as? Bool, false)
        XCTAssertEqual(version["reason"] as? String, "protocol_version")
        XCTAssertTrue((version["change"] as? String)?.contains("in Firefox set security.tls.version.max to 4 in about:config") == true, "\(version)")
        XCTAssertTrue((version["change_ja"] as? String)?.contains("TLS 1.2/1.3 を有効") == true, "\(version)")
        XCTAssertEqual(check(page, "cipher_suites")?["passed"] as? Bool, false)
        XCTAssertEqual(check(page, "certificate")?["passed"] as? Bool, true, "the certificate itself is good")

        // The same client from a browser's point of view: the HTML page, both languages.
        let html = try sClient(address, options: options, send: Self.request(accept: "text/html"))
        XCTAssertTrue(html.stdout.contains("Content-Type: text/html; charset=utf-8"), "\(html)")
        XCTAssertTrue(html.stdout.contains("この端末はこのままでは接続できません。"), "\(html)")
        XCTAssertTrue(html.stdout.contains("This client would be refused."), "\(html)")
        XCTAssertTrue(html.stdout.contains("security.tls.version.max"), "\(html)")

        let record = try waitForRecord("the readiness verdict") { $0["listener"] as? String == "ready" }
        XCTAssertEqual(record["outcome"] as? String, "refused")
        XCTAssertEqual(record["reason"] as? String, "protocol_version")
        XCTAssertTrue((record["detail"] as? String)?.hasPrefix("readiness check: would be refused (tls_version, cipher_suites)") == true, "\(record)")
        XCTAssertTrue(sekisho.log().events("readiness_check").count >= 2)
        XCTAssertTrue(backend.acceptedConnections.isEmpty, "the readiness listener connected upstream: \(backend.events())")
    }

    func testGoodTLS13ClientPasses() throws {
        let (backend, _, address) = try startReadiness()
        let result = try curl(address, extra: ["-H", "Accept: application/json"])
        XCTAssertTrue(result.succeeded, "\(result)")
        let page = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
        XCTAssertEqual(page["would_pass"] as? Bool, true, "\(page)")
        XCTAssertEqual(page["negotiated_version"] as? String, "TLSv1.3")
        XCTAssertEqual((page["checks"] as? [[String: Any]])?.allSatisfy { $0["passed"] as? Bool == true }, true)
        let html = try curl(address)
        XCTAssertTrue(html.stdout.contains("この端末は接続できます。"), "\(html)")
        XCTAssertTrue(html.stdout.contains("This client would be accepted."), "\(html)")
        let record = try waitForRecord("the readiness verdict") { $0["listener"] as? String == "ready" }
        XCTAssertEqual(record["outcome"] as? String, "accepted")
        XCTAssertEqual(record["detail"] as? String, "readiness check: would pass")
        XCTAssertTrue(backend.acceptedConnections.isEmpty)
    }

    func testSHA1CertificateIsToldToAskForASHA2Certificate() throws {
        let (backend, _, address) = try startReadiness()
        let result = try sClient(address, options: ["-tls1_3", "-cipher", "DEFAULT:@SECLEVEL=0"], client: "client-sha1",
                                 send: Self.request(accept: "application/json"))
        let page = try json(result)
        XCTAssertEqual(page["would_pass"] as? Bool, false)
        let certificate = try XCTUnwrap(check(page, "certificate"))
        XCTAssertEqual(certificate["passed"] as? Bool, false)
        XCTAssertEqual(certificate["reason"] as? String, "weak_signature_sha1")
        XCTAssertEqual(certificate["change"] as? String, "The certificate is signed with SHA-1. Ask the issuing CA for a SHA-2 certificate.")
        XCTAssertEqual(certificate["change_ja"] as? String, "証明書が SHA-1 で署名されています。発行元の認証局に SHA-2 の証明書を依頼してください。")
        XCTAssertEqual(check(page, "tls_version")?["passed"] as? Bool, true)
        let record = try waitForRecord("the readiness verdict") { $0["listener"] as? String == "ready" }
        XCTAssertEqual(record["reason"] as? String, "weak_signature_sha1")
        XCTAssertEqual((record["chain"] as? [[String: Any]])?.first?["signature_algorithm"] as? String, "ecdsa-with-SHA1")
        XCTAssertTrue(backend.acceptedConnections.isEmpty)
    }
}
