import Foundation
import SekishoCore
import XCTest

/// Client trust end to end, with real `openssl s_client` and `curl`: one forensics record per
/// handshake with the offer, the presented chain, the reason and the hint; the allow-list and
/// the deny-list naming their rule; revocation and deny-listing after a reload refusing a really
/// resumed TLS 1.3 session; a CRL file change reloading without SIGHUP; the stale-CRL policy.
final class ClientTrustTests: IntegrationTestCase {
    private let legacy = ["-cipher", "DEFAULT:@SECLEVEL=0"]

    private func startBackendAndSekisho(clientAuth: String = "", crls: [String] = ["client-ca.crl", "root-ca.crl"],
                                        tls: String? = nil, trustPollSeconds: Int? = nil) throws -> (BackendProcess, SekishoProcess) {
        let backend = try startBackend()
        let yaml = trustConfig(listeners: [trustListener(crls: crls, clientAuth: clientAuth, tls: tls)], backend: backend.address)
        return (backend, try startSekisho(yaml: yaml, trustPollSeconds: trustPollSeconds))
    }

    /// Runs one s_client and returns the record it produced (the next one written).
    private func recordOf(_ address: HostPort, options: [String], client: String?, send: String? = nil) throws -> (CommandResult, [String: Any]) {
        let before = forensicsRecords().count
        let result = try sClient(address, options: options, client: client, send: send ?? Self.request())
        let records = try Poll.until(timeout: 10, "record #\(before + 1) after \(options) \(client ?? "no certificate")\n\(result)") {
            let all = forensicsRecords()
            return all.count > before ? all : nil
        }
        return (result, records[before])
    }

    // MARK: Forensics

