import XCTest
import SekishoCore
import SekishoConfig

/// The client-trust keys: `client_auth.policy` / `deny` / `crl_stale`, `tls.session_ticket_key_file`,
/// `mode: readiness` and `forensics`, with their exact error texts.
final class ClientTrustConfigTests: XCTestCase {
    private func clientAuth(_ extra: String) -> String {
        ConfigDocument.make(listener: ["client_auth": "{ca: client-ca.pem, \(extra)}"])
    }

    // MARK: Policy

    func testAbsentPolicyAdmitsEveryVerifiedClient() throws {
        let dir = try PlaceholderDirectory()
        let config = try XCTUnwrap(parseValid(ConfigDocument.make(), in: dir))
        let auth = config.listeners[0].clientAuth
        XCTAssertEqual(auth.policy, .allowAllVerified)
        XCTAssertTrue(auth.policy.allowAll)
        XCTAssertEqual(auth.deny, .empty)
        XCTAssertEqual(auth.crlStale, CRLStaleConfig.defaults)
        XCTAssertEqual(auth.crlStale.policy, .reject)
        XCTAssertEqual(auth.crlStale.grace, .seconds(86_400))
        XCTAssertEqual(config.listeners[0].mode, .proxy)
        XCTAssertNil(config.listeners[0].sessionTicketKeyPath)
        XCTAssertEqual(config.forensics, .defaults)
    }

    func testPolicyRulesAreParsedAndNormalised() throws {
        let dir = try PlaceholderDirectory()
        let yaml = clientAuth("""
            policy: {subject: {o: ["医療法人テスト会"], ou: [Radiology, Cardiology]},
                     san: {dns: ["*.clinic.example.jp"], email: [Ops@Clinic.example.jp], uri: ["spiffe://example.jp/clinic/*/device/**"]},
                     issuer: ["cn = Sekisho Test Intermediate CA, o=Sekisho Test"],
                     fingerprints_sha256: ["AB:CD:\(String(repeating: "EF:", count: 29))01"]}
            """)
        let policy = try XCTUnwrap(parseValid(yaml, in: dir)).listeners[0].clientAuth.policy
        XCTAssertFalse(policy.allowAll)
        XCTAssertEqual(policy.organizations, ["医療法人テスト会"])
        XCTAssertEqual(policy.organizationalUnits, ["Radiology", "Cardiology"])
        XCTAssertNil(policy.commonNames, "an absent list is no rule, not an empty one")
        XCTAssertEqual(policy.dnsNames?.first?.labels, [.one, .literal("clinic"), .literal("example"), .literal("jp")])
        XCTAssertEqual(policy.emails, ["ops@clinic.example.jp"])
        let uri = try XCTUnwrap(policy.uris?.first)
        XCTAssertEqual(uri.scheme, "spiffe")
        XCTAssertEqual(uri.segments, [.literal("clinic"), .one, .literal("device")])
        XCTAssertTrue(uri.matchesRest)
        XCTAssertEqual(policy.issuers, ["CN=Sekisho Test Intermediate CA,O=Sekisho Test"])
        XCTAssertEqual(policy.fingerprintsSHA256, ["abcd" + String(repeating: "ef", count: 29) + "01"])
    }

