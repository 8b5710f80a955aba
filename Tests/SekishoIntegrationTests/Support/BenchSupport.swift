import Foundation
import SekishoCore
import XCTest

/// Helpers for running `sekisho-bench` against a real sekisho in front of sekisho's own demo
/// backend (`sekisho demo-backend`, which serves `/`, `/source?bytes=N` and `/sink`).
extension IntegrationTestCase {
    /// `SEKISHO_BENCH_BIN`, else the `sekisho-bench` product next to the sekisho under test
    /// (`swift build` puts both executables in the same folder).
    func benchBinary() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["SEKISHO_BENCH_BIN"], !override.isEmpty {
            guard IntegrationPaths.isExecutableFile(override) else {
                throw HarnessError("SEKISHO_BENCH_BIN=\(override) is not an executable file")
            }
            return URL(fileURLWithPath: override)
        }
        let sibling = try sekishoBinary().deletingLastPathComponent().appendingPathComponent("sekisho-bench")
        guard IntegrationPaths.isExecutableFile(sibling.path) else {
            throw HarnessError("no sekisho-bench at \(sibling.path) (build it with `swift build --product sekisho-bench`, or set SEKISHO_BENCH_BIN)")
        }
        return sibling
    }

    /// Starts `sekisho demo-backend` on 127.0.0.1 with a kernel-assigned port and returns its
    /// address from the ready file ({"address": "127.0.0.1:N", "pid": P}).
    func startDemoBackend() throws -> HostPort {
        let ready = testDirectory.appendingPathComponent("demo-backend.ready.json")
        let child = ChildProcess(
            label: uniqueLabel("demo-backend"),
            executable: try sekishoBinary(),
            arguments: ["demo-backend", "--listen", "127.0.0.1:0", "--ready-file", ready.path],
            workingDirectory: testDirectory,
            outputDirectory: testDirectory
        )
        try child.start()
        track(child)
        return try Poll.until(timeout: 20, "the demo backend's ready file \(ready.path)") {
            if let status = child.exitStatus {
                throw HarnessError("demo backend exited with \(status) before it was ready\n\(child.transcript())")
            }
            guard let data = FileManager.default.contents(atPath: ready.path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let text = object["address"] as? String
            else { return nil }
            return try HostPort.parse(text).get()
        }
    }

    /// sekisho (the standard configuration: both server certificates, mutual TLS against the
    /// client CA with its CRLs) in front of the demo backend.
    func startSekishoWithDemoBackend() throws -> HostPort {
        let backend = try startDemoBackend()
        let sekisho = try startSekisho(.standard(pki: pki, backendAddress: backend.description))
        return try sekisho.listener()
    }

    /// Runs `sekisho-bench <scenario> --json` against `target` with a client certificate kind
    /// from the PKI (nil presents none), verifying the server against `ca.pem`.
    func runBench(
        _ scenario: String,
        target: HostPort,
        _ arguments: [String],
        client: String? = "client-good-ecdsa",
        timeout: TimeInterval = 60
    ) throws -> BenchRun {
        var args = [scenario, "--target", target.description, "--json", "--no-progress"]
        if let client {
            let (cert, key) = pki.client(client)
            args += ["--cert", cert, "--key", key, "--ca", pki.path("ca.pem"), "--server-name", "localhost"]
        }
        args += arguments
        let result = try run("sekisho-bench-\(scenario)", try benchBinary(), args, timeout: timeout)
        return BenchRun(result: result)
    }
}

/// A finished `sekisho-bench --json` run: the process result and the parsed report.
struct BenchRun: CustomStringConvertible {
    let result: CommandResult
    let report: [String: Any]?

    init(result: CommandResult) {
        self.result = result
        let data = Data(result.stdout.utf8)
        self.report = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A value at a dotted path, e.g. "latencyMicroseconds.p99".
    func value(_ path: String) -> Any? {
        var current: Any? = report
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current
    }

    func int(_ path: String) -> Int? { (value(path) as? NSNumber)?.intValue }
    func double(_ path: String) -> Double? { (value(path) as? NSNumber)?.doubleValue }
    func string(_ path: String) -> String? { value(path) as? String }
    func errorKinds() -> [String: Int] {
        ((value("errors.byKind") as? [String: Any]) ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    var description: String { result.description }
}
