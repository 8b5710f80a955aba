import Foundation
import SekishoCore
import SekishoTLS
import XCTest

/// The stale-CRL policy: a CRL past its nextUpdate loads, is used with a warning within the
/// grace period, and after it refuses (`reject`, the default) or keeps warning (`warn`).
final class TLSStaleCRLTests: XCTestCase {
    private func context(crl: String, policy: CRLStalePolicy, graceSeconds: Int64, ticketKey: TLSSessionTicketKey? = nil) throws -> TLSContext {
        var configuration = try Fixtures.serverConfiguration(crls: ["root-ca.crl"], ticketKey: ticketKey)
        configuration.clientAuth.crlPaths.insert(crl, at: 0)
        configuration.clientAuth.crlStalePolicy = policy
        configuration.clientAuth.crlStaleGraceSeconds = graceSeconds
        return try TLSContext(configuration: configuration)
    }

    /// A CRL of the intermediate whose nextUpdate passed an hour ago (issued three hours ago).
    private func staleCRL(revoking: String? = nil) throws -> String {
        let minter = try CRLMinter()
        if let revoking { try minter.revoke(revoking) }
        return try minter.crl(named: "stale", lastUpdateOffset: -3 * 3600, nextUpdateOffset: -3600)
    }

    private func handshake(_ context: TLSContext, client: String = "client-good-ecdsa") throws -> (TLSSession, TLSHandshakeStep) {
        let server = context.makeServerSession()
        var pump = Pump(client: try Fixtures.client(certificate: client).makeClientSession(serverName: "localhost"), server: server)
        return (server, pump.handshake().server)
    }

    func testStaleCRLLoadsAndCheckSaysSo() throws {
        let crl = try staleCRL()
        let context = try self.context(crl: crl, policy: .reject, graceSeconds: 0)
        let warning = try XCTUnwrap(context.surface.notes.first { $0.contains("stale") }, "\(context.surface.notes)")
        XCTAssertTrue(warning.hasPrefix("warning: CRL \(crl) from CN=Sekisho Test Intermediate CA,O=Sekisho Test: stale, nextUpdate "), warning)
        XCTAssertTrue(warning.contains(" passed 1h ago, thisUpdate "), warning)
        XCTAssertTrue(warning.hasSuffix("(age 3h); grace 0s, policy reject"), warning)
        let status = try XCTUnwrap(context.crlStatus().first)
        XCTAssertTrue(status.isStale)
        XCTAssertTrue(status.isBeyondGrace)
        XCTAssertGreaterThanOrEqual(status.secondsPastNextUpdate, 3599)
        XCTAssertFalse(try XCTUnwrap(context.crlStatus().last).isStale, "the root CRL is fresh")
    }

    func testRejectPolicyRefusesAfterTheGracePeriod() throws {
        let (_, step) = try handshake(try context(crl: try staleCRL(), policy: .reject, graceSeconds: 1800))
        let refusal = try XCTUnwrap(step.refusal, "\(step)")
        XCTAssertEqual(refusal.reason, .crlStale)
        XCTAssertTrue(refusal.detail.contains("stale, nextUpdate"), refusal.detail)
        XCTAssertTrue(refusal.detail.hasSuffix("grace 30m, policy reject"), refusal.detail)
    }

    func testRejectPolicyAcceptsWithAWarningWithinTheGracePeriod() throws {
        let (server, step) = try handshake(try context(crl: try staleCRL(), policy: .reject, graceSeconds: 7200))
        XCTAssertTrue(step.isComplete, "\(step)")
        let warning = try XCTUnwrap(server.crlWarning)
        XCTAssertTrue(warning.hasSuffix("grace 2h, policy reject"), warning)
    }

    func testWarnPolicyAcceptsAfterTheGracePeriod() throws {
        let (server, step) = try handshake(try context(crl: try staleCRL(), policy: .warn, graceSeconds: 0))
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertTrue(server.crlWarning?.hasSuffix("grace 0s, policy warn") == true, "\(server.crlWarning ?? "nil")")
    }

    func testAStaleCRLStillRevokes() throws {
        let crl = try staleCRL(revoking: "client-good-rsa")
        let (_, step) = try handshake(try context(crl: crl, policy: .warn, graceSeconds: 0), client: "client-good-rsa")
        XCTAssertEqual(step.refusal?.reason, .revoked, "\(step)")
    }

    func testResumedSessionIsRefusedOnceTheCRLIsStaleBeyondGrace() throws {
        let key = try TLSSessionTicketKey()
        let fresh = try Fixtures.server(ticketKey: key)
        let stale = try context(crl: try staleCRL(), policy: .reject, graceSeconds: 0, ticketKey: key)
        let client = try Fixtures.client()
        var first = Pump(client: client.makeClientSession(serverName: "localhost"), server: fresh.makeServerSession())
        XCTAssertTrue(first.handshake().server.isComplete)
        _ = first.send("ping", from: first.client, to: first.server)
        _ = Pump.readAvailable(first.client)
        let resumption = try XCTUnwrap(first.client.resumptionState)
        let server = stale.makeServerSession()
        var second = Pump(client: client.makeClientSession(serverName: "localhost", resuming: resumption), server: server)
        let step = second.handshake().server
        XCTAssertTrue(server.isResumed || step.refusal != nil, "\(step)")
        XCTAssertEqual(step.refusal?.reason, .crlStale, "\(step)")
        XCTAssertTrue(step.refusal?.detail.hasSuffix("(resumed session)") == true, "\(step)")
    }

    func testClientCAWithoutACRLIsNotedForCheck() throws {
        let context = try Fixtures.server(crls: ["client-ca.crl"])
        XCTAssertTrue(context.surface.notes.contains(
            "warning: client CA CN=Sekisho Test Root CA,O=Sekisho Test has no CRL; certificates it issued cannot be revoked on this listener"),
            "\(context.surface.notes)")
        let covered = try Fixtures.server()
        XCTAssertFalse(covered.surface.notes.contains { $0.contains("has no CRL") }, "\(covered.surface.notes)")
    }
}
