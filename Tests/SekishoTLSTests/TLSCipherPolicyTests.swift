import SekishoCore
import SekishoTLS
import XCTest

/// What the server offers, read back from OpenSSL, and which clients it turns away.
final class TLSCipherPolicyTests: XCTestCase {
    func testServerCipherOrderReadBackEqualsTheProfileExactly() throws {
        let surface = try Fixtures.server().surface
        XCTAssertEqual(surface.tls13CipherSuites, CryptrecHighProfile.tls13CipherSuites.map(\.iana))
        XCTAssertEqual(surface.tls12CipherSuites, CryptrecHighProfile.tls12CipherSuites.map(\.iana))
        XCTAssertFalse(surface.tls12CipherSuites.contains { $0.contains("CCM_8") || $0.contains("CBC") })
        XCTAssertEqual(surface.groups, CryptrecHighProfile.groups.map(\.openSSL))
        XCTAssertEqual(surface.signatureAlgorithms, CryptrecHighProfile.signatureAlgorithms)
    }

    func testNarrowedAndReorderedListsAreReadBackAsConfigured() throws {
        var configuration = try Fixtures.serverConfiguration()
        let suites = CryptrecHighProfile.tls12CipherSuites
        configuration.tls12CipherSuites = [suites[3], suites[0], suites[10]]
        configuration.tls13CipherSuites = [CryptrecHighProfile.tls13CipherSuites[2], CryptrecHighProfile.tls13CipherSuites[0]]
        let surface = try TLSContext(configuration: configuration).surface
        XCTAssertEqual(surface.tls12CipherSuites, [suites[3].iana, suites[0].iana, suites[10].iana])
        XCTAssertEqual(surface.tls13CipherSuites, ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"])

        configuration.versions = [.tls13]
        let only13 = try TLSContext(configuration: configuration).surface
        XCTAssertEqual(only13.versions, [.tls13])
        XCTAssertEqual(only13.tls12CipherSuites, [], "no TLS 1.2 suites are reported when TLS 1.2 is off")
    }

    func testCBCOnlyAndRSAKeyTransportOnlyClientsHaveNoSharedCipher() throws {
        let context = try Fixtures.server()
        // The detail names the offered suites by IANA name (from the recorded ClientHello).
        for (list, firstOffered) in [
            ("ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA",
             "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
            ("AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
        ] {
            let server = context.makeServerSession()
            let client = try Fixtures.client(maximumVersion: .tls12, cipherList: list).makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            let (clientStep, serverStep) = pump.handshake()
            let refusal = try XCTUnwrap(serverStep.refusal, list)
            XCTAssertEqual(refusal.reason, .noSharedCipher, "\(refusal)")
            XCTAssertTrue(refusal.detail.contains(firstOffered), "detail names what the client offered: \(refusal.detail)")
            XCTAssertEqual(clientStep.refusal?.reason, .handshakeFailure, "the client receives handshake_failure")
        }
    }

    func testTLS11ClientIsRefusedWithProtocolVersion() throws {
        let client: TLSClientContext
        do {
            client = try TLSClientContext(configuration: TLSClientConfiguration(
                minimumVersion: .tls11, maximumVersion: .tls11,
                cipherList: "DEFAULT:@SECLEVEL=0", securityLevel: 0))
        } catch {
            throw XCTSkip("this OpenSSL build cannot make a TLS 1.1 client even at security level 0: \(error)")
        }
        let session = client.makeClientSession(serverName: "localhost")
        // A client that cannot produce a ClientHello at all is a build limitation, not a pass.
        guard session.handshake() == .needsInput, session.pendingCiphertextBytes > 0 else {
            throw XCTSkip("this OpenSSL build refuses to send a TLS 1.1 ClientHello: \(session.handshake())")
        }
        let server = try Fixtures.server().makeServerSession()
        var pump = Pump(client: session, server: server)
        let (clientStep, serverStep) = pump.handshake()
        let refusal = try XCTUnwrap(serverStep.refusal)
        XCTAssertEqual(refusal.reason, .protocolVersion, "\(refusal)")
        XCTAssertTrue(refusal.detail.contains("client offered at most TLSv1.1"), refusal.detail)
        XCTAssertEqual(clientStep.refusal?.reason, .protocolVersion, "the client receives protocol_version")
    }
}
