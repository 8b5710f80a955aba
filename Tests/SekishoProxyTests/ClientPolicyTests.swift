import SekishoConfig
import SekishoProxy
import SekishoTLS
import XCTest

/// The compiled client policy: deny-list first, then every configured rule kind (AND), each
/// list with OR, failing closed with the rule's name.
final class ClientPolicyTests: XCTestCase {
    private func policy(_ yaml: String, deny: String = "") throws -> ClientPolicy {
        let directory = try TrustFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["s.pem", "s.key", "ca.pem"] { _ = FileManager.default.createFile(atPath: "\(directory)/\(file)", contents: Data()) }
        let text = """
            listeners:
              - name: main
                listen: "127.0.0.1:0"
                certificates: [{cert: s.pem, key: s.key}]
                client_auth: {ca: ca.pem\(yaml.isEmpty ? "" : ", policy: \(yaml)")\(deny.isEmpty ? "" : ", deny: \(deny)")}
                upstream: b
            upstreams: [{name: b, servers: ["127.0.0.1:1"]}]
            """
        let config = try ProxyConfig(parsing: text, configDirectory: directory)
        return ClientPolicy(clientAuth: config.listeners[0].clientAuth, listener: "main")
    }

    private func rule(_ decision: PolicyDecision) -> String? {
        if case .deny(let rule, _) = decision { return rule }
        return nil
    }

    func testWithoutAPolicyEveryVerifiedClientIsAllowedAndGetsAProofToken() throws {
        let decision = try policy("").evaluate(TrustFixtures.peer())
        guard case .allow(let verified) = decision else { return XCTFail("\(decision)") }
        XCTAssertEqual(verified.identity?.commonName, "client-a")
        XCTAssertEqual(verified.listener, "main")
        // allow_all admits a certificate-less client too (client_auth.required: false).
        guard case .allow(let anonymous) = try policy("{allow_all: true}").evaluate(nil) else { return XCTFail() }
        XCTAssertNil(anonymous.identity)
    }

    func testEachRuleKindNamesItselfWhenItFails() throws {
        let p = try policy("""
            {issuer: ["CN=Sekisho Test Intermediate CA,O=Sekisho Test"], subject: {o: ["医療法人テスト会"], ou: [Radiology, Cardiology], cn: [client-a, client-b]},
             san: {dns: ["*.clinic.example.jp"], email: [ops@clinic.example.jp], uri: ["spiffe://example.jp/clinic/*/device/**"]}}
            """)
        let good = TrustFixtures.peer(dns: ["a.clinic.example.jp"], emails: ["OPS@clinic.example.jp"], uris: ["spiffe://example.jp/clinic/7/device/x/y"])
        guard case .allow = p.evaluate(good) else { return XCTFail("\(p.evaluate(good))") }
        let cases: [(PeerIdentity, String)] = [
            (TrustFixtures.peer(issuer: "CN=Other CA,O=Elsewhere"), "policy_denied:issuer"),
            (TrustFixtures.peer(o: ["Other Clinic"]), "policy_denied:o"),
            (TrustFixtures.peer(ou: ["Weak"]), "policy_denied:ou"),
            (TrustFixtures.peer(cn: ["client-z"]), "policy_denied:cn"),
            (TrustFixtures.peer(dns: ["a.b.clinic.example.jp"], emails: ["ops@clinic.example.jp"], uris: ["spiffe://example.jp/clinic/7/device/x"]), "policy_denied:san_dns"),
            (TrustFixtures.peer(dns: ["a.clinic.example.jp"], emails: ["x@clinic.example.jp"], uris: ["spiffe://example.jp/clinic/7/device/x"]), "policy_denied:san_email"),
            (TrustFixtures.peer(dns: ["a.clinic.example.jp"], emails: ["ops@clinic.example.jp"], uris: ["spiffe://example.jp/clinic/7/device"]), "policy_denied:san_uri"),
        ]
        for (peer, expected) in cases {
            XCTAssertEqual(rule(p.evaluate(peer)), expected, "\(peer.subject) \(peer.dnsNames) \(peer.uris)")
        }
        XCTAssertEqual(rule(p.evaluate(nil)), "policy_denied:no_certificate")
        if case .deny(_, let detail) = p.evaluate(TrustFixtures.peer(ou: ["Weak"])) {
            XCTAssertEqual(detail, "subject OU [Weak] is not in the allow-list [Radiology, Cardiology]")
        }
    }

