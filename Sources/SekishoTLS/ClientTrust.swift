internal import COpenSSL
internal import CSekishoShims

/// The client-certificate trust of one listener: the configured CAs and CRLs, parsed once.
///
/// Immutable after `load`. It is installed into the `SSL_CTX`'s `X509_STORE` for full
/// handshakes, and kept here as parsed objects so a resumed session (which carries only the
/// leaf certificate) can be re-checked against the same CRLs and validity rules.
final class ClientTrust {
    let settings: TLSClientAuthSettings
    let authorities: [X509Certificate]
    let crls: [CertificateRevocationList]

    private init(settings: TLSClientAuthSettings, authorities: [X509Certificate], crls: [CertificateRevocationList]) {
        self.settings = settings
        self.authorities = authorities
        self.crls = crls
    }

    /// Parses the CA bundle and CRLs. Each CRL's signature must verify against the configured
    /// CA that issued it, and it must not be from the future; anything else is a problem naming
    /// the file. A CRL past its nextUpdate ("stale") loads: the stale-CRL policy decides at each
    /// handshake (`staleCRLVerdict`), so a CRL going stale never stops a start-up or a reload.
    static func load(_ settings: TLSClientAuthSettings, now: CertificateTime) -> (ClientTrust?, [String]) {
        var problems: [String] = []
        var authorities: [X509Certificate] = []
        switch PEMFiles.certificates(path: settings.caPath) {
        case .success(let c): authorities = c
        case .failure(let problem): problems.append("client CA \(settings.caPath): \(problem)")
        }
        if settings.verifyDepth < 1 || settings.verifyDepth > 10 {
            problems.append("client verify depth \(settings.verifyDepth) is outside 1...10")
        }
        var crls: [CertificateRevocationList] = []
        for path in settings.crlPaths {
            switch PEMFiles.crls(path: path) {
            case .failure(let problem):
                problems.append("client CRL \(path): \(problem)")
            case .success(let loaded):
                for crl in loaded {
                    if let problem = crlProblem(crl, authorities: authorities, now: now) {
                        problems.append("client CRL \(path): \(problem)")
                    } else {
                        crls.append(crl)
                    }
                }
            }
        }
        if !problems.isEmpty { return (nil, problems) }
        return (ClientTrust(settings: settings, authorities: authorities, crls: crls), [])
    }

    private static func crlProblem(_ crl: CertificateRevocationList, authorities: [X509Certificate], now: CertificateTime) -> String? {
        let issuerName = X509_CRL_get_issuer(crl.ref)
        let candidates = authorities.filter { X509_NAME_cmp(X509_get_subject_name($0.ref), issuerName) == 0 }
        let issuerText = issuerName.map { X509Inspector.rfc4514($0) } ?? "?"
        if candidates.isEmpty {
            return "issuer \(issuerText) is not among the configured client CAs"
        }
        OpenSSLErrorQueue.clear()
        let verifies = candidates.contains { ca in
            X509_get0_pubkey(ca.ref).map { X509_CRL_verify(crl.ref, $0) == 1 } ?? false
        }
        OpenSSLErrorQueue.clear()
        if !verifies { return "signature does not verify against any configured CA (issuer \(issuerText))" }
        let thisUpdate = X509Inspector.time(X509_CRL_get0_lastUpdate(crl.ref))
        if thisUpdate.epochSeconds > now.epochSeconds {
            return "not yet valid: thisUpdate is \(thisUpdate.iso8601)"
        }
        return nil
    }

    /// Puts the CAs and CRLs into the context's store, sets the acceptable-CA list and the
    /// verification parameters. Returns problems (OpenSSL refusals) if any.
    func install(into ctx: OpaquePointer) -> [String] {
        var problems: [String] = []
        guard let store = SSL_CTX_get_cert_store(ctx) else { return ["client CA store unavailable"] }
        OpenSSLErrorQueue.clear()
        for ca in authorities where X509_STORE_add_cert(store, ca.ref) != 1 {
            problems.append("client CA \(settings.caPath): OpenSSL refused \(X509Inspector.subject(ca.ref)) (\(OpenSSLErrorQueue.drainedReasons()))")
        }
        for crl in crls where X509_STORE_add_crl(store, crl.ref) != 1 {
            problems.append("client CRL \(crl.path): OpenSSL refused it (\(OpenSSLErrorQueue.drainedReasons()))")
        }
        if !crls.isEmpty {
            // Every certificate of every chain (not only the leaf) must be covered by a CRL.
            X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
        }
        if let names = SSL_load_client_CA_file(settings.caPath) {
            SSL_CTX_set_client_CA_list(ctx, names)  // takes ownership
        } else {
            problems.append("client CA \(settings.caPath): cannot build the acceptable-CA list (\(OpenSSLErrorQueue.drainedReasons()))")
        }
        SSL_CTX_set_verify_depth(ctx, Int32(settings.verifyDepth))
        if SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1 {
            problems.append("cannot set the sslclient verification purpose (\(OpenSSLErrorQueue.drainedReasons()))")
        }
        return problems
    }

