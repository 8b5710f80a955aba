/// The `cryptrec-high` profile: the high-security type of the CRYPTREC/IPA TLS configuration
/// guideline 3.0.1, as specified for this project in PROFILE.md.
///
/// This is the single source of truth for what sekisho may ever negotiate. `SekishoConfig`
/// uses it to refuse configurations that *widen* the profile (an operator may only narrow
/// it), and `SekishoTLS` builds every server context from it. Lists are in server preference
/// order, which is also the order PROFILE.md gives.
public enum CryptrecHighProfile {
    /// The profile name as written in configuration files.
    public static let name = "cryptrec-high"

    /// Protocol versions, preferred first.
    public static let versions: [TLSProtocolVersion] = [.tls13, .tls12]

    /// TLS 1.3 suites. TLS_AES_128_CCM_SHA256 is not in OpenSSL's default list, so it has to be
    /// named explicitly; TLS_AES_128_CCM_8_SHA256 (64-bit tag) is never offered.
    public static let tls13CipherSuites: [CipherSuite] = [
        CipherSuite(iana: "TLS_AES_128_GCM_SHA256", code: 0x1301, openSSL: "TLS_AES_128_GCM_SHA256"),
        CipherSuite(iana: "TLS_AES_256_GCM_SHA384", code: 0x1302, openSSL: "TLS_AES_256_GCM_SHA384"),
        CipherSuite(iana: "TLS_CHACHA20_POLY1305_SHA256", code: 0x1303, openSSL: "TLS_CHACHA20_POLY1305_SHA256"),
        CipherSuite(iana: "TLS_AES_128_CCM_SHA256", code: 0x1304, openSSL: "TLS_AES_128_CCM_SHA256"),
    ]

    /// TLS 1.2 suites: forward secrecy and AEAD only. Named one by one, because OpenSSL's
    /// `AESCCM` shorthand silently pulls in the CCM_8 suites.
    public static let tls12CipherSuites: [CipherSuite] = [
        CipherSuite(iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", code: 0xC02B, openSSL: "ECDHE-ECDSA-AES128-GCM-SHA256"),
        CipherSuite(iana: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", code: 0xC02C, openSSL: "ECDHE-ECDSA-AES256-GCM-SHA384"),
        CipherSuite(iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", code: 0xC02F, openSSL: "ECDHE-RSA-AES128-GCM-SHA256"),
        CipherSuite(iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", code: 0xC030, openSSL: "ECDHE-RSA-AES256-GCM-SHA384"),
        CipherSuite(iana: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", code: 0xCCA9, openSSL: "ECDHE-ECDSA-CHACHA20-POLY1305"),
        CipherSuite(iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", code: 0xCCA8, openSSL: "ECDHE-RSA-CHACHA20-POLY1305"),
        CipherSuite(iana: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", code: 0xC0AC, openSSL: "ECDHE-ECDSA-AES128-CCM"),
        CipherSuite(iana: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", code: 0xC0AD, openSSL: "ECDHE-ECDSA-AES256-CCM"),
        CipherSuite(iana: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", code: 0x009E, openSSL: "DHE-RSA-AES128-GCM-SHA256"),
        CipherSuite(iana: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", code: 0x009F, openSSL: "DHE-RSA-AES256-GCM-SHA384"),
        CipherSuite(iana: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", code: 0xCCAA, openSSL: "DHE-RSA-CHACHA20-POLY1305"),
        CipherSuite(iana: "TLS_DHE_RSA_WITH_AES_128_CCM", code: 0xC09E, openSSL: "DHE-RSA-AES128-CCM"),
        CipherSuite(iana: "TLS_DHE_RSA_WITH_AES_256_CCM", code: 0xC09F, openSSL: "DHE-RSA-AES256-CCM"),
    ]

    /// Suites the guideline lists that OpenSSL 3.0 cannot negotiate (Camellia-GCM). They are
    /// never offered; the compliance output says so rather than hiding the gap.
    public static let unsupportedGuidelineSuites: [String] = [
        "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256 (C0,86)",
        "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384 (C0,87)",
        "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 (C0,8A)",
        "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 (C0,8B)",
        "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 (C0,7C)",
        "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 (C0,7D)",
    ]

    /// Key-exchange groups in preference order: ECDHE first, then the RFC 7919 finite-field
    /// groups of at least 2048 bits (used by TLS 1.3 DHE and, through `SSL_CTX_set_dh_auto`,
    /// by the TLS 1.2 DHE suites).
    public static let groups: [NamedGroup] = [
        NamedGroup(name: "x25519", openSSL: "X25519", code: 0x001D, isNIST: false),
        NamedGroup(name: "p-256", openSSL: "P-256", code: 0x0017, isNIST: true),
        NamedGroup(name: "p-384", openSSL: "P-384", code: 0x0018, isNIST: true),
        NamedGroup(name: "p-521", openSSL: "P-521", code: 0x0019, isNIST: true),
        NamedGroup(name: "x448", openSSL: "X448", code: 0x001E, isNIST: false),
        NamedGroup(name: "ffdhe2048", openSSL: "ffdhe2048", code: 0x0100, isNIST: false),
        NamedGroup(name: "ffdhe3072", openSSL: "ffdhe3072", code: 0x0101, isNIST: false),
        NamedGroup(name: "ffdhe4096", openSSL: "ffdhe4096", code: 0x0102, isNIST: false),
    ]

    /// Signature algorithms for the handshake (server and client CertificateVerify), in
    /// preference order, as OpenSSL `sigalgs` list entries. SHA-256/384/512 only.
    public static let signatureAlgorithms: [String] = [
        "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512",
        "ed25519", "ed448",
        "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
        "rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512",
        "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512",
    ]

    /// Smallest RSA modulus accepted anywhere (server and client certificates).
    public static let minimumRSABits = 2048
    /// EC curves accepted for certificate keys.
    public static let allowedCertificateCurves: [String] = ["P-256", "P-384", "P-521"]
}

/// A TLS protocol version sekisho may name in configuration.
public enum TLSProtocolVersion: String, Sendable, Hashable, CaseIterable, Comparable {
    case tls12 = "TLSv1.2"
    case tls13 = "TLSv1.3"

    /// The on-the-wire version number (RFC 8446 §4.2.1).
    public var wireValue: UInt16 {
        switch self {
        case .tls12: return 0x0303
        case .tls13: return 0x0304
        }
    }

    public static func < (lhs: TLSProtocolVersion, rhs: TLSProtocolVersion) -> Bool {
        lhs.wireValue < rhs.wireValue
    }
}

/// A cipher suite with its IANA name, code point and OpenSSL spelling.
public struct CipherSuite: Sendable, Hashable {
    public let iana: String
    public let code: UInt16
    public let openSSL: String

    public init(iana: String, code: UInt16, openSSL: String) {
        self.iana = iana
        self.code = code
        self.openSSL = openSSL
    }
}

/// A key-exchange group with the name used in sekisho's configuration and OpenSSL's name.
public struct NamedGroup: Sendable, Hashable {
    public let name: String
    public let openSSL: String
    public let code: UInt16
    public let isNIST: Bool

    public init(name: String, openSSL: String, code: UInt16, isNIST: Bool) {
        self.name = name
        self.openSSL = openSSL
        self.code = code
        self.isNIST = isNIST
    }
}
