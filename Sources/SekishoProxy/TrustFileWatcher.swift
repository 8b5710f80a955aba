import Dispatch
import Foundation
public import Logging
import Synchronization

/// Reloads when a client CA bundle or CRL file changes, and says when a CRL goes stale.
///
/// Every `interval`, on its own utility queue (never a loop), it stats the trust files of the
/// current generation (`client_auth.ca` and `client_auth.crl` of every listener). A file whose
/// modification time, size or inode changed since the last poll triggers `onChange`, which the
/// executable wires to the SIGHUP reload path: a whole new generation is built and swapped only
/// if it builds, so a half-written CRL is refused with `reload_failed` and the old one stays.
/// A CRL publisher should write a temporary file and rename it into place.
///
/// Each poll also logs `crl_stale` once per CRL file and nextUpdate: its issuer, age, how long
/// past nextUpdate, and whether the stale-CRL policy now refuses its clients.
public final class TrustFileWatcher: Sendable {
    private let server: ProxyServer
    private let interval: Duration
    private let logger: Logger
    private let onChange: @Sendable ([String]) -> Void
    private let queue = DispatchQueue(label: "sekisho.trust-files", qos: .utility)
    private let fingerprints = Mutex<[String: FileStamp]>([:])
    private let reportedStale = Mutex<Set<String>>([])
    private let timer: TimerBox

    private struct FileStamp: Equatable, Sendable {
        var modified: Date?
        var size: Int?
        var inode: Int?
    }

    private final class TimerBox: @unchecked Sendable {
        let source: any DispatchSourceTimer
        init(_ source: any DispatchSourceTimer) { self.source = source }
    }

    public init(server: ProxyServer, interval: Duration, logger: Logger, onChange: @escaping @Sendable (_ changedFiles: [String]) -> Void) {
        self.server = server
        self.interval = interval
        self.logger = logger
        self.onChange = onChange
        timer = TimerBox(DispatchSource.makeTimerSource(queue: queue))
    }

    /// Takes the first snapshot (no reload for it) and starts polling.
    public func start() {
        queue.sync { _ = poll() }
        let milliseconds = Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
        let every = DispatchTimeInterval.milliseconds(max(100, milliseconds))
        timer.source.schedule(deadline: .now() + every, repeating: every, leeway: .milliseconds(100))
        timer.source.setEventHandler { [weak self] in
            guard let self else { return }
            let changed = self.poll()
            if !changed.isEmpty { self.onChange(changed) }
        }
        timer.source.resume()
    }

    public func stop() {
        timer.source.cancel()
    }

    deinit {
        timer.source.cancel()
    }

    /// One poll: returns the files that changed since the previous poll.
    private func poll() -> [String] {
        let generation = server.currentGeneration
        let paths = Set(generation.config.listeners.flatMap { [$0.clientAuth.caPath] + $0.clientAuth.crlPaths })
        var current: [String: FileStamp] = [:]
        for path in paths {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            current[path] = FileStamp(
                modified: attributes?[.modificationDate] as? Date,
                size: (attributes?[.size] as? NSNumber)?.intValue,
                inode: (attributes?[.systemFileNumber] as? NSNumber)?.intValue)
        }
        let changed = fingerprints.withLock { previous -> [String] in
            // A path seen for the first time (a reload added it) is a baseline, not a change.
            let changed = current.filter { path, stamp in previous[path].map { $0 != stamp } ?? false }.map(\.key).sorted()
            previous = current
            return changed
        }
        for listener in generation.config.listeners {
            guard let built = generation.listeners[listener.name] else { continue }
            let (policy, grace) = built.tls.crlStalePolicy
            for status in built.tls.crlStatus() where status.isStale {
                let key = "\(status.path)|\(status.nextUpdate ?? "")|\(status.isBeyondGrace)"
                guard reportedStale.withLock({ $0.insert(key).inserted }) else { continue }
                logger.warning("crl_stale", metadata: [
                    "event": "crl_stale", "component": "config", "listener": "\(listener.name)",
                    "path": "\(status.path)", "issuer": "\(status.issuer)",
                    "this_update": "\(status.thisUpdate)", "next_update": "\(status.nextUpdate ?? "none")",
                    "age_seconds": "\(status.ageSeconds)", "seconds_past_next_update": "\(status.secondsPastNextUpdate)",
                    "grace_seconds": "\(grace)", "policy": "\(policy.rawValue)",
                    "refusing": "\(status.isBeyondGrace && policy == .reject)",
                ])
            }
        }
        return changed
    }
}