    func testEmptyOrContradictoryPoliciesFailClosedWithAClearMessage() throws {
        let dir = try PlaceholderDirectory()
        let p = "listeners[0].client_auth.policy"
        let empty = "\(p): empty policy: it would refuse every client. List who may connect (subject, san, issuer, fingerprints_sha256), or write 'allow_all: true' to admit every client whose certificate verifies"
        assertIssueTable([
            ("empty block", clientAuth("policy: {}"), [empty]),
            ("allow_all false", clientAuth("policy: {allow_all: false}"), [empty]),
            ("allow_all with rules", clientAuth("policy: {allow_all: true, subject: {cn: [a]}}"), [
                "\(p).allow_all: allow_all: true cannot be combined with other rules (remove allow_all, or the rules)",
            ]),
            ("empty subject", clientAuth("policy: {subject: {}}"), ["\(p).subject: empty: list at least one of o, ou, cn (or remove subject)"]),
            ("empty san", clientAuth("policy: {san: {}}"), ["\(p).san: empty: list at least one of dns, email, uri (or remove san)"]),
            ("empty list", clientAuth("policy: {subject: {ou: []}}"), [
                "\(p).subject.ou: an empty list would refuse every client; list at least one value or remove the key",
            ]),
            ("empty value", clientAuth("policy: {subject: {cn: [a, \"\"]}}"), ["\(p).subject.cn[1]: must not be empty"]),
            // The typo is the one problem reported: the block it emptied is not blamed twice.
            ("unknown key", clientAuth("policy: {subject: {c: [JP]}}"), ["\(p).subject.c: unknown key (did you mean 'o'?)"]),
        ], in: dir)
    }

    func testPatternAndValueErrorsNameTheEntry() throws {
        let dir = try PlaceholderDirectory()
        let p = "listeners[0].client_auth.policy"
        assertIssueTable([
            ("uri errors", clientAuth("policy: {san: {uri: [\"spiffe://a/**/b\", \"spiffe://a/x*\", \"clinic-a\", \"spiffe://a/b?x=1\", \"spiffe://**.a/b\", \"spiffe://a//b\"]}}"), [
                "\(p).san.uri[0]: 'spiffe://a/**/b': '**' is only allowed as the last path segment",
                "\(p).san.uri[1]: 'spiffe://a/x*': '*' and '**' must be a whole path segment (found 'x*')",
                "\(p).san.uri[2]: 'clinic-a' is not a URI pattern: write scheme://host/path, e.g. spiffe://example.jp/clinic/*",
                "\(p).san.uri[3]: 'spiffe://a/b?x=1': '?' and '#' are not allowed (queries and fragments are never matched)",
                "\(p).san.uri[4]: 'spiffe://**.a/b': host '**' is not allowed in a host name ('*' matches one label)",
                "\(p).san.uri[5]: 'spiffe://a//b' has an empty path segment ('//' or a trailing '/')",
            ]),
            ("dns errors", clientAuth("policy: {san: {dns: [\"a*.example.jp\", \"a..jp\"]}}"), [
                "\(p).san.dns[0]: '*' must be a whole label (found 'a*' in 'a*.example.jp')",
                "\(p).san.dns[1]: 'a..jp' has an empty label",
            ]),
            ("issuer and pins", clientAuth("policy: {issuer: [\"Example CA\"], fingerprints_sha256: [abc]}"), [
                "\(p).issuer[0]: 'Example CA' is not a distinguished name: write it as sekisho logs it, e.g. CN=Example Clinic CA,O=Example",
                "\(p).fingerprints_sha256[0]: 'abc' is not a SHA-256 fingerprint (64 hex digits; colons allowed)",
            ]),
        ], in: dir)
    }

    // MARK: Deny-list and stale CRLs

    func testDenyListIsNormalisedToTheLoggedForms() throws {
        let dir = try PlaceholderDirectory()
        let pin = String(repeating: "A1", count: 32)
        let yaml = clientAuth("deny: {serials: [\"00:1a:2B\", \"0x0F\"], fingerprints_sha256: [\"\(pin)\"]}")
        let deny = try XCTUnwrap(parseValid(yaml, in: dir)).listeners[0].clientAuth.deny
        XCTAssertEqual(deny.serials, ["1A2B", "F"])
        XCTAssertEqual(deny.fingerprintsSHA256, [pin.lowercased()])
        assertIssueTable([
            ("bad serial", clientAuth("deny: {serials: [xyz, \"\(String(repeating: "1", count: 41))\"]}"), [
                "listeners[0].client_auth.deny.serials[0]: 'xyz' is not a serial number in hex (e.g. 1A2B3C or 1a:2b:3c, at most 20 octets)",
                "listeners[0].client_auth.deny.serials[1]: '\(String(repeating: "1", count: 41))' is not a serial number in hex (e.g. 1A2B3C or 1a:2b:3c, at most 20 octets)",
            ]),
        ], in: dir)
    }

