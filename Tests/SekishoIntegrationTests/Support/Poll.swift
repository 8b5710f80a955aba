import Foundation

/// Readiness polling with exponential backoff (10 ms doubling to 250 ms) and a hard deadline.
/// Tests wait for a condition this way, never with a fixed sleep: a fast machine does not wait
/// longer than needed, and a slow one gets the whole deadline.
enum Poll {
    /// Calls `probe` until it returns a value, or throws when `timeout` has passed. `probe`
    /// may throw to stop early (a process that died while we waited for it, for instance).
    static func until<T>(
        timeout: TimeInterval,
        _ what: @autoclosure () -> String,
        _ probe: () throws -> T?
    ) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        var delay: TimeInterval = 0.010
        while true {
            if let value = try probe() { return value }
            if Date() >= deadline {
                throw HarnessError("timed out after \(timeout)s waiting for \(what())")
            }
            Thread.sleep(forTimeInterval: min(delay, max(0, deadline.timeIntervalSinceNow)))
            delay = min(delay * 2, 0.250)
        }
    }
}
