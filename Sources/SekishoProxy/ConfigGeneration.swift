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
    public init(number: Int, config: ProxyConfig) throws(GenerationError) {
        var built: [String: ListenerGeneration] = [:]
        var problems: [String] = []
        for listener in config.listeners {
            guard let upstream = config.upstream(named: listener.upstreamName) else {
                problems.append("listeners.\(listener.name).upstream: no upstream named '\(listener.upstreamName)'")
                continue
            }
            do {
                let context = try TLSContext(configuration: TLSServerConfiguration(listener: listener))
                built[listener.name] = ListenerGeneration(config: listener, tls: context, upstream: upstream)
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
    /// Round-robin cursor over the upstream's servers.
    private let cursor = Atomic<Int>(0)

    init(config: ListenerConfig, tls: TLSContext, upstream: UpstreamConfig) {
        self.config = config
        self.tls = tls
        self.upstream = upstream
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
                verifyDepth: listener.clientAuth.verifyDepth
            ),
            versions: listener.versions,
            tls13CipherSuites: listener.tls13CipherSuites,
            tls12CipherSuites: listener.tls12CipherSuites,
            groups: listener.groups,
            signatureAlgorithms: CryptrecHighProfile.signatureAlgorithms,
            alpn: [],
            sessionTickets: listener.sessionTickets
        )
    }
}
