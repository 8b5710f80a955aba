/// Something the serializer refused to write because it would not parse back as the same message
/// (for example a value carrying CR/LF from a client certificate subject: header injection).
public enum HTTP1SerializationError: Error, Sendable, Hashable {
    case invalidMethod(String)
    case invalidTarget(String)
    case invalidStatus(Int)
    case invalidReasonPhrase
    case invalidFieldName(String)
    /// The field name is given; the value is not, since it may be sensitive.
    case invalidFieldValue(name: String)
}

/// Writes HTTP/1.1 heads and chunked framing into a `[UInt8]` for forwarding.
///
/// Everything written is checked against the same rules the parsers enforce (token method and
/// names, visible-ASCII target, field values without CTLs, no leading/trailing whitespace), so a
/// serialized head always parses back to the same head. Values come from parsed input or from
/// certificates and configuration, so a violation is reported as an error, never trapped.
public enum HTTP1Serializer {
    /// `method SP target SP version CRLF`, the field lines, and the empty line (RFC 9112 §3, §5).
    public static func writeRequestHead(
        method: HTTP1Method,
        target: String,
        version: HTTP1Version = .http1_1,
        headers: HTTP1Fields,
        into buffer: inout [UInt8]
    ) throws(HTTP1SerializationError) {
        try checkRequestLine(method: method, target: target)
        try checkFields(headers)
        appendRequestLine(method: method, target: target, version: version, &buffer)
        appendFields(headers, &buffer)
        appendCRLF(&buffer)
    }

    /// Writes `head.method`, `head.target`, `head.version` and `head.headers` as they are; the
    /// caller rewrites the target (``HTTP1RequestHead/originFormTarget``) and headers first.
    public static func writeRequestHead(_ head: HTTP1RequestHead, into buffer: inout [UInt8]) throws(HTTP1SerializationError) {
        try writeRequestHead(method: head.method, target: head.target, version: head.version, headers: head.headers, into: &buffer)
    }

    /// `version SP 3DIGIT SP reason CRLF`, the field lines, and the empty line (RFC 9112 §4). An
    /// empty `reason` still gets its SP, as §4 requires.
    public static func writeResponseHead(
        status: Int,
        reason: String? = nil,
        version: HTTP1Version = .http1_1,
        headers: HTTP1Fields,
        into buffer: inout [UInt8]
    ) throws(HTTP1SerializationError) {
        let phrase = try checkStatusLine(status: status, reason: reason)
        try checkFields(headers)
        appendStatusLine(status: status, phrase: phrase, version: version, &buffer)
        appendFields(headers, &buffer)
        appendCRLF(&buffer)
    }

    public static func writeResponseHead(_ head: HTTP1ResponseHead, into buffer: inout [UInt8]) throws(HTTP1SerializationError) {
        try writeResponseHead(status: head.status, reason: head.reason, version: head.version, headers: head.headers, into: &buffer)
    }

    /// `chunk-size CRLF` for a chunk of `size` bytes (lowercase hex, no extensions). Write the data
    /// next, then ``writeChunkDataTerminator(into:)``: this lets the proxy send body slices without
    /// copying them into the buffer. `size` must be positive: a zero size is the last chunk, written
    /// by ``writeLastChunk(trailers:into:)``.
    public static func writeChunkHeader(size: Int, into buffer: inout [UInt8]) {
        precondition(size > 0, "a chunk of size 0 would end the body; use writeLastChunk")
        buffer.append(contentsOf: String(size, radix: 16).utf8)
        appendCRLF(&buffer)
    }

    /// The CRLF after chunk-data (RFC 9112 §7.1).
    public static func writeChunkDataTerminator(into buffer: inout [UInt8]) {
        appendCRLF(&buffer)
    }

    /// A whole chunk (header, data, CRLF), copying `data`. Empty data writes nothing, since an empty
    /// chunk would end the body.
    public static func writeChunk(_ data: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        guard !data.isEmpty else { return }
        writeChunkHeader(size: data.count, into: &buffer)
        buffer.append(contentsOf: data)
        appendCRLF(&buffer)
    }

    /// `0 CRLF`, the trailer fields, and the final CRLF (RFC 9112 §7.1, §7.1.2).
    public static func writeLastChunk(trailers: HTTP1Fields = HTTP1Fields(), into buffer: inout [UInt8]) throws(HTTP1SerializationError) {
        try checkFields(trailers)
        buffer.append(0x30)
        appendCRLF(&buffer)
        appendFields(trailers, &buffer)
        appendCRLF(&buffer)
    }

