import SekishoCore
import SekishoTLS
import XCTest

/// The server-side session cache, the default without a shared ticket key: what it sends, that
/// it resumes across connections in both versions, stays within its bound, and never lets a
/// refused client back in.
final class TLSSessionCacheTests: XCTestCase {
    private func context(cacheSize: Int = 100, ticketKey: TLSSessionTicketKey? = nil) throws -> TLSContext {
        var configuration = try Fixtures.serverConfiguration(ticketKey: ticketKey)
        configuration.sessionCacheSize = cacheSize
        return try TLSContext(configuration: configuration)
    }

    /// A full handshake and a client read (TLS 1.3 tickets arrive after the handshake); the
    /// server session is dropped without close_notify, as most clients end connections.
    private func fullHandshake(_ context: TLSContext, client: TLSClientContext) throws -> TLSResumptionState {
        let server = context.makeServerSession()
        let session = client.makeClientSession(serverName: "localhost")
        var pump = Pump(client: session, server: server)
        let step = pump.handshake().server
        XCTAssertTrue(step.isComplete, "\(step)")
        _ = Pump.readAvailable(session)
        return try XCTUnwrap(session.resumptionState, "no resumable session")
    }

    private func resume(_ context: TLSContext, client: TLSClientContext, state: TLSResumptionState) -> (TLSSession, TLSHandshakeStep) {
        let server = context.makeServerSession()
        var pump = Pump(client: client.makeClientSession(serverName: "localhost", resuming: state), server: server)
        return (server, pump.handshake().server)
    }

    func testDefaultIsTheCacheAndATicketKeySelectsStatelessTickets() throws {
        let plain = try Fixtures.serverConfiguration()
        XCTAssertEqual(plain.resumption, .cache(size: TLSServerConfiguration.defaultSessionCacheSize))
        var keyed = plain
        keyed.sessionTicketKey = try TLSSessionTicketKey()
        XCTAssertEqual(keyed.resumption, .tickets(shared: true))
        var zero = plain
        zero.sessionCacheSize = 0
        XCTAssertEqual(zero.resumption, .tickets(shared: false))
        var off = plain
        off.sessionTickets = false
        XCTAssertEqual(off.resumption, .off)
        XCTAssertEqual(try TLSContext(configuration: plain).surface.sessionCacheSize, TLSServerConfiguration.defaultSessionCacheSize)
        XCTAssertEqual(try TLSContext(configuration: keyed).surface.sessionCacheSize, 0)
    }

    func testTLS13CacheSendsAShortTicketAndResumes() throws {
        let context = try context()
        let client = try Fixtures.client(maximumVersion: .tls13)
        let state = try fullHandshake(context, client: client)
        XCTAssertEqual(state.protocolVersion, "TLSv1.3")
        XCTAssertGreaterThan(state.ticketByteCount, 0)
        XCTAssertLessThanOrEqual(state.ticketByteCount, 64, "a stateful ticket is a session id, not an encrypted session")
        XCTAssertEqual(context.cachedSessionCount, 1)
        let (server, step) = resume(context, client: client, state: state)
        let peer = try XCTUnwrap(step.peer, "\(step)")
        XCTAssertTrue(server.isResumed)
        XCTAssertEqual(peer.commonName, "client-good-ecdsa")
    }

    func testStatelessTicketsCarryTheSession() throws {
        let state = try fullHandshake(try context(ticketKey: try TLSSessionTicketKey()), client: try Fixtures.client())
        XCTAssertGreaterThan(state.ticketByteCount, 200, "the encrypted session holds the client certificate")
    }

    func testTLS12CacheResumesBySessionID() throws {
        let context = try context()
        let client = try Fixtures.client(maximumVersion: .tls12)
        let state = try fullHandshake(context, client: client)
        XCTAssertEqual(state.protocolVersion, "TLSv1.2")
        XCTAssertEqual(state.ticketByteCount, 0, "no ticket: NO_TICKET is set in cache mode")
        XCTAssertEqual(state.sessionIDByteCount, 32)
        let (server, step) = resume(context, client: client, state: state)
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertTrue(server.isResumed)
    }

    func testCacheStaysWithinItsBound() throws {
        let context = try context(cacheSize: 3)
        let client = try Fixtures.client()
        var states: [TLSResumptionState] = []
        for _ in 0..<6 { states.append(try fullHandshake(context, client: client)) }
        // OpenSSL evicts the oldest entry when the cache is full as a session is added.
        XCTAssertLessThanOrEqual(context.cachedSessionCount, 3)
        XCTAssertGreaterThanOrEqual(context.cachedSessionCount, 2)
        // The oldest sessions were evicted: resuming one falls back to a full handshake.
        let (evicted, evictedStep) = resume(context, client: client, state: states[0])
        XCTAssertTrue(evictedStep.isComplete, "\(evictedStep)")
        XCTAssertFalse(evicted.isResumed)
        let (kept, _) = resume(context, client: client, state: states[5])
        XCTAssertTrue(kept.isResumed)
    }

    func testAPolicyRefusalRemovesTheSessionFromTheCache() throws {
        for version in [TLSClientProtocolVersion.tls12, .tls13] {
            let context = try context()
            let client = try Fixtures.client(maximumVersion: version)
            let server = context.makeServerSession()
            let session = client.makeClientSession(serverName: "localhost")
            var pump = Pump(client: session, server: server)
            XCTAssertTrue(pump.handshake().server.isComplete)
            let before = context.cachedSessionCount
            XCTAssertEqual(before, 1, "\(version)")
            server.refuse(TLSRefusal(reason: .policyDenied, detail: "test"))
            XCTAssertEqual(context.cachedSessionCount, 0, "\(version): a refused client's session must not stay resumable")
        }
    }
}
