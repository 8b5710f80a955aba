import Foundation

/// The whole validated configuration: immutable, `Sendable`, every field typed and defaulted.
///
/// Built in three steps (STYLE.md "Configuration"): Yams decodes the file into `RawConfig`
/// (unknown keys rejected), `ConfigValidator` parses that into this type applying the defaults
/// of `ConfigDefaults`, and every problem found on the way is thrown together as one
/// `ConfigError`. File paths are absolute and the files existed and were readable at load time;
/// their PEM contents are checked when SekishoTLS builds the contexts.
///
/// Keys and their reload behaviour are documented in docs/CONFIGURATION.md and in
/// config/sekisho.example.yaml.
public struct ProxyConfig: Sendable, Equatable {
    /// Absolute path of the file this was read from; nil when parsed from a string.
    public let configPath: String?
    /// Absolute folder that relative paths in the file were resolved against.
    public let configDirectory: String
    /// Number of event loops (`loops`).
    public let loopCount: Int
    public let log: LogSettings
    public let listeners: [ListenerConfig]
    /// Every declared upstream, used or not.
    public let upstreams: [UpstreamConfig]
    /// One line per HTTP request (`access_log`; reload-safe).
    public let accessLog: AccessLogSettings
    /// Handshake forensics records and the client inventory (`forensics`; restart-only).
    public let forensics: ForensicsConfig

    package init(
        configPath: String?, configDirectory: String, loopCount: Int,
        log: LogSettings, listeners: [ListenerConfig], upstreams: [UpstreamConfig],
        accessLog: AccessLogSettings = .defaults, forensics: ForensicsConfig = .defaults
    ) {
        self.configPath = configPath
        self.configDirectory = configDirectory
        self.loopCount = loopCount
        self.log = log
        self.listeners = listeners
        self.upstreams = upstreams
        self.accessLog = accessLog
        self.forensics = forensics
    }

    public func upstream(named name: String) -> UpstreamConfig? {
        upstreams.first { $0.name == name }
    }

    /// Reads and validates the file at `path`. Relative paths inside it resolve against the
    /// file's own folder, whatever the current directory.
    public static func load(fileAt path: String) throws(ConfigError) -> ProxyConfig {
        let absolute = ConfigValidator.absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw ConfigError(issues: [ConfigIssue(path: path, message: "configuration file does not exist")])
        }
        guard !isDirectory.boolValue else {
            throw ConfigError(issues: [ConfigIssue(path: path, message: "is a directory, not a configuration file")])
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ConfigError(issues: [ConfigIssue(path: path, message: "configuration file is not readable")])
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(issues: [ConfigIssue(path: path, message: "configuration file is not valid UTF-8")])
        }
        let directory = (absolute as NSString).deletingLastPathComponent
        return try ProxyConfig(parsing: yaml, configDirectory: directory, configPath: absolute)
    }

    /// Parses and validates YAML text; relative paths resolve against `configDirectory` (itself
    /// taken relative to the current directory if it is not absolute).
    public init(parsing yaml: String, configDirectory: String) throws(ConfigError) {
        try self.init(parsing: yaml, configDirectory: configDirectory, configPath: nil)
    }

    /// Validates an already decoded (and possibly patched) `RawConfig`, e.g. a file overridden
    /// by command-line flags, with the same rules and messages as a file.
    public init(raw: RawConfig, configDirectory: String, configPath: String? = nil) throws(ConfigError) {
        try self.init(raw: raw, earlierIssues: [], configDirectory: configDirectory, configPath: configPath)
    }

    init(parsing yaml: String, configDirectory: String, configPath: String?) throws(ConfigError) {
        let (raw, issues) = try RawConfig.decodeCollectingIssues(yaml: yaml)
        try self.init(raw: raw, earlierIssues: issues, configDirectory: configDirectory, configPath: configPath)
    }

    private init(raw: RawConfig, earlierIssues: [ConfigIssue], configDirectory: String, configPath: String?) throws(ConfigError) {
        let directory = ConfigValidator.absolutePath(configDirectory, relativeTo: FileManager.default.currentDirectoryPath)
        var validator = ConfigValidator(directory: directory, earlierIssues: earlierIssues)
        guard let config = validator.build(raw, configPath: configPath) else {
            throw ConfigError(issues: validator.allIssues)
        }
        self = config
    }
}
