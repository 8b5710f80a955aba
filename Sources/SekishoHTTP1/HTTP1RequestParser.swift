/// Incremental, strict HTTP/1.1 request parser (RFC 9112), pure: bytes in, events out.
///
/// ```swift
/// var offset = 0
/// while true {
///     let step = try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
///     let base = offset
///     offset += step.consumed
///     guard let event = step.event else { break }        // need more bytes
///     switch event {
///     case .head(let head): ...                            // route, check, forward head
///     case .body(let r): forward(buffer[(base + r.lowerBound)..<(base + r.upperBound)])
///     case .end(let trailers): ...                         // next request may follow
///     }
/// }
/// ```
///
/// Input may be split anywhere; the event sequence (with body ranges concatenated) and any error
/// do not depend on the split. Only a partial line is ever buffered (bounded by ``HTTP1Limits``);
/// body bytes are returned as ranges of the caller's buffer.
///
/// Errors are thrown as ``HTTP1ParseError``; after one, every later call throws it again. Order of
/// checks once the header section is complete: framing (TE on 1.0, CL+TE, TE, CL), then Host and
/// the target's authority, then Expect, then the body size limit.
public struct HTTP1RequestParser: Sendable {
    public let limits: HTTP1Limits
    public let policy: HTTP1RequestPolicy

    private enum Phase: Sendable {
        case requestLine
        case headers
        case body
        case failed(HTTP1ParseError)
    }

    private struct RequestLine: Sendable {
        var method: HTTP1Method
        var target: String
        var version: HTTP1Version
        var form: HTTP1RequestTargetForm
        var authority: Substring?
    }

    private var phase: Phase = .requestLine
    private var reader = HTTP1LineReader()
    /// Bytes of empty lines received before the request line (RFC 9112 §2.2).
    private var leadingEmptyLineBytes = 0
    private var headerBytes = 0
    private var requestLine: RequestLine?
    private var fields = HTTP1Fields()
    private var body: HTTP1BodyDecoder

    public init(limits: HTTP1Limits = HTTP1Limits(), policy: HTTP1RequestPolicy = HTTP1RequestPolicy()) {
        self.limits = limits
        self.policy = policy
        self.body = HTTP1BodyDecoder(limits: limits, maxBodyBytes: limits.maxRequestBodyBytes)
    }

    /// True when no byte of a next request has been received (between messages). A proxy uses
    /// this to tell an idle keep-alive connection from a slow request head.
    public var isIdle: Bool {
        guard case .requestLine = phase else { return false }
        return !reader.hasPartialLine && leadingEmptyLineBytes == 0
    }

