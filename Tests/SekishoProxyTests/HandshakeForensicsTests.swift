import Foundation
import SekishoProxy
import SekishoTLS
import XCTest

/// The forensics record: its JSON keys, what it carries for accepted and refused handshakes, and
/// one remediation hint per reason code.
final class HandshakeForensicsTests: XCTestCase {
    func testRefusedTLS11RecordCarriesTheOfferAndTheFirefoxHint() throws {
        let record = TrustFixtures.record(hello: TrustFixtures.tls11Hello, reason: "protocol_version", detail: "client offered at most TLSv1.1")
        XCTAssertEqual(record.outcome, .refused)
        XCTAssertNil(record.negotiated, "a refused handshake negotiated nothing")
        XCTAssertEqual(record.offered?.highestVersion, "TLSv1.1")
        XCTAssertEqual(record.offered?.versions, ["TLSv1.1"])
        XCTAssertEqual(record.offered?.supportedVersionsExtension, false)
        XCTAssertEqual(record.offered?.onlyLegacyVersions, true)
        XCTAssertEqual(record.offered?.cipherSuites.first, .init(code: "0xC00A", name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"))
        XCTAssertFalse(record.offered?.cipherSuites.contains { $0.code == "0x00FF" } ?? true, "the SCSV is not a suite")
        XCTAssertEqual(record.offered?.profileCipherSuites, 0)
        XCTAssertTrue(record.hint?.contains("enable TLS 1.2/1.3") == true || record.hint?.contains("Enable TLS 1.2/1.3") == true, record.hint ?? "")
        XCTAssertTrue(record.hint?.contains("in Firefox set security.tls.version.max to 4 in about:config") == true, record.hint ?? "")
        XCTAssertTrue(record.hintJA?.contains("security.tls.version.max を 4") == true, record.hintJA ?? "")
        XCTAssertEqual(record.identity, nil)
        XCTAssertEqual(record.time, "2027-01-15T08:00:00.000Z")
    }

    func testAcceptedRecordAndItsJSONKeys() throws {
        let leaf = TrustFixtures.certificate(cn: "client-a", sha256: String(repeating: "11", count: 32))
        let record = TrustFixtures.record(chain: [leaf])
        XCTAssertEqual(record.outcome, .accepted)
        XCTAssertEqual(record.reason, "ok")
        XCTAssertNil(record.hint)
        XCTAssertEqual(record.identity, leaf.sha256)
        XCTAssertEqual(record.commonName, "client-a")
        let line = HandshakeForensics.jsonLine(record)
        XCTAssertEqual(line.last, 0x0A, "one line per record")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: line) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["chain", "client", "connection", "identity", "listener", "negotiated", "offered", "outcome", "reason", "time", "warnings"])
        let chain = try XCTUnwrap(object["chain"] as? [[String: Any]])
        XCTAssertEqual(Set(chain[0].keys), ["subject", "issuer", "serial", "sha256", "not_before", "not_after", "signature_algorithm", "key_type", "key_bits"])
        let offered = try XCTUnwrap(object["offered"] as? [String: Any])
        XCTAssertEqual(offered["supported_versions_extension"] as? Bool, true)
        XCTAssertEqual(offered["versions"] as? [String], ["TLSv1.3", "TLSv1.2"])
        XCTAssertEqual(offered["groups"] as? [String], ["x25519", "secp256r1", "x448", "secp384r1"])
        XCTAssertEqual(offered["alpn"] as? [String], ["h2", "http/1.1"])
        XCTAssertEqual(try JSONDecoder().decode(HandshakeRecord.self, from: line), record, "records read back as written")
    }

    func testSHA1RecordHint() {
        let record = TrustFixtures.record(
            chain: [TrustFixtures.certificate(cn: "client-sha1", signature: "ecdsa-with-SHA1", sha256: String(repeating: "22", count: 32))],
            reason: "weak_signature_sha1")
        XCTAssertEqual(record.hint, "The certificate is signed with SHA-1. Ask the issuing CA for a SHA-2 certificate.")
        XCTAssertEqual(record.hintJA, "証明書が SHA-1 で署名されています。発行元の認証局に SHA-2 の証明書を依頼してください。")
        XCTAssertEqual(record.chain.first?.signatureAlgorithm, "ecdsa-with-SHA1")
    }

    func testEveryReasonCodeHasItsOwnHint() {
        let generic = RemediationHint.for(reason: "something_new", offered: nil)
        XCTAssertTrue(generic.english.hasPrefix("Refused with something_new"))
        var seen: [String: String] = [:]
        let codes = TLSRefusalReason.allCases.map(\.rawValue) + ["handshake_timeout"]
        for code in codes where code != "policy_denied" && code != "denylisted" {
            let hint = RemediationHint.for(reason: code, offered: TrustFixtures.tls11Hello)
            XCTAssertNotEqual(hint.english, RemediationHint.for(reason: "x_\(code)", offered: nil).english, code)
            XCTAssertFalse(hint.japanese.isEmpty, code)
            XCTAssertNil(seen[hint.english], "\(code) shares its hint with \(seen[hint.english] ?? "")")
            seen[hint.english] = code
        }
        for rule in ClientPolicy.ruleCodes {
            let hint = RemediationHint.for(reason: rule, offered: nil)
            XCTAssertTrue(hint.english.contains(rule.hasPrefix("deny") ? "deny-list" : "allow-list"), rule)
        }
        // A TLS 1.2 client at a TLS 1.3-only listener gets a different protocol_version hint.
        let modern = RemediationHint.for(reason: "protocol_version", offered: TrustFixtures.modernHello.with(supported: [0x0303]), acceptedVersions: [.tls13])
        XCTAssertEqual(modern.english, "This listener accepts only TLSv1.3; the client offered at most TLSv1.2. Enable TLS 1.3 in the client or update it.")
    }

    func testClientHostDropsThePort() {
        XCTAssertEqual(TrustFixtures.record(client: "192.0.2.1:4433").clientHost, "192.0.2.1")
        XCTAssertEqual(TrustFixtures.record(client: "[::1]:4433").clientHost, "::1")
    }
}

extension ClientHelloSummary {
    func with(supported: [UInt16]) -> ClientHelloSummary {
        var copy = self
        copy.supportedVersions = supported
        return copy
    }
}