    /// The RFC 9110 §15 reason phrase for common codes, "" for others (the SP is still written).
    public static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 417: return "Expectation Failed"
        case 421: return "Misdirected Request"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return ""
        }
    }

    // MARK: - Checks and writing

    private static func checkFields(_ fields: HTTP1Fields) throws(HTTP1SerializationError) {
        for field in fields {
            guard HTTP1Syntax.isToken(field.name.utf8) else { throw .invalidFieldName(field.name) }
            guard isValidFieldValue(field.value, allowEmpty: true) else { throw .invalidFieldValue(name: field.name) }
        }
    }

    /// field-value without CTLs (HTAB allowed inside) and without leading/trailing OWS, which a
    /// parser would strip (RFC 9110 §5.5).
    static func isValidFieldValue(_ value: String, allowEmpty: Bool) -> Bool {
        let bytes = value.utf8
        guard let first = bytes.first, let last = bytes.last else { return allowEmpty }
        if HTTP1Syntax.isOWS(first) || HTTP1Syntax.isOWS(last) { return false }
        // Every forwarded request runs this over each header value, the ~1 KiB Client-Cert
        // identity field included: scan the contiguous UTF-8 storage directly (native strings
        // always have it) rather than stepping String.UTF8View indices byte by byte, which
        // showed as 4-5% of the proxy's CPU per keep-alive request in a profile.
        let valid: (UInt8) -> Bool = { $0 >= 0x20 && $0 != 0x7F || $0 == HTTP1Syntax.htab }
        return bytes.withContiguousStorageIfAvailable { $0.allSatisfy(valid) } ?? bytes.allSatisfy(valid)
    }

    /// The checks of a request line: the method is a token, the target visible ASCII.
    static func checkRequestLine(method: HTTP1Method, target: String) throws(HTTP1SerializationError) {
        guard HTTP1Syntax.isToken(method.rawValue.utf8) else { throw .invalidMethod(method.rawValue) }
        guard !target.isEmpty, target.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .invalidTarget(target)
        }
    }

    /// `method SP target SP version CRLF`, checked by `checkRequestLine`.
    static func appendRequestLine(method: HTTP1Method, target: String, version: HTTP1Version, _ buffer: inout [UInt8]) {
        buffer.append(contentsOf: method.rawValue.utf8)
        buffer.append(HTTP1Syntax.sp)
        buffer.append(contentsOf: target.utf8)
        buffer.append(HTTP1Syntax.sp)
        buffer.append(contentsOf: version.description.utf8)
        appendCRLF(&buffer)
    }

    /// The checks of a status line; returns the reason phrase to send.
    static func checkStatusLine(status: Int, reason: String?) throws(HTTP1SerializationError) -> String {
        guard (100...599).contains(status) else { throw .invalidStatus(status) }
        let phrase = reason ?? reasonPhrase(for: status)
        // reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 §4): spaces anywhere are fine.
        guard phrase.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == HTTP1Syntax.htab }) else {
            throw .invalidReasonPhrase
        }
        return phrase
    }

    /// `version SP 3DIGIT SP reason CRLF`, checked by `checkStatusLine`. An empty reason still
    /// gets its SP, as RFC 9112 §4 requires.
    static func appendStatusLine(status: Int, phrase: String, version: HTTP1Version, _ buffer: inout [UInt8]) {
        buffer.append(contentsOf: version.description.utf8)
        buffer.append(HTTP1Syntax.sp)
        // Three digits, checked: no String for the status code.
        buffer.append(0x30 + UInt8(status / 100))
        buffer.append(0x30 + UInt8(status / 10 % 10))
        buffer.append(0x30 + UInt8(status % 10))
        buffer.append(HTTP1Syntax.sp)
        buffer.append(contentsOf: phrase.utf8)
        appendCRLF(&buffer)
    }

    static func appendCRLF(_ buffer: inout [UInt8]) {
        buffer.append(HTTP1Syntax.cr)
        buffer.append(HTTP1Syntax.lf)
    }

    private static func appendFields(_ fields: HTTP1Fields, _ buffer: inout [UInt8]) {
        for field in fields {
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(HTTP1Syntax.colon)
            buffer.append(HTTP1Syntax.sp)
            buffer.append(contentsOf: field.value.utf8)
            appendCRLF(&buffer)
        }
    }
}
