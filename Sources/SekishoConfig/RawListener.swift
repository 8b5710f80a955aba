/// One entry of `listeners`, as written. Keys (R = reload-safe, applies to new connections;
/// details and defaults in docs/CONFIGURATION.md):
/// - `name` (string, required, unique, `[A-Za-z0-9._-]{1,64}`; a reload matches listeners by name)
/// - `listen` (`ip:port` or `[ipv6]:port`, required, unique unless the port is 0; a changed
///   address on reload means the old socket is dropped and a new one bound)
/// - `profile` (`cryptrec-high`, the default and only accepted value, R)
/// - `certificates` (list of `RawCertificate`, required, 1 to 4 entries, R)
/// - `tls` (`RawTLS`, optional: narrows the profile, R)
/// - `client_auth` (`RawClientAuth`, required, R)
/// - `upstream` (name of an entry of `upstreams`, required, R)
/// - `timeouts` (`RawTimeouts`, R)
/// - `limits` (`RawLimits`, R)
/// - `routes` (list of `RawRoute`, R; upstreams with protocol http1 only)
/// - `http` (`RawHTTP`, R; only when `upstream` uses protocol http1)
/// - `mode` (`proxy` | `readiness`, default proxy, R): a readiness listener has no upstream
public struct RawListener: Decodable, Sendable, Equatable {
    public var name: String?
    public var listen: String?
    public var profile: String?
    public var certificates: [RawCertificate]?
    public var tls: RawTLS?
    public var clientAuth: RawClientAuth?
    public var upstream: String?
    public var timeouts: RawTimeouts?
    public var limits: RawLimits?
    public var routes: [RawRoute]?
    public var http: RawHTTP?
    /// `proxy` (default) or `readiness` (ClientTrustSettings.swift `ListenerMode`).
    public var mode: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, listen, profile, certificates, tls
        case clientAuth = "client_auth"
        case upstream, timeouts, limits
        case routes, http
        case mode
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        name = try c.lenient(String.self, forKey: .name)
        listen = try c.lenient(String.self, forKey: .listen)
        profile = try c.lenient(String.self, forKey: .profile)
        certificates = try c.lenient([RawCertificate].self, forKey: .certificates)
        tls = try c.lenient(RawTLS.self, forKey: .tls)
        clientAuth = try c.lenient(RawClientAuth.self, forKey: .clientAuth)
        upstream = try c.lenient(String.self, forKey: .upstream)
        timeouts = try c.lenient(RawTimeouts.self, forKey: .timeouts)
        limits = try c.lenient(RawLimits.self, forKey: .limits)
        routes = try c.lenient([RawRoute].self, forKey: .routes)
        http = try c.lenient(RawHTTP.self, forKey: .http)
        mode = try c.lenient(String.self, forKey: .mode)
    }
}

/// One entry of `listeners[].certificates`. Relative paths resolve against the configuration
/// file's folder; the files must exist and be readable (their PEM contents are checked later).
/// - `cert` (path, required): PEM, leaf first, then intermediates
/// - `key` (path, required): PEM private key
/// - `ca` (path, optional): anchor the served chain must verify to
public struct RawCertificate: Decodable, Sendable, Equatable {
    public var cert: String?
    public var key: String?
    public var ca: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cert, key, ca
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        cert = try c.lenient(String.self, forKey: .cert)
        key = try c.lenient(String.self, forKey: .key)
        ca = try c.lenient(String.self, forKey: .ca)
    }
}

