#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A non-blocking TCP stream socket confined to one event loop.
///
/// The socket owns its descriptor and two Dispatch sources on it, both created suspended.
/// Read and write *interest* resume and suspend them, which is how backpressure is applied:
/// a connection stops reading from one side while the buffer toward the other side is full
/// (hitch's watcher on/off). Suspends and resumes are kept balanced by the `…Active` flags.
///
/// Lifetime: the descriptor is closed only in the cancel handler of the *last* of the two
/// sources, never earlier, so a recycled descriptor number can never receive an event meant for
/// this socket (Dispatch's `setCancelHandler` documentation). The sources' handlers hold the
/// socket strongly until `close()` has run its course, so an open socket cannot be freed.
///
/// `@unchecked Sendable`: every mutable field is touched only on `loop.queue`.
public final class Socket: @unchecked Sendable {
    public let loop: EventLoop
    public let remoteAddress: SocketAddress?
    /// Asked of the kernel on first use (most connections never need it: one `getsockname`
    /// less per accept).
    public var localAddress: SocketAddress? {
        loop.assertInLoop()
        if case .known(let address) = local { return address }
        let address = state == .open ? Socket.localAddress(of: fd) : nil
        local = .known(address)
        return address
    }
    private var local: LocalAddress = .unknown
    private enum LocalAddress { case unknown, known(SocketAddress?) }

    /// Called on the loop when the socket is readable (or has EOF/error pending) while read
    /// interest is on.
    public var onReadable: (() -> Void)?
    /// Called on the loop when the socket is writable while write interest is on. A pending
    /// non-blocking connect completes through this callback; call `finishConnect()` first.
    public var onWritable: (() -> Void)?

    private let fd: Int32
    private let readSource: any DispatchSourceRead
    /// Made the first time write interest is turned on: most sockets never need one (their
    /// writes complete at once). Besides a Dispatch source less per connection (memory, and
    /// one registration less at accept and at close), a descriptor with a single source never
    /// has libdispatch multiplex two sources over one epoll registration, which is where its
    /// Linux backend has had teardown races (swift-corelibs-libdispatch issues 833 and 949).
    private var writeSource: (any DispatchSourceWrite)?
    private var readActive = false
    private var writeActive = false
    private var state: State = .open
    /// Cancel handlers still to run before the descriptor may be closed.
    private var pendingCancels = 0

    private enum State { case open, closing, closed }

    /// Adopts a connected, non-blocking descriptor (for example from `Listener`). Takes
    /// ownership: the descriptor is closed when this socket is closed.
    public convenience init(adopting accepted: AcceptedSocket, loop: EventLoop) {
        self.init(takingOwnership: accepted.fd, remote: accepted.remote, loop: loop)
    }

