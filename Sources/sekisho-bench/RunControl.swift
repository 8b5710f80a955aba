import SekishoCore
import Synchronization

/// State shared by every loop during a run: the measurement window, the stop signal, the
/// request budget of `--requests` runs, and the live counters the progress line reads.
///
/// Everything here is an atomic with relaxed ordering: the values are independent counters and
/// flags, and a loop that sees a stop a few microseconds late only finishes one more operation.
final class RunControl: Sendable {
    /// Start of the run; warm-up ends at `warmupEnd`.
    let start: MonotonicInstant
    let warmupEnd: MonotonicInstant
    /// End of the measurement window in nanoseconds (UInt64.max: open, for `--requests`
    /// runs). Lowered by an early stop (SIGINT).
    private let measureEndNanos: Atomic<UInt64>
    private let stopping = Atomic<Bool>(false)
    /// Operations that may still start in the measured part of a `--requests` run (unused in
    /// duration runs).
    private let tokens: Atomic<Int>
    private let usesTokens: Bool
    /// Connection slots not finished yet; the run is over when this reaches zero.
    let liveSlots: Atomic<Int>

    // Progress counters (all operations, warm-up included).
    let completed = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    /// Connections currently established (for `idle`).
    let established = Atomic<Int>(0)

    init(plan: BenchPlan, now: MonotonicInstant = .now()) {
        start = now
        warmupEnd = MonotonicInstant(nanoseconds: now.nanoseconds + plan.warmupNanoseconds)
        if let duration = plan.durationNanoseconds {
            measureEndNanos = Atomic(warmupEnd.nanoseconds + duration)
        } else {
            measureEndNanos = Atomic(UInt64.max)
        }
        tokens = Atomic(plan.requests ?? 0)
        usesTokens = plan.requests != nil
        liveSlots = Atomic(plan.connections)
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    var measureEnd: MonotonicInstant? {
        let n = measureEndNanos.load(ordering: .relaxed)
        return n == .max ? nil : MonotonicInstant(nanoseconds: n)
    }

    /// Asks every slot to stop starting operations. With `at`, the measurement window is
    /// closed there (an early stop); otherwise it keeps its planned end.
    func requestStop(at instant: MonotonicInstant? = nil) {
        if let instant {
            var current = measureEndNanos.load(ordering: .relaxed)
            while instant.nanoseconds < current {
                let (exchanged, original) = measureEndNanos.compareExchange(
                    expected: current, desired: instant.nanoseconds, ordering: .relaxed)
                if exchanged { break }
                current = original
            }
        }
        stopping.store(true, ordering: .relaxed)
    }

    /// Whether an operation may start now, and whether it belongs to a `--requests` budget.
    /// Duration runs decide membership when the operation completes (`isMeasured(end:)`).
    enum Admission {
        case refused
        /// Started during warm-up, or in a duration run.
        case admitted
        /// Took one of the `--requests` tokens: counted whenever it completes.
        case admittedWithToken
    }

    func admit(now: MonotonicInstant) -> Admission {
        if isStopping { return .refused }
        guard usesTokens else { return .admitted }
        if now < warmupEnd { return .admitted }
        let before = tokens.subtract(1, ordering: .relaxed).oldValue
        if before <= 0 {
            requestStop()
            return .refused
        }
        if before == 1 { requestStop() }
        return .admittedWithToken
    }

    /// Whether an operation (without a token) that completed at `end` is in the window.
    func isMeasured(end: MonotonicInstant) -> Bool {
        guard !usesTokens else { return false }
        return end >= warmupEnd && end.nanoseconds <= measureEndNanos.load(ordering: .relaxed)
    }

    /// Whether an error seen at `instant` is reported (warm-up errors are not).
    func isAfterWarmup(_ instant: MonotonicInstant) -> Bool { instant >= warmupEnd }

    /// Called by each slot when it is done; true for the last one.
    func slotFinished() -> Bool {
        liveSlots.subtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }
}
