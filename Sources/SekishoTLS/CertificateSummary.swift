internal import COpenSSL

/// One certificate a client presented, summarised for forensics: enough to identify it (subject,
/// issuer, serial, SHA-256) and to see why the profile might refuse it (signature algorithm, key,
/// validity). Recorded whether or not the chain verified: a refused client's chain is exactly
/// what the operator needs to see.
public struct CertificateSummary: Sendable, Equatable, Codable {
    /// RFC 4514 over UTF-8, as in `PeerIdentity.subject`.
    public var subject: String
    public var issuer: String
    /// Uppercase hex without separators, as in `PeerIdentity.serialNumberHex`.
    public var serialHex: String
    /// SHA-256 over the DER certificate, lowercase hex.
    public var sha256: String
    /// ISO 8601 UTC.
    public var notBefore: String
    public var notAfter: String
    public var notAfterEpochSeconds: Int64
    /// OpenSSL's long name, e.g. "sha1WithRSAEncryption", "ecdsa-with-SHA256".
    public var signatureAlgorithm: String
    /// "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA", or OpenSSL's type name.
    public var keyType: String
    public var keyBits: Int
    /// "EC P-256", "RSA 2048".
    public var keyDescription: String

    public init(
        subject: String, issuer: String, serialHex: String, sha256: String, notBefore: String,
        notAfter: String, notAfterEpochSeconds: Int64, signatureAlgorithm: String, keyType: String,
        keyBits: Int, keyDescription: String
    ) {
        self.subject = subject
        self.issuer = issuer
        self.serialHex = serialHex
        self.sha256 = sha256
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.notAfterEpochSeconds = notAfterEpochSeconds
        self.signatureAlgorithm = signatureAlgorithm
        self.keyType = keyType
        self.keyBits = keyBits
        self.keyDescription = keyDescription
    }

    /// Reads a borrowed `X509 *`.
    init(_ x: OpaquePointer) {
        let after = X509Inspector.notAfter(x)
        let key = X509_get0_pubkey(x)
        subject = X509Inspector.subject(x)
        issuer = X509Inspector.issuer(x)
        serialHex = X509Inspector.serialHex(x)
        sha256 = X509Inspector.sha256Fingerprint(x)
        notBefore = X509Inspector.notBefore(x).iso8601
        notAfter = after.iso8601
        notAfterEpochSeconds = after.epochSeconds
        signatureAlgorithm = X509Inspector.signatureAlgorithmName(x)
        keyType = key.map(Self.keyType) ?? "unknown"
        keyBits = key.map { Int(EVP_PKEY_get_bits($0)) } ?? 0
        keyDescription = key.map { X509Inspector.keyDescription($0) } ?? "unknown"
        OpenSSLErrorQueue.clear()
    }

    private static func keyType(_ pkey: OpaquePointer) -> String {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA: return "RSA"
        case EVP_PKEY_RSA_PSS: return "RSA-PSS"
        case EVP_PKEY_EC: return "EC"
        case EVP_PKEY_ED25519: return "Ed25519"
        case EVP_PKEY_ED448: return "Ed448"
        case EVP_PKEY_DSA: return "DSA"
        default: return EVP_PKEY_get0_type_name(pkey).map { String(cString: $0) } ?? "unknown"
        }
    }
}
