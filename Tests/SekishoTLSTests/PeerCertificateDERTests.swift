import Foundation
import SekishoCore
import SekishoTLS
import XCTest

/// `PeerIdentity.certificateDER` and `presentedChainDER`, the bytes behind RFC 9440's
/// `Client-Cert` and `Client-Cert-Chain` header fields, checked against the openssl CLI's own
/// DER encoding of the PEM files the client presented.
final class PeerCertificateDERTests: XCTestCase {
    /// DER of the `index`-th certificate of a PEM file, by `openssl x509 -outform DER`.
    private func derFromCLI(_ pemFile: String, index: Int = 0) throws -> [UInt8] {
        let text = try String(contentsOfFile: pemFile, encoding: .utf8)
        let marker = "-----BEGIN CERTIFICATE-----"
        let blocks = text.components(separatedBy: marker).dropFirst().map { marker + $0 }
        XCTAssertGreaterThan(blocks.count, index, "\(pemFile) has only \(blocks.count) certificate(s)")
        let single = FileManager.default.temporaryDirectory
            .appendingPathComponent("sekisho-der-\(UUID().uuidString).pem").path
        let out = single + ".der"
        defer {
            try? FileManager.default.removeItem(atPath: single)
            try? FileManager.default.removeItem(atPath: out)
        }
        try blocks[index].write(toFile: single, atomically: true, encoding: .utf8)
        let (status, output) = TestPKI.run("/usr/bin/env", ["openssl", "x509", "-in", single, "-outform", "DER", "-out", out])
        XCTAssertEqual(status, 0, output)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    func testFullHandshakeCarriesLeafAndPresentedIntermediateAsDER() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client().makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        let (_, serverStep) = pump.handshake()
        let peer = try XCTUnwrap(serverStep.peer, "\(serverStep)")

        let pem = try TestPKI.path("client-good-ecdsa.pem")
        XCTAssertEqual(peer.certificateDER, try derFromCLI(pem, index: 0))
        // client-good-ecdsa.pem holds the leaf and its intermediate; the client sends both, and
        // the chain field lists what followed the leaf, in the order sent (RFC 9440 §2.3).
        XCTAssertEqual(peer.presentedChainDER, [try derFromCLI(pem, index: 1)])
        XCTAssertEqual(peer.presentedChainDER.first, try derFromCLI(try TestPKI.path("intermediate.pem")))
        // A DER certificate is one SEQUENCE: 0x30, then a long-form length.
        XCTAssertEqual(peer.certificateDER.first, 0x30)
    }

    func testResumedSessionCarriesLeafButNoChain() throws {
        let context = try Fixtures.server()
        let clientContext = try Fixtures.client(maximumVersion: .tls13)
        let first = context.makeServerSession()
        let firstClient = clientContext.makeClientSession(serverName: "localhost")
        var pump = Pump(client: firstClient, server: first)
        let (_, firstStep) = pump.handshake()
        let full = try XCTUnwrap(firstStep.peer)
        _ = Pump.readAvailable(firstClient)
        let state = try XCTUnwrap(firstClient.resumptionState)

        let server = context.makeServerSession()
        let resumedClient = clientContext.makeClientSession(serverName: "localhost", resuming: state)
        var second = Pump(client: resumedClient, server: server)
        let (_, step) = second.handshake()
        let peer = try XCTUnwrap(step.peer, "\(step)")
        XCTAssertTrue(server.isResumed)
        XCTAssertEqual(peer.certificateDER, full.certificateDER, "the ticket carries the leaf")
        XCTAssertEqual(peer.presentedChainDER, [], "a ticket does not carry the presented chain")
    }
}