    func testFingerprintPinsAndIssuerSpellings() throws {
        let pin = String(repeating: "cd", count: 32)
        let p = try policy("{fingerprints_sha256: [\"\(pin.uppercased())\"], issuer: [\"cn=Sekisho Test Intermediate CA, o=Sekisho Test\"]}")
        guard case .allow = p.evaluate(TrustFixtures.peer(sha256: pin)) else { return XCTFail() }
        XCTAssertEqual(rule(p.evaluate(TrustFixtures.peer())), "policy_denied:fingerprint")
    }

    func testDenyListComesFirstAndCanonicalisesSerials() throws {
        let denied = String(repeating: "ef", count: 32)
        let p = try policy("{allow_all: true}", deny: "{serials: [\"00:1a:2b:3c\"], fingerprints_sha256: [\"\(denied)\"]}")
        XCTAssertEqual(rule(p.evaluate(TrustFixtures.peer(serial: "1A2B3C"))), "denylisted:serial")
        XCTAssertEqual(rule(p.evaluate(TrustFixtures.peer(serial: "01A2B3C"))), "denylisted:serial", "leading zeros do not hide a serial")
        XCTAssertEqual(rule(p.evaluate(TrustFixtures.peer(serial: "99", sha256: denied))), "denylisted:fingerprint")
        guard case .allow = p.evaluate(TrustFixtures.peer(serial: "99")) else { return XCTFail() }
        XCTAssertEqual(ClientPolicy.ruleCodes.count, 11)
    }

    func testURIWildcardsFollowTheDocumentedRules() throws {
        func matches(_ pattern: String, _ uri: String) throws -> Bool {
            try ClientTrustValueParser.uriPattern(pattern).get().matches(uri)
        }
        let table: [(String, String, Bool)] = [
            ("spiffe://example.jp/clinic/*", "spiffe://example.jp/clinic/a", true),
            ("spiffe://example.jp/clinic/*", "spiffe://example.jp/clinic/a/b", false),
            ("spiffe://example.jp/clinic/*", "spiffe://example.jp/clinic", false),
            ("spiffe://example.jp/clinic/*", "spiffe://example.jp/clinic/", false),
            ("spiffe://example.jp/clinic/**", "spiffe://example.jp/clinic/a/b/c", true),
            ("spiffe://example.jp/clinic/**", "spiffe://example.jp/clinic/a", true),
            ("spiffe://example.jp/clinic/**", "spiffe://example.jp/clinic", false),
            ("spiffe://example.jp/clinic/**", "spiffe://example.jp/clinic/a//b", false),
            ("spiffe://*.example.jp/a", "spiffe://tokyo.example.jp/a", true),
            ("spiffe://*.example.jp/a", "spiffe://example.jp/a", false),
            ("spiffe://*.example.jp/a", "spiffe://x.tokyo.example.jp/a", false),
            ("SPIFFE://Example.JP/a", "spiffe://example.jp/a", true),
            ("spiffe://example.jp/A", "spiffe://example.jp/a", false),
            ("spiffe://example.jp/a", "spiffe://example.jp/a?x", false),
            ("spiffe://example.jp/a", "spiffe://example.jp/a#f", false),
            ("spiffe://example.jp:8443/a", "spiffe://example.jp/a", false),
            ("spiffe://example.jp:8443/a", "spiffe://example.jp:8443/a", true),
            ("spiffe://example.jp/a", "https://example.jp/a", false),
            ("spiffe://example.jp/a", "spiffe://user@example.jp/a", false),
        ]
        for (pattern, uri, expected) in table {
            XCTAssertEqual(try matches(pattern, uri), expected, "\(pattern) vs \(uri)")
        }
    }
}
