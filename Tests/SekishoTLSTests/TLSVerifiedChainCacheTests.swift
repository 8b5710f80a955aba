import Foundation
import SekishoCore
@testable import SekishoTLS
import XCTest

/// A client chain that verified cleanly is reused for a byte-identical chain; anything else
/// (another chain, a refusal, a warning, a disabled cache, an entry out of its time span) is
/// verified in full, with the same outcome a context without the cache gives.
final class TLSVerifiedChainCacheTests: XCTestCase {
    private func handshake(_ context: TLSContext, client: String = "client-good-ecdsa") throws -> (TLSSession, TLSHandshakeStep) {
        let server = context.makeServerSession()
        var pump = Pump(client: try Fixtures.client(certificate: client).makeClientSession(serverName: "localhost"), server: server)
        return (server, pump.handshake().server)
    }

    private func context(cacheSeconds: Int64 = 300, crls: [String] = ["client-ca.crl", "root-ca.crl"]) throws -> TLSContext {
        var configuration = try Fixtures.serverConfiguration(crls: crls)
        configuration.clientAuth.verificationCacheSeconds = cacheSeconds
        return try TLSContext(configuration: configuration)
    }

    func testTheSameChainIsVerifiedOnceAndAnsweredFromTheCacheAfterwards() throws {
        let context = try context()
        let cache = try XCTUnwrap(context.verifiedChains)
        let (firstServer, first) = try handshake(context)
        XCTAssertTrue(first.isComplete, "\(first)")
        XCTAssertEqual(cache.count, 1)
        XCTAssertEqual(cache.hits, 0)
        XCTAssertEqual(cache.misses, 1)

        let (secondServer, second) = try handshake(context)
        XCTAssertTrue(second.isComplete, "\(second)")
        XCTAssertEqual(cache.hits, 1, "the second handshake must be answered from the cache")
        XCTAssertEqual(cache.misses, 1)
        // What the rest of the handshake reads is what a full verification gives: the verified
        // chain (leaf, intermediate, root), the identity, the presented chain for forensics.
        let firstPeer = try XCTUnwrap(first.peer), secondPeer = try XCTUnwrap(second.peer)
        XCTAssertEqual(secondPeer.chainLength, 3)
        XCTAssertEqual(secondPeer, firstPeer)
        XCTAssertEqual(secondServer.presentedChain.map(\.subject), firstServer.presentedChain.map(\.subject))
        XCTAssertEqual(secondServer.presentedChain.count, 2)
        XCTAssertNil(secondServer.crlWarning)
        // The same result as a context without the cache.
        let (_, uncached) = try handshake(try self.context(cacheSeconds: 0))
        XCTAssertEqual(try XCTUnwrap(uncached.peer), secondPeer)
    }

    func testAnotherChainIsVerifiedInFullAndGetsItsOwnEntry() throws {
        let context = try context()
        let cache = try XCTUnwrap(context.verifiedChains)
        XCTAssertTrue(try handshake(context, client: "client-good-ecdsa").1.isComplete)
        XCTAssertTrue(try handshake(context, client: "client-good-rsa").1.isComplete)
        XCTAssertEqual(cache.count, 2)
        XCTAssertEqual(cache.hits, 0)

        // The same leaf without its intermediate (the server finds it among the configured CAs)
        // is another presented chain: its own full verification, its own entry.
        let leafOnly = try TestPKI.path("client-good-ecdsa.pem") + ".leaf-only.pem"
        let pem = try String(contentsOfFile: try TestPKI.path("client-good-ecdsa.pem"), encoding: .utf8)
        let end = try XCTUnwrap(pem.range(of: "-----END CERTIFICATE-----\n"))
        try String(pem[..<end.upperBound]).write(toFile: leafOnly, atomically: true, encoding: .utf8)
        let client = try TLSClientContext(configuration: TLSClientConfiguration(
            certificate: TLSCertificateSource(certPath: leafOnly, keyPath: try TestPKI.path("client-good-ecdsa.key")),
            trustedCAPath: try TestPKI.path("server-ca.pem"), securityLevel: 0))
        let server = context.makeServerSession()
        var pump = Pump(client: client.makeClientSession(serverName: "localhost"), server: server)
        let step = pump.handshake().server
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertEqual(server.presentedChain.count, 1)
        XCTAssertEqual(try XCTUnwrap(step.peer).chainLength, 3)
        XCTAssertEqual(cache.count, 3)
        XCTAssertEqual(cache.hits, 0)
    }

    /// Refusals are never cached: the second attempt is verified in full and refused with the
    /// same precise reason.
    func testRefusedChainsAreNeverCached() throws {
        let context = try context()
        let cache = try XCTUnwrap(context.verifiedChains)
        let cases: [(String, TLSRefusalReason)] = [
            ("client-revoked", .revoked), ("client-expired", .expired), ("client-unknown-ca", .unknownCA),
            ("client-sha1", .weakSignatureSHA1), ("client-no-eku", .noClientAuthEKU),
        ]
        for (client, reason) in cases {
            for attempt in 1...2 {
                let (_, step) = try handshake(context, client: client)
                XCTAssertEqual(step.refusal?.reason, reason, "\(client) attempt \(attempt): \(step)")
            }
        }
        XCTAssertEqual(cache.count, 0)
        XCTAssertEqual(cache.hits, 0)
    }