    init(takingOwnership fd: Int32, remote: SocketAddress?, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
        self.remoteAddress = remote
        self.readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: loop.queue)
        readSource.setEventHandler { [self] in
            onReadable?()
        }
        readSource.setCancelHandler { [self] in
            sourceCancelled()
        }
    }

    /// The write source, made (inactive) on first use.
    private func makeWriteSource() -> any DispatchSourceWrite {
        if let writeSource { return writeSource }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: loop.queue)
        source.setEventHandler { [self] in
            onWritable?()
        }
        source.setCancelHandler { [self] in
            sourceCancelled()
        }
        writeSource = source
        return source
    }

    /// Starts a non-blocking connect to `address`. The socket reports writable when the connect
    /// has finished; the caller then calls `finishConnect()` to learn whether it worked.
    public static func connect(to address: SocketAddress, loop: EventLoop) throws(SyscallError) -> Socket {
        let fd = try Posix.callBlocking("socket") {
            Glibc.socket(address.domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            try Posix.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let result = try address.withSockaddr { (sa, len) throws(SyscallError) -> Int32 in
                while true {
                    let rc = Glibc.connect(fd, sa, len)
                    if rc == 0 { return 0 }
                    let err = errno
                    if err == EINTR { continue }
                    if err == EINPROGRESS { return EINPROGRESS }
                    throw SyscallError(errno: err, function: "connect")
                }
            }
            _ = result
        } catch {
            Posix.close(fd)
            throw error
        }
        return Socket(takingOwnership: fd, remote: address, loop: loop)
    }

    /// Whether a non-blocking connect has already completed (the peer's address is known).
    /// On loopback it usually has by the time `connect(to:loop:)` returns, and the caller can
    /// go on without waiting for the writable event.
    public var isConnected: Bool {
        loop.assertInLoop()
        guard state == .open else { return false }
        return Socket.address(of: fd, getpeername) != nil
    }

    /// After a non-blocking connect reported writable: throws the connect error, if any.
    public func finishConnect() throws(SyscallError) {
        loop.assertInLoop()
        let err = try Posix.socketError(fd)
        if err != 0 { throw SyscallError(errno: err, function: "connect") }
        local = .unknown
    }

    // MARK: Interest

    public func setReadInterest(_ on: Bool) {
        loop.assertInLoop()
        guard state == .open, on != readActive else { return }
        readActive = on
        if on { readSource.resume() } else { readSource.suspend() }
    }

    public func setWriteInterest(_ on: Bool) {
        loop.assertInLoop()
        guard state == .open, on != writeActive else { return }
        writeActive = on
        if on { makeWriteSource().resume() } else { writeSource?.suspend() }
    }

    public var isOpen: Bool { state == .open }

    /// Whether the read source is resumed: bytes that arrive, or are already there, will make
    /// `onReadable` run.
    public var isReadInterestOn: Bool { readActive }

    // MARK: I/O

    public enum ReadResult: Equatable, Sendable {
        case bytes(Int)
        case endOfFile
        case wouldBlock
    }

    /// Reads at most `buffer.count` bytes.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> ReadResult {
        loop.assertInLoop()
        precondition(state == .open, "read on a closed socket")
        switch try Posix.call("read", { Glibc.read(fd, buffer.baseAddress, buffer.count) }) {
        case .processed(0): return .endOfFile
        case .processed(let n): return .bytes(n)
        case .wouldBlock: return .wouldBlock
        }
    }

    /// Writes at most `bytes.count` bytes; returns how many the kernel took, or nil for "would
    /// block". MSG_NOSIGNAL keeps a reset peer from raising SIGPIPE.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SyscallError) -> Int? {
        loop.assertInLoop()
        precondition(state == .open, "write on a closed socket")
        if bytes.isEmpty { return 0 }
        switch try Posix.call("send", { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }) {
        case .processed(let n): return n
        case .wouldBlock: return nil
        }
    }

    /// Half-close: no more bytes will be written; the peer reads EOF.
    public func shutdownWrite() {
        loop.assertInLoop()
        guard state == .open else { return }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Sets SO_LINGER to zero so that the close sends RST: used when a peer must not mistake
    /// an aborted response for a complete one.
    public func abortOnClose() {
        loop.assertInLoop()
        guard state == .open else { return }
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }

    /// Cancels both sources; the descriptor is closed once both cancel handlers have run.
    /// Callbacks are dropped at once, so nothing is delivered after `close()`. Idempotent.
    public func close() {
        loop.assertInLoop()
        guard state == .open else { return }
        state = .closing
        onReadable = nil
        onWritable = nil
        pendingCancels = writeSource == nil ? 1 : 2
        readSource.cancel()
        // A suspended source never runs its cancel handler; resume it so it can.
        if !readActive { readSource.resume(); readActive = true }
        if let writeSource {
            writeSource.cancel()
            if !writeActive { writeSource.resume(); writeActive = true }
        }
    }

    private func sourceCancelled() {
        pendingCancels -= 1
        guard pendingCancels == 0 else { return }
        Posix.close(fd)
        state = .closed
        // Break the handler -> self cycles now that no event can arrive.
        readSource.setEventHandler(handler: nil)
        readSource.setCancelHandler(handler: nil)
        writeSource?.setEventHandler(handler: nil)
        writeSource?.setCancelHandler(handler: nil)
    }

    static func localAddress(of fd: Int32) -> SocketAddress? {
        address(of: fd, getsockname)
    }

    /// The address `query` (`getsockname` or `getpeername`) reports for `fd`, nil on failure.
    private static func address(
        of fd: Int32, _ query: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(fd, $0, &len) }
        }
        return rc == 0 ? SocketAddress(storage: storage, length: len) : nil
    }
}

/// A descriptor handed from the accept path to a loop. Whoever receives it must either adopt
/// it into a `Socket` or call `discard()`; otherwise the descriptor leaks.
public struct AcceptedSocket: Sendable {
    let fd: Int32
    public let remote: SocketAddress
    /// The loop on whose queue it was accepted (a per-loop listener); nil for a listener with
    /// an accept queue of its own.
    public let acceptedOn: EventLoop?

    /// Closes the descriptor without adopting it (for example over the connection limit).
    public func discard() {
        Posix.close(fd)
    }
}
