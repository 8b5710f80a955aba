import SekishoCore

/// What a client offered in its ClientHello, recorded by the server before OpenSSL chooses a
/// version or a suite, so that a refused client can be told precisely what it offered.
///
/// Code points are kept as numbers (wire order, GREASE values removed, RFC 8701); names come from
/// `TLSNames`. Copied out of OpenSSL, so the value is `Sendable` and outlives the session.
public struct ClientHelloSummary: Sendable, Equatable {
    /// `legacy_version` of the ClientHello body (0x0303 for every TLS 1.3 client, RFC 8446 §4.1.2).
    public var legacyVersion: UInt16
    /// The `supported_versions` extension (43), in the client's order; empty when absent
    /// (every client before TLS 1.3 leaves it out).
    public var supportedVersions: [UInt16]
    /// Cipher suites in the client's preference order, signalling values (SCSV) included.
    public var cipherSuites: [UInt16]
    /// `supported_groups` (10); empty when absent.
    public var groups: [UInt16]
    /// `signature_algorithms` (13); empty when absent (a TLS 1.2 client then implies SHA-1,
    /// RFC 5246 §7.4.1.4.1).
    public var signatureAlgorithms: [UInt16]
    /// The host_name of `server_name` (0), if sent.
    public var serverName: String?
    /// Protocols of `application_layer_protocol_negotiation` (16), if sent.
    public var alpn: [String]
    /// Extension types present, in the order sent.
    public var extensionTypes: [UInt16]
    /// An SSLv2-format ClientHello (very old clients).
    public var isSSLv2Format: Bool

    public init(
        legacyVersion: UInt16, supportedVersions: [UInt16] = [], cipherSuites: [UInt16] = [],
        groups: [UInt16] = [], signatureAlgorithms: [UInt16] = [], serverName: String? = nil,
        alpn: [String] = [], extensionTypes: [UInt16] = [], isSSLv2Format: Bool = false
    ) {
        self.legacyVersion = legacyVersion
        self.supportedVersions = supportedVersions
        self.cipherSuites = cipherSuites
        self.groups = groups
        self.signatureAlgorithms = signatureAlgorithms
        self.serverName = serverName
        self.alpn = alpn
        self.extensionTypes = extensionTypes
        self.isSSLv2Format = isSSLv2Format
    }

    /// The versions the client offered, highest first. With `supported_versions` that list is
    /// authoritative (RFC 8446 §4.2.1); without it, `legacy_version` is the client's highest
    /// version (RFC 5246 Appendix E.1) and its lowest is not sent at all, so only that one is
    /// listed.
    public var offeredVersions: [UInt16] {
        if !supportedVersions.isEmpty { return supportedVersions.sorted(by: >) }
        return [legacyVersion]
    }

    /// "offered: TLSv1.3, TLSv1.2" or "legacy_version TLSv1.1, no supported_versions extension".
    public var versionOfferText: String {
        if !supportedVersions.isEmpty { return "offered: " + offeredVersionNames.joined(separator: ", ") }
        return "legacy_version \(TLSNames.version(legacyVersion)), no supported_versions extension"
    }

    /// The highest version offered.
    public var highestVersion: UInt16 { offeredVersions.first ?? legacyVersion }

    /// "TLSv1.3, TLSv1.2".
    public var offeredVersionNames: [String] { offeredVersions.map(TLSNames.version) }

    /// True when nothing the client offered reaches TLS 1.2, the profile's floor.
    public var offersOnlyLegacyVersions: Bool { highestVersion < 0x0303 }

    /// IANA names of the offered suites, signalling values left out.
    public var cipherSuiteNames: [String] {
        cipherSuites.filter { !TLSNames.isSignallingSuite($0) }.map(TLSNames.cipherSuite)
    }

    public var groupNames: [String] { groups.map(TLSNames.group) }
    public var signatureAlgorithmNames: [String] { signatureAlgorithms.map(TLSNames.signatureScheme) }

    /// Offered suites the `cryptrec-high` profile accepts, in the client's order.
    public var profileCipherSuites: [UInt16] {
        let allowed = Set((CryptrecHighProfile.tls13CipherSuites + CryptrecHighProfile.tls12CipherSuites).map(\.code))
        return cipherSuites.filter { allowed.contains($0) }
    }

    /// Offered groups the profile accepts.
    public var profileGroups: [UInt16] {
        let allowed = Set(CryptrecHighProfile.groups.map(\.code))
        return groups.filter { allowed.contains($0) }
    }

    // MARK: - Parsing the raw extension bodies (RFC 8446 §4.2, RFC 6066 §3, RFC 7301 §3.1)

    /// Big-endian 16-bit values of `body`, GREASE removed.
    static func codePoints<C: Collection>(_ body: C) -> [UInt16] where C.Element == UInt8, C.Index == Int {
        var values: [UInt16] = []
        var i = body.startIndex
        while i + 1 < body.endIndex {
            let value = UInt16(body[i]) << 8 | UInt16(body[i + 1])
            if !TLSNames.isGREASE(value) { values.append(value) }
            i += 2
        }
        return values
    }

    /// A list with a length prefix of `prefixBytes` (1 or 2) and 16-bit entries. A malformed
    /// length yields what fits: this is a record of what was sent, never a validator (OpenSSL
    /// itself rejects malformed extensions).
    static func prefixedCodePoints(_ body: [UInt8], prefixBytes: Int) -> [UInt16] {
        guard body.count >= prefixBytes else { return [] }
        let declared = prefixBytes == 1 ? Int(body[0]) : Int(body[0]) << 8 | Int(body[1])
        let end = min(body.count, prefixBytes + declared)
        return codePoints(body[prefixBytes..<end])
    }

    /// The host_name entry of a server_name extension body.
    static func hostName(_ body: [UInt8]) -> String? {
        guard body.count >= 2 else { return nil }
        let end = min(body.count, 2 + (Int(body[0]) << 8 | Int(body[1])))
        var i = 2
        while i + 3 <= end {
            let type = body[i]
            let length = Int(body[i + 1]) << 8 | Int(body[i + 2])
            let start = i + 3
            guard start + length <= end else { return nil }
            if type == 0 { return String(decoding: body[start..<start + length], as: UTF8.self) }
            i = start + length
        }
        return nil
    }

    /// The protocol names of an ALPN extension body.
    static func protocolNames(_ body: [UInt8]) -> [String] {
        guard body.count >= 2 else { return [] }
        let end = min(body.count, 2 + (Int(body[0]) << 8 | Int(body[1])))
        var names: [String] = []
        var i = 2
        while i < end {
            let length = Int(body[i])
            let start = i + 1
            guard length > 0, start + length <= end else { break }
            names.append(String(decoding: body[start..<start + length], as: UTF8.self))
            i = start + length
        }
        return names
    }
}