    func testEveryReasonCodeFromARealClientYieldsAFullRecord() throws {
        let (_, sekisho) = try startBackendAndSekisho()
        let address = try sekisho.listener()
        let cases: [(options: [String], client: String?, reason: String)] = [
            (["-tls1_1"] + legacy, "client-good-ecdsa", "protocol_version"),
            (["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"], "client-good-ecdsa", "protocol_version"),
            (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256"], "client-good-ecdsa", "no_shared_cipher"),
            (["-tls1_3"] + legacy, nil, "no_client_cert"),
            (["-tls1_3"] + legacy, "client-sha1", "weak_signature_sha1"),
            (["-tls1_2"] + legacy, "client-rsa1024", "weak_key"),
            (["-tls1_3"] + legacy, "client-expired", "expired"),
            (["-tls1_3"] + legacy, "client-notyet", "not_yet_valid"),
            (["-tls1_2"] + legacy, "client-unknown-ca", "unknown_ca"),
            (["-tls1_3"] + legacy, "client-revoked", "revoked"),
            (["-tls1_3"] + legacy, "client-no-eku", "no_client_auth_eku"),
        ]
        for row in cases {
            let (result, record) = try recordOf(address, options: row.options, client: row.client)
            let label = "\(row.reason) \(row.options)"
            XCTAssertEqual(record["reason"] as? String, row.reason, "\(label)\n\(record)\n\(result)")
            XCTAssertEqual(record["outcome"] as? String, "refused", label)
            XCTAssertEqual(record["listener"] as? String, "main", label)
            XCTAssertTrue((record["client"] as? String)?.hasPrefix("127.0.0.1:") == true, label)
            XCTAssertFalse((record["hint"] as? String ?? "").isEmpty, label)
            XCTAssertFalse((record["hint_ja"] as? String ?? "").isEmpty, label)
            XCTAssertNotNil(record["detail"] as? String, label)
            let offered = try XCTUnwrap(record["offered"] as? [String: Any], label)
            XCTAssertFalse((offered["cipher_suites"] as? [[String: Any]] ?? []).isEmpty, label)
            let chain = record["chain"] as? [[String: Any]] ?? []
            if let client = row.client, !["protocol_version", "no_shared_cipher"].contains(row.reason) {
                // Presented chain, even though it was refused: leaf first, with all its fields.
                let leaf = try XCTUnwrap(chain.first, "\(label): no chain in \(record)")
                XCTAssertEqual(leaf["sha256"] as? String, try fingerprint(of: client), label)
                XCTAssertEqual(record["identity"] as? String, try fingerprint(of: client), label)
                XCTAssertEqual(leaf["serial"] as? String, try serial(of: client), label)
                for key in ["subject", "issuer", "not_before", "not_after", "signature_algorithm", "key_type", "key_bits"] {
                    XCTAssertNotNil(leaf[key], "\(label): \(key) missing in \(leaf)")
                }
                XCTAssertTrue((leaf["subject"] as? String)?.contains("CN=\(client)") == true, "\(label): \(leaf)")
            } else {
                XCTAssertTrue(chain.isEmpty, "\(label): the client got no chance to present a certificate: \(chain)")
            }
            switch row.reason {
            case "protocol_version":
                XCTAssertEqual(offered["only_legacy_versions"] as? Bool, true, label)
                XCTAssertTrue((record["hint"] as? String)?.contains("in Firefox set security.tls.version.max to 4 in about:config") == true, label)
                XCTAssertTrue((record["detail"] as? String)?.hasPrefix("client offered at most TLSv1.") == true, "\(record)")
            case "no_shared_cipher":
                let names = (offered["cipher_suites"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                XCTAssertEqual(names, ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"], label)
                XCTAssertEqual(offered["profile_cipher_suites"] as? Int, 0)
            case "weak_signature_sha1":
                XCTAssertEqual(chain.first?["signature_algorithm"] as? String, "ecdsa-with-SHA1")
                XCTAssertEqual(record["hint"] as? String, "The certificate is signed with SHA-1. Ask the issuing CA for a SHA-2 certificate.")
            default:
                break
            }
        }
        // The good client: an accepted record with what was negotiated.
        let (_, accepted) = try recordOf(address, options: ["-tls1_3"], client: "client-good-ecdsa")
        XCTAssertEqual(accepted["outcome"] as? String, "accepted")
        XCTAssertEqual(accepted["reason"] as? String, "ok")
        XCTAssertNil(accepted["hint"])
        let negotiated = try XCTUnwrap(accepted["negotiated"] as? [String: Any])
        XCTAssertEqual(negotiated["version"] as? String, "TLSv1.3")
        XCTAssertEqual(negotiated["resumed"] as? Bool, false)
        XCTAssertEqual(accepted["identity"] as? String, try fingerprint(of: "client-good-ecdsa"))
        let offered = try XCTUnwrap(accepted["offered"] as? [String: Any])
        XCTAssertEqual(offered["supported_versions_extension"] as? Bool, true)
        XCTAssertEqual(offered["sni"] as? String, "localhost")
        // Failures by reason are counters too: one handshake_refused line per refusal.
        XCTAssertEqual(sekisho.log().events("handshake_refused").count, cases.count)
    }

    // MARK: Allow-list and deny-list

    func testAllowListRefusesWithTheRuleNameAndTheUpstreamNeverSeesIt() throws {
        let (backend, sekisho) = try startBackendAndSekisho(clientAuth: "policy: {subject: {ou: [Cardiology]}}")
        let address = try sekisho.listener()
        let (result, record) = try recordOf(address, options: ["-tls1_3"], client: "client-good-ecdsa")
        XCTAssertFalse(result.output.contains("hello from backend"), "\(result)")
        XCTAssertEqual(record["reason"] as? String, "policy_denied:ou")
        XCTAssertEqual(record["detail"] as? String, "subject OU [Radiology] is not in the allow-list [Cardiology]")
        XCTAssertTrue((record["hint"] as? String)?.contains("allow-list") == true, "\(record)")
        let line = try sekisho.waitForLogEntry("handshake_refused policy_denied:ou") { $0.event == "handshake_refused" }
        XCTAssertEqual(line.reason, "policy_denied:ou")
        XCTAssertTrue(backend.acceptedConnections.isEmpty, "the refused client reached the backend: \(backend.events())")
        // The allowed OU goes through.
        let allowed = try curl(address, client: "client-good-rsa")
        XCTAssertTrue(allowed.succeeded, "\(allowed)")
        XCTAssertEqual(allowed.stdout, "hello from backend")
        XCTAssertEqual(backend.acceptedConnections.count, 1)
    }

    /// A deny-list entry added by a reload refuses the certificate's next handshake, and that
    /// handshake is a real TLS 1.3 resumption of a session minted before the reload.
    func testDenyListAddedByReloadRefusesAResumedSession() throws {
        let key = testDirectory.appendingPathComponent("ticket.key")
        try Data((0..<80).map { _ in UInt8.random(in: 0...255) }).write(to: key)
        let tls = "{session_ticket_key_file: \"\(key.path)\"}"
        let backend = try startBackend()
        let before = trustConfig(listeners: [trustListener(tls: tls)], backend: backend.address)
        let sekisho = try startSekisho(yaml: before)
        let address = try sekisho.listener()
        let session = testDirectory.appendingPathComponent("session.pem").path

        let first = try sClient(address, options: ["-tls1_3", "-sess_out", session], client: "client-good-ecdsa")
        XCTAssertTrue(first.output.contains("hello from backend"), "\(first)")
        let again = try sClient(address, options: ["-tls1_3", "-sess_in", session], client: "client-good-ecdsa")
        XCTAssertTrue(again.output.contains("Reused, TLSv1.3"), "the ticket must resume before the reload\n\(again)")
        XCTAssertTrue(again.output.contains("hello from backend"), "\(again)")

        let serial = try serial(of: "client-good-ecdsa")
        let denied = trustConfig(
            listeners: [trustListener(clientAuth: "deny: {serials: [\"\(serial)\"]}", tls: tls)], backend: backend.address)
        try reload(sekisho, yaml: denied)
        let accepts = backend.acceptedConnections.count
        let (resumed, record) = try recordOf(address, options: ["-tls1_3", "-sess_in", session], client: "client-good-ecdsa")
        XCTAssertTrue(resumed.output.contains("Reused, TLSv1.3"), "this must be a resumed handshake\n\(resumed)")
        XCTAssertFalse(resumed.output.contains("hello from backend"), "\(resumed)")
        XCTAssertEqual(record["reason"] as? String, "denylisted:serial")
        XCTAssertEqual(backend.acceptedConnections.count, accepts, "no upstream connection for the deny-listed client")
        XCTAssertTrue(sekisho.log().events("handshake_refused").contains { $0.reason == "denylisted:serial" })
    }

    /// A rotation by rename (`mv`, logrotate without copytruncate): records already queued go
    /// to the renamed file, the next ones to a new file at the configured path; none is lost.
    func testForensicsFileRenamedAwayIsReopened() throws {
        let (_, sekisho) = try startBackendAndSekisho()
        let address = try sekisho.listener()
        XCTAssertTrue(try curl(address, client: "client-good-ecdsa").succeeded)
        try waitForRecord("the first handshake") { $0["outcome"] as? String == "accepted" }
        let rotated = forensicsPath + ".1"
        XCTAssertEqual(rename(forensicsPath, rotated), 0)

        // Past the rotation check interval (1 s), the next record starts a new file.
        Thread.sleep(forTimeInterval: 1.2)
        XCTAssertTrue(try curl(address, client: "client-good-rsa").succeeded)
        let second = try waitForRecord("the second handshake in a new file") { _ in true }
        let subject = (second["chain"] as? [[String: Any]])?.first?["subject"] as? String
        XCTAssertTrue(subject?.contains("CN=client-good-rsa") == true, "\(second)")
        let old = try String(contentsOfFile: rotated, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(old.count, 1, "the renamed file keeps the first record only")
        XCTAssertEqual(forensicsRecords().count, 1)
        let notice = try sekisho.waitForLogEntry("forensics_reopened") { $0.event == "forensics_reopened" }
        XCTAssertEqual(notice.string("path"), forensicsPath)
    }

    // MARK: Revocation

    /// PROFILE.md: a resumed session never skips a check a full handshake would make today.
    func testRevocationByAReloadedCRLRefusesAResumedSession() throws {
        let key = testDirectory.appendingPathComponent("ticket.key")
        try Data((0..<80).map { _ in UInt8.random(in: 0...255) }).write(to: key)
        let tls = "{session_ticket_key_file: \"\(key.path)\"}"
        let backend = try startBackend()
        let sekisho = try startSekisho(yaml: trustConfig(
            listeners: [trustListener(crls: ["client-ca-norevoked.crl", "root-ca.crl"], tls: tls)], backend: backend.address))
        let address = try sekisho.listener()
        let session = testDirectory.appendingPathComponent("session.pem").path

        let first = try sClient(address, options: ["-tls1_3", "-sess_out", session], client: "client-revoked")
        XCTAssertTrue(first.output.contains("hello from backend"), "not revoked yet\n\(first)")

        try reload(sekisho, yaml: trustConfig(
            listeners: [trustListener(crls: ["client-ca.crl", "root-ca.crl"], tls: tls)], backend: backend.address))
        let accepts = backend.acceptedConnections.count
        let (resumed, record) = try recordOf(address, options: ["-tls1_3", "-sess_in", session], client: "client-revoked")
        XCTAssertTrue(resumed.output.contains("Reused, TLSv1.3"), "this must be a resumed handshake\n\(resumed)")
        XCTAssertFalse(resumed.output.contains("hello from backend"), "\(resumed)")
        XCTAssertEqual(record["reason"] as? String, "revoked", "\(record)")
        XCTAssertTrue((record["detail"] as? String)?.hasSuffix("resumed session)") == true, "\(record)")
        XCTAssertEqual(backend.acceptedConnections.count, accepts)
    }

    func testAChangedCRLFileIsReloadedWithoutSIGHUP() throws {
        let crl = testDirectory.appendingPathComponent("current.crl")
        try FileManager.default.copyItem(atPath: pki.path("client-ca-norevoked.crl"), toPath: crl.path)
        let backend = try startBackend()
        let listener = trustListener(crls: [], clientAuth: "crl: [\"\(crl.path)\", \"\(pki.path("root-ca.crl"))\"]")
        let sekisho = try startSekisho(yaml: trustConfig(listeners: [listener], backend: backend.address), trustPollSeconds: 1)
        let address = try sekisho.listener()
        let before = try curl(address, client: "client-revoked")
        XCTAssertTrue(before.succeeded, "\(before)")

        // Publish the new CRL the way a CRL fetcher should: write aside, rename into place.
        let staged = testDirectory.appendingPathComponent("current.crl.new")
        try FileManager.default.copyItem(atPath: pki.path("client-ca.crl"), toPath: staged.path)
        XCTAssertEqual(rename(staged.path, crl.path), 0)
        try sekisho.waitForLogEntry(timeout: 15, "trust_files_changed") { $0.event == "trust_files_changed" }
        try sekisho.waitForLogEntry(timeout: 15, "reloaded") { $0.event == "reloaded" }
        let (_, record) = try recordOf(address, options: ["-tls1_3"], client: "client-revoked")
        XCTAssertEqual(record["reason"] as? String, "revoked", "\(record)")
    }

    func testStaleCRLIsRefusedUnderRejectAndOnlyLoggedUnderWarn() throws {
        let stale = try mintCRL(named: "stale", lastUpdateOffset: -3 * 3600, nextUpdateOffset: -3600)
        let backend = try startBackend()
        func config(_ policy: String) -> String {
            let listener = trustListener(crls: [], clientAuth: "crl: [\"\(stale)\", \"\(pki.path("root-ca.crl"))\"], crl_stale: \(policy)")
            return trustConfig(listeners: [listener], backend: backend.address)
        }
        let sekisho = try startSekisho(yaml: config("{policy: reject, grace: 30m}"))
        let address = try sekisho.listener()
        let warning = try sekisho.waitForLogEntry("crl_stale") { $0.event == "crl_stale" }
        XCTAssertEqual(warning.string("path"), stale)
        XCTAssertEqual(warning.string("refusing"), "true")
        XCTAssertNotNil(warning.string("next_update"))
        XCTAssertGreaterThanOrEqual(Int(warning.string("age_seconds") ?? "") ?? 0, 3 * 3600 - 5)

        let (_, refused) = try recordOf(address, options: ["-tls1_3"], client: "client-good-ecdsa")
        XCTAssertEqual(refused["reason"] as? String, "crl_stale", "\(refused)")
        XCTAssertTrue((refused["detail"] as? String)?.contains("stale, nextUpdate") == true, "\(refused)")
        XCTAssertTrue(backend.acceptedConnections.isEmpty)

        try reload(sekisho, yaml: config("{policy: warn, grace: 0}"))
        let (result, accepted) = try recordOf(address, options: ["-tls1_3"], client: "client-good-ecdsa")
        XCTAssertTrue(result.output.contains("hello from backend"), "\(result)")
        XCTAssertEqual(accepted["outcome"] as? String, "accepted")
        let warnings = accepted["warnings"] as? [String] ?? []
        XCTAssertTrue(warnings.first?.hasSuffix("policy warn") == true, "\(accepted)")
    }
}
