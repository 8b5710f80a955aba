import Dispatch
import SekishoCore
import SekishoIO

/// What one loop shares between its connection slots: scratch buffers (one loop runs one slot
/// at a time, so they never overlap), the loop's statistics, the deadline sweep and, for
/// `idle`, the admission queue that bounds concurrent handshakes.
///
/// `@unchecked Sendable`: every mutable field is touched only on `loop.queue`; the runner
/// reads `stats` with `loop.queue.sync` after the slots are done.
final class LoopContext: @unchecked Sendable {
    static let scratchBytes = 65_536
    /// Upload bodies are generated from this pattern, 16 KiB (one TLS record) at a time.
    static let uploadChunkBytes = 16_384

    let loop: EventLoop
    let plan: BenchPlan
    let control: RunControl
    var stats = LoopStats()
    /// Ciphertext (or plaintext with `--plain`) read from a socket.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Plaintext decrypted from `readBuffer`.
    let plainBuffer: UnsafeMutableRawBufferPointer
    /// Ciphertext drained from a session on its way to the socket.
    let writeBuffer: UnsafeMutableRawBufferPointer
    let uploadChunk: UnsafeRawBufferPointer
    /// Refreshed by the sweep (every 100 ms): wire-byte counters start after warm-up with that
    /// resolution; operation and body counts are exact.
    private(set) var pastWarmup = false

    private var slots: [BenchSlot] = []
    private var sweep: (any DispatchSourceTimer)?
    private let onAllSlotsFinished: @Sendable () -> Void

    // `idle` only: at most this many handshakes in flight on this loop.
    private var handshakeBudget: Int
    private var waitingForHandshake: [BenchSlot] = []
    private var waitingHead = 0

    init(loop: EventLoop, plan: BenchPlan, control: RunControl, onAllSlotsFinished: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.plan = plan
        self.control = control
        self.onAllSlotsFinished = onAllSlotsFinished
        readBuffer = .allocate(byteCount: Self.scratchBytes, alignment: 16)
        plainBuffer = .allocate(byteCount: Self.scratchBytes, alignment: 16)
        writeBuffer = .allocate(byteCount: Self.scratchBytes, alignment: 16)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.uploadChunkBytes, alignment: 16)
        for i in 0..<chunk.count { chunk[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
        uploadChunk = UnsafeRawBufferPointer(chunk)
        pastWarmup = plan.warmupNanoseconds == 0
        if case .idle(let concurrent) = plan.workload {
            handshakeBudget = max(1, concurrent / plan.loops)
        } else {
            handshakeBudget = .max
        }
    }

    deinit {
        readBuffer.deallocate()
        plainBuffer.deallocate()
        writeBuffer.deallocate()
        uploadChunk.deallocate()
    }

    /// Creates and starts a slot on this loop. Loop only.
    func startSlot(id: Int) {
        loop.assertInLoop()
        let slot = BenchSlot(context: self, id: id)
        slots.append(slot)
        if sweep == nil { startSweep() }
        slot.start()
    }

    /// Tells every slot that the run is stopping; idle ones close now, busy ones after their
    /// operation. Loop only.
    func stopSlots() {
        loop.assertInLoop()
        // Slots still queued for a handshake will never get one (they are in `slots` too).
        waitingForHandshake.removeAll()
        waitingHead = 0
        for slot in slots { slot.stopRequested() }
    }

    /// A slot has finished for good.
    func slotFinished() {
        if control.slotFinished() {
            sweep?.cancel()
            sweep = nil
            onAllSlotsFinished()
        }
    }

    // MARK: - Handshake admission (idle)

    /// Runs `begin` now if the loop's handshake budget allows, else when a handshake ends.
    func admitHandshake(_ slot: BenchSlot) {
        if handshakeBudget > 0 {
            handshakeBudget -= 1
            slot.beginAdmittedHandshake()
        } else {
            waitingForHandshake.append(slot)
        }
    }

    /// A handshake admitted by `admitHandshake` has ended (either way).
    func handshakeEnded() {
        if waitingHead < waitingForHandshake.count, !control.isStopping {
            let next = waitingForHandshake[waitingHead]
            waitingHead += 1
            if waitingHead == waitingForHandshake.count {
                waitingForHandshake.removeAll(keepingCapacity: true)
                waitingHead = 0
            }
            next.beginAdmittedHandshake()
        } else {
            handshakeBudget += 1
        }
    }

    // MARK: - Deadline sweep

    /// One timer per loop checks every slot's deadline ten times a second, instead of
    /// re-arming a timer per operation (which would cost more than a keep-alive request).
    private func startSweep() {
        let timer = DispatchSource.makeTimerSource(queue: loop.queue)
        timer.schedule(deadline: .now(), repeating: .milliseconds(100), leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let now = MonotonicInstant.now()
            pastWarmup = now >= control.warmupEnd
            for slot in slots { slot.checkDeadline(now) }
        }
        timer.resume()
        sweep = timer
    }
}
