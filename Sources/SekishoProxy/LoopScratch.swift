import SekishoIO
import Synchronization

/// Scratch memory shared by every connection on one loop.
///
/// A connection only holds bytes of its own while a peer is slower than its source; the bytes
/// in flight pass through these two loop-wide buffers instead. That is what keeps an idle
/// mutual-TLS connection small: no per-connection read or write buffer exists until needed.
///
/// `@unchecked Sendable`: used only on its loop's queue, never across a suspension point.
final class LoopScratch: @unchecked Sendable {
    static let size = 64 * 1_024

    /// Bytes read from a socket on their way into TLS or toward the upstream.
    let inbound: UnsafeMutableRawBufferPointer
    /// Bytes on their way out to a socket (ciphertext drained from TLS, plaintext from TLS).
    let outbound: UnsafeMutableRawBufferPointer
    /// HTTP mode: request plaintext decrypted from TLS, parsed in place (zero-copy body ranges).
    let plaintext: UnsafeMutableRawBufferPointer
    /// HTTP mode: a body piece with its chunk framing around it, assembled so that it goes out
    /// in one socket write or one TLS record instead of three.
    let staging: UnsafeMutableRawBufferPointer

    init() {
        inbound = .allocate(byteCount: Self.size, alignment: 16)
        outbound = .allocate(byteCount: Self.size, alignment: 16)
        plaintext = .allocate(byteCount: Self.size, alignment: 16)
        staging = .allocate(byteCount: Self.size, alignment: 16)
    }

    deinit {
        inbound.deallocate()
        outbound.deallocate()
        plaintext.deallocate()
        staging.deallocate()
    }
}

/// Per-loop resources, indexed by `EventLoop.index`: scratch memory, the loop's pool of idle
/// upstream HTTP connections, and the live connections of that loop (which this registry keeps
/// alive; a connection unregisters when it closes).
///
/// `@unchecked Sendable`: `connections` is touched only on `loop.queue`; `load` is atomic.
final class LoopResources: @unchecked Sendable {
    let loop: EventLoop
    let scratch: LoopScratch
    let pool: UpstreamPool
    private var connections: [ConnectionID: any ProxyConnection] = [:]
    /// Connections assigned to this loop and not closed yet, including ones handed over and
    /// not started: what the accept path balances on (`ProxyServer.assign`). Read from any
    /// thread, so atomic.
    let load = Atomic<Int>(0)

    init(loop: EventLoop) {
        self.loop = loop
        self.scratch = LoopScratch()
        self.pool = UpstreamPool(loop: loop, scratch: scratch)
    }

    func register(_ connection: any ProxyConnection) {
        loop.assertInLoop()
        connections[connection.id] = connection
    }

    func unregister(_ connection: any ProxyConnection) {
        loop.assertInLoop()
        if connections.removeValue(forKey: connection.id) != nil {
            load.subtract(1, ordering: .relaxed)
        }
    }

    /// Shutdown: every connection finishes what it is doing and closes (an idle keep-alive one
    /// at once), and the idle upstream connections are closed.
    func beginDrain() {
        loop.assertInLoop()
        for connection in Array(connections.values) { connection.beginDrain() }
        pool.closeAll()
    }

}
