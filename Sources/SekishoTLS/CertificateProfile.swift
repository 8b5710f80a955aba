internal import COpenSSL
import SekishoCore

/// The profile's certificate rules (PROFILE.md "Server certificates" / "Client certificates"),
/// as pure checks over one `X509 *`. Used at start-up for server chains, in the verify callback
/// for client chains, and again when a client resumes a session.
enum CertificateProfile {
    enum SignatureVerdict: Equatable {
        case acceptable
        case sha1
        case md5
        /// SHA-224, an unknown algorithm, or anything else below SHA-256.
        case weak
    }

    /// SHA-256/384/512 (including RSA-PSS with those digests and SHA-3) or EdDSA.
    static func signatureVerdict(_ x: OpaquePointer) -> SignatureVerdict {
        var mdNID: Int32 = 0, pkNID: Int32 = 0, securityBits: Int32 = 0
        var flags: UInt32 = 0
        guard X509_get_signature_info(x, &mdNID, &pkNID, &securityBits, &flags) == 1 else {
            OpenSSLErrorQueue.clear()
            return .weak
        }
        switch mdNID {
        case NID_sha256, NID_sha384, NID_sha512, NID_sha3_256, NID_sha3_384, NID_sha3_512:
            return .acceptable
        case NID_sha1:
            return .sha1
        case NID_md5, NID_md5_sha1, NID_md4, NID_md2:
            return .md5
        case NID_undef:
            return pkNID == NID_ED25519 || pkNID == NID_ED448 ? .acceptable : .weak
        default:
            return .weak
        }
    }

