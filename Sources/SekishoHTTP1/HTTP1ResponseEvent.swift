/// Events from ``HTTP1ResponseParser``.
public enum HTTP1ResponseEvent: Sendable, Hashable {
    /// A 1xx head other than 101 (RFC 9110 §15.2); zero or more precede the final head.
    case informational(HTTP1ResponseHead)
    case head(HTTP1ResponseHead)
    /// Body bytes, as for ``HTTP1RequestEvent/body(_:)``.
    case body(Range<Int>)
    case end(trailers: HTTP1Fields)
}
