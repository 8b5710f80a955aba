#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import XCTest
import SekishoCore
@testable import SekishoIO

/// The per-loop listener (one SO_REUSEPORT socket per loop): connections are accepted on the
/// queue of the loop that will serve them, the first bytes are already waiting at accept
/// (TCP_DEFER_ACCEPT), and an address somebody holds is refused as for a plain listener.
final class PerLoopListenerTests: XCTestCase {
    private var group: EventLoopGroup!

    override func setUp() {
        group = EventLoopGroup(loopCount: 2)
    }

    private struct Accept: Sendable {
        let acceptedOn: Int?
        let runningOn: Int?
        let firstRead: Socket.ReadResult?
    }

    func testConnectionsAreAcceptedOnTheirLoopsQueueWithTheirFirstBytesWaiting() throws {
        let key = DispatchSpecificKey<Int>()
        for loop in group.loops { loop.queue.setSpecific(key: key, value: loop.index) }
        let clients = 64
        let accepted = expectation(description: "all accepted")
        accepted.expectedFulfillmentCount = clients
        let records = Mutex<[Accept]>([])
        let listener = try Listener(
            address: SocketAddress(try HostPort.parse("127.0.0.1:0").get()),
            clientSpeaksFirst: true,
            acceptingOn: group.loops
        ) { event in
            guard case .accepted(let socket) = event else { return }
            let runningOn = DispatchQueue.getSpecific(key: key)
            var firstRead: Socket.ReadResult?
            if let loop = socket.acceptedOn {
                // Read at once, without waiting for a readable event: the byte must be there.
                let adopted = Socket(adopting: socket, loop: loop)
                var buffer = [UInt8](repeating: 0, count: 16)
                firstRead = try? buffer.withUnsafeMutableBytes { try adopted.read(into: $0) }
                adopted.close()
            } else {
                socket.discard()
            }
            records.withLock { $0.append(Accept(acceptedOn: socket.acceptedOn?.index, runningOn: runningOn, firstRead: firstRead)) }
            accepted.fulfill()
        }
        defer { listener.close() }
        XCTAssertEqual(listener.socketCount, 2)
        XCTAssertNotEqual(listener.localAddress.port, 0, "kernel assigned a port")
        listener.start()

        var fds: [Int32] = []
        defer { for fd in fds { Glibc.close(fd) } }
        for _ in 0..<clients {
            fds.append(try connectAndSend(listener.localAddress))
        }
        wait(for: [accepted], timeout: 20)

        let seen = records.withLock { $0 }
        XCTAssertEqual(seen.count, clients)
        for record in seen {
            XCTAssertNotNil(record.acceptedOn, "a per-loop listener names the accepting loop")
            XCTAssertEqual(record.acceptedOn, record.runningOn, "the accept ran on that loop's queue")
            XCTAssertEqual(record.firstRead, .bytes(1), "the client's first byte was waiting at accept")
        }
        // The kernel hashes each connection's addresses over the sockets: with 64 different
        // source ports, both loops get some (all on one: probability 2^-63).
        XCTAssertEqual(Set(seen.compactMap(\.acceptedOn)), [0, 1])
    }

    func testAnAddressInUseIsRefusedWhicheverKindHoldsIt() throws {
        let perLoop = try Listener(address: SocketAddress(try HostPort.parse("127.0.0.1:0").get()), acceptingOn: group.loops) { _ in }
        defer { perLoop.close() }
        // A second per-loop listener would otherwise share the port through SO_REUSEPORT.
        XCTAssertThrowsError(try Listener(address: perLoop.localAddress, acceptingOn: group.loops) { _ in }) { error in
            XCTAssertEqual((error as? SyscallError)?.errno, EADDRINUSE)
            XCTAssertEqual((error as? SyscallError)?.function, "bind")
        }
        XCTAssertThrowsError(try Listener(address: perLoop.localAddress, label: "plain") { _ in }) { error in
            XCTAssertEqual((error as? SyscallError)?.errno, EADDRINUSE)
        }
        let plain = try Listener(address: SocketAddress(try HostPort.parse("127.0.0.1:0").get()), label: "plain") { _ in }
        defer { plain.close() }
        XCTAssertThrowsError(try Listener(address: plain.localAddress, acceptingOn: group.loops) { _ in }) { error in
            XCTAssertEqual((error as? SyscallError)?.errno, EADDRINUSE)
        }
    }

    /// A blocking client: connects and sends one byte.
    private func connectAndSend(_ address: SocketAddress) throws -> Int32 {
        let fd = Glibc.socket(address.domain, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let rc = try address.withSockaddr { (sa, len) throws(SyscallError) -> Int32 in Glibc.connect(fd, sa, len) }
        guard rc == 0 else {
            let err = errno
            Glibc.close(fd)
            throw SyscallError(errno: err, function: "connect")
        }
        var byte: UInt8 = 0x16
        XCTAssertEqual(Glibc.send(fd, &byte, 1, 0), 1)
        return fd
    }
}
