internal import COpenSSL
internal import CSekishoShims

/// Which rules a context enforces.
enum TLSContextMode: Equatable {
    /// The `cryptrec-high` profile, exactly (every proxying listener).
    case profile
    /// The readiness-check listener: deliberately lenient, it lets old clients finish a handshake
    /// so that they can be *told* what would fail, and never forwards anything.
    case readiness
}

extension TLSContext {
    /// A context for a readiness-check listener. It accepts TLS 1.0 to 1.3 (as far as this
    /// OpenSSL build allows) with every suite OpenSSL has at security level 0, requests a
    /// client certificate without requiring one, and verifies a presented chain with the same
    /// CAs, CRLs and profile rules as a proxying listener — but records the first violation
    /// (`TLSSession.certificateProblem`) instead of refusing. Only `listenerName`,
    /// `certificates` and `clientAuth` of the configuration are used; the profile lists are
    /// ignored, so this context must never front an upstream.
    public convenience init(readiness configuration: TLSServerConfiguration) throws(TLSConfigurationError) {
        try self.init(configuration: configuration, mode: .readiness)
    }

    /// True for a readiness-check context.
    public var isReadiness: Bool { mode == .readiness }

    /// Everything OpenSSL can speak: what an old client needs to complete a handshake.
    static func configureReadiness(_ ctx: OpaquePointer, _ c: TLSServerConfiguration) -> [String] {
        var problems: [String] = []
        func require(_ ok: Bool, _ what: String) {
            if !ok { problems.append("\(what) (\(OpenSSLErrorQueue.drainedReasons()))") }
        }
        OpenSSLErrorQueue.clear()
        // Level 0: TLS 1.0/1.1 (MD5+SHA-1 PRF), SHA-1 signatures and small keys all need it in
        // OpenSSL 3. The system's openssl.cnf MinProtocol is overridden by the calls below.
        SSL_CTX_set_security_level(ctx, 0)
        require(sekisho_SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1, "readiness: cannot set minimum version TLSv1.0")
        require(sekisho_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1, "readiness: cannot set maximum version TLSv1.3")
        // Still no compression and no renegotiation: leniency is about what a client offers,
        // not about weakening this listener's own behaviour.
        SSL_CTX_set_options(ctx, sekisho_SSL_OP_NO_COMPRESSION | sekisho_SSL_OP_NO_RENEGOTIATION | sekisho_SSL_OP_NO_TICKET)
        let tls13 = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
        require(SSL_CTX_set_ciphersuites(ctx, tls13) == 1, "readiness: OpenSSL refused the TLS 1.3 suites")
        require(SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") == 1, "readiness: OpenSSL refused 'ALL:@SECLEVEL=0'")
        require(sekisho_SSL_CTX_set_dh_auto(ctx, 1) == 1, "readiness: cannot enable automatic DHE groups")
        require(SSL_CTX_set_max_early_data(ctx, 0) == 1, "readiness: cannot disable early data")
        require(SSL_CTX_set_num_tickets(ctx, 0) == 1, "readiness: cannot disable session tickets")
        _ = sekisho_SSL_CTX_set_mode(ctx, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        _ = sekisho_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_OFF))
        // Request a certificate, never require one; the verify callback records, never refuses.
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER) { ok, store in TLSSession.verifyCallback(preverifyOK: ok, storeContext: store) }
        return problems
    }

    static let readinessNotes = [
        "readiness-check listener: accepts TLS 1.0 to 1.3 and every suite OpenSSL offers at security level 0, "
            + "requests (does not require) a client certificate, answers every request with a report page and forwards nothing",
    ]
}
