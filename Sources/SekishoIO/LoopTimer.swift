import Dispatch
public import SekishoCore

/// A re-armable one-shot timer on a loop queue.
///
/// Connections keep their deadlines (handshake, connect, idle) in their state machine and arm
/// this single timer for the nearest one, rather than owning one timer per phase.
/// Confined to its loop: `@unchecked Sendable` only so that Dispatch handlers may capture it.
public final class LoopTimer: @unchecked Sendable {
    private let loop: EventLoop
    private var source: (any DispatchSourceTimer)?
    private var handler: (() -> Void)?

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Arms the timer for `deadline`, replacing any earlier arming.
    public func schedule(at deadline: MonotonicInstant, _ handler: @escaping () -> Void) {
        loop.assertInLoop()
        self.handler = handler
        let delay = MonotonicInstant.now().nanoseconds(until: deadline)
        let source: any DispatchSourceTimer
        if let existing = self.source {
            source = existing
        } else {
            source = DispatchSource.makeTimerSource(queue: loop.queue)
            source.setEventHandler { [weak self] in
                guard let self, let handler = self.handler else { return }
                self.handler = nil
                handler()
            }
            self.source = source
            source.schedule(deadline: .now() + .nanoseconds(Int(clamping: delay)), leeway: .milliseconds(10))
            source.resume()
            return
        }
        source.schedule(deadline: .now() + .nanoseconds(Int(clamping: delay)), leeway: .milliseconds(10))
    }

    /// Disarms the timer and releases its Dispatch source. Safe to call more than once.
    public func cancel() {
        loop.assertInLoop()
        handler = nil
        if let source {
            source.setEventHandler(handler: nil)
            source.cancel()
            self.source = nil
        }
    }

    deinit {
        source?.cancel()
    }
}
