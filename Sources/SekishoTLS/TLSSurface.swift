public import SekishoCore

/// What a built context will actually negotiate, read back from OpenSSL where OpenSSL can tell
/// (cipher suites) rather than echoed from the configuration. `sekisho check` prints it.
public struct TLSSurface: Sendable, Equatable {
    public var listenerName: String
    public var openSSLVersion: String
    /// Preferred first.
    public var versions: [TLSProtocolVersion]
    /// IANA names in server preference order, from `SSL_CTX_get_ciphers`.
    public var tls13CipherSuites: [String]
    public var tls12CipherSuites: [String]
    /// OpenSSL group names in preference order.
    public var groups: [String]
    /// Handshake signature algorithms (server and accepted client CertificateVerify).
    public var signatureAlgorithms: [String]
    public var alpn: [String]
    /// How sessions resume; the three views below are read from it.
    public var resumption: TLSServerConfiguration.Resumption
    /// Resumption is on.
    public var sessionTickets: Bool { resumption != .off }
    /// Stateless tickets under the configured key file.
    public var sharedTicketKey: Bool { resumption == .tickets(shared: true) }
    /// Size of the server-side session cache; 0 when resumption uses stateless tickets or is off.
    public var sessionCacheSize: Int { resumption.cacheSize }
    public var certificates: [TLSCertificateSummary]
    public var clientAuthRequired: Bool
    public var clientCAs: [String]
    public var crlCount: Int
    /// How long a cleanly verified client chain is reused for identical chains; 0 = never.
    public var verificationCacheSeconds: Int64
    /// Facts an auditor should know, e.g. the guideline suites OpenSSL 3.0 cannot offer.
    public var notes: [String]

    public init(
        listenerName: String, openSSLVersion: String, versions: [TLSProtocolVersion],
        tls13CipherSuites: [String], tls12CipherSuites: [String], groups: [String],
        signatureAlgorithms: [String], alpn: [String], resumption: TLSServerConfiguration.Resumption,
        certificates: [TLSCertificateSummary], clientAuthRequired: Bool, clientCAs: [String],
        crlCount: Int, verificationCacheSeconds: Int64 = 0, notes: [String]
    ) {
        self.listenerName = listenerName
        self.openSSLVersion = openSSLVersion
        self.versions = versions
        self.tls13CipherSuites = tls13CipherSuites
        self.tls12CipherSuites = tls12CipherSuites
        self.groups = groups
        self.signatureAlgorithms = signatureAlgorithms
        self.alpn = alpn
        self.resumption = resumption
        self.certificates = certificates
        self.clientAuthRequired = clientAuthRequired
        self.clientCAs = clientCAs
        self.crlCount = crlCount
        self.verificationCacheSeconds = verificationCacheSeconds
        self.notes = notes
    }
}

/// One configured server certificate as loaded.
public struct TLSCertificateSummary: Sendable, Equatable {
    public var certPath: String
    public var subject: String
    public var issuer: String
    public var keyDescription: String
    public var signatureAlgorithm: String
    public var notAfter: String
    public var dnsNames: [String]
    public var ipAddresses: [String]
    /// Leaf plus intermediates in the file.
    public var chainLength: Int

    public init(
        certPath: String, subject: String, issuer: String, keyDescription: String,
        signatureAlgorithm: String, notAfter: String, dnsNames: [String], ipAddresses: [String], chainLength: Int
    ) {
        self.certPath = certPath
        self.subject = subject
        self.issuer = issuer
        self.keyDescription = keyDescription
        self.signatureAlgorithm = signatureAlgorithm
        self.notAfter = notAfter
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.chainLength = chainLength
    }
}
