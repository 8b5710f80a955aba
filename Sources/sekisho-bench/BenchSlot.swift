import Dispatch
import SekishoCore
import SekishoHTTP1
import SekishoIO
import SekishoTLS

/// One connection slot: a small state machine that runs the plan's operation over and over on
/// one loop, one TCP connection at a time.
///
/// `.handshake`: connect → handshake → `GET` (`Connection: close`) → response → wait for the
/// server's close → next operation on a fresh connection, offering the last session when
/// resuming. `.requests`: connect and handshake once (not measured), then requests on the
/// kept-alive connection, reconnecting only when the server closes. `.idle`: connect and
/// handshake (admitted through the loop's handshake queue), then hold the connection.
///
/// Every callback of an old connection is fenced off by `generation`, which each close bumps: a
/// handler that closed the connection (an error, the end of an operation) returns at once.
///
/// `@unchecked Sendable`: confined to `context.loop`; every method runs on its queue (socket
/// and timer handlers are delivered there, and retries are scheduled there).
final class BenchSlot: @unchecked Sendable {
    enum Phase {
        /// No connection, nothing scheduled.
        case idle
        /// Waiting for the pacing timer (`--rate`) or, for `idle`, for a handshake turn.
        case waiting
        case connecting
        case handshaking
        /// Established; requests may be in flight.
        case open
        /// The last response announced `Connection: close`: waiting for the server's close.
        case draining
        /// `idle`: established and held open without traffic.
        case holding
        case finished
    }

    /// One measured operation: a request/response, or a whole connection for `.handshake`.
    struct Operation {
        /// When it started, or was due to start when paced (latency then includes the wait,
        /// so a server that falls behind is not flattered: coordinated omission).
        var start: MonotonicInstant
        /// Took a `--requests` token: counted whenever it completes.
        var hasToken: Bool
        var bodyBytesSent = 0
        var bodyBytesReceived = 0
        /// A status of 400 or more: the operation is reported as an error.
        var failedStatus: Int?
    }

    let context: LoopContext
    let id: Int
    var plan: BenchPlan { context.plan }
    var control: RunControl { context.control }

    var phase: Phase = .idle
    var socket: Socket?
    var session: TLSSession?
    var parser = HTTP1ResponseParser()
    /// Bytes the socket has not taken yet (ciphertext with TLS).
    var pending = ByteBuffer()
    /// Operations started and not completed, oldest first.
    var inFlight: [Operation] = []
    /// Upload body bytes of the newest request still to generate.
    var uploadRemaining = 0
    var lastResponseKeepAlive = true
    /// Bumped by every close; see the type's comment.
    var generation = 0
    /// Operation or connect deadline, checked by the loop's sweep.
    var deadline: MonotonicInstant?

    private var resumption: TLSResumptionState?
    private var offeredResumption = false
    private var nextStart: MonotonicInstant?
    private var pacingTimer: (any DispatchSourceTimer)?
    private var holdsHandshakeTurn = false
    private var countedEstablished = false

    init(context: LoopContext, id: Int) {
        self.context = context
        self.id = id
    }

    func start() { proceed() }

    // MARK: - Operation scheduling

    /// Starts whatever comes next: a new operation, a reconnect, or the end of the slot.
    func proceed() {
        context.loop.assertInLoop()
        if phase == .finished { return }
        if control.isStopping && inFlight.isEmpty && uploadRemaining == 0 {
            finish()
            return
        }
        switch plan.workload {
        case .handshake:
            guard socket == nil else { return }
            switch admitOperation() {
            case .stop: finish()
            case .later: phase = .waiting
            case .start(let operation):
                inFlight = [operation]
                connect()
            }
        case .requests(let shape):
            if socket == nil {
                connect()
            } else if phase == .open {
                fillPipeline(shape)
            }
        case .idle:
            guard socket == nil, phase != .waiting else { return }
            phase = .waiting
            context.admitHandshake(self)
        }
    }

    /// `idle`: the loop's handshake queue let this slot connect.
    func beginAdmittedHandshake() {
        holdsHandshakeTurn = true
        if control.isStopping {
            finish()
            return
        }
        inFlight = [Operation(start: .now(), hasToken: false)]
        connect()
    }

    private enum OperationAdmission {
        case start(Operation)
        case later
        case stop
    }

    /// Applies `--rate` pacing and the run's admission (stop, `--requests` budget).
    private func admitOperation() -> OperationAdmission {
        let now = MonotonicInstant.now()
        var intended = now
        if let interval = plan.pacingIntervalNanoseconds {
            // Slots are staggered over one interval so they do not start in lock-step.
            let next = nextStart ?? MonotonicInstant(
                nanoseconds: control.start.nanoseconds + interval * UInt64(id) / UInt64(plan.connections))
            if now < next {
                nextStart = next
                armPacing(at: next, now: now)
                return .later
            }
            intended = next
            nextStart = MonotonicInstant(nanoseconds: next.nanoseconds + interval)
        }
        switch control.admit(now: now) {
        case .refused: return .stop
        case .admitted: return .start(Operation(start: intended, hasToken: false))
        case .admittedWithToken: return .start(Operation(start: intended, hasToken: true))
        }
    }

