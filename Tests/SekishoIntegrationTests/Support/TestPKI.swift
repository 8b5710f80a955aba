import Foundation

/// A PKI minted by `scripts/gen-test-pki.sh` into a folder (once per test class): the server
/// CA (`ca.pem`), the client CA with its CRL, server certificates of each kind and client
/// certificates of each kind. Nothing here is committed; every run gets fresh keys.
struct TestPKI: Sendable {
    let directory: URL

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    func has(_ file: String) -> Bool { FileManager.default.fileExists(atPath: path(file)) }

    /// The cert/key pair of a client kind: `client-good-ecdsa` -> (.pem, .key).
    func client(_ kind: String) -> (cert: String, key: String) {
        (path("\(kind).pem"), path("\(kind).key"))
    }

    /// The certificates after the leaf in `<kind>.pem` (its issuing intermediate), written once
    /// to `<kind>.chain.pem`; nil when the file holds the leaf only. `openssl s_client -cert`
    /// sends just the first certificate of its file, so the rest goes in with `-cert_chain`
    /// (curl sends the whole file by itself).
    func chainFile(_ kind: String) throws -> String? {
        let out = path("\(kind).chain.pem")
        if FileManager.default.fileExists(atPath: out) { return out }
        let text = try String(contentsOfFile: path("\(kind).pem"), encoding: .utf8)
        let marker = "-----BEGIN CERTIFICATE-----"
        let blocks = text.components(separatedBy: marker).dropFirst()
        guard blocks.count > 1 else { return nil }
        let rest = blocks.dropFirst().map { marker + $0 }.joined()
        try rest.write(toFile: out, atomically: true, encoding: .utf8)
        return out
    }

    /// Runs the generator; its own output is kept in `log` for the failure message.
    static func generate(repositoryRoot: URL, into directory: URL) throws -> TestPKI {
        let script = repositoryRoot.appendingPathComponent("scripts/gen-test-pki.sh")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw HarnessError("\(script.path) does not exist; the integration tests need it to mint their PKI")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let logs = directory.appendingPathComponent("_gen-logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let bash = URL(fileURLWithPath: "/bin/bash")
        let child = ChildProcess(
            label: "gen-test-pki",
            executable: bash,
            arguments: [script.path, directory.path],
            workingDirectory: directory,
            outputDirectory: logs
        )
        try child.start()
        guard child.waitForExit(timeout: 180) else {
            child.stop(signal: SIGKILL, grace: 1)
            throw HarnessError("gen-test-pki.sh did not finish within 180s\n\(child.transcript())")
        }
        guard child.exitStatus == 0 else {
            throw HarnessError("gen-test-pki.sh failed\n\(child.transcript())")
        }
        let pki = TestPKI(directory: directory)
        let required = [
            "ca.pem", "client-ca.pem", "client-ca.crl",
            "server-ecdsa.pem", "server-ecdsa.key", "server-rsa.pem", "server-rsa.key",
            "client-good-ecdsa.pem", "client-good-ecdsa.key", "client-good-rsa.pem", "client-good-rsa.key",
        ]
        let missing = required.filter { !pki.has($0) }
        guard missing.isEmpty else {
            throw HarnessError("gen-test-pki.sh did not produce: \(missing.joined(separator: ", "))\n\(child.transcript())")
        }
        return pki
    }
}
