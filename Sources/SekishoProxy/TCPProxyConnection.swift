import Logging
import SekishoConfig
import SekishoCore
import SekishoIO
import SekishoTLS

/// One client connection in `protocol: tcp` mode: mutual TLS toward the client, plain TCP toward
/// the upstream, decrypted bytes copied both ways with half-close respected.
///
/// Shape (hitch's `proxystate`): two directions, each with at most `buffer_bytes` parked in
/// this connection while the receiving side is slower than the sending side. When a direction's
/// budget is full, reading from its source stops until the sink drains (backpressure).
///
/// Per-connection memory budget, for `buffer_bytes = B`:
/// - client → upstream: at most B plaintext bytes in `toUpstream`, plus at most one socket read
///   (64 KiB) of ciphertext inside OpenSSL's read BIO;
/// - upstream → client: at most B ciphertext bytes in the front end's backlog plus OpenSSL's write BIO,
///   which never holds more than one upstream read (64 KiB) encrypted, because nothing more
///   is read from the upstream until that backlog has drained below B;
/// - OpenSSL's own record buffers (about 2 × 17 KiB while active; released while idle thanks to
///   SSL_MODE_RELEASE_BUFFERS).
/// So a busy connection stays under 2·B + ~200 KiB, and an idle one holds no buffer at all.
///
/// Lifecycle: `handshaking → connecting → proxying → closed`. A client whose handshake is
/// refused never leaves `handshaking`, so it can never cause an upstream connection.
///
/// The client side (socket, TLS session, handshake, ciphertext backlog) is a `TLSFrontEnd`,
/// shared with `HTTP1ProxyConnection`.
///
/// `@unchecked Sendable`: confined to `loop.queue`; handlers only run there.
final class TCPProxyConnection: ProxyConnection, @unchecked Sendable {
    enum State {
        case handshaking
        case connecting(remaining: [HostPort], current: HostPort)
        case proxying
        case closed
    }

    let id: ConnectionID
    private let loop: EventLoop
    private let scratch: LoopScratch
    private let front: TLSFrontEnd
    private var client: Socket { front.socket }
    private var tls: TLSSession { front.tls }
    private let generation: ListenerGeneration
    private let tracker: ConnectionTracker
    private let resources: LoopResources
    private var logger: Logger
    private var upstream: Socket?
    private var upstreamAddress: HostPort?
    private var state: State = .handshaking
    private let timer: LoopTimer
    private let bufferBudget: Int

    /// Plaintext read from TLS that the upstream has not accepted yet.
    private var toUpstream = ByteBuffer()

    private var clientReadDone = false
    private var upstreamWriteShut = false
    private var upstreamReadDone = false
    private var closeNotifySent = false
    private var lastActivity = MonotonicInstant.now()
    private var bytesFromClient: Int { front.bytesIn }
    private var bytesToClient: Int { front.bytesOut }

    init(
        id: ConnectionID,
        accepted: AcceptedSocket,
        resources: LoopResources,
        generation: ListenerGeneration,
        tracker: ConnectionTracker,
        logger: Logger
    ) {
        self.id = id
        self.loop = resources.loop
        self.resources = resources
        self.scratch = resources.scratch
        self.front = TLSFrontEnd(accepted: accepted, loop: resources.loop, context: generation.tls, scratch: resources.scratch, trust: generation.trust)
        self.generation = generation
        self.tracker = tracker
        self.timer = resources.loop.makeTimer()
        self.bufferBudget = generation.config.bufferBytes
        self.logger = logger.forConnection(id, peer: accepted.remote, listener: generation.config.name)
    }

    // MARK: Start and handshake

    func start() {
        loop.assertInLoop()
        resources.register(self)
        client.onReadable = { [unowned self] in self.clientReadable() }
        client.onWritable = { [unowned self] in self.clientWritable() }
        timer.schedule(at: front.acceptedAt.adding(generation.config.handshakeTimeout)) { [unowned self] in
            self.handshakeTimedOut()
        }
        // As in HTTP1ProxyConnection.start(): the ClientHello is normally already waiting.
        clientReadable()
        if case .handshaking = state { client.setReadInterest(true) }
    }

