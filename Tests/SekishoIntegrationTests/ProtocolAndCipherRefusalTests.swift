import Foundation
import SekishoCore
import XCTest

/// Clients that can only speak a version or suite outside the profile are refused, with a
/// good client certificate in hand, so the refusal can only come from the version or suite.
final class ProtocolAndCipherRefusalTests: IntegrationTestCase {
    // `@SECLEVEL=0`: the client's own OpenSSL would otherwise refuse to offer TLS 1.0/1.1
    // (their handshakes need SHA-1) and never put the legacy ClientHello on the wire.
    func testTLS11ClientIsRefused() throws {
        try assertRefused(["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"], reason: "protocol_version")
    }

    func testTLS10ClientIsRefused() throws {
        try assertRefused(["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"], reason: "protocol_version")
    }

    /// AES-CBC with HMAC-SHA256 and ECDHE: forward secret but not AEAD (PROFILE: never CBC).
    func testCBCOnlyTLS12ClientIsRefused() throws {
        try assertRefused(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256"],
                          reason: "no_shared_cipher")
    }

    /// RSA key transport: AEAD but no forward secrecy (PROFILE: never RSA key transport).
    func testRSAKeyTransportOnlyTLS12ClientIsRefused() throws {
        try assertRefused(["-tls1_2", "-cipher", "AES128-GCM-SHA256"], reason: "no_shared_cipher")
    }

    /// TLS_AES_128_CCM_8_SHA256 has a 64-bit tag and is never offered.
    func testTLS13CCM8OnlyClientIsRefused() throws {
        try assertRefused(["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_8_SHA256"], reason: "no_shared_cipher")
    }

    private func assertRefused(_ options: [String], reason: String) throws {
        let (backend, sekisho) = try startProxy()
        let address = try sekisho.listener()
        let result = try sClient(address, options: options)

        XCTAssertFalse(result.timedOut, "s_client did not finish\n\(result)")
        XCTAssertNotEqual(result.status, 0, "s_client reports a completed handshake\n\(result)")
        XCTAssertFalse(result.output.contains("hello from backend"), "the request reached the backend\n\(result)")
        try assertRefusalLogged(sekisho, reason: reason)
        XCTAssertTrue(backend.acceptedConnections.isEmpty, "backend saw a connection: \(backend.events())")
        try assertCanaryIsTheOnlyUpstreamConnection(backend: backend, address: address)
    }
}
