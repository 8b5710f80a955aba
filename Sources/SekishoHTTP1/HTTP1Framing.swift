/// How a message body is delimited on the wire (RFC 9112 §6.3).
public enum HTTP1Framing: Sendable, Hashable {
    /// No body: a request without Content-Length or Transfer-Encoding, or a response that cannot
    /// have one (1xx, 204, 304, any response to HEAD).
    case none
    /// Exactly this many bytes follow (RFC 9112 §6.3 ¶6).
    case contentLength(UInt64)
    /// Transfer-Encoding: chunked (RFC 9112 §7.1).
    case chunked
    /// Responses only: no Content-Length and no Transfer-Encoding, so the body runs until the
    /// upstream closes (RFC 9112 §6.3 ¶8). Call ``HTTP1ResponseParser/eof()`` to end it.
    case closeDelimited
}
