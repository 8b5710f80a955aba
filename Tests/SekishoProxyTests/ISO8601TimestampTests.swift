import Foundation
import XCTest
@testable import SekishoProxy

final class ISO8601TimestampTests: XCTestCase {
    func testFormatsUTCWithMilliseconds() {
        // 2026-11-28T03:50:00.123Z
        let date = Date(timeIntervalSince1970: 1_795_837_800.123)
        XCTAssertEqual(ISO8601Timestamp.format(date), "2026-11-28T03:50:00.123Z")
        XCTAssertEqual(ISO8601Timestamp.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000Z")
    }

    func testParsesWithAndWithoutFraction() throws {
        let withFraction = try XCTUnwrap(ISO8601Timestamp.parse("2026-11-28T03:50:00.123Z"))
        XCTAssertEqual(withFraction.timeIntervalSince1970, 1_795_837_800.123, accuracy: 0.000_5)
        let plain = try XCTUnwrap(ISO8601Timestamp.parse("2026-11-27T03:46:51Z"))
        XCTAssertEqual(ISO8601Timestamp.format(plain), "2026-11-27T03:46:51.000Z")
    }

    func testRoundTripsAndRefusesMalformedText() {
        let now = Date()
        let text = ISO8601Timestamp.format(now)
        XCTAssertEqual(ISO8601Timestamp.parse(text).map(ISO8601Timestamp.format), text)
        for bad in ["", "2026-11-28", "2026-11-28T03:50:00", "2026-13-28T03:50:00Z", "2026-11-28T03:50:00.Z",
                    "2026-11-28 03:50:00Z", "2026-11-28T03:50:00+09:00", "2026-11-28T03:5x:00Z"] {
            XCTAssertNil(ISO8601Timestamp.parse(bad), bad)
        }
    }
}
