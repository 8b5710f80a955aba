import Foundation
import SekishoConfig
import SekishoHTTP1
import SekishoTLS
import XCTest
@testable import SekishoProxy

/// Rendering of the client identity into header values (RFC 9440 byte sequences, RFC 4514
/// names made header-safe) and the stripping of forged inbound copies.
final class IdentityHeadersTests: XCTestCase {
    static func peer(
        subject: String = "CN=client-a,OU=Radiology,O=医療法人テスト会",
        issuer: String = "CN=Sekisho Test Intermediate CA,O=Sekisho Test",
        der: [UInt8] = [0x30, 0x82, 0x01, 0xFF, 0x00, 0xFB],
        chain: [[UInt8]] = [[0x30, 0x01], [0x30, 0x02, 0xFE]]
    ) -> PeerIdentity {
        PeerIdentity(
            subject: subject, issuer: issuer, commonNames: ["client-a"], organizations: ["医療法人テスト会"],
            organizationalUnits: ["Radiology"], dnsNames: [], ipAddresses: [], uris: [],
            serialNumberHex: "1B692B54C9601F0F", sha256Fingerprint: "2bb1504b72c1b12b",
            notBefore: "2026-01-01T00:00:00Z", notAfter: "2027-01-01T00:00:00Z",
            notBeforeEpochSeconds: 0, notAfterEpochSeconds: 1, signatureAlgorithm: "ecdsa-with-SHA256",
            keyDescription: "EC P-256", chainLength: 3, certificateDER: der, presentedChainDER: chain
        )
    }

    func testJapaneseSubjectIsPercentEncodedUTF8AndDecodesBackExactly() {
        let subject = "CN=client-a,OU=Radiology,O=医療法人テスト会"
        let encoded = IdentityHeaders.headerSafe(subject)
        XCTAssertEqual(
            encoded,
            "CN=client-a,OU=Radiology,O=%E5%8C%BB%E7%99%82%E6%B3%95%E4%BA%BA%E3%83%86%E3%82%B9%E3%83%88%E4%BC%9A"
        )
        XCTAssertTrue(encoded.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }, "visible ASCII only")
        XCTAssertEqual(IdentityHeaders.decodeHeaderSafe(encoded), subject)
    }

    func testHeaderSafeNeverLetsControlBytesThrough() {
        let rows: [(input: String, encoded: String)] = [
            ("O=a\r\nX-Injected: 1", "O=a%0D%0AX-Injected: 1"),
            ("O=100%", "O=100%25"),
            ("O=tab\there", "O=tab%09here"),
            ("O=del\u{7F}", "O=del%7F"),
            ("O=nul\u{0}", "O=nul%00"),
            (" O=edge ", "%20O=edge%20"),
            ("O=inner space", "O=inner space"),
            // RFC 4514 escapes written by OpenSSL stay as they are: they are visible ASCII.
            (#"CN=a\,b,O=x\+y"#, #"CN=a\,b,O=x\+y"#),
            ("O=\u{85}NEL", "O=%C2%85NEL"),
        ]
        for row in rows {
            let encoded = IdentityHeaders.headerSafe(row.input)
            XCTAssertEqual(encoded, row.encoded, "input \(row.input.debugDescription)")
            XCTAssertEqual(IdentityHeaders.decodeHeaderSafe(encoded), row.input, "round trip of \(row.input.debugDescription)")
            XCTAssertFalse(encoded.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "no control byte in \(encoded)")
            XCTAssertNotEqual(encoded.utf8.first, 0x20)
            XCTAssertNotEqual(encoded.utf8.last, 0x20)
        }
        XCTAssertNil(IdentityHeaders.decodeHeaderSafe("%E5%8"), "truncated escape")
        XCTAssertNil(IdentityHeaders.decodeHeaderSafe("%FF"), "not UTF-8")
    }

    func testDefaultFieldsCarryTheCertificateAsRFC9440ByteSequence() {
        let identity = IdentityHeaders(settings: .defaults)
        let fields = identity.fields(for: Self.peer())
        XCTAssertEqual(fields.map(\.name), [
            "Client-Cert", "X-Client-Cert-Subject", "X-Client-Cert-Issuer", "X-Client-Cert-Serial",
            "X-Client-Cert-SHA256", "X-Client-Cert-Not-After",
        ])
        XCTAssertEqual(fields[0].value, ":MIIB/wD7:")
        XCTAssertEqual(fields[1].value, IdentityHeaders.headerSafe("CN=client-a,OU=Radiology,O=医療法人テスト会"))
        XCTAssertEqual(fields[2].value, "CN=Sekisho Test Intermediate CA,O=Sekisho Test")
        XCTAssertEqual(fields[3].value, "1B692B54C9601F0F")
        XCTAssertEqual(fields[4].value, "2bb1504b72c1b12b")
        XCTAssertEqual(fields[5].value, "2027-01-01T00:00:00Z")
        // Every value must pass the serializer's own field-value check.
        var bytes: [UInt8] = []
        XCTAssertNoThrow(try HTTP1Serializer.writeRequestHead(
            method: .get, target: "/", headers: HTTP1Fields(fields), into: &bytes))
    }

    func testChainIsAnSFListInPresentedOrderAndNamesAreConfigurable() {
        let settings = IdentityHeaderSettings(
            clientCert: "X-SSL-Cert", clientCertChain: "Client-Cert-Chain", subject: nil, issuer: nil,
            serial: nil, sha256: "X-SSL-Fingerprint", notAfter: nil, stripPrefixes: []
        )
        let fields = IdentityHeaders(settings: settings).fields(for: Self.peer())
        XCTAssertEqual(fields.map(\.name), ["X-SSL-Cert", "Client-Cert-Chain", "X-SSL-Fingerprint"])
        XCTAssertEqual(fields[1].value, ":MAE=:, :MAL+:")
    }

    func testNoCertificateMeansNoFieldsAndEmptyChainMeansNoChainField() {
        let all = IdentityHeaderSettings(
            clientCert: "Client-Cert", clientCertChain: "Client-Cert-Chain", subject: "S", issuer: nil,
            serial: nil, sha256: nil, notAfter: nil, stripPrefixes: []
        )
        let identity = IdentityHeaders(settings: all)
        XCTAssertEqual(identity.fields(for: nil), [])
        XCTAssertEqual(identity.fields(for: Self.peer(chain: [])).map(\.name), ["Client-Cert", "S"])
    }

    func testForgedInboundCopiesAreStrippedCaseInsensitivelyAndByPrefix() {
        let settings = IdentityHeaderSettings(
            clientCert: nil, clientCertChain: nil, subject: "X-User-DN", issuer: nil,
            serial: nil, sha256: nil, notAfter: nil, stripPrefixes: ["X-SSL-", "X-Client-Cert-"]
        )
        let identity = IdentityHeaders(settings: settings)
        for name in ["x-user-dn", "X-USER-DN", "x-ssl-anything", "X-Client-Cert-Subject", "client-cert", "CLIENT-CERT-CHAIN"] {
            XCTAssertTrue(identity.mustStrip(name), name)
        }
        for name in ["X-User", "X-SSLx", "Authorization", "Host", "X-Client"] {
            XCTAssertFalse(identity.mustStrip(name), name)
        }
    }
}
