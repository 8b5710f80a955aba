public import SekishoCore

/// One entry of `listeners`, validated: every field typed, every default applied, every file
/// path absolute and checked to exist (its contents are parsed later, by SekishoTLS).
public struct ListenerConfig: Sendable, Equatable {
    public let name: String
    public let listen: HostPort
    /// Always `CryptrecHighProfile.name` today; kept so logs and reports can say which profile.
    public let profile: String
    /// One to four certificate/key pairs (typically one ECDSA and one RSA).
    public let certificates: [CertificateKeyPaths]
    /// Enabled protocol versions, preferred first.
    public let versions: [TLSProtocolVersion]
    /// In server preference order. Kept even when TLS 1.3 is disabled (then unused).
    public let tls13CipherSuites: [CipherSuite]
    /// In server preference order. Kept even when TLS 1.2 is disabled (then unused).
    public let tls12CipherSuites: [CipherSuite]
    /// Key-exchange groups in preference order, `nist_curves_only` already applied.
    public let groups: [NamedGroup]
    public let sessionTickets: Bool
    public let clientAuth: ClientAuthConfig
    /// Name of an entry of `ProxyConfig.upstreams` (checked to exist).
    public let upstreamName: String
    public let handshakeTimeout: Duration
    public let idleTimeout: Duration
    public let maxConnections: Int
    /// Buffer size per direction per connection.
    public let bufferBytes: Int
    /// HTTP settings; meaningful only when `upstreamName` uses `protocol: http1` (the validator
    /// refuses an `http` block otherwise, and the defaults are kept).
    public let http: HTTPListenerSettings
    /// Host/path routes to other http1 upstreams, tried in order before `upstreamName`.
    public let routes: [RouteConfig]
    /// `proxy`, or `readiness` (then `upstreamName` is empty and nothing is forwarded).
    public let mode: ListenerMode
    /// Absolute path of the 80-byte session ticket key file, if configured.
    public let sessionTicketKeyPath: String?
    /// `tls.session_cache_size`: server-side session cache bound when no ticket key file is set.
    public let sessionCacheSize: Int

    package init(
        name: String, listen: HostPort, profile: String, certificates: [CertificateKeyPaths],
        versions: [TLSProtocolVersion], tls13CipherSuites: [CipherSuite], tls12CipherSuites: [CipherSuite],
        groups: [NamedGroup], sessionTickets: Bool, clientAuth: ClientAuthConfig, upstreamName: String,
        handshakeTimeout: Duration, idleTimeout: Duration, maxConnections: Int, bufferBytes: Int,
        http: HTTPListenerSettings = .defaults, routes: [RouteConfig] = [],
        mode: ListenerMode = .proxy, sessionTicketKeyPath: String? = nil,
        sessionCacheSize: Int = ConfigDefaults.sessionCacheSize
    ) {
        self.name = name
        self.listen = listen
        self.profile = profile
        self.certificates = certificates
        self.versions = versions
        self.tls13CipherSuites = tls13CipherSuites
        self.tls12CipherSuites = tls12CipherSuites
        self.groups = groups
        self.sessionTickets = sessionTickets
        self.clientAuth = clientAuth
        self.upstreamName = upstreamName
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.bufferBytes = bufferBytes
        self.http = http
        self.routes = routes
        self.mode = mode
        self.sessionTicketKeyPath = sessionTicketKeyPath
        self.sessionCacheSize = sessionCacheSize
    }
}

/// A served certificate chain and its key, as absolute paths to files that existed and were
/// readable when the configuration was loaded.
public struct CertificateKeyPaths: Sendable, Equatable {
    /// PEM: leaf first, then intermediates.
    public let certPath: String
    public let keyPath: String
    /// Optional anchor the served chain must verify to (checked by SekishoTLS at build time).
    public let caPath: String?

    package init(certPath: String, keyPath: String, caPath: String?) {
        self.certPath = certPath
        self.keyPath = keyPath
        self.caPath = caPath
    }
}

/// The `client_auth` block of a listener, validated.
public struct ClientAuthConfig: Sendable, Equatable {
    /// true: a client without a certificate is refused. false: a certificate is requested and
    /// verified if sent, but not demanded.
    public let required: Bool
    public let caPath: String
    /// PEM or DER CRL files; may be empty.
    public let crlPaths: [String]
    /// Maximum number of intermediates between the client certificate and the CA.
    public let verifyDepth: Int
    /// Who may connect among verified clients (`policy`; absent = every verified client).
    public let policy: ClientPolicyConfig
    /// The emergency deny-list (`deny`), checked before `policy`.
    public let deny: DenyListConfig
    /// What to do with a CRL past its nextUpdate (`crl_stale`).
    public let crlStale: CRLStaleConfig
    /// How long a client chain that verified cleanly is reused for the same chain bytes
    /// (`verification_cache`); zero verifies every chain in full.
    public let verificationCache: Duration

    package init(
        required: Bool, caPath: String, crlPaths: [String], verifyDepth: Int,
        policy: ClientPolicyConfig = .allowAllVerified, deny: DenyListConfig = .empty,
        crlStale: CRLStaleConfig = .defaults, verificationCache: Duration = ConfigDefaults.verificationCache
    ) {
        self.required = required
        self.caPath = caPath
        self.crlPaths = crlPaths
        self.verifyDepth = verifyDepth
        self.policy = policy
        self.deny = deny
        self.crlStale = crlStale
        self.verificationCache = verificationCache
    }
}
