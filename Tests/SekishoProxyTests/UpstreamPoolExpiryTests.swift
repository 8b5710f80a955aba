import SekishoCore
import XCTest
@testable import SekishoProxy

/// `nextExpiry` is the minimum over every idle entry, whatever the order of check-ins: a
/// reload may shorten the idle timeout, so a later check-in can expire first.
final class UpstreamPoolExpiryTests: XCTestCase {
    private typealias State = UpstreamPoolState<Int>
    private let a = State.Key(upstream: "u", server: HostPort(host: "127.0.0.1", port: 1, family: .ipv4))
    private let b = State.Key(upstream: "u", server: HostPort(host: "127.0.0.1", port: 2, family: .ipv4))
    private func at(_ seconds: Int64) -> MonotonicInstant { MonotonicInstant(nanoseconds: 1_000_000_000 * UInt64(seconds)) }

    func testLaterCheckinWithShorterTimeoutIsTheNextExpiry() {
        var state = State()
        _ = state.checkin(1, key: a, now: at(1), maxIdle: 8, idleTimeout: .seconds(60))
        _ = state.checkin(2, key: a, now: at(2), maxIdle: 8, idleTimeout: .seconds(5))
        _ = state.checkin(3, key: b, now: at(3), maxIdle: 8, idleTimeout: .seconds(30))
        XCTAssertEqual(state.nextExpiry, at(7))
        XCTAssertEqual(state.expire(now: at(7)), [2])
        XCTAssertEqual(state.nextExpiry, at(33))
    }

    func testEmptyPoolHasNoExpiry() {
        var state = State()
        XCTAssertNil(state.nextExpiry)
        _ = state.checkin(1, key: a, now: at(1), maxIdle: 8, idleTimeout: .seconds(5))
        XCTAssertTrue(state.remove(1))
        XCTAssertNil(state.nextExpiry)
    }
}
