import Logging
import SekishoConfig
import SekishoCore
import SekishoHTTP1
import SekishoIO
import SekishoTLS

/// One client connection in `protocol: http1` mode: mutual TLS toward the client, every request
/// parsed strictly (`HTTP1RequestParser`), re-framed and forwarded over a pooled keep-alive
/// connection with the client's identity in headers, and every response parsed strictly
/// (`HTTP1ResponseParser`) on its way back.
///
/// Lifecycle: `handshaking → open → closing → closed`. In `open`, requests are handled one at
/// a time, in order: bytes of a pipelined next request stay unparsed (and the client unread)
/// until the current response is complete, so responses can never be reordered or mixed.
///
/// Backpressure, per direction, with `buffer_bytes = B` (the same budget as tcp mode):
/// - client → upstream: body bytes the upstream did not accept park in the exchange's
///   `toUpstream`; at B the client is no longer read. Decrypted bytes not yet parsed
///   (`pendingRequest`) are at most one TLS read (64 KiB), since nothing more is decrypted
///   before they are used.
/// - upstream → client: ciphertext the client did not accept parks in the front end's backlog;
///   at B the upstream is no longer read (and its response timeout is paused).
/// Bodies are never buffered whole; a busy connection stays under 2·B + ~260 KiB (B per
/// direction, one TLS read, one upstream read, OpenSSL's record buffers).
///
/// Errors follow `FailurePolicy`: 502/504/4xx answered by sekisho while nothing of a response
/// was sent, a silent retry on a fresh connection for an idempotent request that failed on a
/// reused one before any response byte, and a cut connection (RST, no close_notify) once a
/// response is under way, so a client never takes a truncated body for a complete one.
///
/// `@unchecked Sendable`: confined to `loop.queue`; every handler runs there.
final class HTTP1ProxyConnection: ProxyConnection, @unchecked Sendable {
    enum Phase {
        case handshaking
        case open
        /// close_notify sent; flushing, then half-closed and discarding input until the client
        /// closes or a short linger passes (so unread input cannot turn our FIN into an RST
        /// that destroys the last response in flight).
        case closing(writeShut: Bool)
        case closed
    }

    let id: ConnectionID
    let loop: EventLoop
    let scratch: LoopScratch
    let resources: LoopResources
    let front: TLSFrontEnd
    let generation: ListenerGeneration
    let http: HTTPListenerGeneration
    let tracker: ConnectionTracker
    /// The server's logger; `logger` adds this connection's metadata on each use.
    private let baseLogger: Logger
    let timer: LoopTimer
    let bufferBudget: Int

    var phase: Phase = .handshaking
    /// The request parser, made when request bytes first arrive and dropped again while the
    /// connection is idle between requests (`releaseIdleParser`): inline it took 280 bytes of
    /// every connection, most of which wait for a request that may never come.
    private(set) var requestParser: RequestParserBox?

    final class RequestParserBox {
        var value: HTTP1RequestParser
        init(_ value: HTTP1RequestParser) { self.value = value }
    }

    /// The request parser, made on first use.
    var parser: RequestParserBox {
        if let requestParser { return requestParser }
        let made = RequestParserBox(HTTP1RequestParser(limits: http.parserLimits, policy: http.parserPolicy))
        requestParser = made
        return made
    }

    /// Whether a request has begun arriving (no parser, or an idle one: no).
    var requestInProgress: Bool { !(requestParser?.value.isIdle ?? true) }

    /// Drops the parser while nothing of a request is held: an idle parser and a new one behave
    /// the same (`HTTP1RequestParser.isIdle`: between messages, no partial line).
    private func releaseIdleParser() {
        guard !processingRequest, !parserOwesCall, pendingRequest.isEmpty, exchange == nil,
              let requestParser, requestParser.value.isIdle else { return }
        self.requestParser = nil
    }
    /// Decrypted request bytes not parsed yet (a pipelined request, or bytes held back while
    /// the upstream is slow).
    var pendingRequest = ByteBuffer()
    /// The parser returned an event the last time it ran, so it may have another one without
    /// further input (e.g. `.end` right after the head of a body-less request).
    var parserOwesCall = false
    /// Set while `processRequestBytes` runs, so that nothing re-enters it.
    var processingRequest = false
    var exchange: HTTP1Exchange?
    /// Request bytes consumed since the last exchange began (the next head, for `bytes_in`).
    var bytesBeforeExchange = 0
    /// First byte of a request head that is not complete yet (header timeout).
    var headStartedAt: MonotonicInstant?
    /// The client sent close_notify or FIN.
    var clientInputEnded = false
    var draining = false
    var armedFor: MonotonicInstant?
    var closingDeadline: MonotonicInstant?

