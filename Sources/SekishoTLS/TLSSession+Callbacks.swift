internal import COpenSSL
internal import CSekishoShims

// Session-level C callbacks. Rules: never throw or trap on peer input across C, recover the
// owner through `owner(of:)` only, and keep the first failure so `handshake()` can report it.
extension TLSSession {
    /// The one way a callback gets from an `SSL *` back to its session. The ex_data pointer is
    /// unretained: the session frees the `SSL` in `deinit`, so the `SSL` never outlives it. A
    /// missing pointer is a programmer error (an `SSL` not made by `TLSSession`).
    static func owner(of ssl: OpaquePointer) -> TLSSession {
        guard let raw = SSL_get_ex_data(ssl, exDataIndex) else {
            fatalError("SSL without its TLSSession in ex_data")
        }
        return Unmanaged<TLSSession>.fromOpaque(raw).takeUnretainedValue()
    }

    /// `SSL_CTX_set_verify` callback of server contexts.
    static func verifyCallback(preverifyOK: Int32, storeContext: OpaquePointer?) -> Int32 {
        guard let storeContext,
              let raw = X509_STORE_CTX_get_ex_data(storeContext, SSL_get_ex_data_X509_STORE_CTX_idx())
        else { return 0 }
        let session = owner(of: OpaquePointer(raw))
        return session.verifyStep(preverifyOK: preverifyOK == 1, storeContext: storeContext) ? 1 : 0
    }

    /// One verify-callback invocation: OpenSSL calls it with ok=0 for each error it finds
    /// (key/signature security level, purpose, issuer, CRL, time) and with ok=1 after each
    /// certificate passes, from the anchor down to the leaf.
    ///
    /// The profile's own rules run first on the certificate at hand, so a SHA-1 signature is
    /// reported as `weak_signature_sha1` rather than as OpenSSL's generic CA_MD_TOO_WEAK, and a
    /// P-224 key (which security level 2 lets through) is still refused. On failure the store
    /// context's error is set to the code whose alert fits (`ssl_x509err2alert`), and 0 stops
    /// verification there.
    ///
    /// Two additions: the presented chain is captured on the first call (for forensics, refused
    /// or not), and revocation is checked here against the CRLs verified at load, with a CRL
    /// past its nextUpdate judged by the listener's stale-CRL policy (`staleCRLVerdict`).
    ///
    /// On a readiness context (`TLSContextMode.readiness`) the first violation is recorded in the
    /// same way but verification goes on: that listener reports, it never refuses.
    func verifyStep(preverifyOK: Bool, storeContext: OpaquePointer) -> Bool {
        capturePresentedChain(storeContext)
        let lenient: Bool
        if case .server(let context) = role, context.mode == .readiness { lenient = true } else { lenient = false }
        if verifyViolation != nil { return lenient }
        let depth = Int(X509_STORE_CTX_get_error_depth(storeContext))
        let cert = X509_STORE_CTX_get_current_cert(storeContext)
        if let cert, !Self.isTrustAnchor(storeContext, depth: depth) {
            if let violation = CertificateProfile.clientViolation(cert, depth: depth) {
                verifyViolation = (violation.reason, violation.detail)
                X509_STORE_CTX_set_error(storeContext, violation.x509Error)
                return lenient
            }
            if depth == 0, preverifyOK, !lenient { CertificateProfile.markChecked(cert) }
        }
        if preverifyOK {
            // OpenSSL calls with ok=1 for each certificate once its signature, validity and
            // purpose passed, anchor first. Revocation is ours (ClientTrust.revocation): the
            // CRLs were verified at load and are not in the X509_STORE.
            guard let cert, case .server(let context) = role, !context.clientTrust.verifiedCRLs.isEmpty,
                  !Self.isTrustAnchor(storeContext, depth: depth)
            else { return true }
            switch context.clientTrust.revocation(of: cert, issuer: Self.issuer(in: storeContext, depth: depth), depth: depth, now: X509Inspector.now()) {
            case .notRevoked(let warning):
                if let warning { crlWarning = warning }
                return true
            case .refused(let reason, let detail):
                verifyViolation = (reason, detail)
                // CERT_REVOKED makes OpenSSL send certificate_revoked; the other CRL refusals
                // (stale, unusable) are a certificate_unknown from UNABLE_TO_GET_CRL.
                X509_STORE_CTX_set_error(storeContext, reason == .revoked ? X509_V_ERR_CERT_REVOKED : X509_V_ERR_UNABLE_TO_GET_CRL)
                return lenient
            }
        }
        let error = X509_STORE_CTX_get_error(storeContext)
        let (reason, detail) = CertificateProfile.reason(forX509Error: error, certificate: cert, depth: depth)
        verifyViolation = (reason, detail)
        return lenient
    }

    /// The certificate that issued the one at `depth`: the next one up the built chain.
    private static func issuer(in storeContext: OpaquePointer, depth: Int) -> OpaquePointer? {
        guard let chain = X509_STORE_CTX_get0_chain(storeContext), depth + 1 < Int(sekisho_sk_X509_num(chain)) else { return nil }
        return sekisho_sk_X509_value(chain, Int32(depth + 1))
    }

    /// The anchor is the top of the built chain when it came from the trust store (index at or
    /// beyond the untrusted, peer-supplied part). Its own signature is not judged: it is
    /// trusted by configuration, as in OpenSSL's own security-level checks.
    private static func isTrustAnchor(_ storeContext: OpaquePointer, depth: Int) -> Bool {
        guard let chain = X509_STORE_CTX_get0_chain(storeContext) else { return false }
        let count = Int(sekisho_sk_X509_num(chain))
        let untrusted = Int(X509_STORE_CTX_get_num_untrusted(storeContext))
        return depth == count - 1 && depth >= untrusted
    }
}
