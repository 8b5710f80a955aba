public import Foundation
public import Logging
import Synchronization

/// sekisho's swift-log backend: one line per event on stderr, as `key=value` text or as a JSON
/// object. Bootstrapped once by the executable.
///
/// Every value is escaped: strings that came from the network (certificate subjects, SNI,
/// request targets) are truncated and control characters escaped, so a hostile peer cannot
/// forge log lines (pingora's MAX_ERR_BUF_LEN idea).
public struct SekishoLogHandler: LogHandler {
    public enum Format: String, Sendable { case text, json }

    /// Reads the shared level control, so a reload can change the level of every logger at once.
    public var logLevel: Logger.Level {
        get { control.level }
        set { control.level = newValue }
    }
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format
    private let sink: LogSink

    private let control: LogLevelControl

    public init(label: String, control: LogLevelControl, format: Format, sink: LogSink = .standardError) {
        self.label = label
        self.control = control
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Longest value written for one metadata entry.
    static let maxValueLength = 1_024

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line: String
        switch format {
        case .text: line = Self.textLine(level: event.level, message: "\(event.message)", metadata: merged)
        case .json: line = Self.jsonLine(level: event.level, message: "\(event.message)", metadata: merged)
        }
        sink.write(line + "\n")
    }

    static func timestamp() -> String {
        ISO8601Timestamp.format(Date())
    }

    static func textLine(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var out = "\(timestamp()) \(level.rawValue.uppercased()) \(escapeText(message))"
        for key in metadata.keys.sorted() {
            out += " \(key)=\(quoteIfNeeded(escapeText(render(metadata[key]!))))"
        }
        return out
    }

    static func jsonLine(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var out = "{\"ts\":\"\(timestamp())\",\"level\":\"\(level.rawValue)\",\"msg\":\(jsonString(message))"
        for key in metadata.keys.sorted() where key != "ts" && key != "level" && key != "msg" {
            out += ",\(jsonString(key)):\(jsonValue(metadata[key]!))"
        }
        return out + "}"
    }

    static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return truncate(s)
        case .stringConvertible(let c): return truncate(c.description)
        case .array(let a): return "[" + a.map(render).joined(separator: ",") + "]"
        case .dictionary(let d): return "{" + d.keys.sorted().map { "\($0)=\(render(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    static func jsonValue(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return jsonString(truncate(s))
        case .stringConvertible(let c):
            if let n = c as? any BinaryInteger { return "\(n)" }
            if let d = c as? Double, d.isFinite { return "\(d)" }
            if let b = c as? Bool { return b ? "true" : "false" }
            return jsonString(truncate(c.description))
        case .array(let a): return "[" + a.map(jsonValue).joined(separator: ",") + "]"
        case .dictionary(let d):
            return "{" + d.keys.sorted().map { "\(jsonString($0)):\(jsonValue(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    static func truncate(_ s: String) -> String {
        if s.utf8.count <= maxValueLength { return s }
        return String(decoding: s.utf8.prefix(maxValueLength), as: UTF8.self) + "…"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // Both run for every field of every access-log line, so they work on UTF-8 bytes and
    // return the string untouched in the common case. (The Foundation versions they replace,
    // `contains`/`replacingOccurrences` bridged through NSString, were a third of the proxy's
    // CPU per keep-alive request in a profile.) Control characters and DEL are single bytes in
    // UTF-8, and no byte of a multi-byte sequence is below 0x80, so bytewise tests are exact.

    static func escapeText(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return s }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        for byte in s.utf8 {
            if byte < 0x20 || byte == 0x7F {
                out += [0x5C, 0x78, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]  // \xNN
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func quoteIfNeeded(_ s: String) -> String {
        // Space, '"' and '=' force quotes; inside quotes, '\\' and '"' are backslash-escaped.
        guard s.isEmpty || s.utf8.contains(where: { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D }) else { return s }
        var out: [UInt8] = [0x22]
        out.reserveCapacity(s.utf8.count + 8)
        for byte in s.utf8 {
            if byte == 0x5C || byte == 0x22 { out.append(0x5C) }
            out.append(byte)
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Where log lines go. Each line is written with one `write(2)` so lines from different loops
/// never interleave.
public final class LogSink: Sendable {
    private let handle: Mutex<FileHandle>

    public init(handle: FileHandle) {
        self.handle = Mutex(handle)
    }

    public static let standardError = LogSink(handle: FileHandle.standardError)

    func write(_ line: String) {
        let data = Data(line.utf8)
        handle.withLock { $0.write(data) }
    }
}

/// The process-wide log level, shared by every handler and changeable at reload.
public final class LogLevelControl: Sendable {
    private let raw: Atomic<Int>
    private static let levels = Logger.Level.allCases

    public init(_ level: Logger.Level) {
        raw = Atomic(Self.levels.firstIndex(of: level) ?? 2)
    }

    public var level: Logger.Level {
        get { Self.levels[raw.load(ordering: .relaxed)] }
        set { raw.store(Self.levels.firstIndex(of: newValue) ?? 2, ordering: .relaxed) }
    }
}
