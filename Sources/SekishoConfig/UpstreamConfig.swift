public import SekishoCore

/// One entry of `upstreams`, validated.
public struct UpstreamConfig: Sendable, Equatable {
    public let name: String
    /// At least one; IP literals only (`HostPort` never resolves names).
    public let servers: [HostPort]
    public let `protocol`: UpstreamProtocol
    public let connectTimeout: Duration
    /// Pool, response timeout and passive health; used with `protocol: http1` (defaults for tcp,
    /// where the validator refuses these keys).
    public let http: UpstreamHTTPSettings

    package init(
        name: String, servers: [HostPort], protocol: UpstreamProtocol, connectTimeout: Duration,
        http: UpstreamHTTPSettings = .defaults
    ) {
        self.name = name
        self.servers = servers
        self.protocol = `protocol`
        self.connectTimeout = connectTimeout
        self.http = http
    }
}

/// How sekisho talks to an upstream: `tcp` relays the decrypted bytes as they are; `http1`
/// parses every request strictly and forwards it over a keep-alive pool with the client's
/// identity in headers. Other values (e.g. a future `http2`) are refused as "not supported yet".
public enum UpstreamProtocol: String, Sendable, Hashable, CaseIterable {
    case tcp
    case http1
}
