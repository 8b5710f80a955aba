public import Foundation
public import SekishoTLS
public import SekishoCore

/// One handshake, accepted or refused, as one JSON-lines record: who connected, what the client
/// offered, what it presented, what happened and — for the operator who has to phone the
/// clinic — what to change, in English and Japanese.
///
/// The JSON keys are API (`sekisho report` and outside tools read them); add keys, never rename.
public struct HandshakeRecord: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        case accepted
        case refused
    }

    /// ISO 8601 UTC with milliseconds, e.g. "2026-11-28T03:50:00.123Z".
    public var time: String
    public var listener: String
    /// The client's address and port, e.g. "127.0.0.1:53422" or "[::1]:53422".
    public var client: String
    /// The connection id of the log lines (`conn=`).
    public var connection: String?
    public var outcome: Outcome
    /// "ok" when accepted; otherwise the refusal code (`protocol_version`, `weak_signature_sha1`,
    /// `policy_denied:ou`, `denylisted:serial`, `crl_stale`, `handshake_timeout`, …).
    public var reason: String
    public var detail: String?
    /// What to change, for the operator (English), and the same in Japanese.
    public var hint: String?
    public var hintJA: String?
    /// Nil when the connection ended before a ClientHello was read.
    public var offered: OfferedParameters?
    /// Set for accepted handshakes.
    public var negotiated: NegotiatedParameters?
    /// The client's chain as presented, leaf first; empty when none was sent.
    public var chain: [PresentedCertificate]
    /// SHA-256 of the presented leaf: the client identity the inventory and the report group by.
    public var identity: String?
    /// Non-fatal findings, e.g. a stale CRL accepted within its grace period.
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case time, listener, client, connection, outcome, reason, detail, hint
        case hintJA = "hint_ja"
        case offered, negotiated, chain, identity, warnings
    }

    public init(
        time: String, listener: String, client: String, connection: String?, outcome: Outcome, reason: String,
        detail: String?, hint: String?, hintJA: String?, offered: OfferedParameters?, negotiated: NegotiatedParameters?,
        chain: [PresentedCertificate], identity: String?, warnings: [String]
    ) {
        self.time = time
        self.listener = listener
        self.client = client
        self.connection = connection
        self.outcome = outcome
        self.reason = reason
        self.detail = detail
        self.hint = hint
        self.hintJA = hintJA
        self.offered = offered
        self.negotiated = negotiated
        self.chain = chain
        self.identity = identity
        self.warnings = warnings
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decode(String.self, forKey: .time)
        listener = try c.decodeIfPresent(String.self, forKey: .listener) ?? ""
        client = try c.decodeIfPresent(String.self, forKey: .client) ?? ""
        connection = try c.decodeIfPresent(String.self, forKey: .connection)
        outcome = try c.decode(Outcome.self, forKey: .outcome)
        reason = try c.decode(String.self, forKey: .reason)
        detail = try c.decodeIfPresent(String.self, forKey: .detail)
        hint = try c.decodeIfPresent(String.self, forKey: .hint)
        hintJA = try c.decodeIfPresent(String.self, forKey: .hintJA)
        offered = try c.decodeIfPresent(OfferedParameters.self, forKey: .offered)
        negotiated = try c.decodeIfPresent(NegotiatedParameters.self, forKey: .negotiated)
        chain = try c.decodeIfPresent([PresentedCertificate].self, forKey: .chain) ?? []
        identity = try c.decodeIfPresent(String.self, forKey: .identity)
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }

    /// The subject CN of the leaf, for tables.
    public var commonName: String? {
        chain.first.flatMap { PresentedCertificate.attribute("CN", of: $0.subject) }
    }

    /// The client address without its port ("127.0.0.1", "::1").
    public var clientHost: String {
        if client.hasPrefix("["), let close = client.firstIndex(of: "]") {
            return String(client[client.index(after: client.startIndex)..<close])
        }
        if let colon = client.lastIndex(of: ":"), client.firstIndex(of: ":") == colon {
            return String(client[..<colon])
        }
        return client
    }
}

/// The ClientHello as recorded (`ClientHelloSummary`), with readable names.
public struct OfferedParameters: Codable, Sendable, Equatable {
    public struct Suite: Codable, Sendable, Equatable {
        /// "0xC02B".
        public var code: String
        /// IANA name, or the code again when unknown.
        public var name: String

        public init(code: String, name: String) {
            self.code = code
            self.name = name
        }
    }

    public var legacyVersion: String
    /// Offered versions, highest first (supported_versions when sent).
    public var versions: [String]
    public var supportedVersionsExtension: Bool
    public var highestVersion: String
    /// True when nothing offered reaches TLS 1.2.
    public var onlyLegacyVersions: Bool
    public var cipherSuites: [Suite]
    /// How many offered suites the cryptrec-high profile accepts.
    public var profileCipherSuites: Int
    public var groups: [String]
    public var profileGroups: Int
    public var signatureAlgorithms: [String]
    public var sni: String?
    public var alpn: [String]

