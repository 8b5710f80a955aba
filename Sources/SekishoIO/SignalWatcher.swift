#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Dispatch

/// Delivers process signals (SIGTERM, SIGINT, SIGHUP) as events on a queue instead of in an
/// async-signal context, where almost nothing is safe to call.
/// `@unchecked Sendable`: `sources` is immutable after init and Dispatch sources are thread-safe.
public final class SignalWatcher: @unchecked Sendable {
    public enum Signal: Int32, Sendable, CaseIterable {
        case terminate = 15 // SIGTERM
        case interrupt = 2  // SIGINT
        case hangup = 1     // SIGHUP
    }

    private let sources: [any DispatchSourceSignal]

    /// Installs handlers for `signals` and ignores SIGPIPE process-wide (sockets use
    /// MSG_NOSIGNAL, but a write to a closed pipe elsewhere must not kill the proxy).
    ///
    /// Returns once Dispatch has registered every source, so a signal sent after this returns
    /// (say, by a supervisor that saw the ready file) reaches `handler`. Registration happens
    /// on Dispatch's event thread, after `resume`; a signal in between would meet the SIG_IGN
    /// disposition set here and be lost. Must not be called on `queue`.
    public init(signals: [Signal], queue: DispatchQueue, handler: @escaping @Sendable (Signal) -> Void) {
        Glibc.signal(SIGPIPE, SIG_IGN)
        var made: [any DispatchSourceSignal] = []
        let registered = DispatchGroup()
        for sig in signals {
            // The default disposition would kill the process before Dispatch sees the signal.
            Glibc.signal(sig.rawValue, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig.rawValue, queue: queue)
            source.setEventHandler { handler(sig) }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            made.append(source)
        }
        registered.wait()
        self.sources = made
    }

    public func cancel() {
        for source in sources { source.cancel() }
    }

    /// Ignores SIGPIPE for the process; call once early in any executable that writes sockets.
    public static func ignoreSIGPIPE() {
        Glibc.signal(SIGPIPE, SIG_IGN)
    }
}
