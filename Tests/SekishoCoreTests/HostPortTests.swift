import XCTest
import SekishoCore

final class HostPortTests: XCTestCase {
    func testParsesIPv4AndIPv6() throws {
        let v4 = try HostPort.parse("127.0.0.1:8443").get()
        XCTAssertEqual(v4.family, .ipv4)
        XCTAssertEqual(v4.port, 8443)
        let v6 = try HostPort.parse("[::1]:0").get()
        XCTAssertEqual(v6.family, .ipv6)
        XCTAssertEqual(v6.description, "[::1]:0")
    }

    func testRefusesHostNamesAndBadPorts() {
        XCTAssertEqual(HostPort.parse("localhost:80"), .failure(HostPortError("'localhost' is not an IP address literal (host names are not resolved)")))
        XCTAssertEqual(HostPort.parse("127.0.0.1:70000"), .failure(HostPortError("port '70000' is not a number from 0 to 65535")))
        XCTAssertEqual(HostPort.parse("::1:80"), .failure(HostPortError("IPv6 addresses must be written in brackets, e.g. [::1]:8443")))
        XCTAssertEqual(HostPort.parse("127.0.0.1"), .failure(HostPortError("expected host:port")))
    }
}

final class ByteBufferTests: XCTestCase {
    func testAppendConsumeAndRelease() {
        var buffer = ByteBuffer()
        [1, 2, 3, 4, 5].map(UInt8.init).withUnsafeBytes { buffer.append($0) }
        XCTAssertEqual(buffer.readableBytes, 5)
        buffer.consume(2)
        XCTAssertEqual(buffer.withReadableBytes { Array($0) }, [3, 4, 5])
        [6].map(UInt8.init).withUnsafeBytes { buffer.append($0) }
        XCTAssertEqual(buffer.withReadableBytes { Array($0) }, [3, 4, 5, 6])
        buffer.consume(4)
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertEqual(buffer.withReadableBytes { $0.count }, 0)
    }
}