    func testStaleCRLPolicy() throws {
        let dir = try PlaceholderDirectory()
        let warn = try XCTUnwrap(parseValid(clientAuth("crl_stale: {policy: warn, grace: 2d}"), in: dir))
        XCTAssertEqual(warn.listeners[0].clientAuth.crlStale, CRLStaleConfig(policy: .warn, grace: .seconds(172_800)))
        let zero = try XCTUnwrap(parseValid(clientAuth("crl_stale: {grace: 0}"), in: dir))
        XCTAssertEqual(zero.listeners[0].clientAuth.crlStale.grace, .zero)
        XCTAssertEqual(zero.listeners[0].clientAuth.crlStale.policy, .reject)
        assertIssueTable([
            ("bad values", clientAuth("crl_stale: {policy: ignore, grace: soon}"), [
                "listeners[0].client_auth.crl_stale.policy: 'ignore' is not a stale-CRL policy (allowed: reject, warn)",
                "listeners[0].client_auth.crl_stale.grace: 'soon' is not a duration: write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)",
            ]),
        ], in: dir)
    }

    func testVerificationCacheDuration() throws {
        let dir = try PlaceholderDirectory()
        let absent = try XCTUnwrap(parseValid(ConfigDocument.make(), in: dir))
        XCTAssertEqual(absent.listeners[0].clientAuth.verificationCache, .seconds(300))
        let off = try XCTUnwrap(parseValid(clientAuth("verification_cache: 0"), in: dir))
        XCTAssertEqual(off.listeners[0].clientAuth.verificationCache, .zero)
        let hour = try XCTUnwrap(parseValid(clientAuth("verification_cache: 1h"), in: dir))
        XCTAssertEqual(hour.listeners[0].clientAuth.verificationCache, .seconds(3_600))
        assertIssueTable([
            ("too long", clientAuth("verification_cache: 61m"), [
                "listeners[0].client_auth.verification_cache: '61m' is longer than the maximum of 1h",
            ]),
            ("not whole seconds", clientAuth("verification_cache: 1500ms"), [
                "listeners[0].client_auth.verification_cache: '1500ms' is not a whole number of seconds",
            ]),
            ("not a duration", clientAuth("verification_cache: forever"), [
                "listeners[0].client_auth.verification_cache: 'forever' is not a duration: write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)",
            ]),
        ], in: dir)
    }

    func testDaysAreADurationUnitEverywhere() throws {
        let dir = try PlaceholderDirectory()
        let config = try XCTUnwrap(parseValid(ConfigDocument.make(listener: ["timeouts": "{idle: 1d}"]), in: dir))
        XCTAssertEqual(config.listeners[0].idleTimeout, .seconds(86_400))
    }

    // MARK: Ticket key and readiness

    func testSessionTicketKeyFileMustExist() throws {
        let dir = try PlaceholderDirectory(files: PlaceholderDirectory.fileNames + ["ticket.key"])
        let config = try XCTUnwrap(parseValid(ConfigDocument.make(listener: ["tls": "{session_ticket_key_file: ticket.key}"]), in: dir))
        XCTAssertEqual(config.listeners[0].sessionTicketKeyPath, dir.file("ticket.key"))
        assertIssueTable([
            ("missing", ConfigDocument.make(listener: ["tls": "{session_ticket_key_file: nope.key}"]), [
                "listeners[0].tls.session_ticket_key_file: file 'nope.key' does not exist",
            ]),
        ], in: dir)
    }

