import SekishoConfig
import XCTest

/// `listeners[].routes[].client_policy`: the schema and messages of `client_auth.policy`, under
/// the route's own key path.
final class RoutePolicyConfigTests: XCTestCase {
    private static let upstreams = """
        upstreams:
          - {name: backend, servers: ["127.0.0.1:8080"], protocol: http1}
          - {name: pacs, servers: ["127.0.0.1:8081"], protocol: http1}

        """

    /// Route 0 is open; route 1 carries `policy` (flow style).
    private func routes(_ policy: String) -> String {
        ConfigDocument.make(listener: ["routes": """
            [{path_prefix: /open/, upstream: backend},
             {path_prefix: /radiology/, upstream: pacs, client_policy: \(policy)}]
            """], upstreams: Self.upstreams)
    }

    func testRoutePolicyIsParsedLikeTheListenerPolicy() throws {
        let dir = try PlaceholderDirectory()
        let yaml = routes("{subject: {ou: [Radiology], o: [\"医療法人テスト会\"]}, san: {uri: [\"spiffe://example.jp/clinic/*\"]}}")
        let listener = try XCTUnwrap(parseValid(yaml, in: dir)).listeners[0]
        XCTAssertEqual(listener.routes.count, 2)
        XCTAssertNil(listener.routes[0].clientPolicy, "a route without client_policy adds nothing")
        let policy = try XCTUnwrap(listener.routes[1].clientPolicy)
        XCTAssertFalse(policy.allowAll)
        XCTAssertEqual(policy.organizationalUnits, ["Radiology"])
        XCTAssertEqual(policy.organizations, ["医療法人テスト会"])
        XCTAssertNil(policy.commonNames)
        XCTAssertEqual(policy.uris?.first?.segments, [.literal("clinic"), .one])
        XCTAssertEqual(listener.clientAuth.policy, .allowAllVerified, "the listener's policy is untouched")
        XCTAssertEqual(listener.routes[1], RouteConfig(host: nil, pathPrefix: "/radiology/", upstreamName: "pacs", clientPolicy: policy))

        let open = try XCTUnwrap(parseValid(routes("{allow_all: true}"), in: dir)).listeners[0]
        XCTAssertEqual(open.routes[1].clientPolicy, .allowAllVerified)
    }

    func testRoutePolicyErrorsNameTheRouteKey() throws {
        let dir = try PlaceholderDirectory()
        let p = "listeners[0].routes[1].client_policy"
        assertIssueTable([
            ("empty block", routes("{}"), [
                "\(p): empty policy: it would refuse every client. List who may connect (subject, san, issuer, fingerprints_sha256), or write 'allow_all: true' to admit every client whose certificate verifies",
            ]),
            ("allow_all false", routes("{allow_all: false}"), [
                "\(p): empty policy: it would refuse every client. List who may connect (subject, san, issuer, fingerprints_sha256), or write 'allow_all: true' to admit every client whose certificate verifies",
            ]),
            ("empty value", routes("{subject: {ou: [\"\"]}}"), ["\(p).subject.ou[0]: must not be empty"]),
            ("empty list", routes("{subject: {cn: []}}"), [
                "\(p).subject.cn: an empty list would refuse every client; list at least one value or remove the key",
            ]),
            ("empty subject", routes("{subject: {}}"), ["\(p).subject: empty: list at least one of o, ou, cn (or remove subject)"]),
            ("allow_all with rules", routes("{allow_all: true, issuer: [\"CN=A\"]}"), [
                "\(p).allow_all: allow_all: true cannot be combined with other rules (remove allow_all, or the rules)",
            ]),
            ("bad patterns", routes("{san: {dns: [\"a*.example.jp\"], uri: [\"spiffe://a/**/b\"]}, fingerprints_sha256: [abc]}"), [
                "\(p).san.dns[0]: '*' must be a whole label (found 'a*' in 'a*.example.jp')",
                "\(p).san.uri[0]: 'spiffe://a/**/b': '**' is only allowed as the last path segment",
                "\(p).fingerprints_sha256[0]: 'abc' is not a SHA-256 fingerprint (64 hex digits; colons allowed)",
            ]),
            ("unknown key", routes("{subject: {c: [JP]}}"), ["\(p).subject.c: unknown key (did you mean 'o'?)"]),
            ("not a mapping", routes("[Radiology]"), [
                "\(p): expected a mapping of keys to values",
            ]),
        ], in: dir)
    }

    func testABadPolicyDoesNotHideOtherRouteErrors() throws {
        let dir = try PlaceholderDirectory()
        let yaml = ConfigDocument.make(listener: ["routes": """
            [{path_prefix: /a/, upstream: nowhere, client_policy: {subject: {ou: []}}}]
            """], upstreams: Self.upstreams)
        XCTAssertEqual(issues(of: yaml, in: dir), [
            "listeners[0].routes[0].upstream: no upstream named 'nowhere' (known: backend, pacs)",
            "listeners[0].routes[0].client_policy.subject.ou: an empty list would refuse every client; list at least one value or remove the key",
        ])
    }
}