    enum CodingKeys: String, CodingKey {
        case legacyVersion = "legacy_version"
        case versions
        case supportedVersionsExtension = "supported_versions_extension"
        case highestVersion = "highest_version"
        case onlyLegacyVersions = "only_legacy_versions"
        case cipherSuites = "cipher_suites"
        case profileCipherSuites = "profile_cipher_suites"
        case groups
        case profileGroups = "profile_groups"
        case signatureAlgorithms = "signature_algorithms"
        case sni, alpn
    }

    public init(_ hello: ClientHelloSummary) {
        legacyVersion = TLSNames.version(hello.legacyVersion)
        versions = hello.offeredVersionNames
        supportedVersionsExtension = !hello.supportedVersions.isEmpty
        highestVersion = TLSNames.version(hello.highestVersion)
        onlyLegacyVersions = hello.offersOnlyLegacyVersions
        cipherSuites = hello.cipherSuites.filter { !TLSNames.isSignallingSuite($0) }
            .map { Suite(code: TLSNames.hex($0), name: TLSNames.cipherSuite($0)) }
        profileCipherSuites = hello.profileCipherSuites.count
        groups = hello.groupNames
        profileGroups = hello.profileGroups.count
        signatureAlgorithms = hello.signatureAlgorithmNames
        sni = hello.serverName
        alpn = hello.alpn
    }
}

/// What the accepted handshake settled on.
public struct NegotiatedParameters: Codable, Sendable, Equatable {
    public var version: String
    public var cipher: String
    public var resumed: Bool
    public var alpn: String?

    public init(version: String, cipher: String, resumed: Bool, alpn: String?) {
        self.version = version
        self.cipher = cipher
        self.resumed = resumed
        self.alpn = alpn
    }
}

/// One presented certificate (`CertificateSummary`) under the record's snake_case keys.
public struct PresentedCertificate: Codable, Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var serial: String
    public var sha256: String
    public var notBefore: String
    public var notAfter: String
    public var signatureAlgorithm: String
    public var keyType: String
    public var keyBits: Int

    enum CodingKeys: String, CodingKey {
        case subject, issuer, serial, sha256
        case notBefore = "not_before"
        case notAfter = "not_after"
        case signatureAlgorithm = "signature_algorithm"
        case keyType = "key_type"
        case keyBits = "key_bits"
    }

    public init(_ c: CertificateSummary) {
        subject = c.subject
        issuer = c.issuer
        serial = c.serialHex
        sha256 = c.sha256
        notBefore = c.notBefore
        notAfter = c.notAfter
        signatureAlgorithm = c.signatureAlgorithm
        keyType = c.keyType
        keyBits = c.keyBits
    }

    /// The first value of `type` in an RFC 4514 name ("CN" of "CN=a,O=b" is "a").
    static func attribute(_ type: String, of name: String) -> String? {
        for part in name.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            if pieces.count == 2, pieces[0].trimmingCharacters(in: .whitespaces).uppercased() == type {
                return String(pieces[1])
            }
        }
        return nil
    }
}

/// Builds records and their remediation hints. Pure: everything comes in as values.
public enum HandshakeForensics {
    /// A record for one handshake. `reason` is nil for an accepted handshake.
    public static func record(
        time: Date, listener: String, client: String, connection: String?,
        offered: ClientHelloSummary?, chain: [CertificateSummary],
        negotiated: NegotiatedParameters?, reason: String?, detail: String?,
        acceptedVersions: [TLSProtocolVersion] = CryptrecHighProfile.versions, warnings: [String] = []
    ) -> HandshakeRecord {
        let hint = reason.map { RemediationHint.for(reason: $0, offered: offered, acceptedVersions: acceptedVersions) }
        return HandshakeRecord(
            time: timestamp(time), listener: listener, client: client, connection: connection,
            outcome: reason == nil ? .accepted : .refused, reason: reason ?? "ok", detail: detail,
            hint: hint?.english, hintJA: hint?.japanese, offered: offered.map(OfferedParameters.init),
            negotiated: reason == nil ? negotiated : nil, chain: chain.map(PresentedCertificate.init),
            identity: chain.first?.sha256, warnings: warnings
        )
    }

    /// One JSON object and a newline. Keys sorted, so records diff and grep predictably.
    public static func jsonLine(_ record: HandshakeRecord) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(record)) ?? Data("{}".utf8)
        data.append(0x0A)
        return data
    }

    /// "2026-11-28T03:50:00.123Z".
    public static func timestamp(_ date: Date) -> String {
        ISO8601Timestamp.format(date)
    }

    /// Parses `timestamp(_:)` output (and plain second-precision ISO 8601).
    public static func date(_ text: String) -> Date? {
        ISO8601Timestamp.parse(text)
    }
}
