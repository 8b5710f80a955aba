/// The `log` block, validated.
public struct LogSettings: Sendable, Equatable {
    public let level: LogLevel
    public let format: LogFormat

    package init(level: LogLevel, format: LogFormat) {
        self.level = level
        self.format = format
    }
}

/// Log levels as written in the file; the same seven levels as swift-log, so the executable maps
/// them one to one without this module depending on swift-log.
public enum LogLevel: String, Sendable, Hashable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// Log line format: human-readable text or one JSON object per line.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    case text, json
}
