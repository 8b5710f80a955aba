import XCTest
import SekishoHTTP1

/// The calling contract and the head values the proxy relies on, beyond what the tables summarise.
final class ParserAPITests: XCTestCase {
    private func parseAll(_ parser: inout HTTP1RequestParser, _ input: [UInt8]) throws -> [HTTP1RequestEvent] {
        var events: [HTTP1RequestEvent] = []
        try input.withUnsafeBytes { buffer in
            var offset = 0
            while true {
                let step = try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                offset += step.consumed
                guard let event = step.event else { break }
                events.append(event)
            }
        }
        return events
    }

    private func firstHead(_ input: String, policy: HTTP1RequestPolicy = HTTP1RequestPolicy()) throws -> HTTP1RequestHead {
        var parser = HTTP1RequestParser(policy: policy)
        guard case .head(let head)? = try parseAll(&parser, bytes(input)).first else {
            XCTFail("no head")
            throw HTTP1ParseError.invalidRequestLine
        }
        return head
    }

    func testDefaultLimitsMatchTheIssue() {
        let limits = HTTP1Limits()
        XCTAssertEqual(limits.maxRequestLineBytes, 8_192)
        XCTAssertEqual(limits.maxHeaderBytes, 32_768)
        XCTAssertEqual(limits.maxHeaderCount, 100)
        XCTAssertEqual(limits.maxChunkExtensionBytes, 4_096)
        XCTAssertEqual(limits.maxTrailerBytes, 8_192)
        XCTAssertNil(limits.maxRequestBodyBytes)
        XCTAssertEqual(HTTP1RequestPolicy(), HTTP1RequestPolicy(allowConnect: false, allowTrace: false))
    }

