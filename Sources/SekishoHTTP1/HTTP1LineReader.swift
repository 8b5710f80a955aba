/// Finds CRLF-terminated lines in fed input. A line that lies wholly inside one fed buffer is parsed
/// in place (no copy); only a line split across feeds is collected in `pending`, which never grows
/// beyond the caller's budget.
///
/// Determinism across splits: the reader looks for LF only within the first `budget` bytes of the
/// line, checks CR/LF rules only once the line is complete, and reports "too long" from exactly the
/// first `budget` bytes. So the outcome depends on the bytes alone, never on how they were split.
struct HTTP1LineReader: Sendable {
    private var pending: [UInt8] = []

    /// True while part of a line has been received.
    var hasPartialLine: Bool { !pending.isEmpty }

    mutating func reset() { pending.removeAll(keepingCapacity: true) }

    /// What one read did: input consumed, and if a line completed, what `parse` made of it plus the
    /// line's full length on the wire (CRLF included), for byte accounting.
    struct Read<T> {
        var consumed: Int
        var line: (value: T, length: Int)?
    }

    /// - Parameters:
    ///   - budget: the most bytes this line may take, CRLF included.
    ///   - tooLong: builds the error for a line that exceeds `budget`, from its first `budget` bytes.
    ///   - parse: gets the line content without CRLF; valid only during the call.
    mutating func read<T>(
        _ input: UnsafeRawBufferPointer,
        budget: Int,
        tooLong: (_ firstBytes: UnsafeRawBufferPointer) -> HTTP1ParseError,
        parse: (_ content: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> T
    ) throws(HTTP1ParseError) -> Read<T> {
        let room = max(0, budget - pending.count)
        let window = min(input.count, room)
        let searchArea = HTTP1Syntax.slice(input, 0..<window)
        guard let lf = searchArea.firstIndex(of: HTTP1Syntax.lf) else {
            if window == room {
                var first = pending
                first.append(contentsOf: searchArea)
                throw first.withUnsafeBytes { tooLong($0) }
            }
            pending.append(contentsOf: searchArea)
            return Read(consumed: window, line: nil)
        }
        let consumed = lf + 1
        let length = pending.count + consumed
        if pending.isEmpty {
            let content = try Self.content(of: HTTP1Syntax.slice(input, 0..<consumed))
            return Read(consumed: consumed, line: (try parse(content), length))
        }
        pending.append(contentsOf: HTTP1Syntax.slice(input, 0..<consumed))
        defer { pending.removeAll(keepingCapacity: true) }
        let value = try pending.withParseBytes { (p) throws(HTTP1ParseError) -> T in
            try parse(Self.content(of: p))
        }
        return Read(consumed: consumed, line: (value, length))
    }

    /// RFC 9112 §2.2: lines end in CRLF. A LF without CR and a CR without LF are both refused.
    static func content(of line: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> UnsafeRawBufferPointer {
        let n = line.count
        guard n >= 2, line[n - 2] == HTTP1Syntax.cr else { throw .bareLineFeed }
        let content = HTTP1Syntax.slice(line, 0..<(n - 2))
        if content.contains(HTTP1Syntax.cr) { throw .bareCarriageReturn }
        return content
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` with a typed error (the standard one only rethrows `any Error`).
    func withParseBytes<R>(
        _ body: (UnsafeRawBufferPointer) throws(HTTP1ParseError) -> R
    ) throws(HTTP1ParseError) -> R {
        let result: Result<R, HTTP1ParseError> = withUnsafeBytes { p in
            Result { () throws(HTTP1ParseError) -> R in try body(p) }
        }
        return try result.get()
    }
}
