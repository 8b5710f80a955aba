/// Whether the connection may carry another message after this one (RFC 9112 §9.3).
public enum HTTP1ConnectionPersistence: Sendable, Hashable {
    case keepAlive
    case close
}