    /// A chain accepted with a warning (its issuer's CRL is stale, within the grace period) is
    /// verified, and warned about, on every handshake.
    func testAChainAcceptedWithAWarningIsNotCached() throws {
        let minter = try CRLMinter()
        let stale = try minter.crl(named: "stale", lastUpdateOffset: -3 * 3600, nextUpdateOffset: -3600)
        var configuration = try Fixtures.serverConfiguration(crls: ["root-ca.crl"])
        configuration.clientAuth.crlPaths.insert(stale, at: 0)
        configuration.clientAuth.crlStaleGraceSeconds = 7200
        let context = try TLSContext(configuration: configuration)
        for attempt in 1...2 {
            let (server, step) = try handshake(context)
            XCTAssertTrue(step.isComplete, "attempt \(attempt): \(step)")
            XCTAssertNotNil(server.crlWarning, "attempt \(attempt)")
        }
        XCTAssertEqual(context.verifiedChains?.count, 0)
        XCTAssertEqual(context.verifiedChains?.hits, 0)
    }

    func testZeroSecondsVerifiesEveryChainInFull() throws {
        let context = try context(cacheSeconds: 0)
        XCTAssertNil(context.verifiedChains)
        XCTAssertEqual(context.surface.verificationCacheSeconds, 0)
        for _ in 1...2 { XCTAssertTrue(try handshake(context).1.isComplete) }
        XCTAssertEqual(try handshake(context, client: "client-revoked").1.refusal?.reason, .revoked)
    }

    /// An entry is reusable from the latest notBefore of its chain until the earliest of: the
    /// configured age, the CRLs' earliest nextUpdate, the chain's earliest notAfter.
    func testAnEntryIsReusableOnlyWithinItsTimeSpan() throws {
        let leafAndIntermediate = try PEMFiles.certificates(path: try TestPKI.path("client-good-ecdsa.pem")).get()
        let root = try XCTUnwrap(try PEMFiles.certificates(path: try TestPKI.path("client-ca.pem")).get().last)
        let chain = leafAndIntermediate + [root]
        let notBefore = chain.map { X509Inspector.notBefore($0.ref).epochSeconds }.max()!
        let notAfter = chain.map { X509Inspector.notAfter($0.ref).epochSeconds }.min()!
        let now = notBefore + 10
        XCTAssertGreaterThan(notAfter, now + 3600)
        let key = VerifiedChainCache.Key(digests: [1, 2, 3])

        let cache = VerifiedChainCache(maxAgeSeconds: 300)
        cache.insert(key, chain: chain, now: now, crlNextUpdate: nil)
        XCTAssertNotNil(cache.entry(for: key, now: now))
        XCTAssertNotNil(cache.entry(for: key, now: now + 299))
        XCTAssertNil(cache.entry(for: key, now: now + 300), "older than the configured age")
        XCTAssertNil(cache.entry(for: key, now: notBefore - 1), "a clock set back before a notBefore")
        XCTAssertNil(cache.entry(for: VerifiedChainCache.Key(digests: [1, 2, 4]), now: now))

        let crlBound = VerifiedChainCache(maxAgeSeconds: 300)
        crlBound.insert(key, chain: chain, now: now, crlNextUpdate: now + 60)
        XCTAssertNotNil(crlBound.entry(for: key, now: now + 59))
        XCTAssertNil(crlBound.entry(for: key, now: now + 60), "a CRL reaching its nextUpdate")

        let expiryBound = VerifiedChainCache(maxAgeSeconds: 3600)
        expiryBound.insert(key, chain: chain, now: notAfter - 30, crlNextUpdate: nil)
        XCTAssertNotNil(expiryBound.entry(for: key, now: notAfter - 1))
        XCTAssertNil(expiryBound.entry(for: key, now: notAfter), "a certificate reaching its notAfter")

        let stale = VerifiedChainCache(maxAgeSeconds: 300)
        stale.insert(key, chain: chain, now: now, crlNextUpdate: now)
        XCTAssertEqual(stale.count, 0, "nothing reusable is not stored")
    }

    func testTheCacheStartsOverWhenFull() throws {
        let chain = try PEMFiles.certificates(path: try TestPKI.path("client-good-ecdsa.pem")).get()
        let now = chain.map { X509Inspector.notBefore($0.ref).epochSeconds }.max()! + 10
        let cache = VerifiedChainCache(maxAgeSeconds: 300)
        for i in 0..<VerifiedChainCache.capacity {
            cache.insert(VerifiedChainCache.Key(digests: withUnsafeBytes(of: i) { Array($0) }), chain: chain, now: now, crlNextUpdate: nil)
        }
        XCTAssertEqual(cache.count, VerifiedChainCache.capacity)
        cache.insert(VerifiedChainCache.Key(digests: [9]), chain: chain, now: now, crlNextUpdate: nil)
        XCTAssertEqual(cache.count, 1)
    }
}
