import Foundation
import SekishoCore
import SekishoTLS
import XCTest

/// The presented client chain is summarised whether or not it verified: forensics needs the
/// refused chain most of all.
final class TLSPresentedChainTests: XCTestCase {
    private func serverAfterHandshake(client certificate: String?, required: Bool = true) throws -> (TLSSession, TLSHandshakeStep) {
        let server = try Fixtures.server(required: required).makeServerSession()
        var pump = Pump(client: try Fixtures.client(certificate: certificate).makeClientSession(serverName: "localhost"), server: server)
        return (server, pump.handshake().server)
    }

    private func fingerprint(_ name: String) throws -> String {
        let output = TestPKI.openssl(["x509", "-in", try TestPKI.path(name), "-noout", "-fingerprint", "-sha256"])
        let hex = output.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        return hex.replacingOccurrences(of: ":", with: "").lowercased()
    }

    func testRefusedSHA1ClientStillHasItsChainSummary() throws {
        let (server, step) = try serverAfterHandshake(client: "client-sha1")
        XCTAssertEqual(step.refusal?.reason, .weakSignatureSHA1, "\(step)")
        let chain = server.presentedChain
        XCTAssertEqual(chain.count, 2, "leaf and intermediate, as sent")
        let leaf = try XCTUnwrap(chain.first)
        XCTAssertEqual(leaf.subject, "CN=client-sha1,OU=Weak,O=Sekisho Test Clinic")
        XCTAssertEqual(leaf.issuer, "CN=Sekisho Test Intermediate CA,O=Sekisho Test")
        XCTAssertEqual(leaf.signatureAlgorithm, "ecdsa-with-SHA1")
        XCTAssertEqual(leaf.keyType, "EC")
        XCTAssertEqual(leaf.keyBits, 256)
        XCTAssertEqual(leaf.keyDescription, "EC P-256")
        XCTAssertEqual(leaf.sha256, try fingerprint("client-sha1.pem"))
        let serial = TestPKI.openssl(["x509", "-in", try TestPKI.path("client-sha1.pem"), "-noout", "-serial"])
        XCTAssertEqual("serial=" + leaf.serialHex, serial.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertTrue(leaf.notAfter.hasSuffix("Z"))
        XCTAssertGreaterThan(leaf.notAfterEpochSeconds, Int64(Date().timeIntervalSince1970))
        XCTAssertEqual(chain[1].subject, "CN=Sekisho Test Intermediate CA,O=Sekisho Test")
        XCTAssertEqual(server.certificateProblem?.reason, .weakSignatureSHA1)
    }

    func testUnknownCAChainIsRecorded() throws {
        let (server, step) = try serverAfterHandshake(client: "client-unknown-ca")
        XCTAssertEqual(step.refusal?.reason, .unknownCA, "\(step)")
        XCTAssertEqual(server.presentedChain.map(\.subject), ["CN=client-unknown-ca,OU=Nobody,O=Elsewhere"])
    }

    func testRevokedClientChainIsRecorded() throws {
        let (server, step) = try serverAfterHandshake(client: "client-revoked")
        XCTAssertEqual(step.refusal?.reason, .revoked, "\(step)")
        XCTAssertEqual(server.presentedChain.first?.sha256, try fingerprint("client-revoked.pem"))
    }

    func testAcceptedChainMatchesThePeerIdentity() throws {
        let (server, step) = try serverAfterHandshake(client: "client-good-rsa")
        let peer = try XCTUnwrap(step.peer, "\(step)")
        let chain = server.presentedChain
        XCTAssertEqual(chain.count, 2)
        XCTAssertEqual(chain[0].sha256, peer.sha256Fingerprint)
        XCTAssertEqual(chain[0].serialHex, peer.serialNumberHex)
        XCTAssertEqual(chain[0].keyDescription, "RSA 2048")
        XCTAssertEqual(chain[0].keyType, "RSA")
        XCTAssertEqual(chain[0].signatureAlgorithm, "ecdsa-with-SHA256")
        XCTAssertNil(server.certificateProblem)
    }

    func testNoCertificateMeansAnEmptyChain() throws {
        let (server, step) = try serverAfterHandshake(client: nil, required: false)
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertEqual(server.presentedChain, [])
    }

    func testPolicyRefusalAfterTheHandshakeDiscardsTheTicketAndSticks() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client().makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        // Drive the server to completion but do not move its last flight yet.
        var step = TLSHandshakeStep.needsInput
        for _ in 0..<8 {
            _ = client.handshake()
            pump.transfer(from: client, to: server)
            step = server.handshake()
            if step.isComplete { break }
            pump.transfer(from: server, to: client)
        }
        XCTAssertTrue(step.isComplete, "\(step)")
        XCTAssertGreaterThan(server.pendingCiphertextBytes, 0, "TLS 1.3 queues a NewSessionTicket on completion")
        server.refuse(TLSRefusal(reason: .badCertificate, detail: "policy_denied:ou"))
        XCTAssertEqual(server.pendingCiphertextBytes, 0, "the ticket must not reach a refused client")
        XCTAssertEqual(server.handshake().refusal?.detail, "policy_denied:ou")
        XCTAssertFalse(server.isEstablished)
        var buffer = [UInt8](repeating: 0, count: 64)
        let read = buffer.withUnsafeMutableBytes { server.readPlaintext(into: $0) }
        guard case .failed(.refused) = read else { return XCTFail("\(read)") }
    }
}
