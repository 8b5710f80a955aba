import Foundation
import SekishoCore
import SekishoTLS
import XCTest

/// The readiness-check context lets old and misconfigured clients finish a handshake, and says
/// what the profile would have refused.
final class TLSReadinessContextTests: XCTestCase {
    private func readiness() throws -> TLSContext {
        try TLSContext(readiness: try Fixtures.serverConfiguration())
    }

    private func handshake(_ client: TLSClientContext) throws -> (TLSSession, TLSHandshakeStep) {
        let server = try readiness().makeServerSession()
        var pump = Pump(client: client.makeClientSession(serverName: "localhost"), server: server)
        return (server, pump.handshake().server)
    }

    func testTLS11ClientCompletesAndItsOfferIsRecorded() throws {
        let client = try Fixtures.client(maximumVersion: .tls11, minimumVersion: .tls10, cipherList: "DEFAULT:@SECLEVEL=0")
        let (server, step) = try handshake(client)
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertEqual(server.negotiatedVersion, "TLSv1.1")
        XCTAssertEqual(server.offered?.offersOnlyLegacyVersions, true)
        XCTAssertNil(server.certificateProblem, "the good certificate itself passes")
        XCTAssertNotNil(server.peer)
    }

    func testSHA1CertificateCompletesButIsReported() throws {
        let (server, step) = try handshake(try Fixtures.client(certificate: "client-sha1"))
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertEqual(server.certificateProblem?.reason, .weakSignatureSHA1)
        XCTAssertEqual(server.presentedChain.first?.signatureAlgorithm, "ecdsa-with-SHA1")
    }

    func testUnknownCACompletesButIsReported() throws {
        let (server, step) = try handshake(try Fixtures.client(certificate: "client-unknown-ca"))
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertEqual(server.certificateProblem?.reason, .unknownCA)
    }

    func testGoodTLS13ClientPassesEverything() throws {
        let (server, step) = try handshake(try Fixtures.client())
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertEqual(server.negotiatedVersion, "TLSv1.3")
        XCTAssertNil(server.certificateProblem)
        XCTAssertEqual(server.presentedChain.count, 2)
    }

    func testClientWithoutCertificateIsAdmitted() throws {
        let (server, step) = try handshake(try Fixtures.client(certificate: nil))
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertNil(server.peer)
        XCTAssertEqual(server.presentedChain, [])
    }

    func testReadinessSurfaceSaysWhatItIs() throws {
        let context = try readiness()
        XCTAssertTrue(context.isReadiness)
        XCTAssertEqual(context.surface.versions, [])
        XCTAssertTrue(context.surface.notes.first?.hasPrefix("readiness-check listener: accepts TLS 1.0 to 1.3") == true)
        XCTAssertTrue(context.surface.tls12CipherSuites.contains("TLS_RSA_WITH_AES_128_CBC_SHA"), "\(context.surface.tls12CipherSuites.prefix(5))")
        XCTAssertFalse(try Fixtures.server().isReadiness)
    }
}
