public import SekishoConfig
public import SekishoTLS
import SekishoCore
import Synchronization

/// Everything one configuration produced: the validated config, a built TLS context per
/// listener and the upstream each listener forwards to.
///
/// A generation is immutable once built. Reload builds a whole new generation off the loops
/// and swaps one reference only if every part of it built (ghostunnel `Reload()`, hitch
/// `reconfigure`); a connection keeps the generation it was accepted under until it ends.
public final class ConfigGeneration: Sendable {
    public let number: Int
    public let config: ProxyConfig
    public let listeners: [String: ListenerGeneration]

    /// Builds every TLS context. Throws `GenerationError` listing every listener that failed.
    /// `forensics` is the process's handshake-record sink (shared by every generation; nil =
    /// no records, see `ListenerTrust`).
    public init(number: Int, config: ProxyConfig, forensics: ForensicsSink? = nil) throws(GenerationError) {
        var built: [String: ListenerGeneration] = [:]
        var problems: [String] = []
        // http1 upstreams are shared by every listener that routes to them (one round-robin
        // cursor and one health record each); the access log is shared by all listeners.
        let accessLog = AccessLog(settings: config.accessLog)
        var httpUpstreams: [String: UpstreamGeneration] = [:]
        for upstream in config.upstreams where upstream.protocol == .http1 {
            httpUpstreams[upstream.name] = UpstreamGeneration(config: upstream)
        }
        for listener in config.listeners {
            // Client trust: a readiness listener has no upstream and a lenient context.
            if listener.mode == .readiness {
                do {
                    let context = try TLSContext(readiness: TLSServerConfiguration(listener: listener))
                    built[listener.name] = ListenerGeneration(
                        config: listener, tls: context, upstream: .readinessPlaceholder,
                        trust: ListenerTrust(listener: listener, forensics: forensics))
                } catch {
                    problems += error.problems.map { "listener '\(listener.name)': \($0)" }
                }
                continue
            }
            guard let upstream = config.upstream(named: listener.upstreamName) else {
                problems.append("listeners.\(listener.name).upstream: no upstream named '\(listener.upstreamName)'")
                continue
            }
            do {
                var tlsConfiguration = TLSServerConfiguration(listener: listener)
                if let keyPath = listener.sessionTicketKeyPath {
                    // tls.session_ticket_key_file: one key for every generation (and instance), so a
                    // ticket survives a reload; the resumed client is still re-checked.
                    tlsConfiguration.sessionTicketKey = try TLSSessionTicketKey(contentsOfFile: keyPath)
                }
                let context = try TLSContext(configuration: tlsConfiguration)
                let http = upstream.protocol == .http1
                    ? HTTPListenerGeneration(listener: listener, upstreams: httpUpstreams, accessLog: accessLog)
                    : nil
                built[listener.name] = ListenerGeneration(
                    config: listener, tls: context, upstream: upstream, http: http,
                    trust: ListenerTrust(listener: listener, forensics: forensics))
            } catch {
                for problem in error.problems {
                    problems.append("listener '\(listener.name)': \(problem)")
                }
            }
        }
        if !problems.isEmpty { throw GenerationError(problems: problems) }
        self.number = number
        self.config = config
        self.listeners = built
    }
}

/// One listener's share of a generation.
public final class ListenerGeneration: Sendable {
    public let config: ListenerConfig
    public let tls: TLSContext
    public let upstream: UpstreamConfig
    /// Set when `upstream` speaks http1: routing, limits and identity rendering.
    let http: HTTPListenerGeneration?
    /// Client policy and forensics hooks (ListenerTrust.swift).
    let trust: ListenerTrust
    /// Round-robin cursor over the upstream's servers.
    private let cursor = Atomic<Int>(0)

    init(
        config: ListenerConfig, tls: TLSContext, upstream: UpstreamConfig, http: HTTPListenerGeneration? = nil,
        trust: ListenerTrust? = nil
    ) {
        self.config = config
        self.tls = tls
        self.upstream = upstream
        self.http = http
        self.trust = trust ?? ListenerTrust(listener: config, forensics: nil)
    }

    /// The upstream servers in the order this connection should try them: round-robin start,
    /// then the others once each.
    func serverOrder() -> [HostPort] {
        let servers = upstream.servers
        let start = cursor.add(1, ordering: .relaxed).oldValue % servers.count
        return Array(servers[start...] + servers[..<start])
    }
}

/// Building a generation failed; nothing was swapped.
public struct GenerationError: Error, Equatable, CustomStringConvertible {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

extension TLSServerConfiguration {
    /// The TLS settings of a validated listener. The config layer has already narrowed every
    /// list to a subset of `CryptrecHighProfile`, in the operator's preference order.
    init(listener: ListenerConfig) {
        self.init(
            listenerName: listener.name,
            certificates: listener.certificates.map {
                TLSCertificateSource(certPath: $0.certPath, keyPath: $0.keyPath, caPath: $0.caPath)
            },
            clientAuth: TLSClientAuthSettings(
                required: listener.clientAuth.required,
                caPath: listener.clientAuth.caPath,
                crlPaths: listener.clientAuth.crlPaths,
                verifyDepth: listener.clientAuth.verifyDepth,
                crlStalePolicy: listener.clientAuth.crlStale.policy == .warn ? .warn : .reject,
                crlStaleGraceSeconds: listener.clientAuth.crlStale.grace.components.seconds,
                verificationCacheSeconds: listener.clientAuth.verificationCache.components.seconds
            ),
            versions: listener.versions,
            tls13CipherSuites: listener.tls13CipherSuites,
            tls12CipherSuites: listener.tls12CipherSuites,
            groups: listener.groups,
            signatureAlgorithms: CryptrecHighProfile.signatureAlgorithms,
            alpn: [],
            sessionTickets: listener.sessionTickets,
            sessionCacheSize: listener.sessionCacheSize
        )
    }
}

extension UpstreamConfig {
    /// The upstream of a readiness listener, which forwards nothing: never connected to (the
    /// readiness connection has no upstream path), present only because a listener generation
    /// has an upstream slot.
    static let readinessPlaceholder = UpstreamConfig(name: "(none: readiness)", servers: [], protocol: .tcp, connectTimeout: .seconds(1))
}
