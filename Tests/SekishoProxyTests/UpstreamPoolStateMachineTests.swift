import SekishoCore
import XCTest
@testable import SekishoProxy

/// The pool's checkout/checkin/expiry rules as a value: events in, decisions out.
final class UpstreamPoolStateMachineTests: XCTestCase {
    typealias State = UpstreamPoolState<Int>
    private let a = State.Key(upstream: "web", server: HostPort(host: "127.0.0.1", port: 8080, family: .ipv4))
    private let b = State.Key(upstream: "web", server: HostPort(host: "127.0.0.1", port: 8081, family: .ipv4))
    private let t0 = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    private func at(_ seconds: Int) -> MonotonicInstant { t0.adding(.seconds(seconds)) }

    func testEmptyPoolSaysConnect() {
        var state = State()
        let (decision, expired) = state.checkout(a, now: t0)
        XCTAssertEqual(decision, .connectNew)
        XCTAssertEqual(expired, [])
    }

    func testReuseIsLastInFirstOutAndPerServer() {
        var state = State()
        XCTAssertEqual(state.checkin(1, key: a, now: t0, maxIdle: 4, idleTimeout: .seconds(30)), [])
        XCTAssertEqual(state.checkin(2, key: a, now: at(1), maxIdle: 4, idleTimeout: .seconds(30)), [])
        XCTAssertEqual(state.checkin(3, key: b, now: at(1), maxIdle: 4, idleTimeout: .seconds(30)), [])
        XCTAssertEqual(state.idleCount, 3)
        XCTAssertEqual(state.checkout(a, now: at(2)).decision, .reuse(2), "the warmest connection first")
        XCTAssertEqual(state.checkout(a, now: at(2)).decision, .reuse(1))
        XCTAssertEqual(state.checkout(a, now: at(2)).decision, .connectNew, "server b's connection is not offered for a")
        XCTAssertEqual(state.checkout(b, now: at(2)).decision, .reuse(3))
        XCTAssertEqual(state.idleCount, 0)
    }

    func testExpiredConnectionsAreNeverHandedOut() {
        var state = State()
        _ = state.checkin(1, key: a, now: t0, maxIdle: 4, idleTimeout: .seconds(10))
        _ = state.checkin(2, key: a, now: at(5), maxIdle: 4, idleTimeout: .seconds(10))
        XCTAssertEqual(state.nextExpiry, at(10))
        let (decision, expired) = state.checkout(a, now: at(16))
        XCTAssertEqual(decision, .connectNew)
        XCTAssertEqual(expired.sorted(), [1, 2])
        XCTAssertNil(state.nextExpiry)
    }

    func testTimerExpiryDropsOnlyExpiredEntries() {
        var state = State()
        _ = state.checkin(1, key: a, now: t0, maxIdle: 4, idleTimeout: .seconds(10))
        _ = state.checkin(2, key: b, now: at(8), maxIdle: 4, idleTimeout: .seconds(10))
        XCTAssertEqual(state.expire(now: at(10)), [1])
        XCTAssertEqual(state.nextExpiry, at(18))
        XCTAssertTrue(state.contains(2))
        XCTAssertFalse(state.contains(1))
    }

    func testMaxIdleEvictsTheOldestAndZeroMeansNoPooling() {
        var state = State()
        XCTAssertEqual(state.checkin(1, key: a, now: t0, maxIdle: 2, idleTimeout: .seconds(30)), [])
        XCTAssertEqual(state.checkin(2, key: a, now: t0, maxIdle: 2, idleTimeout: .seconds(30)), [])
        XCTAssertEqual(state.checkin(3, key: a, now: t0, maxIdle: 2, idleTimeout: .seconds(30)), [1])
        XCTAssertEqual(state.idleCount(for: a), 2)
        XCTAssertEqual(state.checkin(4, key: b, now: t0, maxIdle: 0, idleTimeout: .seconds(30)), [4])
        XCTAssertEqual(state.idleCount(for: b), 0)
    }

    func testConnectionClosedByBackendWhileIdleIsForgotten() {
        var state = State()
        _ = state.checkin(1, key: a, now: t0, maxIdle: 4, idleTimeout: .seconds(30))
        _ = state.checkin(2, key: a, now: t0, maxIdle: 4, idleTimeout: .seconds(30))
        XCTAssertTrue(state.remove(2))
        XCTAssertFalse(state.remove(2), "only once")
        XCTAssertEqual(state.checkout(a, now: at(1)).decision, .reuse(1))
        XCTAssertEqual(state.checkout(a, now: at(1)).decision, .connectNew)
    }

    func testRemoveAllReturnsEveryIdleConnection() {
        var state = State()
        _ = state.checkin(1, key: a, now: t0, maxIdle: 4, idleTimeout: .seconds(30))
        _ = state.checkin(2, key: b, now: t0, maxIdle: 4, idleTimeout: .seconds(30))
        XCTAssertEqual(state.removeAll().sorted(), [1, 2])
        XCTAssertEqual(state.idleCount, 0)
        XCTAssertNil(state.nextExpiry)
    }
}
