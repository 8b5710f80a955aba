import SekishoCore
import SekishoTLS
import XCTest

/// Full handshakes between an in-memory client and server session, TLS 1.3 and 1.2, with good
/// client certificates, and what the session reports afterwards.
final class TLSHandshakeTests: XCTestCase {
    func testTLS13WithECDSAClientCertificateReportsJapaneseOrganizationIntact() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client().makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        let (clientStep, serverStep) = pump.handshake()
        XCTAssertTrue(clientStep.isComplete, "\(clientStep)")
        let peer = try XCTUnwrap(serverStep.peer, "\(serverStep)")

        XCTAssertEqual(peer.subject, "CN=client-good-ecdsa,OU=Radiology,O=医療法人テスト会")
        XCTAssertEqual(peer.organizations, ["医療法人テスト会"])
        XCTAssertEqual(peer.organizationalUnits, ["Radiology"])
        XCTAssertEqual(peer.commonName, "client-good-ecdsa")
        XCTAssertEqual(peer.issuer, "CN=Sekisho Test Intermediate CA,O=Sekisho Test")
        XCTAssertEqual(peer.keyDescription, "EC P-256")
        XCTAssertEqual(peer.signatureAlgorithm, "ecdsa-with-SHA256")
        XCTAssertEqual(peer.chainLength, 3, "leaf, intermediate, root")
        XCTAssertLessThan(peer.notBeforeEpochSeconds, peer.notAfterEpochSeconds)
        XCTAssertNotNil(peer.notAfter.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"#, options: .regularExpression))

        // Cross-check against the openssl CLI.
        let pem = try TestPKI.path("client-good-ecdsa.pem")
        let fingerprint = TestPKI.openssl(["x509", "-in", pem, "-noout", "-fingerprint", "-sha256"])
        let expectedFingerprint = fingerprint.split(separator: "=").last.map {
            $0.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        }
        XCTAssertEqual(peer.sha256Fingerprint, expectedFingerprint)
        let serial = TestPKI.openssl(["x509", "-in", pem, "-noout", "-serial"])
        XCTAssertEqual("serial=" + peer.serialNumberHex, serial.trimmingCharacters(in: .whitespacesAndNewlines))

        XCTAssertEqual(server.negotiatedVersion, "TLSv1.3")
        XCTAssertEqual(server.cipherSuiteName, "TLS_AES_128_GCM_SHA256", "server preference picks the profile's first suite")
        XCTAssertEqual(server.serverName, "localhost")
        XCTAssertFalse(server.isResumed)
        XCTAssertEqual(server.peer, peer)

        // The client verified the server against server-ca.pem and sees its identity.
        let serverIdentity = try XCTUnwrap(clientStep.peer)
        XCTAssertEqual(serverIdentity.dnsNames, ["localhost"])
        XCTAssertEqual(serverIdentity.ipAddresses, ["127.0.0.1", "::1"])

        XCTAssertEqual(try pump.send("ping", from: client, to: server).get(), "ping")
        XCTAssertEqual(try pump.send("pong", from: server, to: client).get(), "pong")

        server.shutdown()
        pump.transfer(from: server, to: client)
        XCTAssertEqual(Pump.readAvailable(client), .closed)
    }

    func testTLS12WithRSAClientCertificate() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client(certificate: "client-good-rsa", maximumVersion: .tls12).makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        let (clientStep, serverStep) = pump.handshake()
        XCTAssertTrue(clientStep.isComplete, "\(clientStep)")
        let peer = try XCTUnwrap(serverStep.peer, "\(serverStep)")
        XCTAssertEqual(peer.subject, "CN=client-good-rsa,OU=Cardiology,O=Sekisho Test Clinic")
        XCTAssertEqual(peer.keyDescription, "RSA 2048")
        XCTAssertEqual(server.negotiatedVersion, "TLSv1.2")
        XCTAssertEqual(server.cipherSuiteName, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
        XCTAssertEqual(try pump.send("hello over 1.2", from: client, to: server).get(), "hello over 1.2")
    }

    func testTLS13WithRSAClientCertificateAndTLS12WithECDSAClientCertificate() throws {
        for (certificate, version, expected) in [
            ("client-good-rsa", TLSClientProtocolVersion.tls13, "TLSv1.3"),
            ("client-good-ecdsa", .tls12, "TLSv1.2"),
        ] {
            let server = try Fixtures.server().makeServerSession()
            let client = try Fixtures.client(certificate: certificate, maximumVersion: version).makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            let (_, serverStep) = pump.handshake()
            XCTAssertEqual(serverStep.peer?.commonName, certificate, "\(serverStep)")
            XCTAssertEqual(server.negotiatedVersion, expected)
        }
    }