    // Fixed once the handshake completes.
    /// The client as the listener's policy admitted it (`VerifiedPeer`, the session's own
    /// identity value): nil before admission, and for an admitted client that sent no
    /// certificate (`client_auth.required: false`).
    var peer: PeerIdentity? { front.verifiedPeer?.identity }
    /// Built by `requestContext()` for the first request, then kept for the next ones.
    private var cachedRequestContext: HTTP1Forwarding.RequestContext?
    /// The handlers given to each upstream socket, made once per client connection: a closure
    /// literal in `attach` would be two allocations per exchange.
    lazy var upstreamReadHandler: () -> Void = { [unowned self] in self.pumpUpstream() }
    lazy var upstreamWriteHandler: () -> Void = { [unowned self] in self.upstreamWritable() }
    var tlsVersion: String?
    var cipher: String?
    let clientAddress: String

    init(
        id: ConnectionID,
        accepted: AcceptedSocket,
        resources: LoopResources,
        generation: ListenerGeneration,
        http: HTTPListenerGeneration,
        tracker: ConnectionTracker,
        logger: Logger
    ) {
        self.id = id
        self.loop = resources.loop
        self.resources = resources
        self.scratch = resources.scratch
        self.front = TLSFrontEnd(accepted: accepted, loop: resources.loop, context: generation.tls, scratch: resources.scratch, trust: generation.trust)
        self.generation = generation
        self.http = http
        self.tracker = tracker
        self.timer = resources.loop.makeTimer()
        self.bufferBudget = generation.config.bufferBytes
        self.clientAddress = "\(accepted.remote)"
        self.baseLogger = logger
    }

    /// Kept while the handshake runs (it is passed to every handshake step), dropped after.
    private var handshakeLogger: Logger?

    /// The connection's logger: the server's, with `conn`, `peer` and `listener` metadata.
    ///
    /// Not kept for the connection's life: a stored copy holds its own metadata dictionary and
    /// log-handler box (about 0.5 KiB, measured with heaptrack), while an established
    /// connection logs only on errors and timeouts. So it is kept during the handshake and made
    /// on each use afterwards.
    var logger: Logger {
        if let handshakeLogger { return handshakeLogger }
        let made = baseLogger.forConnection(id, peer: front.socket.remoteAddress, listener: generation.config.name)
        if case .handshaking = phase { handshakeLogger = made }
        return made
    }

    // MARK: Start and handshake

    func start() {
        loop.assertInLoop()
        resources.register(self)
        front.socket.onReadable = { [unowned self] in self.clientReadable() }
        front.socket.onWritable = { [unowned self] in self.clientWritable() }
        armTimer()
        // The listener hands a connection over once its first bytes are in (TCP_DEFER_ACCEPT),
        // so the ClientHello is normally waiting: answer it now rather than after a readable
        // event, one event-loop round trip less per handshake. Nothing there yet is harmless
        // (the read says "would block").
        clientReadable()
        if case .handshaking = phase { front.socket.setReadInterest(true) }
    }

    private func clientReadable() {
        switch phase {
        case .handshaking:
            switch front.handshakeReadable(logger: logger, tracker: tracker) {
            case .inProgress: break
            case .established: established()
            case .ended: close()
            }
        case .open:
            pumpClient(fromReadable: true)
        case .closing:
            discardClientInput()
        case .closed:
            break
        }
    }

    private func established() {
        phase = .open
        handshakeLogger = nil
        front.settleAfterHandshake()
        tlsVersion = front.tls.negotiatedVersion
        cipher = front.tls.cipherSuiteName
        if draining {
            beginClose()
            return
        }
        armTimer()
        // The first request may have arrived in the same flight as the client's Finished.
        pumpClient()
    }

