import Dispatch
import XCTest
import SekishoCore
@testable import SekishoIO

/// Real sockets on loopback with kernel-assigned ports: accept, connect, echo, half-close,
/// backpressure through read interest, and timers.
final class SocketLoopbackTests: XCTestCase {
    private var group: EventLoopGroup!

    override func setUp() {
        group = EventLoopGroup(loopCount: 2)
    }

    /// A tiny echo server: every accepted socket echoes until EOF, then half-closes back.
    private final class EchoServer: @unchecked Sendable {
        let listener: Listener
        var sockets: [Socket] = []  // touched on the loop only

        init(address: HostPort, group: EventLoopGroup) throws {
            nonisolated(unsafe) var server: EchoServer?
            let listener = try Listener(address: SocketAddress(address), label: "echo") { event in
                guard case .accepted(let accepted) = event else { return }
                let loop = group.next()
                loop.execute { server?.adopt(accepted, loop: loop) }
            }
            self.listener = listener
            server = self
            listener.start()
        }

        func adopt(_ accepted: AcceptedSocket, loop: EventLoop) {
            let socket = Socket(adopting: accepted, loop: loop)
            sockets.append(socket)
            var pending: [UInt8] = []
            socket.onReadable = {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let result = try? buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
                switch result {
                case .bytes(let n)?:
                    pending.append(contentsOf: buffer[..<n])
                    let written = (try? pending.withUnsafeBytes { try socket.write($0) }) ?? nil
                    pending.removeFirst(written ?? 0)
                case .endOfFile?:
                    socket.setReadInterest(false)
                    socket.shutdownWrite()
                case .wouldBlock?, nil:
                    break
                }
            }
            socket.setReadInterest(true)
        }
    }

