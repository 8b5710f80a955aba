import Dispatch
import Foundation
import SekishoConfig
import SekishoCore
import XCTest
@testable import SekishoIO
@testable import SekishoProxy

/// The pool shell against real loopback sockets: an idle connection the peer closes is dropped
/// at once and never handed out; a live one is; round-robin order follows passive health.
final class UpstreamPoolLoopbackTests: XCTestCase {
    /// A listener that keeps every accepted socket until told to close them.
    private final class Peer: @unchecked Sendable {
        let listener: Listener
        let loop: EventLoop
        var accepted: [Socket] = []  // loop only

        init(loop: EventLoop) throws {
            self.loop = loop
            nonisolated(unsafe) var me: Peer?
            listener = try Listener(address: SocketAddress(HostPort(host: "127.0.0.1", port: 0, family: .ipv4)), label: "peer") { event in
                guard case .accepted(let socket) = event else { return }
                loop.execute { me?.accepted.append(Socket(adopting: socket, loop: loop)) }
            }
            me = self
            listener.start()
        }

        var address: HostPort { listener.localAddress.hostPort }
    }

    private func onLoop<T>(_ loop: EventLoop, _ body: @escaping () throws -> T) throws -> T {
        nonisolated(unsafe) var result: Result<T, any Error>!
        loop.queue.sync { result = Result { try body() } }
        return try result.get()
    }

    /// Connects a socket to `address` and waits until the connect finished.
    private func connected(to address: HostPort, loop: EventLoop) throws -> Socket {
        let socket = try onLoop(loop) { try Socket.connect(to: SocketAddress(address), loop: loop) }
        let done = expectation(description: "connected")
        loop.execute {
            socket.onWritable = {
                socket.setWriteInterest(false)
                socket.onWritable = nil
                done.fulfill()
            }
            socket.setWriteInterest(true)
        }
        wait(for: [done], timeout: 5)
        try onLoop(loop) { try socket.finishConnect() }
        return socket
    }

    private func waitUntil(_ what: String, timeout: TimeInterval = 5, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTFail("timed out waiting for \(what)")
    }

    /// A loop with its resources, a peer, and one connection to it that the peer has accepted.
    private func acceptedConnection() throws
        -> (loop: EventLoop, resources: LoopResources, peer: Peer, socket: Socket, server: HostPort)
    {
        let loop = EventLoop(index: 0)
        let resources = LoopResources(loop: loop)
        let peer = try Peer(loop: loop)
        let socket = try connected(to: peer.address, loop: loop)
        try waitUntil("the peer to accept") { try onLoop(loop) { peer.accepted.count == 1 } }
        return (loop, resources, peer, socket, peer.address)
    }

    func testIdleConnectionClosedByThePeerIsDroppedAndNeverReused() throws {
        let (loop, resources, peer, socket, server) = try acceptedConnection()

        try onLoop(loop) {
            let connection = UpstreamConnection(socket: socket, upstream: "web", server: server)
            resources.pool.checkin(connection, maxIdle: 4, idleTimeout: .seconds(30))
        }
        XCTAssertEqual(try onLoop(loop) { resources.pool.idleCount }, 1)

        // The backend closes its side (its own keep-alive timeout, say).
        try onLoop(loop) { peer.accepted[0].close() }
        try waitUntil("the pool to notice the close") { try onLoop(loop) { resources.pool.idleCount == 0 } }
        XCTAssertNil(try onLoop(loop) { resources.pool.checkout(upstream: "web", server: server) })
    }

    /// The close arrives after the last readable event could run (all in one turn of the
    /// loop): only the probe can see it. With the probe the connection is dropped; without it
    /// (a request the retry rule can replay) it is handed out, and its first read finds the EOF
    /// that the exchange then reports as "closed before response" on a reused connection.
    func testProbeCatchesACloseTheIdleEventHasNotSeenAndSkippingItHandsTheConnectionOut() throws {
        let loop = EventLoop(index: 0)
        let resources = LoopResources(loop: loop)
        let peer = try Peer(loop: loop)
        let server = peer.address
        let probed = try connected(to: server, loop: loop)
        let unprobed = try connected(to: server, loop: loop)
        try waitUntil("the peer to accept both") { try onLoop(loop) { peer.accepted.count == 2 } }

        let probedResult: Bool = try onLoop(loop) {
            resources.pool.checkin(UpstreamConnection(socket: probed, upstream: "web", server: server), maxIdle: 4, idleTimeout: .seconds(30))
            for socket in peer.accepted { socket.shutdownWrite() }  // FIN now, on loopback
            return resources.pool.checkout(upstream: "web", server: server, probe: true) == nil
        }
        XCTAssertTrue(probedResult, "the probe read the FIN: the connection was dropped, not handed out")
        XCTAssertEqual(try onLoop(loop) { resources.pool.idleCount }, 0)

        let unprobedRead: Socket.ReadResult? = try onLoop(loop) {
            resources.pool.checkin(UpstreamConnection(socket: unprobed, upstream: "web", server: server), maxIdle: 4, idleTimeout: .seconds(30))
            guard let connection = resources.pool.checkout(upstream: "web", server: server, probe: false) else { return nil }
            XCTAssertTrue(connection.socket === unprobed)
            var byte = [UInt8](repeating: 0, count: 1)
            defer { connection.socket.close() }
            return try byte.withUnsafeMutableBytes { try connection.socket.read(into: $0) }
        }
        XCTAssertEqual(unprobedRead, .endOfFile, "handed out without the probe, the connection shows its EOF on first use")
    }