    /// The profile rule a key breaks, as message text, or `nil`. Server keys must be RSA or
    /// ECDSA; client chains may also use EdDSA (PROFILE.md lists it for client signatures).
    static func keyProblem(_ pkey: OpaquePointer, allowEdDSA: Bool) -> String? {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS:
            let bits = EVP_PKEY_get_bits(pkey)
            if bits < CryptrecHighProfile.minimumRSABits {
                return "RSA key of \(bits) bits is below the profile minimum of \(CryptrecHighProfile.minimumRSABits)"
            }
            return nil
        case EVP_PKEY_EC:
            let curve = X509Inspector.curveName(pkey)
            if CryptrecHighProfile.allowedCertificateCurves.contains(curve) { return nil }
            return "EC key on curve \(curve) is not allowed; the profile requires P-256, P-384 or P-521"
        case EVP_PKEY_ED25519, EVP_PKEY_ED448:
            if allowEdDSA { return nil }
            return "\(X509Inspector.keyDescription(pkey)) keys are not allowed for server certificates; the profile requires RSA (2048 bits or more) or ECDSA (P-256, P-384, P-521)"
        case EVP_PKEY_DSA:
            return "DSA keys are not allowed by the profile"
        default:
            return "\(X509Inspector.keyDescription(pkey)) keys are not allowed by the profile"
        }
    }

    /// One failed client-certificate rule: the refusal reason, its detail, and the
    /// `X509_V_ERR_*` to put in the store context so OpenSSL sends the matching alert
    /// (`ssl_x509err2alert`: CA_MD_TOO_WEAK / *_KEY_TOO_SMALL → bad_certificate,
    /// INVALID_PURPOSE → unsupported_certificate).
    struct ClientViolation: Equatable {
        var reason: TLSRefusalReason
        var detail: String
        var x509Error: Int32
    }

    /// The X509 ex_data slot marking a client certificate object that passed `clientViolation`
    /// at depth 0. The rules depend on the certificate's content only (the profile is compiled
    /// in), so a resumption from the server-side cache, which carries the very same `X509`
    /// object, need not run them again. A ticket decodes a fresh object, which carries no mark.
    static let checkedMarkIndex: Int32 = {
        let index = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509, 0, nil, nil, nil, nil)
        precondition(index >= 0, "CRYPTO_get_ex_new_index failed")
        return index
    }()

    /// `clientViolation` for a leaf, skipped when the same object already passed it.
    static func clientViolationOnce(_ leaf: OpaquePointer) -> ClientViolation? {
        if X509_get_ex_data(leaf, checkedMarkIndex) != nil { return nil }
        return clientViolation(leaf, depth: 0)
    }

    /// Marks a leaf that passed `clientViolation` (called once per full handshake, while the
    /// object is still private to that handshake).
    static func markChecked(_ leaf: OpaquePointer) {
        _ = X509_set_ex_data(leaf, checkedMarkIndex, UnsafeMutableRawPointer(bitPattern: 1))
    }

    /// "client certificate CN=…" / "client chain certificate CN=…": how every refusal detail
    /// names the certificate. Built only on failure: success paths run for every certificate
    /// of every handshake and should not print names.
    static func describe(_ x: OpaquePointer?, depth: Int) -> String {
        "client \(depth == 0 ? "certificate" : "chain certificate") \(x.map { X509Inspector.subject($0) } ?? "?")"
    }

    /// The profile's own client-certificate rules for the certificate at `depth` of a
    /// presented chain (not the trust anchor). Order: signature, key, then leaf-only usage.
    static func clientViolation(_ x: OpaquePointer, depth: Int) -> ClientViolation? {
        func who() -> String { describe(x, depth: depth) }
        switch signatureVerdict(x) {
        case .acceptable: break
        case .sha1:
            return ClientViolation(
                reason: .weakSignatureSHA1,
                detail: "\(who()) signed with \(X509Inspector.signatureAlgorithmName(x)) at depth \(depth)",
                x509Error: X509_V_ERR_CA_MD_TOO_WEAK)
        case .md5:
            return ClientViolation(
                reason: .weakSignatureMD5,
                detail: "\(who()) signed with \(X509Inspector.signatureAlgorithmName(x)) at depth \(depth)",
                x509Error: X509_V_ERR_CA_MD_TOO_WEAK)
        case .weak:
            return ClientViolation(
                reason: .badCertificate,
                detail: "\(who()) signed with \(X509Inspector.signatureAlgorithmName(x)) at depth \(depth); the profile requires SHA-256 or stronger",
                x509Error: X509_V_ERR_CA_MD_TOO_WEAK)
        }
        guard let pkey = X509_get0_pubkey(x) else {
            OpenSSLErrorQueue.clear()
            return ClientViolation(reason: .badCertificate, detail: "\(who()): unreadable public key at depth \(depth)",
                                   x509Error: X509_V_ERR_CERT_REJECTED)
        }
        if let problem = keyProblem(pkey, allowEdDSA: true) {
            return ClientViolation(reason: .weakKey, detail: "\(who()) at depth \(depth): \(problem)",
                                   x509Error: depth == 0 ? X509_V_ERR_EE_KEY_TOO_SMALL : X509_V_ERR_CA_KEY_TOO_SMALL)
        }
        if depth == 0 {
            let flags = X509_get_extension_flags(x)
            if flags & UInt32(EXFLAG_XKUSAGE) != 0, X509_get_extended_key_usage(x) & UInt32(XKU_SSL_CLIENT) == 0 {
                return ClientViolation(reason: .noClientAuthEKU,
                                       detail: "\(who()) has extendedKeyUsage without clientAuth",
                                       x509Error: X509_V_ERR_INVALID_PURPOSE)
            }
            if flags & UInt32(EXFLAG_KUSAGE) != 0, X509_get_key_usage(x) & UInt32(KU_DIGITAL_SIGNATURE) == 0 {
                return ClientViolation(reason: .badKeyUsage,
                                       detail: "\(who()) has keyUsage without digitalSignature",
                                       x509Error: X509_V_ERR_INVALID_PURPOSE)
            }
        }
        return nil
    }

    /// Maps an error OpenSSL's own verification raised (ok=0 in the verify callback) to a
    /// reason, for certificates that passed `clientViolation`.
    static func reason(forX509Error error: Int32, certificate x: OpaquePointer?, depth: Int) -> (TLSRefusalReason, String) {
        let who = describe(x, depth: depth)
        let text = X509_verify_cert_error_string(Int(error)).map { String(cString: $0) } ?? "error \(error)"
        switch error {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            let when = x.map { X509Inspector.notAfter($0).iso8601 } ?? "?"
            return (.expired, "\(who) expired on \(when) (depth \(depth))")
        case X509_V_ERR_CERT_NOT_YET_VALID:
            let when = x.map { X509Inspector.notBefore($0).iso8601 } ?? "?"
            return (.notYetValid, "\(who) is not valid before \(when) (depth \(depth))")
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_CERT_UNTRUSTED, X509_V_ERR_CERT_CHAIN_TOO_LONG:
            return (.unknownCA, "\(who) does not chain to a configured client CA: \(text) (depth \(depth), issuer \(x.map { X509Inspector.issuer($0) } ?? "?"))")
        case X509_V_ERR_CERT_REVOKED:
            return (.revoked, "\(who) is revoked (serial \(x.map { X509Inspector.serialHex($0) } ?? "?"), depth \(depth))")
        case X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_CRL_HAS_EXPIRED, X509_V_ERR_CRL_NOT_YET_VALID,
             X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, X509_V_ERR_CRL_SIGNATURE_FAILURE,
             X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
            return (.crlUnavailable, "no usable CRL for \(who): \(text) (depth \(depth))")
        case X509_V_ERR_CA_MD_TOO_WEAK:
            if let x {
                switch signatureVerdict(x) {
                case .sha1: return (.weakSignatureSHA1, "\(who) signed with \(X509Inspector.signatureAlgorithmName(x)) at depth \(depth)")
                case .md5: return (.weakSignatureMD5, "\(who) signed with \(X509Inspector.signatureAlgorithmName(x)) at depth \(depth)")
                default: break
                }
            }
            return (.badCertificate, "\(who): \(text) (depth \(depth))")
        case X509_V_ERR_EE_KEY_TOO_SMALL, X509_V_ERR_CA_KEY_TOO_SMALL:
            let key = x.flatMap { X509_get0_pubkey($0) }.map { X509Inspector.keyDescription($0) } ?? "?"
            return (.weakKey, "\(who) at depth \(depth): \(key) key is too weak (\(text))")
        case X509_V_ERR_INVALID_PURPOSE:
            return (.noClientAuthEKU, "\(who) is not valid for TLS client authentication: \(text)")
        default:
            return (.badCertificate, "\(who): \(text) (depth \(depth))")
        }
    }
}
