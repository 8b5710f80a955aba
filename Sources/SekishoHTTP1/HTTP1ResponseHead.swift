/// A parsed and validated response head (final or 1xx).
public struct HTTP1ResponseHead: Sendable, Hashable {
    public var version: HTTP1Version
    /// 100...599.
    public var status: Int
    /// The reason phrase as received (may be empty). RFC 9112 §4: a client SHOULD ignore it.
    public var reason: String
    public var headers: HTTP1Fields
    /// `.none` for 1xx, 204, 304 and responses to HEAD whatever the headers say (RFC 9112 §6.3 ¶1);
    /// otherwise `.chunked`, `.contentLength` or `.closeDelimited`.
    public var framing: HTTP1Framing
    /// `.close` for a close-delimited body, for `Connection: close`, and for HTTP/1.0 without
    /// `Connection: keep-alive` (RFC 9112 §9.3). Decides whether the upstream connection may return
    /// to the pool.
    public var connection: HTTP1ConnectionPersistence

    public init(
        version: HTTP1Version = .http1_1,
        status: Int,
        reason: String = "",
        headers: HTTP1Fields = [:],
        framing: HTTP1Framing = .none,
        connection: HTTP1ConnectionPersistence = .keepAlive
    ) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.framing = framing
        self.connection = connection
    }

    public var keepAlive: Bool { connection == .keepAlive }
    public var isInformational: Bool { (100...199).contains(status) }
}
