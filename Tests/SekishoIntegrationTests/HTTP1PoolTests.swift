import Foundation
import SekishoCore
import XCTest

/// The upstream pool and its failure rules against real processes: reuse across client
/// connections, a pooled connection the backend closed is never used, the retry rule, 502 on
/// connect failure and bad responses, 504 on response timeout, round-robin with passive health.
final class HTTP1PoolTests: IntegrationTestCase {
    func testUpstreamConnectionIsReusedAcrossClientConnections() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        for _ in 0..<3 {
            let result = try curl(try sekisho.listener(), path: "/ok")
            XCTAssertTrue(result.succeeded, "\(result)")
        }
        XCTAssertEqual(backend.requests, ["GET /ok", "GET /ok", "GET /ok"])
        XCTAssertEqual(backend.accepts, 1, "three client connections, one pooled upstream connection: \(backend.events())")
    }

    func testConnectionClosedByTheBackendWhileIdleIsNeverReused() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let first = try curl(try sekisho.listener(), path: "/close-idle?ms=100")
        XCTAssertTrue(first.succeeded, "\(first)")
        // The backend closes its kept-alive connection after 100 ms.
        _ = try Poll.until(timeout: 10, "the backend to close its idle connection") {
            backend.events().contains("close 1") ? true : nil
        }
        let second = try curl(try sekisho.listener(), path: "/echo")
        XCTAssertTrue(second.succeeded, "\(second)")
        XCTAssertEqual(try HTTP1ProxyTests.Echo(second.stdout).conn, 2, "a new upstream connection")
        XCTAssertEqual(backend.requests, ["GET /close-idle?ms=100", "GET /echo"], "no request was lost on the closed connection")
        XCTAssertEqual(sekisho.log().events("upstream_failed").count, 0, "the closed connection was detected before reuse")
    }

    func testIdempotentRequestFailingOnAReusedConnectionIsRetriedOnceOnAFreshOne() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        // /drop-next: the backend answers, then reads the next request on that connection and
        // closes without answering (the race of a backend closing as the proxy reuses it).
        let result = try curl(try sekisho.listener(), path: "/drop-next")
        XCTAssertTrue(result.succeeded, "\(result)")
        let retried = try curl(try sekisho.listener(), path: "/echo")
        XCTAssertTrue(retried.succeeded, "\(retried)")
        XCTAssertEqual(retried.stdout.isEmpty, false)
        XCTAssertEqual(try HTTP1ProxyTests.Echo(retried.stdout).conn, 2, "answered on a fresh connection")
        XCTAssertEqual(backend.requests, ["GET /drop-next", "GET /echo", "GET /echo"], "sent twice, answered once")
        let lines = try waitForAccessLines(sekisho, count: 2)
        XCTAssertEqual(lines[1].status, 200)
        XCTAssertEqual(lines[1].fields["retried"] as? Bool, true)
        let failure = try XCTUnwrap(sekisho.log().events("upstream_failed").first)
        XCTAssertEqual(failure.string("action"), "retry")
        XCTAssertEqual(failure.string("reused"), "true")
    }

    func testNonIdempotentRequestFailingOnAReusedConnectionIsNotRetried() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        XCTAssertTrue(try curl(try sekisho.listener(), path: "/drop-next").succeeded)
        let post = try curl(try sekisho.listener(), path: "/sink", extra: ["-X", "POST", "--data-binary", "hello", "-w", "%{http_code}"])
        XCTAssertTrue(post.stdout.hasSuffix("502"), "\(post)")
        XCTAssertEqual(backend.requests, ["GET /drop-next", "POST /sink"], "the POST reached the backend once and was not replayed")
        let failure = try XCTUnwrap(sekisho.log().events("upstream_failed").first)
        XCTAssertEqual(failure.string("action"), "respond_502")
        XCTAssertEqual(failure.string("upstream"), "backend")
    }

    func testConnectFailureIs502WithALogLineNamingTheUpstream() throws {
        // A port that was bound and released: nothing listens there.
        let closed = try startH1Backend(name: "gone")
        let address = closed.address
        closed.child.stop(signal: SIGTERM, grace: 5)
        var config = HTTP1ConfigFile(pki: pki, upstreams: [("backend", [address])])
        config.upstreamExtra = ["backend": "    connect_timeout: 2s\n"]
        let sekisho = try startHTTP1Sekisho(config)
        let result = try curl(try sekisho.listener(), path: "/ok", extra: ["-w", "%{http_code}"])
        XCTAssertTrue(result.stdout.hasSuffix("502"), "\(result)")
        XCTAssertTrue(result.stdout.hasPrefix("502 Bad Gateway\n"), "a short body: \(result.stdout)")
        let log = sekisho.log()
        let attempt = try XCTUnwrap(log.events("upstream_connect_failed").first { $0.string("server") != nil })
        XCTAssertEqual(attempt.string("upstream"), "backend")
        XCTAssertEqual(attempt.string("server"), address)
        XCTAssertEqual(log.events("upstream_failed").first?.string("reason"), "upstream_connect_failed")
        XCTAssertEqual(try waitForAccessLines(sekisho, count: 1).first?.string("error"), "upstream_connect_failed")
    }

    func testBadResponsesAre502AndTheConnectionIsNotReused() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        for path in ["/raw/cl-te", "/raw/double-cl", "/raw/bad-status", "/raw/101", "/raw/bare-lf", "/raw/obs-fold"] {
            let result = try curl(try sekisho.listener(), path: path, extra: ["-w", "%{http_code}"])
            XCTAssertTrue(result.stdout.hasSuffix("502"), "\(path): \(result)")
        }
        // /raw/extra answers correctly but sends bytes after the response: served, not reused.
        let extra = try curl(try sekisho.listener(), path: "/raw/extra")
        XCTAssertEqual(extra.stdout, "ok")
        let after = try curl(try sekisho.listener(), path: "/echo")
        XCTAssertTrue(after.succeeded, "\(after)")
        let echo = try HTTP1ProxyTests.Echo(after.stdout)
        let extraConnection = backend.requestsByConnection.first { $0.value.contains("GET /raw/extra") }?.key
        XCTAssertNotEqual(echo.conn, extraConnection, "the connection that sent unsolicited bytes was reused")
        XCTAssertFalse(backend.requests.contains { $0.contains("smuggl") })
    }

    func testTruncatedResponseCutsTheClientConnection() throws {
        let (_, sekisho) = try startHTTP1Proxy()
        let result = try curl(try sekisho.listener(), path: "/raw/truncated")
        XCTAssertFalse(result.succeeded, "a truncated body must not look complete: \(result)")
        XCTAssertTrue(result.stdout.hasPrefix("0123456789"))
        let line = try XCTUnwrap(try waitForAccessLines(sekisho, count: 1).first)
        XCTAssertEqual(line.status, 200)
        XCTAssertEqual(line.string("error"), "upstream_invalid_response")
    }

    func testResponseTimeoutIs504() throws {
        let (_, sekisho) = try startHTTP1Proxy(upstreamExtra: "    response_timeout: 1s\n")
        let started = Date()
        let result = try curl(try sekisho.listener(), path: "/stall?ms=4000", extra: ["-w", "%{http_code}"])
        XCTAssertTrue(result.stdout.hasSuffix("504"), "\(result)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.5)
        let failure = try XCTUnwrap(sekisho.log().events("upstream_failed").first)
        XCTAssertEqual(failure.string("reason"), "upstream_response_timeout")
        XCTAssertEqual(failure.string("upstream"), "backend")
    }

    func testRoundRobinAndPassiveHealth() throws {
        let one = try startH1Backend(name: "one")
        let two = try startH1Backend(name: "two")
        let dead = try startH1Backend(name: "dead")
        let deadAddress = dead.address
        dead.child.stop(signal: SIGTERM, grace: 5)
        var config = HTTP1ConfigFile(pki: pki, upstreams: [("backend", [one.address, two.address, deadAddress])])
        config.upstreamExtra = ["backend": "    max_idle: 0\n    health: {fail_timeout: 60s}\n"]
        let sekisho = try startHTTP1Sekisho(config)
        let paths = (1...9).map { "/echo?n=\($0)" }
        let result = try curlLocalhost(try sekisho.listener(), paths: paths)
        XCTAssertTrue(result.succeeded, "\(result)")
        // Every request succeeded; the dead server was tried once, then set aside.
        XCTAssertEqual(one.requests.count + two.requests.count, 9)
        XCTAssertGreaterThanOrEqual(one.requests.count, 3, "round-robin spreads requests: one=\(one.requests) two=\(two.requests)")
        XCTAssertGreaterThanOrEqual(two.requests.count, 3, "round-robin spreads requests: one=\(one.requests) two=\(two.requests)")
        let attempts = sekisho.log().events("upstream_connect_failed").filter { $0.string("server") == deadAddress }
        XCTAssertEqual(attempts.count, 1, "a failed server is skipped for fail_timeout")
    }
}
