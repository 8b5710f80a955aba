import SekishoCore
import SekishoTLS
import XCTest

/// The OpenSSL error queue is carried losslessly and per operation; would-block is never an
/// error; end of input is told apart from close_notify.
final class TLSErrorStackTests: XCTestCase {
    func testRefusalCarriesTheErrorStackWithCodesAndFileLines() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client(maximumVersion: .tls12, cipherList: "AES128-GCM-SHA256").makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        let refusal = try XCTUnwrap(pump.handshake().server.refusal)
        XCTAssertEqual(refusal.reason, .noSharedCipher)
        let entry = try XCTUnwrap(refusal.errorStack.first { $0.reason == "no shared cipher" }, "\(refusal.errorStack)")
        XCTAssertEqual(entry.library, "SSL routines")
        XCTAssertEqual(entry.libraryCode, 20, "ERR_LIB_SSL")
        XCTAssertEqual(entry.reasonCode, 193, "SSL_R_NO_SHARED_CIPHER")
        XCTAssertFalse(entry.file.isEmpty)
        XCTAssertGreaterThan(entry.line, 0)
        XCTAssertTrue(entry.description.hasPrefix("error:0A0000C1:SSL routines::no shared cipher ("), entry.description)
        // handshake() after a failure repeats the same refusal without touching OpenSSL.
        XCTAssertEqual(server.handshake(), .failed(refusal))
    }

    func testWouldBlockIsNeverAnErrorAndStacksDoNotLeakBetweenSessions() throws {
        let context = try Fixtures.server()
        // Leave a failure's errors behind on this thread...
        let failing = context.makeServerSession()
        let garbage = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        garbage.withUnsafeBytes { failing.feedCiphertext($0) }
        let refusal = try XCTUnwrap(failing.handshake().refusal)
        XCTAssertEqual(refusal.reason, .handshakeFailure)
        XCTAssertTrue(refusal.errorStack.contains { $0.reason == "http request" }, "\(refusal.errorStack)")

        // ...then a fresh session with no input only needs input.
        let fresh = context.makeServerSession()
        XCTAssertEqual(fresh.handshake(), .needsInput)
        XCTAssertEqual(fresh.pendingCiphertextBytes, 0)
        XCTAssertEqual(Pump.readAvailable(fresh), .needsInput)
        let client = try Fixtures.client().makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: fresh)
        XCTAssertTrue(pump.handshake().server.isComplete, "a clean session is unaffected by the earlier failure")
    }

    func testEndOfInputDuringHandshakeIsPeerClosed() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client().makeClientSession(serverName: "localhost")
        XCTAssertEqual(client.handshake(), .needsInput)
        // Half a ClientHello, then FIN.
        var hello = [UInt8](repeating: 0, count: client.pendingCiphertextBytes)
        let n = hello.withUnsafeMutableBytes { client.drainCiphertext(into: $0) }
        hello[0..<(n / 2)].withUnsafeBytes { server.feedCiphertext($0) }
        XCTAssertEqual(server.handshake(), .needsInput)
        server.feedEndOfInput()
        XCTAssertEqual(server.handshake().refusal?.reason, .peerClosed)
    }

    func testTruncationAfterHandshakeIsUnexpectedEOFButCloseNotifyIsClosed() throws {
        let context = try Fixtures.server()
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client().makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            XCTAssertTrue(pump.handshake().server.isComplete)
            server.feedEndOfInput()
            XCTAssertEqual(Pump.readAvailable(server), .failed(.unexpectedEOF))
            XCTAssertEqual(Pump.readAvailable(server), .failed(.unexpectedEOF), "the failure sticks")
            var one: [UInt8] = [1]
            let write = one.withUnsafeMutableBytes { server.writePlaintext(UnsafeRawBufferPointer($0)) }
            XCTAssertEqual(write, .failed(.unexpectedEOF))
        }
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client().makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            XCTAssertTrue(pump.handshake().server.isComplete)
            client.shutdown()
            client.shutdown()  // queued once only
            pump.transfer(from: client, to: server)
            server.feedEndOfInput()
            XCTAssertEqual(Pump.readAvailable(server), .closed)
        }
    }

    func testPlaintextCallsDriveAnUnfinishedHandshake() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client(certificate: "client-expired").makeClientSession(serverName: "localhost")
        XCTAssertEqual(Pump.readAvailable(server), .needsInput)
        XCTAssertEqual(client.writePlaintext(UnsafeRawBufferPointer(start: nil, count: 0)), .wrote(0))
        var pump = Pump(client: client, server: server)
        for _ in 0..<8 {
            _ = client.handshake()
            pump.transfer(from: client, to: server)
            if case .failed = Pump.readAvailable(server) { break }
            pump.transfer(from: server, to: client)
        }
        guard case .failed(.refused(let refusal)) = Pump.readAvailable(server) else {
            return XCTFail("server read did not report the refusal")
        }
        XCTAssertEqual(refusal.reason, .expired)
        XCTAssertEqual(server.negotiatedVersion, nil)
    }
}
