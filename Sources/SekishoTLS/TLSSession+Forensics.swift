internal import COpenSSL
internal import CSekishoShims
import SekishoCore

// What a client offered and what it presented, recorded for forensics even when the handshake is
// refused. Neither recorder ever changes the handshake's outcome.
extension TLSSession {
    /// `SSL_CTX_set_client_hello_cb` callback. Runs after OpenSSL parsed the ClientHello and
    /// before it chooses a version (tls_early_post_process_client_hello), so even a TLS 1.0-only
    /// client is recorded. Always answers SSL_CLIENT_HELLO_SUCCESS: it must never refuse.
    static func clientHelloCallback(ssl: OpaquePointer?) -> Int32 {
        guard let ssl else { return SSL_CLIENT_HELLO_SUCCESS }
        owner(of: ssl).recordClientHello()
        return SSL_CLIENT_HELLO_SUCCESS
    }

    /// Copies the offer out of OpenSSL. After a HelloRetryRequest the callback runs again for
    /// the second ClientHello; the first one is kept (RFC 8446 §4.1.2 lets the second differ
    /// only in key shares, cookie and padding).
    func recordClientHello() {
        guard offered == nil else { return }
        var summary = ClientHelloSummary(legacyVersion: UInt16(truncatingIfNeeded: SSL_client_hello_get0_legacy_version(ssl)))
        summary.isSSLv2Format = SSL_client_hello_isv2(ssl) == 1
        var cipherBytes: UnsafePointer<UInt8>?
        let cipherLength = SSL_client_hello_get0_ciphers(ssl, &cipherBytes)
        if let cipherBytes, cipherLength > 0 {
            summary.cipherSuites = ClientHelloSummary.codePoints(Array(UnsafeBufferPointer(start: cipherBytes, count: cipherLength)))
        }
        var present: UnsafeMutablePointer<Int32>?
        var presentCount = 0
        if SSL_client_hello_get1_extensions_present(ssl, &present, &presentCount) == 1, let present {
            summary.extensionTypes = (0..<presentCount).map { UInt16(truncatingIfNeeded: present[$0]) }
                .filter { !TLSNames.isGREASE($0) }
            sekisho_OPENSSL_free(present)
        }
        if let body = extensionBody(0x002B) {  // supported_versions: 1-byte length (RFC 8446 §4.2.1)
            summary.supportedVersions = ClientHelloSummary.prefixedCodePoints(body, prefixBytes: 1)
        }
        if let body = extensionBody(0x000A) {  // supported_groups (RFC 8446 §4.2.7)
            summary.groups = ClientHelloSummary.prefixedCodePoints(body, prefixBytes: 2)
        }
        if let body = extensionBody(0x000D) {  // signature_algorithms (RFC 8446 §4.2.3)
            summary.signatureAlgorithms = ClientHelloSummary.prefixedCodePoints(body, prefixBytes: 2)
        }
        if let body = extensionBody(0x0000) {  // server_name (RFC 6066 §3)
            summary.serverName = ClientHelloSummary.hostName(body)
        }
        if let body = extensionBody(0x0010) {  // ALPN (RFC 7301 §3.1)
            summary.alpn = ClientHelloSummary.protocolNames(body)
        }
        offered = summary
        OpenSSLErrorQueue.clear()
    }

    private func extensionBody(_ type: UInt32) -> [UInt8]? {
        var data: UnsafePointer<UInt8>?
        var length = 0
        guard SSL_client_hello_get0_ext(ssl, type, &data, &length) == 1 else { return nil }
        guard let data, length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// Called from the first verify-callback invocation: the store context's untrusted stack is
    /// the chain exactly as the client sent it, leaf first (ssl_verify_cert_chain), and it is the
    /// only moment a refused chain can be seen — on failure OpenSSL never stores it in the session.
    func capturePresentedChain(_ storeContext: OpaquePointer) {
        guard presentedCertificates == nil else { return }
        guard let stack = X509_STORE_CTX_get0_untrusted(storeContext) else {
            presentedCertificates = []
            return
        }
        let count = Int(sekisho_sk_X509_num(stack))
        presentedCertificates = (0..<min(count, 16)).compactMap { index in
            sekisho_sk_X509_value(stack, Int32(index)).map { X509Certificate(borrowing: $0) }
        }
    }

    /// Server sessions: the client's certificate chain as presented (leaf first), whether or not
    /// it verified. Empty when the client sent no certificate (or no handshake got that far). A
    /// resumed session carries only the leaf.
    public var presentedChain: [CertificateSummary] {
        if let cached = presentedSummaryCache { return cached }
        var summaries: [CertificateSummary]
        if let captured = presentedCertificates {
            summaries = captured.map { CertificateSummary($0.ref) }
        } else if case .server = role, let leaf = SSL_get0_peer_certificate(ssl) {
            summaries = [CertificateSummary(leaf)]
        } else {
            summaries = []
        }
        // Cached only once the handshake is over: until then more may arrive.
        if case .handshaking = state {} else { presentedSummaryCache = summaries }
        return summaries
    }

    /// Readiness sessions: the first rule the presented chain broke (profile rule or
    /// verification error), or nil if it would pass. Also set on refused profile sessions.
    public var certificateProblem: TLSRefusal? {
        verifyViolation.map { TLSRefusal(reason: $0.reason, detail: $0.detail) }
    }
}
