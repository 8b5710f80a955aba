import XCTest
@testable import SekishoProxy

/// The text log format's value escaping, which runs for every access-log field: control bytes
/// become `\xNN`, and a value with a space, quote or '=' is quoted with `\` and `"` escaped.
/// Values that need neither come back unchanged.
final class LogTextEscapingTests: XCTestCase {
    func testPlainValuesAreReturnedUnchanged() {
        for value in ["GET", "/index.html", "CN=x", "医療法人テスト会", "a\\b", "TLS_AES_128_GCM_SHA256"] {
            XCTAssertEqual(SekishoLogHandler.escapeText(value), value)
        }
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded("GET"), "GET")
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded("医療法人"), "医療法人")
    }

    func testControlBytesAndDeleteAreHexEscaped() {
        XCTAssertEqual(SekishoLogHandler.escapeText("a\nb\r\u{0}c\u{7F}"), "a\\x0ab\\x0d\\x00c\\x7f")
        XCTAssertEqual(SekishoLogHandler.escapeText("\u{1B}[31m医"), "\\x1b[31m医")
    }

    func testSpaceQuoteOrEqualsForceQuotesWithEscapes() {
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded(""), "\"\"")
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded("a b"), "\"a b\"")
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded("k=v"), "\"k=v\"")
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded(#"say "hi" \o/"#), #""say \"hi\" \\o/""#)
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded("O=医療法人 テスト"), "\"O=医療法人 テスト\"")
    }

    /// A quote followed by a combining mark is still a quote byte on the wire and in the log:
    /// it must be escaped, or a crafted subject could end the quoted value early.
    func testQuoteFollowedByCombiningMarkIsEscaped() {
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded("x\"\u{301} y"), "\"x\\\"\u{301} y\"")
        XCTAssertEqual(SekishoLogHandler.quoteIfNeeded("a=\u{338}b"), "\"a=\u{338}b\"")
    }
}
