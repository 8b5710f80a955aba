internal import COpenSSL
internal import CSekishoShims
import SekishoCore

// Turning OpenSSL's error queue into sekisho's refusal reasons. The queue is kept whole in the
// refusal; only the reason and detail are derived here.
extension TLSSession {
    /// Reason codes (library `ERR_LIB_SSL`) that name a protocol-version refusal: the client's
    /// versions are all below the listener's floor, or it received our protocol_version alert.
    static let protocolVersionReasons: Set<Int32> = [
        SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_VERSION_TOO_LOW, SSL_R_NO_PROTOCOLS_AVAILABLE,
        SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_UNSUPPORTED_SSL_VERSION, SSL_R_BAD_PROTOCOL_VERSION_NUMBER,
        SSL_R_WRONG_SSL_VERSION,
    ]

    func makeRefusal(stack: [OpenSSLErrorEntry], sslError: Int32) -> TLSRefusal {
        if let violation = verifyViolation {
            return TLSRefusal(reason: violation.reason, detail: violation.detail, errorStack: stack)
        }
        for entry in stack where entry.libraryCode == ERR_LIB_SSL {
            if let (reason, detail) = classify(sslReason: entry.reasonCode, text: entry.reason) {
                return TLSRefusal(reason: reason, detail: detail, errorStack: stack)
            }
        }
        if sslError == SSL_ERROR_ZERO_RETURN {
            return TLSRefusal(reason: .peerClosed, detail: "peer sent close_notify during the handshake", errorStack: stack)
        }
        if sslError == SSL_ERROR_SYSCALL, stack.isEmpty {
            return TLSRefusal(reason: .peerClosed, detail: "input ended during the handshake", errorStack: stack)
        }
        let first = stack.first.map { "\($0.reason)" } ?? "SSL_get_error \(sslError)"
        return TLSRefusal(reason: .handshakeFailure, detail: "handshake failed: \(first)", errorStack: stack)
    }

    private func classify(sslReason code: Int32, text: String) -> (TLSRefusalReason, String)? {
        if Self.protocolVersionReasons.contains(code) {
            if case .server(let context) = role {
                return (.protocolVersion, protocolVersionDetail(context, text: text))
            }
            return (.protocolVersion, "no protocol version in common with the server (\(text))")
        }
        switch code {
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return (.noClientCert, "client did not present a certificate; this listener requires one")
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            return (.noClientCert, "server requires a client certificate (alert certificate_required)")
        case SSL_R_NO_SHARED_CIPHER:
            return (.noSharedCipher, "no cipher suite in common; client offered: \(clientCipherNames())")
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return (.peerClosed, "input ended during the handshake")
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            let result = Int32(truncatingIfNeeded: SSL_get_verify_result(ssl))
            let (reason, detail) = CertificateProfile.reason(forX509Error: result, certificate: nil, depth: 0)
            if case .client = role {
                let text = X509_verify_cert_error_string(Int(result)).map { String(cString: $0) } ?? "error \(result)"
                return (reason, "server certificate verification failed: \(text)")
            }
            return (reason, detail)
        // Alerts received from the peer (SSL_AD_REASON_OFFSET + alert number).
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
            return (.expired, "peer sent alert certificate_expired")
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
            return (.unknownCA, "peer sent alert unknown_ca")
        case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
            return (.revoked, "peer sent alert certificate_revoked")
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE,
             SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
            return (.badCertificate, "peer sent alert: \(text)")
        case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
            return (.handshakeFailure, "peer sent alert handshake_failure")
        default:
            return nil
        }
    }

    /// OpenSSL names of the suites the client offered (server side, after ClientHello), capped.
    private func clientCipherNames() -> String {
        // The recorded ClientHello knows every offered suite by its IANA name, including the
        // ones this OpenSSL build does not implement (SSL_get_client_ciphers drops those).
        if let names = offered?.cipherSuiteNames, !names.isEmpty {
            return names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", … \(names.count - 12) more" : "")
        }
        guard let stack = SSL_get_client_ciphers(ssl) else { return "unknown" }
        let count = Int(sekisho_sk_SSL_CIPHER_num(stack))
        var names: [String] = []
        for i in 0..<min(count, 12) {
            if let cipher = sekisho_sk_SSL_CIPHER_value(stack, Int32(i)), let name = SSL_CIPHER_get_name(cipher) {
                names.append(String(cString: name))
            }
        }
        if count > 12 { names.append("… \(count - 12) more") }
        return names.isEmpty ? "none known to this OpenSSL" : names.joined(separator: ", ")
    }

    /// Says what the client offered, from the recorded ClientHello (supported_versions
    /// included): "client offered at most TLSv1.1 (offered: TLSv1.1, TLSv1.0); this listener
    /// accepts TLSv1.3, TLSv1.2". Falls back to the record-layer version if no ClientHello was
    /// parsed (e.g. an SSLv2 hello OpenSSL rejected before the callback).
    private func protocolVersionDetail(_ context: TLSContext, text: String) -> String {
        let accepted = context.configuration.versions.sorted(by: >).map(\.rawValue).joined(separator: ", ")
        guard let offered else {
            return "client offered at most \(Self.versionName(SSL_client_version(ssl))); this listener accepts \(accepted) (\(text))"
        }
        let floor = offered.offersOnlyLegacyVersions ? "; TLS 1.2 is the minimum" : ""
        return "client offered at most \(TLSNames.version(offered.highestVersion)) (\(offered.versionOfferText))\(floor); this listener accepts \(accepted) (\(text))"
    }

    static func versionName(_ version: Int32) -> String {
        switch version {
        case 0x0300: return "SSLv3"
        case 0x0301: return "TLSv1.0"
        case 0x0302: return "TLSv1.1"
        case 0x0303: return "TLSv1.2"
        case 0x0304: return "TLSv1.3"
        default: return "version 0x\(String(version, radix: 16))"
        }
    }

    /// A failure after (or while implicitly finishing) the handshake.
    func makeDataError(stack: [OpenSSLErrorEntry], sslError: Int32) -> TLSError {
        let eof = stack.contains { $0.libraryCode == ERR_LIB_SSL && $0.reasonCode == SSL_R_UNEXPECTED_EOF_WHILE_READING }
        if eof || (sslError == SSL_ERROR_SYSCALL && stack.isEmpty) { return .unexpectedEOF }
        let alert = stack.first { $0.libraryCode == ERR_LIB_SSL && $0.reasonCode >= SSL_AD_REASON_OFFSET }
        if let alert { return .protocolFailure(detail: "peer sent alert: \(alert.reason)", errorStack: stack) }
        let first = stack.first?.reason ?? "SSL_get_error \(sslError)"
        return .protocolFailure(detail: first, errorStack: stack)
    }

    /// `handshake()` after a data-phase failure reports it as a refusal of the same cause.
    static func refusal(for error: TLSError) -> TLSRefusal {
        switch error {
        case .refused(let refusal): return refusal
        case .unexpectedEOF: return TLSRefusal(reason: .peerClosed, detail: "input ended without close_notify")
        case .protocolFailure(let detail, let stack): return TLSRefusal(reason: .handshakeFailure, detail: detail, errorStack: stack)
        }
    }
}
