import XCTest
import SekishoCore
@testable import SekishoTLS

/// What an established session gives back when it goes quiet: memory BIOs grown by the
/// handshake (only when empty), the forensics captures (keeping the SNI answer), and DER
/// copies of the client certificate (encoded on demand instead).
final class TLSIdleMemoryTests: XCTestCase {
    private func established() throws -> (client: TLSSession, server: TLSSession, pump: Pump) {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client().makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        let (clientStep, serverStep) = pump.handshake()
        XCTAssertNotNil(clientStep.peer, "\(clientStep)")
        XCTAssertNotNil(serverStep.peer, "\(serverStep)")
        return (client, server, pump)
    }

    func testHandshakeGrewBothBIOsAndForcedReleaseEmptiesThem() throws {
        let (_, server, _) = try established()
        let before = server.bufferCapacities
        XCTAssertGreaterThan(before.read, 0, "the client's flights went through the read BIO")
        XCTAssertGreaterThan(before.write, 0, "the server's flights went through the write BIO")
        XCTAssertLessThan(before.read, TLSSession.idleBIOCapacityLimit, "small flights stay under the limit")
        XCTAssertEqual(server.releaseIdleBuffers(), 0, "under the limit, only a forced release replaces")
        XCTAssertEqual(server.releaseIdleBuffers(force: true), 2)
        XCTAssertEqual(server.bufferCapacities.read, 0)
        XCTAssertEqual(server.bufferCapacities.write, 0)
        XCTAssertEqual(server.releaseIdleBuffers(force: true), 0, "fresh BIOs have nothing to give back")
    }

    func testABIOHoldingBytesIsNeverReplacedAndTheSessionKeepsWorking() throws {
        var (client, server, pump) = try established()
        _ = Pump.readAvailable(client)  // the ticket
        XCTAssertEqual(server.releaseIdleBuffers(force: true), 2)

        // Ciphertext fed but not read yet: the read BIO is left alone; output not yet drained
        // keeps the write BIO.
        let request = Array(repeating: UInt8(ascii: "q"), count: 9_000)
        let written = request.withUnsafeBytes { client.writePlaintext($0) }
        guard case .wrote(let n) = written else { return XCTFail("\(written)") }
        pump.transfer(from: client, to: server)
        let response = Array(repeating: UInt8(ascii: "r"), count: 9_000)
        _ = response.withUnsafeBytes { server.writePlaintext($0) }
        XCTAssertGreaterThan(server.bufferCapacities.read, TLSSession.idleBIOCapacityLimit)
        XCTAssertEqual(server.releaseIdleBuffers(force: true), 0, "both BIOs hold bytes")

        // Drained on both sides: above the limit, an unforced release replaces both.
        var received = 0
        var scratch = [UInt8](repeating: 0, count: 16_384)
        while received < n {
            let result = scratch.withUnsafeMutableBytes { server.readPlaintext(into: $0) }
            guard case .bytes(let count) = result else { return XCTFail("\(result)") }
            received += count
        }
        pump.transfer(from: server, to: client)
        XCTAssertEqual(server.releaseIdleBuffers(), 2)
        var answered = 0
        while answered < response.count {
            let result = scratch.withUnsafeMutableBytes { client.readPlaintext(into: $0) }
            guard case .bytes(let count) = result else { return XCTFail("\(result)") }
            answered += count
        }

        // The session goes on over the fresh BIOs, both ways.
        XCTAssertEqual(try pump.send("after release", from: client, to: server).get(), "after release")
        XCTAssertEqual(try pump.send("and back", from: server, to: client).get(), "and back")
    }

    func testReadBIOKeepsTheEndOfInputMark() throws {
        let (client, server, _) = try established()
        _ = Pump.readAvailable(client)
        // TCP FIN without close_notify: the read BIO carries the EOF mark, so it stays.
        server.feedEndOfInput()
        XCTAssertEqual(server.releaseIdleBuffers(force: true), 1, "only the write BIO is replaced")
        let result = Pump.readAvailable(server)
        guard case .failed = result else {
            return XCTFail("a replaced read BIO would report needsInput instead of the truncation: \(result)")
        }
    }

    func testReleasingHandshakeRecordsKeepsTheServerName() throws {
        let (_, server, _) = try established()
        XCTAssertNotNil(server.offered)
        XCTAssertFalse(server.presentedChain.isEmpty)
        server.releaseHandshakeRecords()
        XCTAssertNil(server.offered)
        XCTAssertEqual(server.serverName, "localhost")
    }

    func testPeerIdentityEncodesItsCertificatesOnDemandAndCompares() throws {
        let (_, server, _) = try established()
        let peer = try XCTUnwrap(server.peer)
        let der = peer.certificateDER
        XCTAssertEqual(der.first, 0x30)
        XCTAssertEqual(peer.presentedChainDER.count, 1)
        // An identity built from the same bytes is equal to the one holding certificates.
        var copy = peer
        copy.certificateDER = der
        copy.presentedChainDER = peer.presentedChainDER
        XCTAssertEqual(copy, peer)
        copy.certificateDER = Array(der.dropLast())
        XCTAssertNotEqual(copy, peer)
    }
}
