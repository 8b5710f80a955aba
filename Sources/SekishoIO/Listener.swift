#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A listening TCP socket whose accepts run on their own serial queue and are handed to the
/// caller, which spreads them over the loops.
///
/// `@unchecked Sendable`: mutable state is touched only on `acceptQueue`.
public final class Listener: @unchecked Sendable {
    public let localAddress: SocketAddress
    private let fd: Int32
    private let acceptQueue: DispatchQueue
    private let source: any DispatchSourceRead
    private var isOpen = true
    private var isPaused = false
    /// Dispatch sources start inactive; one that is released without ever being resumed
    /// traps, so `close()` and `deinit` resume it after cancelling if `start()` never ran.
    private var isStarted = false

    /// What the accept path reports. A failed accept for lack of descriptors pauses accepting
    /// for a moment instead of spinning on a readable listener it cannot drain.
    public enum Event: Sendable {
        case accepted(AcceptedSocket)
        case acceptFailed(SyscallError)
    }

    /// Binds and listens on `address` (SO_REUSEADDR; IPv6 listeners are IPv6-only, so
    /// `[::]` and `0.0.0.0` can coexist). Accepting starts with `start()`.
    public init(
        address: SocketAddress,
        backlog: Int32 = 1024,
        label: String,
        onEvent: @escaping @Sendable (Event) -> Void
    ) throws(SyscallError) {
        let fd = try Posix.callBlocking("socket") {
            Glibc.socket(address.domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            try Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if address.family == .ipv6 {
                try Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
            }
            _ = try address.withSockaddr { (sa, len) throws(SyscallError) -> Int32 in
                try Posix.callBlocking("bind") { Glibc.bind(fd, sa, len) }
            }
            _ = try Posix.callBlocking("listen") { Glibc.listen(fd, backlog) }
        } catch {
            Posix.close(fd)
            throw error
        }
        self.fd = fd
        self.localAddress = Socket.localAddress(of: fd) ?? address
        self.acceptQueue = DispatchQueue(label: "sekisho.accept.\(label)", qos: .userInitiated)
        self.source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
        source.setEventHandler { [unowned self] in
            self.acceptBatch(onEvent)
        }
        source.setCancelHandler { [fd] in
            Posix.close(fd)
        }
    }

    public func start() {
        acceptQueue.async { [self] in
            guard isOpen, !isStarted else { return }
            isStarted = true
            source.resume()
        }
    }

    /// Stops accepting and closes the listening descriptor (after the source is cancelled).
    /// Already accepted connections are unaffected.
    public func close() {
        acceptQueue.sync {
            guard isOpen else { return }
            isOpen = false
            source.cancel()
            if isPaused || !isStarted { source.resume(); isPaused = false; isStarted = true }
        }
    }

    private func acceptBatch(_ onEvent: @Sendable (Event) -> Void) {
        // Bounded batch: one busy listener must not starve the queue's other work.
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let result: IOResult<Int32>
            do {
                result = try Posix.call("accept") {
                    withUnsafeMutablePointer(to: &storage) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            Glibc.accept(fd, $0, &len)
                        }
                    }
                }
            } catch {
                if error.errno == ECONNABORTED { continue }
                onEvent(.acceptFailed(error))
                if error.errno == EMFILE || error.errno == ENFILE || error.errno == ENOBUFS || error.errno == ENOMEM {
                    pauseAccepting(for: .milliseconds(100))
                }
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .processed(let newFD):
                // Accepted descriptors do not inherit O_NONBLOCK or FD_CLOEXEC on Linux.
                _ = fcntl(newFD, F_SETFL, fcntl(newFD, F_GETFL) | O_NONBLOCK)
                _ = fcntl(newFD, F_SETFD, FD_CLOEXEC)
                _ = try? Posix.setOption(newFD, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                onEvent(.accepted(AcceptedSocket(fd: newFD, remote: SocketAddress(storage: storage, length: len))))
            }
        }
    }

    private func pauseAccepting(for interval: DispatchTimeInterval) {
        guard isOpen, !isPaused else { return }
        isPaused = true
        source.suspend()
        acceptQueue.asyncAfter(deadline: .now() + interval) { [self] in
            guard isOpen, isPaused else { return }
            isPaused = false
            source.resume()
        }
    }

    deinit {
        if isOpen {
            source.cancel()
            if isPaused || !isStarted { source.resume() }
        }
    }
}
