import XCTest
import SekishoHTTP1

/// Upstream responses (RFC 9112 §4, §6.3; RFC 9110 §15). Any error here means 502 to the client
/// and an upstream connection that is not reused; rows check the specific case. Every row runs
/// through the drip-feed verifier, with `eof()` at the end.
final class ResponseTableTests: XCTestCase {
    static let ok200 = "HTTP/1.1 200 OK\r\n"

    static let rows: [TableRow] = [
        .ok("RFC 9112 §6.3 ¶6", "200 with Content-Length", ok200 + "Content-Length: 2\r\n\r\nhi",
            [.h("200 cl=2 keep-alive"), .b("hi"), .e()]),
        .ok("RFC 9110 §15.2", "100 Continue then 200", "HTTP/1.1 100 Continue\r\n\r\n" + ok200 + "Content-Length: 2\r\n\r\nhi",
            [.i("100 none keep-alive"), .h("200 cl=2 keep-alive"), .b("hi"), .e()]),
        .ok("RFC 9110 §15.2", "several interim responses then final",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                + ok200 + "Content-Length: 0\r\n\r\n",
            [.i("100 none keep-alive"), .i("102 none keep-alive"), .i("103 none keep-alive"), .h("200 cl=0 keep-alive"), .e()]),
        .ok("RFC 9112 §6.3 ¶1", "204 with Content-Length has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
            [.h("204 none keep-alive"), .e()]),
        .ok("RFC 9112 §6.3 ¶1", "204 followed by the next response",
            "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n" + ok200 + "Content-Length: 1\r\n\r\nx",
            [.h("204 none keep-alive"), .e(), .h("200 cl=1 keep-alive"), .b("x"), .e()]).with(methods: [.get, .get]),
        .ok("RFC 9112 §6.3 ¶1", "304 with Content-Length has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
            [.h("304 none keep-alive"), .e()]),
        .ok("RFC 9112 §6.3 ¶1", "response to HEAD with Content-Length reads no body",
            ok200 + "Content-Length: 100\r\n\r\n" + ok200 + "Content-Length: 2\r\n\r\nhi",
            [.h("200 none keep-alive"), .e(), .h("200 cl=2 keep-alive"), .b("hi"), .e()]).with(methods: [.head, .get]),
        .ok("RFC 9112 §6.3 ¶1", "response to HEAD with chunked reads no body", ok200 + "Transfer-Encoding: chunked\r\n\r\n",
            [.h("200 none keep-alive"), .e()]).with(methods: [.head]),
        .ok("RFC 9112 §6.3 ¶1", "response to HEAD without framing is not close-delimited", ok200 + "\r\n",
            [.h("200 none keep-alive"), .e()]).with(methods: [.head]),
        .ok("RFC 9112 §6.3 ¶8", "close-delimited body", ok200 + "\r\nall of this until EOF",
            [.h("200 close-delimited close"), .b("all of this until EOF"), .e()]),
        .ok("RFC 9112 §6.3 ¶8", "close-delimited HTTP/1.0 body", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc",
            [.h("200 close-delimited close"), .b("abc"), .e()]),
        .ok("RFC 9112 §6.3 ¶8", "close-delimited empty body", ok200 + "\r\n", [.h("200 close-delimited close"), .e()]),
        .ok("RFC 9112 §7.1", "chunked with trailers", ok200 + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nX-Sum: 9\r\n\r\n",
            [.h("200 chunked keep-alive"), .b("abcde"), .e(["X-Sum": "9"])]),
        .ok("RFC 9112 §9.3", "HTTP/1.0 with keep-alive and Content-Length", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
            [.h("200 cl=1 keep-alive"), .b("x"), .e()]),
        .ok("RFC 9112 §9.3", "HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
            [.h("200 cl=1 close"), .b("x"), .e()]),
        .ok("RFC 9112 §9.6", "HTTP/1.1 with Connection: close", ok200 + "Connection: close\r\nContent-Length: 1\r\n\r\nx",
            [.h("200 cl=1 close"), .b("x"), .e()]),
        .ok("RFC 9110 §8.6", "identical duplicate Content-Length", ok200 + "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx",
            [.h("200 cl=1 keep-alive"), .b("x"), .e()]),
        .ok("RFC 9112 §4", "empty reason phrase after the space", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
            [.h("200 cl=0 keep-alive"), .e()]),
        .ok("RFC 9112 §9.3.2", "pipelined responses in order",
            ok200 + "Content-Length: 1\r\n\r\na" + "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nb",
            [.h("200 cl=1 keep-alive"), .b("a"), .e(), .h("404 cl=1 keep-alive"), .b("b"), .e()]).with(methods: [.get, .post]),
        .ok("RFC 9112 §9.6", "clean EOF with nothing outstanding", "", []).with(methods: []),

        .fail("RFC 9112 §6.3 ¶3", "CL and TE", ok200 + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              .contentLengthWithTransferEncoding, 400),
        .fail("RFC 9112 §6.3 ¶3", "CL and TE on a bodiless 204 still refused",
              "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
              .contentLengthWithTransferEncoding, 400),
        .fail("RFC 9110 §8.6", "two differing Content-Length", ok200 + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
              .conflictingContentLength, 400),
        .fail("RFC 9110 §8.6", "Content-Length with sign", ok200 + "Content-Length: +1\r\n\r\nx", .invalidContentLength, 400),
        .fail("RFC 9112 §6.1", "TE gzip only", ok200 + "Transfer-Encoding: gzip\r\n\r\n", .unsupportedTransferCoding, 501),
        .fail("RFC 9112 §6.3 ¶4", "TE chunked not final", ok200 + "Transfer-Encoding: chunked, gzip\r\n\r\n", .invalidTransferEncoding, 400),
        .fail("RFC 9112 §6.1", "TE on HTTP/1.0 response", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              .transferEncodingOnHTTP10, 400),
        .fail("RFC 9110 §15.2.2", "101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
              .upgradeNotSupported, 502),
        .fail("RFC 9110 §9.3.6", "2xx to CONNECT", ok200 + "\r\n", .upgradeNotSupported, 502).with(methods: [.connect]),
        .fail("RFC 9112 §4", "status code of two digits", "HTTP/1.1 20 OK\r\n\r\n", .invalidStatusLine, 502),
        .fail("RFC 9112 §4", "status code of four digits", "HTTP/1.1 2000 OK\r\n\r\n", .invalidStatusLine, 502),
        .fail("RFC 9112 §4", "status code not digits", "HTTP/1.1 2x0 OK\r\n\r\n", .invalidStatusLine, 502),
        .fail("RFC 9110 §15", "status code 600", "HTTP/1.1 600 Nope\r\n\r\n", .invalidStatusCode, 502),
        .fail("RFC 9110 §15", "status code 099", "HTTP/1.1 099 Nope\r\n\r\n", .invalidStatusCode, 502),
        .fail("RFC 9112 §4", "status line without the space after the code", "HTTP/1.1 200\r\n\r\n", .invalidStatusLine, 502),
        .fail("RFC 9112 §4", "reason phrase with a control character", "HTTP/1.1 200 O\u{1}K\r\n\r\n", .invalidStatusLine, 502),
        .fail("RFC 9110 §15.6.6", "HTTP/2.0 status line", "HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion, 505),
        .fail("RFC 9112 §2.3", "malformed version", "HTTP/1.1x 200 OK\r\n\r\n", .invalidVersion, 400),
        .fail("RFC 9112 §2.2", "empty line before the status line", "\r\n" + ok200 + "\r\n", .invalidStatusLine, 502),
        .fail("RFC 9112 §5.2", "obs-fold in a response", ok200 + "X: a\r\n b\r\nContent-Length: 0\r\n\r\n", .obsoleteLineFolding, 400),
        .fail("RFC 9112 §2.2", "bare LF in a response", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", .bareLineFeed, 400),
        .fail("RFC 9112 §5.1", "space before colon in a response", ok200 + "Content-Length : 0\r\n\r\n", .whitespaceBeforeColon, 400),
        .fail("RFC 9112 §7.1", "chunk data without CRLF", ok200 + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd",
              .missingChunkDataTerminator, 400, after: [.h("200 chunked keep-alive"), .b("abc")]),
        .fail("RFC 9110 §6.5.1", "forbidden trailer in a response", ok200 + "Transfer-Encoding: chunked\r\n\r\n0\r\nSet-Cookie: a=b\r\n\r\n",
              .forbiddenTrailerField, 400, after: [.h("200 chunked keep-alive")]),
        .fail("RFC 9112 §9.3", "response data with no request outstanding", ok200 + "\r\n", .unsolicitedResponse, 502)
            .with(methods: []),
        .fail("RFC 9112 §9.3", "a second response nobody asked for", ok200 + "Content-Length: 0\r\n\r\n" + ok200 + "\r\n",
              .unsolicitedResponse, 502, after: [.h("200 cl=0 keep-alive"), .e()]),
        .fail("RFC 9112 §9.6", "EOF before any byte of an expected response", "", .connectionClosedBeforeResponse, 502),
        .fail("RFC 9112 §9.6", "EOF inside the head", "HTTP/1.1 200 OK\r\nContent-Le", .connectionClosedInMessage, 400),
        .fail("RFC 9112 §9.6", "EOF inside a Content-Length body", ok200 + "Content-Length: 5\r\n\r\nab", .connectionClosedInMessage, 400,
              after: [.h("200 cl=5 keep-alive"), .b("ab")]),
        .fail("RFC 9112 §9.6", "EOF after an interim response", "HTTP/1.1 100 Continue\r\n\r\n", .connectionClosedInMessage, 400,
              after: [.i("100 none keep-alive")]),
        .fail("RFC 9112 §9.6", "EOF inside a chunked body", ok200 + "Transfer-Encoding: chunked\r\n\r\n3\r\nab", .connectionClosedInMessage,
              400, after: [.h("200 chunked keep-alive"), .b("ab")]),
        .fail("RFC 6585 §5", "response header section too large", ok200 + "X: " + String(repeating: "a", count: 80) + "\r\n\r\n",
              .headerSectionTooLarge, 431).with(limits: HTTP1Limits(maxHeaderBytes: 64)),
    ]

    func testResponseRows() {
        // Every response-side error means 502 whatever its request-side status says.
        XCTAssertEqual(HTTP1ParseError.upstreamStatus, 502)
        runResponseTable(Self.rows)
    }
}
