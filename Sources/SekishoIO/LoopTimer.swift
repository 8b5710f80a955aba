import Dispatch
public import SekishoCore

/// A re-armable one-shot timer on a loop.
///
/// Connections keep their deadlines (handshake, connect, idle) in their state machine and arm
/// this single timer for the nearest one, rather than owning one timer per phase. The timer
/// owns no Dispatch source: it is an entry in its loop's `LoopTimerQueue`, which arms one
/// Dispatch timer for the earliest deadline of the whole loop — an idle connection costs a
/// heap slot, not a kernel-backed source.
///
/// Confined to its loop: `@unchecked Sendable` only so that loop closures may capture it.
/// Dropping a scheduled timer cancels it; the last reference must then go on the loop.
public final class LoopTimer: @unchecked Sendable {
    private let loop: EventLoop
    /// Set while scheduled; the queue fires it at or after this instant.
    var deadline = MonotonicInstant(nanoseconds: 0)
    /// Position in the queue's heap, nil when not scheduled.
    var heapIndex: Int?
    private var handler: (() -> Void)?

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Arms the timer for `deadline`, replacing any earlier arming.
    public func schedule(at deadline: MonotonicInstant, _ handler: @escaping () -> Void) {
        loop.assertInLoop()
        self.handler = handler
        loop.timers.schedule(self, at: deadline)
    }

    /// Disarms the timer. Safe to call more than once.
    public func cancel() {
        loop.assertInLoop()
        handler = nil
        loop.timers.remove(self)
    }

    public var isScheduled: Bool { heapIndex != nil }

    /// Called by the queue once the timer left the heap: runs the handler (one-shot).
    func fire() {
        guard let handler else { return }
        self.handler = nil
        handler()
    }

    deinit {
        if heapIndex != nil { loop.timers.remove(self) }
    }
}
