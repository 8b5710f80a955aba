/// Size limits for the HTTP/1.1 parsers. Every limit bounds memory held per connection: the parsers
/// buffer at most one line at a time (never a body).
public struct HTTP1Limits: Sendable, Equatable, Hashable {
    /// Request line or status line, including its CRLF. For requests, empty lines received before
    /// the request line (RFC 9112 §2.2 says to ignore them) count against this too.
    /// Exceeding it: 414 (RFC 9112 §3).
    public var maxRequestLineBytes: Int
    /// Field lines of the header section including their CRLFs and the final empty line; the start
    /// line is not counted. Exceeding it: 431 (RFC 6585 §5).
    public var maxHeaderBytes: Int
    /// Number of field lines in a header section (and, separately, in a trailer section).
    public var maxHeaderCount: Int
    /// Bytes after the chunk-size digits and before CRLF on one chunk-size line (RFC 9112 §7.1.1).
    public var maxChunkExtensionBytes: Int
    /// Trailer section including CRLFs and the final empty line (RFC 9112 §7.1.2).
    public var maxTrailerBytes: Int
    /// Largest request body the request parser lets through (413), declared by Content-Length or
    /// accumulated over chunks. `nil`: no limit. Ignored by the response parser.
    public var maxRequestBodyBytes: UInt64?

    public init(
        maxRequestLineBytes: Int = 8_192,
        maxHeaderBytes: Int = 32_768,
        maxHeaderCount: Int = 100,
        maxChunkExtensionBytes: Int = 4_096,
        maxTrailerBytes: Int = 8_192,
        maxRequestBodyBytes: UInt64? = nil
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxChunkExtensionBytes = maxChunkExtensionBytes
        self.maxTrailerBytes = maxTrailerBytes
        self.maxRequestBodyBytes = maxRequestBodyBytes
    }
}
