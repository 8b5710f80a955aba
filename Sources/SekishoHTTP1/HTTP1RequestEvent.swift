/// Events from ``HTTP1RequestParser``.
public enum HTTP1RequestEvent: Sendable, Hashable {
    case head(HTTP1RequestHead)
    /// Body bytes: a non-empty range of indices into the buffer passed to that `parse` call.
    /// Zero-copy: valid only as long as that buffer is.
    case body(Range<Int>)
    /// End of the message; trailers are non-empty only for a chunked body that carried some.
    case end(trailers: HTTP1Fields)
}
