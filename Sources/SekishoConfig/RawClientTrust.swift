// Raw (as-written) shapes of the client-trust keys: `client_auth.policy`, `client_auth.deny`,
// `client_auth.crl_stale` and the top-level `forensics` block. Validated in
// ConfigValidator+ClientTrust.swift into the types of ClientTrustSettings.swift; every key is
// documented in docs/CONFIGURATION.md.

/// `listeners[].client_auth.policy`: who may connect, among clients whose chain verified.
/// Absent: every verified client. Present: it must say something (`allow_all: true`, or at least
/// one rule), because an empty policy would silently refuse everyone. Rules of different kinds
/// must all match (AND); within one list any entry may match (OR).
/// - `allow_all` (bool): admit every verified client; may not be combined with rules
/// - `subject` (`RawSubjectRules`): `o`, `ou`, `cn` lists
/// - `san` (`RawSANRules`): `dns`, `email`, `uri` lists (DNS and URI with `*`/`**` wildcards)
/// - `issuer` (list of DNs, RFC 4514 as sekisho logs them: `CN=Clinic CA,O=Example`)
/// - `fingerprints_sha256` (list of hex SHA-256 fingerprints of allowed leaf certificates)
public struct RawClientPolicy: Decodable, Sendable, Equatable {
    public var allowAll: Bool?
    public var subject: RawSubjectRules?
    public var san: RawSANRules?
    public var issuer: [String]?
    public var fingerprintsSHA256: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allowAll = "allow_all"
        case subject, san, issuer
        case fingerprintsSHA256 = "fingerprints_sha256"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        allowAll = try c.lenient(Bool.self, forKey: .allowAll)
        subject = try c.lenient(RawSubjectRules.self, forKey: .subject)
        san = try c.lenient(RawSANRules.self, forKey: .san)
        issuer = try c.lenient([String].self, forKey: .issuer)
        fingerprintsSHA256 = try c.lenient([String].self, forKey: .fingerprintsSHA256)
    }
}

/// `client_auth.policy.subject`: exact, case-sensitive values of the leaf's subject attributes.
public struct RawSubjectRules: Decodable, Sendable, Equatable {
    public var o: [String]?
    public var ou: [String]?
    public var cn: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case o, ou, cn
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        o = try c.lenient([String].self, forKey: .o)
        ou = try c.lenient([String].self, forKey: .ou)
        cn = try c.lenient([String].self, forKey: .cn)
    }
}

/// `client_auth.policy.san`: subjectAltName entries of the leaf.
public struct RawSANRules: Decodable, Sendable, Equatable {
    public var dns: [String]?
    public var email: [String]?
    public var uri: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dns, email, uri
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        dns = try c.lenient([String].self, forKey: .dns)
        email = try c.lenient([String].self, forKey: .email)
        uri = try c.lenient([String].self, forKey: .uri)
    }
}

/// `client_auth.deny`: the emergency deny-list, checked before the policy (reload-safe, so a
/// SIGHUP makes it take effect for every new handshake, resumed ones included).
/// - `serials` (list of hex serial numbers of leaf certificates; colons allowed)
/// - `fingerprints_sha256` (list of hex SHA-256 fingerprints of leaf certificates)
public struct RawDenyList: Decodable, Sendable, Equatable {
    public var serials: [String]?
    public var fingerprintsSHA256: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case serials
        case fingerprintsSHA256 = "fingerprints_sha256"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        serials = try c.lenient([String].self, forKey: .serials)
        fingerprintsSHA256 = try c.lenient([String].self, forKey: .fingerprintsSHA256)
    }
}

/// `client_auth.crl_stale`: what to do when a CRL is past its nextUpdate.
/// - `policy` (`reject` | `warn`, default reject)
/// - `grace` (duration, `0` allowed, default 24h)
public struct RawCRLStale: Decodable, Sendable, Equatable {
    public var policy: String?
    public var grace: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case policy, grace
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        policy = try c.lenient(String.self, forKey: .policy)
        grace = try c.lenient(String.self, forKey: .grace)
    }
}

/// Top-level `forensics`: one record per handshake, and the client inventory.
/// - `path` (file, JSON lines; default none: records only go to the log)
/// - `inventory_path` (file the client inventory is written to; default none)
/// - `inventory_max` (int 1..1000000, default 10000: identities kept, least recently seen dropped)
/// - `expiry_warnings` (list of durations, default [30d, 7d])
public struct RawForensics: Decodable, Sendable, Equatable {
    public var path: String?
    public var inventoryPath: String?
    public var inventoryMax: Int?
    public var expiryWarnings: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path
        case inventoryPath = "inventory_path"
        case inventoryMax = "inventory_max"
        case expiryWarnings = "expiry_warnings"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        path = try c.lenient(String.self, forKey: .path)
        inventoryPath = try c.lenient(String.self, forKey: .inventoryPath)
        inventoryMax = try c.lenient(Int.self, forKey: .inventoryMax)
        expiryWarnings = try c.lenient([String].self, forKey: .expiryWarnings)
    }
}
