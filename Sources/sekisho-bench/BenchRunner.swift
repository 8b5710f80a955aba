#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import SekishoCore
import SekishoIO
import Synchronization

/// How the run talks to the operator while it runs.
struct RunOutput: Sendable {
    /// Show the `\r`-updated progress line on stderr.
    var progress: Bool
    /// `idle`: write {"established": N, "pid": P} here once every connection is established.
    var readyFile: String?
}

/// Runs a plan: starts the loops and slots, drives the timeline (warm-up, measurement,
/// stop), shows progress, and gathers the loops' statistics into a report.
struct BenchRunner {
    let plan: BenchPlan
    let output: RunOutput
    let settings: BenchReport.Settings

    func run() -> BenchReport {
        SignalWatcher.ignoreSIGPIPE()
        Self.raiseDescriptorLimit()
        let group = EventLoopGroup(loopCount: plan.loops)
        let control = RunControl(plan: plan)
        let finished = DispatchSemaphore(value: 0)
        let contexts = group.loops.map { loop in
            LoopContext(loop: loop, plan: plan, control: control, onAllSlotsFinished: { finished.signal() })
        }
        let broadcastStop: @Sendable () -> Void = {
            for context in contexts { context.loop.execute { context.stopSlots() } }
        }

        let cpuAtStart = Self.cpuSeconds()
        let monitor = RunMonitor(plan: plan, control: control, output: output, cpuAtStart: cpuAtStart, stop: broadcastStop)
        let controlQueue = DispatchQueue(label: "sekisho-bench.control")
        // Ctrl-C or SIGTERM: close the window now and report what was measured so far.
        let signals = SignalWatcher(signals: [.interrupt, .terminate], queue: controlQueue) { _ in
            control.requestStop(at: .now())
            broadcastStop()
        }
        let ticker = DispatchSource.makeTimerSource(queue: controlQueue)
        ticker.schedule(deadline: .now(), repeating: .milliseconds(100), leeway: .milliseconds(10))
        ticker.setEventHandler { monitor.tick() }
        ticker.resume()

        for id in 0..<plan.connections {
            let context = contexts[id % contexts.count]
            context.loop.execute { context.startSlot(id: id) }
        }

        if let planned = control.measureEnd {
            // Slots end within --timeout of the stop (their operations time out); the margin
            // only guards against a bug leaving the report unprinted.
            let limit = planned.nanoseconds - control.start.nanoseconds + plan.timeoutNanoseconds + 3_000_000_000
            if finished.wait(timeout: .now() + .nanoseconds(Int(clamping: limit))) == .timedOut {
                StandardError.write("sekisho-bench: some connections did not finish in time; reporting anyway\n")
            }
        } else {
            finished.wait()
        }
        let end = MonotonicInstant.now()
        ticker.cancel()
        signals.cancel()
        let cpuAtEnd = Self.cpuSeconds()
        controlQueue.sync { monitor.finish() }

        var stats = LoopStats()
        for context in contexts {
            stats.merge(context.loop.queue.sync { context.stats })
        }
        let window = Self.window(control: control, stats: stats, end: end)
        let cpuStart = controlQueue.sync { monitor.cpuAtWarmupEnd } ?? cpuAtStart
        return makeReport(stats: stats, window: window, cpu: max(0, cpuAtEnd - cpuStart), peak: monitor.peakEstablishedValue)
    }

    /// The measured window in seconds: warm-up end to the planned end (or the early stop), or
    /// to the last measured completion of a `--requests` run.
    private static func window(control: RunControl, stats: LoopStats, end: MonotonicInstant) -> Double {
        let stop: MonotonicInstant
        if let planned = control.measureEnd {
            stop = min(planned, end)
        } else {
            stop = stats.lastMeasuredEnd ?? end
        }
        return Double(control.warmupEnd.nanoseconds(until: stop)) / 1e9
    }

