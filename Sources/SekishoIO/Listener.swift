#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A listening TCP address whose accepted connections are handed to the caller.
///
/// Two shapes:
/// - one socket whose accepts run on a queue of its own (`init(address:…label:onEvent:)`); the
///   caller spreads the connections over its loops;
/// - one socket per event loop (`init(address:…acceptingOn:onEvent:)`), all bound to the same
///   address with `SO_REUSEPORT`. The kernel spreads new connections over the sockets, and
///   each socket's accepts run on its loop's own queue, so a connection is accepted and served
///   in the same work item: no hand-off from an accept queue to a loop (a thread wake-up less
///   per connection). `AcceptedSocket.acceptedOn` names the loop.
///
/// `SO_REUSEPORT` would also let a second process of the same user bind the same address and
/// silently take part of the traffic (a second sekisho started by mistake, with another
/// configuration). So before binding, the address is bound once *without* the option: if
/// anything holds it, that fails with EADDRINUSE, as it would for a plain listener.
///
/// `@unchecked Sendable`: each port's mutable state is touched only on that port's queue.
public final class Listener: @unchecked Sendable {
    public let localAddress: SocketAddress
    private let ports: [AcceptPort]

    /// What the accept path reports. A failed accept for lack of descriptors pauses accepting
    /// for a moment instead of spinning on a readable listener it cannot drain.
    public enum Event: Sendable {
        case accepted(AcceptedSocket)
        case acceptFailed(SyscallError)
    }

    /// Binds and listens on `address` (SO_REUSEADDR; IPv6 listeners are IPv6-only, so
    /// `[::]` and `0.0.0.0` can coexist). Accepting starts with `start()`.
    ///
    /// `clientSpeaksFirst`: the protocol on this port always begins with the client's bytes
    /// (a TLS ClientHello, an HTTP request), so the kernel may hold a new connection until its
    /// first bytes have arrived (Linux `TCP_DEFER_ACCEPT`, 1 s: after that the connection is
    /// handed over anyway and the caller's own handshake timeout applies). The accepted socket
    /// then has its first flight waiting, and the caller can read it at once instead of
    /// waiting for a readable event. Where the option is unavailable nothing changes but one
    /// read that finds nothing yet.
    public init(
        address: SocketAddress,
        backlog: Int32 = 1024,
        clientSpeaksFirst: Bool = false,
        label: String,
        onEvent: @escaping @Sendable (Event) -> Void
    ) throws(SyscallError) {
        let fd = try Self.bound(address, backlog: backlog, clientSpeaksFirst: clientSpeaksFirst, reusePort: false)
        self.localAddress = Socket.localAddress(of: fd) ?? address
        let queue = DispatchQueue(label: "sekisho.accept.\(label)", qos: .userInitiated)
        self.ports = [AcceptPort(fd: fd, queue: queue, loop: nil, onEvent: onEvent)]
    }

    /// One socket per loop in `loops`, all on `address` (see the type's documentation).
    /// With port 0, the first socket's kernel-assigned port is used for the others.
    public init(
        address: SocketAddress,
        backlog: Int32 = 1024,
        clientSpeaksFirst: Bool = false,
        acceptingOn loops: [EventLoop],
        onEvent: @escaping @Sendable (Event) -> Void
    ) throws(SyscallError) {
        precondition(!loops.isEmpty, "a per-loop listener needs at least one loop")
        var target = address
        if address.port != 0 {
            // Refuse an address somebody already holds, reuse-port or not (see above).
            let probe = try Self.bound(address, backlog: nil, clientSpeaksFirst: false, reusePort: false)
            Posix.close(probe)
        }
        var fds: [Int32] = []
        do {
            for _ in loops {
                let fd = try Self.bound(target, backlog: backlog, clientSpeaksFirst: clientSpeaksFirst, reusePort: true)
                fds.append(fd)
                if target.port == 0, let assigned = Socket.localAddress(of: fd) { target = assigned }
            }
        } catch {
            for fd in fds { Posix.close(fd) }
            throw error
        }
        self.localAddress = Socket.localAddress(of: fds[0]) ?? target
        self.ports = zip(fds, loops).map { fd, loop in
            AcceptPort(fd: fd, queue: loop.queue, loop: loop, onEvent: onEvent)
        }
    }

