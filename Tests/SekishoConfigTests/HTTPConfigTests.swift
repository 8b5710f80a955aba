import Foundation
import SekishoConfig
import SekishoCore
import XCTest

/// The HTTP proxy keys: `protocol: http1` and its pool/timeout/health keys on upstreams, the
/// listener `http` block and `routes`, and the top-level `access_log`.
final class HTTPConfigTests: XCTestCase {
    private static let http1Upstreams = """
        upstreams:
          - {name: backend, servers: ["127.0.0.1:8080"], protocol: http1}
          - {name: api, servers: ["127.0.0.1:8081", "[::1]:8081"], protocol: http1}
          - {name: raw, servers: ["127.0.0.1:9000"]}

        """

    func testHTTP1UpstreamIsAcceptedWithDefaults() throws {
        let dir = try PlaceholderDirectory()
        let yaml = ConfigDocument.make(upstreams: Self.http1Upstreams)
        let config = try XCTUnwrap(parseValid(yaml, in: dir))
        let backend = try XCTUnwrap(config.upstream(named: "backend"))
        XCTAssertEqual(backend.protocol, .http1)
        XCTAssertEqual(backend.http, UpstreamHTTPSettings.defaults)
        XCTAssertEqual(backend.http.maxIdle, 32)
        XCTAssertEqual(backend.http.idleTimeout, .seconds(30))
        XCTAssertEqual(backend.http.responseTimeout, .seconds(60))
        XCTAssertEqual(backend.http.failTimeout, .seconds(10))
        XCTAssertEqual(config.upstream(named: "raw")?.protocol, .tcp)

        let listener = try XCTUnwrap(config.listeners.first)
        XCTAssertEqual(listener.http, HTTPListenerSettings.defaults)
        XCTAssertEqual(listener.routes, [])
        XCTAssertEqual(listener.http.maxRequestLineBytes, 8_192)
        XCTAssertEqual(listener.http.maxHeaderBytes, 32_768)
        XCTAssertEqual(listener.http.maxHeaderCount, 100)
        XCTAssertNil(listener.http.maxRequestBodyBytes)
        XCTAssertEqual(listener.http.headerTimeout, .seconds(30))
        XCTAssertFalse(listener.http.allowConnect)
        XCTAssertFalse(listener.http.allowTrace)
        XCTAssertEqual(listener.http.forwarded, ForwardedSettings(xForwardedFor: true, xForwardedProto: true, rfc7239: false))
        XCTAssertNil(listener.http.hsts)
        XCTAssertEqual(listener.http.identityHeaders.configuredNames, [
            "Client-Cert", "X-Client-Cert-Subject", "X-Client-Cert-Issuer", "X-Client-Cert-Serial",
            "X-Client-Cert-SHA256", "X-Client-Cert-Not-After",
        ])
        XCTAssertNil(listener.http.identityHeaders.clientCertChain)
        XCTAssertEqual(listener.http.identityHeaders.stripPrefixes, ["X-Client-Cert-"])
        XCTAssertEqual(config.accessLog, AccessLogSettings(format: .text, output: .stdout))
    }

    func testEveryHTTPKeyIsRead() throws {
        let dir = try PlaceholderDirectory()
        let http = "{max_request_line: 4KiB, max_header_bytes: 16384, max_headers: 50, max_request_body: 10MiB, "
            + "header_timeout: 5s, allow_connect: true, allow_trace: true, "
            + "forwarded: {x_forwarded_for: false, x_forwarded_proto: false, rfc7239: true}, "
            + "hsts: {max_age: 31536000, include_subdomains: true, preload: true}, "
            + "identity_headers: {client_cert: X-SSL-Cert, client_cert_chain: true, subject: false, "
            + "issuer: X-SSL-Issuer, serial: true, sha256: X-SSL-Fingerprint, not_after: off, "
            + "strip_prefixes: [X-SSL-, X-Client-]}}"
        let yaml = ConfigDocument.make(
            listener: ["http": http],
            top: "access_log: {format: json, output: stderr}\n",
            upstreams: "upstreams: [{name: backend, servers: [\"127.0.0.1:8080\"], protocol: http1, max_idle: 0}]\n"
        )
        let config = try XCTUnwrap(parseValid(yaml, in: dir))
        let settings = try XCTUnwrap(config.listeners.first?.http)
        XCTAssertEqual(settings.maxRequestLineBytes, 4_096)
        XCTAssertEqual(settings.maxHeaderBytes, 16_384)
        XCTAssertEqual(settings.maxHeaderCount, 50)
        XCTAssertEqual(settings.maxRequestBodyBytes, 10_485_760)
        XCTAssertEqual(settings.headerTimeout, .seconds(5))
        XCTAssertTrue(settings.allowConnect)
        XCTAssertTrue(settings.allowTrace)
        XCTAssertEqual(settings.forwarded, ForwardedSettings(xForwardedFor: false, xForwardedProto: false, rfc7239: true))
        XCTAssertEqual(settings.hsts, HSTSSettings(maxAgeSeconds: 31_536_000, includeSubdomains: true, preload: true))
        XCTAssertEqual(settings.hsts?.headerValue, "max-age=31536000; includeSubDomains; preload")
        XCTAssertEqual(settings.identityHeaders, IdentityHeaderSettings(
            clientCert: "X-SSL-Cert", clientCertChain: "Client-Cert-Chain", subject: nil, issuer: "X-SSL-Issuer",
            serial: "X-Client-Cert-Serial", sha256: "X-SSL-Fingerprint", notAfter: nil,
            stripPrefixes: ["X-SSL-", "X-Client-"]
        ))
        XCTAssertEqual(config.accessLog, AccessLogSettings(format: .json, output: .stderr))
        XCTAssertEqual(config.upstream(named: "backend")?.http.maxIdle, 0)
    }

