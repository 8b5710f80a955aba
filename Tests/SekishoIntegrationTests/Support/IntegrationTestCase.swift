import Foundation
import SekishoCore
import XCTest

/// Base class of the real-process tests: one temp folder and one freshly minted PKI per test
/// class, one sub-folder per test, and bookkeeping of every process a test starts so that
/// tearDown stops exactly those (by pid) and, on failure, prints sekisho's log and every
/// client transcript.
///
/// Set `SEKISHO_KEEP_TEST_DIRS=1` to keep the folders after the run.
class IntegrationTestCase: XCTestCase {
    // MARK: Per-class state

    private struct ClassState {
        let root: URL
        let pki: Result<TestPKI, any Error>
    }

    private static let stateLock = NSLock()
    nonisolated(unsafe) private static var states: [ObjectIdentifier: ClassState] = [:]

    override class func setUp() {
        super.setUp()
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("sekisho-integ-\(String(describing: self))-\(UUID().uuidString.prefix(8))")
        let pki: Result<TestPKI, any Error>
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            _ = try IntegrationPaths.tool("openssl")
            pki = .success(try TestPKI.generate(
                repositoryRoot: try IntegrationPaths.repositoryRoot(),
                into: root.appendingPathComponent("pki")
            ))
        } catch {
            pki = .failure(error)
        }
        stateLock.withLock { states[ObjectIdentifier(self)] = ClassState(root: root, pki: pki) }
    }

    override class func tearDown() {
        let state = stateLock.withLock { states.removeValue(forKey: ObjectIdentifier(self)) }
        if let state, ProcessInfo.processInfo.environment["SEKISHO_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(at: state.root)
        }
        super.tearDown()
    }

    // MARK: Per-test state

    private(set) var repositoryRoot: URL!
    private(set) var testDirectory: URL!
    private(set) var pki: TestPKI!
    private(set) var openssl: URL!
    private var children: [ChildProcess] = []
    private var labelCounts: [String: Int] = [:]

    override func setUpWithError() throws {
        try super.setUpWithError()
        repositoryRoot = try IntegrationPaths.repositoryRoot()
        openssl = try IntegrationPaths.tool("openssl")
        guard let state = Self.stateLock.withLock({ Self.states[ObjectIdentifier(type(of: self))] }) else {
            throw HarnessError("class setUp did not run for \(type(of: self))")
        }
        pki = try state.pki.get()
        let name = String(name.filter { $0.isLetter || $0.isNumber || $0 == "_" }.suffix(80))
        testDirectory = state.root.appendingPathComponent(name.isEmpty ? UUID().uuidString : name)
        try? FileManager.default.removeItem(at: testDirectory)
        try FileManager.default.createDirectory(at: testDirectory, withIntermediateDirectories: true)
        children = []
        labelCounts = [:]
    }

    override func tearDownWithError() throws {
        // Clients are finished by now; this stops long-running servers (sekisho, backend) and
        // anything a failed assertion left behind. Only our own pids are signalled.
        for child in children.reversed() where child.isRunning {
            child.stop(signal: SIGTERM, grace: 5)
        }
        if let run = testRun, run.totalFailureCount > 0 {
            print(failureDump())
        }
        children = []
        try super.tearDownWithError()
    }

    /// Everything a reader needs to diagnose a failed test, in start order.
    func failureDump() -> String {
        var out = "\n======== \(name): transcripts (\(testDirectory?.path ?? "?")) ========\n"
        for child in children {
            out += child.transcript() + "\n"
            if child.label.hasPrefix("backend"), let events = try? String(
                contentsOf: testDirectory.appendingPathComponent("backend.events.log"), encoding: .utf8) {
                out += "--- backend event log ---\n\(events)\n"
            }
        }
        return out + "======== end of transcripts ========\n"
    }

    /// A label unique within the test (`curl`, `curl-2`, ...), used for output file names.
    func uniqueLabel(_ base: String) -> String {
        let n = (labelCounts[base] ?? 0) + 1
        labelCounts[base] = n
        return n == 1 ? base : "\(base)-\(n)"
    }

    func track(_ child: ChildProcess) { children.append(child) }

    // MARK: Servers

    func sekishoBinary() throws -> URL { try IntegrationPaths.sekishoBinary() }

    func startBackend(host: String = "127.0.0.1") throws -> BackendProcess {
        let python = try IntegrationPaths.tool("python3")
        let backend = try BackendProcess.start(
            repositoryRoot: repositoryRoot, python: python, directory: testDirectory, host: host)
        track(backend.child)
        return backend
    }

    func writeConfig(_ config: SekishoConfigFile, name: String = "sekisho.yaml") throws -> URL {
        try config.write(to: testDirectory.appendingPathComponent(name))
    }

    func startSekisho(_ config: SekishoConfigFile, label: String = "sekisho") throws -> SekishoProcess {
        let url = try writeConfig(config, name: "\(label).yaml")
        let binary = try sekishoBinary()
        do {
            let sekisho = try SekishoProcess.start(binary: binary, config: url, directory: testDirectory, label: label)
            track(sekisho.child)
            return sekisho
        } catch {
            // The failed child is not tracked yet; its transcript is in the error already.
            throw error
        }
    }

    /// The common set-up: a backend, and sekisho with the standard config in front of it.
    func startProxy() throws -> (backend: BackendProcess, sekisho: SekishoProcess) {
        let backend = try startBackend()
        let sekisho = try startSekisho(.standard(pki: pki, backendAddress: backend.address))
        return (backend, sekisho)
    }

    // MARK: Commands

    /// Runs a command to completion (bounded by `timeout`; SIGKILL after it) and returns its
    /// result. `stdin` is written to a pipe that stays open until the process exits or the
    /// timeout passes, so an `openssl s_client` gets to read the server's alert before it
    /// sees end of input.
    func run(
        _ label: String,
        _ executable: URL,
        _ arguments: [String],
        stdin: String? = nil,
        timeout: TimeInterval = 30,
        interact: ((ChildProcess) throws -> Void)? = nil
    ) throws -> CommandResult {
        let child = ChildProcess(
            label: uniqueLabel(label),
            executable: executable,
            arguments: arguments,
            workingDirectory: testDirectory,
            outputDirectory: testDirectory,
            interactiveStdin: stdin != nil || interact != nil
        )
        track(child)
        try child.start()
        if let stdin { child.writeStdin(stdin) }
        var interactionError: (any Error)?
        if let interact {
            do { try interact(child) } catch { interactionError = error }
        }
        var timedOut = false
        if !child.waitForExit(timeout: timeout) {
            timedOut = true
            child.closeStdin()
            if !child.waitForExit(timeout: 2) { child.stop(signal: SIGKILL, grace: 5) }
        }
        child.closeStdin()
        if let interactionError { throw interactionError }
        return CommandResult(child: child, timedOut: timedOut)
    }

    /// `curl --http1.1` through sekisho with a client certificate kind from the PKI (nil sends
    /// none), verifying sekisho's server certificate against `ca.pem`.
    func curl(
        _ address: HostPort,
        path: String = "/",
        client: String? = "client-good-ecdsa",
        tls: [String] = [],
        extra: [String] = [],
        timeout: TimeInterval = 30
    ) throws -> CommandResult {
        let curl = try IntegrationPaths.tool("curl")
        let host = address.family == .ipv6 ? "[\(address.host)]" : address.host
        var args = ["--http1.1", "-sS", "-v", "--noproxy", "*", "--max-time", "\(Int(timeout))",
                    "--cacert", pki.path("ca.pem")]
        if let client {
            let (cert, key) = pki.client(client)
            args += ["--cert", cert, "--key", key]
        }
        args += tls + extra + ["https://\(host):\(address.port)\(path)"]
        return try run("curl", curl, args, timeout: timeout + 5)
    }

    /// `openssl s_client` against sekisho with `options` (e.g. `-tls1_3`), a client certificate
    /// kind (nil sends none) and `send` written to its stdin.
    func sClient(
        _ address: HostPort,
        options: [String],
        client: String? = "client-good-ecdsa",
        send: String = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        timeout: TimeInterval = 20,
        interact: ((ChildProcess) throws -> Void)? = nil
    ) throws -> CommandResult {
        let host = address.family == .ipv6 ? "[\(address.host)]" : address.host
        var args = ["s_client", "-connect", "\(host):\(address.port)", "-servername", "localhost",
                    "-CAfile", pki.path("ca.pem"), "-verify_return_error"]
        if let client {
            let (cert, key) = pki.client(client)
            args += ["-cert", cert, "-key", key]
            if let chain = try pki.chainFile(client) { args += ["-cert_chain", chain] }
        }
        args += options
        return try run("s_client", openssl, args, stdin: send, timeout: timeout, interact: interact)
    }

    /// Skips when the PKI generator did not produce an optional file (client-md5 on builds
    /// whose OpenSSL refuses to sign with MD5).
    func requirePKIFile(_ file: String) throws {
        if !pki.has(file) {
            throw XCTSkip("\(file) was not generated by gen-test-pki.sh on this system (its OpenSSL refused to mint it)")
        }
    }
}

/// The outcome of a finished command.
struct CommandResult: CustomStringConvertible {
    let child: ChildProcess
    let timedOut: Bool

    var status: Int32? { child.exitStatus }
    var stdout: String { child.stdout() }
    var stderr: String { child.stderr() }
    var output: String { stdout + "\n" + stderr }
    var succeeded: Bool { !timedOut && status == 0 }
    var description: String { child.transcript() }
}
