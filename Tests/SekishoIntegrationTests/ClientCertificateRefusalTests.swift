import Foundation
import SekishoCore
import XCTest

/// Every kind of bad client certificate, and no certificate at all, is refused during the
/// handshake under TLS 1.3 and under TLS 1.2. sekisho logs the refusal with its own reason
/// code, and the backend never sees a connection for it (proved with a later good client:
/// the backend then shows exactly one accept).
///
/// The client runs with `@SECLEVEL=0` so that its own OpenSSL does not refuse to *send* a weak
/// certificate (it would fail with "ee key too small" before connecting); the server is the
/// one under test.
final class ClientCertificateRefusalTests: IntegrationTestCase {
    // MARK: TLS 1.3

    func testNoClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: nil, reason: "no_client_cert", version: "-tls1_3")
    }

    func testSHA1SignedClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: "client-sha1", reason: "weak_signature_sha1", version: "-tls1_3")
    }

    func testMD5SignedClientCertificateIsRefusedOverTLS13() throws {
        try requirePKIFile("client-md5.pem")
        try assertRefused(client: "client-md5", reason: "weak_signature_md5", version: "-tls1_3")
    }

    func testRSA1024ClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: "client-rsa1024", reason: "weak_key", version: "-tls1_3")
    }

    func testExpiredClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: "client-expired", reason: "expired", version: "-tls1_3")
    }

    func testNotYetValidClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: "client-notyet", reason: "not_yet_valid", version: "-tls1_3")
    }

    func testRevokedClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: "client-revoked", reason: "revoked", version: "-tls1_3")
    }

    func testUnknownCAClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: "client-unknown-ca", reason: "unknown_ca", version: "-tls1_3")
    }

    func testServerAuthOnlyEKUClientCertificateIsRefusedOverTLS13() throws {
        try assertRefused(client: "client-no-eku", reason: "no_client_auth_eku", version: "-tls1_3")
    }

    func testKeyAgreementOnlyKeyUsageClientCertificateIsRefusedOverTLS13() throws {
        try requirePKIFile("client-bad-ku.pem")
        try assertRefused(client: "client-bad-ku", reason: "bad_key_usage", version: "-tls1_3")
    }

    // MARK: TLS 1.2

    func testNoClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: nil, reason: "no_client_cert", version: "-tls1_2")
    }

    func testSHA1SignedClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: "client-sha1", reason: "weak_signature_sha1", version: "-tls1_2")
    }

    func testMD5SignedClientCertificateIsRefusedOverTLS12() throws {
        try requirePKIFile("client-md5.pem")
        try assertRefused(client: "client-md5", reason: "weak_signature_md5", version: "-tls1_2")
    }

    func testRSA1024ClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: "client-rsa1024", reason: "weak_key", version: "-tls1_2")
    }

    func testExpiredClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: "client-expired", reason: "expired", version: "-tls1_2")
    }

    func testNotYetValidClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: "client-notyet", reason: "not_yet_valid", version: "-tls1_2")
    }

    func testRevokedClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: "client-revoked", reason: "revoked", version: "-tls1_2")
    }

    func testUnknownCAClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: "client-unknown-ca", reason: "unknown_ca", version: "-tls1_2")
    }

    func testServerAuthOnlyEKUClientCertificateIsRefusedOverTLS12() throws {
        try assertRefused(client: "client-no-eku", reason: "no_client_auth_eku", version: "-tls1_2")
    }

    func testKeyAgreementOnlyKeyUsageClientCertificateIsRefusedOverTLS12() throws {
        try requirePKIFile("client-bad-ku.pem")
        try assertRefused(client: "client-bad-ku", reason: "bad_key_usage", version: "-tls1_2")
    }

    // MARK: -

    private func assertRefused(client: String?, reason: String, version: String) throws {
        let (backend, sekisho) = try startProxy()
        let address = try sekisho.listener()
        let result = try sClient(address, options: [version, "-cipher", "DEFAULT:@SECLEVEL=0"], client: client)

        XCTAssertFalse(result.timedOut, "s_client did not finish: the refusal never reached the client\n\(result)")
        XCTAssertNotEqual(result.status, 0, "s_client reports success for a refused client\n\(result)")
        XCTAssertFalse(result.output.contains("hello from backend"), "the request reached the backend\n\(result)")

        try assertRefusalLogged(sekisho, reason: reason)
        XCTAssertTrue(backend.acceptedConnections.isEmpty, "backend saw a connection: \(backend.events())")
        try assertCanaryIsTheOnlyUpstreamConnection(backend: backend, address: address)
    }
}

extension IntegrationTestCase {
    /// The refusal line: event, reason, the peer address and the listener name.
    func assertRefusalLogged(_ sekisho: SekishoProcess, reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let entry: SekishoLog.Entry
        do {
            entry = try sekisho.waitForLogEntry("event handshake_refused") { $0.event == "handshake_refused" }
        } catch {
            XCTFail("no handshake_refused line; sekisho stderr:\n\(sekisho.child.stderr())", file: file, line: line)
            return
        }
        XCTAssertEqual(entry.reason, reason, "wrong reason code in \(entry)", file: file, line: line)
        XCTAssertEqual(entry.string("listener"), "main", "\(entry)", file: file, line: line)
        let peer = entry.string("peer") ?? ""
        XCTAssertTrue(
            peer.hasPrefix("127.0.0.1:") && Int(peer.dropFirst("127.0.0.1:".count)) != nil,
            "peer is not 127.0.0.1:<port>: \(entry)", file: file, line: line)
        XCTAssertTrue(sekisho.log().events("handshake_ok").isEmpty,
                      "a handshake_ok was logged too: \(sekisho.log().events("handshake_ok"))", file: file, line: line)
    }

    /// After a refusal, one good client goes through; the backend must then show exactly one
    /// accepted connection and one request. If the refused client had caused an upstream
    /// connection (even one sekisho closed at once), there would be two.
    func assertCanaryIsTheOnlyUpstreamConnection(
        backend: BackendProcess, address: HostPort, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let canary = try curl(address)
        XCTAssertTrue(canary.succeeded, "the good client after the refusal failed:\n\(canary)", file: file, line: line)
        XCTAssertEqual(canary.stdout, "hello from backend", file: file, line: line)
        XCTAssertEqual(backend.acceptedConnections.count, 1, "backend events: \(backend.events())", file: file, line: line)
        XCTAssertEqual(backend.requests, ["request GET /"], file: file, line: line)
    }
}
