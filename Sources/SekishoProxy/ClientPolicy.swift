public import SekishoConfig
public import SekishoTLS

/// Proof that a client passed the listener's deny-list and allow-list. Only
/// `ClientPolicy.evaluate(_:)` can make one (its initializer is `fileprivate`), so code that
/// demands a `VerifiedPeer` before it opens an upstream request cannot be reached by a client
/// the policy never looked at (rustls' proof-token idea).
public struct VerifiedPeer: Sendable, Equatable {
    /// The verified client, or nil for a listener with `required: false` and `allow_all`.
    public let identity: PeerIdentity?
    public let listener: String

    fileprivate init(identity: PeerIdentity?, listener: String) {
        self.identity = identity
        self.listener = listener
    }
}

/// What the policy decided about one client.
public enum PolicyDecision: Sendable, Equatable {
    case allow(VerifiedPeer)
    /// `rule` is the stable reason code (`policy_denied:ou`, `denylisted:serial`, …) that logs,
    /// forensics records and counters carry; `detail` says what the certificate had.
    case deny(rule: String, detail: String)
}

/// A listener's compiled client policy: the emergency deny-list, then the allow-list
/// (`client_auth.deny` and `client_auth.policy`), evaluated on the verified `PeerIdentity` after
/// the TLS handshake — for full and resumed handshakes alike, so a reload that adds a deny-list
/// entry also refuses resumed sessions of that certificate.
///
/// Semantics (fail closed, see `ClientPolicyConfig`): deny-list first (leaf serial, then leaf
/// SHA-256); then, unless `allow_all`, every configured rule kind must match, in the order
/// issuer, fingerprint, O, OU, CN, DNS SAN, email SAN, URI SAN, and the first that does not
/// names the refusal. A client without a certificate passes only `allow_all`.
public struct ClientPolicy: Sendable, Equatable {
    public let listener: String
    private let config: ClientPolicyConfig
    private let deniedSerials: Set<String>
    private let deniedFingerprints: Set<String>
    private let issuers: Set<String>?
    private let fingerprints: Set<String>?
    private let emails: Set<String>?

    public init(clientAuth: ClientAuthConfig, listener: String) {
        self.init(policy: clientAuth.policy, deny: clientAuth.deny, listener: listener)
    }

    public init(policy: ClientPolicyConfig, deny: DenyListConfig, listener: String) {
        self.listener = listener
        config = policy
        deniedSerials = Set(deny.serials)
        deniedFingerprints = Set(deny.fingerprintsSHA256)
        issuers = policy.issuers.map(Set.init)
        fingerprints = policy.fingerprintsSHA256.map(Set.init)
        emails = policy.emails.map(Set.init)
    }

    /// Every rule code `evaluate` can answer, in evaluation order (for documentation and tests).
    public static let ruleCodes = [
        "denylisted:serial", "denylisted:fingerprint", "policy_denied:no_certificate",
        "policy_denied:issuer", "policy_denied:fingerprint", "policy_denied:o", "policy_denied:ou",
        "policy_denied:cn", "policy_denied:san_dns", "policy_denied:san_email", "policy_denied:san_uri",
    ]

