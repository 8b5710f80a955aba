internal import COpenSSL
internal import CSekishoShims

/// A server certificate that passed every start-up rule, ready for `SSL_CTX_use_cert_and_key`.
struct LoadedServerCertificate {
    var source: TLSCertificateSource
    var leaf: X509Certificate
    var intermediates: [X509Certificate]
    var key: PrivateKey
    /// OpenSSL keeps one certificate per key type ("slot"); two in one slot would silently
    /// replace each other.
    var slot: String
}

/// Start-up checks for server certificates (PROFILE.md "Server certificates"): key type and
/// size, SHA-256+ signatures, validity, key match, chain completeness. Every problem is
/// collected, each naming the file and the rule.
enum ServerCertificateLoader {
    static func load(_ sources: [TLSCertificateSource], now: CertificateTime) -> ([LoadedServerCertificate], [String]) {
        var problems: [String] = []
        var loaded: [LoadedServerCertificate] = []
        if sources.isEmpty { problems.append("no server certificate configured") }
        var slotOwners: [String: String] = [:]
        for source in sources {
            let (candidate, found) = check(source, now: now)
            problems += found
            guard let candidate else { continue }
            if let previous = slotOwners[candidate.slot] {
                problems.append("\(source.certPath): a second \(candidate.slot) certificate on one listener (the first is \(previous)); OpenSSL keeps only one certificate per key type")
                continue
            }
            slotOwners[candidate.slot] = source.certPath
            loaded.append(candidate)
        }
        return (loaded, problems)
    }

    static func check(_ source: TLSCertificateSource, now: CertificateTime) -> (LoadedServerCertificate?, [String]) {
        var problems: [String] = []
        let certPath = source.certPath
        var certs: [X509Certificate] = []
        switch PEMFiles.certificates(path: certPath) {
        case .success(let c): certs = c
        case .failure(let problem): problems.append("\(certPath): \(problem)")
        }
        var key: PrivateKey?
        switch PEMFiles.privateKey(path: source.keyPath) {
        case .success(let k): key = k
        case .failure(let problem): problems.append("\(source.keyPath): \(problem)")
        }
        guard let leaf = certs.first else { return (nil, problems) }

        for (index, cert) in certs.enumerated() {
            let which = index == 0 ? "certificate" : "chain certificate \(index + 1) (\(X509Inspector.subject(cert.ref)))"
            if CertificateProfile.signatureVerdict(cert.ref) != .acceptable {
                problems.append("\(certPath): \(which) signed with \(X509Inspector.signatureAlgorithmName(cert.ref)); the profile requires SHA-256 or stronger")
            }
            if let pkey = X509_get0_pubkey(cert.ref) {
                if let problem = CertificateProfile.keyProblem(pkey, allowEdDSA: false) {
                    problems.append(index == 0 ? "\(certPath): \(problem)" : "\(certPath): \(which): \(problem)")
                }
            } else {
                OpenSSLErrorQueue.clear()
                problems.append("\(certPath): \(which) has a public key OpenSSL cannot decode")
            }
            let before = X509Inspector.notBefore(cert.ref), after = X509Inspector.notAfter(cert.ref)
            if after.epochSeconds < now.epochSeconds {
                problems.append("\(certPath): \(which) expired on \(after.iso8601)")
            }
            if before.epochSeconds > now.epochSeconds {
                problems.append("\(certPath): \(which) is not valid before \(before.iso8601)")
            }
        }

        if let key {
            OpenSSLErrorQueue.clear()
            if X509_check_private_key(leaf.ref, key.ref) != 1 {
                problems.append("\(source.keyPath): private key does not match the certificate in \(certPath)")
            }
            OpenSSLErrorQueue.clear()
        }

        problems += chainProblems(certs, source: source)

        guard problems.isEmpty, let key else { return (nil, problems) }
        let slot: String
        switch EVP_PKEY_get_base_id(key.ref) {
        case EVP_PKEY_EC: slot = "ECDSA"
        case EVP_PKEY_RSA_PSS: slot = "RSA-PSS"
        default: slot = "RSA"
        }
        return (LoadedServerCertificate(source: source, leaf: leaf, intermediates: Array(certs.dropFirst()), key: key, slot: slot), [])
    }

    /// With an anchor: the leaf must verify through the file's intermediates to it (times are
    /// reported by the validity rule above, so `NO_CHECK_TIME` avoids saying it twice).
    /// Without one: each certificate must be issued, and signed, by the next in the file.
    static func chainProblems(_ certs: [X509Certificate], source: TLSCertificateSource) -> [String] {
        let certPath = source.certPath
        guard let caPath = source.caPath else {
            var problems: [String] = []
            for i in 0..<(certs.count - 1) {
                let subject = certs[i].ref, issuer = certs[i + 1].ref
                OpenSSLErrorQueue.clear()
                let issued = X509_check_issued(issuer, subject) == X509_V_OK
                let signed = issued && X509_get0_pubkey(issuer).map { X509_verify(subject, $0) == 1 } == true
                OpenSSLErrorQueue.clear()
                if !signed {
                    problems.append("\(certPath): certificate \(i + 1) (\(X509Inspector.subject(subject))) is not issued by certificate \(i + 2) (\(X509Inspector.subject(issuer))); list the leaf first, then each issuer")
                }
            }
            return problems
        }
        let anchors: [X509Certificate]
        switch PEMFiles.certificates(path: caPath) {
        case .success(let c): anchors = c
        case .failure(let problem): return ["\(caPath): \(problem)"]
        }
        guard let store = X509_STORE_new() else { fatalError("X509_STORE_new: out of memory") }
        defer { X509_STORE_free(store) }
        for anchor in anchors { X509_STORE_add_cert(store, anchor.ref) }
        guard let untrusted = sekisho_sk_X509_new_null(), let storeContext = X509_STORE_CTX_new() else {
            fatalError("out of memory building a verification context")
        }
        defer {
            X509_STORE_CTX_free(storeContext)
            sekisho_sk_X509_pop_free(untrusted)
        }
        for cert in certs.dropFirst() {
            X509_up_ref(cert.ref)
            _ = sekisho_sk_X509_push(untrusted, cert.ref)
        }
        OpenSSLErrorQueue.clear()
        guard X509_STORE_CTX_init(storeContext, store, certs[0].ref, untrusted) == 1 else {
            return ["\(certPath): cannot set up chain verification (\(OpenSSLErrorQueue.drainedReasons()))"]
        }
        X509_STORE_CTX_set_purpose(storeContext, X509_PURPOSE_SSL_SERVER)
        X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(storeContext), UInt(X509_V_FLAG_NO_CHECK_TIME))
        let verified = X509_verify_cert(storeContext) == 1
        OpenSSLErrorQueue.clear()
        if verified { return [] }
        let error = X509_STORE_CTX_get_error(storeContext)
        let depth = X509_STORE_CTX_get_error_depth(storeContext)
        let text = X509_verify_cert_error_string(Int(error)).map { String(cString: $0) } ?? "error \(error)"
        return ["\(certPath): chain does not verify to \(caPath): \(text) at depth \(depth)"]
    }
}
