import Dispatch
public import Logging
public import SekishoConfig
public import SekishoIO
public import SekishoCore
import Synchronization

/// The running proxy: the loops, the listeners, and the current configuration generation.
///
/// Accepts run on one queue per listener and are spread round-robin over the loops; each
/// connection then lives entirely on its loop. The current generation sits behind one lock and
/// is read once per accepted connection, so a reload never changes a connection mid-flight.
public final class ProxyServer: Sendable {
    public let group: EventLoopGroup
    private let resources: [LoopResources]
    private let logger: Logger
    private let generation: Mutex<ConfigGeneration>
    private let bound = Mutex<[BoundListener]>([])

    private struct BoundListener: Sendable {
        let name: String
        let listener: Listener
        let tracker: ConnectionTracker
    }

    /// Builds the first generation (every TLS context) but binds nothing yet.
    public init(config: ProxyConfig, logger: Logger) throws(GenerationError) {
        let first = try ConfigGeneration(number: 1, config: config)
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
        let config = currentGeneration.config
        var made: [BoundListener] = []
        for (index, listenerConfig) in config.listeners.enumerated() {
            let name = listenerConfig.name
            let tracker = ConnectionTracker(
                maxConnections: listenerConfig.maxConnections,
                idBase: UInt64(index + 1) << 48
            )
            do {
                let listener = try Listener(address: SocketAddress(listenerConfig.listen), label: name) { [self] event in
                    self.handle(event, listenerName: name, tracker: tracker)
                }
                made.append(BoundListener(name: name, listener: listener, tracker: tracker))
            } catch {
                for done in made { done.listener.close() }
                throw ProxyStartError(listener: name, address: listenerConfig.listen.description, cause: "\(error)")
            }
        }
        for entry in made {
            entry.listener.start()
            logger.notice("listening", metadata: [
                "event": "listening", "listener": "\(entry.name)", "address": "\(entry.listener.localAddress)",
            ])
        }
        bound.withLock { $0 = made }
        return Dictionary(uniqueKeysWithValues: made.map { ($0.name, $0.listener.localAddress.hostPort) })
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
            let loop = group.next()
            let resources = self.resources[loop.index]
            let logger = self.logger
            loop.execute {
                let connection = TCPProxyConnection(
                    id: id, accepted: accepted, resources: resources,
                    generation: listenerGeneration, tracker: tracker, logger: logger
                )
                connection.start()
            }
        }
    }

    /// Replaces the configuration. Everything is built first; on any failure the running
    /// generation stays and the problems are returned. Adding, removing, renaming or moving a
    /// listener, or changing the loop count, needs a restart and is refused here.
    public func reload(config: ProxyConfig) -> Result<Int, GenerationError> {
        let old = currentGeneration
        var problems: [String] = []
        let oldListeners = old.config.listeners.map { "\($0.name)@\($0.listen)" }
        let newListeners = config.listeners.map { "\($0.name)@\($0.listen)" }
        if oldListeners != newListeners {
            problems.append("listeners: the set of listeners or their addresses changed (\(oldListeners.joined(separator: ", ")) → \(newListeners.joined(separator: ", "))); this needs a restart")
        }
        if config.loopCount != old.config.loopCount {
            problems.append("loops: changed from \(old.config.loopCount) to \(config.loopCount); this needs a restart")
        }
        if !problems.isEmpty { return .failure(GenerationError(problems: problems)) }
        let next: ConfigGeneration
        do {
            next = try ConfigGeneration(number: old.number + 1, config: config)
        } catch {
            return .failure(error)
        }
        generation.withLock { $0 = next }
        return .success(next.number)
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
        let deadline = MonotonicInstant.now().adding(gracePeriod)
        let trackers = listeners.map(\.tracker)
        let queue = DispatchQueue(label: "sekisho.shutdown")
        @Sendable func poll() {
            let open = trackers.reduce(0) { $0 + $1.liveConnections }
            if open == 0 || MonotonicInstant.now() >= deadline {
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
