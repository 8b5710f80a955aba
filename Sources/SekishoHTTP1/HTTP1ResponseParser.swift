/// Incremental, strict HTTP/1.1 response parser for upstream connections (RFC 9112), pure.
///
/// Tell it which request each response answers with ``expectResponse(to:)`` (the method decides
/// whether a body can follow: RFC 9112 §6.3 ¶1), then call ``parse(_:)`` exactly as for
/// ``HTTP1RequestParser`` and ``eof()`` when the upstream closes: a close-delimited body ends there.
///
/// Every error thrown means 502 to the client and an upstream connection that must not be reused.
/// The one exception worth telling apart is ``HTTP1ParseError/connectionClosedBeforeResponse``: no
/// byte of the response arrived, so a request sent on a *reused* connection may be retried.
///
/// Strictness matches the request side: CRLF only, no obs-fold, no whitespace before colon, CL+TE
/// refused, differing CL refused, only a final `chunked` transfer coding, no TE on HTTP/1.0.
/// Framing headers of bodiless responses (1xx, 204, 304, HEAD) are still validated, since the
/// proxy forwards them, but never used to read a body. 101 and 2xx-to-CONNECT are refused
/// (``HTTP1ParseError/upgradeNotSupported``) until sekisho supports protocol switching.
public struct HTTP1ResponseParser: Sendable {
    public let limits: HTTP1Limits

    private enum Phase: Sendable {
        case statusLine
        case headers
        case body
        case failed(HTTP1ParseError)
        case closed
    }

    private var phase: Phase = .statusLine
    private var reader = HTTP1LineReader()
    /// Methods of requests sent and not yet answered by a final response, oldest first.
    private var outstanding: [HTTP1Method] = []
    /// Whether any byte of the current response (1xx heads included) has arrived.
    private var responseStarted = false
    private var headerBytes = 0
    private var statusLine: (version: HTTP1Version, status: Int, reason: String)?
    private var fields = HTTP1Fields()
    private var body: HTTP1BodyDecoder

    public init(limits: HTTP1Limits = HTTP1Limits()) {
        self.limits = limits
        self.body = HTTP1BodyDecoder(limits: limits, maxBodyBytes: nil)
    }

    /// Registers a request sent upstream; its response is parsed after those of earlier requests.
    public mutating func expectResponse(to method: HTTP1Method) {
        outstanding.append(method)
    }

    /// Requests sent whose final response head has not been parsed yet.
    public var outstandingResponses: Int { outstanding.count }

    /// True between responses with no byte of a next one received.
    public var isIdle: Bool {
        guard case .statusLine = phase else { return false }
        return !responseStarted
    }

    /// Parses from the start of `bytes`; see ``HTTP1ParseStep`` for the calling contract.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> HTTP1ParseStep<HTTP1ResponseEvent> {
        if case .failed(let error) = phase { throw error }
        do {
            return try step(bytes)
        } catch {
            phase = .failed(error)
            throw error
        }
    }

    /// The upstream closed the connection. Returns `.end` for a close-delimited body in progress,
    /// `nil` for a close between responses with nothing outstanding, and throws
    /// `.connectionClosedBeforeResponse` when a response was expected but none started, or
    /// `.connectionClosedInMessage` for a truncated response.
    public mutating func eof() throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        let error: HTTP1ParseError
        switch phase {
        case .failed(let stored):
            throw stored
        case .closed:
            return nil
        case .statusLine where !responseStarted:
            if outstanding.isEmpty {
                phase = .closed
                return nil
            }
            error = .connectionClosedBeforeResponse
        case .body:
            do {
                guard case .end(let trailers) = try body.eof() else { preconditionFailure("body EOF yields end") }
                phase = .closed
                return .end(trailers: trailers)
            } catch let e {
                error = e
            }
        case .statusLine, .headers:
            error = .connectionClosedInMessage
        }
        phase = .failed(error)
        throw error
    }

    private mutating func step(_ input: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> HTTP1ParseStep<HTTP1ResponseEvent> {
        var i = 0
        while true {
            let rest = HTTP1Syntax.slice(input, i..<input.count)
            switch phase {
            case .failed(let error):
                throw error

            case .closed:
                if rest.isEmpty { return HTTP1ParseStep(consumed: i, event: nil) }
                throw .unsolicitedResponse

            case .statusLine:
                if rest.isEmpty { return HTTP1ParseStep(consumed: i, event: nil) }
                if outstanding.isEmpty { throw .unsolicitedResponse }
                responseStarted = true
                let read = try reader.read(
                    rest,
                    budget: limits.maxRequestLineBytes,
                    tooLong: { _ in .invalidStatusLine },
                    parse: { (line) throws(HTTP1ParseError) in try HTTP1Syntax.parseStatusLine(line) }
                )
                i += read.consumed
                guard let (line, _) = read.line else { return HTTP1ParseStep(consumed: i, event: nil) }
                statusLine = line
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
                if let field {
                    if fields.count >= limits.maxHeaderCount { throw .tooManyHeaderFields }
                    fields.append(field)
                    continue
                }
                let head = try finishHead()
                if head.isInformational {
                    // RFC 9110 §15.2: any number of 1xx may precede the final response.
                    phase = .statusLine
                    return HTTP1ParseStep(consumed: i, event: .informational(head))
                }
                outstanding.removeFirst()
                body.start(head.framing)
                phase = .body
                return HTTP1ParseStep(consumed: i, event: .head(head))

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
                    phase = .statusLine
                    responseStarted = false
                    return HTTP1ParseStep(consumed: i, event: .end(trailers: trailers))
                }
            }
        }
    }

    private mutating func finishHead() throws(HTTP1ParseError) -> HTTP1ResponseHead {
        guard let line = statusLine, let method = outstanding.first else {
            preconditionFailure("header section completed without a status line or request")
        }
        // RFC 9110 §15.2.2 / §9.3.6: both switch the connection to another protocol, which this
        // parser cannot follow.
        if line.status == 101 || method == .connect && (200...299).contains(line.status) {
            throw .upgradeNotSupported
        }
        let interesting = HTTP1HeadRules.Interesting(fields)
        let declared = try HTTP1HeadRules.declaredFraming(interesting, version: line.version)

        let framing: HTTP1Framing
        // RFC 9112 §6.3 ¶1: responses to HEAD and 1xx/204/304 end at the empty line, whatever their
        // headers say.
        if line.status < 200 || line.status == 204 || line.status == 304 || method == .head {
            framing = .none
        } else {
            switch declared {
            case .chunked: framing = .chunked
            case .contentLength(let n): framing = .contentLength(n)
            // RFC 9112 §6.3 ¶8: neither CL nor TE: the body runs to connection close.
            case .none: framing = .closeDelimited
            }
        }
        let connection: HTTP1ConnectionPersistence =
            framing == .closeDelimited ? .close : HTTP1HeadRules.persistence(interesting.connection, version: line.version)
        let head = HTTP1ResponseHead(
            version: line.version,
            status: line.status,
            reason: line.reason,
            headers: fields,
            framing: framing,
            connection: connection
        )
        statusLine = nil
        fields = HTTP1Fields()
        return head
    }
}