    /// A readable event that arrives after its bytes were read (the exchange read the rest of a
    /// long response itself while Dispatch was delivering the event) must not close a good idle
    /// connection. The loop is held while the byte arrives, the event is queued, and the byte is
    /// read; the queued event then finds an empty socket.
    func testStaleReadableEventDoesNotCloseAnIdleConnection() throws {
        let (loop, resources, peer, socket, server) = try acceptedConnection()

        let consumed: Socket.ReadResult = try onLoop(loop) {
            resources.pool.checkin(UpstreamConnection(socket: socket, upstream: "web", server: server), maxIdle: 4, idleTimeout: .seconds(30))
            _ = try [UInt8(0x2E)].withUnsafeBytes { try peer.accepted[0].write($0) }
            // Dispatch's event thread sees the byte and queues the pool's handler behind us.
            Thread.sleep(forTimeInterval: 0.2)
            var byte = [UInt8](repeating: 0, count: 8)
            return try byte.withUnsafeMutableBytes { try socket.read(into: $0) }
        }
        XCTAssertEqual(consumed, .bytes(1))
        // Let the queued event run; then the connection must still be there, and handed out.
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(try onLoop(loop) { resources.pool.idleCount }, 1, "a stale event closed a good connection")
        let reused = try onLoop(loop) { resources.pool.checkout(upstream: "web", server: server) }
        XCTAssertTrue(reused?.socket === socket)
        try onLoop(loop) { reused?.socket.close() }
    }

    func testLiveIdleConnectionIsHandedOutOnceAndUnknownServersGetNone() throws {
        let loop = EventLoop(index: 0)
        let resources = LoopResources(loop: loop)
        let peer = try Peer(loop: loop)
        let socket = try connected(to: peer.address, loop: loop)
        let server = peer.address
        try onLoop(loop) {
            resources.pool.checkin(UpstreamConnection(socket: socket, upstream: "web", server: server), maxIdle: 4, idleTimeout: .seconds(30))
        }
        let other = HostPort(host: "127.0.0.1", port: 1, family: .ipv4)
        XCTAssertNil(try onLoop(loop) { resources.pool.checkout(upstream: "web", server: other) })
        XCTAssertNil(try onLoop(loop) { resources.pool.checkout(upstream: "api", server: server) })
        let first = try onLoop(loop) { resources.pool.checkout(upstream: "web", server: server) }
        XCTAssertTrue(first?.socket === socket)
        XCTAssertNil(try onLoop(loop) { resources.pool.checkout(upstream: "web", server: server) })
        try onLoop(loop) { first?.socket.close() }
    }

    func testIdleConnectionThatReceivedUnsolicitedBytesIsNotReused() throws {
        let (loop, resources, peer, socket, server) = try acceptedConnection()
        try onLoop(loop) {
            resources.pool.checkin(UpstreamConnection(socket: socket, upstream: "web", server: server), maxIdle: 4, idleTimeout: .seconds(30))
            // Bytes nobody asked for would be taken as the next response.
            _ = try Array("HTTP/1.1 200 OK\r\n\r\n".utf8).withUnsafeBytes { try peer.accepted[0].write($0) }
        }
        try waitUntil("the pool to drop the connection") { try onLoop(loop) { resources.pool.idleCount == 0 } }
    }

    func testRoundRobinSkipsFailedServersUntilAllHaveFailed() throws {
        let servers = (1...3).map { HostPort(host: "127.0.0.1", port: UInt16($0), family: .ipv4) }
        let upstream = UpstreamGeneration(config: UpstreamConfig(
            name: "web", servers: servers, protocol: .http1, connectTimeout: .seconds(1),
            http: UpstreamHTTPSettings(maxIdle: 1, idleTimeout: .seconds(1), responseTimeout: .seconds(1), failTimeout: .seconds(60))
        ))
        XCTAssertEqual(upstream.serverOrder(), [servers[0], servers[1], servers[2]])
        XCTAssertEqual(upstream.serverOrder(), [servers[1], servers[2], servers[0]])
        upstream.health.recordFailure(servers[2])
        XCTAssertEqual(upstream.serverOrder(), [servers[0], servers[1], servers[2]], "failed server last")
        XCTAssertEqual(upstream.serverOrder(), [servers[0], servers[1], servers[2]])
        XCTAssertEqual(upstream.serverOrder(), [servers[1], servers[0], servers[2]])
        upstream.health.recordFailure(servers[0])
        upstream.health.recordFailure(servers[1])
        XCTAssertEqual(Set(upstream.serverOrder()), Set(servers), "all failed: still tried, none dropped")
    }
}
