/// Which of the four request-target forms was used (RFC 9112 §3.2).
public enum HTTP1RequestTargetForm: Sendable, Hashable {
    /// `/path?query` (§3.2.1).
    case origin
    /// `http://authority/path?query` (§3.2.2); its authority matched `Host`.
    case absolute
    /// `host:port`, CONNECT only (§3.2.3).
    case authority
    /// `*`, OPTIONS only (§3.2.4).
    case asterisk
}

/// A parsed and validated request head.
public struct HTTP1RequestHead: Sendable, Hashable {
    public var method: HTTP1Method
    /// The request-target exactly as received.
    public var target: String
    public var targetForm: HTTP1RequestTargetForm
    public var version: HTTP1Version
    /// Field lines in received order, names in received case.
    public var headers: HTTP1Fields
    /// How the body is delimited: `.none`, `.contentLength` or `.chunked` (never `.closeDelimited`).
    public var framing: HTTP1Framing
    /// From `Connection` and the version (RFC 9112 §9.3): `close` wins, 1.1 persists by default,
    /// 1.0 only with `Connection: keep-alive`.
    public var connection: HTTP1ConnectionPersistence
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1). The proxy decides whether
    /// to send `100 Continue` itself or to forward the expectation.
    public var expectContinue: Bool

    public init(
        method: HTTP1Method,
        target: String,
        targetForm: HTTP1RequestTargetForm = .origin,
        version: HTTP1Version = .http1_1,
        headers: HTTP1Fields = [:],
        framing: HTTP1Framing = .none,
        connection: HTTP1ConnectionPersistence = .keepAlive,
        expectContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.targetForm = targetForm
        self.version = version
        self.headers = headers
        self.framing = framing
        self.connection = connection
        self.expectContinue = expectContinue
    }

    public var keepAlive: Bool { connection == .keepAlive }

    /// The authority the request is for: the `Host` value, or for an HTTP/1.0 absolute-form or any
    /// authority-form request without `Host`, the authority in the target.
    public var authority: String? {
        if let host = headers.first(named: "Host") { return host }
        switch targetForm {
        case .authority: return target
        case .absolute: return Self.split(absolute: target).authority
        case .origin, .asterisk: return nil
        }
    }

    /// The target to send to an origin server (RFC 9112 §3.2.1): absolute-form reduced to its path
    /// and query (`/` when the path is empty), other forms unchanged.
    public var originFormTarget: String {
        guard targetForm == .absolute else { return target }
        let rest = Self.split(absolute: target).pathAndQuery
        if rest.isEmpty { return "/" }
        if rest.hasPrefix("?") { return "/" + rest }
        return String(rest)
    }

    private static func split(absolute target: String) -> (authority: String, pathAndQuery: Substring) {
        // Only called for validated absolute-form: scheme ":" "//" authority path-abempty [ "?" query ].
        guard let colon = target.firstIndex(of: ":") else { return ("", target[...]) }
        let rest = target[target.index(after: colon)...].dropFirst(2)
        // The parser refuses "#" in targets, so path and query run to the end.
        let end = rest.firstIndex(where: { (c: Character) -> Bool in c == "/" || c == "?" }) ?? rest.endIndex
        return (String(rest[..<end]), rest[end...])
    }
}