    /// Client side driven from the test: connect, send, half-close, read everything back.
    private func roundTrip(to address: HostPort, payload: [UInt8]) throws -> [UInt8] {
        let loop = group.loops[0]
        let done = expectation(description: "echo round trip")
        nonisolated(unsafe) var received: [UInt8] = []
        nonisolated(unsafe) var failure: (any Error)?
        nonisolated(unsafe) var client: Socket?
        loop.execute {
            do {
                let socket = try Socket.connect(to: SocketAddress(address), loop: loop)
                client = socket
                var offset = 0
                var connected = false
                socket.onWritable = {
                    do {
                        if !connected { try socket.finishConnect(); connected = true; socket.setReadInterest(true) }
                        while offset < payload.count {
                            let n = try payload[offset...].withUnsafeBytes { try socket.write($0) }
                            guard let n else { return }
                            offset += n
                        }
                        socket.setWriteInterest(false)
                        socket.shutdownWrite()
                    } catch { failure = error; done.fulfill() }
                }
                socket.onReadable = {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    do {
                        switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0) }) {
                        case .bytes(let n): received.append(contentsOf: buffer[..<n])
                        case .endOfFile: socket.close(); done.fulfill()
                        case .wouldBlock: break
                        }
                    } catch { failure = error; done.fulfill() }
                }
                socket.setWriteInterest(true)
            } catch {
                failure = error
                done.fulfill()
            }
        }
        wait(for: [done], timeout: 10)
        if let failure { throw failure }
        _ = client
        return received
    }

    func testEchoWithHalfCloseOverIPv4() throws {
        let server = try EchoServer(address: try HostPort.parse("127.0.0.1:0").get(), group: group)
        defer { server.listener.close() }
        XCTAssertNotEqual(server.listener.localAddress.port, 0, "kernel assigned a port")
        let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let echoed = try roundTrip(to: server.listener.localAddress.hostPort, payload: payload)
        XCTAssertEqual(echoed.count, payload.count)
        XCTAssertEqual(echoed, payload)
    }

    func testEchoOverIPv6() throws {
        let server: EchoServer
        do {
            server = try EchoServer(address: try HostPort.parse("[::1]:0").get(), group: group)
        } catch let error as SyscallError where error.errno == EADDRNOTAVAIL || error.errno == EAFNOSUPPORT {
            throw XCTSkip("IPv6 loopback is not available here: \(error)")
        }
        defer { server.listener.close() }
        XCTAssertEqual(server.listener.localAddress.family, .ipv6)
        let echoed = try roundTrip(to: server.listener.localAddress.hostPort, payload: Array("hello over v6".utf8))
        XCTAssertEqual(String(decoding: echoed, as: UTF8.self), "hello over v6")
    }

    func testBindingAnAddressInUseThrowsEADDRINUSE() throws {
        let first = try Listener(address: SocketAddress(try HostPort.parse("127.0.0.1:0").get()), label: "a") { _ in }
        defer { first.close() }
        XCTAssertThrowsError(try Listener(address: first.localAddress, label: "b") { _ in }) { error in
            XCTAssertEqual((error as? SyscallError)?.errno, EADDRINUSE)
            XCTAssertEqual((error as? SyscallError)?.function, "bind")
        }
    }

    func testConnectToClosedPortReportsRefusal() throws {
        // Bind then close to learn a port nobody listens on.
        let probe = try Listener(address: SocketAddress(try HostPort.parse("127.0.0.1:0").get()), label: "probe") { _ in }
        let address = probe.localAddress
        probe.close()
        let loop = group.loops[1]
        let done = expectation(description: "connect result")
        nonisolated(unsafe) var observed: SyscallError?
        loop.execute {
            do {
                let socket = try Socket.connect(to: address, loop: loop)
                socket.onWritable = {
                    do { try socket.finishConnect() } catch let e as SyscallError { observed = e } catch {}
                    socket.close()
                    done.fulfill()
                }
                socket.setWriteInterest(true)
            } catch let error as SyscallError {
                observed = error
                done.fulfill()
            } catch {
                done.fulfill()
            }
        }
        wait(for: [done], timeout: 5)
        XCTAssertEqual(observed?.errno, ECONNREFUSED)
    }

    /// `isConnected` (what sekisho-bench uses to skip the writable event after a loopback
    /// connect): true once the connect completed, false for a refused one.
    func testIsConnectedTellsACompletedConnectFromARefusedOne() throws {
        let server = try EchoServer(address: try HostPort.parse("127.0.0.1:0").get(), group: group)
        defer { server.listener.close() }
        let probe = try Listener(address: SocketAddress(try HostPort.parse("127.0.0.1:0").get()), label: "probe") { _ in }
        let closedPort = probe.localAddress
        probe.close()
        let loop = group.loops[1]
        let done = expectation(description: "both connects settled")
        done.expectedFulfillmentCount = 2
        nonisolated(unsafe) var openConnected: Bool?
        nonisolated(unsafe) var refusedConnected: Bool?
        nonisolated(unsafe) var sockets: [Socket] = []
        loop.execute {
            for (address, isOpenPort) in [(server.listener.localAddress, true), (closedPort, false)] {
                guard let socket = try? Socket.connect(to: address, loop: loop) else { done.fulfill(); continue }
                sockets.append(socket)
                socket.onWritable = {
                    socket.setWriteInterest(false)
                    if isOpenPort { openConnected = socket.isConnected } else { refusedConnected = socket.isConnected }
                    socket.close()
                    done.fulfill()
                }
                socket.setWriteInterest(true)
            }
        }
        wait(for: [done], timeout: 5)
        XCTAssertEqual(openConnected, true)
        XCTAssertEqual(refusedConnected, false)
    }

    func testTimerFiresOnceAtItsDeadlineAndCanBeRearmed() {
        let loop = group.loops[0]
        let fired = expectation(description: "timer fired twice")
        fired.expectedFulfillmentCount = 2
        nonisolated(unsafe) var timer: LoopTimer?
        let start = MonotonicInstant.now()
        nonisolated(unsafe) var elapsed: [UInt64] = []
        loop.execute {
            let t = loop.makeTimer()
            timer = t
            t.schedule(at: start.adding(.milliseconds(30))) {
                elapsed.append(start.nanoseconds(until: .now()))
                fired.fulfill()
                t.schedule(at: MonotonicInstant.now().adding(.milliseconds(20))) {
                    elapsed.append(start.nanoseconds(until: .now()))
                    fired.fulfill()
                }
            }
        }
        wait(for: [fired], timeout: 5)
        loop.queue.sync { timer?.cancel() }
        XCTAssertEqual(elapsed.count, 2)
        XCTAssertGreaterThanOrEqual(elapsed[0], 25_000_000, "not before its deadline (10 ms leeway allowed)")
        XCTAssertGreaterThanOrEqual(elapsed[1], elapsed[0])
    }

    func testCancelledTimerDoesNotFire() {
        let loop = group.loops[0]
        let notFired = expectation(description: "timer must not fire")
        notFired.isInverted = true
        loop.execute {
            let t = loop.makeTimer()
            t.schedule(at: MonotonicInstant.now().adding(.milliseconds(20))) { notFired.fulfill() }
            t.cancel()
        }
        wait(for: [notFired], timeout: 0.2)
    }

    func testRoundRobinSpreadsOverEveryLoop() {
        let picked = (0..<6).map { _ in group.next().index }
        XCTAssertEqual(Set(picked), [0, 1])
    }
}
