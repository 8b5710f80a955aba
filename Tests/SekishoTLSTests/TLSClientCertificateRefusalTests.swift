import SekishoCore
import SekishoTLS
import XCTest

/// Each refused client certificate must yield its own reason code, in TLS 1.3 and TLS 1.2,
/// and the client must receive the alert that fits.
final class TLSClientCertificateRefusalTests: XCTestCase {
    struct Case {
        var certificate: String?
        var reason: TLSRefusalReason
        /// Substrings the refusal detail must contain.
        var detail: [String]
        /// Reason text of the alert the client receives (OpenSSL's wording).
        var alert: String
    }

    static let cases: [Case] = [
        Case(certificate: "client-sha1", reason: .weakSignatureSHA1,
             detail: ["CN=client-sha1", "signed with ecdsa-with-SHA1 at depth 0"], alert: "sslv3 alert bad certificate"),
        Case(certificate: "client-md5", reason: .weakSignatureMD5,
             detail: ["CN=client-md5", "signed with md5WithRSAEncryption at depth 0"], alert: "sslv3 alert bad certificate"),
        Case(certificate: "client-rsa1024", reason: .weakKey,
             detail: ["CN=client-rsa1024", "RSA key of 1024 bits is below the profile minimum of 2048"], alert: "sslv3 alert bad certificate"),
        Case(certificate: "client-expired", reason: .expired,
             detail: ["CN=client-expired", "expired on "], alert: "sslv3 alert certificate expired"),
        Case(certificate: "client-notyet", reason: .notYetValid,
             detail: ["CN=client-notyet", "is not valid before "], alert: "sslv3 alert bad certificate"),
        Case(certificate: "client-revoked", reason: .revoked,
             detail: ["CN=client-revoked", "is revoked (serial "], alert: "sslv3 alert certificate revoked"),
        Case(certificate: "client-unknown-ca", reason: .unknownCA,
             detail: ["CN=client-unknown-ca", "does not chain to a configured client CA"], alert: "tlsv1 alert unknown ca"),
        Case(certificate: "client-no-eku", reason: .noClientAuthEKU,
             detail: ["CN=client-no-eku", "extendedKeyUsage without clientAuth"], alert: "sslv3 alert unsupported certificate"),
        Case(certificate: "client-bad-ku", reason: .badKeyUsage,
             detail: ["CN=client-bad-ku", "keyUsage without digitalSignature"], alert: "sslv3 alert unsupported certificate"),
    ]

    func testEachBadClientCertificateHasItsReasonInTLS13AndTLS12() throws {
        let context = try Fixtures.server()
        for version in [TLSClientProtocolVersion.tls13, .tls12] {
            for c in Self.cases {
                guard let certificate = c.certificate else { continue }
                if certificate == "client-md5", !TestPKI.exists("client-md5.pem") {
                    print("skip: this OpenSSL cannot sign with MD5, no client-md5 certificate")
                    continue
                }
                let label = "\(certificate) over \(version)"
                let server = context.makeServerSession()
                let client = try Fixtures.client(certificate: certificate, maximumVersion: version).makeClientSession(serverName: "localhost")
                var pump = Pump(client: client, server: server)
                let (clientStep, serverStep) = pump.handshake()
                let refusal = try XCTUnwrap(serverStep.refusal, "\(label): \(serverStep)")
                XCTAssertEqual(refusal.reason, c.reason, "\(label): \(refusal)")
                for fragment in c.detail {
                    XCTAssertTrue(refusal.detail.contains(fragment), "\(label): '\(refusal.detail)' lacks '\(fragment)'")
                }
                XCTAssertTrue(refusal.errorStack.contains { $0.reason == "certificate verify failed" }, "\(label): \(refusal.errorStack)")
                XCTAssertNil(server.peer)
                XCTAssertFalse(server.isEstablished)

                // The alert: in TLS 1.2 it fails the client's handshake; in TLS 1.3 the client
                // has finished already and learns it on its first read.
                let clientStack: [OpenSSLErrorEntry]
                if version == .tls12 {
                    clientStack = try XCTUnwrap(clientStep.refusal, "\(label): \(clientStep)").errorStack
                } else {
                    XCTAssertTrue(clientStep.isComplete, "\(label): \(clientStep)")
                    guard case .failed(.protocolFailure(_, let stack)) = Pump.readAvailable(client) else {
                        XCTFail("\(label): client read did not fail with the alert")
                        continue
                    }
                    clientStack = stack
                }
                XCTAssertTrue(clientStack.contains { $0.reason == c.alert }, "\(label): expected alert '\(c.alert)' in \(clientStack)")
            }
        }
    }

