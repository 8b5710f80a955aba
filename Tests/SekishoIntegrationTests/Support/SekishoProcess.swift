import Foundation
import SekishoCore

/// `sekisho run --config FILE --ready-file PATH` under test. The ready file, written by sekisho
/// once every listener is bound, gives the kernel-assigned addresses:
/// `{"pid": 123, "listeners": {"main": "127.0.0.1:40123"}}`.
final class SekishoProcess {
    let child: ChildProcess
    let listeners: [String: HostPort]
    let readyPID: Int

    private init(child: ChildProcess, listeners: [String: HostPort], readyPID: Int) {
        self.child = child
        self.listeners = listeners
        self.readyPID = readyPID
    }

    var pid: Int32 { child.pid }

    func listener(_ name: String = "main") throws -> HostPort {
        guard let address = listeners[name] else {
            throw HarnessError("ready file has no listener '\(name)' (has: \(listeners.keys.sorted()))")
        }
        return address
    }

    /// Starts sekisho and waits (with backoff, bounded) for its ready file. If sekisho exits
    /// first, the error carries its stderr.
    static func start(
        binary: URL,
        config: URL,
        directory: URL,
        label: String = "sekisho",
        readyTimeout: TimeInterval = 30
    ) throws -> SekishoProcess {
        let ready = directory.appendingPathComponent("\(label).ready.json")
        let child = ChildProcess(
            label: label,
            executable: binary,
            arguments: ["run", "--config", config.path, "--ready-file", ready.path],
            workingDirectory: directory,
            outputDirectory: directory
        )
        try child.start()
        do {
            return try Poll.until(timeout: readyTimeout, "sekisho's ready file \(ready.path)") {
                if let status = child.exitStatus {
                    throw HarnessError("sekisho exited with \(status) before it was ready\n\(child.transcript())")
                }
                guard let data = FileManager.default.contents(atPath: ready.path) else { return nil }
                return try parseReadyFile(data, child: child)
            }
        } catch {
            child.stop(signal: SIGTERM, grace: 5)
            throw error
        }
    }

    /// The ready file is written atomically (temp + rename), so a partial file is a bug.
    private static func parseReadyFile(_ data: Data, child: ChildProcess) throws -> SekishoProcess {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pid = object["pid"] as? Int,
              let raw = object["listeners"] as? [String: Any]
        else {
            throw HarnessError("ready file is not {\"pid\": N, \"listeners\": {...}}: \(String(decoding: data, as: UTF8.self))")
        }
        var listeners: [String: HostPort] = [:]
        for (name, value) in raw {
            guard let text = value as? String else {
                throw HarnessError("ready file listener \(name) is not a string: \(value)")
            }
            switch HostPort.parse(text) {
            case .success(let address):
                guard address.port != 0 else { throw HarnessError("ready file reports port 0 for \(name)") }
                listeners[name] = address
            case .failure(let error):
                throw HarnessError("ready file listener \(name)=\(text): \(error)")
            }
        }
        return SekishoProcess(child: child, listeners: listeners, readyPID: pid)
    }

    // MARK: - Log

    /// sekisho's stderr as parsed JSON lines (with `log.format: json` every line is one object).
    func log() -> SekishoLog { SekishoLog(text: child.stderr()) }

    /// Waits until a log line matches `predicate`, e.g. the refusal of a handshake that the
    /// client has already seen fail: sekisho may write its line a moment after the alert.
    @discardableResult
    func waitForLogEntry(
        timeout: TimeInterval = 10,
        _ what: String,
        where predicate: (SekishoLog.Entry) -> Bool
    ) throws -> SekishoLog.Entry {
        try Poll.until(timeout: timeout, "a sekisho log line with \(what)") {
            log().entries.first(where: predicate)
        }
    }

    // MARK: - Memory

    /// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM); nil when unavailable (not Linux, or
    /// the process is gone).
    /// Reads the pid from the ready file, which is sekisho's own even when SEKISHO_BIN is a
    /// wrapper script.
    func procStatusKiB(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(readyPID)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter { $0.isNumber }
            return Int(String(digits))
        }
        return nil
    }

    /// SIGTERM and wait; returns the exit status (SIGKILL after `grace`).
    @discardableResult
    func stop(grace: TimeInterval = 10) -> Int32? { child.stop(signal: SIGTERM, grace: grace) }
}

/// sekisho's JSON log lines. Lines that are not JSON objects are kept in `malformedLines` so a
/// test can assert there are none.
struct SekishoLog {
    struct Entry: CustomStringConvertible {
        let raw: String
        let fields: [String: Any]

        func string(_ key: String) -> String? {
            guard let value = fields[key] else { return nil }
            if let s = value as? String { return s }
            return "\(value)"
        }

        var event: String? { string("event") }
        var reason: String? { string("reason") }
        var description: String { raw }
    }

    let entries: [Entry]
    let malformedLines: [String]

    init(text: String) {
        var entries: [Entry] = []
        var malformed: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let data = line.data(using: .utf8),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                entries.append(Entry(raw: String(line), fields: object))
            } else {
                malformed.append(String(line))
            }
        }
        self.entries = entries
        self.malformedLines = malformed
    }

    func events(_ name: String) -> [Entry] { entries.filter { $0.event == name } }
}
