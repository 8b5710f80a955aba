#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the errno and the function that set it.
public struct SyscallError: Error, Equatable, Sendable, CustomStringConvertible {
    public let errno: Int32
    public let function: String

    public init(errno: Int32, function: String) {
        self.errno = errno
        self.function = function
    }

    public var description: String {
        "\(function): \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// Resets and broken pipes are routine on the Internet: a clinic's browser closing a tab
    /// is not an error worth waking an operator for (hitch's SOCKERR, ghostunnel's
    /// isClosedConnectionError).
    public var isPeerReset: Bool {
        errno == ECONNRESET || errno == EPIPE || errno == ECONNABORTED || errno == ETIMEDOUT
    }
}

/// The outcome of a non-blocking call: it did something, or the kernel said "later".
public enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

extension IOResult: Sendable where Value: Sendable {}

/// The one funnel for raw syscalls (swift-nio's `System.swift` idea): EINTR is retried,
/// EAGAIN becomes `.wouldBlock`, errnos that can only mean a bug in sekisho trap, and every
/// other errno is thrown with the function name.
enum Posix {
    @inline(__always)
    static func call<T: FixedWidthInteger>(
        _ function: StaticString,
        _ body: () -> T
    ) throws(SyscallError) -> IOResult<T> {
        while true {
            let result = body()
            if result != -1 { return .processed(result) }
            let err = errno
            switch err {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                return .wouldBlock
            case EBADF, EFAULT, ENOTSOCK:
                // A closed or foreign descriptor reaching a syscall is a lifetime bug in sekisho:
                // continuing could read or write someone else's connection.
                preconditionFailure("\(function) failed with unacceptable errno \(err): sekisho bug")
            default:
                throw SyscallError(errno: err, function: "\(function)")
            }
        }
    }

    /// Like `call`, for calls that are never non-blocking (socket, bind, listen, setsockopt).
    @inline(__always)
    static func callBlocking<T: FixedWidthInteger>(
        _ function: StaticString,
        _ body: () -> T
    ) throws(SyscallError) -> T {
        switch try call(function, body) {
        case .processed(let value): return value
        case .wouldBlock: throw SyscallError(errno: EAGAIN, function: "\(function)")
        }
    }

    static func close(_ fd: Int32) {
        // close(2) must not be retried on EINTR on Linux: the descriptor is already gone.
        _ = Glibc.close(fd)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(SyscallError) {
        var v = value
        _ = try callBlocking("setsockopt") {
            setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    static func socketError(_ fd: Int32) throws(SyscallError) -> Int32 {
        var value: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = try callBlocking("getsockopt") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len) }
        return value
    }
}
