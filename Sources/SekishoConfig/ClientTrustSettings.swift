/// What a listener does with connections.
public enum ListenerMode: String, Sendable, Equatable, CaseIterable {
    /// Terminate mutual TLS under the profile and forward to the upstream (the default).
    case proxy
    /// The readiness-check listener: accepts old clients on purpose, answers every request with a
    /// report page, forwards nothing. No `upstream`, `tls`, `routes`, `http` or client policy.
    case readiness
}

/// `client_auth.policy`, validated: who may connect among clients whose chain verified.
///
/// Failure mode, on purpose: **closed**. A configured rule kind that a client does not satisfy
/// refuses it, naming the rule (`policy_denied:ou`). Rule kinds combine with AND, entries of one
/// list with OR. A policy block that lists nothing is a configuration error rather than a policy
/// that refuses everyone; admitting every verified client is spelled `allow_all: true`. A nil
/// list means "no rule of this kind"; an empty list is refused at load.
public struct ClientPolicyConfig: Sendable, Equatable {
    public let allowAll: Bool
    /// Exact, case-sensitive values of the subject's O / OU / CN (any of the certificate's values).
    public let organizations: [String]?
    public let organizationalUnits: [String]?
    public let commonNames: [String]?
    /// DNS SAN patterns: labels compared case-insensitively, `*` = exactly one whole label.
    public let dnsNames: [HostPattern]?
    /// Email SANs, compared case-insensitively.
    public let emails: [String]?
    public let uris: [URIPattern]?
    /// Issuer DNs in the normalised form of `DistinguishedName.normalize`.
    public let issuers: [String]?
    /// Lowercase hex SHA-256 of allowed leaf certificates.
    public let fingerprintsSHA256: [String]?

    package init(
        allowAll: Bool, organizations: [String]? = nil, organizationalUnits: [String]? = nil,
        commonNames: [String]? = nil, dnsNames: [HostPattern]? = nil, emails: [String]? = nil,
        uris: [URIPattern]? = nil, issuers: [String]? = nil, fingerprintsSHA256: [String]? = nil
    ) {
        self.allowAll = allowAll
        self.organizations = organizations
        self.organizationalUnits = organizationalUnits
        self.commonNames = commonNames
        self.dnsNames = dnsNames
        self.emails = emails
        self.uris = uris
        self.issuers = issuers
        self.fingerprintsSHA256 = fingerprintsSHA256
    }

    /// The policy used when the block is absent: every client whose chain verified.
    public static let allowAllVerified = ClientPolicyConfig(allowAll: true)
}

/// `client_auth.deny`, validated: leaf serials (uppercase hex, no leading zeros) and SHA-256
/// fingerprints (lowercase hex) refused before any policy rule.
public struct DenyListConfig: Sendable, Equatable {
    public let serials: [String]
    public let fingerprintsSHA256: [String]

    package init(serials: [String] = [], fingerprintsSHA256: [String] = []) {
        self.serials = serials
        self.fingerprintsSHA256 = fingerprintsSHA256
    }

    public static let empty = DenyListConfig()
    public var isEmpty: Bool { serials.isEmpty && fingerprintsSHA256.isEmpty }
}

/// `client_auth.crl_stale`, validated.
public struct CRLStaleConfig: Sendable, Equatable {
    public enum Policy: String, Sendable, Equatable, CaseIterable {
        /// Refuse with `crl_stale` once nextUpdate + grace has passed.
        case reject
        /// Keep using the stale CRL, with a warning in the log.
        case warn
    }

    public let policy: Policy
    /// How long after nextUpdate a stale CRL is still used (with a warning) under `reject`.
    public let grace: Duration

    package init(policy: Policy, grace: Duration) {
        self.policy = policy
        self.grace = grace
    }

    public static let defaults = CRLStaleConfig(policy: ConfigDefaults.crlStalePolicy, grace: ConfigDefaults.crlStaleGrace)
}

/// Top-level `forensics`, validated.
public struct ForensicsConfig: Sendable, Equatable {
    /// JSON-lines file, one record per handshake (absolute); nil = the log only.
    public let path: String?
    /// Where the running process writes the client inventory (absolute); nil = not written.
    public let inventoryPath: String?
    /// Identities kept in the inventory.
    public let inventoryMax: Int
    /// Thresholds before a client certificate's notAfter, longest first.
    public let expiryWarnings: [Duration]

    package init(path: String?, inventoryPath: String?, inventoryMax: Int, expiryWarnings: [Duration]) {
        self.path = path
        self.inventoryPath = inventoryPath
        self.inventoryMax = inventoryMax
        self.expiryWarnings = expiryWarnings
    }

    public static let defaults = ForensicsConfig(
        path: nil, inventoryPath: nil, inventoryMax: ConfigDefaults.inventoryMax,
        expiryWarnings: ConfigDefaults.expiryWarnings
    )
}

/// One label of a host pattern or one segment of a URI path pattern.
public enum PatternPart: Sendable, Equatable {
    case literal(String)
    /// `*`: exactly one whole, non-empty label or segment.
    case one
}

/// A DNS name pattern such as `*.clinic.example.jp`: labels split at `.`, compared
/// case-insensitively (stored lowercase); `*` stands for exactly one whole non-empty label
/// (`*.example.jp` matches `a.example.jp`, not `example.jp` nor `a.b.example.jp`). A `*` inside a
/// label (`a*.example.jp`) and `**` are refused at load.
public struct HostPattern: Sendable, Equatable {
    public let text: String
    public let labels: [PatternPart]

    package init(text: String, labels: [PatternPart]) {
        self.text = text
        self.labels = labels
    }
}

/// A SAN URI pattern, `scheme://host[:port][/path]`, for example
/// `spiffe://medical.example.jp/clinic/*/device/**`.
///
/// Matching rules (the whole contract):
/// - The scheme is compared case-insensitively and has no wildcards.
/// - The host follows `HostPattern` (labels, `*` = one whole label); the port, if written, must
///   be equal. No user-info (`@`).
/// - The path is split at `/`. A literal segment is compared exactly (case-sensitive, no
///   percent-decoding); `*` matches exactly one non-empty segment; `**`, allowed only as the
///   last segment, matches one or more remaining non-empty segments. With neither, the number of
///   segments must be equal: `spiffe://a/b` does not match `spiffe://a/b/c`.
/// - A candidate URI with a query (`?`), a fragment (`#`) or an empty path segment (`//`, a
///   trailing `/`) never matches; patterns may not contain them either.
public struct URIPattern: Sendable, Equatable {
    public let text: String
    /// Lowercase.
    public let scheme: String
    public let host: HostPattern
    public let port: String?
    public let segments: [PatternPart]
    /// The pattern ends in `**`.
    public let matchesRest: Bool

    package init(text: String, scheme: String, host: HostPattern, port: String?, segments: [PatternPart], matchesRest: Bool) {
        self.text = text
        self.scheme = scheme
        self.host = host
        self.port = port
        self.segments = segments
        self.matchesRest = matchesRest
    }
}
