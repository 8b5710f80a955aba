import Foundation
import XCTest

/// Mints CRLs of the test intermediate CA with chosen dates and revocations, through the
/// `openssl ca` CLI in a scratch folder (gen-test-pki.sh removes its own CA database, so each
/// minter starts an empty one; `openssl ca -revoke` adds an unknown certificate as it revokes).
struct CRLMinter {
    let directory: String

    init() throws {
        let base = try TestPKI.directory.get()
        directory = base + "/crl-minter-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory + "/index.txt", contents: Data())
        try "unique_subject = no\n".write(toFile: directory + "/index.txt.attr", atomically: true, encoding: .utf8)
        let conf = """
        [ ca ]
        default_ca = CA_default
        [ CA_default ]
        dir = \(directory)
        database = $dir/index.txt
        certificate = \(base)/intermediate.pem
        private_key = \(base)/intermediate.key
        default_md = sha256
        default_crl_days = 2
        [ crl_ext ]
        authorityKeyIdentifier = keyid:always
        """
        try conf.write(toFile: directory + "/ca.cnf", atomically: true, encoding: .utf8)
    }

    /// Revokes the leaf of `<name>.pem` in this minter's database.
    func revoke(_ name: String) throws {
        let (status, output) = TestPKI.run("/usr/bin/env", [
            "openssl", "ca", "-batch", "-config", directory + "/ca.cnf", "-revoke", try TestPKI.path("\(name).pem"),
            "-crl_reason", "keyCompromise",
        ])
        guard status == 0 else { throw TestPKI.Failure(description: "openssl ca -revoke failed: \(output)") }
    }

    /// Writes a CRL whose thisUpdate/nextUpdate are `lastUpdateOffset`/`nextUpdateOffset`
    /// seconds from now, and returns its path.
    func crl(named name: String, lastUpdateOffset: Int, nextUpdateOffset: Int) throws -> String {
        let out = directory + "/\(name).crl"
        let (status, output) = TestPKI.run("/usr/bin/env", [
            "openssl", "ca", "-batch", "-config", directory + "/ca.cnf", "-gencrl", "-crlexts", "crl_ext",
            "-crl_lastupdate", Self.stamp(lastUpdateOffset), "-crl_nextupdate", Self.stamp(nextUpdateOffset),
            "-out", out,
        ])
        guard status == 0 else { throw TestPKI.Failure(description: "openssl ca -gencrl failed: \(output)") }
        return out
    }

    /// YYYYMMDDHHMMSSZ, UTC.
    static func stamp(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        return formatter.string(from: Date().addingTimeInterval(TimeInterval(offset)))
    }
}
