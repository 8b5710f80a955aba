internal import COpenSSL

/// The verified peer of a session: what policy checks and logs need, copied out of OpenSSL so it
/// can cross threads and outlive the session.
public struct PeerIdentity: Sendable, Equatable {
    /// The values live in one shared, copy-on-write box: a connection keeps its identity for
    /// its whole life, in its TLS session and again in its policy verdict, and connections of
    /// one client certificate share one identity (`PeerIdentityCache`). Inline, the values
    /// took about 250 bytes at each of those places and about twenty reference-count
    /// operations per copy; boxed, a copy is one pointer.
    private var box: Box

    final class Box: @unchecked Sendable {
        // `@unchecked`: never mutated once shared; `mutate` copies unless uniquely referenced.
        var values: Values
        init(_ values: Values) { self.values = values }
    }

    struct Values: Equatable {
        var subject: String
        var issuer: String
        var commonNames: [String]
        var organizations: [String]
        var organizationalUnits: [String]
        var dnsNames: [String]
        var ipAddresses: [String]
        var uris: [String]
        var serialNumberHex: String
        var sha256Fingerprint: String
        var notBefore: String
        var notAfter: String
        var notBeforeEpochSeconds: Int64
        var notAfterEpochSeconds: Int64
        var signatureAlgorithm: String
        var keyDescription: String
        var chainLength: Int
        var emailAddresses: [String]
        var leafSource: CertificateDERSource
        var chainSource: [CertificateDERSource]
    }

    private mutating func mutate(_ change: (inout Values) -> Void) {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.values) }
        change(&box.values)
    }

    public static func == (lhs: PeerIdentity, rhs: PeerIdentity) -> Bool {
        lhs.box === rhs.box || lhs.box.values == rhs.box.values
    }

    /// RFC 4514 subject over UTF-8 (non-ASCII such as `O=医療法人テスト会` stays as text), most
    /// specific RDN first, e.g. "CN=client-a,OU=Radiology,O=医療法人テスト会".
    public var subject: String { box.values.subject }
    public var issuer: String { box.values.issuer }
    /// Values of the subject's CN / O / OU attributes in certificate order (UTF-8 decoded).
    public var commonNames: [String] { box.values.commonNames }
    public var organizations: [String] { box.values.organizations }
    public var organizationalUnits: [String] { box.values.organizationalUnits }
    /// subjectAltName entries.
    public var dnsNames: [String] { box.values.dnsNames }
    public var ipAddresses: [String] { box.values.ipAddresses }
    public var uris: [String] { box.values.uris }
    /// Serial number, uppercase hex without separators.
    public var serialNumberHex: String { box.values.serialNumberHex }
    /// SHA-256 over the DER certificate, lowercase hex without separators.
    public var sha256Fingerprint: String { box.values.sha256Fingerprint }
    /// ISO 8601 UTC, e.g. "2026-01-01T00:00:00Z", and the same instant as seconds since epoch.
    public var notBefore: String { box.values.notBefore }
    public var notAfter: String { box.values.notAfter }
    public var notBeforeEpochSeconds: Int64 { box.values.notBeforeEpochSeconds }
    public var notAfterEpochSeconds: Int64 { box.values.notAfterEpochSeconds }
    /// OpenSSL's long name of the certificate's signature algorithm, e.g. "ecdsa-with-SHA256".
    public var signatureAlgorithm: String { box.values.signatureAlgorithm }
    /// "EC P-256", "RSA 2048", "Ed25519".
    public var keyDescription: String { box.values.keyDescription }
    /// Certificates in the verified chain, leaf through anchor. On a resumed session (no chain
    /// is carried in a ticket) this counts the leaf plus the issuers found among the configured
    /// CAs during the resumption re-check.
    public var chainLength: Int { box.values.chainLength }
    /// rfc822Name subjectAltName entries (the client policy's `san.email` rule).
    public var emailAddresses: [String] { box.values.emailAddresses }
    /// The certificate itself, DER-encoded as received (RFC 9440 `Client-Cert` carries it).
    /// Encoded on each read from the certificate the session holds anyway, so an identity
    /// kept for a connection's lifetime costs no copy of it (see `CertificateDERSource`).
    public var certificateDER: [UInt8] {
        get { box.values.leafSource.der }
        set { mutate { $0.leafSource = .bytes(newValue) } }
    }
    /// Server sessions: the certificates the client sent after its own, DER-encoded, in the
    /// order it sent them (RFC 9440 §2.3 `Client-Cert-Chain`). Empty when the client sent its
    /// leaf only, on a resumed session (a ticket carries the leaf, not the chain) and on client
    /// sessions.
    public var presentedChainDER: [[UInt8]] {
        get { box.values.chainSource.map(\.der) }
        set { mutate { $0.chainSource = newValue.map { .bytes($0) } } }
    }

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
        self.init(values: Values(
            subject: subject, issuer: issuer, commonNames: commonNames, organizations: organizations,
            organizationalUnits: organizationalUnits, dnsNames: dnsNames, ipAddresses: ipAddresses, uris: uris,
            serialNumberHex: serialNumberHex, sha256Fingerprint: sha256Fingerprint, notBefore: notBefore,
            notAfter: notAfter, notBeforeEpochSeconds: notBeforeEpochSeconds, notAfterEpochSeconds: notAfterEpochSeconds,
            signatureAlgorithm: signatureAlgorithm, keyDescription: keyDescription, chainLength: chainLength,
            emailAddresses: emailAddresses,
            leafSource: .bytes(certificateDER), chainSource: presentedChainDER.map { .bytes($0) }
        ))
    }

    /// Identity of a verified certificate (`X509Inspector.peerIdentity`), whose values carry the
    /// leaf and presented chain as up-referenced `X509` objects, DER-encoded only when read.
    init(values: Values) {
        self.box = Box(values)
    }

    /// Whether this identity's presented chain is `chain`, certificate by certificate
    /// (`PeerIdentityCache`). Compares encodings (`X509_cmp`), not object addresses.
    func presents(_ chain: [OpaquePointer]) -> Bool {
        guard box.values.chainSource.count == chain.count else { return false }
        for (source, certificate) in zip(box.values.chainSource, chain) {
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