    private func clientReadable() {
        switch state {
        case .handshaking:
            switch front.handshakeReadable(logger: logger, tracker: tracker) {
            case .inProgress: break
            case .established:
                front.settleAfterHandshake()
                // Forwarding demands the policy's proof (`VerifiedPeer`): no upstream connection
                // for a client the policy never admitted.
                guard front.verifiedPeer != nil else {
                    abort(reason: "not_admitted", detail: "the handshake ended without the client policy admitting the client", level: .error)
                    return
                }
                connectUpstream(order: generation.serverOrder())
            case .ended: close()
            }
        case .proxying:
            pumpClientToUpstream()
        case .connecting, .closed:
            client.setReadInterest(false)
        }
    }

    private func handshakeTimedOut() {
        guard case .handshaking = state else { return }
        front.logHandshakeTimeout(logger)
        close()
    }

    // MARK: Upstream connect

    private func connectUpstream(order: [HostPort]) {
        guard let next = order.first else {
            logger.error("upstream_unreachable", metadata: [
                "event": "upstream_connect_failed", "component": "upstream",
                "upstream": "\(generation.upstream.name)",
                "detail": "every server of the upstream refused or timed out",
            ])
            close()
            return
        }
        let remaining = Array(order.dropFirst())
        do {
            let socket = try Socket.connect(to: SocketAddress(next), loop: loop)
            upstream = socket
            upstreamAddress = next
            state = .connecting(remaining: remaining, current: next)
            socket.onWritable = { [unowned self] in self.upstreamConnectFinished() }
            socket.setWriteInterest(true)
            timer.schedule(at: MonotonicInstant.now().adding(generation.upstream.connectTimeout)) { [unowned self] in
                self.upstreamConnectTimedOut()
            }
        } catch {
            logConnectFailure(server: next, detail: "\(error)")
            connectUpstream(order: remaining)
        }
    }

    private func upstreamConnectFinished() {
        guard case .connecting(let remaining, let current) = state, let socket = upstream else { return }
        do {
            try socket.finishConnect()
        } catch {
            logConnectFailure(server: current, detail: "\(error)")
            socket.close()
            upstream = nil
            connectUpstream(order: remaining)
            return
        }
        state = .proxying
        logger.debug("upstream_connected", metadata: ["event": "upstream_connected", "component": "upstream", "server": "\(current)"])
        socket.setWriteInterest(false)
        socket.onWritable = { [unowned self] in self.upstreamWritable() }
        socket.onReadable = { [unowned self] in self.pumpUpstreamToClient() }
        socket.setReadInterest(true)
        lastActivity = .now()
        armIdleTimer()
        // The client may already have sent application data in the same flight as its
        // Finished message; it is sitting inside TLS now.
        pumpClientToUpstream()
    }

    private func upstreamConnectTimedOut() {
        guard case .connecting(let remaining, let current) = state else { return }
        logConnectFailure(server: current, detail: "connect timed out after \(generation.upstream.connectTimeout)")
        upstream?.close()
        upstream = nil
        connectUpstream(order: remaining)
    }

    private func logConnectFailure(server: HostPort, detail: String) {
        logger.warning("upstream_connect_failed", metadata: [
            "event": "upstream_connect_failed", "component": "upstream",
            "upstream": "\(generation.upstream.name)", "server": "\(server)", "detail": "\(detail)",
        ])
    }

    // MARK: Client → upstream

