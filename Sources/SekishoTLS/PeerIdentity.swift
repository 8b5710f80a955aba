internal import COpenSSL

/// The verified peer of a session: what policy checks and logs need, copied out of OpenSSL so it
/// can cross threads and outlive the session.
public struct PeerIdentity: Sendable, Equatable {
    /// RFC 4514 subject over UTF-8 (non-ASCII such as `O=医療法人テスト会` stays as text), most
    /// specific RDN first, e.g. "CN=client-a,OU=Radiology,O=医療法人テスト会".
    public var subject: String
    public var issuer: String
    /// Values of the subject's CN / O / OU attributes in certificate order (UTF-8 decoded).
    public var commonNames: [String]
    public var organizations: [String]
    public var organizationalUnits: [String]
    /// subjectAltName entries.
    public var dnsNames: [String]
    public var ipAddresses: [String]
    public var uris: [String]
    /// Serial number, uppercase hex without separators.
    public var serialNumberHex: String
    /// SHA-256 over the DER certificate, lowercase hex without separators.
    public var sha256Fingerprint: String
    /// ISO 8601 UTC, e.g. "2026-01-01T00:00:00Z", and the same instant as seconds since epoch.
    public var notBefore: String
    public var notAfter: String
    public var notBeforeEpochSeconds: Int64
    public var notAfterEpochSeconds: Int64
    /// OpenSSL's long name of the certificate's signature algorithm, e.g. "ecdsa-with-SHA256".
    public var signatureAlgorithm: String
    /// "EC P-256", "RSA 2048", "Ed25519".
    public var keyDescription: String
    /// Certificates in the verified chain, leaf through anchor. On a resumed session (no chain
    /// is carried in a ticket) this counts the leaf plus the issuers found among the configured
    /// CAs during the resumption re-check.
    public var chainLength: Int
    /// The certificate itself, DER-encoded as received (RFC 9440 `Client-Cert` carries it).
    /// Encoded on each read from the certificate the session holds anyway, so an identity
    /// kept for a connection's lifetime costs no copy of it (see `CertificateDERSource`).
    public var certificateDER: [UInt8] {
        get { leafSource.der }
        set { leafSource = .bytes(newValue) }
    }
    /// Server sessions: the certificates the client sent after its own, DER-encoded, in the
    /// order it sent them (RFC 9440 §2.3 `Client-Cert-Chain`). Empty when the client sent its
    /// leaf only, on a resumed session (a ticket carries the leaf, not the chain) and on client
    /// sessions.
    public var presentedChainDER: [[UInt8]] {
        get { chainSource.map(\.der) }
        set { chainSource = newValue.map { .bytes($0) } }
    }
    private var leafSource: CertificateDERSource
    private var chainSource: [CertificateDERSource]
    /// rfc822Name subjectAltName entries (the client policy's `san.email` rule).
    public var emailAddresses: [String]

    /// The first CN, the usual single-valued case.
    public var commonName: String? { commonNames.first }

    public init(
        subject: String, issuer: String, commonNames: [String], organizations: [String],
        organizationalUnits: [String], dnsNames: [String], ipAddresses: [String], uris: [String],
        serialNumberHex: String, sha256Fingerprint: String, notBefore: String, notAfter: String,
        notBeforeEpochSeconds: Int64, notAfterEpochSeconds: Int64, signatureAlgorithm: String,
        keyDescription: String, chainLength: Int,
        certificateDER: [UInt8] = [], presentedChainDER: [[UInt8]] = [], emailAddresses: [String] = []
    ) {
        self.subject = subject
        self.issuer = issuer
        self.commonNames = commonNames
        self.organizations = organizations
        self.organizationalUnits = organizationalUnits
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.uris = uris
        self.serialNumberHex = serialNumberHex
        self.sha256Fingerprint = sha256Fingerprint
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.notBeforeEpochSeconds = notBeforeEpochSeconds
        self.notAfterEpochSeconds = notAfterEpochSeconds
        self.signatureAlgorithm = signatureAlgorithm
        self.keyDescription = keyDescription
        self.chainLength = chainLength
        self.leafSource = .bytes(certificateDER)
        self.chainSource = presentedChainDER.map { .bytes($0) }
        self.emailAddresses = emailAddresses
    }

    /// Identity of a verified certificate: the leaf (and the presented chain) are kept as
    /// up-referenced `X509` objects, DER-encoded only when read.
    init(
        subject: String, issuer: String, commonNames: [String], organizations: [String],
        organizationalUnits: [String], dnsNames: [String], ipAddresses: [String], uris: [String],
        serialNumberHex: String, sha256Fingerprint: String, notBefore: String, notAfter: String,
        notBeforeEpochSeconds: Int64, notAfterEpochSeconds: Int64, signatureAlgorithm: String,
        keyDescription: String, chainLength: Int,
        leaf: OpaquePointer, presentedChain: [OpaquePointer], emailAddresses: [String]
    ) {
        self.init(
            subject: subject, issuer: issuer, commonNames: commonNames, organizations: organizations,
            organizationalUnits: organizationalUnits, dnsNames: dnsNames, ipAddresses: ipAddresses, uris: uris,
            serialNumberHex: serialNumberHex, sha256Fingerprint: sha256Fingerprint, notBefore: notBefore,
            notAfter: notAfter, notBeforeEpochSeconds: notBeforeEpochSeconds, notAfterEpochSeconds: notAfterEpochSeconds,
            signatureAlgorithm: signatureAlgorithm, keyDescription: keyDescription, chainLength: chainLength,
            emailAddresses: emailAddresses)
        leafSource = .certificate(X509Certificate(borrowing: leaf))
        chainSource = presentedChain.map { .certificate(X509Certificate(borrowing: $0)) }
    }

    /// Whether this identity's presented chain is `chain`, certificate by certificate
    /// (`PeerIdentityCache`). Compares encodings (`X509_cmp`), not object addresses.
    func presents(_ chain: [OpaquePointer]) -> Bool {
        guard chainSource.count == chain.count else { return false }
        for (source, certificate) in zip(chainSource, chain) {
            switch source {
            case .certificate(let held):
                if held.ref != certificate, X509_cmp(held.ref, certificate) != 0 { return false }
            case .bytes(let bytes):
                if bytes != X509Inspector.der(certificate) { return false }
            }
        }
        return true
    }
}

/// Where a `PeerIdentity` gets a DER encoding from: bytes given by the caller, or a certificate
/// it holds a reference to. Equal when the encodings are equal, whatever the source.
///
/// Why a reference: an idle mutual-TLS connection keeps its `PeerIdentity` for its lifetime,
/// while the certificates are held by the TLS session (and the session cache) anyway; two
/// eager copies (leaf and presented intermediate) cost about 1.5 KiB per connection, read only
/// when RFC 9440 headers are configured.
enum CertificateDERSource: Sendable, Equatable {
    case bytes([UInt8])
    case certificate(X509Certificate)

    var der: [UInt8] {
        switch self {
        case .bytes(let bytes): return bytes
        case .certificate(let certificate): return X509Inspector.der(certificate.ref)
        }
    }

    static func == (lhs: CertificateDERSource, rhs: CertificateDERSource) -> Bool {
        if case .certificate(let a) = lhs, case .certificate(let b) = rhs, a.ref == b.ref { return true }
        return lhs.der == rhs.der
    }
}
