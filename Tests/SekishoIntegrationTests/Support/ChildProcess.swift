import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process started by a test. Its stdout and stderr go to files in the test's directory
/// (never to pipes: a chatty child blocked on a full pipe would look like a hang), and the
/// files stay behind for the failure dump.
///
/// Only this type sends signals, and only to the pid it started itself.
final class ChildProcess: @unchecked Sendable {
    let label: String
    let commandLine: [String]
    let stdoutURL: URL
    let stderrURL: URL

    private let process = Process()
    private let stdinPipe: Pipe?
    private let exited = DispatchGroup()
    private var stdoutHandle: FileHandle?
    private var stderrHandle: FileHandle?

    /// - Parameters:
    ///   - interactiveStdin: when true the child reads from a pipe that `writeStdin` feeds and
    ///     that stays open until `closeStdin()`; otherwise stdin is /dev/null.
    init(
        label: String,
        executable: URL,
        arguments: [String],
        workingDirectory: URL,
        outputDirectory: URL,
        interactiveStdin: Bool = false
    ) {
        self.label = label
        self.commandLine = [executable.path] + arguments
        self.stdoutURL = outputDirectory.appendingPathComponent("\(label).stdout")
        self.stderrURL = outputDirectory.appendingPathComponent("\(label).stderr")
        self.stdinPipe = interactiveStdin ? Pipe() : nil
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = workingDirectory
    }

    func start() throws {
        // A write to a pipe whose reader has died must come back as EPIPE, not kill the runner.
        signal(SIGPIPE, SIG_IGN)
        let fm = FileManager.default
        _ = fm.createFile(atPath: stdoutURL.path, contents: nil)
        _ = fm.createFile(atPath: stderrURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdoutURL)
        let err = try FileHandle(forWritingTo: stderrURL)
        stdoutHandle = out
        stderrHandle = err
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdinPipe ?? FileHandle.nullDevice
        let group = exited
        group.enter()
        process.terminationHandler = { _ in group.leave() }
        do {
            try process.run()
        } catch {
            group.leave()
            throw HarnessError("could not start \(label) (\(commandLine.joined(separator: " "))): \(error)")
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Writes to the child's stdin; a child that already exited is not an error here (the
    /// caller asserts on what the child printed).
    func writeStdin(_ text: String) {
        guard let pipe = stdinPipe else { return }
        try? pipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    func closeStdin() {
        try? stdinPipe?.fileHandleForWriting.close()
    }

    /// Waits for the child to exit; returns false when `timeout` passed first.
    @discardableResult
    func waitForExit(timeout: TimeInterval) -> Bool {
        exited.wait(timeout: .now() + timeout) == .success
    }

    /// The exit status, or `nil` while running. A death by signal is reported as 128+signal,
    /// the shell's convention, so it can never be mistaken for a clean exit.
    var exitStatus: Int32? {
        guard !process.isRunning, exited.wait(timeout: .now()) == .success else { return nil }
        switch process.terminationReason {
        case .exit: return process.terminationStatus
        case .uncaughtSignal: return 128 + process.terminationStatus
        @unknown default: return process.terminationStatus
        }
    }

    /// Sends `signal` to this child only, then SIGKILL if it has not exited after `grace`.
    /// Returns the exit status (nil only if even SIGKILL did not take effect in time).
    @discardableResult
    func stop(signal sig: Int32 = SIGTERM, grace: TimeInterval = 10) -> Int32? {
        if process.isRunning {
            kill(pid, sig)
            if !waitForExit(timeout: grace) {
                kill(pid, SIGKILL)
                waitForExit(timeout: 10)
            }
        }
        closeStdin()
        return exitStatus
    }

    func stdout() -> String { Self.read(stdoutURL) }
    func stderr() -> String { Self.read(stderrURL) }

    static func read(_ url: URL) -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A transcript for failure output: the command, its status and both streams.
    func transcript(maxBytesPerStream: Int = 16_384) -> String {
        let status = exitStatus.map { "exit \($0)" } ?? "still running"
        return """
            $ \(commandLine.map(Self.shellQuoted).joined(separator: " "))
            [\(label): \(status)]
            --- stdout ---
            \(Self.tail(stdout(), maxBytesPerStream))
            --- stderr ---
            \(Self.tail(stderr(), maxBytesPerStream))
            """
    }

    static func shellQuoted(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,+%".contains($0) }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func tail(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        return "[... \(text.utf8.count - limit) bytes cut ...]\n" + String(decoding: Array(text.utf8.suffix(limit)), as: UTF8.self)
    }
}

/// A harness problem (missing file, a process that did not come up) reported as a test error.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
