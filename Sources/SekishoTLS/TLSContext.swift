internal import COpenSSL
internal import CSekishoShims
import SekishoCore

/// One listener's server TLS configuration, built once (off the loop) and shared by every
/// connection of that listener, on any thread.
///
/// Thread-safety invariant (why `@unchecked Sendable` is sound): every stored property is set
/// during `init` and never mutated afterwards. The `SSL_CTX` is fully configured (including its
/// callbacks) before `init` returns and is then only used through `SSL_new`, which OpenSSL
/// documents as safe to call concurrently on a configured context. A reload builds a new
/// `TLSContext`; it never changes this one. Sessions keep their context alive.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    let configuration: TLSServerConfiguration
    let clientTrust: ClientTrust
    /// ALPN list in wire format (RFC 7301 §3.1), owned here so `SSL_select`'s out-pointer into
    /// it stays valid as long as any session can run.
    let alpnWire: UnsafeMutableBufferPointer<UInt8>?
    /// `.profile` for every proxying listener; `.readiness` for the readiness-check listener,
    /// which accepts anything and only reports (`TLSContext+Readiness.swift`).
    let mode: TLSContextMode
    /// What this context negotiates, read back from OpenSSL.
    public let surface: TLSSurface
    /// Identities of the clients this context verified, shared between their connections
    /// (`PeerIdentityCache`; internally locked, so the invariant above still holds).
    let peerIdentities = PeerIdentityCache()
    /// Client chains that verified cleanly here (`VerifiedChainCache`); nil on a readiness
    /// context and when `verificationCacheSeconds` is 0.
    let verifiedChains: VerifiedChainCache?

    /// `OpenSSL_version(OPENSSL_VERSION)`, e.g. "OpenSSL 3.0.13 30 Jan 2024".
    public static var openSSLVersionString: String {
        String(cString: OpenSSL_version(OPENSSL_VERSION))
    }

    /// Builds the context exactly per PROFILE.md, or throws every problem found (files, rules,
    /// and anything OpenSSL refused), each naming its file or list.
    public convenience init(configuration: TLSServerConfiguration) throws(TLSConfigurationError) {
        try self.init(configuration: configuration, mode: .profile)
    }

    init(configuration: TLSServerConfiguration, mode: TLSContextMode) throws(TLSConfigurationError) {
        let now = X509Inspector.now()
        var problems = mode == .profile ? Self.profileProblems(configuration) : []
        let (certificates, certificateProblems) = ServerCertificateLoader.load(configuration.certificates, now: now)
        problems += certificateProblems
        let (trust, trustProblems) = ClientTrust.load(configuration.clientAuth, now: now)
        problems += trustProblems
        var alpnBytes: [UInt8] = []
        for name in configuration.alpn {
            let utf8 = Array(name.utf8)
            guard (1...255).contains(utf8.count) else {
                problems.append("alpn: protocol name '\(name)' must be 1 to 255 bytes")
                continue
            }
            alpnBytes.append(UInt8(utf8.count))
            alpnBytes += utf8
        }
        guard problems.isEmpty, let trust else { throw TLSConfigurationError(problems: problems) }

        OpenSSLErrorQueue.clear()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSConfigurationError(problems: ["SSL_CTX_new failed (\(OpenSSLErrorQueue.drainedReasons()))"])
        }
        problems += mode == .profile ? Self.configureProtocol(ctx, configuration) : Self.configureReadiness(ctx, configuration)
        problems += Self.installCertificates(ctx, certificates)
        problems += trust.install(into: ctx)
        let (tls13, tls12) = Self.readBackCiphers(ctx)
        let expected13 = configuration.versions.contains(.tls13) ? configuration.tls13CipherSuites.map(\.iana) : []
        let expected12 = configuration.versions.contains(.tls12) ? configuration.tls12CipherSuites.map(\.iana) : []
        if mode == .profile, tls13 != expected13 {
            problems.append("tls13CipherSuites: OpenSSL enabled \(tls13) instead of \(expected13)")
        }
        if mode == .profile, configuration.versions.contains(.tls12), tls12 != expected12 {
            problems.append("tls12CipherSuites: OpenSSL enabled \(tls12) instead of \(expected12)")
        }
        guard problems.isEmpty else {
            SSL_CTX_free(ctx)
            throw TLSConfigurationError(problems: problems)
        }

        self.ctx = ctx
        self.configuration = configuration
        self.clientTrust = trust
        self.mode = mode
        let cacheSeconds = configuration.clientAuth.verificationCacheSeconds
        verifiedChains = mode == .profile && cacheSeconds > 0 ? VerifiedChainCache(maxAgeSeconds: cacheSeconds) : nil
        if alpnBytes.isEmpty {
            alpnWire = nil
        } else {
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: alpnBytes.count)
            _ = buffer.initialize(from: alpnBytes)
            alpnWire = buffer
        }
        surface = TLSSurface(
            listenerName: configuration.listenerName,
            openSSLVersion: Self.openSSLVersionString,
            versions: mode == .profile ? configuration.versions.sorted(by: >) : [],
            tls13CipherSuites: tls13,
            tls12CipherSuites: mode == .readiness || configuration.versions.contains(.tls12) ? tls12 : [],
            groups: configuration.groups.map(\.openSSL),
            signatureAlgorithms: configuration.signatureAlgorithms,
            alpn: configuration.alpn,
            resumption: configuration.resumption, certificates: certificates.map(Self.summary),
            clientAuthRequired: configuration.clientAuth.required,
            clientCAs: trust.authorities.map { X509Inspector.subject($0.ref) },
            crlCount: trust.crls.count,
            verificationCacheSeconds: verifiedChains?.maxAgeSeconds ?? 0,
            notes: mode == .readiness ? Self.readinessNotes : [
                "Guideline suites OpenSSL 3.0 cannot negotiate, not offered: "
                    + CryptrecHighProfile.unsupportedGuidelineSuites.joined(separator: ", "),
            ] + trust.coverageNotes(now: now)
        )
        installCallbacks()
    }

    deinit {
        SSL_CTX_free(ctx)
        alpnWire?.deallocate()
    }

    /// Sessions in the server-side cache now (0 unless `resumption` is `.cache`).
    public var cachedSessionCount: Int { sekisho_SSL_CTX_sess_number(ctx) }

    /// A new server session over memory BIOs. Cheap: one `SSL_new` and two memory BIOs; the
    /// context, its stores and its CRLs are shared.
    public func makeServerSession() -> TLSSession {
        TLSSession(serverContext: self)
    }

    // MARK: - Building

    /// Refuses anything that widens the profile; an operator may only narrow it.
    static func profileProblems(_ c: TLSServerConfiguration) -> [String] {
        var problems: [String] = []
        func check<T: Hashable>(_ key: String, _ values: [T], allowed: [T], name: (T) -> String) {
            for value in values where !allowed.contains(value) {
                problems.append("\(key): \(name(value)) is not in the \(CryptrecHighProfile.name) profile")
            }
            if Set(values).count != values.count { problems.append("\(key): duplicate entries") }
        }
        check("versions", c.versions, allowed: CryptrecHighProfile.versions, name: \.rawValue)
        check("tls13CipherSuites", c.tls13CipherSuites, allowed: CryptrecHighProfile.tls13CipherSuites, name: \.iana)
        check("tls12CipherSuites", c.tls12CipherSuites, allowed: CryptrecHighProfile.tls12CipherSuites, name: \.iana)
        check("groups", c.groups, allowed: CryptrecHighProfile.groups, name: \.name)
        check("signatureAlgorithms", c.signatureAlgorithms, allowed: CryptrecHighProfile.signatureAlgorithms, name: { $0 })
        if c.versions.isEmpty { problems.append("versions: at least one of TLSv1.3, TLSv1.2 is required") }
        if c.versions.contains(.tls13), c.tls13CipherSuites.isEmpty {
            problems.append("tls13CipherSuites: empty while TLSv1.3 is enabled")
        }
        if c.versions.contains(.tls12), c.tls12CipherSuites.isEmpty {
            problems.append("tls12CipherSuites: empty while TLSv1.2 is enabled")
        }
        if c.groups.isEmpty { problems.append("groups: empty") }
        if c.signatureAlgorithms.isEmpty { problems.append("signatureAlgorithms: empty") }
        if c.listenerName.isEmpty { problems.append("listenerName: empty") }
        return problems
    }

    /// Versions, suites, groups, signature algorithms, options and session settings.
    static func configureProtocol(_ ctx: OpaquePointer, _ c: TLSServerConfiguration) -> [String] {
        var problems: [String] = []
        func require(_ ok: Bool, _ what: String) {
            if !ok { problems.append("\(what) (\(OpenSSLErrorQueue.drainedReasons()))") }
        }
        OpenSSLErrorQueue.clear()
        // Level 2: 112-bit security for every key, group and signature OpenSSL itself checks.
        SSL_CTX_set_security_level(ctx, 2)
        let versions = c.versions.map { Int32($0.wireValue) }
        if let low = versions.min(), let high = versions.max() {
            require(sekisho_SSL_CTX_set_min_proto_version(ctx, low) == 1, "versions: cannot set minimum version")
            require(sekisho_SSL_CTX_set_max_proto_version(ctx, high) == 1, "versions: cannot set maximum version")
        }
        // No compression (CRIME), no renegotiation in either direction (RFC 5746 is moot when
        // there is none), server preference order.
        let resumption = c.resumption
        // NO_TICKET: no stateless tickets. With the server cache on, TLS 1.3 still sends a
        // NewSessionTicket, carrying only a session id (a "stateful ticket").
        let statelessTickets: Bool
        if case .tickets = resumption { statelessTickets = true } else { statelessTickets = false }
        SSL_CTX_set_options(ctx, sekisho_SSL_OP_NO_COMPRESSION | sekisho_SSL_OP_NO_RENEGOTIATION
            | sekisho_SSL_OP_CIPHER_SERVER_PREFERENCE | (statelessTickets ? 0 : sekisho_SSL_OP_NO_TICKET))
        SSL_CTX_clear_options(ctx, sekisho_SSL_OP_ALLOW_CLIENT_RENEGOTIATION | sekisho_SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION)
        // TLS_AES_128_CCM_SHA256 is not in OpenSSL's default TLS 1.3 list; naming every suite
        // explicitly also keeps CCM_8 out.
        let tls13 = c.versions.contains(.tls13) ? c.tls13CipherSuites.map(\.openSSL).joined(separator: ":") : ""
        require(SSL_CTX_set_ciphersuites(ctx, tls13) == 1, "tls13CipherSuites: OpenSSL refused '\(tls13)'")
        if c.versions.contains(.tls12) {
            let tls12 = c.tls12CipherSuites.map(\.openSSL).joined(separator: ":")
            require(SSL_CTX_set_cipher_list(ctx, tls12) == 1, "tls12CipherSuites: OpenSSL refused '\(tls12)'")
        }
        let groups = c.groups.map(\.openSSL).joined(separator: ":")
        require(sekisho_SSL_CTX_set1_groups_list(ctx, groups) == 1, "groups: OpenSSL refused '\(groups)'")
        let sigalgs = c.signatureAlgorithms.joined(separator: ":")
        require(sekisho_SSL_CTX_set1_sigalgs_list(ctx, sigalgs) == 1, "signatureAlgorithms: OpenSSL refused '\(sigalgs)'")
        // The client list is what a CertificateRequest advertises and what a client's
        // CertificateVerify may use.
        require(sekisho_SSL_CTX_set1_client_sigalgs_list(ctx, sigalgs) == 1,
                "signatureAlgorithms: OpenSSL refused '\(sigalgs)' as client signature algorithms")
        // TLS 1.2 DHE (suites 9-13 of the profile) uses the RFC 7919 named group ffdhe3072:
        // PROFILE.md names the ffdhe groups, and 3072 bits matches the 128-bit security of the
        // other key exchanges. `SSL_CTX_set_dh_auto` would pick an RFC 3526 (Oakley) prime
        // instead, which scanners report as a "common prime".
        require(Self.installNamedDHEGroup(ctx, "ffdhe3072"), "cannot install the ffdhe3072 group for TLS 1.2 DHE")
        // No 0-RTT: early data is replayable (RFC 8446 §8).
        require(SSL_CTX_set_max_early_data(ctx, 0) == 1, "cannot disable early data")
        require(SSL_CTX_set_recv_max_early_data(ctx, 0) == 1, "cannot disable early data")
        // RELEASE_BUFFERS: an idle connection keeps no 16 KiB record buffers. PARTIAL_WRITE and
        // ACCEPT_MOVING_WRITE_BUFFER: writes return per record, and a retried write may come
        // from a different buffer address (the caller's buffers move).
        _ = sekisho_SSL_CTX_set_mode(ctx, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // One ticket per handshake: a client holds one connection's worth of resumption state.
        require(SSL_CTX_set_num_tickets(ctx, resumption == .off ? 0 : 1) == 1, "cannot set the number of session tickets")
        switch resumption {
        case .cache(let size):
            // The cache lives in this SSL_CTX, which every loop shares, so a client resumes
            // whichever loop takes its next connection. Compared with stateless tickets, a
            // full handshake saves encoding and encrypting the session (with the client
            // certificate) into a ticket, and a resumption saves decrypting and decoding it;
            // a lookup is a hash-table probe under the context's lock. NO_AUTO_CLEAR: no
            // whole-cache sweep for expired sessions every 255 handshakes; the size bound
            // evicts the oldest, and an expired session is refused on lookup.
            _ = sekisho_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR))
            _ = sekisho_SSL_CTX_sess_set_cache_size(ctx, size)
        case .tickets, .off:
            // Stateless tickets (or none): no server-side cache to grow, and tickets under a
            // shared key work across instances and reloads.
            _ = sekisho_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_OFF))
        }
        // Required whenever client certificates are verified: OpenSSL refuses to resume a
        // verified session without a session-id context (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED).
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        let label = Array("sekisho-listener:\(c.listenerName)".utf8)
        require(EVP_Digest(label, label.count, &digest, &digestLength, EVP_sha256(), nil) == 1, "cannot hash the listener name")
        require(SSL_CTX_set_session_id_context(ctx, digest, min(digestLength, UInt32(SSL_MAX_SID_CTX_LENGTH))) == 1,
                "cannot set the session id context")
        if let key = c.sessionTicketKey {
            require(sekisho_SSL_CTX_set_tlsext_ticket_keys(ctx, key.bytes.baseAddress, TLSSessionTicketKey.byteCount) == 1,
                    "cannot install the session ticket key")
        }
        // Client certificates: verified with the profile's own callback at every depth.
        let mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE | (c.clientAuth.required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0)
        SSL_CTX_set_verify(ctx, mode) { ok, store in TLSSession.verifyCallback(preverifyOK: ok, storeContext: store) }
        return problems
    }

    static func installCertificates(_ ctx: OpaquePointer, _ certificates: [LoadedServerCertificate]) -> [String] {
        var problems: [String] = []
        for cert in certificates {
            guard let chain = sekisho_sk_X509_new_null() else { fatalError("out of memory") }
            for intermediate in cert.intermediates {
                X509_up_ref(intermediate.ref)
                _ = sekisho_sk_X509_push(chain, intermediate.ref)
            }
            OpenSSLErrorQueue.clear()
            // The chain is copied (up-ref'd) by OpenSSL; ours is freed right after.
            if SSL_CTX_use_cert_and_key(ctx, cert.leaf.ref, cert.key.ref, chain, 1) != 1 {
                problems.append("\(cert.source.certPath): OpenSSL refused the certificate (\(OpenSSLErrorQueue.drainedReasons()))")
            }
            sekisho_sk_X509_pop_free(chain)
        }
        return problems
    }

    /// The enabled suites as OpenSSL will offer them, split by protocol.
    static func readBackCiphers(_ ctx: OpaquePointer) -> (tls13: [String], tls12: [String]) {
        var tls13: [String] = [], tls12: [String] = []
        guard let stack = SSL_CTX_get_ciphers(ctx) else { return ([], []) }
        for i in 0..<sekisho_sk_SSL_CIPHER_num(stack) {
            guard let cipher = sekisho_sk_SSL_CIPHER_value(stack, i) else { continue }
            let name = SSL_CIPHER_standard_name(cipher).map { String(cString: $0) }
                ?? SSL_CIPHER_get_name(cipher).map { String(cString: $0) } ?? "?"
            // TLS 1.3 suites are the 0x13xx code points (RFC 8446 §B.4).
            if SSL_CIPHER_get_protocol_id(cipher) >> 8 == 0x13 { tls13.append(name) } else { tls12.append(name) }
        }
        return (tls13, tls12)
    }

    static func summary(_ cert: LoadedServerCertificate) -> TLSCertificateSummary {
        let leaf = cert.leaf.ref
        let sans = X509Inspector.subjectAltNames(leaf)
        return TLSCertificateSummary(
            certPath: cert.source.certPath,
            subject: X509Inspector.subject(leaf),
            issuer: X509Inspector.issuer(leaf),
            keyDescription: X509Inspector.keyDescription(cert.key.ref),
            signatureAlgorithm: X509Inspector.signatureAlgorithmName(leaf),
            notAfter: X509Inspector.notAfter(leaf).iso8601,
            dnsNames: sans.dns, ipAddresses: sans.ip,
            chainLength: 1 + cert.intermediates.count
        )
    }
}

extension TLSContext {
    /// Sets the finite-field group used by TLS 1.2 DHE suites from its RFC 7919 name.
    /// `SSL_CTX_set0_tmp_dh_pkey` takes ownership of the key on success only.
    static func installNamedDHEGroup(_ ctx: OpaquePointer, _ name: String) -> Bool {
        guard let pctx = EVP_PKEY_CTX_new_from_name(nil, "DH", nil) else { return false }
        defer { EVP_PKEY_CTX_free(pctx) }
        guard EVP_PKEY_paramgen_init(pctx) == 1, EVP_PKEY_CTX_set_group_name(pctx, name) == 1 else { return false }
        var parameters: OpaquePointer?
        guard EVP_PKEY_paramgen(pctx, &parameters) == 1, let parameters else { return false }
        if SSL_CTX_set0_tmp_dh_pkey(ctx, parameters) != 1 {
            EVP_PKEY_free(parameters)
            return false
        }
        return true
    }
}
