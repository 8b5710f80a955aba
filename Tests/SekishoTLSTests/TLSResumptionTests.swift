import SekishoCore
import SekishoTLS
import XCTest

/// Session resumption: accepted and marked resumed, and never a way around a check that a
/// full handshake would make today (revocation included).
final class TLSResumptionTests: XCTestCase {
    /// A full handshake, then a read on the client so TLS 1.3 tickets are processed.
    private func fullHandshake(
        _ context: TLSContext, client: TLSClientContext, file: StaticString = #filePath, line: UInt = #line
    ) throws -> TLSResumptionState {
        let server = context.makeServerSession()
        let session = client.makeClientSession(serverName: "localhost")
        var pump = Pump(client: session, server: server)
        let (_, serverStep) = pump.handshake()
        XCTAssertTrue(serverStep.isComplete, "\(serverStep)", file: file, line: line)
        XCTAssertFalse(server.isResumed, file: file, line: line)
        XCTAssertEqual(Pump.readAvailable(session), .needsInput, file: file, line: line)
        return try XCTUnwrap(session.resumptionState, "no resumable session", file: file, line: line)
    }

    private func resume(
        _ context: TLSContext, client: TLSClientContext, state: TLSResumptionState
    ) -> (server: TLSSession, step: TLSHandshakeStep) {
        let server = context.makeServerSession()
        let session = client.makeClientSession(serverName: "localhost", resuming: state)
        var pump = Pump(client: session, server: server)
        let (_, serverStep) = pump.handshake()
        return (server, serverStep)
    }

    /// Like `resume`, but reports the server's pending output at the moment it refused.
    private func resumeStepwise(
        _ context: TLSContext, client: TLSClientContext, state: TLSResumptionState
    ) -> (server: TLSSession, step: TLSHandshakeStep, pendingAtRefusal: Int?) {
        let server = context.makeServerSession()
        let session = client.makeClientSession(serverName: "localhost", resuming: state)
        var pump = Pump(client: session, server: server)
        for _ in 0..<16 {
            _ = session.handshake()
            pump.transfer(from: session, to: server)
            let step = server.handshake()
            if case .failed = step { return (server, step, server.pendingCiphertextBytes) }
            if case .complete = step { return (server, step, nil) }
            pump.transfer(from: server, to: session)
        }
        return (server, .needsInput, nil)
    }

    func testResumptionIsAcceptedAndMarkedResumedInTLS13AndTLS12() throws {
        for version in [TLSClientProtocolVersion.tls13, .tls12] {
            let context = try Fixtures.server()
            let client = try Fixtures.client(maximumVersion: version)
            let state = try fullHandshake(context, client: client)
            XCTAssertEqual(state.protocolVersion, version == .tls13 ? "TLSv1.3" : "TLSv1.2")
            let (server, step) = resume(context, client: client, state: state)
            let peer = try XCTUnwrap(step.peer, "\(version): \(step)")
            XCTAssertTrue(server.isResumed, "\(version)")
            // The SNI of the resuming ClientHello is reported (the HTTP layer compares it with
            // Host); OpenSSL's own answer is empty for a resumed TLS 1.2 session.
            XCTAssertEqual(server.serverName, "localhost", "\(version)")
            XCTAssertEqual(peer.subject, "CN=client-good-ecdsa,OU=Radiology,O=医療法人テスト会")
            XCTAssertEqual(peer.chainLength, 3, "leaf plus the intermediate and root found among the configured CAs")
        }
    }

    func testTicketsFromAnotherContextWithItsOwnKeyAreNotResumed() throws {
        let client = try Fixtures.client()
        let state = try fullHandshake(try Fixtures.server(), client: client)
        let (server, step) = resume(try Fixtures.server(), client: client, state: state)
        XCTAssertTrue(step.isComplete, "falls back to a full handshake: \(step)")
        XCTAssertFalse(server.isResumed)
    }

    func testSharedTicketKeyResumesAcrossContextsButRevocationInTheNewContextRefuses() throws {
        // Context A predates the revocation (its CRL does not list client-revoked); context B
        // is the same listener after a reload with the new CRL. Both share one ticket key, as
        // instances behind one name do.
        let key = try TLSSessionTicketKey()
        let before = try Fixtures.server(crls: ["client-ca-norevoked.crl", "root-ca.crl"], ticketKey: key)
        let after = try Fixtures.server(crls: ["client-ca.crl", "root-ca.crl"], ticketKey: key)

        for version in [TLSClientProtocolVersion.tls13, .tls12] {
            // Control: a good certificate resumes across the two contexts.
            let good = try Fixtures.client(maximumVersion: version)
            let goodState = try fullHandshake(before, client: good)
            let (goodServer, goodStep) = resume(after, client: good, state: goodState)
            XCTAssertTrue(goodStep.isComplete, "\(version): \(goodStep)")
            XCTAssertTrue(goodServer.isResumed, "\(version): shared key resumes across contexts")

            let revokedClient = try Fixtures.client(certificate: "client-revoked", maximumVersion: version)
            let state = try fullHandshake(before, client: revokedClient)
            let (server, step, pendingAtRefusal) = resumeStepwise(after, client: revokedClient, state: state)
            XCTAssertEqual(pendingAtRefusal, 0, "\(version): no ticket or data goes to a refused client")
            XCTAssertTrue(server.isResumed, "\(version): OpenSSL resumed; sekisho's re-check must refuse")
            let refusal = try XCTUnwrap(step.refusal, "\(version): \(step)")
            XCTAssertEqual(refusal.reason, .revoked)
            XCTAssertTrue(refusal.detail.contains("CN=client-revoked"), refusal.detail)
            XCTAssertTrue(refusal.detail.contains("resumed session"), refusal.detail)
            XCTAssertNil(server.peer)
            XCTAssertEqual(Pump.readAvailable(server), .failed(.refused(refusal)), "no data after a refused resumption")
        }
    }

    func testResumptionIntoAContextWhoseCRLsDoNotCoverTheRootBehavesLikeAFullHandshake() throws {
        // PROFILE.md: revocation is checked "where a CRL is configured for its issuer". The new
        // context has the intermediate's CRL only: the leaf is checked against it (not revoked),
        // the intermediate's issuer (the root) has no CRL, so the resumption is accepted, just as
        // a full handshake into that context would be.
        let key = try TLSSessionTicketKey()
        let before = try Fixtures.server(crls: [], ticketKey: key)
        let after = try Fixtures.server(crls: ["client-ca.crl"], ticketKey: key)
        let client = try Fixtures.client()
        let state = try fullHandshake(before, client: client)
        let (server, step) = resume(after, client: client, state: state)
        XCTAssertTrue(server.isResumed)
        XCTAssertNil(step.refusal, "\(step)")
        XCTAssertNotNil(server.peer)
    }

    func testDisabledSessionTicketsMeanNoResumption() throws {
        var configuration = try Fixtures.serverConfiguration()
        configuration.sessionTickets = false
        let context = try TLSContext(configuration: configuration)
        let client = try Fixtures.client()
        let server = context.makeServerSession()
        let session = client.makeClientSession(serverName: "localhost")
        var pump = Pump(client: session, server: server)
        XCTAssertTrue(pump.handshake().server.isComplete)
        _ = Pump.readAvailable(session)
        if let state = session.resumptionState {
            let (again, step) = resume(context, client: client, state: state)
            XCTAssertTrue(step.isComplete)
            XCTAssertFalse(again.isResumed)
        }
    }
}