    func testTLS12RSAServerCertificateAndDHESuite() throws {
        for suite in ["ECDHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-CHACHA20-POLY1305"] {
            let server = try Fixtures.server().makeServerSession()
            let client = try Fixtures.client(maximumVersion: .tls12, cipherList: suite).makeClientSession(serverName: "127.0.0.1")
            var pump = Pump(client: client, server: server)
            let (clientStep, serverStep) = pump.handshake()
            XCTAssertTrue(serverStep.isComplete, "\(suite): \(serverStep)")
            XCTAssertEqual(clientStep.peer?.keyDescription, "RSA 3072", suite)
            XCTAssertNil(server.serverName, "no SNI for an IP literal (RFC 6066 §3)")
        }
    }

    func testTLS13CCMSuiteIsOfferedButCCM8IsNot() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client(tls13CipherSuites: "TLS_AES_128_CCM_SHA256").makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        XCTAssertTrue(pump.handshake().server.isComplete)
        XCTAssertEqual(server.cipherSuiteName, "TLS_AES_128_CCM_SHA256")

        let server8 = try Fixtures.server().makeServerSession()
        let client8 = try Fixtures.client(maximumVersion: .tls13, minimumVersion: .tls13, tls13CipherSuites: "TLS_AES_128_CCM_8_SHA256")
            .makeClientSession(serverName: "localhost")
        var pump8 = Pump(client: client8, server: server8)
        XCTAssertEqual(pump8.handshake().server.refusal?.reason, .noSharedCipher)
    }

    func testALPNUsesServerPreferenceAndRefusesNoOverlap() throws {
        let context = try Fixtures.server(alpn: ["h2", "http/1.1"])
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client(alpn: ["http/1.1", "h2"]).makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            XCTAssertTrue(pump.handshake().server.isComplete)
            XCTAssertEqual(server.alpnProtocol, "h2")
            XCTAssertEqual(client.alpnProtocol, "h2")
        }
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client(alpn: ["http/1.1"]).makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            XCTAssertTrue(pump.handshake().server.isComplete)
            XCTAssertEqual(server.alpnProtocol, "http/1.1")
        }
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client().makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            XCTAssertTrue(pump.handshake().server.isComplete)
            XCTAssertNil(server.alpnProtocol, "a client without ALPN gets none")
        }
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client(alpn: ["spdy/3"]).makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            let refusal = try XCTUnwrap(pump.handshake().server.refusal)
            XCTAssertEqual(refusal.reason, .handshakeFailure)
            XCTAssertTrue(refusal.errorStack.contains { $0.reason == "no application protocol" }, "\(refusal.errorStack)")
        }
    }

    func testLargeWritesArePartialPerRecordAndArriveWhole() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client().makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        XCTAssertTrue(pump.handshake().server.isComplete)
        let payload = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        var offset = 0, calls = 0
        while offset < payload.count {
            let result = payload.withUnsafeBytes { client.writePlaintext(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            guard case .wrote(let n) = result else { return XCTFail("\(result)") }
            XCTAssertLessThanOrEqual(n, 16_384, "one record per call with partial writes")
            offset += n
            calls += 1
        }
        XCTAssertGreaterThanOrEqual(calls, 7)
        pump.transfer(from: client, to: server)
        var received = 0
        var scratch = [UInt8](repeating: 0, count: 8_192)
        while received < payload.count {
            let result = scratch.withUnsafeMutableBytes { server.readPlaintext(into: $0) }
            guard case .bytes(let n) = result else { return XCTFail("\(result) after \(received)") }
            received += n
        }
        XCTAssertEqual(received, payload.count)
    }

    func testClientVerifiesServerHostName() throws {
        let server = try Fixtures.server().makeServerSession()
        let client = try Fixtures.client().makeClientSession(serverName: "not-localhost.example")
        var pump = Pump(client: client, server: server)
        let refusal = try XCTUnwrap(pump.handshake().client.refusal)
        XCTAssertEqual(refusal.reason, .badCertificate)
        XCTAssertTrue(refusal.detail.contains("server certificate verification failed"), refusal.detail)
    }

    func testSurfaceReportsProfileOrderAndCertificates() throws {
        let surface = try Fixtures.server().surface
        XCTAssertEqual(surface.versions, [.tls13, .tls12])
        XCTAssertEqual(surface.certificates.map(\.keyDescription), ["EC P-256", "RSA 3072"])
        XCTAssertEqual(surface.certificates.first?.chainLength, 2)
        XCTAssertEqual(surface.clientCAs.count, 2)
        XCTAssertEqual(surface.crlCount, 2)
        XCTAssertEqual(surface.verificationCacheSeconds, 300)
        XCTAssertTrue(surface.notes.joined().contains("TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"))
        XCTAssertTrue(TLSContext.openSSLVersionString.hasPrefix("OpenSSL 3."), TLSContext.openSSLVersionString)
    }
}
