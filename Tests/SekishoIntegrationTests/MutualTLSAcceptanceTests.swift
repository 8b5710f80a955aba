import Foundation
import SekishoCore
import XCTest

/// Good client certificates (ECDSA P-256 and RSA 2048, issued by the client CA's intermediate)
/// get through sekisho to the backend, over TLS 1.3 and over TLS 1.2.
final class MutualTLSAcceptanceTests: IntegrationTestCase {
    func testGoodECDSAClientReachesBackendOverTLS13() throws {
        try assertReachesBackend(client: "client-good-ecdsa", version: "TLSv1.3", tls: ["--tlsv1.3"])
    }

    func testGoodECDSAClientReachesBackendOverTLS12() throws {
        try assertReachesBackend(client: "client-good-ecdsa", version: "TLSv1.2", tls: ["--tlsv1.2", "--tls-max", "1.2"])
    }

    func testGoodRSAClientReachesBackendOverTLS13() throws {
        try assertReachesBackend(client: "client-good-rsa", version: "TLSv1.3", tls: ["--tlsv1.3"])
    }

    func testGoodRSAClientReachesBackendOverTLS12() throws {
        try assertReachesBackend(client: "client-good-rsa", version: "TLSv1.2", tls: ["--tlsv1.2", "--tls-max", "1.2"])
    }

    /// Two requests on one client connection reach the backend over one upstream connection
    /// (protocol tcp: sekisho copies bytes, it does not re-frame them).
    func testKeepAliveRequestsShareOneUpstreamConnection() throws {
        let (backend, sekisho) = try startProxy()
        let address = try sekisho.listener()
        // Two URLs in one curl invocation share the options and, with keep-alive, the connection.
        let echo = "https://\(address.host):\(address.port)/echo"
        let result = try curl(address, path: "/", extra: [echo])
        XCTAssertTrue(result.succeeded, "\(result)")
        XCTAssertTrue(result.stdout.hasSuffix("hello from backend"), "second response missing: \(result.stdout)")
        XCTAssertTrue(result.stderr.contains("Re-using existing connection"), "curl did not reuse the connection:\n\(result)")
        XCTAssertEqual(backend.requests, ["request GET /echo", "request GET /"])
        XCTAssertEqual(backend.acceptedConnections.count, 1, "\(backend.events())")
    }

    /// PROFILE.md: "Not revoked, where a CRL is configured for its issuer." With only the
    /// issuing intermediate's CRL configured (the CLI contract's and the example file's shape),
    /// a good client must get through: the root has no CRL, so the intermediate cannot be
    /// checked, and that is not a reason to refuse.
    func testGoodClientIsAcceptedWhenOnlyItsIssuerHasACRL() throws {
        let backend = try startBackend()
        var config = SekishoConfigFile.standard(pki: pki, backendAddress: backend.address)
        config.listeners[0].crls = [pki.path("client-ca.crl")]
        let sekisho = try startSekisho(config)
        let result = try curl(try sekisho.listener())
        XCTAssertTrue(result.succeeded, "good client refused:\n\(result)\n\(sekisho.child.stderr())")
        XCTAssertEqual(result.stdout, "hello from backend")
        XCTAssertTrue(sekisho.log().events("handshake_refused").isEmpty, "\(sekisho.log().events("handshake_refused"))")
    }

    /// The same config still refuses the revoked client: the single CRL is really used.
    func testRevokedClientIsRefusedWhenOnlyItsIssuerHasACRL() throws {
        let backend = try startBackend()
        var config = SekishoConfigFile.standard(pki: pki, backendAddress: backend.address)
        config.listeners[0].crls = [pki.path("client-ca.crl")]
        let sekisho = try startSekisho(config)
        let result = try sClient(try sekisho.listener(), options: ["-tls1_3"], client: "client-revoked")
        XCTAssertNotEqual(result.status, 0, "\(result)")
        try assertRefusalLogged(sekisho, reason: "revoked")
        XCTAssertTrue(backend.acceptedConnections.isEmpty, "\(backend.events())")
    }

    private func assertReachesBackend(client: String, version: String, tls: [String]) throws {
        let (backend, sekisho) = try startProxy()
        let result = try curl(try sekisho.listener(), client: client, tls: tls)

        XCTAssertTrue(result.succeeded, "curl failed:\n\(result)")
        XCTAssertEqual(result.stdout, "hello from backend")
        XCTAssertTrue(result.stderr.contains("SSL connection using \(version)"), "not \(version):\n\(result.stderr)")
        XCTAssertEqual(backend.requests, ["request GET /"])
        XCTAssertEqual(backend.acceptedConnections.count, 1, "\(backend.events())")

        let ok = try sekisho.waitForLogEntry("event handshake_ok") { $0.event == "handshake_ok" }
        XCTAssertEqual(ok.string("tls_version").map(normalizedVersion), version, "\(ok)")
        XCTAssertFalse(ok.string("cipher")?.isEmpty ?? true, "handshake_ok without cipher: \(ok)")
        XCTAssertTrue(ok.string("subject")?.contains(client) ?? false, "handshake_ok subject lacks CN=\(client): \(ok)")
        XCTAssertTrue(sekisho.log().events("handshake_refused").isEmpty, "\(sekisho.log().events("handshake_refused"))")
    }
}

/// "TLSv1.3", "TLS 1.3", "tls1.3" and "1.3" all name the same version.
func normalizedVersion(_ text: String) -> String {
    let digits = text.filter { $0.isNumber || $0 == "." }
    return "TLSv" + digits.trimmingCharacters(in: CharacterSet(charactersIn: "."))
}