    func testReadinessListenerNeedsNoUpstreamAndRefusesForwardingKeys() throws {
        let dir = try PlaceholderDirectory()
        let ok = ConfigDocument.make(listener: ["upstream": nil, "mode": "readiness"])
        let config = try XCTUnwrap(parseValid(ok, in: dir))
        XCTAssertEqual(config.listeners[0].mode, .readiness)
        XCTAssertEqual(config.listeners[0].upstreamName, "")
        let bad = ConfigDocument.make(listener: [
            "mode": "readiness", "tls": "{versions: [TLSv1.3]}",
            "client_auth": "{ca: client-ca.pem, required: false, policy: {allow_all: true}, deny: {serials: [\"01\"]}}",
        ])
        assertIssueTable([
            ("forwarding keys", bad, [
                "listeners[0].upstream: a readiness listener forwards nothing; remove this key",
                "listeners[0].tls: a readiness listener accepts every version and suite on purpose; remove this key",
                "listeners[0].client_auth.policy: a readiness listener refuses nobody; remove this key",
                "listeners[0].client_auth.deny: a readiness listener refuses nobody; remove this key",
                "listeners[0].client_auth.required: a readiness listener requests a certificate and never requires one; remove this key",
            ]),
            ("unknown mode", ConfigDocument.make(listener: ["mode": "check"]), [
                "listeners[0].mode: 'check' is not a listener mode (allowed: proxy, readiness)",
            ]),
        ], in: dir)
    }

    // MARK: Forensics

    func testForensicsBlock() throws {
        let dir = try PlaceholderDirectory()
        let yaml = ConfigDocument.make(top: "forensics: {path: handshakes.jsonl, inventory_path: inventory.json, inventory_max: 50, expiry_warnings: [7d, 30d, 12h]}\n")
        let forensics = try XCTUnwrap(parseValid(yaml, in: dir)).forensics
        XCTAssertEqual(forensics.path, dir.file("handshakes.jsonl"))
        XCTAssertEqual(forensics.inventoryPath, dir.file("inventory.json"))
        XCTAssertEqual(forensics.inventoryMax, 50)
        XCTAssertEqual(forensics.expiryWarnings, [.seconds(30 * 86_400), .seconds(7 * 86_400), .seconds(12 * 3_600)], "longest first")
        XCTAssertEqual(ForensicsConfig.defaults.expiryWarnings, [.seconds(30 * 86_400), .seconds(7 * 86_400)])
        assertIssueTable([
            ("bad values", ConfigDocument.make(top: "forensics: {path: nowhere/x.jsonl, inventory_path: a-directory.pem, inventory_max: 0, expiry_warnings: [7d, 168h, never]}\n"), [
                "forensics.path: the folder of 'nowhere/x.jsonl' does not exist",
                "forensics.inventory_path: 'a-directory.pem' is a directory, not a file",
                "forensics.inventory_max: must be from 1 to 1000000 (found 0)",
                "forensics.expiry_warnings[1]: '168h' is the same threshold as expiry_warnings[0]",
                "forensics.expiry_warnings[2]: 'never' is not a duration: write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)",
            ]),
            ("same file", ConfigDocument.make(top: "forensics: {path: x.jsonl, inventory_path: ./x.jsonl}\n"), [
                "forensics.inventory_path: must differ from forensics.path (one file cannot hold both)",
            ]),
            ("unknown key", ConfigDocument.make(top: "forensics: {paht: x.jsonl}\n"), ["forensics.paht: unknown key (did you mean 'path'?)"]),
        ], in: dir)
    }

    // MARK: The value parsers directly

    func testURIPatternsParseAsDocumented() throws {
        let pattern = try ClientTrustValueParser.uriPattern("SPIFFE://*.Example.jp:8443/a/*").get()
        XCTAssertEqual(pattern.scheme, "spiffe")
        XCTAssertEqual(pattern.host.labels, [.one, .literal("example"), .literal("jp")])
        XCTAssertEqual(pattern.port, "8443")
        XCTAssertEqual(pattern.segments, [.literal("a"), .one])
        XCTAssertFalse(pattern.matchesRest)
        let bare = try ClientTrustValueParser.uriPattern("urn-x://host").get()
        XCTAssertEqual(bare.segments, [])
        XCTAssertEqual(DistinguishedName.normalize("cn=a\\, b ,  o = X"), "CN=a\\, b,O=X")
        XCTAssertNil(DistinguishedName.normalize("CN=a,,O=b"))
    }
}
