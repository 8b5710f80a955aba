internal import COpenSSL
internal import CSekishoShims
import SekishoCore

/// Protocol versions a client context may be limited to. Legacy versions exist so tests and
/// the load generator can probe that a listener refuses them; `TLSContext` never allows them.
public enum TLSClientProtocolVersion: Sendable, Hashable, Comparable {
    case tls10, tls11, tls12, tls13

    var openSSLValue: Int32 {
        switch self {
        case .tls10: return TLS1_VERSION
        case .tls11: return TLS1_1_VERSION
        case .tls12: return TLS1_2_VERSION
        case .tls13: return TLS1_3_VERSION
        }
    }
}

/// A client-side context for tests and `sekisho-bench`: mutual TLS with a client certificate,
/// optional server verification, and optional narrowing (or, for probes, widening) of versions
/// and suites. Defaults follow the profile.
public struct TLSClientConfiguration: Sendable {
    /// Client certificate chain (leaf then intermediates) and key; `nil` = present none.
    /// Not held to the profile: tests present bad certificates on purpose.
    public var certificate: TLSCertificateSource?
    /// PEM anchors for verifying the server (chain and host name/IP); `nil` = no verification.
    public var trustedCAPath: String?
    public var minimumVersion: TLSClientProtocolVersion
    public var maximumVersion: TLSClientProtocolVersion
    /// TLS 1.3 suites, OpenSSL syntax; `nil` = the profile's list.
    public var tls13CipherSuites: String?
    /// TLS 1.2-and-below cipher string, OpenSSL syntax (may carry `@SECLEVEL=n`); `nil` = the
    /// profile's list.
    public var cipherList: String?
    /// Groups, OpenSSL syntax; `nil` = the profile's list.
    public var groups: String?
    /// OpenSSL security level (0...5). Below 2 only to present deliberately weak certificates.
    public var securityLevel: Int
    public var alpn: [String]
    /// Signature algorithms offered to the server, OpenSSL syntax (e.g. `ECDSA+SHA256`); `nil` =
    /// OpenSSL's default list. A server holding several certificates picks the one these allow,
    /// which is how sekisho-bench chooses the ECDSA or the RSA chain. The client's own
    /// CertificateVerify keeps the profile's full list, so any client key still signs.
    public var signatureAlgorithms: String?

    public init(
        certificate: TLSCertificateSource? = nil, trustedCAPath: String? = nil,
        minimumVersion: TLSClientProtocolVersion = .tls12, maximumVersion: TLSClientProtocolVersion = .tls13,
        tls13CipherSuites: String? = nil, cipherList: String? = nil, groups: String? = nil,
        securityLevel: Int = 2, alpn: [String] = [], signatureAlgorithms: String? = nil
    ) {
        self.certificate = certificate
        self.trustedCAPath = trustedCAPath
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.tls13CipherSuites = tls13CipherSuites
        self.cipherList = cipherList
        self.groups = groups
        self.securityLevel = securityLevel
        self.alpn = alpn
        self.signatureAlgorithms = signatureAlgorithms
    }
}

/// Client `SSL_CTX`. Same immutability invariant as `TLSContext`: configured entirely in
/// `init`, then only used through `SSL_new`, so it may be shared across threads.
public final class TLSClientContext: @unchecked Sendable {
    let ctx: OpaquePointer
    let verifiesServer: Bool

    public init(configuration c: TLSClientConfiguration) throws(TLSConfigurationError) {
        OpenSSLErrorQueue.clear()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw TLSConfigurationError(problems: ["SSL_CTX_new failed (\(OpenSSLErrorQueue.drainedReasons()))"])
        }
        var problems: [String] = []
        func require(_ ok: Bool, _ what: String) {
            if !ok { problems.append("\(what) (\(OpenSSLErrorQueue.drainedReasons()))") }
        }
        SSL_CTX_set_security_level(ctx, Int32(c.securityLevel))
        require(sekisho_SSL_CTX_set_min_proto_version(ctx, c.minimumVersion.openSSLValue) == 1, "minimumVersion")
        require(sekisho_SSL_CTX_set_max_proto_version(ctx, c.maximumVersion.openSSLValue) == 1, "maximumVersion")
        SSL_CTX_set_options(ctx, sekisho_SSL_OP_NO_COMPRESSION | sekisho_SSL_OP_NO_RENEGOTIATION)
        let tls13 = c.tls13CipherSuites ?? CryptrecHighProfile.tls13CipherSuites.map(\.openSSL).joined(separator: ":")
        require(SSL_CTX_set_ciphersuites(ctx, tls13) == 1, "tls13CipherSuites: OpenSSL refused '\(tls13)'")
        let list = c.cipherList ?? CryptrecHighProfile.tls12CipherSuites.map(\.openSSL).joined(separator: ":")
        require(SSL_CTX_set_cipher_list(ctx, list) == 1, "cipherList: OpenSSL refused '\(list)'")
        let groups = c.groups ?? CryptrecHighProfile.groups.map(\.openSSL).joined(separator: ":")
        require(sekisho_SSL_CTX_set1_groups_list(ctx, groups) == 1, "groups: OpenSSL refused '\(groups)'")
        _ = sekisho_SSL_CTX_set_mode(ctx, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        if let sigalgs = c.signatureAlgorithms {
            require(sekisho_SSL_CTX_set1_sigalgs_list(ctx, sigalgs) == 1, "signatureAlgorithms: OpenSSL refused '\(sigalgs)'")
            // Without a client list, OpenSSL would sign the client's CertificateVerify from the
            // narrowed list too (tls12_get_psigalgs), and an RSA client key could not sign.
            let own = CryptrecHighProfile.signatureAlgorithms.joined(separator: ":")
            require(sekisho_SSL_CTX_set1_client_sigalgs_list(ctx, own) == 1, "signatureAlgorithms: OpenSSL refused '\(own)' as client signature algorithms")
        }
        if !c.alpn.isEmpty {
            var wire: [UInt8] = []
            for name in c.alpn {
                let utf8 = Array(name.utf8)
                guard (1...255).contains(utf8.count) else {
                    problems.append("alpn: protocol name '\(name)' must be 1 to 255 bytes")
                    continue
                }
                wire.append(UInt8(utf8.count))
                wire += utf8
            }
            // Note the inverted convention: SSL_CTX_set_alpn_protos returns 0 on success.
            require(SSL_CTX_set_alpn_protos(ctx, wire, UInt32(wire.count)) == 0, "alpn: OpenSSL refused the list")
        }
        if let source = c.certificate {
            problems += Self.installCertificate(ctx, source)
        }
        if let caPath = c.trustedCAPath {
            require(SSL_CTX_load_verify_locations(ctx, caPath, nil) == 1, "\(caPath): cannot load trusted CAs")
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }
        guard problems.isEmpty else {
            SSL_CTX_free(ctx)
            throw TLSConfigurationError(problems: problems)
        }
        self.ctx = ctx
        verifiesServer = c.trustedCAPath != nil
    }

