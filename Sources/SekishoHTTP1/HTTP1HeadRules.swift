/// Semantic checks on a complete header section: message framing (RFC 9112 §6), Host and target
/// (RFC 9112 §3.2), expectations (RFC 9110 §10.1.1) and persistence (RFC 9112 §9.3). Pure functions
/// shared by both parsers.
enum HTTP1HeadRules {
    /// The framing-relevant fields of one header section, found in one pass.
    struct Interesting {
        var host: [String] = []
        var contentLength: [String] = []
        var transferEncoding: [String] = []
        var connection: [String] = []
        var expect: [String] = []

        init(_ fields: HTTP1Fields) {
            for field in fields {
                switch HTTP1Syntax.knownField(field.name.utf8) {
                case .host?: host.append(field.value)
                case .contentLength?: contentLength.append(field.value)
                case .transferEncoding?: transferEncoding.append(field.value)
                case .connection?: connection.append(field.value)
                case .expect?: expect.append(field.value)
                case nil: break
                }
            }
        }
    }

    /// The message framing as declared by the headers, before status/method exceptions.
    enum Declared: Equatable {
        case none, contentLength(UInt64), chunked
    }

    /// RFC 9112 §6.1 and §6.3 ¶3-¶6, the strict way: TE on 1.0 is faulty framing, CL with TE is
    /// refused (a proxy must not forward both), and the only transfer coding accepted is a single
    /// final `chunked`.
    static func declaredFraming(_ f: Interesting, version: HTTP1Version) throws(HTTP1ParseError) -> Declared {
        if !f.transferEncoding.isEmpty {
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing, even
            // with Content-Length present.
            if version == .http1_0 { throw .transferEncodingOnHTTP10 }
            // RFC 9112 §6.3 ¶3: CL and TE together are a smuggling signal; we refuse and close.
            if !f.contentLength.isEmpty { throw .contentLengthWithTransferEncoding }
            try checkTransferEncoding(f.transferEncoding)
            return .chunked
        }
        if !f.contentLength.isEmpty {
            return .contentLength(try contentLength(f.contentLength))
        }
        return .none
    }

    /// Transfer-Encoding = #transfer-coding (RFC 9112 §6.1); several field lines form one list
    /// (RFC 9110 §5.3). Coding names are case-insensitive (RFC 9112 §7).
    static func checkTransferEncoding(_ values: [String]) throws(HTTP1ParseError) {
        var codings: [(isChunked: Bool, hasParameters: Bool)] = []
        for value in values {
            // Empty list elements are ignored, as RFC 9110 §5.6.1 requires of recipients.
            for element in value.split(separator: ",", omittingEmptySubsequences: true) {
                let trimmed = element.trimmingOWS()
                if trimmed.isEmpty { continue }
                let semicolon = trimmed.firstIndex(of: ";")
                let name = (semicolon.map { trimmed[..<$0] } ?? trimmed).trimmingOWS()
                guard HTTP1Syntax.isToken(name.utf8) else { throw .invalidTransferEncoding }
                codings.append((HTTP1Fields.namesEqual(name, "chunked"), semicolon != nil))
            }
        }
        guard let last = codings.last else { throw .invalidTransferEncoding }
        let chunkedCount = codings.count(where: { $0.isChunked })
        // RFC 9112 §6.1: chunked MUST NOT be applied more than once.
        if chunkedCount > 1 { throw .invalidTransferEncoding }
        // RFC 9112 §6.3 ¶4: chunked present but not final: length cannot be determined -> 400.
        if chunkedCount == 1 && !last.isChunked { throw .invalidTransferEncoding }
        // chunked defines no parameters (RFC 9112 §7.1).
        if last.isChunked && last.hasParameters { throw .invalidTransferEncoding }
        // RFC 9112 §6.1: a transfer coding we do not implement (gzip, identity, xchunked...) -> 501.
        if codings.count > 1 || !last.isChunked { throw .unsupportedTransferCoding }
    }