    /// The outcome of re-checking a resumed session's client certificate.
    enum ResumptionVerdict {
        case accepted(chainLength: Int)
        case refused(TLSRefusalReason, String)
    }

    /// Re-checks a resumed session's peer certificate with today's rules: profile rules on the
    /// leaf, validity, and revocation against this context's CRLs, then the same for each
    /// issuer found among the configured CAs. A ticket carries the leaf only, so intermediates
    /// the client sent in the original handshake (and that are not configured here) cannot be
    /// re-checked; an operator who wants them covered lists them in the client CA bundle.
    func recheckResumed(_ leaf: OpaquePointer, now: CertificateTime) -> ResumptionVerdict {
        if let violation = CertificateProfile.clientViolation(leaf, depth: 0) {
            return .refused(violation.reason, violation.detail + " (resumed session)")
        }
        var current = leaf
        var depth = 0
        var walked = 1
        while true {
            if let verdict = timeAndRevocation(current, depth: depth, now: now) { return verdict }
            guard depth < settings.verifyDepth + 1,
                  let issuer = authorities.first(where: { X509_check_issued($0.ref, current) == X509_V_OK })
            else {
                OpenSSLErrorQueue.clear()
                if depth == 0, !hasAuthority(named: X509_get_issuer_name(leaf)) {
                    return .refused(.unknownCA, "client certificate \(X509Inspector.subject(leaf)) was issued by \(X509Inspector.issuer(leaf)), which is not a configured client CA (resumed session)")
                }
                return .accepted(chainLength: walked)
            }
            OpenSSLErrorQueue.clear()
            walked += 1
            depth += 1
            if X509Inspector.isSelfSigned(issuer.ref) {
                // The trust anchor: its validity counts, revocation does not apply.
                let after = X509Inspector.notAfter(issuer.ref)
                if after.epochSeconds < now.epochSeconds {
                    return .refused(.expired, "client CA \(X509Inspector.subject(issuer.ref)) expired on \(after.iso8601) (resumed session)")
                }
                return .accepted(chainLength: walked)
            }
            if let violation = CertificateProfile.clientViolation(issuer.ref, depth: depth) {
                return .refused(violation.reason, violation.detail + " (resumed session)")
            }
            current = issuer.ref
        }
    }

    /// Whether a configured CRL was issued by the issuer of `cert`.
    func hasCRL(forIssuerOf cert: OpaquePointer) -> Bool {
        let issuerName = X509_get_issuer_name(cert)
        return crls.contains { X509_NAME_cmp(X509_CRL_get_issuer($0.ref), issuerName) == 0 }
    }

    private func hasAuthority(named name: OpaquePointer?) -> Bool {
        authorities.contains { X509_NAME_cmp(X509_get_subject_name($0.ref), name) == 0 }
    }

    private func timeAndRevocation(_ cert: OpaquePointer, depth: Int, now: CertificateTime) -> ResumptionVerdict? {
        let who = "client \(depth == 0 ? "certificate" : "chain certificate") \(X509Inspector.subject(cert))"
        let after = X509Inspector.notAfter(cert), before = X509Inspector.notBefore(cert)
        if after.epochSeconds < now.epochSeconds {
            return .refused(.expired, "\(who) expired on \(after.iso8601) (depth \(depth), resumed session)")
        }
        if before.epochSeconds > now.epochSeconds {
            return .refused(.notYetValid, "\(who) is not valid before \(before.iso8601) (depth \(depth), resumed session)")
        }
        if crls.isEmpty { return nil }
        let issuerName = X509_get_issuer_name(cert)
        let covering = crls.filter { X509_NAME_cmp(X509_CRL_get_issuer($0.ref), issuerName) == 0 }
        // As on a full handshake: revocation is checked where a CRL is configured for the issuer.
        guard !covering.isEmpty else { return nil }
        for crl in covering {
            if let next = X509_CRL_get0_nextUpdate(crl.ref), X509Inspector.time(next).epochSeconds < now.epochSeconds,
               case .refuse(let detail) = staleCRLVerdict(crl.ref, now: now) {
                return .refused(.crlStale, "\(detail) (resumed session)")
            }
            var entry: OpaquePointer?
            if X509_CRL_get0_by_cert(crl.ref, &entry, cert) == 1 {
                return .refused(.revoked, "\(who) is revoked (serial \(X509Inspector.serialHex(cert)), depth \(depth), CRL \(crl.path), resumed session)")
            }
        }
        return nil
    }
}