    /// What every forwarded head of this connection carries: client address, identity fields
    /// and their encoded block, fallback Host. Built for the first request, not at the
    /// handshake: the identity block (the ~1 KiB `Client-Cert` line and the header-safe
    /// subject/issuer) costs about 3 KiB (heaptrack), which a connection held open without
    /// requests would keep for nothing. Every input is fixed once the handshake completed
    /// (peer, SNI, addresses), so the value is the same whenever it is built.
    func requestContext() -> HTTP1Forwarding.RequestContext {
        if let cachedRequestContext { return cachedRequestContext }
        let remote = front.socket.remoteAddress
        let context = HTTP1Forwarding.RequestContext(
            clientIP: remote?.host ?? "unknown",
            clientIsIPv6: remote?.family == .ipv6,
            forwarded: http.settings.forwarded,
            identity: http.identity,
            identityFields: http.identity.fields(for: peer),
            fallbackHost: front.tls.serverName ?? front.socket.localAddress?.description ?? generation.config.listen.description
        )
        cachedRequestContext = context
        return context
    }

    private func clientWritable() {
        switch phase {
        case .open:
            guard flushClient() else { return }
            guard front.isFlushed else { return }
            if let exchange, exchange.pausedForClient {
                pumpUpstream()
            }
        case .closing(let writeShut):
            guard flushClient() else { return }
            if front.isFlushed, !writeShut { shutClientWrite() }
        case .handshaking:
            _ = try? front.flush()
        case .closed:
            break
        }
    }

    /// Moves ciphertext toward the client. Returns false if the connection was aborted.
    @discardableResult
    func flushClient() -> Bool {
        do {
            try front.flush()
            // Between requests with everything sent: give back BIO capacity a large flight
            // grew (an idle keep-alive connection should cost what a fresh one does).
            if exchange == nil, pendingRequest.isEmpty {
                front.releaseIdleBuffers()
                releaseIdleParser()
            }
            return true
        } catch {
            abort(reason: "client_io_error", detail: "\(error)", level: error.isPeerReset ? .info : .warning)
            return false
        }
    }

    /// Encrypts plaintext for the client (flush separately). Returns false if aborted.
    func sendToClient(_ bytes: UnsafeRawBufferPointer) -> Bool {
        do {
            try front.encrypt(bytes)
            exchange?.bytesOut += bytes.count
            return true
        } catch {
            abort(reason: "tls_error", detail: "\(error)", level: .warning)
            return false
        }
    }

    func sendToClient(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { sendToClient($0) }
    }

    // MARK: Drain and close

    func beginDrain() {
        loop.assertInLoop()
        draining = true
        switch phase {
        case .open:
            if let exchange {
                exchange.closeClientAfter = true
            } else {
                beginClose()
            }
        case .handshaking, .closing, .closed:
            break
        }
    }

    /// Graceful close: close_notify, flush, half-close, then discard input until the client
    /// closes (or a short linger passes).
    func beginClose() {
        guard case .open = phase else { return }
        phase = .closing(writeShut: false)
        if let exchange {
            exchange.dropUpstream()
            self.exchange = nil
        }
        pendingRequest.removeAll()
        front.tls.shutdown()
        guard flushClient() else { return }
        front.socket.setReadInterest(true)
        if front.isFlushed { shutClientWrite() }
        armTimer()
    }

    private func shutClientWrite() {
        phase = .closing(writeShut: true)
        front.socket.shutdownWrite()
        // A client that keeps sending gets two seconds, then an RST does not matter any more:
        // everything we sent has been sent.
        closingDeadline = MonotonicInstant.now().adding(.seconds(2))
        if clientInputEnded {
            // The client has already said it is done (close_notify or FIN), so its FIN is
            // usually in: read it now instead of after one more readable event.
            discardClientInput()
            if isClosed { return }
        }
        armedFor = nil
        armTimer()
    }

    private func discardClientInput() {
        for _ in 0..<16 {
            do {
                switch try front.socket.read(into: scratch.inbound) {
                case .bytes: continue
                case .wouldBlock: return
                case .endOfFile:
                    close()
                    return
                }
            } catch {
                close()
                return
            }
        }
    }

