import SekishoCore

/// Which idle connections a pool holds and when they expire, as a value: events in (checkout,
/// checkin, closed by the backend, time passing), decisions out (reuse this one, connect anew,
/// close these). The shell (`UpstreamPool`) owns the sockets and carries the decisions out.
///
/// Keyed by upstream and server, so round-robin picks the server first and the pool then
/// offers that server's idle connections. Reuse is last-in first-out: the most recently used
/// connection is the least likely to have hit the backend's own idle timeout.
struct UpstreamPoolState<ID: Hashable & Sendable>: Sendable {
    struct Key: Hashable, Sendable {
        var upstream: String
        var server: HostPort
    }

    struct Entry: Sendable, Equatable {
        var id: ID
        var expires: MonotonicInstant
    }

    enum Checkout: Equatable {
        /// Probe this idle connection, then use it.
        case reuse(ID)
        /// No idle connection: open a new one.
        case connectNew
    }

    private var idle: [Key: [Entry]] = [:]
    private var keyOf: [ID: Key] = [:]

    init() {}

    var idleCount: Int { keyOf.count }

    func idleCount(for key: Key) -> Int { idle[key]?.count ?? 0 }

    func contains(_ id: ID) -> Bool { keyOf[id] != nil }

    /// Takes the most recently returned idle connection of `key` that has not expired.
    /// `expired` lists entries dropped on the way (the shell closes them).
    mutating func checkout(_ key: Key, now: MonotonicInstant) -> (decision: Checkout, expired: [ID]) {
        var expired: [ID] = []
        // Popped in place (`idle[key]?.popLast()`): copying the array out of the dictionary and
        // back made every checkout copy the whole list (copy-on-write with two owners).
        // An emptied list stays in the dictionary with its capacity: the next check-in of the
        // key (typically within the same request cycle) then allocates nothing.
        while let last = idle[key]?.popLast() {
            keyOf[last.id] = nil
            if last.expires <= now {
                expired.append(last.id)
                continue
            }
            return (.reuse(last.id), expired)
        }
        return (.connectNew, expired)
    }

    /// Returns a connection after a complete exchange. With `maxIdle` idle connections of
    /// `key` already held, the oldest is evicted; with `maxIdle == 0` the connection itself is
    /// refused. Returns the ids to close.
    mutating func checkin(_ id: ID, key: Key, now: MonotonicInstant, maxIdle: Int, idleTimeout: Duration) -> [ID] {
        precondition(keyOf[id] == nil, "a connection was returned to the pool twice")
        guard maxIdle > 0 else { return [id] }
        var evicted: [ID] = []
        // Mutated in place through the dictionary's default subscript (no copy-on-write copy
        // of the list at every check-in).
        let held = idle[key]?.count ?? 0
        if held >= maxIdle {
            for _ in 0...(held - maxIdle) {
                guard let oldest = idle[key]?.removeFirst() else { break }
                keyOf[oldest.id] = nil
                evicted.append(oldest.id)
            }
        }
        idle[key, default: []].append(Entry(id: id, expires: now.adding(idleTimeout)))
        keyOf[id] = key
        return evicted
    }

    /// An idle connection became readable (the backend closed it, or sent bytes nobody asked
    /// for): forget it. False if it was not idle here.
    @discardableResult
    mutating func remove(_ id: ID) -> Bool {
        guard let key = keyOf.removeValue(forKey: id) else { return false }
        idle[key]?.removeAll { $0.id == id }
        if idle[key]?.isEmpty == true { idle[key] = nil }
        return true
    }

    /// Drops every entry that expired at `now`; returns their ids.
    mutating func expire(now: MonotonicInstant) -> [ID] {
        var expired: [ID] = []
        for (key, entries) in idle {
            let (old, fresh) = (entries.filter { $0.expires <= now }, entries.filter { $0.expires > now })
            guard !old.isEmpty else { continue }
            idle[key] = fresh.isEmpty ? nil : fresh
            for entry in old {
                keyOf[entry.id] = nil
                expired.append(entry.id)
            }
        }
        return expired
    }

    /// The nearest expiry, for the shell's single timer. A plain loop on purpose: it runs at
    /// every check-in, and the lazy `flatMap`/key-path form it replaces instantiated the key
    /// path at run time in this generic type (5% of the proxy's CPU per keep-alive request in
    /// a profile, docs/BENCHMARKS.md).
    var nextExpiry: MonotonicInstant? {
        var nearest: MonotonicInstant?
        for entries in idle.values {
            for entry in entries where nearest.map({ entry.expires < $0 }) ?? true {
                nearest = entry.expires
            }
        }
        return nearest
    }

    mutating func removeAll() -> [ID] {
        let all = Array(keyOf.keys)
        idle = [:]
        keyOf = [:]
        return all
    }
}