    /// Content-Length = 1*DIGIT (RFC 9110 §8.6). Repeated values, on several lines or as a list
    /// `5, 5`, are accepted only when they are all the same number (§8.6 allows either accepting or
    /// refusing identical duplicates); any difference is refused. No sign, no inner whitespace, no
    /// empty element, no value above Int64.max.
    static func contentLength(_ values: [String]) throws(HTTP1ParseError) -> UInt64 {
        var result: UInt64?
        var conflict = false
        for value in values {
            // The list is split on "," and each element trimmed of OWS by hand, byte by byte:
            // this runs for every message with a body, so no substrings or arrays are built.
            var n: UInt64 = 0
            var digits = 0
            var trailingOWS = false
            func endElement() throws(HTTP1ParseError) {
                guard digits > 0 else { throw .invalidContentLength }
                if let r = result, r != n { conflict = true }
                result = result ?? n
                (n, digits, trailingOWS) = (0, 0, false)
            }
            for b in value.utf8 {
                switch b {
                case 0x2C:  // ","
                    try endElement()
                case 0x20, 0x09:  // OWS: leading, or trailing once digits began
                    if digits > 0 { trailingOWS = true }
                case 0x30...0x39:
                    // A digit after trailing OWS is whitespace inside the number.
                    guard !trailingOWS else { throw .invalidContentLength }
                    let (times10, o1) = n.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(UInt64(b - 0x30))
                    guard !o1, !o2, sum <= UInt64(Int64.max) else { throw .invalidContentLength }
                    n = sum
                    digits += 1
                default:
                    throw .invalidContentLength
                }
            }
            try endElement()
        }
        // Every element is checked before a conflict is reported, so the error does not depend on
        // the order in which a malformed and a differing value appear.
        if conflict { throw .conflictingContentLength }
        guard let r = result else { throw .invalidContentLength }
        return r
    }

    /// Connection options (RFC 9112 §9.3): `close` wins; HTTP/1.1 defaults to persistent;
    /// HTTP/1.0 is persistent only with `keep-alive` (RFC 9112 Appendix C.2.2).
    static func persistence(_ connection: [String], version: HTTP1Version) -> HTTP1ConnectionPersistence {
        var close = false, keepAlive = false
        for value in connection {
            for element in value.split(separator: ",") {
                let token = element.trimmingOWS()
                if HTTP1Fields.namesEqual(token, "close") { close = true }
                if HTTP1Fields.namesEqual(token, "keep-alive") { keepAlive = true }
            }
        }
        if close { return .close }
        switch version {
        case .http1_1: return .keepAlive
        case .http1_0: return keepAlive ? .keepAlive : .close
        }
    }

    /// Expect (RFC 9110 §10.1.1): the only expectation is `100-continue`, case-insensitive; any
    /// other is answered 417. In an HTTP/1.0 request the 100-continue expectation MUST be ignored.
    static func expectContinue(_ expect: [String], version: HTTP1Version) throws(HTTP1ParseError) -> Bool {
        var found = false
        for value in expect {
            for element in value.split(separator: ",") {
                let token = element.trimmingOWS()
                if token.isEmpty { continue }
                guard HTTP1Fields.namesEqual(token, "100-continue") else { throw .unsupportedExpectation }
                found = true
            }
        }
        return found && version == .http1_1
    }

    /// Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2-3.2.3). An empty value is
    /// valid syntax (RFC 9112 §3.2: sent when the target URI has no authority).
    static func isValidHost(_ value: Substring, requirePort: Bool = false) -> Bool {
        var value = value
        // `withUTF8` reads a native string's bytes in place (no copy, no allocation).
        return value.withUTF8 { isValidHost(bytes: $0, requirePort: requirePort) }
    }

