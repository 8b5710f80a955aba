import SekishoCore
@testable import SekishoTLS
import XCTest

/// Connections presenting the same client certificate share one `PeerIdentity` (its strings
/// cost about 1 KiB per idle connection otherwise); the shared value must be exactly what a
/// fresh build gives, and never one describing another certificate.
final class TLSPeerIdentityCacheTests: XCTestCase {
    private func peer(_ context: TLSContext, client certificate: String) throws -> PeerIdentity {
        var pump = Pump(client: try Fixtures.client(certificate: certificate).makeClientSession(serverName: "localhost"),
                        server: context.makeServerSession())
        let step = pump.handshake().server
        return try XCTUnwrap(step.peer, "\(step)")
    }

    func testSameCertificateSharesOneEntryWithTheSameValue() throws {
        let context = try Fixtures.server()
        let first = try peer(context, client: "client-good-ecdsa")
        let second = try peer(context, client: "client-good-ecdsa")
        XCTAssertEqual(context.peerIdentities.count, 1)
        XCTAssertEqual(first, second)
        // A context without any cached entry builds the same value.
        let fresh = try peer(try Fixtures.server(), client: "client-good-ecdsa")
        XCTAssertEqual(second, fresh)
        XCTAssertEqual(second.subject, fresh.subject)
        XCTAssertEqual(second.certificateDER, fresh.certificateDER)
        XCTAssertEqual(second.presentedChainDER, fresh.presentedChainDER)
        XCTAssertFalse(second.certificateDER.isEmpty)
    }

    func testAnotherCertificateGetsItsOwnIdentity() throws {
        let context = try Fixtures.server()
        let ecdsa = try peer(context, client: "client-good-ecdsa")
        let rsa = try peer(context, client: "client-good-rsa")
        XCTAssertEqual(context.peerIdentities.count, 2)
        XCTAssertNotEqual(ecdsa.sha256Fingerprint, rsa.sha256Fingerprint)
        XCTAssertNotEqual(ecdsa.certificateDER, rsa.certificateDER)
        XCTAssertEqual(rsa.keyDescription.hasPrefix("RSA"), true, rsa.keyDescription)
        XCTAssertEqual(try peer(context, client: "client-good-ecdsa"), ecdsa)
    }

    /// The negotiated suite's name is the profile's literal (shared, not a per-connection copy)
    /// and reads exactly as OpenSSL's standard name.
    func testCipherSuiteNameIsTheStandardName() throws {
        for (maximum, expected) in [(TLSClientProtocolVersion.tls13, "TLS_AES_128_GCM_SHA256"),
                                    (.tls12, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")] {
            let server = try Fixtures.server().makeServerSession()
            var pump = Pump(client: try Fixtures.client(maximumVersion: maximum).makeClientSession(serverName: "localhost"), server: server)
            XCTAssertTrue(pump.handshake().server.isComplete)
            XCTAssertEqual(server.cipherSuiteName, expected)
        }
    }

    func testCacheStartsOverWhenFull() throws {
        let cache = PeerIdentityCache()
        let template = PeerIdentity(
            subject: "CN=a", issuer: "CN=ca", commonNames: ["a"], organizations: [], organizationalUnits: [],
            dnsNames: [], ipAddresses: [], uris: [], serialNumberHex: "01", sha256Fingerprint: "x",
            notBefore: "", notAfter: "", notBeforeEpochSeconds: 0, notAfterEpochSeconds: 0,
            signatureAlgorithm: "", keyDescription: "", chainLength: 2)
        var builds = 0
        for i in 0..<PeerIdentityCache.capacity {
            _ = cache.identity(fingerprint: "\(i)", chainLength: 2, presentedChain: []) { builds += 1; return template }
        }
        XCTAssertEqual(cache.count, PeerIdentityCache.capacity)
        _ = cache.identity(fingerprint: "0", chainLength: 2, presentedChain: []) { builds += 1; return template }
        XCTAssertEqual(builds, PeerIdentityCache.capacity, "a hit builds nothing")
        _ = cache.identity(fingerprint: "0", chainLength: 3, presentedChain: []) { builds += 1; return template }
        XCTAssertEqual(builds, PeerIdentityCache.capacity + 1, "another chain length is not a hit")
        _ = cache.identity(fingerprint: "new", chainLength: 2, presentedChain: []) { builds += 1; return template }
        XCTAssertEqual(cache.count, 1, "full: started over")
    }
}
