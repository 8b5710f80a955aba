import XCTest
import SekishoHTTP2

final class HTTP2LibraryTests: XCTestCase {
    func testReportsLinkedLibraryVersion() {
        let version = HTTP2Library.versionString
        let parts = version.split(separator: ".")
        XCTAssertEqual(parts.count, 3, "nghttp2 version '\(version)' is not x.y.z")
        XCTAssertGreaterThanOrEqual(Int(parts[0]) ?? 0, 1)
    }
}
