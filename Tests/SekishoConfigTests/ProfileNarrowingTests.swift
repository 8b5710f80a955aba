import XCTest
import SekishoConfig

/// The `tls` block may only narrow the cryptrec-high profile. Every widening attempt is refused
/// with the key path of the offending entry and the reason.
final class ProfileNarrowingTests: XCTestCase {
    private func tls(_ body: String) -> String {
        ConfigDocument.make(listener: ["tls": body])
    }

    func testWideningVersionsIsRefused() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("TLS 1.1", tls("{versions: [TLSv1.3, TLSv1.1]}"), [
                "listeners[0].tls.versions[1]: 'TLSv1.1' is not in the cryptrec-high profile (SSL 3.0, TLS 1.0 and TLS 1.1 are never negotiated)",
            ]),
            ("TLS 1.0 and SSLv3", tls("{versions: [TLSv1, SSLv3]}"), [
                "listeners[0].tls.versions[0]: 'TLSv1' is not in the cryptrec-high profile (SSL 3.0, TLS 1.0 and TLS 1.1 are never negotiated)",
                "listeners[0].tls.versions[1]: 'SSLv3' is not in the cryptrec-high profile (SSL 3.0, TLS 1.0 and TLS 1.1 are never negotiated)",
            ]),
            ("not a version", tls("{versions: [TLSv1.4]}"), [
                "listeners[0].tls.versions[0]: 'TLSv1.4' is not a TLS protocol version (allowed: TLSv1.3, TLSv1.2)",
            ]),
            ("empty", tls("{versions: []}"), [
                "listeners[0].tls.versions: must list at least one version (allowed: TLSv1.3, TLSv1.2)",
            ]),
            ("duplicate", tls("{versions: [TLSv1.3, tlsv1.3]}"), [
                "listeners[0].tls.versions[1]: 'tlsv1.3' is listed twice",
            ]),
        ], in: dir)
    }

    func testWideningTLS12SuitesIsRefusedWithTheReason() throws {
        let dir = try PlaceholderDirectory()
        let good = "ECDHE-ECDSA-AES128-GCM-SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        func row(_ name: String, _ suite: String, _ reason: String) -> (String, String, [String]) {
            (name, tls("{tls12_cipher_suites: [\(good), \(suite)]}"), [
                "listeners[0].tls.tls12_cipher_suites[2]: '\(suite)' is not in the cryptrec-high profile (\(reason))",
            ])
        }
        assertIssueTable([
            row("RSA key transport", "TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA key transport is never allowed"),
            row("RSA key transport, OpenSSL name", "AES256-GCM-SHA384", "RSA key transport is never allowed"),
            row("CBC", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "CBC modes are never allowed"),
            row("CBC, OpenSSL name", "ECDHE-ECDSA-AES256-SHA384", "CBC modes are never allowed"),
            row("CCM_8", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "CCM_8 has a 64-bit tag and is never allowed"),
            row("CCM_8, OpenSSL name", "ECDHE-ECDSA-AES128-CCM8", "CCM_8 has a 64-bit tag and is never allowed"),
            row("3DES", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "DES and 3DES are never allowed"),
            row("RC4", "ECDHE-RSA-RC4-SHA", "RC4 is never allowed"),
            row("NULL", "TLS_ECDHE_ECDSA_WITH_NULL_SHA", "NULL encryption is never allowed"),
            row("anonymous", "TLS_DH_anon_WITH_AES_128_GCM_SHA256", "anonymous key exchange is never allowed"),
            row("export", "EXP-RC4-MD5", "export-grade suites are never allowed"),
            row("PSK", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "PSK and SRP key exchange are never allowed"),
            row("DSS", "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "DSA (DSS) authentication is never allowed"),
            row("static ECDH", "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", "static (EC)DH key exchange has no forward secrecy"),
            row("Camellia-GCM", "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", "OpenSSL 3.0 cannot negotiate Camellia-GCM, so sekisho does not offer it"),
            ("TLS 1.3 suite in the TLS 1.2 list", tls("{tls12_cipher_suites: [TLS_AES_128_GCM_SHA256]}"), [
                "listeners[0].tls.tls12_cipher_suites[0]: 'TLS_AES_128_GCM_SHA256' is a TLS 1.3 suite; list it under tls13_cipher_suites",
            ]),
            ("same suite in both spellings", tls("{tls12_cipher_suites: [\(good), ECDHE-RSA-AES128-GCM-SHA256]}"), [
                "listeners[0].tls.tls12_cipher_suites[2]: 'ECDHE-RSA-AES128-GCM-SHA256' is listed twice",
            ]),
        ], in: dir)
    }

    func testUnclassifiedSuiteNamesAreStillRefused() throws {
        let dir = try PlaceholderDirectory()
        let allowed = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "
            + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "
            + "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "
            + "TLS_ECDHE_ECDSA_WITH_AES_128_CCM, TLS_ECDHE_ECDSA_WITH_AES_256_CCM, "
            + "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "
            + "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, TLS_DHE_RSA_WITH_AES_128_CCM, TLS_DHE_RSA_WITH_AES_256_CCM"
        assertIssueTable([
            ("typo", tls("{tls12_cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265]}"), [
                "listeners[0].tls.tls12_cipher_suites[0]: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265' is not in the cryptrec-high profile (allowed: \(allowed))",
            ]),
        ], in: dir)
    }

    func testWideningTLS13SuitesIsRefused() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("CCM_8", tls("{tls13_cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_AES_128_CCM_8_SHA256]}"), [
                "listeners[0].tls.tls13_cipher_suites[1]: 'TLS_AES_128_CCM_8_SHA256' is not in the cryptrec-high profile (CCM_8 has a 64-bit tag and is never allowed)",
            ]),
            ("TLS 1.2 suite in the TLS 1.3 list", tls("{tls13_cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]}"), [
                "listeners[0].tls.tls13_cipher_suites[0]: 'ECDHE-RSA-AES128-GCM-SHA256' is a TLS 1.2 suite; list it under tls12_cipher_suites",
            ]),
            ("unknown", tls("{tls13_cipher_suites: [TLS_AES_512_GCM]}"), [
                "listeners[0].tls.tls13_cipher_suites[0]: 'TLS_AES_512_GCM' is not in the cryptrec-high profile (allowed: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256)",
            ]),
        ], in: dir)
    }

    func testEmptySuiteListForAnEnabledVersionIsRefused() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("TLS 1.2 enabled by default", tls("{tls12_cipher_suites: []}"), [
                "listeners[0].tls.tls12_cipher_suites: empty, but TLSv1.2 is enabled (list at least one suite, or remove TLSv1.2 from tls.versions)",
            ]),
            ("TLS 1.3 enabled explicitly", tls("{versions: [TLSv1.3], tls13_cipher_suites: []}"), [
                "listeners[0].tls.tls13_cipher_suites: empty, but TLSv1.3 is enabled (list at least one suite, or remove TLSv1.3 from tls.versions)",
            ]),
            ("both", tls("{tls13_cipher_suites: [], tls12_cipher_suites: []}"), [
                "listeners[0].tls.tls13_cipher_suites: empty, but TLSv1.3 is enabled (list at least one suite, or remove TLSv1.3 from tls.versions)",
                "listeners[0].tls.tls12_cipher_suites: empty, but TLSv1.2 is enabled (list at least one suite, or remove TLSv1.2 from tls.versions)",
            ]),
        ], in: dir)
    }

    func testWideningGroupsIsRefused() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("unknown group", tls("{groups: [x25519, brainpoolP256r1]}"), [
                "listeners[0].tls.groups[1]: 'brainpoolP256r1' is not in the cryptrec-high profile (allowed: x25519, p-256, p-384, p-521, x448, ffdhe2048, ffdhe3072, ffdhe4096)",
            ]),
            ("small curve", tls("{groups: [secp224r1]}"), [
                "listeners[0].tls.groups[0]: 'secp224r1' is not in the cryptrec-high profile (ECDHE groups must be at least 256 bits)",
            ]),
            ("small finite-field group", tls("{groups: [ffdhe1024]}"), [
                "listeners[0].tls.groups[0]: 'ffdhe1024' is not in the cryptrec-high profile (finite-field groups: ffdhe2048, ffdhe3072, ffdhe4096)",
            ]),
            ("x25519 with nist_curves_only", tls("{nist_curves_only: true, groups: [p-256, x25519, X448]}"), [
                "listeners[0].tls.groups[1]: 'x25519' is not a NIST curve, and nist_curves_only is true",
                "listeners[0].tls.groups[2]: 'X448' is not a NIST curve, and nist_curves_only is true",
            ]),
            ("duplicate through an alias", tls("{groups: [p-256, prime256v1]}"), [
                "listeners[0].tls.groups[1]: 'prime256v1' is listed twice",
            ]),
            ("empty", tls("{groups: []}"), ["listeners[0].tls.groups: must list at least one group"]),
        ], in: dir)
    }

    func testOnlyTheCryptrecHighProfileIsAccepted() throws {
        let dir = try PlaceholderDirectory()
        assertIssueTable([
            ("other profile", ConfigDocument.make(listener: ["profile": "mozilla-intermediate"]), [
                "listeners[0].profile: 'mozilla-intermediate' is not a known profile (accepted: cryptrec-high)",
            ]),
        ], in: dir)
    }
}
