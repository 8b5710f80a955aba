public import SekishoCore

/// Everything needed to build one listener's server `TLSContext`.
///
/// The lists default to the whole `cryptrec-high` profile in its preference order. `SekishoConfig`
/// narrows them from the operator's file; `TLSContext.init` refuses anything that widens the
/// profile, whoever built the value, so the profile is enforced in one place that owns OpenSSL.
public struct TLSServerConfiguration: Sendable {
    /// Used in error messages, the surface report and the session-id context.
    public var listenerName: String
    /// Server certificates. One ECDSA and one RSA certificate may share a listener; OpenSSL picks
    /// per handshake from the client's signature algorithms.
    public var certificates: [TLSCertificateSource]
    /// A subset of `CryptrecHighProfile.versions`.
    public var versions: [TLSProtocolVersion]
    /// Ordered subset of `CryptrecHighProfile.tls13CipherSuites`.
    public var tls13CipherSuites: [CipherSuite]
    /// Ordered subset of `CryptrecHighProfile.tls12CipherSuites`.
    public var tls12CipherSuites: [CipherSuite]
    /// Ordered subset of `CryptrecHighProfile.groups`.
    public var groups: [NamedGroup]
    /// Ordered subset of `CryptrecHighProfile.signatureAlgorithms`, used both for the server's
    /// own signature and for what the server accepts in the client's CertificateVerify.
    public var signatureAlgorithms: [String]
    public var clientAuth: TLSClientAuthSettings
    /// ALPN protocols in server preference order (RFC 7301); empty = no ALPN extension answered.
    public var alpn: [String]
    /// Session resumption (RFC 8446 §2.2 and §4.6.1; RFC 5246 §7.4.1.2). `false` disables it.
    /// How sessions are kept follows from the two settings below (`resumption`).
    public var sessionTickets: Bool
    /// Ticket encryption key shared by every context built with it (several instances, or the
    /// generations before and after a reload): stateless tickets that any of them can open.
    public var sessionTicketKey: TLSSessionTicketKey?
    /// Without a shared ticket key: the number of sessions kept in this context's server-side
    /// cache (TLS 1.3 tickets then carry only a session id; TLS 1.2 resumes by session id).
    /// 0 = stateless tickets under a random per-context key instead.
    public var sessionCacheSize: Int

    /// How this configuration resumes sessions.
    public enum Resumption: Equatable, Sendable {
        case off
        /// Server-side cache of at most this many sessions, shared by every loop.
        case cache(size: Int)
        /// Stateless tickets; `shared` when the key comes from the configuration.
        case tickets(shared: Bool)

        /// The cache bound, 0 unless `.cache`.
        public var cacheSize: Int {
            if case .cache(let size) = self { return size }
            return 0
        }
    }

    public var resumption: Resumption {
        guard sessionTickets else { return .off }
        if sessionTicketKey != nil { return .tickets(shared: true) }
        return sessionCacheSize > 0 ? .cache(size: sessionCacheSize) : .tickets(shared: false)
    }

    /// Default `sessionCacheSize`. A cached session holds the client's parsed certificate chain:
    /// measured about 12 KiB each after full TLS 1.3 handshakes (OpenSSL 3.0), so 4,096
    /// sessions bound the cache near 48 MiB.
    public static let defaultSessionCacheSize = 4_096

    public init(
        listenerName: String,
        certificates: [TLSCertificateSource],
        clientAuth: TLSClientAuthSettings,
        versions: [TLSProtocolVersion] = CryptrecHighProfile.versions,
        tls13CipherSuites: [CipherSuite] = CryptrecHighProfile.tls13CipherSuites,
        tls12CipherSuites: [CipherSuite] = CryptrecHighProfile.tls12CipherSuites,
        groups: [NamedGroup] = CryptrecHighProfile.groups,
        signatureAlgorithms: [String] = CryptrecHighProfile.signatureAlgorithms,
        alpn: [String] = [],
        sessionTickets: Bool = true,
        sessionTicketKey: TLSSessionTicketKey? = nil,
        sessionCacheSize: Int = TLSServerConfiguration.defaultSessionCacheSize
    ) {
        self.listenerName = listenerName
        self.certificates = certificates
        self.clientAuth = clientAuth
        self.versions = versions
        self.tls13CipherSuites = tls13CipherSuites
        self.tls12CipherSuites = tls12CipherSuites
        self.groups = groups
        self.signatureAlgorithms = signatureAlgorithms
        self.alpn = alpn
        self.sessionTickets = sessionTickets
        self.sessionTicketKey = sessionTicketKey
        self.sessionCacheSize = sessionCacheSize
    }
}

/// A certificate chain file and its private key, both PEM.
public struct TLSCertificateSource: Sendable, Hashable {
    /// The leaf first, then each intermediate, in issuing order.
    public var certPath: String
    /// Unencrypted PEM private key (PKCS#8 or traditional).
    public var keyPath: String
    /// For server certificates: the anchor the chain must verify to. Without it, each
    /// certificate in the file must at least be issued by the next one.
    public var caPath: String?

    public init(certPath: String, keyPath: String, caPath: String? = nil) {
        self.certPath = certPath
        self.keyPath = keyPath
        self.caPath = caPath
    }
}

/// How a listener verifies client certificates (mutual TLS).
public struct TLSClientAuthSettings: Sendable, Hashable {
    /// `true`: a handshake without a client certificate fails with `no_client_cert`.
    /// `false`: a certificate is requested and, if presented, verified with the same rules.
    public var required: Bool
    /// PEM bundle of the CAs client chains must verify to (also sent as the acceptable-CA list).
    public var caPath: String
    /// CRL files, PEM or DER (detected), complete CRLs only (delta and partitioned ones are
    /// refused at load). Every certificate of a client chain is checked against the CRLs of its
    /// issuer where its issuer has one (`ClientTrust.revocation`).
    public var crlPaths: [String]
    /// Maximum number of intermediates between the client leaf and the anchor.
    public var verifyDepth: Int
    /// What a handshake does when the issuer's CRL is past its nextUpdate (a "stale" CRL): within
    /// `crlStaleGraceSeconds` after nextUpdate it is used with a warning; after that, `.reject`
    /// refuses with `crl_stale` and `.warn` keeps using it with a warning. A stale CRL is still
    /// loaded (a start-up or reload never fails because a CRL went stale).
    public var crlStalePolicy: CRLStalePolicy
    public var crlStaleGraceSeconds: Int64
    /// How long a client chain that verified cleanly may be reused for a byte-identical chain
    /// (`VerifiedChainCache`); 0 verifies every chain in full.
    public var verificationCacheSeconds: Int64

    public init(
        required: Bool = true, caPath: String, crlPaths: [String] = [], verifyDepth: Int = 4,
        crlStalePolicy: CRLStalePolicy = .reject, crlStaleGraceSeconds: Int64 = 86_400,
        verificationCacheSeconds: Int64 = 300
    ) {
        self.required = required
        self.caPath = caPath
        self.crlPaths = crlPaths
        self.verifyDepth = verifyDepth
        self.crlStalePolicy = crlStalePolicy
        self.crlStaleGraceSeconds = crlStaleGraceSeconds
        self.verificationCacheSeconds = verificationCacheSeconds
    }
}

/// The stale-CRL policy of a listener (see `TLSClientAuthSettings.crlStalePolicy`).
public enum CRLStalePolicy: String, Sendable, Hashable, CaseIterable {
    case reject
    case warn
}
