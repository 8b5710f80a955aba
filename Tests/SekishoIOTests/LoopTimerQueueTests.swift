import Dispatch
import XCTest
import SekishoCore
@testable import SekishoIO

/// The per-loop timer heap behind `LoopTimer`: order, cancellation, re-arming, dropped timers,
/// and real firing through the loop's one Dispatch timer.
final class LoopTimerQueueTests: XCTestCase {
    private let loop = EventLoop(index: 0)

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        loop.queue.sync(execute: body)
    }

    func testDueTimersFireInDeadlineOrderAndLaterOnesWait() {
        nonisolated(unsafe) var fired: [Int] = []
        nonisolated(unsafe) var timers: [LoopTimer] = []
        onLoop { [loop] in
            let base = MonotonicInstant.now().adding(.seconds(3600))
            for (n, offset) in [(3, 30), (1, 10), (5, 50), (2, 20), (4, 40), (6, 60)] {
                let timer = loop.makeTimer()
                timer.schedule(at: base.adding(.milliseconds(offset))) { fired.append(n) }
                timers.append(timer)
            }
            XCTAssertEqual(loop.timers.count, 6)
            loop.timers.fireDue(now: base.adding(.milliseconds(45)))
            XCTAssertEqual(fired, [1, 2, 3, 4])
            XCTAssertEqual(loop.timers.count, 2)
            XCTAssertEqual(loop.timers.earliestDeadline, base.adding(.milliseconds(50)))
            loop.timers.fireDue(now: base.adding(.milliseconds(60)))
            XCTAssertEqual(fired, [1, 2, 3, 4, 5, 6])
            XCTAssertEqual(loop.timers.count, 0)
        }
    }

    func testCancelledAndRescheduledTimers() {
        nonisolated(unsafe) var fired: [String] = []
        nonisolated(unsafe) var keep: [LoopTimer] = []
        onLoop { [loop] in
            let base = MonotonicInstant.now().adding(.seconds(3600))
            let a = loop.makeTimer(), b = loop.makeTimer(), c = loop.makeTimer()
            a.schedule(at: base.adding(.milliseconds(10))) { fired.append("a") }
            b.schedule(at: base.adding(.milliseconds(20))) { fired.append("b") }
            c.schedule(at: base.adding(.milliseconds(30))) { fired.append("c") }
            a.cancel()
            a.cancel()  // idempotent
            XCTAssertFalse(a.isScheduled)
            // Re-arming replaces the deadline and the handler; later, then earlier again.
            c.schedule(at: base.adding(.milliseconds(90))) { fired.append("c-late") }
            b.schedule(at: base.adding(.milliseconds(5))) { fired.append("b-early") }
            loop.timers.fireDue(now: base.adding(.milliseconds(50)))
            XCTAssertEqual(fired, ["b-early"])
            loop.timers.fireDue(now: base.adding(.milliseconds(100)))
            XCTAssertEqual(fired, ["b-early", "c-late"])
            keep = [a, b, c]
        }
        XCTAssertEqual(keep.count, 3)
    }

    func testHandlerCanCancelAnotherDueTimerAndReArmingForThePastCannotSpin() {
        nonisolated(unsafe) var fired: [String] = []
        nonisolated(unsafe) var keep: [LoopTimer] = []
        onLoop { [loop] in
            let base = MonotonicInstant.now().adding(.seconds(3600))
            let first = loop.makeTimer(), second = loop.makeTimer()
            @Sendable func armFirst(_ at: MonotonicInstant) {
                first.schedule(at: at) {
                    fired.append("first")
                    second.cancel()
                    armFirst(base)  // always due again
                }
            }
            armFirst(base.adding(.milliseconds(1)))
            second.schedule(at: base.adding(.milliseconds(2))) { fired.append("second") }
            // One pass fires at most as many timers as were scheduled when it began (2 here).
            loop.timers.fireDue(now: base.adding(.milliseconds(10)))
            XCTAssertEqual(fired, ["first", "first"])
            loop.timers.fireDue(now: base.adding(.milliseconds(10)))
            XCTAssertEqual(fired, ["first", "first", "first"], "one timer left, one firing")
            first.cancel()
            keep = [first, second]
        }
        XCTAssertEqual(keep.count, 2)
    }

    func testDroppingAScheduledTimerRemovesIt() {
        nonisolated(unsafe) var fired = false
        onLoop { [loop] in
            let base = MonotonicInstant.now().adding(.seconds(3600))
            var timer: LoopTimer? = loop.makeTimer()
            timer?.schedule(at: base) { fired = true }
            XCTAssertEqual(loop.timers.count, 1)
            timer = nil
            XCTAssertEqual(loop.timers.count, 0)
            loop.timers.fireDue(now: base.adding(.seconds(1)))
        }
        XCTAssertFalse(fired)
    }

    func testHeapStaysOrderedUnderRandomOperations() {
        onLoop { [loop] in
            var generator = SystemRandomNumberGenerator()
            let base = MonotonicInstant.now().adding(.seconds(3600))
            var timers = (0..<200).map { _ in loop.makeTimer() }
            nonisolated(unsafe) var fired: [UInt64] = []
            for _ in 0..<2_000 {
                let timer = timers[Int.random(in: 0..<timers.count, using: &generator)]
                if Bool.random(using: &generator) {
                    let at = base.adding(.milliseconds(Int.random(in: 0..<10_000, using: &generator)))
                    timer.schedule(at: at) { fired.append(at.nanoseconds) }
                } else {
                    timer.cancel()
                }
            }
            let scheduled = timers.filter(\.isScheduled).count
            XCTAssertEqual(loop.timers.count, scheduled)
            loop.timers.fireDue(now: base.adding(.seconds(20)))
            XCTAssertEqual(fired.count, scheduled)
            XCTAssertEqual(fired, fired.sorted(), "due timers fire earliest first")
            timers.removeAll()
        }
    }

    func testTimersFireThroughTheLoopsDispatchTimer() {
        let fired = expectation(description: "both timers fired")
        fired.expectedFulfillmentCount = 2
        nonisolated(unsafe) var order: [Int] = []
        nonisolated(unsafe) var keep: [LoopTimer] = []
        let start = MonotonicInstant.now()
        onLoop { [loop] in
            let late = loop.makeTimer(), early = loop.makeTimer(), cancelled = loop.makeTimer()
            late.schedule(at: start.adding(.milliseconds(120))) { order.append(2); fired.fulfill() }
            cancelled.schedule(at: start.adding(.milliseconds(10))) { order.append(99) }
            early.schedule(at: start.adding(.milliseconds(40))) { order.append(1); fired.fulfill() }
            cancelled.cancel()
            keep = [late, early, cancelled]
        }
        wait(for: [fired], timeout: 5)
        XCTAssertEqual(order, [1, 2])
        XCTAssertGreaterThanOrEqual(start.nanoseconds(until: .now()), 120_000_000, "not before the deadline")
        onLoop { XCTAssertEqual(keep.count, 3) }
    }
}