/// `listeners[].tls`: optional narrowing of the `cryptrec-high` profile. Every list may only name
/// entries of the profile; anything else is refused with the reason.
/// - `versions` (subset of [TLSv1.3, TLSv1.2]; order irrelevant, 1.3 always preferred)
/// - `tls13_cipher_suites` (IANA names; order = server preference)
/// - `tls12_cipher_suites` (IANA or OpenSSL names; order = server preference)
/// - `groups` (x25519, p-256, p-384, p-521, x448, ffdhe2048, ffdhe3072, ffdhe4096; order = preference)
/// - `nist_curves_only` (bool, default false: drops x25519 and x448)
/// - `session_tickets` (bool, default true)
/// - `session_ticket_key_file` (path of an 80-byte key, default none; with a file, stateless
///   tickets survive reloads and work across instances)
/// - `session_cache_size` (sessions kept server-side when no key file is set; 0 = stateless
///   tickets under a random key per generation)
public struct RawTLS: Decodable, Sendable, Equatable {
    public var versions: [String]?
    public var tls13CipherSuites: [String]?
    public var tls12CipherSuites: [String]?
    public var groups: [String]?
    public var nistCurvesOnly: Bool?
    public var sessionTickets: Bool?
    /// 80-byte ticket key file shared across reloads and instances (`session_ticket_key_file`).
    public var sessionTicketKeyFile: String?
    public var sessionCacheSize: Int?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case versions
        case tls13CipherSuites = "tls13_cipher_suites"
        case tls12CipherSuites = "tls12_cipher_suites"
        case groups
        case nistCurvesOnly = "nist_curves_only"
        case sessionTickets = "session_tickets"
        case sessionTicketKeyFile = "session_ticket_key_file"
        case sessionCacheSize = "session_cache_size"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        versions = try c.lenient([String].self, forKey: .versions)
        tls13CipherSuites = try c.lenient([String].self, forKey: .tls13CipherSuites)
        tls12CipherSuites = try c.lenient([String].self, forKey: .tls12CipherSuites)
        groups = try c.lenient([String].self, forKey: .groups)
        nistCurvesOnly = try c.lenient(Bool.self, forKey: .nistCurvesOnly)
        sessionTickets = try c.lenient(Bool.self, forKey: .sessionTickets)
        sessionTicketKeyFile = try c.lenient(String.self, forKey: .sessionTicketKeyFile)
        sessionCacheSize = try c.lenient(Int.self, forKey: .sessionCacheSize)
    }
}

/// `listeners[].client_auth` (required block).
/// - `required` (bool, default true; false = request a certificate, verify it if sent, admit
///   clients without one)
/// - `ca` (path, required): the client CA bundle
/// - `crl` (path or list of paths, optional; PEM or DER)
/// - `verify_depth` (int 1...10, default 4)
/// - `policy` (`RawClientPolicy`, R), `deny` (`RawDenyList`, R), `crl_stale` (`RawCRLStale`, R)
/// - `verification_cache` (duration 0...1h, default 5m; 0 = verify every chain in full)
public struct RawClientAuth: Decodable, Sendable, Equatable {
    public var required: Bool?
    public var ca: String?
    public var crl: RawStringList?
    public var verifyDepth: Int?
    /// Client trust (RawClientTrust.swift): allow-list, deny-list, stale-CRL policy.
    public var policy: RawClientPolicy?
    public var deny: RawDenyList?
    public var crlStale: RawCRLStale?
    public var verificationCache: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case required, ca, crl
        case verifyDepth = "verify_depth"
        case policy, deny
        case crlStale = "crl_stale"
        case verificationCache = "verification_cache"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        required = try c.lenient(Bool.self, forKey: .required)
        ca = try c.lenient(String.self, forKey: .ca)
        crl = try c.lenient(RawStringList.self, forKey: .crl)
        verifyDepth = try c.lenient(Int.self, forKey: .verifyDepth)
        policy = try c.lenient(RawClientPolicy.self, forKey: .policy)
        deny = try c.lenient(RawDenyList.self, forKey: .deny)
        crlStale = try c.lenient(RawCRLStale.self, forKey: .crlStale)
        verificationCache = try c.lenient(String.self, forKey: .verificationCache)
    }
}

/// `listeners[].timeouts`. Durations are `<int>ms|s|m|h` or a bare integer (seconds), above 0.
/// - `handshake` (default 10s): accept to end of the TLS handshake
/// - `idle` (default 300s): no bytes in either direction
public struct RawTimeouts: Decodable, Sendable, Equatable {
    public var handshake: String?
    public var idle: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case handshake, idle
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        handshake = try c.lenient(String.self, forKey: .handshake)
        idle = try c.lenient(String.self, forKey: .idle)
    }
}

/// `listeners[].limits`.
/// - `max_connections` (int 1...1_000_000, default 10000)
/// - `buffer_bytes` (bytes per direction per connection, 4096...16777216, default 65536; also
///   written `64KiB` or `1MiB`)
public struct RawLimits: Decodable, Sendable, Equatable {
    public var maxConnections: Int?
    /// A string so that `64KiB` and `65536` both decode; parsed by the validator.
    public var bufferBytes: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxConnections = "max_connections"
        case bufferBytes = "buffer_bytes"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        maxConnections = try c.lenient(Int.self, forKey: .maxConnections)
        bufferBytes = try c.lenient(String.self, forKey: .bufferBytes)
    }
}
