/// Delimits one message body for either parser: Content-Length, chunked (RFC 9112 §7.1) or
/// close-delimited. Body bytes are never copied or buffered: each step returns a range of the fed
/// buffer. Only chunk-size and trailer lines pass through the line reader.
struct HTTP1BodyDecoder: Sendable {
    enum Event: Sendable {
        case data(Range<Int>)
        case end(HTTP1Fields)
    }

    private enum State: Sendable {
        case idle
        case contentLength(remaining: UInt64)
        case closeDelimited
        case chunkSizeLine
        case chunkData(remaining: UInt64)
        case chunkDataCR
        case chunkDataLF
        case trailers
    }

    /// chunk-size = 1*HEXDIG; more than 16 digits cannot be an Int64 (leading zeros included: a
    /// sender has no reason to pad, and an unbounded digit run is a resource and parser-differential
    /// hazard).
    static let maxChunkSizeDigits = 16

    private let limits: HTTP1Limits
    /// 413 limit, request bodies only.
    private let maxBodyBytes: UInt64?
    private var state: State = .idle
    private var reader = HTTP1LineReader()
    private var trailers = HTTP1Fields()
    private var trailerBytes = 0
    private var chunkedTotal: UInt64 = 0

    init(limits: HTTP1Limits, maxBodyBytes: UInt64?) {
        self.limits = limits
        self.maxBodyBytes = maxBodyBytes
    }

    /// True while a message body (or its trailers) is being delimited.
    var isActive: Bool {
        if case .idle = state { return false }
        return true
    }

    /// True when the body is fully read and only the `.end` event is still to be returned.
    var isComplete: Bool {
        if case .contentLength(remaining: 0) = state { return true }
        return false
    }

    var isCloseDelimited: Bool {
        if case .closeDelimited = state { return true }
        return false
    }

    mutating func start(_ framing: HTTP1Framing) {
        reader.reset()
        trailers = HTTP1Fields()
        trailerBytes = 0
        chunkedTotal = 0
        switch framing {
        case .none: state = .contentLength(remaining: 0)
        case .contentLength(let n): state = .contentLength(remaining: n)
        case .chunked: state = .chunkSizeLine
        case .closeDelimited: state = .closeDelimited
        }
    }

    /// Ends a close-delimited body at EOF; any other body in progress is truncated.
    mutating func eof() throws(HTTP1ParseError) -> Event {
        switch state {
        case .closeDelimited, .contentLength(remaining: 0):
            state = .idle
            return .end(HTTP1Fields())
        default:
            throw .connectionClosedInMessage
        }
    }

    /// Consumes input until one event is ready or the input runs out (event `nil`, all consumed).
    mutating func decode(_ input: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> (consumed: Int, event: Event?) {
        var i = 0
        while true {
            let available = input.count - i
            switch state {
            case .idle:
                return (i, nil)

            case .contentLength(let remaining):
                if remaining == 0 {
                    state = .idle
                    return (i, .end(HTTP1Fields()))
                }
                if available == 0 { return (i, nil) }
                let n = Int(min(UInt64(available), remaining))
                state = .contentLength(remaining: remaining - UInt64(n))
                return (i + n, .data(i..<(i + n)))

            case .closeDelimited:
                if available == 0 { return (i, nil) }
                return (input.count, .data(i..<input.count))

            case .chunkSizeLine:
                let maxExt = limits.maxChunkExtensionBytes
                let read = try reader.read(
                    HTTP1Syntax.slice(input, i..<input.count),
                    // Saturating, so that a huge configured limit cannot overflow.
                    budget: maxExt > Int.max - 64 ? Int.max : Self.maxChunkSizeDigits + maxExt + 2,
                    tooLong: { first in Self.classifyOverlongChunkLine(first, maxExt: maxExt) },
                    parse: { (line) throws(HTTP1ParseError) -> UInt64 in try Self.parseChunkSizeLine(line, maxExt: maxExt) }
                )
                i += read.consumed
                guard let (size, _) = read.line else { return (i, nil) }
                if size == 0 {
                    state = .trailers
                    continue
                }
                if let max = maxBodyBytes {
                    // Both terms are at most Int64.max, so the sum cannot overflow UInt64.
                    chunkedTotal += size
                    if chunkedTotal > max { throw .contentTooLarge }
                }
                state = .chunkData(remaining: size)

            case .chunkData(let remaining):
                if available == 0 { return (i, nil) }
                let n = Int(min(UInt64(available), remaining))
                state = remaining == UInt64(n) ? .chunkDataCR : .chunkData(remaining: remaining - UInt64(n))
                return (i + n, .data(i..<(i + n)))

            case .chunkDataCR, .chunkDataLF:
                // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF (RFC 9112 §7.1). Checked a
                // byte at a time so that a split between CR and LF changes nothing.
                if available == 0 { return (i, nil) }
                let expectCR: Bool
                if case .chunkDataCR = state { expectCR = true } else { expectCR = false }
                guard input[i] == (expectCR ? HTTP1Syntax.cr : HTTP1Syntax.lf) else {
                    throw .missingChunkDataTerminator
                }
                i += 1
                state = expectCR ? .chunkDataLF : .chunkSizeLine

            case .trailers:
                let read = try reader.read(
                    HTTP1Syntax.slice(input, i..<input.count),
                    budget: limits.maxTrailerBytes - trailerBytes,
                    tooLong: { _ in .trailerSectionTooLarge },
                    parse: { (line) throws(HTTP1ParseError) -> HTTP1Field? in
                        line.isEmpty ? nil : try HTTP1Syntax.parseFieldLine(line)
                    }
                )
                i += read.consumed
                guard let (field, length) = read.line else { return (i, nil) }
                trailerBytes += length
                guard let field else {
                    state = .idle
                    let done = trailers
                    trailers = HTTP1Fields()
                    return (i, .end(done))
                }
                // RFC 9110 §6.5.1: fields that frame, route, authenticate or describe the content
                // must not arrive late; a recipient acting on them would be smuggled to.
                if Self.forbiddenInTrailers.contains(field.name.lowercased()) { throw .forbiddenTrailerField }
                if trailers.count >= limits.maxHeaderCount { throw .trailerSectionTooLarge }
                trailers.append(field)
            }
        }
    }

    /// chunk-size [ chunk-ext ] with
    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1).
    /// Extensions are checked, then ignored (we forward none).
    static func parseChunkSizeLine(_ line: UnsafeRawBufferPointer, maxExt: Int) throws(HTTP1ParseError) -> UInt64 {
        var digits = 0
        var size: UInt64 = 0
        while digits < line.count, let v = HTTP1Syntax.hexValue(line[digits]) {
            if digits < maxChunkSizeDigits { size = size << 4 | v }
            digits += 1
        }
        // No digits: "-1", "0x", ";x" ... RFC 9112 §7.1 requires 1*HEXDIG.
        if digits == 0 { throw .invalidChunkSize }
        if digits > maxChunkSizeDigits || size > UInt64(Int64.max) { throw .chunkSizeOverflow }
        if digits == line.count { return size }
        // "0x5": the "x" is neither BWS nor ";", so the size itself is malformed.
        let next = line[digits]
        guard next == HTTP1Syntax.semicolon || HTTP1Syntax.isOWS(next) else { throw .invalidChunkSize }
        let ext = HTTP1Syntax.slice(line, digits..<line.count)
        if ext.count > maxExt { throw .chunkExtensionTooLong }
        try checkChunkExtensions(ext)
        return size
    }

