/// Line-by-line writing for callers that build a head straight into bytes (the proxy's hot
/// path), with the same checks as ``HTTP1Serializer/writeRequestHead(_:into:)`` and
/// ``HTTP1Serializer/writeResponseHead(_:into:)`` applied to each piece. A head written as
/// start line, fields and ``writeEndOfHead(into:)`` is byte-for-byte the head the whole-head
/// functions write for the same values; on an error the caller discards what it wrote.
extension HTTP1Serializer {
    /// `method SP target SP version CRLF`.
    public static func writeRequestLine(
        method: HTTP1Method, target: String, version: HTTP1Version = .http1_1, into buffer: inout [UInt8]
    ) throws(HTTP1SerializationError) {
        try checkRequestLine(method: method, target: target)
        appendRequestLine(method: method, target: target, version: version, &buffer)
    }

    /// `version SP 3DIGIT SP reason CRLF` (RFC 9112 §4).
    public static func writeStatusLine(
        status: Int, reason: String? = nil, version: HTTP1Version = .http1_1, into buffer: inout [UInt8]
    ) throws(HTTP1SerializationError) {
        let phrase = try checkStatusLine(status: status, reason: reason)
        appendStatusLine(status: status, phrase: phrase, version: version, &buffer)
    }

    /// One field line, `name: value CRLF`, after the checks every whole-head writer applies.
    public static func writeField(name: String, value: String, into buffer: inout [UInt8]) throws(HTTP1SerializationError) {
        guard isTokenName(name) else { throw .invalidFieldName(name) }
        guard isValidFieldValue(value, allowEmpty: true) else { throw .invalidFieldValue(name: name) }
        buffer.append(contentsOf: name.utf8)
        buffer.append(HTTP1Syntax.colon)
        buffer.append(HTTP1Syntax.sp)
        buffer.append(contentsOf: value.utf8)
        appendCRLF(&buffer)
    }

    /// A field line whose value is a decimal number (Content-Length), without a String.
    public static func writeField(name: String, decimal value: UInt64, into buffer: inout [UInt8]) throws(HTTP1SerializationError) {
        guard isTokenName(name) else { throw .invalidFieldName(name) }
        buffer.append(contentsOf: name.utf8)
        buffer.append(HTTP1Syntax.colon)
        buffer.append(HTTP1Syntax.sp)
        appendDecimal(value, &buffer)
        appendCRLF(&buffer)
    }

    /// Several field lines at once, checked as ``writeField(name:value:into:)`` checks each:
    /// a block that is written into many heads (per-connection identity fields) is checked and
    /// encoded once, then copied with `buffer.append(contentsOf:)`.
    public static func encodeFields(_ fields: some Sequence<HTTP1Field>) throws(HTTP1SerializationError) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields {
            try writeField(name: field.name, value: field.value, into: &out)
        }
        return out
    }

    /// The empty line that ends a head.
    public static func writeEndOfHead(into buffer: inout [UInt8]) {
        appendCRLF(&buffer)
    }

    /// `chunk-size CRLF` written into raw memory (the proxy frames body pieces in a scratch
    /// buffer). Returns the bytes written; `buffer` needs room for 18 (16 hex digits + CRLF).
    public static func writeChunkHeader(size: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(size > 0, "a chunk of size 0 would end the body; use writeLastChunk")
        var digits = 0
        var rest = size
        while rest > 0 {
            digits += 1
            rest >>= 4
        }
        precondition(buffer.count >= digits + 2, "no room for a chunk header")
        let hex: StaticString = "0123456789abcdef"
        rest = size
        for index in stride(from: digits - 1, through: 0, by: -1) {
            buffer[index] = hex.utf8Start[rest & 0xF]
            rest >>= 4
        }
        buffer[digits] = HTTP1Syntax.cr
        buffer[digits + 1] = HTTP1Syntax.lf
        return digits + 2
    }

    /// `HTTP1Syntax.isToken` over the contiguous UTF-8 of a native String (every name of every
    /// forwarded head passes here), instead of stepping `String.UTF8View` indices.
    private static func isTokenName(_ name: String) -> Bool {
        name.utf8.withContiguousStorageIfAvailable { HTTP1Syntax.isToken($0) } ?? HTTP1Syntax.isToken(name.utf8)
    }

    private static func appendDecimal(_ value: UInt64, _ buffer: inout [UInt8]) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            buffer.append(0x30 + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