    private func makeReport(stats: LoopStats, window: Double, cpu: Double, peak: Int) -> BenchReport {
        let perSecond: (Double) -> Double = { window > 0 ? $0 / window : 0 }
        let tlsSummary = plan.tls == nil ? nil : BenchReport.TLSSummary(
            negotiated: stats.negotiated, fullHandshakes: stats.fullHandshakes, resumedHandshakes: stats.resumedHandshakes)
        var isIdle = false
        if case .idle = plan.workload { isIdle = true }
        return BenchReport(
            scenario: plan.workload.name,
            target: plan.target.description,
            transport: plan.tls == nil ? "plain" : "tls",
            settings: settings,
            tls: tlsSummary,
            elapsedSeconds: (window * 1e6).rounded() / 1e6,
            operations: stats.operations,
            operationsPerSecond: (perSecond(Double(stats.operations)) * 10).rounded() / 10,
            latencyMicroseconds: BenchReport.latency(stats.latency),
            bytes: BenchReport.Bytes(
                wireSent: stats.wireBytesSent, wireReceived: stats.wireBytesReceived,
                bodySent: stats.bodyBytesSent, bodyReceived: stats.bodyBytesReceived,
                bodyBytesPerSecond: perSecond(Double(stats.bodyBytesSent + stats.bodyBytesReceived)).rounded()),
            errors: BenchReport.Errors(total: stats.errors.values.reduce(0, +), byKind: stats.errors),
            connectionsOpened: stats.connectionsOpened,
            peakEstablished: isIdle ? peak : nil,
            client: BenchReport.Client(
                cpuSeconds: (cpu * 1000).rounded() / 1000,
                cpuPercent: window > 0 ? (cpu / window * 1000).rounded() / 10 : 0,
                operationsPerCPUSecond: cpu > 0 ? (Double(stats.operations) / cpu).rounded() : nil))
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// Thousands of connections need thousands of descriptors: take the hard limit.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// The control queue's view of a run: ends the measurement on time, samples CPU at the end
/// of warm-up, writes the ready file, and draws the progress line.
///
/// `@unchecked Sendable`: mutable fields are touched only on the control queue.
final class RunMonitor: @unchecked Sendable {
    private let plan: BenchPlan
    private let control: RunControl
    private let output: RunOutput
    private let stop: @Sendable () -> Void
    private(set) var cpuAtWarmupEnd: Double?
    private var stopSent = false
    private var readyWritten = false
    private var lastDraw: (at: MonotonicInstant, completed: Int)?
    private var drewSomething = false
    private let peakEstablished = Atomic<Int>(0)

    init(plan: BenchPlan, control: RunControl, output: RunOutput, cpuAtStart: Double, stop: @escaping @Sendable () -> Void) {
        self.plan = plan
        self.control = control
        self.output = output
        self.stop = stop
        if plan.warmupNanoseconds == 0 { cpuAtWarmupEnd = cpuAtStart }
    }

    var peakEstablishedValue: Int { peakEstablished.load(ordering: .relaxed) }

    func tick() {
        let now = MonotonicInstant.now()
        if cpuAtWarmupEnd == nil, now >= control.warmupEnd { cpuAtWarmupEnd = BenchRunner.cpuSeconds() }
        if !stopSent, control.isStopping || control.measureEnd.map({ now >= $0 }) == true {
            // Planned end, or a --requests budget used up: idle slots must hear it too.
            stopSent = true
            control.requestStop()
            stop()
        }
        let established = control.established.load(ordering: .relaxed)
        if established > peakEstablished.load(ordering: .relaxed) { peakEstablished.store(established, ordering: .relaxed) }
        if let path = output.readyFile, !readyWritten, established >= plan.connections {
            readyWritten = true
            Self.writeReadyFile(path, established: established)
        }
        if output.progress { draw(now) }
    }

    /// Clears the progress line before the report is printed.
    func finish() {
        if drewSomething { StandardError.write("\r\u{1B}[K") }
    }

    private func draw(_ now: MonotonicInstant) {
        let completed = control.completed.load(ordering: .relaxed)
        // Redraw four times a second; the rate is over the last interval.
        if let last = lastDraw, last.at.nanoseconds(until: now) < 250_000_000 { return }
        var rate = 0.0
        if let last = lastDraw {
            rate = Double(completed - last.completed) / (Double(last.at.nanoseconds(until: now)) / 1e9)
        }
        lastDraw = (now, completed)
        let elapsed = Double(control.start.nanoseconds(until: now)) / 1e9
        let stage = control.isStopping ? "stopping" : now < control.warmupEnd ? "warm-up" : "measuring"
        var line = String(format: "%6.1fs  %@  %@ ops  %@/s  errors %@", elapsed, stage,
                          BenchReport.count(Double(completed)), BenchReport.count(rate),
                          BenchReport.count(Double(control.failed.load(ordering: .relaxed))))
        if case .idle = plan.workload {
            line += "  established \(control.established.load(ordering: .relaxed))"
        }
        StandardError.write("\r\u{1B}[K" + line)
        drewSomething = true
    }

    /// Written to a temporary name and renamed, so a poller never reads half a file.
    private static func writeReadyFile(_ path: String, established: Int) {
        let text = "{\"established\": \(established), \"pid\": \(getpid())}\n"
        let temporary = path + ".tmp"
        do {
            try text.write(toFile: temporary, atomically: false, encoding: .utf8)
            _ = rename(temporary, path)
        } catch {
            StandardError.write("sekisho-bench: cannot write the ready file \(path): \(error)\n")
        }
    }
}

/// Unbuffered writes to stderr (fd 2): the progress line must appear at once, and the C
/// `stderr` global is not concurrency-safe to touch from Swift 6.
enum StandardError {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
