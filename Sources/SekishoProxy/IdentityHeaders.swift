import Foundation
import SekishoConfig
import SekishoHTTP1
import SekishoTLS

/// The verified client certificate as request header fields for the backend, and the rule that
/// removes every inbound field a client could use to forge them (pure).
///
/// Values:
/// - `Client-Cert` (RFC 9440 §2.2): the DER certificate as a Structured Field Byte Sequence,
///   `:` base64 `:` (RFC 8941 §3.3.5; standard alphabet with padding).
/// - `Client-Cert-Chain` (RFC 9440 §2.3): the certificates the client sent after its own, in
///   the order sent, as an sf-list of byte sequences (`:…:, :…:`). Not sent when the client
///   sent no intermediates, or on a resumed session (a ticket carries no chain).
/// - subject / issuer: the RFC 4514 string over UTF-8 as OpenSSL renders it (most specific RDN
///   first, `,+"\<>;` and control characters backslash-escaped by RFC 4514 rules, non-ASCII
///   kept as UTF-8), then made header-safe by `headerSafe`: percent-encoding (RFC 3986 §2.1,
///   uppercase hex) of `%`, every byte outside visible ASCII, and a leading or trailing space.
///   Decoding is plain percent-decoding followed by UTF-8, so the value is unambiguous and a
///   Japanese organisation name arrives intact: `O=医療法人` is sent as `O=%E5%8C%BB%E7%99%82%E6%B3%95%E4%BA%BA`.
///   No CR, LF or other control byte can ever reach the header.
/// - serial: uppercase hex; SHA-256 fingerprint: lowercase hex; not-after: `YYYY-MM-DDTHH:MM:SSZ`.
///
/// A connection without a client certificate (`client_auth.required: false`) sends none of
/// these, but the stripping still applies.
struct IdentityHeaders: Sendable, Equatable {
    let settings: IdentityHeaderSettings
    /// Lowercased names that are always removed from inbound requests.
    private let strippedNames: Set<String>
    private let strippedPrefixes: [String]

    /// The RFC 9440 names are removed even when renamed or disabled: a backend that reads them
    /// directly must never see a client-supplied copy (RFC 9440 §4).
    static let rfc9440Names = ["Client-Cert", "Client-Cert-Chain"]

    init(settings: IdentityHeaderSettings) {
        self.settings = settings
        self.strippedNames = Set((settings.configuredNames + Self.rfc9440Names).map { $0.lowercased() })
        self.strippedPrefixes = settings.stripPrefixes.map { $0.lowercased() }
    }

    /// Whether an inbound field with this name must be removed before forwarding. Runs for
    /// every field of every request: compares bytes ASCII-case-insensitively (field names are
    /// tokens, and so are the configured names and prefixes) instead of lowercasing the name
    /// into a new String and hashing it.
    func mustStrip(_ name: String) -> Bool {
        for stripped in strippedNames where HTTP1Fields.namesEqual(name, stripped) { return true }
        for prefix in strippedPrefixes where Self.hasLowercasePrefix(name, prefix) { return true }
        return false
    }

    /// `name.lowercased().hasPrefix(prefix)` for an ASCII `prefix` that is already lowercase.
    static func hasLowercasePrefix(_ name: String, _ prefix: String) -> Bool {
        var nameBytes = name.utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = nameBytes.next() else { return false }
            let lower = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
            if lower != expected { return false }
        }
        return true
    }

    /// The fields to add for `peer` (nil: no certificate, no fields). Computed once per
    /// connection: the identity cannot change on a connection (no renegotiation).
    func fields(for peer: PeerIdentity?) -> [HTTP1Field] {
        guard let peer else { return [] }
        var out: [HTTP1Field] = []
        if let name = settings.clientCert, !peer.certificateDER.isEmpty {
            out.append(HTTP1Field(name: name, value: Self.sfBinary(peer.certificateDER)))
        }
        if let name = settings.clientCertChain, !peer.presentedChainDER.isEmpty {
            out.append(HTTP1Field(name: name, value: peer.presentedChainDER.map(Self.sfBinary).joined(separator: ", ")))
        }
        if let name = settings.subject { out.append(HTTP1Field(name: name, value: Self.headerSafe(peer.subject))) }
        if let name = settings.issuer { out.append(HTTP1Field(name: name, value: Self.headerSafe(peer.issuer))) }
        if let name = settings.serial { out.append(HTTP1Field(name: name, value: Self.headerSafe(peer.serialNumberHex))) }
        if let name = settings.sha256 { out.append(HTTP1Field(name: name, value: Self.headerSafe(peer.sha256Fingerprint))) }
        if let name = settings.notAfter { out.append(HTTP1Field(name: name, value: Self.headerSafe(peer.notAfter))) }
        return out
    }

    /// RFC 8941 §3.3.5 Byte Sequence: `:` base64 `:`.
    static func sfBinary(_ bytes: [UInt8]) -> String {
        ":" + Data(bytes).base64EncodedString() + ":"
    }

    /// Percent-encodes `%`, every byte that is not visible ASCII (0x21...0x7E) or SP, and SP at
    /// either end (a parser would strip it as OWS, RFC 9110 §5.5).
    static func headerSafe(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for (index, byte) in bytes.enumerated() {
            let edgeSpace = byte == 0x20 && (index == 0 || index == bytes.count - 1)
            if byte == UInt8(ascii: "%") || byte < 0x20 || byte > 0x7E || edgeSpace {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The inverse of `headerSafe` (for tests and documentation): nil for a malformed escape
    /// or bytes that are not UTF-8.
    static func decodeHeaderSafe(_ text: String) -> String? {
        var out: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            out.append(high << 4 | low)
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
