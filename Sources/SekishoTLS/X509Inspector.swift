internal import COpenSSL
internal import CSekishoShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A certificate validity bound in both forms sekisho reports.
struct CertificateTime: Equatable {
    var epochSeconds: Int64
    var iso8601: String
}

/// Read-only views of an `X509 *` (borrowed: nothing here takes ownership).
enum X509Inspector {
    /// RFC 4514 text over UTF-8. `XN_FLAG_RFC2253` escapes every byte above 0x7F by default
    /// (`ASN1_STRFLGS_ESC_MSB`); clearing that flag keeps UTF-8 text such as Japanese names
    /// intact, while the RFC 2253 escapes for `,+"\<>;` and control characters stay on.
    static func rfc4514(_ name: OpaquePointer) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "?" }
        defer { BIO_free(bio) }
        let flags = rfc2253FlagsWithoutMSBEscape
        guard X509_NAME_print_ex(bio, name, 0, flags) >= 0 else { return "?" }
        return readAll(bio)
    }

    /// `XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB`. The importer cannot evaluate the nested
    /// `XN_FLAG_RFC2253` macro, so it is spelled out from its parts (x509.h, asn1.h).
    private static let rfc2253FlagsWithoutMSBEscape: UInt = {
        let asn1RFC2253 = UInt(ASN1_STRFLGS_ESC_2253) | UInt(ASN1_STRFLGS_ESC_CTRL) | UInt(ASN1_STRFLGS_ESC_MSB)
            | UInt(ASN1_STRFLGS_UTF8_CONVERT) | UInt(ASN1_STRFLGS_DUMP_UNKNOWN) | UInt(ASN1_STRFLGS_DUMP_DER)
        let xnRFC2253 = asn1RFC2253 | UInt(XN_FLAG_SEP_COMMA_PLUS) | UInt(XN_FLAG_DN_REV) | UInt(XN_FLAG_FN_SN)
            | UInt(XN_FLAG_DUMP_UNKNOWN_FIELDS)
        return xnRFC2253 & ~UInt(ASN1_STRFLGS_ESC_MSB)
    }()

    static func subject(_ x: OpaquePointer) -> String { rfc4514(X509_get_subject_name(x)) }
    static func issuer(_ x: OpaquePointer) -> String { rfc4514(X509_get_issuer_name(x)) }

    /// Values of one attribute type (by NID) in the subject, UTF-8 decoded.
    static func subjectAttribute(_ x: OpaquePointer, nid: Int32) -> [String] {
        let name = X509_get_subject_name(x)
        var values: [String] = []
        var index: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, nid, index)
            if index < 0 { break }
            guard let entry = X509_NAME_get_entry(name, index),
                  let data = X509_NAME_ENTRY_get_data(entry) else { continue }
            var out: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&out, data)
            if length >= 0, let out {
                values.append(String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self))
                sekisho_OPENSSL_free(out)
            }
        }
        return values
    }

    static func time(_ t: UnsafePointer<ASN1_TIME>?) -> CertificateTime {
        guard var parts = brokenDown(t) else { return CertificateTime(epochSeconds: 0, iso8601: "?") }
        let epoch = Int64(timegm(&parts))
        let iso = iso8601(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
            hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec)
        )
        return CertificateTime(epochSeconds: epoch, iso8601: iso)
    }

    /// Seconds since the epoch only, for comparisons on hot paths (0 when unreadable, so a
    /// notAfter reads as expired).
    static func epochSeconds(_ t: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard var parts = brokenDown(t) else { return 0 }
        return Int64(timegm(&parts))
    }

    private static func brokenDown(_ t: UnsafePointer<ASN1_TIME>?) -> tm? {
        var parts = tm()
        guard let t, ASN1_TIME_to_tm(t, &parts) == 1 else { return nil }
        return parts
    }

    /// "YYYY-MM-DDTHH:MM:SSZ" without Foundation.
    static func iso8601(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y
            + "-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))Z"
    }

    /// Current time in the same form as certificate times.
    static func now() -> CertificateTime {
        var seconds = wallClockSeconds()
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return CertificateTime(epochSeconds: Int64(seconds), iso8601: iso8601(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
            hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec)))
    }

    static func notBefore(_ x: OpaquePointer) -> CertificateTime { time(X509_get0_notBefore(x)) }
    static func notAfter(_ x: OpaquePointer) -> CertificateTime { time(X509_get0_notAfter(x)) }

    static func serialHex(_ x: OpaquePointer) -> String {
        guard let serial = X509_get0_serialNumber(x), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "?" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "?" }
        defer { sekisho_OPENSSL_free(hex) }
        return String(cString: hex)
    }

    static func sha256Fingerprint(_ x: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: sha256Length)
        let ok = digest.withUnsafeMutableBufferPointer { sha256(x, into: $0.baseAddress!) }
        return ok ? hex(digest) : "?"
    }

    /// Bytes in a SHA-256 digest.
    static let sha256Length = 32

    /// SHA-256 over the certificate's DER into `out` (`sha256Length` bytes). Every certificate digest
    /// goes through here, with SHA-256 fetched once: `EVP_sha256()` would make OpenSSL 3 look
    /// the implementation up in the provider store on every call (each handshake digests its
    /// client certificate for the identity and, with `VerifiedChainCache`, its whole chain).
    static func sha256(_ x: OpaquePointer, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        guard let md = FetchedSHA256.shared.md else { return false }
        var length: UInt32 = 0
        return X509_digest(x, md, out, &length) == 1 && length == sha256Length
    }

    /// OpenSSL's long name, e.g. "sha1WithRSAEncryption", "ecdsa-with-SHA256".
    static func signatureAlgorithmName(_ x: OpaquePointer) -> String {
        let nid = X509_get_signature_nid(x)
        return OBJ_nid2ln(nid).map { String(cString: $0) } ?? "unknown (nid \(nid))"
    }

    /// "EC P-256", "RSA 2048", "Ed25519", "DSA 1024".
    static func keyDescription(_ pkey: OpaquePointer) -> String {
        let bits = EVP_PKEY_get_bits(pkey)
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA: return "RSA \(bits)"
        case EVP_PKEY_RSA_PSS: return "RSA-PSS \(bits)"
        case EVP_PKEY_EC: return "EC \(curveName(pkey))"
        case EVP_PKEY_ED25519: return "Ed25519"
        case EVP_PKEY_ED448: return "Ed448"
        case EVP_PKEY_DSA: return "DSA \(bits)"
        default:
            let name = EVP_PKEY_get0_type_name(pkey).map { String(cString: $0) } ?? "unknown"
            return "\(name) \(bits)"
        }
    }

    /// NIST name where there is one ("P-256"), else OpenSSL's short name ("brainpoolP256r1").
    static func curveName(_ pkey: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        guard EVP_PKEY_get_group_name(pkey, &buffer, buffer.count, &length) == 1 else { return "unknown curve" }
        let shortName = cString(buffer)
        let nid = OBJ_sn2nid(shortName)
        if nid != NID_undef, let nist = EC_curve_nid2nist(nid) { return String(cString: nist) }
        return shortName
    }

    /// subjectAltName DNS names, IP addresses (text form) and URIs.
    static func subjectAltNames(_ x: OpaquePointer) -> (dns: [String], ip: [String], uri: [String], email: [String]) {
        var dns: [String] = [], ip: [String] = [], uri: [String] = [], email: [String] = []
        guard let raw = X509_get_ext_d2i(x, NID_subject_alt_name, nil, nil) else { return (dns, ip, uri, email) }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        for i in 0..<sekisho_sk_GENERAL_NAME_num(names) {
            guard let entry = sekisho_sk_GENERAL_NAME_value(names, i) else { continue }
            switch entry.pointee.type {
            case GEN_DNS: dns.append(asciiString(entry.pointee.d.dNSName))
            case GEN_URI: uri.append(asciiString(entry.pointee.d.uniformResourceIdentifier))
            case GEN_EMAIL: email.append(asciiString(entry.pointee.d.rfc822Name))
            case GEN_IPADD:
                if let text = ipText(entry.pointee.d.iPAddress) { ip.append(text) }
            default: continue
            }
        }
        return (dns, ip, uri, email)
    }

    /// DER encoding of a certificate (`i2d_X509`); empty if OpenSSL cannot encode it.
    static func der(_ x: OpaquePointer) -> [UInt8] {
        let length = i2d_X509(x, nil)
        guard length > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            // i2d_X509 advances the pointer it is given; a local copy absorbs that.
            var cursor = buffer.baseAddress
            return i2d_X509(x, &cursor)
        }
        return written == length ? out : []
    }

    /// The certificates of a `STACK_OF(X509)` (borrowed), in stack order.
    static func certificates(_ stack: OpaquePointer?) -> [OpaquePointer] {
        guard let stack else { return [] }
        return (0..<sekisho_sk_X509_num(stack)).compactMap { sekisho_sk_X509_value(stack, $0) }
    }

    /// - Parameter presentedChain: server side only, `SSL_get_peer_cert_chain`: the certificates
    ///   the client sent after its leaf (borrowed; the server-side stack excludes the leaf).
    static func peerIdentity(_ x: OpaquePointer, chainLength: Int, presentedChain: OpaquePointer? = nil) -> PeerIdentity {
        peerIdentity(x, chainLength: chainLength, presented: certificates(presentedChain), fingerprint: sha256Fingerprint(x))
    }

    /// Through `cache`: connections presenting the same certificates share one identity value.
    static func peerIdentity(
        _ x: OpaquePointer, chainLength: Int, presentedChain: OpaquePointer? = nil, cache: PeerIdentityCache
    ) -> PeerIdentity {
        let fingerprint = sha256Fingerprint(x)
        let presented = certificates(presentedChain)
        return cache.identity(fingerprint: fingerprint, chainLength: chainLength, presentedChain: presented) {
            peerIdentity(x, chainLength: chainLength, presented: presented, fingerprint: fingerprint)
        }
    }

    private static func peerIdentity(
        _ x: OpaquePointer, chainLength: Int, presented: [OpaquePointer], fingerprint: String
    ) -> PeerIdentity {
        let before = notBefore(x), after = notAfter(x)
        let sans = subjectAltNames(x)
        let key = X509_get0_pubkey(x).map { keyDescription($0) } ?? "unknown"
        return PeerIdentity(values: PeerIdentity.Values(
            subject: subject(x), issuer: issuer(x),
            commonNames: subjectAttribute(x, nid: NID_commonName),
            organizations: subjectAttribute(x, nid: NID_organizationName),
            organizationalUnits: subjectAttribute(x, nid: NID_organizationalUnitName),
            dnsNames: sans.dns, ipAddresses: sans.ip, uris: sans.uri,
            serialNumberHex: serialHex(x), sha256Fingerprint: fingerprint,
            notBefore: before.iso8601, notAfter: after.iso8601,
            notBeforeEpochSeconds: before.epochSeconds, notAfterEpochSeconds: after.epochSeconds,
            signatureAlgorithm: signatureAlgorithmName(x), keyDescription: key, chainLength: chainLength,
            emailAddresses: sans.email,
            leafSource: .certificate(X509Certificate(borrowing: x)),
            chainSource: presented.map { .certificate(X509Certificate(borrowing: $0)) }
        ))
    }

    static func isSelfSigned(_ x: OpaquePointer) -> Bool {
        (X509_get_extension_flags(x) & UInt32(EXFLAG_SS)) != 0
    }

    // MARK: - Small helpers

    static func readAll(_ bio: OpaquePointer) -> String {
        let pending = Int(BIO_ctrl_pending(bio))
        if pending == 0 { return "" }
        var buffer = [UInt8](repeating: 0, count: pending)
        let n = BIO_read(bio, &buffer, Int32(pending))
        return String(decoding: buffer[0..<max(0, Int(n))], as: UTF8.self)
    }

    static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func asciiString(_ s: UnsafeMutablePointer<ASN1_IA5STRING>?) -> String {
        guard let s, let data = ASN1_STRING_get0_data(s) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(s))), as: UTF8.self)
    }

    private static func ipText(_ s: UnsafeMutablePointer<ASN1_OCTET_STRING>?) -> String? {
        guard let s, let data = ASN1_STRING_get0_data(s) else { return nil }
        let count = Int(ASN1_STRING_length(s))
        let family: Int32
        switch count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, data, &text, socklen_t(text.count)) != nil else { return nil }
        return cString(text)
    }

    /// Text of a NUL-terminated `CChar` buffer.
    static func cString(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Wall-clock seconds; certificate validity is defined against wall time (RFC 5280 §4.1.2.5).
/// Outside `X509Inspector` because its `time(_:)` would shadow the C function.
func wallClockSeconds() -> time_t { time(nil) }

/// A fetched `EVP_MD`. `@unchecked Sendable`: OpenSSL's fetched algorithm objects are
/// immutable and reference-counted with atomics; using one from several threads at once is
/// how OpenSSL 3 means them to be used. It is never freed (one per process).
private final class FetchedSHA256: @unchecked Sendable {
    static let shared = FetchedSHA256()
    let md: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)
}
