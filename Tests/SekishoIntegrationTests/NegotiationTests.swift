import Foundation
import SekishoCore
import XCTest

/// What sekisho picks when the client offers more than one choice: server preference decides
/// (the client's own default order puts AES-256 first, so picking AES-128 proves it), no
/// compression, and no renegotiation.
final class NegotiationTests: IntegrationTestCase {
    func testTLS13DefaultClientGetsAES128GCM() throws {
        let result = try negotiate(["-tls1_3"])
        XCTAssertTrue(result.stdout.contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"), "\(result)")
    }

    func testTLS12ECDSACapableClientGetsECDHEECDSAAES128GCM() throws {
        let result = try negotiate(["-tls1_2"])
        XCTAssertTrue(result.stdout.contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"), "\(result)")
    }

    /// A client that offers only ECDHE-RSA suites (AES-256 first) gets the RSA certificate and
    /// sekisho's first RSA suite.
    func testTLS12RSAOnlyClientGetsECDHERSAAES128GCM() throws {
        let result = try negotiate(["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"])
        XCTAssertTrue(result.stdout.contains("New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256"), "\(result)")
        XCTAssertTrue(result.stdout.contains("Server public key is 3072 bit"), "not the RSA certificate:\n\(result)")
    }

    /// X25519 is the first group of the profile; OpenSSL's client offers a key share for it.
    func testDefaultClientKeyExchangeUsesX25519() throws {
        let result = try negotiate(["-tls1_3"])
        XCTAssertTrue(result.stdout.contains("Server Temp Key: X25519"), "\(result)")
    }

    func testTLS12SessionHasNoCompression() throws {
        let result = try negotiate(["-tls1_2"])
        XCTAssertTrue(result.stdout.contains("Compression: NONE"), "\(result)")
    }

    /// `R` on its own line makes s_client call SSL_renegotiate (TLS 1.2 only). sekisho must
    /// refuse: the connection ends instead of completing a second handshake, and a request
    /// written after the attempt never gets an answer.
    func testClientInitiatedRenegotiationIsRefused() throws {
        let (backend, sekisho) = try startProxy()
        let address = try sekisho.listener()
        var sentRequest = false
        let result = try sClient(address, options: ["-tls1_2"], send: "R\n", timeout: 20) { child in
            // Wait until s_client has started the renegotiation (or has exited), then try to use
            // the connection.
            _ = try Poll.until(timeout: 15, "s_client to print RENEGOTIATING") {
                (child.stdout() + child.stderr()).contains("RENEGOTIATING") || child.exitStatus != nil ? true : nil
            }
            if child.isRunning {
                child.writeStdin("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                sentRequest = true
            }
        }
        // s_client prints RENEGOTIATING on stderr.
        XCTAssertTrue(result.output.contains("RENEGOTIATING"), "s_client never tried to renegotiate\n\(result)")
        XCTAssertFalse(result.timedOut, "connection still open after a renegotiation attempt\n\(result)")
        XCTAssertFalse(result.output.contains("hello from backend"),
                       "a request went through after renegotiation (sent: \(sentRequest))\n\(result)")
        XCTAssertTrue(backend.requests.isEmpty, "\(backend.events())")
        _ = sekisho
    }

    /// Runs s_client with a good client certificate and a GET; the request must go through.
    private func negotiate(_ options: [String]) throws -> CommandResult {
        let (backend, sekisho) = try startProxy()
        let result = try sClient(try sekisho.listener(), options: options)
        XCTAssertFalse(result.timedOut, "s_client did not finish\n\(result)")
        XCTAssertTrue(result.stdout.contains("hello from backend"), "request did not go through\n\(result)")
        XCTAssertEqual(backend.requests, ["request GET /"])
        return result
    }
}
