import XCTest
import SekishoHTTP1

/// Request line, field syntax, Host, methods, expectations, persistence and limits (RFC 9112 §2-§5,
/// §9; RFC 9110 §5, §7, §9, §10). Every row runs through the drip-feed verifier.
final class RequestHeadTableTests: XCTestCase {
    static let get = "GET / HTTP/1.1\r\nHost: h\r\n"
    static let getHead = Ev.h("GET / HTTP/1.1 none keep-alive")

    static let lineRows: [TableRow] = [
        .ok("RFC 9112 §3", "simple GET", get + "\r\n", [getHead, .e()]),
        .ok("RFC 9112 §9", "empty input is a clean close", "", []),
        .ok("RFC 9112 §2.2", "empty line before request line ignored", "\r\n" + get + "\r\n", [getHead, .e()]),
        .fail("RFC 9112 §2.2", "bare LF line endings", "GET / HTTP/1.1\nHost: h\n\n", .bareLineFeed, 400),
        .fail("RFC 9112 §2.2", "bare LF ending one field line", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", .bareLineFeed, 400),
        .fail("RFC 9112 §2.2", "bare LF as the final empty line", get + "\n", .bareLineFeed, 400),
        .fail("RFC 9112 §2.2", "bare CR in field value", get + "X: a\rb\r\n\r\n", .bareCarriageReturn, 400),
        .fail("RFC 9112 §2.2", "bare CR in request line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", .bareCarriageReturn, 400),
        .fail("RFC 9112 §2.2", "CR CR LF ending the request line", "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", .bareCarriageReturn, 400),
        .fail("RFC 9112 §3", "request target too long (configured)", "GET /" + String(repeating: "a", count: 40) + " HTTP/1.1\r\n",
              .requestLineTooLong, 414).with(limits: HTTP1Limits(maxRequestLineBytes: 32)),
        .ok("RFC 9112 §3", "request line exactly at the limit", "GET /" + String(repeating: "a", count: 16) + " HTTP/1.1\r\nHost: h\r\n\r\n",
            [.h("GET /" + String(repeating: "a", count: 16) + " HTTP/1.1 none keep-alive"), .e()])
            .with(limits: HTTP1Limits(maxRequestLineBytes: 32)),
        .fail("RFC 9112 §3", "request line one byte over the limit", "GET /" + String(repeating: "a", count: 17) + " HTTP/1.1\r\n",
              .requestLineTooLong, 414).with(limits: HTTP1Limits(maxRequestLineBytes: 32)),
        .fail("RFC 9112 §3", "request target too long at the default limit",
              "GET /" + String(repeating: "a", count: 8_200) + " HTTP/1.1\r\nHost: h\r\n\r\n", .requestLineTooLong, 414),
        .fail("RFC 9112 §2.2", "empty lines before the request line count toward its limit",
              String(repeating: "\r\n", count: 20) + get + "\r\n", .requestLineTooLong, 414)
            .with(limits: HTTP1Limits(maxRequestLineBytes: 32)),
        .fail("RFC 9110 §9.1", "method not a token", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod, 400),
        .ok("RFC 9110 §9.1", "lowercase method is a token (case-sensitive, unknown)", "get / HTTP/1.1\r\nHost: h\r\n\r\n",
            [.h("get / HTTP/1.1 none keep-alive"), .e()]),
        .fail("RFC 9112 §3", "leading space before method", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine, 400),
        .fail("RFC 9112 §3", "double space after method", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine, 400),
        .fail("RFC 9112 §3", "request line without version", "GET /\r\nHost: h\r\n\r\n", .invalidRequestLine, 400),
        .fail("RFC 9112 §3", "HTTP/1.1 followed by a space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .invalidRequestLine, 400),
        .fail("RFC 9112 §3", "space inside request target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine, 400),
        .fail("RFC 9112 §2.3", "version with trailing junk", "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", .invalidVersion, 400),
        .fail("RFC 9112 §2.3", "lowercase http version", "GET / http/1.1\r\nHost: h\r\n\r\n", .invalidVersion, 400),
        .fail("RFC 9110 §15.6.6", "HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion, 505),
        .fail("RFC 9110 §15.6.6", "h2 prior-knowledge preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .unsupportedVersion, 505),
        .fail("RFC 9110 §2.5", "HTTP/1.2 is not treated as 1.1", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", .unsupportedVersion, 505),
        .fail("RFC 9110 §15.6.6", "HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", .unsupportedVersion, 505),
        .fail("RFC 9112 §3.2", "request target with HTAB", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400),
        .fail("RFC 3986 §2", "request target with raw UTF-8", raw: bytes("GET /") + [0xC3, 0xA9] + bytes(" HTTP/1.1\r\nHost: h\r\n\r\n"),
              .invalidRequestTarget, 400),
        .fail("RFC 9112 §3.2", "request target with DEL", "GET /\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400),
        .fail("RFC 9110 §7.1", "request target with a fragment", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400),
        .fail("RFC 9112 §3.2", "request target in no known form", "GET abc HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400),
        .fail("RFC 9112 §3.2.4", "asterisk-form on GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400),
        .ok("RFC 9112 §3.2.4", "asterisk-form on OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
            [.h("OPTIONS * HTTP/1.1 none keep-alive"), .e()]),
        .fail("RFC 9112 §9.6", "truncated head at EOF", "GET / HTTP/1.1\r\nHo", .connectionClosedInMessage, 400),
    ]

    static let fieldRows: [TableRow] = [
        .fail("RFC 9110 §5.5", "NUL in field value", get + "X: a\u{0}b\r\n\r\n", .invalidFieldValue, 400),
        .fail("RFC 9110 §5.5", "DEL in field value", get + "X: a\u{7F}b\r\n\r\n", .invalidFieldValue, 400),
        .fail("RFC 9110 §5.5", "ESC in field value", get + "X: a\u{1B}b\r\n\r\n", .invalidFieldValue, 400),
        .ok("RFC 9110 §5.5", "HTAB inside field value", get + "X: a\tb\r\n\r\n", [getHead, .e()]),
        .ok("RFC 9110 §5.5", "valid UTF-8 obs-text kept", get + "X: café\r\n\r\n", [getHead, .e()]),
        .fail("RFC 9110 §5.5", "invalid UTF-8 obs-text refused", raw: bytes(get + "X: a") + [0xFF, 0xFE] + bytes("\r\n\r\n"),
              .invalidFieldValue, 400),
        .fail("RFC 9110 §5.1", "field name with @", get + "X@Y: 1\r\n\r\n", .invalidFieldName, 400),
        .fail("RFC 9110 §5.1", "empty field name", get + ": x\r\n\r\n", .invalidFieldName, 400),
        .fail("RFC 9110 §5.1", "field name with non-ASCII", raw: bytes(get + "X") + [0xC3, 0xA9] + bytes(": 1\r\n\r\n"),
              .invalidFieldName, 400),
        .fail("RFC 9112 §5", "field line without colon", get + "NoColonHere\r\n\r\n", .missingColon, 400),
        .fail("RFC 9112 §5.1", "space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", .whitespaceBeforeColon, 400),
        .fail("RFC 9112 §5.1", "tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", .whitespaceBeforeColon, 400),
        .fail("RFC 9112 §5.1", "space inside field name", get + "X Y: 1\r\n\r\n", .invalidFieldName, 400),
        .fail("RFC 9112 §5.2", "obs-fold with spaces", get + "X: a\r\n  b\r\n\r\n", .obsoleteLineFolding, 400),
        .fail("RFC 9112 §5.2", "obs-fold with tab", get + "X: a\r\n\tb\r\n\r\n", .obsoleteLineFolding, 400),
        .fail("RFC 9112 §2.2", "whitespace before the first field line", "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
              .obsoleteLineFolding, 400),
        .fail("RFC 6585 §5", "header section too large (configured)", get + "X: " + String(repeating: "a", count: 60) + "\r\n\r\n",
              .headerSectionTooLarge, 431).with(limits: HTTP1Limits(maxHeaderBytes: 64)),
        .fail("RFC 6585 §5", "header section too large at the default limit",
              get + (0..<40).map { "X-\($0): " + String(repeating: "v", count: 900) + "\r\n" }.joined() + "\r\n",
              .headerSectionTooLarge, 431),
        .fail("RFC 6585 §5", "too many header fields", get + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", .tooManyHeaderFields, 431)
            .with(limits: HTTP1Limits(maxHeaderCount: 3)),
        .ok("RFC 6585 §5", "header count at the limit", get + "A: 1\r\nB: 2\r\n\r\n", [getHead, .e()])
            .with(limits: HTTP1Limits(maxHeaderCount: 3)),
    ]

    static let hostRows: [TableRow] = [
        .fail("RFC 9112 §3.2", "missing Host on HTTP/1.1", "GET / HTTP/1.1\r\nX: 1\r\n\r\n", .missingHost, 400),
        .fail("RFC 9112 §3.2", "two Host fields", get + "Host: h\r\n\r\n", .multipleHost, 400),
        .fail("RFC 9112 §3.2", "two Host fields differing in case", get + "host: other\r\n\r\n", .multipleHost, 400),
        .fail("RFC 9112 §3.2", "Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost, 400),
        .fail("RFC 9112 §3.2", "Host with port out of range", "GET / HTTP/1.1\r\nHost: h:99999\r\n\r\n", .invalidHost, 400),
        .fail("RFC 9110 §4.2.4", "Host with userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", .invalidHost, 400),
        .ok("RFC 3986 §3.2.2", "Host as IPv6 literal with port", "GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", [getHead, .e()]),
        .ok("RFC 9112 §3.2", "empty Host value is valid syntax", "GET / HTTP/1.1\r\nHost:\r\n\r\n", [getHead, .e()]),
        .ok("RFC 9112 §3.2", "HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", [.h("GET / HTTP/1.0 none close"), .e()]),
        .ok("RFC 9112 §3.2.2", "absolute-form matching Host", "GET http://h/p?q HTTP/1.1\r\nHost: h\r\n\r\n",
            [.h("GET http://h/p?q HTTP/1.1 none keep-alive"), .e()]),
        .ok("RFC 9112 §3.2.2", "absolute-form authority compared case-insensitively", "GET HTTP://H:80/ HTTP/1.1\r\nHost: h:80\r\n\r\n",
            [.h("GET HTTP://H:80/ HTTP/1.1 none keep-alive"), .e()]),
        .fail("RFC 9112 §3.2.2", "absolute-form mismatching Host", "GET http://other/p HTTP/1.1\r\nHost: h\r\n\r\n", .hostMismatch, 400),
        .fail("RFC 9112 §3.2.2", "absolute-form port differing from Host", "GET http://h:8080/ HTTP/1.1\r\nHost: h\r\n\r\n",
              .hostMismatch, 400),
        .fail("RFC 9112 §3.2.2", "absolute-form without Host on HTTP/1.1", "GET http://h/ HTTP/1.1\r\n\r\n", .missingHost, 400),
        .ok("RFC 9112 §3.2.2", "absolute-form on HTTP/1.0 without Host", "GET http://h/x HTTP/1.0\r\n\r\n",
            [.h("GET http://h/x HTTP/1.0 none close"), .e()]),
        .fail("RFC 9110 §4.2.4", "absolute-form with userinfo", "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400),
        .fail("RFC 9110 §4.2.1", "absolute-form with empty host", "GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400),
        .fail("RFC 9110 §4.2", "absolute-form with a non-http scheme", "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
              .invalidRequestTarget, 400),
    ]

    static let methodRows: [TableRow] = [
        .fail("RFC 9110 §9.3.6", "CONNECT refused by default", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", .methodNotSupported, 501),
        .ok("RFC 9112 §3.2.3", "CONNECT allowed by policy", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
            [.h("CONNECT h:443 HTTP/1.1 none keep-alive"), .e()]).with(policy: HTTP1RequestPolicy(allowConnect: true)),
        .fail("RFC 9112 §3.2.3", "CONNECT with origin-form", "CONNECT / HTTP/1.1\r\nHost: h:443\r\n\r\n", .invalidRequestTarget, 400)
            .with(policy: HTTP1RequestPolicy(allowConnect: true)),
        .fail("RFC 9112 §3.2.3", "CONNECT authority without port", "CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget, 400)
            .with(policy: HTTP1RequestPolicy(allowConnect: true)),
        .fail("RFC 9110 §9.3.8", "TRACE refused by default", "TRACE / HTTP/1.1\r\nHost: h\r\n\r\n", .methodNotSupported, 501),
        .ok("RFC 9110 §9.3.8", "TRACE allowed by policy", "TRACE / HTTP/1.1\r\nHost: h\r\n\r\n",
            [.h("TRACE / HTTP/1.1 none keep-alive"), .e()]).with(policy: HTTP1RequestPolicy(allowTrace: true)),
        .ok("RFC 9110 §10.1.1", "Expect 100-continue", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
            [.h("POST / HTTP/1.1 cl=2 keep-alive 100-continue"), .b("hi"), .e()]),
        .ok("RFC 9110 §10.1.1", "Expect value is case-insensitive", get + "Expect: 100-Continue\r\n\r\n",
            [.h("GET / HTTP/1.1 none keep-alive 100-continue"), .e()]),
        .fail("RFC 9110 §10.1.1", "unknown expectation", get + "Expect: fly\r\n\r\n", .unsupportedExpectation, 417),
        .fail("RFC 9110 §10.1.1", "100-continue listed with an unknown expectation", get + "Expect: 100-continue, fly\r\n\r\n",
              .unsupportedExpectation, 417),
        .ok("RFC 9110 §10.1.1", "100-continue ignored on HTTP/1.0", "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
            [.h("GET / HTTP/1.0 none close"), .e()]),
        .ok("RFC 9112 §9.3", "HTTP/1.0 with Connection: keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            [.h("GET / HTTP/1.0 none keep-alive"), .e()]),
        .ok("RFC 9112 §9.3", "HTTP/1.1 with Connection: close", get + "Connection: close\r\n\r\n",
            [.h("GET / HTTP/1.1 none close"), .e()]),
        .ok("RFC 9112 §9.6", "close wins over keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
            [.h("GET / HTTP/1.0 none close"), .e()]),
        .ok("RFC 9110 §7.6.1", "Connection options are case-insensitive tokens", get + "Connection: Upgrade, CLOSE\r\n\r\n",
            [.h("GET / HTTP/1.1 none close"), .e()]),
    ]

    func testLineRows() { runRequestTable(Self.lineRows) }
    func testFieldRows() { runRequestTable(Self.fieldRows) }
    func testHostRows() { runRequestTable(Self.hostRows) }
    func testMethodRows() { runRequestTable(Self.methodRows) }
}
