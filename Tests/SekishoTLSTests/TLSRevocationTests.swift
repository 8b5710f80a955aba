import SekishoCore
import SekishoTLS
import XCTest

/// Revocation against CRLs verified once at load: which CRLs load, and that every certificate
/// of the chain (not only the leaf) is checked against its issuer's CRL, on a full handshake
/// and on a resumed one.
final class TLSRevocationTests: XCTestCase {
    private func handshake(_ context: TLSContext, client: String = "client-good-ecdsa") throws -> (TLSSession, TLSHandshakeStep) {
        let server = context.makeServerSession()
        var pump = Pump(client: try Fixtures.client(certificate: client).makeClientSession(serverName: "localhost"), server: server)
        return (server, pump.handshake().server)
    }

    private func loadProblems(_ crls: [String]) throws -> [String] {
        do {
            _ = try Fixtures.server(crls: crls)
            return []
        } catch let error as TLSConfigurationError {
            return error.problems
        }
    }

    func testDeltaAndPartialCRLsAreRefusedAtLoadWithTheReason() throws {
        let delta = try loadProblems(["client-ca-delta.crl", "root-ca.crl"])
        XCTAssertEqual(delta.count, 1, "\(delta)")
        XCTAssertTrue(delta.first?.contains("client-ca-delta.crl: is a delta CRL") ?? false, "\(delta)")
        let partial = try loadProblems(["client-ca-partial.crl", "root-ca.crl"])
        XCTAssertEqual(partial.count, 1, "\(partial)")
        XCTAssertTrue(partial.first?.contains("client-ca-partial.crl: is a partitioned or indirect CRL") ?? false, "\(partial)")
    }

    func testACompleteCRLWithADistributionPointNameLoadsAndRevokes() throws {
        let context = try Fixtures.server(crls: ["client-ca-idp.crl", "root-ca.crl"])
        let (_, good) = try handshake(context)
        XCTAssertTrue(good.isComplete, "\(good)")
        let (_, revoked) = try handshake(context, client: "client-revoked")
        XCTAssertEqual(revoked.refusal?.reason, .revoked, "\(revoked)")
    }

    func testRevokedLeafIsRefusedWithTheCRLNamed() throws {
        let (_, step) = try handshake(try Fixtures.server(), client: "client-revoked")
        let refusal = try XCTUnwrap(step.refusal, "\(step)")
        XCTAssertEqual(refusal.reason, .revoked)
        XCTAssertTrue(refusal.detail.contains("client certificate CN=client-revoked"), refusal.detail)
        XCTAssertTrue(refusal.detail.contains("depth 0, CRL "), refusal.detail)
        XCTAssertTrue(refusal.detail.contains("client-ca.crl"), refusal.detail)
    }

    func testARevokedIntermediateRefusesEveryClientBelowIt() throws {
        let context = try Fixtures.server(crls: ["client-ca.crl", "root-ca-intrevoked.crl"])
        for client in ["client-good-ecdsa", "client-good-rsa"] {
            let (_, step) = try handshake(context, client: client)
            let refusal = try XCTUnwrap(step.refusal, "\(client): \(step)")
            XCTAssertEqual(refusal.reason, .revoked, client)
            XCTAssertTrue(refusal.detail.contains("client chain certificate CN=Sekisho Test Intermediate CA"), refusal.detail)
            XCTAssertTrue(refusal.detail.contains("depth 1"), refusal.detail)
        }
    }

    func testWithoutTheRootCRLTheIntermediateIsNotChecked() throws {
        // PROFILE.md: revocation "where a CRL is configured for its issuer". No root CRL is
        // configured here, so the intermediate's status is not looked up (and `sekisho check`
        // warns about the uncovered CA).
        let context = try Fixtures.server(crls: ["client-ca.crl"])
        let (_, step) = try handshake(context)
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertTrue(context.surface.notes.contains { $0.contains("Sekisho Test Root CA") && $0.contains("has no CRL") },
                      "\(context.surface.notes)")
    }

    func testAResumedSessionIsRefusedOnceItsIntermediateIsRevoked() throws {
        let key = try TLSSessionTicketKey()
        let before = try Fixtures.server(ticketKey: key)
        let client = try Fixtures.client()
        let server = before.makeServerSession()
        let session = client.makeClientSession(serverName: "localhost")
        var pump = Pump(client: session, server: server)
        XCTAssertTrue(pump.handshake().server.isComplete)
        _ = Pump.readAvailable(session)
        let state = try XCTUnwrap(session.resumptionState)
        let after = try Fixtures.server(crls: ["client-ca.crl", "root-ca-intrevoked.crl"], ticketKey: key)
        let resumedServer = after.makeServerSession()
        var resumed = Pump(client: client.makeClientSession(serverName: "localhost", resuming: state), server: resumedServer)
        let step = resumed.handshake().server
        let refusal = try XCTUnwrap(step.refusal, "\(step)")
        XCTAssertEqual(refusal.reason, .revoked)
        XCTAssertTrue(refusal.detail.contains("depth 1"), refusal.detail)
        XCTAssertTrue(refusal.detail.hasSuffix("(resumed session)"), refusal.detail)
    }
}