    public func evaluate(_ peer: PeerIdentity?) -> PolicyDecision {
        if let peer {
            if deniedSerials.contains(Self.canonicalSerial(peer.serialNumberHex)) {
                return .deny(rule: "denylisted:serial", detail: "client certificate serial \(peer.serialNumberHex) (\(peer.subject)) is on the deny-list")
            }
            if deniedFingerprints.contains(peer.sha256Fingerprint.lowercased()) {
                return .deny(rule: "denylisted:fingerprint", detail: "client certificate sha256 \(peer.sha256Fingerprint) (\(peer.subject)) is on the deny-list")
            }
        }
        if config.allowAll { return .allow(VerifiedPeer(identity: peer, listener: listener)) }
        guard let peer else {
            return .deny(rule: "policy_denied:no_certificate", detail: "the client presented no certificate and the policy admits certificates only")
        }
        if let issuers, !issuers.contains(DistinguishedName.normalize(peer.issuer) ?? peer.issuer) {
            return .deny(rule: "policy_denied:issuer", detail: "issuer \(peer.issuer) is not in the allow-list")
        }
        if let fingerprints, !fingerprints.contains(peer.sha256Fingerprint.lowercased()) {
            return .deny(rule: "policy_denied:fingerprint", detail: "sha256 \(peer.sha256Fingerprint) is not pinned")
        }
        if let denial = Self.attribute("o", "O", peer.organizations, allowed: config.organizations) { return denial }
        if let denial = Self.attribute("ou", "OU", peer.organizationalUnits, allowed: config.organizationalUnits) { return denial }
        if let denial = Self.attribute("cn", "CN", peer.commonNames, allowed: config.commonNames) { return denial }
        if let patterns = config.dnsNames, !peer.dnsNames.contains(where: { name in patterns.contains { $0.matches(name) } }) {
            return .deny(rule: "policy_denied:san_dns", detail: "DNS SANs \(Self.list(peer.dnsNames)) match none of \(Self.list(patterns.map(\.text)))")
        }
        if let emails, !peer.emailAddresses.contains(where: { emails.contains($0.lowercased()) }) {
            return .deny(rule: "policy_denied:san_email", detail: "email SANs \(Self.list(peer.emailAddresses)) match none of \(Self.list(config.emails ?? []))")
        }
        if let patterns = config.uris, !peer.uris.contains(where: { uri in patterns.contains { $0.matches(uri) } }) {
            return .deny(rule: "policy_denied:san_uri", detail: "URI SANs \(Self.list(peer.uris)) match none of \(Self.list(patterns.map(\.text)))")
        }
        return .allow(VerifiedPeer(identity: peer, listener: listener))
    }

    private static func attribute(_ code: String, _ name: String, _ values: [String], allowed: [String]?) -> PolicyDecision? {
        guard let allowed, !values.contains(where: allowed.contains) else { return nil }
        return .deny(rule: "policy_denied:\(code)", detail: "subject \(name) \(list(values)) is not in the allow-list \(list(allowed))")
    }

    /// "[a, b]", or "(none)".
    static func list(_ values: [String]) -> String {
        values.isEmpty ? "(none)" : "[" + values.joined(separator: ", ") + "]"
    }

    /// Uppercase hex without leading zeros, the config's normalised form of a serial.
    static func canonicalSerial(_ hex: String) -> String {
        let upper = hex.uppercased().drop { $0 == "0" }
        return upper.isEmpty ? "0" : String(upper)
    }
}

extension HostPattern {
    /// `HostPattern` rules: same number of labels, literals equal ignoring case, `*` any one
    /// non-empty label.
    public func matches(_ name: String) -> Bool {
        let candidate = name.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        guard candidate.count == labels.count else { return false }
        for (part, label) in zip(labels, candidate) {
            if label.isEmpty { return false }
            switch part {
            case .one: continue
            case .literal(let text): if text != label { return false }
            }
        }
        return true
    }
}

extension URIPattern {
    /// `URIPattern` rules (documented on the type, in SekishoConfig).
    public func matches(_ uri: String) -> Bool {
        if uri.contains("?") || uri.contains("#") { return false }
        guard let separator = uri.range(of: "://"), uri[..<separator.lowerBound].lowercased() == scheme else { return false }
        let rest = uri[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        if authority.contains("@") { return false }
        var hostText = Substring(authority)
        var candidatePort: Substring?
        if let colon = authority.lastIndex(of: ":") {
            candidatePort = authority[authority.index(after: colon)...]
            hostText = authority[..<colon]
        }
        guard candidatePort.map(String.init) == port, host.matches(String(hostText)) else { return false }
        let candidate = path.isEmpty ? [] : path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if candidate.contains(where: \.isEmpty) { return false }
        if matchesRest {
            guard candidate.count > segments.count else { return false }
        } else {
            guard candidate.count == segments.count else { return false }
        }
        for (part, segment) in zip(segments, candidate) {
            switch part {
            case .one: continue
            case .literal(let text): if text != segment { return false }
            }
        }
        return true
    }
}