    private func pumpClientToUpstream() {
        guard case .proxying = state, let upstream else { return }
        var socketReads = 0
        while !clientReadDone {
            if !toUpstream.isEmpty {
                guard drainToUpstream(upstream) else { return }
                if toUpstream.readableBytes >= bufferBudget {
                    // Upstream is slower than the client and the budget is used up: stop
                    // reading the client until the upstream drains.
                    client.setReadInterest(false)
                    upstream.setWriteInterest(true)
                    return
                }
                if !toUpstream.isEmpty { upstream.setWriteInterest(true) }
            }
            switch tls.readPlaintext(into: scratch.outbound) {
            case .bytes(let n):
                lastActivity = .now()
                let chunk = UnsafeRawBufferPointer(rebasing: scratch.outbound[..<n])
                if toUpstream.isEmpty {
                    guard writeOrPark(chunk, to: upstream) else { return }
                } else {
                    // Bytes already parked go first: append to keep the stream in order.
                    toUpstream.append(chunk)
                }
            case .needsInput:
                // Reading may have produced TLS output (e.g. a KeyUpdate reply).
                guard flushToClient() else { return }
                if socketReads == 16 {
                    // Fairness: let other connections on this loop run, then continue.
                    loop.execute { [self] in pumpClientToUpstream() }
                    return
                }
                socketReads += 1
                switch front.readIntoTLS() {
                case .gotBytes: continue
                case .wouldBlock:
                    client.setReadInterest(true)
                    return
                case .endOfFile:
                    // TCP FIN without close_notify: a truncation, routine for browsers.
                    logger.debug("client_eof", metadata: ["event": "client_eof", "close_notify": "false"])
                    clientFinishedSending()
                case .failed(let error):
                    abort(reason: "client_io_error", detail: "\(error)", level: error.isPeerReset ? .info : .warning)
                    return
                }
            case .closed:
                logger.debug("client_eof", metadata: ["event": "client_eof", "close_notify": "true"])
                clientFinishedSending()
            case .failed(let error):
                abort(reason: "tls_error", detail: "\(error)", level: .info)
                return
            }
        }
    }

    /// Writes `chunk` to the upstream; whatever the kernel does not take is parked in
    /// `toUpstream`. Returns false if the connection was aborted.
    private func writeOrPark(_ chunk: UnsafeRawBufferPointer, to upstream: Socket) -> Bool {
        do {
            let written = try upstream.write(chunk) ?? 0
            if written < chunk.count {
                toUpstream.append(UnsafeRawBufferPointer(rebasing: chunk[written...]))
            }
            return true
        } catch {
            abort(reason: "upstream_io_error", detail: "\(error)", level: .warning)
            return false
        }
    }

    /// Writes parked bytes to the upstream. Returns false if the connection was aborted.
    private func drainToUpstream(_ upstream: Socket) -> Bool {
        while !toUpstream.isEmpty {
            do {
                let written = try toUpstream.withReadableBytes { try upstream.write($0) }
                guard let written, written > 0 else { return true }
                toUpstream.consume(written)
                lastActivity = .now()
            } catch {
                abort(reason: "upstream_io_error", detail: "\(error)", level: .warning)
                return false
            }
        }
        return true
    }

    private func upstreamWritable() {
        guard case .proxying = state, let upstream else { return }
        guard drainToUpstream(upstream) else { return }
        guard toUpstream.isEmpty else { return }
        upstream.setWriteInterest(false)
        if clientReadDone {
            shutUpstreamWrite()
        } else {
            pumpClientToUpstream()
        }
    }

    private func clientFinishedSending() {
        clientReadDone = true
        client.setReadInterest(false)
        if toUpstream.isEmpty { shutUpstreamWrite() }
        finishIfDone()
    }

    private func shutUpstreamWrite() {
        guard !upstreamWriteShut, let upstream else { return }
        upstreamWriteShut = true
        upstream.shutdownWrite()
        finishIfDone()
    }

    // MARK: Upstream → client

