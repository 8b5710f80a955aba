import Logging
import SekishoIO
import Synchronization

/// A short connection id, unique within one process run, carried on every log line of the
/// connection (`conn=…`).
struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    let value: UInt64
    var description: String { String(value, radix: 36) }
}

/// Per-listener connection accounting shared by all loops: the live count that enforces
/// `limits.max_connections`, and refusal counters by reason code.
final class ConnectionTracker: Sendable {
    private let limit: Atomic<Int>
    private let live = Atomic<Int>(0)
    private let nextID: Atomic<UInt64>
    private let refusals = Mutex<[String: Int]>([:])

    init(maxConnections: Int, idBase: UInt64) {
        self.limit = Atomic(maxConnections)
        self.nextID = Atomic(idBase)
    }

    var maxConnections: Int { limit.load(ordering: .relaxed) }

    /// A reload may change the limit of a kept listener; it applies to the next accept.
    func setMaxConnections(_ value: Int) {
        limit.store(value, ordering: .relaxed)
    }

    /// Reserves a slot; nil when the listener is at its limit.
    func admit() -> ConnectionID? {
        let before = live.add(1, ordering: .relaxed).oldValue
        if before >= maxConnections {
            live.subtract(1, ordering: .relaxed)
            return nil
        }
        return ConnectionID(value: nextID.add(1, ordering: .relaxed).oldValue)
    }

    func connectionClosed() {
        live.subtract(1, ordering: .relaxed)
    }

    var liveConnections: Int { live.load(ordering: .relaxed) }

    func countRefusal(_ reason: String) {
        refusals.withLock { $0[reason, default: 0] += 1 }
    }

    var refusalCounts: [String: Int] { refusals.withLock { $0 } }
}

extension Logger {
    /// The logger of one connection: every line it writes carries `conn`, `peer` and `listener`
    /// (`peer` is "-" for a socket without a remote address, which an accepted one always has).
    func forConnection(_ id: ConnectionID, peer: SocketAddress?, listener: String) -> Logger {
        var logger = self
        logger[metadataKey: "conn"] = "\(id)"
        logger[metadataKey: "peer"] = peer.map { "\($0)" } ?? "-"
        logger[metadataKey: "listener"] = "\(listener)"
        return logger
    }
}
