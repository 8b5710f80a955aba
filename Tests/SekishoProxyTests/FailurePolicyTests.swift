import SekishoCore
import SekishoHTTP1
import SekishoIO
import XCTest
@testable import SekishoProxy

#if canImport(Glibc)
import Glibc
#endif

/// The retry/respond/cut decision for failed exchanges, as a table, and passive health with
/// round-robin server order.
final class FailurePolicyTests: XCTestCase {
    typealias Facts = FailurePolicy.Facts

    func testDecisionTable() {
        let closedEarly = ProxyError(.closedBeforeResponse)
        let reset = ProxyError(.upstreamIO(SyscallError(errno: ECONNRESET, function: "read")))
        let refused = ProxyError(.connectFailed("127.0.0.1:1: connection refused"))
        let invalid = ProxyError(.invalidResponse(.contentLengthWithTransferEncoding))
        let timeout = ProxyError(.responseTimeout)
        let reusedGET = Facts(upstreamWasReused: true, idempotent: true)
        let rows: [(name: String, error: ProxyError, facts: Facts, action: FailurePolicy.Action)] = [
            ("reused GET closed before response: retry", closedEarly, reusedGET, .retryOnFreshConnection),
            ("reused GET reset before response: retry", reset, reusedGET, .retryOnFreshConnection),
            ("fresh connection: no retry", closedEarly, Facts(upstreamWasReused: false, idempotent: true), .respond(status: 502, closeClient: false)),
            ("POST is not idempotent", closedEarly, Facts(upstreamWasReused: true, idempotent: false), .respond(status: 502, closeClient: false)),
            ("retried once already", closedEarly, Facts(upstreamWasReused: true, idempotent: true, alreadyRetried: true), .respond(status: 502, closeClient: false)),
            ("a response byte arrived", closedEarly, Facts(upstreamWasReused: true, noResponseBytes: false, idempotent: true), .respond(status: 502, closeClient: false)),
            ("body bytes forwarded cannot be replayed", closedEarly,
             Facts(upstreamWasReused: true, idempotent: true, noBodyForwarded: false, requestComplete: false), .respond(status: 502, closeClient: true)),
            ("PUT whose body was not read yet: retry", closedEarly,
             Facts(upstreamWasReused: true, idempotent: true, noBodyForwarded: true, requestComplete: false), .retryOnFreshConnection),
            ("connect failure: 502", refused, Facts(idempotent: true), .respond(status: 502, closeClient: false)),
            ("invalid response on a reused connection is not the pool race", invalid, reusedGET, .respond(status: 502, closeClient: false)),
            ("timeout: 504", timeout, reusedGET, .respond(status: 504, closeClient: false)),
            ("response under way: cut", invalid, Facts(upstreamWasReused: true, noResponseBytes: false, responseStarted: true, idempotent: true), .abortClient),
            ("misdirected: 421", ProxyError(.misdirected), Facts(), .respond(status: 421, closeClient: false)),
            ("bad request body: 400 and close", ProxyError(.invalidRequest(.invalidChunkSize)), Facts(requestComplete: false), .respond(status: 400, closeClient: true)),
        ]
        for row in rows {
            XCTAssertEqual(FailurePolicy.decide(row.error, row.facts), row.action, row.name)
        }
    }

    func testErrorsKnowTheirSourceRetryAndHealthCharge() {
        XCTAssertEqual(ProxyError(.closedBeforeResponse).source, .upstream)
        XCTAssertEqual(ProxyError(.closedBeforeResponse).retry, .reusedOnly)
        XCTAssertEqual(ProxyError(.upstreamIO(SyscallError(errno: EPIPE, function: "send"))).retry, .reusedOnly)
        XCTAssertEqual(ProxyError(.upstreamIO(SyscallError(errno: EHOSTUNREACH, function: "send"))).retry, .never)
        XCTAssertEqual(ProxyError(.invalidRequest(.missingHost)).source, .downstream)
        XCTAssertEqual(ProxyError(.responseTimeout).status, 504)
        XCTAssertEqual(ProxyError(.headerTimeout).status, 408)
        XCTAssertTrue(ProxyError(.closedBeforeResponse).countsAgainstServer(connectionWasReused: false))
        XCTAssertFalse(ProxyError(.closedBeforeResponse).countsAgainstServer(connectionWasReused: true), "the pool race is not the server's fault")
        XCTAssertTrue(ProxyError(.responseTimeout).countsAgainstServer(connectionWasReused: true))
        XCTAssertFalse(ProxyError(.misdirected).countsAgainstServer(connectionWasReused: false))
    }

    func testIdempotentMethodsPerRFC9110() {
        for method: HTTP1Method in [.get, .head, .options, .trace, .put, .delete] {
            XCTAssertTrue(FailurePolicy.isIdempotent(method), "\(method)")
        }
        for method: HTTP1Method in [.post, .patch, .connect, "PROPFIND"] {
            XCTAssertFalse(FailurePolicy.isIdempotent(method), "\(method)")
        }
    }

    func testHealthSetsAFailedServerAsideUntilFailTimeout() {
        let health = UpstreamHealth(failTimeout: .seconds(10))
        let s1 = HostPort(host: "127.0.0.1", port: 1, family: .ipv4)
        let s2 = HostPort(host: "127.0.0.1", port: 2, family: .ipv4)
        let t0 = MonotonicInstant(nanoseconds: 5_000_000_000)
        health.recordFailure(s1, now: t0)
        XCTAssertEqual(health.unavailable(now: t0.adding(.seconds(9))), [s1])
        XCTAssertEqual(health.unavailable(now: t0.adding(.seconds(10))), [])
        health.recordFailure(s2, now: t0)
        health.recordSuccess(s2)
        XCTAssertEqual(health.unavailable(now: t0), [])
    }
}