    deinit { SSL_CTX_free(ctx) }

    /// A new client session. `serverName` is sent as SNI unless it is an IP literal (RFC 6066
    /// §3 forbids those) and is checked against the server certificate when verifying.
    public func makeClientSession(serverName: String? = nil, resuming: TLSResumptionState? = nil) -> TLSSession {
        TLSSession(clientContext: self, serverName: serverName, resuming: resuming)
    }

    func prepare(_ session: TLSSession, serverName: String?, resuming: TLSResumptionState?) {
        let ssl = session.ssl
        OpenSSLErrorQueue.clear()
        if let serverName {
            let isIP = HostPort.isIPv4Literal(serverName) || HostPort.isIPv6Literal(serverName)
            if !isIP { _ = sekisho_SSL_set_tlsext_host_name(ssl, serverName) }
            if verifiesServer {
                if isIP {
                    _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName)
                } else {
                    _ = SSL_set1_host(ssl, serverName)
                }
            }
        }
        if let resuming { _ = SSL_set_session(ssl, resuming.session) }
        OpenSSLErrorQueue.clear()
    }

    private static func installCertificate(_ ctx: OpaquePointer, _ source: TLSCertificateSource) -> [String] {
        let certs: [X509Certificate]
        switch PEMFiles.certificates(path: source.certPath) {
        case .success(let c): certs = c
        case .failure(let problem): return ["\(source.certPath): \(problem)"]
        }
        let key: PrivateKey
        switch PEMFiles.privateKey(path: source.keyPath) {
        case .success(let k): key = k
        case .failure(let problem): return ["\(source.keyPath): \(problem)"]
        }
        guard let chain = sekisho_sk_X509_new_null() else { fatalError("out of memory") }
        defer { sekisho_sk_X509_pop_free(chain) }
        for cert in certs.dropFirst() {
            X509_up_ref(cert.ref)
            _ = sekisho_sk_X509_push(chain, cert.ref)
        }
        OpenSSLErrorQueue.clear()
        if SSL_CTX_use_cert_and_key(ctx, certs[0].ref, key.ref, chain, 1) != 1 {
            return ["\(source.certPath): OpenSSL refused the certificate (\(OpenSSLErrorQueue.drainedReasons()))"]
        }
        return []
    }
}

/// A client's resumable session (wraps `SSL_SESSION`), from `TLSSession.resumptionState`.
/// Immutable once obtained; OpenSSL reference-counts it, so it may be handed across threads.
public final class TLSResumptionState: @unchecked Sendable {
    let session: OpaquePointer

    init(takingOwnership session: OpaquePointer) { self.session = session }

    deinit { SSL_SESSION_free(session) }

    /// "TLSv1.3" / "TLSv1.2".
    public var protocolVersion: String {
        TLSSession.versionName(SSL_SESSION_get_protocol_version(session))
    }

    /// Size of the ticket the server sent (0 for a TLS 1.2 session-id resumption). A server
    /// keeping sessions in a cache sends a short id; a stateless ticket carries the whole
    /// encrypted session, client certificate included, so it is hundreds of bytes.
    public var ticketByteCount: Int {
        guard SSL_SESSION_has_ticket(session) == 1 else { return 0 }
        var ticket: UnsafePointer<UInt8>?
        var length = 0
        SSL_SESSION_get0_ticket(session, &ticket, &length)
        return length
    }

    /// The session id (TLS 1.2 resumption by id); empty when none.
    public var sessionIDByteCount: Int {
        var length: UInt32 = 0
        _ = SSL_SESSION_get_id(session, &length)
        return Int(length)
    }
}
