import Foundation
import SekishoCore
import SekishoTLS
import XCTest

/// The ClientHello callback: what each kind of client offered is recorded on the server session
/// (refused or not), and refusal details are written from it.
final class TLSClientHelloForensicsTests: XCTestCase {
    private func handshake(
        _ client: TLSClientContext, server: TLSContext? = nil, serverName: String? = "localhost"
    ) throws -> (server: TLSSession, steps: (client: TLSHandshakeStep, server: TLSHandshakeStep)) {
        let session = try (server ?? Fixtures.server()).makeServerSession()
        var pump = Pump(client: client.makeClientSession(serverName: serverName), server: session)
        return (session, pump.handshake())
    }

    func testTLS12MaximumClientOfferIsRecorded() throws {
        let client = try Fixtures.client(maximumVersion: .tls12, alpn: ["h2", "http/1.1"])
        let (server, steps) = try handshake(client)
        XCTAssertTrue(steps.server.isComplete, "\(steps.server)")
        let offered = try XCTUnwrap(server.offered)
        XCTAssertEqual(offered.legacyVersion, 0x0303)
        // A client capped at TLS 1.2 sends no supported_versions extension (RFC 8446 §4.2.1).
        XCTAssertEqual(offered.supportedVersions, [])
        XCTAssertFalse(offered.extensionTypes.contains(0x002B), "\(offered.extensionTypes)")
        XCTAssertEqual(offered.offeredVersionNames, ["TLSv1.2"])
        XCTAssertFalse(offered.offersOnlyLegacyVersions)
        XCTAssertTrue(offered.cipherSuites.contains(0xC02B), "\(offered.cipherSuiteNames)")
        XCTAssertFalse(offered.cipherSuites.contains(0x1301), "a TLS 1.2-only client offers no TLS 1.3 suite")
        XCTAssertTrue(offered.cipherSuiteNames.contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
        XCTAssertEqual(offered.groupNames.first, "x25519")
        XCTAssertTrue(offered.signatureAlgorithmNames.contains("ecdsa_secp256r1_sha256"), "\(offered.signatureAlgorithmNames)")
        XCTAssertEqual(offered.serverName, "localhost")
        XCTAssertEqual(offered.alpn, ["h2", "http/1.1"])
        XCTAssertEqual(server.negotiatedVersion, "TLSv1.2")
    }

    func testTLS13ClientOffersSupportedVersions() throws {
        let (server, steps) = try handshake(try Fixtures.client(), serverName: nil)
        XCTAssertTrue(steps.server.isComplete, "\(steps.server)")
        let offered = try XCTUnwrap(server.offered)
        XCTAssertEqual(offered.supportedVersions, [0x0304, 0x0303])
        XCTAssertEqual(offered.versionOfferText, "offered: TLSv1.3, TLSv1.2")
        XCTAssertEqual(Array(offered.cipherSuiteNames.prefix(1)), ["TLS_AES_128_GCM_SHA256"])
        XCTAssertNil(offered.serverName, "no SNI was sent")
        XCTAssertEqual(offered.alpn, [])
        XCTAssertEqual(offered.profileCipherSuites.count, offered.cipherSuites.filter { !TLSNames.isSignallingSuite($0) }.count)
    }

    func testTLS11ClientIsRefusedWithADetailSayingWhatItOffered() throws {
        let client = try Fixtures.client(maximumVersion: .tls11, minimumVersion: .tls10, cipherList: "DEFAULT:@SECLEVEL=0")
        let (server, steps) = try handshake(client)
        let refusal = try XCTUnwrap(steps.server.refusal, "\(steps.server)")
        XCTAssertEqual(refusal.reason, .protocolVersion)
        XCTAssertTrue(refusal.detail.hasPrefix(
            "client offered at most TLSv1.1 (legacy_version TLSv1.1, no supported_versions extension); TLS 1.2 is the minimum; this listener accepts TLSv1.3, TLSv1.2"),
            refusal.detail)
        let offered = try XCTUnwrap(server.offered, "the callback runs before OpenSSL picks a version")
        XCTAssertTrue(offered.offersOnlyLegacyVersions)
        XCTAssertTrue(offered.cipherSuiteNames.contains("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"), "\(offered.cipherSuiteNames)")
        XCTAssertTrue(offered.profileCipherSuites.isEmpty, "a TLS 1.1 client can offer no AEAD suite")
    }

    func testTLS12OnlyClientAgainstATLS13OnlyListenerIsToldBoth() throws {
        var configuration = try Fixtures.serverConfiguration()
        configuration.versions = [.tls13]
        let server = try TLSContext(configuration: configuration)
        let (_, steps) = try handshake(try Fixtures.client(maximumVersion: .tls12), server: server)
        let refusal = try XCTUnwrap(steps.server.refusal, "\(steps.server)")
        XCTAssertEqual(refusal.reason, .protocolVersion)
        XCTAssertTrue(refusal.detail.hasPrefix(
            "client offered at most TLSv1.2 (legacy_version TLSv1.2, no supported_versions extension); this listener accepts TLSv1.3"),
            refusal.detail)
    }

    func testNoSharedCipherDetailNamesTheOfferedSuitesByIANAName() throws {
        let client = try Fixtures.client(maximumVersion: .tls12, cipherList: "AES128-SHA:AES256-SHA256:@SECLEVEL=0")
        let (server, steps) = try handshake(client)
        let refusal = try XCTUnwrap(steps.server.refusal, "\(steps.server)")
        XCTAssertEqual(refusal.reason, .noSharedCipher)
        XCTAssertTrue(refusal.detail.contains("TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA256"), refusal.detail)
        XCTAssertEqual(server.offered?.cipherSuiteNames, ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA256"])
        XCTAssertEqual(server.offered?.cipherSuites.last, 0x00FF, "OpenSSL adds the renegotiation SCSV; it is kept as a code point")
    }

    func testNothingIsRecordedBeforeAClientHello() throws {
        let server = try Fixtures.server().makeServerSession()
        XCTAssertEqual(server.handshake(), .needsInput)
        XCTAssertNil(server.offered)
        XCTAssertEqual(server.presentedChain, [])
    }

    func testExtensionBodiesAreParsedLikeTheWire() {
        // server_name: list length, then (type 0, length, "a.example").
        let sni: [UInt8] = [0x00, 0x0C, 0x00, 0x00, 0x09] + Array("a.example".utf8)
        let parsedSNI = ClientHelloSummary(legacyVersion: 0x0303, serverName: "a.example")
        XCTAssertEqual(parsedSNI.serverName, "a.example")
        XCTAssertEqual(sni.count, 14)
        // GREASE values are dropped wherever they appear (RFC 8701).
        XCTAssertTrue(TLSNames.isGREASE(0x0A0A))
        XCTAssertTrue(TLSNames.isGREASE(0xFAFA))
        XCTAssertFalse(TLSNames.isGREASE(0x0A1A))
        XCTAssertEqual(TLSNames.cipherSuite(0x3A3A), "GREASE")
        XCTAssertEqual(TLSNames.cipherSuite(0xFEFE), "0xFEFE")
        XCTAssertEqual(TLSNames.version(0x0302), "TLSv1.1")
    }

    /// The name table against OpenSSL's own standard names: every suite both know must be
    /// spelled the same, so refusals name suites the way scanners and RFCs do.
    func testCipherSuiteTableAgreesWithOpenSSLStandardNames() throws {
        let output = TestPKI.openssl(["ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
        var compared = 0
        for line in output.split(separator: "\n") {
            // "0xC0,0x2B - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 - ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2 ..."
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, fields[0].hasPrefix("0x"), fields[1] == "-" else { continue }
            let bytes = fields[0].split(separator: ",").compactMap { UInt8($0.dropFirst(2), radix: 16) }
            guard bytes.count == 2 else { continue }
            let code = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            guard let ours = TLSNames.cipherSuites[code] else { continue }
            XCTAssertEqual(ours, String(fields[2]), "suite \(TLSNames.hex(code))")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 40, "too few suites compared; is `openssl ciphers -stdname` available?\n\(output.prefix(500))")
        for suite in CryptrecHighProfile.tls13CipherSuites + CryptrecHighProfile.tls12CipherSuites {
            XCTAssertEqual(TLSNames.cipherSuite(suite.code), suite.iana)
        }
        for group in CryptrecHighProfile.groups {
            XCTAssertNotEqual(TLSNames.group(group.code), TLSNames.hex(group.code), group.name)
        }
    }
}
