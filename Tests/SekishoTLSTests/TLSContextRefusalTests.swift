import Foundation
import SekishoCore
import SekishoTLS
import XCTest

/// Start-up refusal: a context with a bad server certificate, CA or CRL is not built, and the
/// error lists every problem, each naming the file and the rule.
final class TLSContextRefusalTests: XCTestCase {
    private func problems(
        certificates: [TLSCertificateSource],
        crls: [String] = ["client-ca.crl", "root-ca.crl"],
        caPath: String? = nil,
        edit: (inout TLSServerConfiguration) -> Void = { _ in }
    ) throws -> [String] {
        var configuration = try Fixtures.serverConfiguration(crls: crls)
        configuration.certificates = certificates
        if let caPath { configuration.clientAuth.caPath = caPath }
        edit(&configuration)
        do {
            _ = try TLSContext(configuration: configuration)
            XCTFail("context was built")
            return []
        } catch {
            return error.problems
        }
    }

    private func assertProblem(_ problems: [String], _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
        let found = problems.contains { problem in fragments.allSatisfy { problem.contains($0) } }
        XCTAssertTrue(found, "no problem contains \(fragments) in:\n\(problems.joined(separator: "\n"))", file: file, line: line)
    }

    func testEachBadServerCertificateIsRefusedWithFileAndRule() throws {
        let rsa1024 = try problems(certificates: [TestPKI.source("server-rsa1024", ca: "server-ca.pem")])
        assertProblem(rsa1024, "server-rsa1024.pem: RSA key of 1024 bits is below the profile minimum of 2048")

        let sha1 = try problems(certificates: [TestPKI.source("server-sha1", ca: "server-ca.pem")])
        assertProblem(sha1, "server-sha1.pem: certificate signed with ecdsa-with-SHA1; the profile requires SHA-256 or stronger")

        let expired = try problems(certificates: [TestPKI.source("server-expired", ca: "server-ca.pem")])
        assertProblem(expired, "server-expired.pem: certificate expired on 20", "Z")
        XCTAssertEqual(expired.count, 1, "the chain check must not report the expiry a second time: \(expired)")

        let weak = try problems(certificates: [TestPKI.source("server-weakcurve", ca: "server-ca.pem")])
        assertProblem(weak, "server-weakcurve.pem: EC key on curve ", "is not allowed; the profile requires P-256, P-384 or P-521")

        let mismatch = try problems(certificates: [TestPKI.source("server-mismatch", ca: "server-ca.pem")])
        assertProblem(mismatch, "server-mismatch.key: private key does not match the certificate in ", "server-mismatch.pem")

        let missing = try problems(certificates: [
            TLSCertificateSource(certPath: "/nonexistent/server.pem", keyPath: "/nonexistent/server.key"),
        ])
        assertProblem(missing, "/nonexistent/server.pem: cannot read: No such file or directory")
        assertProblem(missing, "/nonexistent/server.key: cannot read: No such file or directory")
    }

    func testAllProblemsAreListedNotJustTheFirst() throws {
        let found = try problems(
            certificates: [
                TestPKI.source("server-rsa1024", ca: "server-ca.pem"),
                TestPKI.source("server-sha1", ca: "server-ca.pem"),
                TestPKI.source("server-expired", ca: "server-ca.pem"),
            ],
            caPath: "/nonexistent/client-ca.pem"
        ) { $0.alpn = [""] }
        assertProblem(found, "server-rsa1024.pem: RSA key of 1024 bits")
        assertProblem(found, "server-sha1.pem: certificate signed with ecdsa-with-SHA1")
        assertProblem(found, "server-expired.pem: certificate expired on")
        assertProblem(found, "client CA /nonexistent/client-ca.pem: cannot read: No such file or directory")
        assertProblem(found, "alpn: protocol name '' must be 1 to 255 bytes")
        XCTAssertGreaterThanOrEqual(found.count, 5, found.joined(separator: "\n"))
    }