    /// Ends the connection at once. With `reset`, the client sees an RST and no close_notify:
    /// used when a response is cut short, so that it cannot pass for a complete one.
    func abort(reason: String, detail: String, level: Logger.Level, reset: Bool = false) {
        guard !isClosed else { return }
        logger.log(level: level, "connection_aborted", metadata: [
            "event": "connection_aborted", "component": "h1", "reason": "\(reason)", "detail": "\(detail)",
            "bytes_in": "\(front.bytesIn)", "bytes_out": "\(front.bytesOut)",
        ])
        if let exchange {
            exchange.error = exchange.error ?? reason
            logAccess(exchange)
        }
        if reset { front.socket.abortOnClose() }
        close()
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    func close() {
        if isClosed { return }
        phase = .closed
        timer.cancel()
        exchange?.dropUpstream()
        exchange = nil
        front.close()
        pendingRequest.removeAll()
        tracker.connectionClosed()
        resources.unregister(self)
    }

    // MARK: Timers

    /// The nearest deadline of the current state (STYLE: deadlines live in the state machine,
    /// one timer is armed for the nearest).
    private func nextDeadline() -> MonotonicInstant? {
        let config = generation.config
        switch phase {
        case .handshaking:
            return front.acceptedAt.adding(config.handshakeTimeout)
        case .open:
            guard let exchange else {
                if let headStartedAt { return headStartedAt.adding(http.settings.headerTimeout) }
                return front.lastActivity.adding(config.idleTimeout)
            }
            var nearest = max(front.lastActivity, exchange.lastUpstreamProgress).adding(config.idleTimeout)
            if let connecting = exchange.connecting { nearest = min(nearest, connecting.deadline) }
            if exchange.waitingForUpstream {
                nearest = min(nearest, exchange.lastUpstreamProgress.adding(exchange.upstream.config.http.responseTimeout))
            }
            return nearest
        case .closing(let writeShut):
            if writeShut, let closingDeadline { return closingDeadline }
            return front.lastActivity.adding(config.idleTimeout)
        case .closed:
            return nil
        }
    }

    /// Arms the timer if the nearest deadline is earlier than the one armed. A deadline that
    /// moved later (activity) is noticed when the timer fires and re-armed then, so busy
    /// connections do not re-arm a Dispatch timer on every read.
    func armTimer() {
        guard let deadline = nextDeadline() else { return }
        if let armedFor, armedFor <= deadline { return }
        armedFor = deadline
        timer.schedule(at: deadline) { [unowned self] in self.timerFired() }
    }

    private func timerFired() {
        armedFor = nil
        let now = MonotonicInstant.now()
        let config = generation.config
        switch phase {
        case .handshaking:
            if now >= front.acceptedAt.adding(config.handshakeTimeout) {
                front.logHandshakeTimeout(logger)
                close()
                return
            }
        case .open:
            if let exchange {
                if let connecting = exchange.connecting, now >= connecting.deadline {
                    connectTimedOut(exchange)
                } else if exchange.waitingForUpstream,
                          now >= exchange.lastUpstreamProgress.adding(exchange.upstream.config.http.responseTimeout) {
                    upstreamFailed(exchange, ProxyError(.responseTimeout))
                } else if now >= max(front.lastActivity, exchange.lastUpstreamProgress).adding(config.idleTimeout) {
                    abort(reason: "idle_timeout", detail: "no traffic for \(config.idleTimeout)", level: .info)
                    return
                }
            } else if let headStartedAt {
                if now >= headStartedAt.adding(http.settings.headerTimeout) {
                    headerTimedOut()
                }
            } else if now >= front.lastActivity.adding(config.idleTimeout) {
                logger.debug("keepalive_timeout", metadata: ["event": "keepalive_timeout", "component": "h1"])
                beginClose()
            }
        case .closing(let writeShut):
            let deadline = writeShut ? (closingDeadline ?? now) : front.lastActivity.adding(config.idleTimeout)
            if now >= deadline {
                close()
                return
            }
        case .closed:
            return
        }
        armTimer()
    }
}
