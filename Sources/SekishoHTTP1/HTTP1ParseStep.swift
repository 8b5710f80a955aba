/// The result of one call to a parser's `parse(_:)`: how many bytes of the given buffer were
/// consumed and at most one event.
///
/// Contract: `event == nil` means every byte was consumed and the parser needs more input. Any
/// non-nil event means "call again with the unconsumed rest", even when that rest is empty (an
/// `.end` may follow a `.head` without further input). Stopping after an event is allowed; keep the
/// unconsumed bytes and pass them later (this is how a proxy applies backpressure or holds a
/// pipelined request until the previous response is done).
public struct HTTP1ParseStep<Event: Sendable & Hashable>: Sendable, Hashable {
    public var consumed: Int
    public var event: Event?

    public init(consumed: Int, event: Event?) {
        self.consumed = consumed
        self.event = event
    }
}

/// Events from ``HTTP1RequestParser``.
public enum HTTP1RequestEvent: Sendable, Hashable {
    case head(HTTP1RequestHead)
    /// Body bytes: a non-empty range of indices into the buffer passed to that `parse` call.
    /// Zero-copy: valid only as long as that buffer is.
    case body(Range<Int>)
    /// End of the message; trailers are non-empty only for a chunked body that carried some.
    case end(trailers: HTTP1Fields)
}

/// Events from ``HTTP1ResponseParser``.
public enum HTTP1ResponseEvent: Sendable, Hashable {
    /// A 1xx head other than 101 (RFC 9110 §15.2); zero or more precede the final head.
    case informational(HTTP1ResponseHead)
    case head(HTTP1ResponseHead)
    /// Body bytes, as for ``HTTP1RequestEvent/body(_:)``.
    case body(Range<Int>)
    case end(trailers: HTTP1Fields)
}
