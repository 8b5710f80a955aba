import SekishoConfig
import XCTest
@testable import SekishoProxy

/// Routing by Host and path prefix, and the SNI/Host agreement behind 421.
final class RouterTests: XCTestCase {
    private let router = Router(
        routes: [
            .init(host: "api.example.jp", pathPrefix: "/v1/", upstream: "api-v1"),
            .init(host: "api.example.jp", pathPrefix: nil, upstream: "api"),
            .init(host: "*.clinic.example", pathPrefix: nil, upstream: "clinics"),
            .init(host: nil, pathPrefix: "/static", upstream: "static"),
            .init(host: "::1", pathPrefix: nil, upstream: "loopback6"),
        ],
        defaultUpstream: "default"
    )

    func testFirstMatchingRouteWinsAndUnmatchedGoToTheDefault() {
        let rows: [(host: String?, target: String, expected: String, why: String)] = [
            ("api.example.jp", "/v1/patients?id=3", "api-v1", "host and prefix"),
            ("api.example.jp", "/v2/patients", "api", "host only, after the more specific route"),
            ("a.clinic.example", "/", "clinics", "wildcard, one label"),
            ("a.b.clinic.example", "/", "clinics", "wildcard, two labels"),
            ("clinic.example", "/", "default", "a wildcard never matches its own suffix"),
            ("xclinic.example", "/", "default", "the wildcard needs the dot"),
            ("other.example", "/static", "static", "prefix equals the path"),
            ("other.example", "/static/app.js", "static", "prefix followed by /"),
            ("other.example", "/static?v=1", "static", "query is not part of the path"),
            ("other.example", "/staticfile", "default", "no match in the middle of a segment"),
            (nil, "/static/x", "static", "no Host, prefix route"),
            (nil, "/v1/", "default", "no Host never matches a host route"),
            ("::1", "/", "loopback6", "IPv6 literal"),
            ("other.example", "*", "default", "asterisk-form"),
        ]
        for row in rows {
            XCTAssertEqual(router.upstream(host: row.host, target: row.target), row.expected, row.why)
        }
    }

    func testPrefixEndingInSlashMatchesAnythingBelowIt() {
        XCTAssertTrue(Router.pathMatches("/api/", "/api/x"))
        XCTAssertFalse(Router.pathMatches("/api/", "/api"))
        XCTAssertTrue(Router.pathMatches("/api", "/api"))
        XCTAssertTrue(Router.pathMatches("/api", "/api/"))
        XCTAssertFalse(Router.pathMatches("/api", "/apix"))
        XCTAssertTrue(Router.pathMatches("/", "/anything"))
    }

    func testHostNameOfHostValues() {
        XCTAssertEqual(RequestAuthority.hostName("Example.JP:8443"), "example.jp")
        XCTAssertEqual(RequestAuthority.hostName("example.jp."), "example.jp")
        XCTAssertEqual(RequestAuthority.hostName("[::1]:8443"), "::1")
        XCTAssertEqual(RequestAuthority.hostName("[::1]"), "::1")
        XCTAssertEqual(RequestAuthority.hostName("127.0.0.1:443"), "127.0.0.1")
        XCTAssertEqual(RequestAuthority.hostName("localhost"), "localhost")
    }

    func testSNIAndHostMustAgree() {
        let rows: [(sni: String?, host: String?, agrees: Bool, why: String)] = [
            ("localhost", "localhost", true, "same name"),
            ("LocalHost", "localhost", true, "case-insensitive"),
            ("localhost.", "localhost", true, "trailing dot"),
            ("localhost", "other.example", false, "different name: 421"),
            ("a.example", "b.example", false, "sibling name: 421"),
            (nil, "127.0.0.1", true, "no SNI, IPv4 literal"),
            (nil, "::1", true, "no SNI, IPv6 literal"),
            (nil, "localhost", false, "no SNI, a name: 421"),
            ("localhost", nil, true, "HTTP/1.0 without Host"),
            ("localhost", "127.0.0.1", false, "SNI name, Host an address: 421"),
        ]
        for row in rows {
            XCTAssertEqual(RequestAuthority.agrees(sni: row.sni, host: row.host), row.agrees, row.why)
        }
    }

    func testRouterFromListenerConfigKeepsOrderAndDefault() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sekisho-router-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["s.pem", "s.key", "ca.pem"] {
            _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data())
        }
        let yaml = """
            listeners:
              - name: main
                listen: "127.0.0.1:0"
                certificates: [{cert: s.pem, key: s.key}]
                client_auth: {ca: ca.pem}
                upstream: web
                routes:
                  - {path_prefix: /a/, upstream: a}
                  - {host: B.example, upstream: b}
            upstreams:
              - {name: web, servers: ["127.0.0.1:1"], protocol: http1}
              - {name: a, servers: ["127.0.0.1:2"], protocol: http1}
              - {name: b, servers: ["127.0.0.1:3"], protocol: http1}
            """
        let config = try ProxyConfig(parsing: yaml, configDirectory: dir.path)
        let router = Router(listener: config.listeners[0])
        XCTAssertEqual(router.defaultUpstream, "web")
        XCTAssertEqual(router.upstream(host: "b.example", target: "/a/1"), "a")
        XCTAssertEqual(router.upstream(host: "b.example", target: "/x"), "b")
        XCTAssertEqual(router.upstream(host: "c.example", target: "/x"), "web")
    }
}