    func testMissingCertificateIsNoClientCert() throws {
        for version in [TLSClientProtocolVersion.tls13, .tls12] {
            let server = try Fixtures.server().makeServerSession()
            let client = try Fixtures.client(certificate: nil, maximumVersion: version).makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            let (clientStep, serverStep) = pump.handshake()
            let refusal = try XCTUnwrap(serverStep.refusal, "\(version)")
            XCTAssertEqual(refusal.reason, .noClientCert, "\(refusal)")
            if version == .tls13 {
                // RFC 8446 §4.4.2.4: certificate_required.
                guard case .failed(.protocolFailure(_, let stack)) = Pump.readAvailable(client) else {
                    return XCTFail("client read did not fail")
                }
                XCTAssertTrue(stack.contains { $0.reason == "tlsv13 alert certificate required" }, "\(stack)")
            } else {
                XCTAssertNotNil(clientStep.refusal)
            }
        }
    }

    func testOptionalClientAuthAcceptsNoCertificateButStillRefusesABadOne() throws {
        let context = try Fixtures.server(required: false)
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client(certificate: nil).makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            let (_, serverStep) = pump.handshake()
            XCTAssertEqual(serverStep, .complete(nil))
        }
        do {
            let server = context.makeServerSession()
            let client = try Fixtures.client(certificate: "client-expired").makeClientSession(serverName: "localhost")
            var pump = Pump(client: client, server: server)
            XCTAssertEqual(pump.handshake().server.refusal?.reason, .expired)
        }
    }

    func testIssuerWithoutAConfiguredCRLIsNotARefusalButCoveredIssuersStillAre() throws {
        // Only the intermediate's CRL is configured. PROFILE.md checks revocation "where a CRL
        // is configured for its issuer": the intermediate (issued by the root, which has no CRL
        // here) passes, a good leaf passes, and the revoked leaf is still refused.
        let context = try Fixtures.server(crls: ["client-ca.crl"])
        var pump = Pump(client: try Fixtures.client().makeClientSession(serverName: "localhost"), server: context.makeServerSession())
        XCTAssertNil(pump.handshake().server.refusal)

        var revoked = Pump(
            client: try Fixtures.client(certificate: "client-revoked").makeClientSession(serverName: "localhost"),
            server: context.makeServerSession()
        )
        XCTAssertEqual(revoked.handshake().server.refusal?.reason, .revoked)
    }

    func testDERCRLIsDetectedAndEnforced() throws {
        let context = try Fixtures.server(crls: ["client-ca.crl.der", "root-ca.crl"])
        let server = context.makeServerSession()
        let client = try Fixtures.client(certificate: "client-revoked").makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        XCTAssertEqual(pump.handshake().server.refusal?.reason, .revoked)

        let good = context.makeServerSession()
        let goodClient = try Fixtures.client().makeClientSession(serverName: "localhost")
        var goodPump = Pump(client: goodClient, server: good)
        XCTAssertTrue(goodPump.handshake().server.isComplete)
    }

    func testWithoutCRLsTheRevokedCertificateIsNotCheckedForRevocation() throws {
        // The control for the revocation cases: the same certificate passes when no CRL is set.
        let server = try Fixtures.server(crls: []).makeServerSession()
        let client = try Fixtures.client(certificate: "client-revoked").makeClientSession(serverName: "localhost")
        var pump = Pump(client: client, server: server)
        XCTAssertEqual(pump.handshake().server.peer?.commonName, "client-revoked")
    }
}
