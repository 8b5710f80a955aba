import XCTest
@testable import SekishoHTTP1

/// `isValidFieldValue` over long values as the proxy forwards them (a ~1 KiB Client-Cert), with
/// the offending byte anywhere: RFC 9110 §5.5 field-value, no CTLs but HTAB, no edge OWS.
final class FieldValueValidationTests: XCTestCase {
    private let longValue = ":" + String(repeating: "MIICCDCCAa6gAwIBAgIU+/=", count: 45) + ":"

    func testLongValueAndInternalTabAndUTF8AreValid() {
        XCTAssertTrue(HTTP1Serializer.isValidFieldValue(longValue, allowEmpty: false))
        XCTAssertTrue(HTTP1Serializer.isValidFieldValue("a\tb", allowEmpty: false))
        XCTAssertTrue(HTTP1Serializer.isValidFieldValue("O=%E5 医療法人", allowEmpty: false))
    }

    func testControlBytesAnywhereAreRefused() {
        for bad in ["\u{7F}", "\u{1}", "\r", "\n", "\u{0}"] {
            XCTAssertFalse(HTTP1Serializer.isValidFieldValue(longValue + bad + "x", allowEmpty: false), "\(bad.unicodeScalars.first!.value) at the end")
            XCTAssertFalse(HTTP1Serializer.isValidFieldValue("x" + bad + longValue, allowEmpty: false), "\(bad.unicodeScalars.first!.value) at the start")
        }
    }

    func testEdgeWhitespaceAndEmptiness() {
        XCTAssertFalse(HTTP1Serializer.isValidFieldValue(longValue + "\t", allowEmpty: false))
        XCTAssertFalse(HTTP1Serializer.isValidFieldValue(" " + longValue, allowEmpty: false))
        XCTAssertTrue(HTTP1Serializer.isValidFieldValue("", allowEmpty: true))
        XCTAssertFalse(HTTP1Serializer.isValidFieldValue("", allowEmpty: false))
    }
}
