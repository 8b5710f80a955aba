import SekishoCore

/// Looks up configuration names in `CryptrecHighProfile`, and explains refusals.
///
/// Acceptance is by allow-list only: a name is accepted exactly when it names an entry of the
/// profile. The `why…` functions below only choose the *wording* of a refusal (so an operator
/// learns that `TLS_RSA_WITH_AES_128_GCM_SHA256` is refused for its RSA key transport, not for a
/// typo); a name they fail to classify is still refused.
package enum ProfileNames {
    static let profileName = CryptrecHighProfile.name

    // MARK: Versions

    static func version(named name: String) -> TLSProtocolVersion? {
        TLSProtocolVersion.allCases.first { $0.rawValue.lowercased() == name.lowercased() }
    }

    static func whyNotVersion(_ name: String) -> String {
        let legacy = ["sslv2", "sslv3", "tlsv1", "tlsv1.0", "tlsv1.1"]
        if legacy.contains(name.lowercased()) {
            return "'\(name)' is not in the \(profileName) profile (SSL 3.0, TLS 1.0 and TLS 1.1 are never negotiated)"
        }
        return "'\(name)' is not a TLS protocol version (allowed: \(versionList))"
    }

    static var versionList: String { CryptrecHighProfile.versions.map(\.rawValue).joined(separator: ", ") }

    // MARK: Cipher suites

    /// Matches the IANA name or the OpenSSL spelling, ignoring case.
    static func suite(named name: String, in suites: [CipherSuite]) -> CipherSuite? {
        let wanted = name.uppercased()
        return suites.first { $0.iana.uppercased() == wanted || $0.openSSL.uppercased() == wanted }
    }

    /// Refusal text for a name that is not one of `allowed` (the list of the key being read).
    static func whyNotSuite(_ name: String, listKey: String, allowed: [CipherSuite]) -> String {
        let isTLS13List = listKey == "tls13_cipher_suites"
        if isTLS13List, suite(named: name, in: CryptrecHighProfile.tls12CipherSuites) != nil {
            return "'\(name)' is a TLS 1.2 suite; list it under tls12_cipher_suites"
        }
        if !isTLS13List, suite(named: name, in: CryptrecHighProfile.tls13CipherSuites) != nil {
            return "'\(name)' is a TLS 1.3 suite; list it under tls13_cipher_suites"
        }
        if let reason = refusalReason(forSuite: name) {
            return "'\(name)' is not in the \(profileName) profile (\(reason))"
        }
        let names = allowed.map(\.iana).joined(separator: ", ")
        return "'\(name)' is not in the \(profileName) profile (allowed: \(names))"
    }

    /// Why a suite outside the profile is refused, recognised from either spelling. Order
    /// matters: the most fundamental flaw is named first.
    package static func refusalReason(forSuite name: String) -> String? {
        let n = name.uppercased()
        let isIANA = n.hasPrefix("TLS_") || n.hasPrefix("SSL_")
        // OpenSSL names without a key-exchange prefix (AES128-GCM-SHA256) use RSA key transport.
        let openSSLBulkFirst = ["AES", "CAMELLIA", "ARIA", "SEED", "IDEA"].contains { n.hasPrefix($0) }
        let aead = ["GCM", "CCM", "CHACHA20", "POLY1305"].contains { n.contains($0) }

        if n.contains("NULL") { return "NULL encryption is never allowed" }
        if n.contains("_ANON_") || n.hasPrefix("ADH-") || n.hasPrefix("AECDH-") { return "anonymous key exchange is never allowed" }
        if n.contains("EXPORT") || n.hasPrefix("EXP-") || n.hasPrefix("EXP1024-") { return "export-grade suites are never allowed" }
        if n.contains("RC4") { return "RC4 is never allowed" }
        if n.contains("3DES") || n.contains("DES_") || n.contains("DES-") || n.hasPrefix("DES") { return "DES and 3DES are never allowed" }
        if n.contains("PSK") || n.contains("SRP") { return "PSK and SRP key exchange are never allowed" }
        if n.contains("_DSS_") || n.contains("-DSS-") { return "DSA (DSS) authentication is never allowed" }
        if n.hasPrefix("TLS_RSA_WITH_") || n.hasPrefix("RSA-") || (!isIANA && openSSLBulkFirst) {
            return "RSA key transport is never allowed"
        }
        if n.hasPrefix("TLS_ECDH_") || n.hasPrefix("TLS_DH_") || n.hasPrefix("ECDH-") || n.hasPrefix("DH-") {
            return "static (EC)DH key exchange has no forward secrecy"
        }
        if n.contains("CCM_8") || n.contains("CCM8") { return "CCM_8 has a 64-bit tag and is never allowed" }
        if n.contains("_CBC_") || n.contains("-CBC-") || (!isIANA && !aead && (n.hasPrefix("ECDHE-") || n.hasPrefix("DHE-") || n.hasPrefix("EDH-"))) {
            return "CBC modes are never allowed"
        }
        if n.hasSuffix("_SHA") || n.hasSuffix("-SHA") { return "SHA-1 MACs are never allowed" }
        if n.contains("CAMELLIA") && n.contains("GCM") { return "OpenSSL 3.0 cannot negotiate Camellia-GCM, so sekisho does not offer it" }
        if n.contains("ARIA") { return "ARIA suites are not part of the profile" }
        return nil
    }

    // MARK: Groups

    /// Other spellings of the profile's groups that operators commonly write.
    private static let groupAliases: [String: String] = [
        "secp256r1": "p-256", "prime256v1": "p-256", "secp384r1": "p-384", "secp521r1": "p-521",
    ]

    static func group(named name: String) -> NamedGroup? {
        let wanted = name.lowercased()
        let canonical = groupAliases[wanted] ?? wanted
        return CryptrecHighProfile.groups.first { $0.name == canonical || $0.openSSL.lowercased() == canonical }
    }

    static func whyNotGroup(_ name: String) -> String {
        let n = name.lowercased()
        let small = ["p-192", "p-224", "secp192r1", "secp224r1", "prime192v1", "secp160r1", "secp160r2", "secp160k1", "secp192k1", "secp224k1"]
        if small.contains(n) {
            return "'\(name)' is not in the \(profileName) profile (ECDHE groups must be at least 256 bits)"
        }
        if n.hasPrefix("ffdhe") {
            return "'\(name)' is not in the \(profileName) profile (finite-field groups: ffdhe2048, ffdhe3072, ffdhe4096)"
        }
        let names = CryptrecHighProfile.groups.map(\.name).joined(separator: ", ")
        return "'\(name)' is not in the \(profileName) profile (allowed: \(names))"
    }

    /// The elliptic curves that `nist_curves_only` removes. The RFC 7919 finite-field groups are
    /// not curves and stay (they are also approved in NIST SP 800-56A).
    static func isNonNISTCurve(_ group: NamedGroup) -> Bool {
        !group.isNIST && !group.name.hasPrefix("ffdhe")
    }
}
