/// Why a handshake was refused. The raw values are stable: they appear in logs and metrics.
public enum TLSRefusalReason: String, Sendable, Hashable, CaseIterable {
    case noClientCert = "no_client_cert"
    case unknownCA = "unknown_ca"
    case weakSignatureSHA1 = "weak_signature_sha1"
    case weakSignatureMD5 = "weak_signature_md5"
    case weakKey = "weak_key"
    case expired = "expired"
    case notYetValid = "not_yet_valid"
    case noClientAuthEKU = "no_client_auth_eku"
    case badKeyUsage = "bad_key_usage"
    case revoked = "revoked"
    case crlUnavailable = "crl_unavailable"
    /// The issuer's CRL is past its nextUpdate by more than the grace period and the listener's
    /// stale-CRL policy is `reject` (`TLSClientAuthSettings.crlStalePolicy`).
    case crlStale = "crl_stale"
    /// The client offered only versions below TLS 1.2.
    case protocolVersion = "protocol_version"
    /// No cipher suite in common (for example a CBC-only or RSA-key-transport-only client).
    case noSharedCipher = "no_shared_cipher"
    case badCertificate = "bad_certificate"
    case handshakeFailure = "handshake_failure"
    /// The peer closed (close_notify or end of input) before the handshake finished.
    case peerClosed = "peer_closed"
    /// The verified client is not admitted by the listener's allow-list; the log names the rule
    /// (`policy_denied:ou`). Set by `TLSSession.refuse(_:)` from the proxy's policy check.
    case policyDenied = "policy_denied"
    /// The client certificate is on the emergency deny-list (`denylisted:serial`).
    case denylisted = "denylisted"
}

/// A refused handshake: a stable reason, a precise human detail, and the OpenSSL error queue as
/// it was when the handshake failed (kept as data, formatted late).
public struct TLSRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: TLSRefusalReason
    /// E.g. "client certificate CN=x,O=y signed with sha1WithRSAEncryption at depth 0".
    public var detail: String
    public var errorStack: [OpenSSLErrorEntry]

    public init(reason: TLSRefusalReason, detail: String, errorStack: [OpenSSLErrorEntry] = []) {
        self.reason = reason
        self.detail = detail
        self.errorStack = errorStack
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// A failure of an established (or establishing) TLS session outside `handshake()`.
public enum TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The handshake, driven implicitly by a read or write, was refused.
    case refused(TLSRefusal)
    /// A fatal TLS error after the handshake: an alert from the peer, a bad record, a refused
    /// renegotiation. In TLS 1.3 a client learns here that the server rejected its certificate.
    case protocolFailure(detail: String, errorStack: [OpenSSLErrorEntry])
    /// The input ended (see `TLSSession.feedEndOfInput`) without close_notify: a possible
    /// truncation (RFC 8446 §6.1), never to be treated as a clean end of data.
    case unexpectedEOF

    public var description: String {
        switch self {
        case .refused(let refusal): return "refused: \(refusal)"
        case .protocolFailure(let detail, _): return "protocol failure: \(detail)"
        case .unexpectedEOF: return "input ended without close_notify"
        }
    }
}

/// Result of one `TLSSession.handshake()` step. After any step, send
/// `pendingCiphertextBytes` (drain them) before waiting for input or closing: a `.failed` step
/// usually leaves the alert that tells the peer why.
public enum TLSHandshakeStep: Sendable, Equatable {
    case needsInput
    /// Done. For a server session: the verified client, or `nil` when no certificate was
    /// requested or an optional one was not sent. For a client session: the server.
    case complete(PeerIdentity?)
    case failed(TLSRefusal)
}

public enum TLSReadResult: Sendable, Equatable {
    case bytes(Int)
    case needsInput
    /// The peer sent close_notify.
    case closed
    case failed(TLSError)
}

public enum TLSWriteResult: Sendable, Equatable {
    /// Bytes consumed from the caller's buffer; with partial writes on, possibly fewer than
    /// offered (one record's worth). Zero means: drain ciphertext and try again.
    case wrote(Int)
    case failed(TLSError)
}

/// Problems that stop a context from being built, all of them, each naming the file and the
/// rule (e.g. "server-rsa1024.pem: RSA key of 1024 bits is below the profile minimum of 2048").
public struct TLSConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}
