public import SekishoCore

/// One entry of `upstreams`, validated.
public struct UpstreamConfig: Sendable, Equatable {
    public let name: String
    /// At least one; IP literals only (`HostPort` never resolves names).
    public let servers: [HostPort]
    public let `protocol`: UpstreamProtocol
    public let connectTimeout: Duration

    package init(name: String, servers: [HostPort], protocol: UpstreamProtocol, connectTimeout: Duration) {
        self.name = name
        self.servers = servers
        self.protocol = `protocol`
        self.connectTimeout = connectTimeout
    }
}

/// How sekisho talks to an upstream. Only raw TCP relaying exists today; `http1` is planned and is
/// refused with "not supported yet" until then, so a config written for it fails loudly.
public enum UpstreamProtocol: String, Sendable, Hashable, CaseIterable {
    case tcp
}