    private func armPacing(at instant: MonotonicInstant, now: MonotonicInstant) {
        let delay = DispatchTime.now() + .nanoseconds(Int(clamping: now.nanoseconds(until: instant)))
        if let pacingTimer {
            pacingTimer.schedule(deadline: delay, leeway: .nanoseconds(0))
            return
        }
        // .strict: pacing precision is the point, so no coalescing of wake-ups.
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: context.loop.queue)
        timer.setEventHandler { [weak self] in
            guard let self, self.phase == .waiting || self.phase == .open else { return }
            self.proceed()
        }
        timer.schedule(deadline: delay, leeway: .nanoseconds(0))
        timer.resume()
        pacingTimer = timer
    }

    /// Sends requests until `--pipeline` are in flight (or an upload is being written).
    func fillPipeline(_ shape: RequestShape) {
        let g = generation
        while phase == .open && inFlight.count < shape.pipeline && uploadRemaining == 0 {
            switch admitOperation() {
            case .stop:
                if inFlight.isEmpty { finish() }
                return
            case .later:
                return
            case .start(let operation):
                deadline = MonotonicInstant.now().adding(.nanoseconds(Int64(plan.timeoutNanoseconds)))
                inFlight.append(operation)
                parser.expectResponse(to: shape.method)
                let sent = shape.head.withUnsafeBytes { transmit($0) }
                guard sent, g == generation else { return }
                if shape.uploadBytes > 0 {
                    uploadRemaining = shape.uploadBytes
                    pumpUpload()
                    return
                }
            }
        }
    }

    // MARK: - Connection set-up

    private func connect() {
        let now = MonotonicInstant.now()
        deadline = now.adding(.nanoseconds(Int64(plan.timeoutNanoseconds)))
        let socket: Socket
        do {
            socket = try Socket.connect(to: plan.address, loop: context.loop)
        } catch {
            fail(BenchErrorKind.connect(error), pause: true)
            return
        }
        self.socket = socket
        phase = .connecting
        if control.isAfterWarmup(now) { context.stats.connectionsOpened += 1 }
        // The socket drops these closures in close(), which breaks the cycle.
        socket.onWritable = { [self] in writable() }
        socket.onReadable = { [self] in readable() }
        // On loopback the connect has normally completed already: start at once instead of
        // after a writable event (`openssl s_time` and `ab` block in connect and go straight
        // on; waiting for the event would add an event-loop round trip to every operation).
        if socket.isConnected {
            connected()
        } else {
            socket.setWriteInterest(true)
        }
    }

    /// The non-blocking connect finished (`writable()` in `.connecting`).
    func connected() {
        guard let socket else { return }
        socket.setReadInterest(true)
        guard let tls = plan.tls else {
            established()
            return
        }
        var offer: TLSResumptionState?
        if case .handshake(resume: true) = plan.workload { offer = resumption }
        offeredResumption = offer != nil
        session = tls.makeClientSession(serverName: plan.serverName, resuming: offer)
        phase = .handshaking
        stepHandshake()
    }

    /// Advances the handshake with whatever input arrived; sends what it produced.
    func stepHandshake() {
        guard let session else { return }
        let g = generation
        let step = session.handshake()
        guard drainSession(), g == generation else { return }
        switch step {
        case .needsInput:
            return
        case .failed(let refusal):
            fail("tls_handshake_" + refusal.reason.rawValue)
        case .complete:
            handshakeCompleted(session)
        }
    }

    private func handshakeCompleted(_ session: TLSSession) {
        let now = MonotonicInstant.now()
        if control.isAfterWarmup(now) {
            if session.isResumed {
                context.stats.resumedHandshakes += 1
            } else {
                context.stats.fullHandshakes += 1
                if offeredResumption { noteError("resumption_declined", at: now) }
            }
        }
        if context.stats.negotiated == nil {
            context.stats.negotiated = NegotiatedTLS(
                version: session.negotiatedVersion ?? "?",
                cipherSuite: session.cipherSuiteName ?? "?",
                serverKey: session.peer?.keyDescription ?? "?",
                alpn: session.alpnProtocol)
        }
        established()
    }

    private func established() {
        phase = .open
        switch plan.workload {
        case .handshake:
            parser.expectResponse(to: .get)
            _ = plan.handshakeRequest.withUnsafeBytes { transmit($0) }
        case .requests(let shape):
            deadline = nil
            fillPipeline(shape)
        case .idle:
            let now = MonotonicInstant.now()
            if let operation = inFlight.first { complete(operation, at: now) }
            inFlight = []
            releaseHandshakeTurn()
            deadline = nil
            phase = .holding
            control.established.add(1, ordering: .relaxed)
            countedEstablished = true
            if control.isStopping { finish() }
        }
    }

    // MARK: - Responses

    /// A whole response arrived for the oldest operation in flight.
    func responseEnded() {
        let now = MonotonicInstant.now()
        guard !inFlight.isEmpty else { return }
        let operation = inFlight.removeFirst()
        complete(operation, at: now)
        switch plan.workload {
        case .handshake(let resume):
            // Read after the response: TLS 1.3 tickets arrive after the handshake.
            if resume, let state = session?.resumptionState { resumption = state }
            if lastResponseKeepAlive {
                // The server keeps the connection: we close first.
                closeConnection(graceful: true)
                proceed()
            } else {
                phase = .draining
                deadline = now.adding(.nanoseconds(Int64(plan.timeoutNanoseconds)))
            }
        case .requests(let shape):
            if !lastResponseKeepAlive {
                closeConnection(graceful: true)
                proceed()
                return
            }
            deadline = inFlight.isEmpty ? nil : now.adding(.nanoseconds(Int64(plan.timeoutNanoseconds)))
            if control.isStopping && inFlight.isEmpty {
                finish()
                return
            }
            fillPipeline(shape)
        case .idle:
            break
        }
    }

    /// Records a finished operation if it belongs to the measurement.
    private func complete(_ operation: Operation, at now: MonotonicInstant) {
        control.completed.add(1, ordering: .relaxed)
        if let status = operation.failedStatus {
            noteError("status_\(status)", at: now)
            return
        }
        guard operation.hasToken || control.isMeasured(end: now) else { return }
        context.stats.operations += 1
        context.stats.recordLatency(operation.start.nanoseconds(until: now))
        context.stats.bodyBytesSent += operation.bodyBytesSent
        context.stats.bodyBytesReceived += operation.bodyBytesReceived
        context.stats.lastMeasuredEnd = now
    }

    /// The server closed (close_notify or FIN). A close-delimited body ends here.
    func peerClosed() {
        let g = generation
        if !inFlight.isEmpty {
            do {
                if case .end? = try parser.eof() { responseEnded() }
            } catch {
                fail("closed_by_server")
                return
            }
            guard g == generation else { return }
        }
        switch phase {
        case .draining:
            closeConnection(graceful: false)
            proceed()
        case .open where inFlight.isEmpty && uploadRemaining == 0:
            // A kept-alive connection closed between requests (server idle timeout or
            // request limit): not an error; reconnect.
            closeConnection(graceful: false)
            proceed()
        default:
            fail("closed_by_server")
        }
    }

    // MARK: - Errors, timeouts, stop

    func noteError(_ kind: String, at now: MonotonicInstant = .now()) {
        control.failed.add(1, ordering: .relaxed)
        if control.isAfterWarmup(now) { context.stats.recordError(kind) }
    }

    /// Records the error, drops the connection and whatever was in flight, and carries on
    /// (after a short pause when connecting failed, so a dead target is not hammered).
    func fail(_ kind: String, pause: Bool = false) {
        noteError(kind)
        releaseHandshakeTurn()
        closeConnection(graceful: false)
        guard phase != .finished else { return }
        phase = .idle
        let retry: @Sendable () -> Void = { [self] in proceed() }
        if pause {
            context.loop.queue.asyncAfter(deadline: .now() + .milliseconds(20), execute: retry)
        } else {
            // Asynchronously: an error raised while starting must not recurse into a new start.
            context.loop.execute(retry)
        }
    }

    func checkDeadline(_ now: MonotonicInstant) {
        guard let deadline, now > deadline else { return }
        if phase == .draining {
            // The response was complete; only the server's close is late.
            closeConnection(graceful: false)
            proceed()
            return
        }
        fail("timeout")
    }

    /// The run is stopping: idle slots finish now, busy ones when their operation ends.
    func stopRequested() {
        switch phase {
        case .finished, .connecting, .handshaking, .draining:
            return
        case .idle, .waiting, .holding:
            finish()
        case .open:
            if inFlight.isEmpty && uploadRemaining == 0 { finish() }
        }
    }

    private func finish() {
        guard phase != .finished else { return }
        releaseHandshakeTurn()
        closeConnection(graceful: true)
        phase = .finished
        pacingTimer?.cancel()
        pacingTimer = nil
        context.slotFinished()
    }

    private func releaseHandshakeTurn() {
        guard holdsHandshakeTurn else { return }
        holdsHandshakeTurn = false
        context.handshakeEnded()
    }

    /// Closes the connection, if any (sending close_notify first when `graceful`), and resets
    /// per-connection state.
    func closeConnection(graceful: Bool) {
        generation &+= 1
        if let socket {
            if graceful, let session, session.isEstablished, pending.isEmpty {
                session.shutdown()
                let n = session.drainCiphertext(into: context.writeBuffer)
                // Best effort: the connection is going away either way.
                _ = try? socket.write(UnsafeRawBufferPointer(rebasing: context.writeBuffer[..<n]))
            }
            socket.close()
        }
        if countedEstablished {
            countedEstablished = false
            control.established.subtract(1, ordering: .relaxed)
        }
        socket = nil
        session = nil
        pending.removeAll()
        parser = HTTP1ResponseParser()
        inFlight.removeAll()
        uploadRemaining = 0
        deadline = nil
        lastResponseKeepAlive = true
        if phase != .finished { phase = .idle }
    }
}