    func testUpstreamPoolAndHealthKeys() throws {
        let dir = try PlaceholderDirectory()
        let yaml = ConfigDocument.make(upstreams: """
            upstreams:
              - name: backend
                servers: ["127.0.0.1:8080"]
                protocol: http1
                max_idle: 4
                idle_timeout: 2s
                response_timeout: 1500ms
                health: {fail_timeout: 1m}

            """)
        let config = try XCTUnwrap(parseValid(yaml, in: dir))
        XCTAssertEqual(config.upstream(named: "backend")?.http, UpstreamHTTPSettings(
            maxIdle: 4, idleTimeout: .seconds(2), responseTimeout: .milliseconds(1_500), failTimeout: .seconds(60)
        ))
    }

    func testRoutesAreReadInOrderWithNormalisedHosts() throws {
        let dir = try PlaceholderDirectory()
        let routes = """
            [{host: API.Example.JP, path_prefix: /v1/, upstream: api},
             {host: "*.Clinic.example", upstream: api},
             {host: "[::1]", upstream: backend},
             {path_prefix: /static, upstream: api}]
            """
        let yaml = ConfigDocument.make(listener: ["routes": routes], upstreams: Self.http1Upstreams)
        let config = try XCTUnwrap(parseValid(yaml, in: dir))
        XCTAssertEqual(config.listeners.first?.routes, [
            RouteConfig(host: "api.example.jp", pathPrefix: "/v1/", upstreamName: "api"),
            RouteConfig(host: "*.clinic.example", pathPrefix: nil, upstreamName: "api"),
            RouteConfig(host: "::1", pathPrefix: nil, upstreamName: "backend"),
            RouteConfig(host: nil, pathPrefix: "/static", upstreamName: "api"),
        ])
    }

