internal import COpenSSL
internal import CSekishoShims

/// The client-certificate trust of one listener: the configured CAs and CRLs, parsed once.
///
/// Immutable after `load`. The CAs are installed into the `SSL_CTX`'s `X509_STORE` for chain
/// building; the CRLs are not. Revocation is checked here (`revocation(of:issuer:depth:now:)`),
/// from the verify callback on a full handshake and from `recheckResumed` on a resumed one,
/// against CRLs whose signatures were verified once, at load. OpenSSL's own CRL checking
/// (`X509_V_FLAG_CRL_CHECK`) would verify every CRL's signature again on every handshake,
/// which costs a public-key operation per CRL per handshake for no new information: a CRL file
/// does not change without a reload, and a reload builds a new `ClientTrust`.
final class ClientTrust {
    let settings: TLSClientAuthSettings
    let authorities: [X509Certificate]
    /// Every configured CRL with the configured CAs whose key verified its signature at load.
    let verifiedCRLs: [VerifiedCRL]
    var crls: [CertificateRevocationList] { verifiedCRLs.map(\.crl) }
    /// The earliest nextUpdate among the CRLs (nil: none has one). Until then no CRL is stale.
    let earliestCRLNextUpdate: Int64?

    /// A CRL and the CAs that signed it (a CA re-issued under the same key may appear twice).
    struct VerifiedCRL {
        let crl: CertificateRevocationList
        let signers: [X509Certificate]
        let nextUpdateEpochSeconds: Int64?
    }

    private init(settings: TLSClientAuthSettings, authorities: [X509Certificate], crls: [VerifiedCRL]) {
        self.settings = settings
        self.authorities = authorities
        self.verifiedCRLs = crls
        self.earliestCRLNextUpdate = crls.compactMap(\.nextUpdateEpochSeconds).min()
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
        var crls: [VerifiedCRL] = []
        for path in settings.crlPaths {
            switch PEMFiles.crls(path: path) {
            case .failure(let problem):
                problems.append("client CRL \(path): \(problem)")
            case .success(let loaded):
                for crl in loaded {
                    switch verify(crl, authorities: authorities, now: now) {
                    case .failure(let problem): problems.append("client CRL \(path): \(problem)")
                    case .success(let verified): crls.append(verified)
                    }
                }
            }
        }
        if !problems.isEmpty { return (nil, problems) }
        return (ClientTrust(settings: settings, authorities: authorities, crls: crls), [])
    }

    /// Checks one CRL once, at load: issued and signed by a configured CA, not from the future,
    /// and nothing in it that sekisho would have to ignore (an unhandled critical extension, a
    /// delta CRL, a CRL whose scope is limited to part of the issuer's certificates). Refusing
    /// those is deliberate: a partial or delta CRL read as a complete one would let a revoked
    /// certificate through.
    private static func verify(_ crl: CertificateRevocationList, authorities: [X509Certificate], now: CertificateTime) -> Result<VerifiedCRL, FileProblem> {
        let issuerName = X509_CRL_get_issuer(crl.ref)
        let candidates = authorities.filter { X509_NAME_cmp(X509_get_subject_name($0.ref), issuerName) == 0 }
        let issuerText = issuerName.map { X509Inspector.rfc4514($0) } ?? "?"
        if candidates.isEmpty {
            return .failure("issuer \(issuerText) is not among the configured client CAs")
        }
        OpenSSLErrorQueue.clear()
        let signers = candidates.filter { ca in
            X509_get0_pubkey(ca.ref).map { X509_CRL_verify(crl.ref, $0) == 1 } ?? false
        }
        OpenSSLErrorQueue.clear()
        if signers.isEmpty { return .failure("signature does not verify against any configured CA (issuer \(issuerText))") }
        let thisUpdate = X509Inspector.time(X509_CRL_get0_lastUpdate(crl.ref))
        if thisUpdate.epochSeconds > now.epochSeconds {
            return .failure("not yet valid: thisUpdate is \(thisUpdate.iso8601)")
        }
        if let problem = scopeProblem(crl.ref) { return .failure(FileProblem(stringLiteral: problem)) }
        // Sorts the revoked list now, while nothing else holds the CRL: the first lookup would
        // otherwise sort it under the CRL's write lock during a handshake.
        if let serial = ASN1_INTEGER_new() {
            var entry: OpaquePointer?
            _ = X509_CRL_get0_by_serial(crl.ref, &entry, serial)
            ASN1_INTEGER_free(serial)
        }
        let next = X509_CRL_get0_nextUpdate(crl.ref).map { X509Inspector.epochSeconds($0) }
        return .success(VerifiedCRL(crl: crl, signers: signers, nextUpdateEpochSeconds: next))
    }

