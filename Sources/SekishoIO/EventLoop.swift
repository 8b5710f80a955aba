public import Dispatch
import Synchronization

/// One event loop: a serial Dispatch queue that owns every connection assigned to it.
///
/// Every object bound to a loop (sockets, TLS sessions, connection state machines) is touched
/// only on `queue`; that confinement is what makes the `@unchecked Sendable` annotations on
/// those objects sound. Loop-only methods begin with `loop.assertInLoop()`.
public final class EventLoop: Sendable {
    public let index: Int
    public let queue: DispatchQueue
    /// Every `LoopTimer` deadline of this loop, behind one Dispatch timer (LoopTimerQueue.swift).
    public let timers: LoopTimerQueue

    public init(index: Int, qos: DispatchQoS = .userInitiated) {
        self.index = index
        self.queue = DispatchQueue(label: "sekisho.loop.\(index)", qos: qos)
        self.timers = LoopTimerQueue(queue: queue)
    }

    /// Runs `work` on the loop, later.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    /// Traps in debug builds when called off the loop (NIO's `assertInEventLoop`).
    @inline(__always)
    public func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        dispatchPrecondition(condition: .onQueue(queue))
        #endif
    }

    /// A one-shot, re-armable timer confined to this loop.
    public func makeTimer() -> LoopTimer {
        LoopTimer(loop: self)
    }
}

/// A fixed set of loops, one per core by default, with round-robin assignment for new
/// connections.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let nextIndex = Atomic<Int>(0)

    public init(loopCount: Int) {
        precondition(loopCount >= 1, "an event loop group needs at least one loop")
        self.loops = (0..<loopCount).map { EventLoop(index: $0) }
    }

    /// The next loop in round-robin order.
    public func next() -> EventLoop {
        let n = nextIndex.add(1, ordering: .relaxed).oldValue
        return loops[n % loops.count]
    }
}
