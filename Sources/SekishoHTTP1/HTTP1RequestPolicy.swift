/// Which requests the request parser lets through beyond the plain rules.
public struct HTTP1RequestPolicy: Sendable, Equatable, Hashable {
    /// Accept CONNECT (authority-form target). Off by default: sekisho does not tunnel. When on, the
    /// head is delivered followed directly by `.end` (CONNECT content has no defined semantics,
    /// RFC 9110 §9.3.6); what happens to the bytes after it is the caller's business.
    public var allowConnect: Bool
    /// Accept TRACE. Off by default: a reflected request can leak credentials added by earlier hops
    /// (RFC 9110 §9.3.8 security note).
    public var allowTrace: Bool

    public init(allowConnect: Bool = false, allowTrace: Bool = false) {
        self.allowConnect = allowConnect
        self.allowTrace = allowTrace
    }
}
