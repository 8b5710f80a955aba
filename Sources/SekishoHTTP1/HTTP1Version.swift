/// The two HTTP versions this parser speaks. Any other well-formed `HTTP/x.y` is refused with 505
/// (RFC 9110 §15.6.6). RFC 9110 §2.5 would let a server treat `HTTP/1.2` as 1.1; sekisho does not.
public enum HTTP1Version: Sendable, Hashable, CustomStringConvertible {
    case http1_0
    case http1_1

    public var description: String {
        switch self {
        case .http1_0: return "HTTP/1.0"
        case .http1_1: return "HTTP/1.1"
        }
    }
}
