import Foundation
import SekishoConfig
import SekishoTLS
import XCTest
@testable import SekishoProxy

/// Route policies as the request path sees them: compiled by `Router(listener:)` once per
/// generation, found with the matched route, evaluated on the connection's client.
final class RoutePolicyTests: XCTestCase {
    private func router(_ routes: String, clientAuth: String = "{ca: ca.pem}") throws -> Router {
        let directory = try TrustFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["s.pem", "s.key", "ca.pem"] { _ = FileManager.default.createFile(atPath: "\(directory)/\(file)", contents: Data()) }
        let text = """
            listeners:
              - name: main
                listen: "127.0.0.1:0"
                certificates: [{cert: s.pem, key: s.key}]
                client_auth: \(clientAuth)
                upstream: web
                routes: \(routes)
            upstreams:
              - {name: web, servers: ["127.0.0.1:1"], protocol: http1}
              - {name: pacs, servers: ["127.0.0.1:2"], protocol: http1}
            """
        let config = try ProxyConfig(parsing: text, configDirectory: directory)
        return Router(listener: config.listeners[0])
    }

    private func outcome(_ router: Router, target: String, peer: PeerIdentity?) -> String {
        guard let route = router.route(host: "a.example.jp", target: target) else { return "default" }
        guard let policy = route.policy else { return "\(route.label) open" }
        switch policy.evaluate(peer) {
        case .allow: return "\(route.label) allow"
        case .deny(let rule, _): return "\(route.label) \(rule)"
        }
    }

    func testRoutePolicyIsFoundWithItsRouteAndRefusesByRuleName() throws {
        let router = try router("""
            [{path_prefix: /radiology/, upstream: pacs, client_policy: {subject: {ou: [Radiology]}}},
             {path_prefix: /cardio/, upstream: pacs, client_policy: {subject: {ou: [Cardiology]}, san: {dns: ["*.clinic.example.jp"]}}},
             {path_prefix: /, upstream: web}]
            """)
        let radiology = TrustFixtures.peer(ou: ["Radiology"])
        let cardiology = TrustFixtures.peer(ou: ["Cardiology"], dns: ["a.clinic.example.jp"])
        let cardiologyNoSAN = TrustFixtures.peer(ou: ["Cardiology"])
        let rows: [(target: String, peer: PeerIdentity?, expected: String)] = [
            ("/radiology/images/1", radiology, "routes[0] allow"),
            ("/radiology/images/1", cardiology, "routes[0] policy_denied:ou"),
            ("/radiology/", nil, "routes[0] policy_denied:no_certificate"),
            ("/cardio/x?y=1", cardiology, "routes[1] allow"),
            ("/cardio/x", cardiologyNoSAN, "routes[1] policy_denied:san_dns"),
            ("/cardio/x", radiology, "routes[1] policy_denied:ou"),
            ("/", cardiology, "routes[2] open"),
            ("/radiology", cardiology, "routes[2] open"),  // not under /radiology/
        ]
        for row in rows {
            XCTAssertEqual(outcome(router, target: row.target, peer: row.peer), row.expected, row.target)
        }
        XCTAssertEqual(router.upstream(host: nil, target: "/radiology/x"), "pacs")
    }

    func testRoutePolicyHasNoDenyListOfItsOwnAndAllowAllAdmitsAnonymousClients() throws {
        // The listener's deny-list ran at the handshake; the route compiles without it, so it is
        // not applied a second time under another name.
        let router = try router(
            "[{path_prefix: /a/, upstream: pacs, client_policy: {allow_all: true}}, {path_prefix: /b/, upstream: pacs, client_policy: {subject: {cn: [client-a]}}}]",
            clientAuth: "{ca: ca.pem, required: false, deny: {serials: [\"1A2B3C\"]}}"
        )
        XCTAssertEqual(outcome(router, target: "/a/x", peer: nil), "routes[0] allow")
        XCTAssertEqual(outcome(router, target: "/a/x", peer: TrustFixtures.peer()), "routes[0] allow")
        XCTAssertEqual(outcome(router, target: "/b/x", peer: TrustFixtures.peer()), "routes[1] allow")
        XCTAssertEqual(outcome(router, target: "/b/x", peer: TrustFixtures.peer(cn: ["client-b"])), "routes[1] policy_denied:cn")
        XCTAssertEqual(outcome(router, target: "/c", peer: nil), "default")
    }

    func testARefusalIsA403AnsweredBySekisho() {
        let error = ProxyError(.policyDenied(rule: "policy_denied:ou"))
        XCTAssertEqual(error.status, 403)
        XCTAssertEqual(error.reason, "policy_denied:ou")
        XCTAssertEqual(error.source, .downstream)
        XCTAssertEqual(error.retry, .never)
        XCTAssertEqual(FailurePolicy.decide(error, .init(idempotent: true)), .respond(status: 403, closeClient: false))
        XCTAssertEqual(FailurePolicy.decide(error, .init(requestComplete: false)), .respond(status: 403, closeClient: true))
        let response = String(decoding: HTTP1Forwarding.localResponse(status: 403, closes: false, isHead: false, hsts: nil), as: UTF8.self)
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 403 Forbidden\r\n"), response)
        XCTAssertTrue(response.hasSuffix("\r\n\r\n403 Forbidden\n"), response)
    }
}