    /// Parses from the start of `bytes`; see ``HTTP1ParseStep`` for the calling contract.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> HTTP1ParseStep<HTTP1RequestEvent> {
        if case .failed(let error) = phase { throw error }
        do {
            return try step(bytes)
        } catch {
            phase = .failed(error)
            throw error
        }
    }

    /// The client closed its sending side. Between messages that is a clean close; inside a
    /// message it is `.connectionClosedInMessage`.
    public mutating func eof() throws(HTTP1ParseError) {
        switch phase {
        case .failed(let error):
            throw error
        case .requestLine where !reader.hasPartialLine:
            return
        case .body where body.isComplete:
            return
        default:
            phase = .failed(.connectionClosedInMessage)
            throw .connectionClosedInMessage
        }
    }

    private mutating func step(_ input: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> HTTP1ParseStep<HTTP1RequestEvent> {
        var i = 0
        let policy = self.policy
        while true {
            let rest = HTTP1Syntax.slice(input, i..<input.count)
            switch phase {
            case .failed(let error):
                throw error

            case .requestLine:
                let read = try reader.read(
                    rest,
                    budget: limits.maxRequestLineBytes - leadingEmptyLineBytes,
                    tooLong: { _ in .requestLineTooLong },
                    parse: { (line) throws(HTTP1ParseError) -> RequestLine? in
                        line.isEmpty ? nil : try Self.parseRequestLine(line, policy: policy)
                    }
                )
                i += read.consumed
                guard let (line, length) = read.line else { return HTTP1ParseStep(consumed: i, event: nil) }
                guard let line else {
                    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the
                    // request line. We ignore any number, within the request line budget.
                    leadingEmptyLineBytes += length
                    continue
                }
                requestLine = line
                headerBytes = 0
                phase = .headers

            case .headers:
                let read = try reader.read(
                    rest,
                    budget: limits.maxHeaderBytes - headerBytes,
                    tooLong: { _ in .headerSectionTooLarge },
                    parse: { (line) throws(HTTP1ParseError) -> HTTP1Field? in
                        line.isEmpty ? nil : try HTTP1Syntax.parseFieldLine(line)
                    }
                )
                i += read.consumed
                guard let (field, length) = read.line else { return HTTP1ParseStep(consumed: i, event: nil) }
                headerBytes += length
                guard let field else {
                    let head = try finishHead()
                    body.start(head.framing)
                    phase = .body
                    return HTTP1ParseStep(consumed: i, event: .head(head))
                }
                if fields.count >= limits.maxHeaderCount { throw .tooManyHeaderFields }
                fields.append(field)

            case .body:
                let (consumed, event) = try body.decode(rest)
                let base = i
                i += consumed
                switch event {
                case nil:
                    return HTTP1ParseStep(consumed: i, event: nil)
                case .data(let range)?:
                    return HTTP1ParseStep(consumed: i, event: .body((base + range.lowerBound)..<(base + range.upperBound)))
                case .end(let trailers)?:
                    phase = .requestLine
                    leadingEmptyLineBytes = 0
                    return HTTP1ParseStep(consumed: i, event: .end(trailers: trailers))
                }
            }
        }
    }

    private static func parseRequestLine(_ line: UnsafeRawBufferPointer, policy: HTTP1RequestPolicy) throws(HTTP1ParseError) -> RequestLine {
        let (method, target, version) = try HTTP1Syntax.parseRequestLine(line)
        // CONNECT and TRACE are refused before the target is looked at: 501, see
        // HTTP1ParseError.methodNotSupported for why not 405.
        if method == .connect && !policy.allowConnect || method == .trace && !policy.allowTrace {
            throw .methodNotSupported
        }
        let (form, authority) = try HTTP1HeadRules.targetForm(target, method: method)
        return RequestLine(method: method, target: target, version: version, form: form, authority: authority)
    }

    private mutating func finishHead() throws(HTTP1ParseError) -> HTTP1RequestHead {
        guard let line = requestLine else { preconditionFailure("header section completed without a request line") }
        let interesting = HTTP1HeadRules.Interesting(fields)

        var framing: HTTP1Framing
        switch try HTTP1HeadRules.declaredFraming(interesting, version: line.version) {
        case .none: framing = .none
        case .contentLength(let n): framing = .contentLength(n)
        case .chunked: framing = .chunked
        }

        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, for more than one Host field
        // line, and for an invalid Host value.
        if interesting.host.count > 1 { throw .multipleHost }
        if let host = interesting.host.first {
            guard HTTP1HeadRules.isValidHost(host[...]) else { throw .invalidHost }
            // RFC 9112 §3.2.2 tells an origin to ignore Host for absolute-form; as a proxy that
            // routes on Host we require the two to agree, so no hop can route on the other one.
            if let authority = line.authority, !HTTP1Fields.namesEqual(authority, host) {
                throw .hostMismatch
            }
        } else if line.version == .http1_1 {
            throw .missingHost
        }

        let expectContinue = try HTTP1HeadRules.expectContinue(interesting.expect, version: line.version)

        if case .contentLength(let n) = framing, let max = limits.maxRequestBodyBytes, n > max {
            throw .contentTooLarge
        }
        // RFC 9110 §9.3.6: a CONNECT request has no content; what follows the head is the tunnel.
        if line.method == .connect { framing = .none }

        let head = HTTP1RequestHead(
            method: line.method,
            target: line.target,
            targetForm: line.form,
            version: line.version,
            headers: fields,
            framing: framing,
            connection: HTTP1HeadRules.persistence(interesting.connection, version: line.version),
            expectContinue: expectContinue
        )
        requestLine = nil
        fields = HTTP1Fields()
        return head
    }
}