    func testHeadKeepsFieldOrderCaseAndTrimmedValues() throws {
        let head = try firstHead("POST /up?x=1 HTTP/1.1\r\nhOsT: example.test\r\nX-Dup: a \r\nx-dup:\tb\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(head.method, .post)
        XCTAssertEqual(head.target, "/up?x=1")
        XCTAssertEqual(head.targetForm, .origin)
        XCTAssertEqual(head.version, .http1_1)
        XCTAssertEqual(head.headers.fields, [
            HTTP1Field(name: "hOsT", value: "example.test"),
            HTTP1Field(name: "X-Dup", value: "a"),
            HTTP1Field(name: "x-dup", value: "b"),
            HTTP1Field(name: "Content-Length", value: "0"),
        ])
        XCTAssertEqual(head.headers.values(named: "X-DUP"), ["a", "b"])
        XCTAssertEqual(head.headers.first(named: "host"), "example.test")
        XCTAssertEqual(head.authority, "example.test")
        XCTAssertEqual(head.framing, .contentLength(0))
        XCTAssertTrue(head.keepAlive)
        XCTAssertFalse(head.expectContinue)
    }

    func testNonASCIIValueRoundTripsByteForByte() throws {
        let head = try firstHead("GET / HTTP/1.1\r\nHost: h\r\nX-Name: Jürgen 山田\r\n\r\n")
        XCTAssertEqual(Array(head.headers.first(named: "x-name")!.utf8), Array("Jürgen 山田".utf8))
    }

    func testAbsoluteFormExposesOriginFormAndAuthority() throws {
        let head = try firstHead("GET http://Example.test:8080?q=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n")
        XCTAssertEqual(head.targetForm, .absolute)
        XCTAssertEqual(head.originFormTarget, "/?q=1")
        let bare = try firstHead("GET https://h HTTP/1.0\r\n\r\n")
        XCTAssertEqual(bare.originFormTarget, "/")
        XCTAssertEqual(bare.authority, "h")
        let path = try firstHead("GET http://h/a/b?c HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(path.originFormTarget, "/a/b?c")
        let origin = try firstHead("GET /x HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(origin.originFormTarget, "/x")
        let connect = try firstHead("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", policy: HTTP1RequestPolicy(allowConnect: true))
        XCTAssertEqual(connect.targetForm, .authority)
        XCTAssertEqual(connect.framing, .none)
    }

    func testBodyIsReturnedAsARangeOfTheFedBufferWithoutCopying() throws {
        var parser = HTTP1RequestParser()
        let input = bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
        try input.withUnsafeBytes { buffer in
            let headStep = try parser.parse(buffer)
            guard case .head? = headStep.event else { return XCTFail("expected head") }
            let rest = UnsafeRawBufferPointer(rebasing: buffer[headStep.consumed...])
            let bodyStep = try parser.parse(rest)
            guard case .body(let range)? = bodyStep.event else { return XCTFail("expected body") }
            XCTAssertEqual(range, 0..<5)
            // Same memory, not a copy.
            XCTAssertEqual(rest.baseAddress! + range.lowerBound, buffer.baseAddress! + (input.count - 5))
            XCTAssertEqual(bodyStep.consumed, 5)
        }
    }

    func testEndFollowsHeadOnAnEmptyCall() throws {
        var parser = HTTP1RequestParser()
        let input = bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let step = try input.withUnsafeBytes { try parser.parse($0) }
        XCTAssertEqual(step.consumed, input.count)
        guard case .head? = step.event else { return XCTFail("expected head") }
        XCTAssertFalse(parser.isIdle)
        let end = try [UInt8]().withUnsafeBytes { try parser.parse($0) }
        XCTAssertEqual(end, HTTP1ParseStep(consumed: 0, event: .end(trailers: [:])))
        XCTAssertTrue(parser.isIdle)
        let nothing = try [UInt8]().withUnsafeBytes { try parser.parse($0) }
        XCTAssertEqual(nothing, HTTP1ParseStep(consumed: 0, event: nil))
    }

    func testCallerMayHoldAPipelinedRequestUntilLater() throws {
        var parser = HTTP1RequestParser()
        let input = bytes("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
        var held: [UInt8] = []
        try input.withUnsafeBytes { buffer in
            var offset = 0
            while true {
                let step = try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                offset += step.consumed
                if case .end? = step.event { break }  // stop: the response to /a is not done yet
            }
            held = Array(buffer[offset...])
        }
        XCTAssertTrue(parser.isIdle)
        XCTAssertEqual(held, bytes("GET /b HTTP/1.1\r\nHost: h\r\n\r\n"))
        let later = try parseAll(&parser, held)
        guard case .head(let head)? = later.first else { return XCTFail("expected the held request") }
        XCTAssertEqual(head.target, "/b")
    }

    func testErrorIsStickyAndEOFReportsIt() {
        var parser = HTTP1RequestParser()
        XCTAssertThrowsError(try parseAll(&parser, bytes("GET / HTTP/1.1\r\nHost : h\r\n\r\n"))) {
            XCTAssertEqual($0 as? HTTP1ParseError, .whitespaceBeforeColon)
        }
        XCTAssertThrowsError(try parseAll(&parser, bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))) {
            XCTAssertEqual($0 as? HTTP1ParseError, .whitespaceBeforeColon)
        }
        XCTAssertThrowsError(try parser.eof()) { XCTAssertEqual($0 as? HTTP1ParseError, .whitespaceBeforeColon) }
    }

    func testIdleTracksPartialRequests() throws {
        var parser = HTTP1RequestParser()
        XCTAssertTrue(parser.isIdle)
        _ = try parseAll(&parser, bytes("GE"))
        XCTAssertFalse(parser.isIdle)
        XCTAssertThrowsError(try parser.eof()) { XCTAssertEqual($0 as? HTTP1ParseError, .connectionClosedInMessage) }
    }

    func testResponseParserQueuesMethodsAndReportsIdle() throws {
        var parser = HTTP1ResponseParser()
        XCTAssertTrue(parser.isIdle)
        parser.expectResponse(to: .head)
        parser.expectResponse(to: .get)
        XCTAssertEqual(parser.outstandingResponses, 2)
        let input = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
        var events: [HTTP1ResponseEvent] = []
        try input.withUnsafeBytes { buffer in
            var offset = 0
            while true {
                let step = try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                offset += step.consumed
                guard let event = step.event else { break }
                events.append(event)
                if case .informational = event { XCTAssertEqual(parser.outstandingResponses, 2) }
            }
        }
        XCTAssertEqual(parser.outstandingResponses, 0)
        XCTAssertTrue(parser.isIdle)
        guard events.count == 6, case .informational(let interim) = events[0], case .head(let first) = events[1],
            case .head(let second) = events[3]
        else { return XCTFail("unexpected events \(events)") }
        XCTAssertTrue(interim.isInformational)
        XCTAssertEqual(interim.reason, "Continue")
        XCTAssertEqual(first.framing, .none)  // HEAD
        XCTAssertEqual(first.headers.first(named: "content-length"), "3")
        XCTAssertEqual(second.framing, .contentLength(3))
        XCTAssertNil(try parser.eof())
    }

    func testResponseCloseDelimitedEndsOnlyAtEOF() throws {
        var parser = HTTP1ResponseParser()
        parser.expectResponse(to: .get)
        let input = bytes("HTTP/1.1 200 OK\r\n\r\npart")
        let head = try input.withUnsafeBytes { try parser.parse($0) }
        guard case .head(let h)? = head.event else { return XCTFail("expected head") }
        XCTAssertEqual(h.framing, .closeDelimited)
        XCTAssertFalse(h.keepAlive)
        let body = try input.withUnsafeBytes { try parser.parse(UnsafeRawBufferPointer(rebasing: $0[head.consumed...])) }
        XCTAssertEqual(body.event, .body(0..<4))
        XCTAssertEqual(try parser.eof(), .end(trailers: [:]))
        XCTAssertNil(try parser.eof())
        XCTAssertThrowsError(try bytes("x").withUnsafeBytes { try parser.parse($0) }) {
            XCTAssertEqual($0 as? HTTP1ParseError, .unsolicitedResponse)
        }
    }

    func testEveryErrorHasItsStatusAndCloses() {
        let expected: [HTTP1ParseError: Int] = [
            .requestLineTooLong: 414, .invalidRequestLine: 400, .invalidMethod: 400, .invalidRequestTarget: 400,
            .invalidVersion: 400, .unsupportedVersion: 505, .methodNotSupported: 501, .invalidStatusLine: 502,
            .invalidStatusCode: 502, .bareLineFeed: 400, .bareCarriageReturn: 400, .headerSectionTooLarge: 431,
            .tooManyHeaderFields: 431, .missingColon: 400, .invalidFieldName: 400, .whitespaceBeforeColon: 400,
            .invalidFieldValue: 400, .obsoleteLineFolding: 400, .missingHost: 400, .multipleHost: 400, .invalidHost: 400,
            .hostMismatch: 400, .unsupportedExpectation: 417, .contentTooLarge: 413, .contentLengthWithTransferEncoding: 400,
            .invalidContentLength: 400, .conflictingContentLength: 400, .invalidTransferEncoding: 400,
            .unsupportedTransferCoding: 501, .transferEncodingOnHTTP10: 400, .invalidChunkSize: 400, .chunkSizeOverflow: 400,
            .invalidChunkExtension: 400, .chunkExtensionTooLong: 400, .missingChunkDataTerminator: 400,
            .trailerSectionTooLarge: 431, .forbiddenTrailerField: 400, .connectionClosedInMessage: 400,
            .connectionClosedBeforeResponse: 502, .unsolicitedResponse: 502, .upgradeNotSupported: 502,
        ]
        XCTAssertEqual(expected.count, 41)
        for (error, status) in expected {
            XCTAssertEqual(error.status, status, "\(error)")
            XCTAssertTrue(error.closesConnection)
            XCTAssertFalse(error.description.isEmpty)
        }
    }

    func testFieldsHelpers() {
        var fields: HTTP1Fields = ["Connection": "keep-alive, Upgrade", "connection": " , x-hop", "Via": "1.1 a"]
        XCTAssertEqual(fields.listElements(named: "CONNECTION"), ["keep-alive", "Upgrade", "x-hop"])
        XCTAssertTrue(fields.containsToken("upgrade", inFieldNamed: "Connection"))
        XCTAssertFalse(fields.containsToken("close", inFieldNamed: "Connection"))
        XCTAssertEqual(fields.remove(named: "CONNECTION"), 2)
        XCTAssertEqual(fields.count, 1)
        fields.append(name: "X-Forwarded-For", value: "192.0.2.1")
        XCTAssertEqual(fields.map(\.name), ["Via", "X-Forwarded-For"])
        XCTAssertTrue(fields.contains(named: "x-forwarded-for"))
        XCTAssertTrue(HTTP1Fields.namesEqual("Content-Length", "content-LENGTH"))
        XCTAssertFalse(HTTP1Fields.namesEqual("Content-Length", "Content-Lengt"))
    }
}
