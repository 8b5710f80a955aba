import Foundation
import SekishoCore
import XCTest

/// `sekisho check --config FILE`: exit 0 and the effective TLS surface for a good config; a
/// non-zero exit naming the file and the broken rule for each kind of bad server certificate.
final class CheckCommandTests: IntegrationTestCase {
    func testGoodConfigPassesAndPrintsSuitesInProfileOrder() throws {
        let result = try check(.standard(pki: pki, backendAddress: "127.0.0.1:9"))
        XCTAssertEqual(result.status, 0, "\(result)")

        let tokens = Self.tokens(result.stdout)
        var last = -1
        var lastName = "(start)"
        for suite in CryptrecHighProfile.tls13CipherSuites + CryptrecHighProfile.tls12CipherSuites {
            guard let index = tokens.firstIndex(where: { $0 == suite.iana || $0 == suite.openSSL }) else {
                XCTFail("suite \(suite.iana) / \(suite.openSSL) missing from check output:\n\(result.stdout)")
                continue
            }
            XCTAssertGreaterThan(index, last, "\(suite.iana) is listed before \(lastName):\n\(result.stdout)")
            last = index
            lastName = suite.iana
        }
        for forbidden in ["TLS_AES_128_CCM_8_SHA256", "TLSv1.1", "TLSv1.0", "SSLv3"] {
            XCTAssertFalse(tokens.contains(forbidden), "check output offers \(forbidden):\n\(result.stdout)")
        }
        XCTAssertTrue(result.stdout.contains("1.3") && result.stdout.contains("1.2"), "versions missing:\n\(result.stdout)")
        // The verification cache is on by default, and check says so.
        XCTAssertTrue(result.stdout.contains("CRL(s); a cleanly verified chain reused for 300 s"), "\(result.stdout)")
    }

    func testRSA1024ServerCertificateIsRejected() throws {
        try assertRejected(server: "server-rsa1024", rule: ["1024", "2048"])
    }

    func testSHA1SignedServerCertificateIsRejected() throws {
        try assertRejected(server: "server-sha1", rule: ["sha1", "sha-1"])
    }

    func testExpiredServerCertificateIsRejected() throws {
        try assertRejected(server: "server-expired", rule: ["expire"])
    }

    func testWeakCurveServerCertificateIsRejected() throws {
        try assertRejected(server: "server-weakcurve", rule: ["curve", "p-192", "prime192v1", "secp192r1", "secp224r1", "brainpool"])
    }

    func testServerKeyThatDoesNotMatchItsCertificateIsRejected() throws {
        try assertRejected(server: "server-mismatch", rule: ["match"])
    }

    /// Errors are collected, not reported one at a time: two broken listeners, two messages.
    func testEveryErrorIsListed() throws {
        var config = SekishoConfigFile.standard(pki: pki, backendAddress: "127.0.0.1:9")
        config.listeners[0].certificates = [.init(cert: pki.path("server-rsa1024.pem"), key: pki.path("server-rsa1024.key"))]
        var second = config.listeners[0]
        second.name = "second"
        second.certificates = [.init(cert: pki.path("server-expired.pem"), key: pki.path("server-expired.key"))]
        config.listeners.append(second)
        let result = try check(config)
        XCTAssertNotEqual(result.status, 0, "\(result)")
        XCTAssertFalse(result.timedOut)
        XCTAssertTrue(result.output.contains("server-rsa1024"), "first error missing:\n\(result)")
        XCTAssertTrue(result.output.contains("server-expired"), "second error missing:\n\(result)")
    }

    // MARK: -

    private func check(_ config: SekishoConfigFile) throws -> CommandResult {
        let url = try writeConfig(config, name: "check.yaml")
        return try run("sekisho-check", try sekishoBinary(), ["check", "--config", url.path], timeout: 60)
    }

    /// A config whose only server certificate is `server`; check must fail, naming the file and
    /// (any spelling of) the rule it breaks.
    private func assertRejected(server: String, rule: [String], line: UInt = #line) throws {
        var config = SekishoConfigFile.standard(pki: pki, backendAddress: "127.0.0.1:9")
        config.listeners[0].certificates = [.init(cert: pki.path("\(server).pem"), key: pki.path("\(server).key"))]
        let result = try check(config)
        XCTAssertFalse(result.timedOut, "\(result)", line: line)
        XCTAssertNotEqual(result.status, 0, "check accepted \(server):\n\(result)", line: line)
        XCTAssertTrue(result.output.contains(server), "message does not name \(server):\n\(result)", line: line)
        let lower = result.output.lowercased()
        XCTAssertTrue(rule.contains { lower.contains($0) }, "message names none of \(rule):\n\(result)", line: line)
    }

    /// Splits on anything that cannot be part of a suite or version name, so that
    /// TLS_ECDHE_ECDSA_WITH_AES_128_CCM does not match inside ..._CCM_8.
    static func tokens(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
    }
}
