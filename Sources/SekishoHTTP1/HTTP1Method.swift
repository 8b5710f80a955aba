/// A request method: any token (RFC 9110 §9.1), compared case-sensitively.
public struct HTTP1Method: RawRepresentable, Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    /// No validation here; the parser only builds methods from tokens, and
    /// ``HTTP1Serializer`` checks the token rule before writing one.
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let get = HTTP1Method(rawValue: "GET")
    public static let head = HTTP1Method(rawValue: "HEAD")
    public static let post = HTTP1Method(rawValue: "POST")
    public static let put = HTTP1Method(rawValue: "PUT")
    public static let delete = HTTP1Method(rawValue: "DELETE")
    public static let connect = HTTP1Method(rawValue: "CONNECT")
    public static let options = HTTP1Method(rawValue: "OPTIONS")
    public static let trace = HTTP1Method(rawValue: "TRACE")
    public static let patch = HTTP1Method(rawValue: "PATCH")

    public var description: String { rawValue }
}
