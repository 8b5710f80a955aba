import Foundation
import SekishoConfig
import SekishoCore
import SekishoProxy
import SekishoTLS

/// Values for the client-trust unit tests: identities, hellos, chains and records, built
/// directly (no sockets, no OpenSSL).
enum TrustFixtures {
    static func peer(
        cn: [String] = ["client-a"], o: [String] = ["医療法人テスト会"], ou: [String] = ["Radiology"],
        dns: [String] = [], emails: [String] = [], uris: [String] = [],
        issuer: String = "CN=Sekisho Test Intermediate CA,O=Sekisho Test",
        serial: String = "1A2B3C", sha256: String = String(repeating: "ab", count: 32)
    ) -> PeerIdentity {
        PeerIdentity(
            subject: "CN=\(cn.first ?? "x"),OU=\(ou.first ?? "x"),O=\(o.first ?? "x")", issuer: issuer,
            commonNames: cn, organizations: o, organizationalUnits: ou, dnsNames: dns, ipAddresses: [], uris: uris,
            serialNumberHex: serial, sha256Fingerprint: sha256, notBefore: "2026-01-01T00:00:00Z", notAfter: "2027-01-01T00:00:00Z",
            notBeforeEpochSeconds: 0, notAfterEpochSeconds: 0, signatureAlgorithm: "ecdsa-with-SHA256",
            keyDescription: "EC P-256", chainLength: 3, emailAddresses: emails)
    }

    /// A TLS 1.1-only browser of old: CBC suites, no supported_versions.
    static let tls11Hello = ClientHelloSummary(
        legacyVersion: 0x0302, cipherSuites: [0xC00A, 0xC014, 0x0039, 0xC009, 0xC013, 0x0033, 0x0035, 0x002F, 0x00FF],
        groups: [0x001D, 0x0017, 0x0018], signatureAlgorithms: [], serverName: "localhost")

    /// A current client: TLS 1.3 and 1.2, AEAD suites.
    static let modernHello = ClientHelloSummary(
        legacyVersion: 0x0303, supportedVersions: [0x0304, 0x0303], cipherSuites: [0x1302, 0x1303, 0x1301, 0xC02C, 0xC030, 0xC02B, 0xC02F],
        groups: [0x001D, 0x0017, 0x001E, 0x0018], signatureAlgorithms: [0x0403, 0x0804, 0x0401],
        serverName: "localhost", alpn: ["h2", "http/1.1"])

    static func certificate(
        cn: String, signature: String = "ecdsa-with-SHA256", sha256: String, notAfter: String = "2099-01-01T00:00:00Z"
    ) -> CertificateSummary {
        CertificateSummary(
            subject: "CN=\(cn),O=Sekisho Test Clinic", issuer: "CN=Sekisho Test Intermediate CA,O=Sekisho Test",
            serialHex: "0123ABCD", sha256: sha256, notBefore: "2026-01-01T00:00:00Z", notAfter: notAfter,
            notAfterEpochSeconds: 4_070_908_800, signatureAlgorithm: signature, keyType: "EC", keyBits: 256, keyDescription: "EC P-256")
    }

    static func record(
        at time: Date = Date(timeIntervalSince1970: 1_800_000_000), client: String = "192.0.2.10:50000",
        hello: ClientHelloSummary? = modernHello, chain: [CertificateSummary] = [], reason: String? = nil, detail: String? = nil
    ) -> HandshakeRecord {
        HandshakeForensics.record(
            time: time, listener: "main", client: client, connection: "c1", offered: hello, chain: chain,
            negotiated: NegotiatedParameters(version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", resumed: false, alpn: nil),
            reason: reason, detail: detail)
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sekisho-trust-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