    /// A socket bound to `address`; listening unless `backlog` is nil.
    private static func bound(
        _ address: SocketAddress, backlog: Int32?, clientSpeaksFirst: Bool, reusePort: Bool
    ) throws(SyscallError) -> Int32 {
        let fd = try Posix.callBlocking("socket") {
            Glibc.socket(address.domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            try Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { try Posix.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
            if address.family == .ipv6 {
                try Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
            }
            _ = try address.withSockaddr { (sa, len) throws(SyscallError) -> Int32 in
                try Posix.callBlocking("bind") { Glibc.bind(fd, sa, len) }
            }
            guard let backlog else { return fd }
            #if os(Linux)
            if clientSpeaksFirst {
                // Best effort: a kernel without it accepts as usual.
                _ = try? Posix.setOption(fd, Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, 1)
            }
            #endif
            _ = try Posix.callBlocking("listen") { Glibc.listen(fd, backlog) }
            return fd
        } catch {
            Posix.close(fd)
            throw error
        }
    }

    /// The number of sockets behind this listener (one per loop, or one).
    public var socketCount: Int { ports.count }

    public func start() {
        for port in ports { port.start() }
    }

    /// Stops accepting and closes the listening descriptors (after their sources are
    /// cancelled), returning once they are closed. Already accepted connections are
    /// unaffected. Must not be called on one of the listener's own queues (it waits for each
    /// of them).
    public func close() {
        for port in ports { port.close() }
    }
}

/// One listening descriptor and the Dispatch source that accepts on it.
///
/// `@unchecked Sendable`: mutable state is touched only on `queue`.
private final class AcceptPort: @unchecked Sendable {
    private let fd: Int32
    private let queue: DispatchQueue
    private let loop: EventLoop?
    private let source: any DispatchSourceRead
    private var isOpen = true
    private var isPaused = false
    /// Dispatch sources start inactive; one that is released without ever being resumed
    /// traps, so `close()` and `deinit` resume it after cancelling if `start()` never ran.
    private var isStarted = false
    /// Signalled by the cancel handler once the descriptor is closed.
    private let descriptorClosed = DispatchSemaphore(value: 0)

    init(fd: Int32, queue: DispatchQueue, loop: EventLoop?, onEvent: @escaping @Sendable (Listener.Event) -> Void) {
        self.fd = fd
        self.queue = queue
        self.loop = loop
        self.source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in
            self.acceptBatch(onEvent)
        }
        source.setCancelHandler { [fd, descriptorClosed] in
            Posix.close(fd)
            descriptorClosed.signal()
        }
    }

    func start() {
        queue.async { [self] in
            guard isOpen, !isStarted else { return }
            isStarted = true
            source.resume()
        }
    }

    /// Returns once the descriptor is closed, so that a connect right after `close()` is
    /// refused rather than queued on a socket about to go (and then reset).
    func close() {
        let cancelled = queue.sync { () -> Bool in
            guard isOpen else { return false }
            isOpen = false
            source.cancel()
            if isPaused || !isStarted { source.resume(); isPaused = false; isStarted = true }
            return true
        }
        if cancelled { descriptorClosed.wait() }
    }

    private func acceptBatch(_ onEvent: @Sendable (Listener.Event) -> Void) {
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
                // Accepted descriptors do not inherit O_NONBLOCK or FD_CLOEXEC on Linux
                // (accept4 is not visible through the Glibc module). A new socket has no other
                // status flag, so O_NONBLOCK is set without reading the flags first.
                _ = fcntl(newFD, F_SETFL, O_NONBLOCK)
                _ = fcntl(newFD, F_SETFD, FD_CLOEXEC)
                _ = try? Posix.setOption(newFD, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                onEvent(.accepted(AcceptedSocket(fd: newFD, remote: SocketAddress(storage: storage, length: len), acceptedOn: loop)))
            }
        }
    }

    private func pauseAccepting(for interval: DispatchTimeInterval) {
        guard isOpen, !isPaused else { return }
        isPaused = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + interval) { [self] in
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