    func testChainMustVerifyToTheConfiguredAnchor() throws {
        let wrongAnchor = try problems(certificates: [TestPKI.source("server-ecdsa", ca: "untrusted-ca.pem")])
        assertProblem(wrongAnchor, "server-ecdsa.pem: chain does not verify to ", "untrusted-ca.pem: unable to get local issuer certificate")

        // Leaf without its intermediate.
        let dir = try TestPKI.directory.get()
        let full = try String(contentsOfFile: dir + "/server-ecdsa.pem", encoding: .utf8)
        let leafOnly = String(full[..<full.range(of: "-----END CERTIFICATE-----")!.upperBound]) + "\n"
        let leafPath = dir + "/leaf-only.pem"
        try leafOnly.write(toFile: leafPath, atomically: true, encoding: .utf8)
        let incomplete = try problems(certificates: [
            TLSCertificateSource(certPath: leafPath, keyPath: TestPKI.path("server-ecdsa.key"), caPath: TestPKI.path("server-ca.pem")),
        ])
        assertProblem(incomplete, "leaf-only.pem: chain does not verify to ", "unable to get local issuer certificate at depth 0")

        // Without an anchor the file order is still checked: issuer listed before the leaf.
        let intermediate = try String(contentsOfFile: dir + "/intermediate.pem", encoding: .utf8)
        let reversedPath = dir + "/reversed.pem"
        try (intermediate + leafOnly).write(toFile: reversedPath, atomically: true, encoding: .utf8)
        let reversed = try problems(certificates: [
            TLSCertificateSource(certPath: reversedPath, keyPath: TestPKI.path("server-ecdsa.key")),
        ])
        assertProblem(reversed, "reversed.pem: certificate 1 (CN=Sekisho Test Intermediate CA,O=Sekisho Test) is not issued by certificate 2")
        assertProblem(reversed, "private key does not match the certificate in ", "reversed.pem")

        // And the correct file without an anchor is accepted.
        var configuration = try Fixtures.serverConfiguration()
        configuration.certificates = [try TestPKI.source("server-ecdsa")]
        XCTAssertNoThrow(try TLSContext(configuration: configuration))
    }

    func testTwoCertificatesOfOneKeyTypeAreRefused() throws {
        let found = try problems(certificates: [
            TestPKI.source("server-ecdsa", ca: "server-ca.pem"),
            TestPKI.source("server-ecdsa", ca: "server-ca.pem"),
        ])
        assertProblem(found, "server-ecdsa.pem: a second ECDSA certificate on one listener")
    }

    func testCRLProblemsAreRefusedAtStartUp() throws {
        let dir = try TestPKI.directory.get()
        // A CRL whose signature is damaged: its issuer is configured, but it does not verify.
        var der = try Data(contentsOf: URL(fileURLWithPath: dir + "/client-ca.crl.der"))
        der[der.count - 1] ^= 0x01
        let tamperedPath = dir + "/tampered.crl.der"
        try der.write(to: URL(fileURLWithPath: tamperedPath))
        let tampered = try problems(
            certificates: [TestPKI.source("server-ecdsa", ca: "server-ca.pem")],
            crls: ["tampered.crl.der", "root-ca.crl"])
        assertProblem(tampered, "client CRL \(tamperedPath): signature does not verify against any configured CA")

        // A CRL from a CA that is not a configured client CA.
        let foreign = try problems(
            certificates: [TestPKI.source("server-ecdsa", ca: "server-ca.pem")],
            crls: ["root-ca.crl"], caPath: TestPKI.path("untrusted-ca.pem"))
        assertProblem(foreign, "client CRL ", "root-ca.crl: issuer CN=Sekisho Test Root CA,O=Sekisho Test is not among the configured client CAs")

        // Not a CRL at all.
        let notCRL = try problems(
            certificates: [TestPKI.source("server-ecdsa", ca: "server-ca.pem")],
            crls: ["ca.pem"])
        assertProblem(notCRL, "client CRL ", "ca.pem: no PEM CRL (X509 CRL block) found")
    }

    func testWideningTheProfileIsRefused() throws {
        let found = try problems(certificates: [TestPKI.source("server-ecdsa", ca: "server-ca.pem")]) {
            $0.tls12CipherSuites.append(CipherSuite(iana: "TLS_RSA_WITH_AES_128_CBC_SHA", code: 0x002F, openSSL: "AES128-SHA"))
            $0.tls13CipherSuites.append(CipherSuite(iana: "TLS_AES_128_CCM_8_SHA256", code: 0x1305, openSSL: "TLS_AES_128_CCM_8_SHA256"))
            $0.groups.append(NamedGroup(name: "secp224r1", openSSL: "P-224", code: 0x0015, isNIST: true))
            $0.signatureAlgorithms.append("rsa_pkcs1_sha1")
        }
        assertProblem(found, "tls12CipherSuites: TLS_RSA_WITH_AES_128_CBC_SHA is not in the cryptrec-high profile")
        assertProblem(found, "tls13CipherSuites: TLS_AES_128_CCM_8_SHA256 is not in the cryptrec-high profile")
        assertProblem(found, "groups: secp224r1 is not in the cryptrec-high profile")
        assertProblem(found, "signatureAlgorithms: rsa_pkcs1_sha1 is not in the cryptrec-high profile")
    }

    func testSessionTicketKeyMustBe80Bytes() throws {
        let short = [UInt8](repeating: 7, count: 48)
        XCTAssertThrowsError(try short.withUnsafeBytes { try TLSSessionTicketKey(bytes: $0) }) { error in
            XCTAssertTrue("\(error)".contains("expected 80 bytes, got 48"), "\(error)")
        }
        let path = try TestPKI.directory.get() + "/short.key"
        try Data(short).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try TLSSessionTicketKey(contentsOfFile: path)) { error in
            XCTAssertTrue("\(error)".contains("short.key: session ticket key must be exactly 80 bytes, found 48"), "\(error)")
        }
    }
}
