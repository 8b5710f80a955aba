#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP literal and a port, as written in configuration (`127.0.0.1:8443`, `[::1]:8443`).
///
/// Host names are refused on purpose: resolving them would block a loop queue and make the
/// address a listener or upstream really uses depend on the resolver at start-up time.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case ipv4, ipv6 }

    public let host: String
    public let port: UInt16
    public let family: Family

    public init(host: String, port: UInt16, family: Family) {
        self.host = host
        self.port = port
        self.family = family
    }

    /// Parses `a.b.c.d:port` or `[v6]:port`. The error text says what is wrong, for use after a
    /// config key path.
    public static func parse(_ text: String) -> Result<HostPort, HostPortError> {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.init("missing ']' after IPv6 address")) }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(.init("expected ':port' after ']'")) }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return .failure(.init("expected host:port")) }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return .failure(.init("IPv6 addresses must be written in brackets, e.g. [::1]:8443")) }
        }
        guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let port = UInt16(portPart) else {
            return .failure(.init("port '\(portPart)' is not a number from 0 to 65535"))
        }
        let host = String(hostPart)
        if Self.isIPv4Literal(host) { return .success(HostPort(host: host, port: port, family: .ipv4)) }
        if Self.isIPv6Literal(host) { return .success(HostPort(host: host, port: port, family: .ipv6)) }
        return .failure(.init("'\(host)' is not an IP address literal (host names are not resolved)"))
    }

    public static func isIPv4Literal(_ host: String) -> Bool {
        var addr = in_addr()
        return host.withCString { inet_pton(AF_INET, $0, &addr) } == 1
    }

    public static func isIPv6Literal(_ host: String) -> Bool {
        var addr = in6_addr()
        return host.withCString { inet_pton(AF_INET6, $0, &addr) } == 1
    }

    public var description: String {
        switch family {
        case .ipv4: return "\(host):\(port)"
        case .ipv6: return "[\(host)]:\(port)"
        }
    }
}

public struct HostPortError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
