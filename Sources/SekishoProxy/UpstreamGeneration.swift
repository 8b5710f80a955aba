import SekishoConfig
import SekishoCore
import SekishoHTTP1
import Synchronization

/// One http1 upstream within a configuration generation: its settings, the round-robin cursor
/// shared by every listener and loop, and passive health.
final class UpstreamGeneration: Sendable {
    let config: UpstreamConfig
    let health: UpstreamHealth
    private let cursor = Atomic<Int>(0)

    init(config: UpstreamConfig) {
        self.config = config
        self.health = UpstreamHealth(failTimeout: config.http.failTimeout)
    }

    var name: String { config.name }

    /// Servers in the order a request should try them: round-robin start, servers set aside by
    /// passive health moved to the end (still tried when every healthy one failed, so a total
    /// outage recovers without waiting for `fail_timeout`).
    func serverOrder(now: MonotonicInstant = .now()) -> [HostPort] {
        let servers = config.servers
        // One server (the common deployment): the order is that server whatever the cursor
        // and health say; no shared atomic and no copies for every request.
        if servers.count == 1 { return servers }
        let start = cursor.add(1, ordering: .relaxed).oldValue % servers.count
        let rotated = Array(servers[start...] + servers[..<start])
        let down = health.unavailable(now: now)
        if down.isEmpty { return rotated }
        return rotated.filter { !down.contains($0) } + rotated.filter { down.contains($0) }
    }
}

/// Passive health of an upstream's servers, shared by all loops: a server that failed is set
/// aside until `failTimeout` has passed; a success clears it at once.
final class UpstreamHealth: Sendable {
    let failTimeout: Duration
    private let downUntil = Mutex<[HostPort: MonotonicInstant]>([:])
    /// `downUntil.count`, readable without the lock: every response records a success and
    /// every request asks what is set aside, from every loop, so the healthy case (nothing
    /// set aside) must not take a lock shared across cores. Updated under the lock.
    private let setAside = Atomic<Int>(0)

    init(failTimeout: Duration) {
        self.failTimeout = failTimeout
    }

    func recordFailure(_ server: HostPort, now: MonotonicInstant = .now()) {
        let until = now.adding(failTimeout)
        downUntil.withLock { map in
            map[server] = until
            setAside.store(map.count, ordering: .relaxed)
        }
    }

    func recordSuccess(_ server: HostPort) {
        guard setAside.load(ordering: .relaxed) > 0 else { return }
        downUntil.withLock { map in
            if map[server] != nil { map[server] = nil }
            setAside.store(map.count, ordering: .relaxed)
        }
    }

    /// Servers set aside at `now`; expired entries are forgotten.
    func unavailable(now: MonotonicInstant) -> Set<HostPort> {
        guard setAside.load(ordering: .relaxed) > 0 else { return [] }
        return downUntil.withLock { map in
            if map.isEmpty { return [] }
            map = map.filter { $0.value > now }
            setAside.store(map.count, ordering: .relaxed)
            return Set(map.keys)
        }
    }
}

/// An http1 listener's share of a generation: routing, limits, identity rendering and the
/// upstreams its routes can reach.
final class HTTPListenerGeneration: Sendable {
    let settings: HTTPListenerSettings
    let router: Router
    let identity: IdentityHeaders
    let upstreams: [String: UpstreamGeneration]
    let accessLog: AccessLog
    let parserLimits: HTTP1Limits
    let parserPolicy: HTTP1RequestPolicy

    init(listener: ListenerConfig, upstreams: [String: UpstreamGeneration], accessLog: AccessLog) {
        self.settings = listener.http
        self.router = Router(listener: listener)
        self.identity = IdentityHeaders(settings: listener.http.identityHeaders)
        self.upstreams = upstreams
        self.accessLog = accessLog
        self.parserLimits = HTTP1Limits(
            maxRequestLineBytes: listener.http.maxRequestLineBytes,
            maxHeaderBytes: listener.http.maxHeaderBytes,
            maxHeaderCount: listener.http.maxHeaderCount,
            maxRequestBodyBytes: listener.http.maxRequestBodyBytes
        )
        self.parserPolicy = HTTP1RequestPolicy(allowConnect: listener.http.allowConnect, allowTrace: listener.http.allowTrace)
    }
}