    private func pumpUpstreamToClient() {
        guard case .proxying = state, let upstream else { return }
        var reads = 0
        while !upstreamReadDone {
            guard flushToClient() else { return }
            if front.backlogBytes >= bufferBudget {
                // Client is slower than the upstream: stop reading the upstream until the
                // client socket drains.
                upstream.setReadInterest(false)
                return
            }
            if reads == 16 {
                loop.execute { [self] in pumpUpstreamToClient() }
                return
            }
            reads += 1
            let result: Socket.ReadResult
            do {
                result = try upstream.read(into: scratch.inbound)
            } catch {
                abort(reason: "upstream_io_error", detail: "\(error)", level: error.isPeerReset ? .info : .warning)
                return
            }
            switch result {
            case .bytes(let n):
                lastActivity = .now()
                guard encrypt(UnsafeRawBufferPointer(rebasing: scratch.inbound[..<n])) else { return }
            case .wouldBlock:
                upstream.setReadInterest(true)
                return
            case .endOfFile:
                upstreamReadDone = true
                upstream.setReadInterest(false)
                // Half-close toward the client: close_notify ends our direction only.
                tls.shutdown()
                closeNotifySent = true
                _ = flushToClient()
                finishIfDone()
                return
            }
        }
    }

    /// Hands plaintext to TLS. Returns false if the connection was aborted.
    private func encrypt(_ plaintext: UnsafeRawBufferPointer) -> Bool {
        do {
            try front.encrypt(plaintext)
            return true
        } catch {
            abort(reason: "tls_error", detail: "\(error)", level: .warning)
            return false
        }
    }

    /// Moves ciphertext toward the client (see `TLSFrontEnd.flush`). Returns false if the
    /// connection was aborted.
    @discardableResult
    private func flushToClient() -> Bool {
        do {
            try front.flush()
            return true
        } catch {
            abort(reason: "client_io_error", detail: "\(error)", level: error.isPeerReset ? .info : .warning)
            return false
        }
    }

    private func clientWritable() {
        guard flushToClient() else { return }
        guard front.isFlushed else { return }
        lastActivity = .now()
        switch state {
        case .proxying:
            if upstreamReadDone {
                finishIfDone()
            } else {
                pumpUpstreamToClient()
            }
        case .handshaking, .connecting, .closed:
            break
        }
    }

    // MARK: Timers and teardown

    private func armIdleTimer() {
        timer.schedule(at: max(lastActivity, front.lastActivity).adding(generation.config.idleTimeout)) { [unowned self] in
            self.idleTimerFired()
        }
    }

    private func idleTimerFired() {
        guard case .proxying = state else { return }
        let deadline = max(lastActivity, front.lastActivity).adding(generation.config.idleTimeout)
        if MonotonicInstant.now() >= deadline {
            abort(reason: "idle_timeout", detail: "no traffic for \(generation.config.idleTimeout)", level: .info)
        } else {
            armIdleTimer()
        }
    }

    private func finishIfDone() {
        guard case .proxying = state else { return }
        guard clientReadDone, upstreamWriteShut, upstreamReadDone, closeNotifySent, front.isFlushed else { return }
        logger.debug("connection_closed", metadata: [
            "event": "connection_closed", "bytes_in": "\(bytesFromClient)", "bytes_out": "\(bytesToClient)",
        ])
        close()
    }

    private func abort(reason: String, detail: String, level: Logger.Level) {
        logger.log(level: level, "connection_aborted", metadata: [
            "event": "connection_aborted", "reason": "\(reason)", "detail": "\(detail)",
            "bytes_in": "\(bytesFromClient)", "bytes_out": "\(bytesToClient)",
        ])
        close()
    }

    /// A byte stream has no message boundary to stop at: draining lets it run to its end (or
    /// the shutdown grace period).
    func beginDrain() {}

    private func close() {
        if case .closed = state { return }
        state = .closed
        timer.cancel()
        front.close()
        upstream?.close()
        upstream = nil
        toUpstream.removeAll()
        tracker.connectionClosed()
        resources.unregister(self)
    }
}
