import XCTest
import SekishoHTTP1

final class SerializerTests: XCTestCase {
    func testWritesRequestHeadExactly() throws {
        var out: [UInt8] = []
        try HTTP1Serializer.writeRequestHead(
            method: .post, target: "/a?b", headers: ["Host": "h", "Content-Length": "5"], into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "POST /a?b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n")
    }

    func testWritesResponseHeadWithDefaultAndEmptyReason() throws {
        var out: [UInt8] = []
        try HTTP1Serializer.writeResponseHead(status: 502, headers: ["Connection": "close"], into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
        out.removeAll()
        // RFC 9112 §4: the SP after the status code stays even with no reason phrase.
        try HTTP1Serializer.writeResponseHead(status: 299, reason: "", version: .http1_0, headers: [:], into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "HTTP/1.0 299 \r\n\r\n")
    }

    func testWritesChunkedFraming() throws {
        var out: [UInt8] = []
        bytes("hello world, this is sixteen+").withUnsafeBytes { HTTP1Serializer.writeChunk($0, into: &out) }
        [UInt8]().withUnsafeBytes { HTTP1Serializer.writeChunk($0, into: &out) }  // no-op, not a last chunk
        HTTP1Serializer.writeChunkHeader(size: 3, into: &out)
        out += bytes("abc")
        HTTP1Serializer.writeChunkDataTerminator(into: &out)
        try HTTP1Serializer.writeLastChunk(trailers: ["X-Sum": "1"], into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       "1d\r\nhello world, this is sixteen+\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n")
    }

    func testRefusesHeaderInjectionAndBadTokens() {
        var out: [UInt8] = []
        XCTAssertThrowsError(try HTTP1Serializer.writeRequestHead(
            method: .get, target: "/", headers: ["X-Client-CN": "evil\r\nX-Admin: 1"], into: &out)) {
            XCTAssertEqual($0 as? HTTP1SerializationError, .invalidFieldValue(name: "X-Client-CN"))
        }
        XCTAssertThrowsError(try HTTP1Serializer.writeRequestHead(method: .get, target: "/", headers: ["Bad Name": "v"], into: &out)) {
            XCTAssertEqual($0 as? HTTP1SerializationError, .invalidFieldName("Bad Name"))
        }
        XCTAssertThrowsError(try HTTP1Serializer.writeRequestHead(method: "G ET", target: "/", headers: [:], into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeRequestHead(method: .get, target: "/a b", headers: [:], into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeRequestHead(method: .get, target: "/", headers: ["X": " padded"], into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeResponseHead(status: 1000, headers: [:], into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeResponseHead(status: 200, reason: "O\nK", headers: [:], into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeLastChunk(trailers: ["X": "a\u{0}"], into: &out))
        XCTAssertEqual(out, [], "nothing is written when a check fails")
    }

    func testParsedHeadsRoundTrip() throws {
        let request = bytes("PUT /x HTTP/1.1\r\nhost: h\r\nTransfer-Encoding: chunked\r\nX-U: é\t!\r\n\r\n")
        var parser = HTTP1RequestParser()
        guard case .head(let head)? = try request.withUnsafeBytes({ try parser.parse($0) }).event else {
            return XCTFail("expected head")
        }
        var out: [UInt8] = []
        try HTTP1Serializer.writeRequestHead(head, into: &out)
        var again = HTTP1RequestParser()
        XCTAssertEqual(try out.withUnsafeBytes { try again.parse($0) }.event, .head(head))

        let response = bytes("HTTP/1.1 404  Not  Found \r\nContent-Length: 0\r\n\r\n")
        var rp = HTTP1ResponseParser()
        rp.expectResponse(to: .get)
        guard case .head(let rhead)? = try response.withUnsafeBytes({ try rp.parse($0) }).event else {
            return XCTFail("expected response head")
        }
        XCTAssertEqual(rhead.reason, " Not  Found ")
        out.removeAll()
        try HTTP1Serializer.writeResponseHead(rhead, into: &out)
        XCTAssertEqual(out, response)
    }

    func testChunkedOutputParsesBack() throws {
        var wire = bytes("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        for size in [1, 15, 16, 255, 4_096] {
            Array(repeating: UInt8(ascii: "z"), count: size).withUnsafeBytes { HTTP1Serializer.writeChunk($0, into: &wire) }
        }
        try HTTP1Serializer.writeLastChunk(into: &wire)
        let outcome = verifyRequestSplits(wire, label: "serialized chunked")
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.events.count, 4)
        if case .body(let body) = outcome.events[1] { XCTAssertEqual(body.count, 1 + 15 + 16 + 255 + 4_096) } else { XCTFail("no body") }
    }
}
