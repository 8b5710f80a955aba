#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import SekishoCore

/// An IPv4 or IPv6 socket address in kernel form. Built from a `HostPort` (config) or read back
/// from the kernel (accept, getsockname).
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    public init(_ hostPort: HostPort) {
        var storage = sockaddr_storage()
        switch hostPort.family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = hostPort.port.bigEndian
            let ok = hostPort.host.withCString { inet_pton(AF_INET, $0, &sin.sin_addr) }
            precondition(ok == 1, "HostPort holds a validated IPv4 literal")
            withUnsafeMutableBytes(of: &storage) { dst in
                withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) }
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in>.size)
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = hostPort.port.bigEndian
            let ok = hostPort.host.withCString { inet_pton(AF_INET6, $0, &sin6.sin6_addr) }
            precondition(ok == 1, "HostPort holds a validated IPv6 literal")
            withUnsafeMutableBytes(of: &storage) { dst in
                withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) }
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
        self.storage = storage
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    public var family: HostPort.Family {
        Int32(storage.ss_family) == AF_INET6 ? .ipv6 : .ipv4
    }

    var domain: Int32 { Int32(storage.ss_family) }

    public var port: UInt16 {
        withUnsafeBytes(of: storage) { raw in
            if Int32(storage.ss_family) == AF_INET6 {
                return UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            }
            return UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
        }
    }

    /// The numeric host, without brackets.
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafeBytes(of: storage) { raw in
            if Int32(storage.ss_family) == AF_INET6 {
                var addr = raw.load(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
            } else {
                var addr = raw.load(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var hostPort: HostPort {
        HostPort(host: host, port: port, family: family)
    }

    public var description: String { hostPort.description }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(SyscallError) -> R) throws(SyscallError) -> R {
        var copy = storage
        let len = length
        return try withUnsafePointer(to: &copy) { (ptr) throws(SyscallError) -> R in
            try ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sa) throws(SyscallError) -> R in
                try body(sa, len)
            }
        }
    }

    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.family == rhs.family && lhs.host == rhs.host && lhs.port == rhs.port
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(host)
        hasher.combine(port)
    }
}
