import SekishoIO

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

    init() {
        inbound = .allocate(byteCount: Self.size, alignment: 16)
        outbound = .allocate(byteCount: Self.size, alignment: 16)
    }

    deinit {
        inbound.deallocate()
        outbound.deallocate()
    }
}

/// Per-loop resources, indexed by `EventLoop.index`: scratch memory and the live connections
/// of that loop (which this registry keeps alive; a connection unregisters when it closes).
///
/// `@unchecked Sendable`: `connections` is touched only on `loop.queue`.
final class LoopResources: @unchecked Sendable {
    let loop: EventLoop
    let scratch: LoopScratch
    private var connections: [ConnectionID: TCPProxyConnection] = [:]

    init(loop: EventLoop) {
        self.loop = loop
        self.scratch = LoopScratch()
    }

    func register(_ connection: TCPProxyConnection) {
        loop.assertInLoop()
        connections[connection.id] = connection
    }

    func unregister(_ connection: TCPProxyConnection) {
        loop.assertInLoop()
        connections[connection.id] = nil
    }

    var connectionCount: Int {
        loop.assertInLoop()
        return connections.count
    }
}