    /// A chunk-size line with no LF within budget: report what the first bytes show.
    static func classifyOverlongChunkLine(_ first: UnsafeRawBufferPointer, maxExt: Int) -> HTTP1ParseError {
        do {
            _ = try parseChunkSizeLine(first, maxExt: maxExt)
            return .chunkExtensionTooLong
        } catch {
            return error
        }
    }

    private static func checkChunkExtensions(_ ext: UnsafeRawBufferPointer) throws(HTTP1ParseError) {
        var i = 0
        let n = ext.count
        func skipBWS() { while i < n && HTTP1Syntax.isOWS(ext[i]) { i += 1 } }
        func token() -> Bool {
            let start = i
            while i < n && HTTP1Syntax.isTchar(ext[i]) { i += 1 }
            return i > start
        }
        while i < n {
            skipBWS()
            // Trailing whitespace without a following ";" is not in the grammar.
            guard i < n, ext[i] == HTTP1Syntax.semicolon else { throw .invalidChunkExtension }
            i += 1
            skipBWS()
            guard token() else { throw .invalidChunkExtension }
            var j = i
            while j < n && HTTP1Syntax.isOWS(ext[j]) { j += 1 }
            guard j < n, ext[j] == 0x3D else { continue }  // no "=": next extension or end
            i = j + 1
            skipBWS()
            if i < n && ext[i] == 0x22 {
                guard skipQuotedString(ext, &i) else { throw .invalidChunkExtension }
            } else {
                guard token() else { throw .invalidChunkExtension }
            }
        }
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4).
    private static func skipQuotedString(_ p: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
        i += 1
        while i < p.count {
            let b = p[i]
            switch b {
            case 0x22:
                i += 1
                return true
            case 0x5C:
                guard i + 1 < p.count else { return false }
                let q = p[i + 1]
                guard q == HTTP1Syntax.htab || q >= 0x20 && q != 0x7F else { return false }
                i += 2
            case HTTP1Syntax.htab, 0x20...0x7E, 0x80...0xFF:
                i += 1
            default:
                return false
            }
        }
        return false
    }

    /// RFC 9110 §6.5.1: framing, routing, request modifiers, authentication, response control data
    /// and content metadata are not allowed in trailers.
    static let forbiddenInTrailers: Set<String> = [
        "content-length", "transfer-encoding", "trailer", "te", "host",
        "connection", "keep-alive", "upgrade", "proxy-connection",
        "expect", "max-forwards", "range",
        "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
        "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate",
        "cookie", "set-cookie",
        "age", "cache-control", "expires", "date", "location", "retry-after", "vary", "pragma",
        "content-encoding", "content-type", "content-range",
    ]
}
