import Dispatch
public import Logging
public import SekishoConfig
public import SekishoIO
public import SekishoCore
import Synchronization

/// The running proxy: the loops, the listeners, and the current configuration generation.
///
/// Each listener has one socket per loop (SO_REUSEPORT, see `Listener`): the kernel spreads
/// new connections over the loops, and each connection is accepted on, and then lives
/// entirely on, its loop. The current generation sits behind one lock and
/// is read once per accepted connection, so a reload never changes a connection mid-flight.
public final class ProxyServer: Sendable {
    public let group: EventLoopGroup
    private let resources: [LoopResources]
    private let logger: Logger
    private let generation: Mutex<ConfigGeneration>
    private let bound = Mutex<[BoundListener]>([])
    private let nextTrackerIndex = Atomic<Int>(0)
    /// Handshake records and the client inventory (`forensics`, restart-only); nil when neither
    /// file is configured. Shared by every generation (ForensicsSink.swift).
    public let forensics: ForensicsSink?

    private struct BoundListener: Sendable {
        let name: String
        /// The address as configured (port 0 stays 0), which is what a reload compares.
        let configured: HostPort
        let listener: Listener
        let tracker: ConnectionTracker
    }

    /// Builds the first generation (every TLS context) but binds nothing yet.
    public init(config: ProxyConfig, logger: Logger) throws(GenerationError) {
        let forensics = ForensicsSink(config: config.forensics, logger: logger)
        let first = try ConfigGeneration(number: 1, config: config, forensics: forensics)
        self.forensics = forensics
        self.group = EventLoopGroup(loopCount: config.loopCount)
        self.resources = group.loops.map { LoopResources(loop: $0) }
        self.logger = logger
        self.generation = Mutex(first)
    }

    public var currentGeneration: ConfigGeneration { generation.withLock { $0 } }

    /// Binds every listener and starts accepting. On any bind failure, listeners bound so far
    /// are closed and the error names the listener and address.
    @discardableResult
    public func start() throws(ProxyStartError) -> [String: HostPort] {
        let made = try bind(currentGeneration.config.listeners)
        for entry in made { startAccepting(entry) }
        bound.withLock { $0 = made }
        return boundAddresses
    }

