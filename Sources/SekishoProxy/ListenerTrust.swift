import Foundation
import SekishoConfig
import SekishoCore
import SekishoTLS

/// The client-trust hooks of one listener generation, called by `TLSFrontEnd` when a handshake
/// ends: the client policy (deny-list, allow-list) on a completed handshake, and one forensics
/// record for every handshake, accepted or refused.
///
/// Built with the generation (so a reload that changes `client_auth.policy` or `deny` applies to
/// the next handshake, resumed ones included); the forensics sink is the process's one sink,
/// shared by every generation. Immutable, hence `Sendable`.
final class ListenerTrust: Sendable {
    let listener: String
    let policy: ClientPolicy
    /// Nil when neither `forensics.path` nor `forensics.inventory_path` is set: then no record
    /// is even built (chain summaries cost a SHA-256 per certificate), and refusals are only
    /// logged and counted.
    let forensics: ForensicsSink?
    let acceptedVersions: [TLSProtocolVersion]

    init(listener: ListenerConfig, forensics: ForensicsSink?) {
        self.listener = listener.name
        policy = ClientPolicy(clientAuth: listener.clientAuth, listener: listener.name)
        self.forensics = forensics
        acceptedVersions = listener.versions
    }

    /// The policy's verdict on a completed handshake. A denial is applied to the session at once
    /// (`TLSSession.refuse`: a queued session ticket is discarded) and returned as its rule code.
    func admit(_ peer: PeerIdentity?, session: TLSSession) -> PolicyDecision {
        let decision = policy.evaluate(peer)
        if case .deny(let rule, let detail) = decision {
            let reason: TLSRefusalReason = rule.hasPrefix("denylisted:") ? .denylisted : .policyDenied
            session.refuse(TLSRefusal(reason: reason, detail: "\(rule): \(detail)"))
        }
        return decision
    }

    /// Submits the record of a finished handshake; `reason` nil = accepted. Aborted handshakes
    /// without a ClientHello (a TCP probe, a port scan) are not TLS clients and leave no record.
    func record(
        session: TLSSession, client: String, connection: @autoclosure () -> String, reason: String?, detail: String?
    ) {
        guard let forensics else { return }
        if reason == TLSRefusalReason.peerClosed.rawValue || reason == "handshake_timeout", session.offered == nil { return }
        let negotiated = reason == nil
            ? NegotiatedParameters(
                version: session.negotiatedVersion ?? "?", cipher: session.cipherSuiteName ?? "?",
                resumed: session.isResumed, alpn: session.alpnProtocol)
            : nil
        forensics.submit(HandshakeForensics.record(
            time: Date(), listener: listener, client: client, connection: connection(), offered: session.offered,
            chain: session.presentedChain, negotiated: negotiated, reason: reason, detail: detail,
            acceptedVersions: acceptedVersions, warnings: session.crlWarning.map { [$0] } ?? []))
    }

    /// The operator hint for a refusal, for the `handshake_refused` log line.
    func hint(reason: String, session: TLSSession) -> String {
        RemediationHint.for(reason: reason, offered: session.offered, acceptedVersions: acceptedVersions).english
    }
}
