import XCTest
import SekishoHTTP1

/// The line-by-line writers (HTTP1Serializer+Lines.swift) must write exactly what the whole-head
/// writers write, refuse the same values, and the concrete `namesEqual` must agree with the
/// generic one.
final class SerializerLineTests: XCTestCase {
    func testLinesAddUpToTheWholeRequestHead() throws {
        let fields: HTTP1Fields = ["Host": "h", "X-Empty": "", "Content-Length": "5", "X-Tab": "a\tb"]
        var whole: [UInt8] = []
        try HTTP1Serializer.writeRequestHead(method: .post, target: "/a?b", headers: fields, into: &whole)
        var lines: [UInt8] = []
        try HTTP1Serializer.writeRequestLine(method: .post, target: "/a?b", into: &lines)
        lines += try HTTP1Serializer.encodeFields(fields.prefix(2))
        for field in fields.dropFirst(2) { try HTTP1Serializer.writeField(name: field.name, value: field.value, into: &lines) }
        HTTP1Serializer.writeEndOfHead(into: &lines)
        XCTAssertEqual(String(decoding: lines, as: UTF8.self), String(decoding: whole, as: UTF8.self))
    }

    func testStatusLineMatchesTheWholeResponseHead() throws {
        for (status, reason) in [(200, nil), (100, nil), (204, ""), (599, "Odd\tOne"), (404, "Nope"), (299, nil)] as [(Int, String?)] {
            var whole: [UInt8] = []
            try HTTP1Serializer.writeResponseHead(status: status, reason: reason, version: .http1_0, headers: [:], into: &whole)
            var lines: [UInt8] = []
            try HTTP1Serializer.writeStatusLine(status: status, reason: reason, version: .http1_0, into: &lines)
            HTTP1Serializer.writeEndOfHead(into: &lines)
            XCTAssertEqual(lines, whole, "\(status)")
        }
        var out: [UInt8] = []
        XCTAssertThrowsError(try HTTP1Serializer.writeStatusLine(status: 600, into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeStatusLine(status: 99, into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeStatusLine(status: 200, reason: "a\r\nb", into: &out))
        XCTAssertEqual(out, [])
    }

    func testFieldChecksMatchTheWholeHeadWriters() {
        var out: [UInt8] = []
        XCTAssertThrowsError(try HTTP1Serializer.writeField(name: "Bad Name", value: "v", into: &out)) {
            XCTAssertEqual($0 as? HTTP1SerializationError, .invalidFieldName("Bad Name"))
        }
        for value in ["a\r\nb", " lead", "trail ", "nul\u{0}", "del\u{7F}"] {
            XCTAssertThrowsError(try HTTP1Serializer.writeField(name: "X", value: value, into: &out)) {
                XCTAssertEqual($0 as? HTTP1SerializationError, .invalidFieldValue(name: "X"))
            }
        }
        XCTAssertThrowsError(try HTTP1Serializer.encodeFields([HTTP1Field(name: "A", value: "1"), HTTP1Field(name: "B", value: "x\n")]))
        XCTAssertThrowsError(try HTTP1Serializer.writeRequestLine(method: .get, target: "/a b", into: &out))
        XCTAssertThrowsError(try HTTP1Serializer.writeRequestLine(method: .get, target: "", into: &out))
        XCTAssertEqual(out, [])
    }

    func testDecimalFieldValues() throws {
        for value: UInt64 in [0, 7, 10, 99, 100, 1_234_567_890, UInt64(Int64.max), UInt64.max] {
            var out: [UInt8] = []
            try HTTP1Serializer.writeField(name: "Content-Length", decimal: value, into: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "Content-Length: \(value)\r\n")
        }
    }

    func testRawChunkHeaderMatchesTheArrayOne() {
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 1)
        defer { raw.deallocate() }
        for size in [1, 9, 10, 15, 16, 255, 256, 4_096, 65_516, 1 << 40, Int.max] {
            var expected: [UInt8] = []
            HTTP1Serializer.writeChunkHeader(size: size, into: &expected)
            let n = HTTP1Serializer.writeChunkHeader(size: size, into: raw)
            XCTAssertEqual(Array(raw[..<n]), expected, "\(size)")
        }
    }

    func testConcreteNamesEqualAgreesWithTheGenericOne() {
        let names = ["", "a", "A", "Host", "hOST", "host ", "Content-Length", "content-length", "content-lengtH", "content_length",
                     "x-forwarded-for", "X-Forwarded-For", "[", "{", "@", "`", "é", "É"]
        for a in names {
            for b in names {
                let generic = HTTP1Fields.namesEqual(Substring(a), Substring(b))
                XCTAssertEqual(HTTP1Fields.namesEqual(a, b), generic, "\(a) vs \(b)")
            }
        }
        XCTAssertTrue(HTTP1Fields.namesEqual("CONTENT-LENGTH", "content-length"))
        XCTAssertFalse(HTTP1Fields.namesEqual("[", "{"), "only letters fold")
    }
}