    /// Extensions that change what a CRL covers (RFC 5280 §5.2). Non-critical extensions such
    /// as cRLNumber and authorityKeyIdentifier change nothing here and are accepted.
    private static func scopeProblem(_ crl: OpaquePointer) -> String? {
        for index in 0..<X509_CRL_get_ext_count(crl) {
            guard let ext = X509_CRL_get_ext(crl, index) else { continue }
            let nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext))
            if nid == NID_delta_crl {
                return "is a delta CRL (RFC 5280 §5.2.4); configure the complete CRL"
            }
            if nid == NID_issuing_distribution_point {
                if let problem = distributionPointProblem(crl) { return problem }
                continue
            }
            if X509_EXTENSION_get_critical(ext) != 0 {
                return "has a critical extension sekisho does not process (\(objectName(X509_EXTENSION_get_object(ext))))"
            }
        }
        guard let revoked = X509_CRL_get_REVOKED(crl) else { return nil }
        for index in 0..<sekisho_sk_X509_REVOKED_num(revoked) {
            guard let entry = sekisho_sk_X509_REVOKED_value(revoked, index),
                  let extensions = X509_REVOKED_get0_extensions(entry) else { continue }
            for e in 0..<sekisho_sk_X509_EXTENSION_num(extensions) {
                guard let ext = sekisho_sk_X509_EXTENSION_value(extensions, e), X509_EXTENSION_get_critical(ext) != 0 else { continue }
                return "entry \(index) has a critical extension (\(objectName(X509_EXTENSION_get_object(ext)))), as in an indirect CRL, which sekisho does not process"
            }
        }
        return nil
    }

    private static func objectName(_ object: OpaquePointer?) -> String {
        let nid = OBJ_obj2nid(object)
        if nid != NID_undef, let name = OBJ_nid2ln(nid) { return String(cString: name) }
        var buffer = [CChar](repeating: 0, count: 96)
        let length = Int(OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1))
        guard length > 0 else { return "unknown OID" }
        return String(decoding: buffer.prefix(min(length, buffer.count - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// An issuingDistributionPoint (RFC 5280 §5.2.5) may only name where the CRL is published; a
    /// CRL limited to user or CA certificates, to some reasons, to attribute certificates, or an
    /// indirect CRL covers less than a complete CRL and is refused.
    private static func distributionPointProblem(_ crl: OpaquePointer) -> String? {
        var critical: Int32 = 0
        guard let raw = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &critical, nil) else {
            return "has an issuingDistributionPoint extension that cannot be parsed"
        }
        let idp = raw.assumingMemoryBound(to: ISSUING_DIST_POINT.self)
        defer { ISSUING_DIST_POINT_free(idp) }
        let p = idp.pointee
        if p.onlyuser != 0 || p.onlyCA != 0 || p.onlyattr != 0 || p.onlysomereasons != nil || p.indirectCRL != 0 {
            return "is a partitioned or indirect CRL (issuingDistributionPoint limits its scope, RFC 5280 §5.2.5); configure a complete CRL"
        }
        return nil
    }

    /// Puts the CAs into the context's store, sets the acceptable-CA list and the verification
    /// parameters. Returns problems (OpenSSL refusals) if any. The CRLs stay out of the store:
    /// revocation is checked by `revocation(of:issuer:depth:now:)`.
    func install(into ctx: OpaquePointer) -> [String] {
        var problems: [String] = []
        guard let store = SSL_CTX_get_cert_store(ctx) else { return ["client CA store unavailable"] }
        OpenSSLErrorQueue.clear()
        for ca in authorities where X509_STORE_add_cert(store, ca.ref) != 1 {
            problems.append("client CA \(settings.caPath): OpenSSL refused \(X509Inspector.subject(ca.ref)) (\(OpenSSLErrorQueue.drainedReasons()))")
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
        if let violation = CertificateProfile.clientViolationOnce(leaf) {
            return .refused(violation.reason, violation.detail + " (resumed session)")
        }
        var current = leaf
        var depth = 0
        var walked = 1
        while true {
            let found = authorities.first(where: { X509_check_issued($0.ref, current) == X509_V_OK })
            OpenSSLErrorQueue.clear()
            if let verdict = timeAndRevocation(current, issuer: found?.ref, depth: depth, now: now) { return verdict }
            guard depth < settings.verifyDepth + 1, let issuer = found else {
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

    private func hasAuthority(named name: OpaquePointer?) -> Bool {
        authorities.contains { X509_NAME_cmp(X509_get_subject_name($0.ref), name) == 0 }
    }

    private func timeAndRevocation(_ cert: OpaquePointer, issuer: OpaquePointer?, depth: Int, now: CertificateTime) -> ResumptionVerdict? {
        // Names and dates are formatted only for a refusal: this runs on every resumption.
        func who() -> String { CertificateProfile.describe(cert, depth: depth) }
        if X509Inspector.epochSeconds(X509_get0_notAfter(cert)) < now.epochSeconds {
            return .refused(.expired, "\(who()) expired on \(X509Inspector.notAfter(cert).iso8601) (depth \(depth), resumed session)")
        }
        if X509Inspector.epochSeconds(X509_get0_notBefore(cert)) > now.epochSeconds {
            return .refused(.notYetValid, "\(who()) is not valid before \(X509Inspector.notBefore(cert).iso8601) (depth \(depth), resumed session)")
        }
        if case .refused(let reason, let detail) = revocation(of: cert, issuer: issuer, depth: depth, now: now) {
            return .refused(reason, detail + " (resumed session)")
        }
        return nil
    }

    /// The outcome of checking one certificate against the configured CRLs.
    enum RevocationVerdict: Equatable {
        /// Not revoked, or no CRL is configured for its issuer. `warning`: a CRL past its
        /// nextUpdate was used under the stale-CRL policy; the text to log.
        case notRevoked(warning: String?)
        case refused(TLSRefusalReason, String)
    }

    /// Revocation of `cert` (PROFILE.md: "not revoked, where a CRL is configured for its
    /// issuer"), against the CRLs verified at load. A CRL applies when its issuer name is the
    /// certificate's issuer name and, when the issuing certificate is known (`issuer`: the next
    /// certificate of the verified chain), when that certificate's key is one that verified
    /// the CRL. A CRL with the right name but another key is not evidence either way, so a
    /// certificate whose issuer has only such CRLs is refused as `crl_unavailable` rather than
    /// passed unchecked. A CRL past its nextUpdate goes through the stale-CRL policy first.
    func revocation(of cert: OpaquePointer, issuer: OpaquePointer?, depth: Int, now: CertificateTime) -> RevocationVerdict {
        if verifiedCRLs.isEmpty { return .notRevoked(warning: nil) }
        let issuerName = X509_get_issuer_name(cert)
        let issuerKey = issuer.flatMap { X509_get0_pubkey($0) }
        var nameMatched = false, applied = false
        var warning: String?
        for entry in verifiedCRLs where X509_NAME_cmp(X509_CRL_get_issuer(entry.crl.ref), issuerName) == 0 {
            nameMatched = true
            if let issuer, let issuerKey, !entry.signers.contains(where: { signer in
                signer.ref == issuer || (X509_get0_pubkey(signer.ref).map { EVP_PKEY_eq($0, issuerKey) == 1 } ?? false)
            }) {
                continue
            }
            applied = true
            if let next = entry.nextUpdateEpochSeconds, next < now.epochSeconds {
                switch staleCRLVerdict(entry.crl, now: now) {
                case .accept(let text): warning = text
                case .refuse(let detail): return .refused(.crlStale, detail)
                }
            }
            var revoked: OpaquePointer?
            // 1: listed; 2: listed as removeFromCRL (delta CRLs only, refused at load); 0: absent.
            if X509_CRL_get0_by_cert(entry.crl.ref, &revoked, cert) == 1 {
                return .refused(.revoked, "\(CertificateProfile.describe(cert, depth: depth)) is revoked (serial \(X509Inspector.serialHex(cert)), depth \(depth), CRL \(entry.crl.path))")
            }
        }
        OpenSSLErrorQueue.clear()
        if nameMatched, !applied {
            return .refused(.crlUnavailable, "no usable CRL for \(CertificateProfile.describe(cert, depth: depth)): the configured CRLs from \(X509Inspector.issuer(cert)) are signed by a different key than the one that issued it (depth \(depth))")
        }
        return .notRevoked(warning: warning)
    }
}