    func testHTTPKeysAreRefusedWithExactMessages() throws {
        let dir = try PlaceholderDirectory()
        let tcpUpstream = "upstreams: [{name: backend, servers: [\"127.0.0.1:8080\"]}]\n"
        assertIssueTable([
            ("pool keys on tcp", ConfigDocument.make(upstreams: """
                upstreams:
                  - {name: backend, servers: ["127.0.0.1:8080"], max_idle: 3, idle_timeout: 1s, response_timeout: 1s, health: {fail_timeout: 1s}}

                """), [
                "upstreams[0].max_idle: applies only to protocol http1 (this upstream uses tcp)",
                "upstreams[0].idle_timeout: applies only to protocol http1 (this upstream uses tcp)",
                "upstreams[0].response_timeout: applies only to protocol http1 (this upstream uses tcp)",
                "upstreams[0].health: applies only to protocol http1 (this upstream uses tcp)",
            ]),
            ("pool ranges", ConfigDocument.make(upstreams: """
                upstreams:
                  - {name: backend, servers: ["127.0.0.1:8080"], protocol: http1, max_idle: 10001, idle_timeout: 0s, health: {fail_timeout: soon, retries: 3}}

                """), [
                "upstreams[0].health.retries: unknown key",
                "upstreams[0].max_idle: must be from 0 to 10000 (found 10001)",
                "upstreams[0].idle_timeout: must be greater than 0",
                "upstreams[0].health.fail_timeout: 'soon' is not a duration: write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)",
            ]),
            ("http block on tcp listener", ConfigDocument.make(listener: ["http": "{max_headers: 10}"], upstreams: tcpUpstream), [
                "listeners[0].http: applies only when the listener's upstream uses protocol http1 (upstream 'backend' uses tcp)",
            ]),
            ("routes on tcp listener", ConfigDocument.make(
                listener: ["routes": "[{path_prefix: /a, upstream: backend}]"], upstreams: tcpUpstream), [
                "listeners[0].routes: routes need the listener's upstream to use protocol http1 (upstream 'backend' uses tcp)",
            ]),
            ("route to tcp upstream", ConfigDocument.make(
                listener: ["routes": "[{path_prefix: /a, upstream: api}, {path_prefix: /b, upstream: raw}]"],
                upstreams: Self.http1Upstreams), [
                "listeners[0].routes[1].upstream: upstream 'raw' uses protocol tcp; routes need protocol http1",
            ]),
            ("bad routes", ConfigDocument.make(
                listener: ["routes": "[{host: 'bad host', upstream: api}, {path_prefix: api/, upstream: api}, {upstream: api}, {host: a.example, upstream: nowhere}, {host: '-x.example', path_prefix: '/a?b'}]"],
                upstreams: Self.http1Upstreams), [
                "listeners[0].routes[0].host: 'bad host' is not a host name, IP address or *.suffix pattern",
                "listeners[0].routes[1].path_prefix: 'api/' must start with '/' and hold only visible ASCII without '?' or '#'",
                "listeners[0].routes[2]: a route needs host, path_prefix or both",
                "listeners[0].routes[3].upstream: no upstream named 'nowhere' (known: backend, api, raw)",
                "listeners[0].routes[4].host: '-x.example' is not a host name, IP address or *.suffix pattern",
                "listeners[0].routes[4].path_prefix: '/a?b' must start with '/' and hold only visible ASCII without '?' or '#'",
                "listeners[0].routes[4].upstream: required key missing",
            ]),
            ("http limits", ConfigDocument.make(
                listener: ["http": "{max_request_line: 100, max_header_bytes: 2MiB, max_headers: 0, max_request_body: 0, header_timeout: 1.5s, allow_trace: yes please}"],
                upstreams: Self.http1Upstreams), [
                "listeners[0].http.allow_trace: expected true or false, found 'yes please'",
                "listeners[0].http.max_request_line: must be from 256 to 65536 bytes (found 100)",
                "listeners[0].http.max_header_bytes: must be from 1024 to 1048576 bytes (found 2097152)",
                "listeners[0].http.max_headers: must be from 1 to 1000 (found 0)",
                "listeners[0].http.max_request_body: must be at least 1 bytes (found 0)",
                "listeners[0].http.header_timeout: '1.5s' is not a duration: write an integer followed by ms, s, m or h (e.g. 10s, 500ms, 5m)",
            ]),
            ("hsts", ConfigDocument.make(
                listener: ["http": "{hsts: {include_subdomains: true}}"], upstreams: Self.http1Upstreams), [
                "listeners[0].http.hsts.max_age: required key missing",
            ]),
            ("hsts range", ConfigDocument.make(
                listener: ["http": "{hsts: {max_age: 0}}"], upstreams: Self.http1Upstreams), [
                "listeners[0].http.hsts.max_age: must be from 1 to 315360000 (found 0)",
            ]),
            ("identity names", ConfigDocument.make(
                listener: ["http": "{identity_headers: {client_cert: 'Bad Name', subject: Host, issuer: x-client-cert-sha256, serial: [a], strip_prefixes: ['', 'H', 'X:Y', X-Ok-]}}"],
                upstreams: Self.http1Upstreams), [
                "listeners[0].http.identity_headers.serial: expected a header name, true or false",
                "listeners[0].http.identity_headers.client_cert: 'Bad Name' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)",
                "listeners[0].http.identity_headers.subject: 'Host' cannot carry the client identity (Host is a framing, routing, connection or forwarding header)",
                "listeners[0].http.identity_headers.sha256: 'X-Client-Cert-SHA256' is already used by listeners[0].http.identity_headers.issuer",
                "listeners[0].http.identity_headers.strip_prefixes[0]: must not be empty",
                "listeners[0].http.identity_headers.strip_prefixes[1]: 'H' would also remove Host",
                "listeners[0].http.identity_headers.strip_prefixes[2]: 'X:Y' is not a valid header name prefix (letters, digits and !#$%&'*+-.^_`|~ only)",
            ]),
            ("forwarded unknown key", ConfigDocument.make(
                listener: ["http": "{forwarded: {x_forwarded_host: true}}"], upstreams: Self.http1Upstreams), [
                "listeners[0].http.forwarded.x_forwarded_host: unknown key",
            ]),
            ("access log", ConfigDocument.make(top: "access_log: {format: csv, output: syslog, path: /x}\n"), [
                "access_log.path: unknown key",
                "access_log.format: 'csv' is not a log format (allowed: text, json)",
                "access_log.output: 'syslog' is not a known output (allowed: stdout, stderr, off)",
            ]),
        ], in: dir)
    }
}
