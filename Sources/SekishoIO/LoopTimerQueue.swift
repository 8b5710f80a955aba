import Dispatch
public import SekishoCore

/// The deadlines of one loop: a binary min-heap of `LoopTimer`s and one Dispatch timer armed
/// for the earliest of them.
///
/// Why not a Dispatch timer per `LoopTimer`: every connection holds one for its whole life, and
/// a Dispatch source is a few hundred bytes of heap, per connection, for a deadline that is a
/// 16-byte number. Here scheduling is O(log n) on the loop, and the Dispatch timer is re-armed
/// only when the earliest deadline moves earlier; when it moves later (the earliest timer was
/// cancelled or pushed back), the Dispatch timer fires early once, finds nothing due and re-arms.
///
/// The heap does not retain its timers (a dropped `LoopTimer` removes itself in `deinit`), so
/// the handler of a timer whose owner is gone can never run, as with a cancelled source.
///
/// `@unchecked Sendable`: touched only on the loop's queue.
public final class LoopTimerQueue: @unchecked Sendable {
    private let queue: DispatchQueue
    private var heap: [Unmanaged<LoopTimer>] = []
    private var source: (any DispatchSourceTimer)?
    /// The instant the Dispatch timer is armed for, nil when disarmed.
    private var armedFor: MonotonicInstant?
    /// Leeway granted to Dispatch, as the per-timer sources had: deadlines are timeouts.
    static let leeway = DispatchTimeInterval.milliseconds(10)

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    /// Timers currently scheduled.
    public var count: Int { heap.count }

    /// The earliest scheduled deadline.
    public var earliestDeadline: MonotonicInstant? { heap.first?.takeUnretainedValue().deadline }

    func schedule(_ timer: LoopTimer, at deadline: MonotonicInstant) {
        timer.deadline = deadline
        if let index = timer.heapIndex {
            if !siftUp(index) { siftDown(index) }
        } else {
            timer.heapIndex = heap.count
            heap.append(Unmanaged.passUnretained(timer))
            siftUp(heap.count - 1)
        }
        rearm()
    }

    func remove(_ timer: LoopTimer) {
        guard let index = timer.heapIndex else { return }
        timer.heapIndex = nil
        let last = heap.removeLast()
        if index < heap.count {
            heap[index] = last
            last.takeUnretainedValue().heapIndex = index
            if !siftUp(index) { siftDown(index) }
        }
        // No re-arm: a later earliest deadline is found when the Dispatch timer fires.
    }

    /// Fires every timer due at `now`, earliest first, one at a time (a handler may cancel or
    /// drop any other timer, which then leaves the heap before its turn). At most as many as
    /// were scheduled when the pass began: a handler re-arming itself for the past waits for the
    /// next pass instead of keeping this one spinning.
    func fireDue(now: MonotonicInstant = .now()) {
        armedFor = nil
        var budget = heap.count
        while budget > 0, let top = heap.first?.takeUnretainedValue(), top.deadline <= now {
            budget -= 1
            remove(top)
            top.fire()
        }
        rearm()
    }

    private func rearm() {
        guard let earliest = earliestDeadline else { return }
        if let armedFor, armedFor <= earliest { return }
        armedFor = earliest
        let source: any DispatchSourceTimer
        if let existing = self.source {
            source = existing
        } else {
            source = DispatchSource.makeTimerSource(queue: queue)
            source.setEventHandler { [unowned self] in self.fireDue() }
            self.source = source
            source.resume()
        }
        let delay = MonotonicInstant.now().nanoseconds(until: earliest)
        source.schedule(deadline: .now() + .nanoseconds(Int(clamping: delay)), leeway: Self.leeway)
    }

    @discardableResult
    private func siftUp(_ start: Int) -> Bool {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard deadline(index) < deadline(parent) else { break }
            swapAt(index, parent)
            index = parent
        }
        return index != start
    }

    private func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1, right = left + 1
            var smallest = index
            if left < heap.count, deadline(left) < deadline(smallest) { smallest = left }
            if right < heap.count, deadline(right) < deadline(smallest) { smallest = right }
            if smallest == index { return }
            swapAt(index, smallest)
            index = smallest
        }
    }

    private func deadline(_ index: Int) -> MonotonicInstant { heap[index].takeUnretainedValue().deadline }

    private func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        heap[a].takeUnretainedValue().heapIndex = a
        heap[b].takeUnretainedValue().heapIndex = b
    }

    deinit {
        source?.setEventHandler(handler: nil)
        source?.cancel()
    }
}