    /// The addresses the listeners are bound to now (kernel-assigned ports resolved).
    public var boundAddresses: [String: HostPort] {
        bound.withLock { entries in
            Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.listener.localAddress.hostPort) })
        }
    }

    /// Binds `listeners` (not yet accepting). All or nothing: on a failure the ones bound so
    /// far are closed again.
    private func bind(_ listeners: [ListenerConfig]) throws(ProxyStartError) -> [BoundListener] {
        var made: [BoundListener] = []
        for listenerConfig in listeners {
            let name = listenerConfig.name
            let tracker = ConnectionTracker(
                maxConnections: listenerConfig.maxConnections,
                idBase: UInt64(nextTrackerIndex.add(1, ordering: .relaxed).newValue) << 48
            )
            do {
                // One socket per loop: each connection is accepted on the loop that serves it.
                // Every listener kind begins with the client's ClientHello.
                let listener = try Listener(
                    address: SocketAddress(listenerConfig.listen), clientSpeaksFirst: true, acceptingOn: group.loops
                ) { [self] event in
                    self.handle(event, listenerName: name, tracker: tracker)
                }
                made.append(BoundListener(name: name, configured: listenerConfig.listen, listener: listener, tracker: tracker))
            } catch {
                for done in made { done.listener.close() }
                throw ProxyStartError(listener: name, address: listenerConfig.listen.description, cause: "\(error)")
            }
        }
        return made
    }

    private func startAccepting(_ entry: BoundListener) {
        entry.listener.start()
        logger.notice("listening", metadata: [
            "event": "listening", "listener": "\(entry.name)", "address": "\(entry.listener.localAddress)",
        ])
    }

    private func handle(_ event: Listener.Event, listenerName: String, tracker: ConnectionTracker) {
        switch event {
        case .acceptFailed(let error):
            logger.error("accept_failed", metadata: ["event": "accept_failed", "listener": "\(listenerName)", "detail": "\(error)"])
        case .accepted(let accepted):
            guard let id = tracker.admit() else {
                logger.warning("connection_limit", metadata: [
                    "event": "connection_refused", "reason": "max_connections", "listener": "\(listenerName)",
                    "peer": "\(accepted.remote)", "limit": "\(tracker.maxConnections)",
                ])
                accepted.discard()
                return
            }
            guard let listenerGeneration = currentGeneration.listeners[listenerName] else {
                // The listener was bound under a generation that no longer has it. Reloads
                // refuse to drop listeners, so this would be a sekisho bug; refuse the client.
                tracker.connectionClosed()
                accepted.discard()
                return
            }
            let target = assign(acceptedOn: accepted.acceptedOn)
            let logger = self.logger
            let start: @Sendable () -> Void = {
                makeProxyConnection(
                    id: id, accepted: accepted, resources: target,
                    generation: listenerGeneration, tracker: tracker, logger: logger
                ).start()
            }
            // Already on the loop that accepted it: no hand-off.
            if accepted.acceptedOn === target.loop { start() } else { target.loop.execute(start) }
        }
    }

    /// The loop a new connection goes to, counted in its `load` at once. The kernel spreads
    /// connections over the per-loop listening sockets by hashing their addresses, which is
    /// even only on average: handshakes that cost milliseconds (RSA) then queue up on one loop
    /// while another idles. So the accepting loop keeps a connection unless another loop has
    /// at least two fewer, in which case the least loaded one gets it (one hand-off). Without
    /// an accepting loop (a listener with its own accept queue): the least loaded loop.
    private func assign(acceptedOn loop: EventLoop?) -> LoopResources {
        let loads = resources.map { $0.load.load(ordering: .relaxed) }
        let chosen = resources[Self.chooseLoop(loads: loads, acceptedOn: loop?.index)]
        chosen.load.add(1, ordering: .relaxed)
        return chosen
    }

    /// `assign`'s rule on plain numbers: the accepting loop unless it has at least two more
    /// connections than the least loaded one (ties and a difference of one stay local: a
    /// hand-off costs a thread wake-up); without one, the least loaded (the first on a tie).
    static func chooseLoop(loads: [Int], acceptedOn: Int?) -> Int {
        precondition(!loads.isEmpty, "no loops")
        var least = 0
        for index in loads.indices where loads[index] < loads[least] { least = index }
        if let acceptedOn, loads[acceptedOn] <= loads[least] + 1 { return acceptedOn }
        return least
    }

    /// Replaces the configuration (SIGHUP). Everything is built first — every TLS context and
    /// every newly named listener's socket — and one reference is swapped only if all of it
    /// succeeded; on any failure the running generation stays and the problems are returned.
    ///
    /// Listeners are matched by name (hitch's KEEP/NEW/DROP): same name and address → the
    /// socket is kept; a new name → bound now; a removed name → it stops accepting and its open
    /// connections finish under the generation they started with. A changed address is a DROP
    /// plus a NEW. `loops` and `log.format` are restart-only: a change is reported, not applied.
    public func reload(config: ProxyConfig) -> Result<ReloadSummary, GenerationError> {
        let old = currentGeneration
        let next: ConfigGeneration
        do {
            next = try ConfigGeneration(number: old.number + 1, config: config, forensics: forensics)
        } catch {
            return .failure(error)
        }
        var summary = ReloadSummary(generation: next.number)
        if config.loopCount != old.config.loopCount {
            summary.notes.append("loops: changed from \(old.config.loopCount) to \(config.loopCount); takes effect at the next restart")
        }
        if config.log.format != old.config.log.format {
            summary.notes.append("log.format: changed from \(old.config.log.format.rawValue) to \(config.log.format.rawValue); takes effect at the next restart")
        }

        let current = bound.withLock { $0 }
        var kept: [BoundListener] = []
        var dropped: [BoundListener] = []
        for entry in current {
            if let wanted = config.listeners.first(where: { $0.name == entry.name }), wanted.listen == entry.configured {
                entry.tracker.setMaxConnections(wanted.maxConnections)
                kept.append(entry)
            } else {
                dropped.append(entry)
            }
        }
        let toBind = config.listeners.filter { wanted in !kept.contains { $0.name == wanted.name } }
        // A dropped listener still holds its socket until the swap, so a NEW listener on the
        // very same address could not bind. Refuse that case with a clear message rather than
        // close the old socket first and risk ending up with neither.
        for wanted in toBind where wanted.listen.port != 0 {
            if let holder = dropped.first(where: { $0.configured == wanted.listen }) {
                return .failure(GenerationError(problems: [
                    "listeners: '\(wanted.name)' wants \(wanted.listen), which listener '\(holder.name)' (dropped by this reload) still holds; rename a listener in two reloads or restart",
                ]))
            }
        }
        let added: [BoundListener]
        do {
            added = try bind(toBind)
        } catch {
            return .failure(GenerationError(problems: ["\(error)"]))
        }
        generation.withLock { $0 = next }
        for entry in dropped {
            entry.listener.close()
            summary.dropped.append(entry.name)
        }
        for entry in added {
            startAccepting(entry)
            summary.added.append(entry.name)
        }
        summary.kept = kept.map(\.name)
        bound.withLock { $0 = kept + added }
        return .success(summary)
    }

    /// Stops accepting, lets open connections finish for up to `gracePeriod`, then calls
    /// `completion` with the number of connections still open (0 on a clean drain).
    public func shutdown(gracePeriod: Duration, completion: @escaping @Sendable (Int) -> Void) {
        let listeners = bound.withLock { entries in
            let copy = entries
            entries = []
            return copy
        }
        for entry in listeners { entry.listener.close() }
        for loopResources in resources {
            loopResources.loop.execute { loopResources.beginDrain() }
        }
        let deadline = MonotonicInstant.now().adding(gracePeriod)
        let trackers = listeners.map(\.tracker)
        let queue = DispatchQueue(label: "sekisho.shutdown")
        @Sendable func poll() {
            let open = trackers.reduce(0) { $0 + $1.liveConnections }
            if open == 0 || MonotonicInstant.now() >= deadline {
                forensics?.close()  // pending records and the last inventory reach their files
                completion(open)
                return
            }
            queue.asyncAfter(deadline: .now() + .milliseconds(50), execute: poll)
        }
        queue.async(execute: poll)
    }

    /// Refusals by reason code, summed over listeners (for tests and the status output).
    public var refusalCounts: [String: Int] {
        bound.withLock { entries in
            entries.reduce(into: [String: Int]()) { total, entry in
                total.merge(entry.tracker.refusalCounts, uniquingKeysWith: +)
            }
        }
    }
}

/// A listener could not be bound.
public struct ProxyStartError: Error, Equatable, CustomStringConvertible {
    public let listener: String
    public let address: String
    public let cause: String
    public var description: String { "listener '\(listener)': cannot listen on \(address): \(cause)" }
}

/// What a successful reload did, for the log line.
public struct ReloadSummary: Sendable, Equatable {
    public var generation: Int
    public var kept: [String] = []
    public var added: [String] = []
    public var dropped: [String] = []
    /// Restart-only changes that were noticed and not applied.
    public var notes: [String] = []
}
