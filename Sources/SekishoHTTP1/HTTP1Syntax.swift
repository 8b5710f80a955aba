/// Character classes and line-level grammar shared by both parsers and the serializer. Every function
/// here is pure: bytes in, value or error out.
enum HTTP1Syntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B

    @inline(__always)
    static func asciiLower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }

    /// tchar (RFC 9110 §5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
    /// "_" / "`" / "|" / "~" / DIGIT / ALPHA.
    @inline(__always)
    static func isTchar(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt64? {
        switch b {
        case 0x30...0x39: return UInt64(b - 0x30)
        case 0x41...0x46: return UInt64(b - 0x41 + 10)
        case 0x61...0x66: return UInt64(b - 0x61 + 10)
        default: return nil
        }
    }

    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTchar)
    }

    static func slice(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: p[range])
    }

    /// ASCII bytes (already checked) to String.
    static func asciiString(_ p: UnsafeRawBufferPointer) -> String {
        String(decoding: p, as: UTF8.self)
    }

    /// Checks field-value characters (RFC 9110 §5.5): SP, HTAB, VCHAR, obs-text. Every other CTL,
    /// NUL and DEL included, is refused (§5.5 lets a recipient reject them). obs-text must form valid
    /// UTF-8 so that the `String` we keep is lossless.
    static func fieldValueString(_ p: UnsafeRawBufferPointer, error: HTTP1ParseError) throws(HTTP1ParseError) -> String {
        var nonASCII = false
        for b in p {
            if b >= 0x80 {
                nonASCII = true
            } else if b < 0x20 && b != htab || b == 0x7F {
                throw error
            }
        }
        if !nonASCII { return asciiString(p) }
        guard let s = String(validating: p, as: UTF8.self) else { throw error }
        return s
    }

    /// Names that the parsers interpret, recognised case-insensitively from the received bytes.
    enum KnownField {
        case host, contentLength, transferEncoding, connection, expect
    }

    static func knownField(_ name: some Collection<UInt8>) -> KnownField? {
        // Field names are tokens, so OR-ing 0x20 lowercases letters and leaves "-" alone; no other
        // tchar maps onto a lowercase letter or "-".
        func matches(_ literal: StaticString) -> Bool {
            guard name.count == literal.utf8CodeUnitCount else { return false }
            var i = 0
            for b in name {
                if b | 0x20 != literal.utf8Start[i] { return false }
                i += 1
            }
            return true
        }
        switch name.count {
        case 4: return matches("host") ? .host : nil
        case 6: return matches("expect") ? .expect : nil
        case 10: return matches("connection") ? .connection : nil
        case 14: return matches("content-length") ? .contentLength : nil
        case 17: return matches("transfer-encoding") ? .transferEncoding : nil
        default: return nil
        }
    }

    /// Parses one field line without its CRLF (RFC 9112 §5: field-name ":" OWS field-value OWS).
    static func parseFieldLine(_ line: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> HTTP1Field {
        guard let first = line.first else { throw .missingColon }
        // RFC 9112 §5.2: obs-fold is refused; RFC 9112 §2.2: so is whitespace before the first field.
        if isOWS(first) { throw .obsoleteLineFolding }
        var i = 0
        while i < line.count && isTchar(line[i]) { i += 1 }
        guard i < line.count else { throw .missingColon }
        let nameEnd = i
        switch line[i] {
        case colon:
            guard nameEnd > 0 else { throw .invalidFieldName }
        case sp, htab:
            // RFC 9112 §5.1: no whitespace is allowed between the field name and colon; a server
            // MUST reject such a request with 400 (a classic TE.TE obfuscation).
            while i < line.count && isOWS(line[i]) { i += 1 }
            if i < line.count && line[i] == colon { throw .whitespaceBeforeColon }
            throw .invalidFieldName
        default:
            throw .invalidFieldName
        }
        var start = nameEnd + 1
        var end = line.count
        while start < end && isOWS(line[start]) { start += 1 }
        while end > start && isOWS(line[end - 1]) { end -= 1 }
        let value = try fieldValueString(slice(line, start..<end), error: .invalidFieldValue)
        return HTTP1Field(name: asciiString(slice(line, 0..<nameEnd)), value: value)
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3). 1.0 and 1.1 are accepted; any other
    /// `HTTP/<digits>[.<digits>]` is a version we do not speak (505); anything else is malformed.
    static func parseVersion(_ p: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> HTTP1Version {
        // "HTTP/" compared byte by byte: this runs for every message, so no array is built.
        guard p.count > 5, p[0] == 0x48, p[1] == 0x54, p[2] == 0x54, p[3] == 0x50, p[4] == 0x2F else {
            throw .invalidVersion
        }
        let rest = slice(p, 5..<p.count)
        if rest.count == 3 && rest[1] == 0x2E && rest[0] == 0x31 {
            if rest[2] == 0x31 { return .http1_1 }
            if rest[2] == 0x30 { return .http1_0 }
        }
        let parts = rest.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        let wellFormed = rest.last != 0x2E && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(isDigit) }
        throw wellFormed ? .unsupportedVersion : .invalidVersion
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), single spaces only.
    static func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTP1ParseError)
        -> (method: HTTP1Method, target: String, version: HTTP1Version)
    {
        guard let sp1 = line.firstIndex(of: sp), sp1 > 0 else { throw .invalidRequestLine }
        guard let sp2 = line[(sp1 + 1)...].firstIndex(of: sp), sp2 > sp1 + 1 else { throw .invalidRequestLine }
        let methodBytes = slice(line, 0..<sp1)
        // RFC 9110 §9.1: method = token.
        guard methodBytes.allSatisfy(isTchar) else { throw .invalidMethod }
        let versionBytes = slice(line, (sp2 + 1)..<line.count)
        // A third space means a space inside the target or trailing junk: not a request line.
        if versionBytes.contains(sp) { throw .invalidRequestLine }
        let version = try parseVersion(versionBytes)
        // RFC 9112 §3.2: request-target is a URI reference form; it can never hold CTLs, spaces or
        // (RFC 3986 §2) raw non-ASCII bytes. We refuse rather than percent-encode. A fragment ("#")
        // is never part of a request-target (RFC 9110 §7.1); refusing it keeps every hop agreeing
        // on what the path is.
        let targetBytes = slice(line, (sp1 + 1)..<sp2)
        guard targetBytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != 0x23 }) else { throw .invalidRequestTarget }
        return (HTTP1Method(rawValue: asciiString(methodBytes)), asciiString(targetBytes), version)
    }

    /// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). The second SP
    /// is required even when the reason phrase is empty; we hold the upstream to that.
    static func parseStatusLine(_ line: UnsafeRawBufferPointer) throws(HTTP1ParseError)
        -> (version: HTTP1Version, status: Int, reason: String)
    {
        guard let sp1 = line.firstIndex(of: sp) else { throw .invalidStatusLine }
        let version = try parseVersion(slice(line, 0..<sp1))
        let codeStart = sp1 + 1
        guard line.count >= codeStart + 4, line[codeStart + 3] == sp else { throw .invalidStatusLine }
        var status = 0
        for b in slice(line, codeStart..<(codeStart + 3)) {
            guard isDigit(b) else { throw .invalidStatusLine }
            status = status * 10 + Int(b - 0x30)
        }
        // RFC 9110 §15: status codes are 100...599.
        guard (100...599).contains(status) else { throw .invalidStatusCode }
        // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
        let reason = try fieldValueString(slice(line, (codeStart + 4)..<line.count), error: .invalidStatusLine)
        return (version, status, reason)
    }
}