    private static func isValidHost(bytes: UnsafeBufferPointer<UInt8>, requirePort: Bool) -> Bool {
        if bytes.isEmpty { return !requirePort }
        var i = 0
        if bytes.first == 0x5B {  // "[" IP-literal "]"
            guard let close = bytes.firstIndex(of: 0x5D), close > 1 else { return false }
            let inner = bytes[1..<close]
            let ok = inner.allSatisfy { HTTP1Syntax.hexValue($0) != nil || $0 == 0x3A || $0 == 0x2E }
            guard ok, inner.contains(0x3A) else { return false }
            i = close + 1
        } else {
            // reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4 fits the same characters.
            while i < bytes.count && bytes[i] != 0x3A {
                let b = bytes[i]
                if b == 0x25 {  // "%" HEXDIG HEXDIG
                    guard i + 2 < bytes.count, HTTP1Syntax.hexValue(bytes[i + 1]) != nil,
                        HTTP1Syntax.hexValue(bytes[i + 2]) != nil
                    else { return false }
                    i += 3
                    continue
                }
                guard isRegNameChar(b) else { return false }
                i += 1
            }
            guard i > 0 else { return false }  // ":80" names no host
        }
        if i == bytes.count { return !requirePort }
        guard bytes[i] == 0x3A else { return false }
        let port = bytes[(i + 1)...]
        if port.isEmpty { return !requirePort }  // port = *DIGIT allows ":" alone
        guard port.count <= 5, port.allSatisfy(HTTP1Syntax.isDigit) else { return false }
        return Int(String(decoding: port, as: UTF8.self))! <= 65_535
    }

    private static func isRegNameChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x2D, 0x2E, 0x5F, 0x7E: return true  // unreserved "-" "." "_" "~"
        case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: return true  // sub-delims
        default: return false
        }
    }

    /// Classifies a request-target by RFC 9112 §3.2: CONNECT takes authority-form only, `*` is for
    /// OPTIONS only, otherwise origin-form (`/...`) or absolute-form (`http(s)://authority...`).
    /// Returns the authority for absolute- and authority-form.
    static func targetForm(_ target: String, method: HTTP1Method) throws(HTTP1ParseError)
        -> (HTTP1RequestTargetForm, authority: Substring?)
    {
        if method == .connect {
            // RFC 9112 §3.2.3: authority-form = uri-host ":" port.
            guard isValidHost(target[...], requirePort: true) else { throw .invalidRequestTarget }
            return (.authority, target[...])
        }
        if target == "*" {
            // RFC 9112 §3.2.4: asterisk-form only for a server-wide OPTIONS.
            guard method == .options else { throw .invalidRequestTarget }
            return (.asterisk, nil)
        }
        if target.utf8.first == 0x2F { return (.origin, nil) }
        // RFC 9112 §3.2.2 absolute-form; we take only the http and https schemes (RFC 9110 §4.2).
        guard let schemeEnd = target.firstIndex(of: ":") else { throw .invalidRequestTarget }
        let scheme = target[..<schemeEnd]
        guard HTTP1Fields.namesEqual(scheme, "http") || HTTP1Fields.namesEqual(scheme, "https") else {
            throw .invalidRequestTarget
        }
        let afterScheme = target[target.index(after: schemeEnd)...]
        guard afterScheme.hasPrefix("//") else { throw .invalidRequestTarget }
        let authorityStart = afterScheme.index(afterScheme.startIndex, offsetBy: 2)
        let rest = afterScheme[authorityStart...]
        let authorityEnd = rest.firstIndex(where: { (c: Character) -> Bool in c == "/" || c == "?" || c == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        // RFC 9110 §4.2.1: an empty host is invalid; §4.2.4: userinfo is deprecated and a recipient
        // SHOULD treat it as an error (it is a phishing and confusion vector).
        guard !authority.isEmpty, !authority.contains("@"), isValidHost(authority) else {
            throw .invalidRequestTarget
        }
        return (.absolute, authority)
    }
}
