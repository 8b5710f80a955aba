import Foundation
import Yams

/// The configuration file as written: a `Decodable` mirror of the YAML with every field optional.
///
/// Nothing here is validated beyond its YAML shape; `ProxyConfig` turns a `RawConfig` into typed
/// values, applies the defaults (from `ConfigDefaults`) and reports every problem with its key
/// path. Unknown keys are rejected at every level: a typo in a security proxy's configuration must
/// not be silently ignored. Fields are `var` so that command-line overrides can patch a decoded
/// file and go through the same validator.
///
/// Keys of the top level (R = reload-safe, S = restart-only; see docs/CONFIGURATION.md):
/// - `loops` (int 1...256, default: active processors, S)
/// - `log` (`RawLogSettings`)
/// - `listeners` (list of `RawListener`, required, at least one)
/// - `upstreams` (list of `RawUpstream`, required, at least one, R)
/// - `access_log` (`RawAccessLog`, R)
/// - `forensics` (`RawForensics`, S)
public struct RawConfig: Decodable, Sendable, Equatable {
    public var loops: Int?
    public var log: RawLogSettings?
    public var listeners: [RawListener]?
    public var upstreams: [RawUpstream]?
    public var accessLog: RawAccessLog?
    public var forensics: RawForensics?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case loops, log, listeners, upstreams
        case accessLog = "access_log"
        case forensics
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        loops = try c.lenient(Int.self, forKey: .loops)
        log = try c.lenient(RawLogSettings.self, forKey: .log)
        listeners = try c.lenient([RawListener].self, forKey: .listeners)
        upstreams = try c.lenient([RawUpstream].self, forKey: .upstreams)
        accessLog = try c.lenient(RawAccessLog.self, forKey: .accessLog)
        forensics = try c.lenient(RawForensics.self, forKey: .forensics)
    }

    /// Decodes YAML text, throwing every shape problem (syntax, unknown keys, wrong types) at once.
    public init(yaml: String) throws(ConfigError) {
        let (raw, issues) = try Self.decodeCollectingIssues(yaml: yaml)
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        self = raw
    }

    /// Decodes YAML text. Syntax errors throw (nothing else can be checked then); shape problems
    /// are returned beside the partly filled value so that validation can still report the rest.
    static func decodeCollectingIssues(yaml: String) throws(ConfigError) -> (RawConfig, [ConfigIssue]) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(issues: [syntaxIssue(error)])
        } catch {
            throw ConfigError(issues: [ConfigIssue(path: "(yaml)", message: "\(error)")])
        }
        // An empty file is an empty mapping: the validator then names the required keys.
        guard let node else { return (RawConfig(), []) }
        let collector = RawIssueCollector()
        do {
            let raw = try YAMLDecoder().decode(RawConfig.self, from: node, userInfo: [RawIssueCollector.userInfoKey: collector])
            return (raw, collector.issues)
        } catch {
            // With a collector attached the Raw types record problems instead of throwing, so this
            // is only reached for something unforeseen; still report it rather than crash.
            let path = (error as? DecodingError).map { renderKeyPath($0.codingPath) } ?? "(root)"
            return (RawConfig(), collector.issues + [ConfigIssue(path: path, message: "could not be read (\(error))")])
        }
    }

    /// libyaml's problem text with Yams' 1-based line and column as the issue's path.
    private static func syntaxIssue(_ error: YamlError) -> ConfigIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) (line \($0.mark.line), column \($0.mark.column)): " } ?? ""
            return ConfigIssue(path: "line \(mark.line), column \(mark.column)", message: "YAML syntax error: \(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigIssue(
                path: "line \(context.mark.line), column \(context.mark.column)",
                message: "duplicate key \(keys) in one mapping (each key may appear once)"
            )
        case .reader(let problem, _, _, _):
            return ConfigIssue(path: "(yaml)", message: "unreadable input: \(problem)")
        default:
            return ConfigIssue(path: "(yaml)", message: "\(error)")
        }
    }
}

extension DecodingError {
    fileprivate var codingPath: [any CodingKey] {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context),
             .keyNotFound(_, let context), .dataCorrupted(let context):
            return context.codingPath
        @unknown default:
            return []
        }
    }
}

/// The `log` block.
/// - `level` (trace|debug|info|notice|warning|error|critical, default info, R)
/// - `format` (text|json, default text, S: the logging backend is bootstrapped once)
public struct RawLogSettings: Decodable, Sendable, Equatable {
    public var level: String?
    public var format: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case level, format
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        level = try c.lenient(String.self, forKey: .level)
        format = try c.lenient(String.self, forKey: .format)
    }
}

/// One entry of `upstreams` (all keys reload-safe: new connections use the new values).
/// - `name` (string, required, unique, `[A-Za-z0-9._-]{1,64}`)
/// - `servers` (list of `ip:port` / `[ipv6]:port`, required, at least one)
/// - `protocol` (`tcp` or `http1`, default tcp)
/// - `connect_timeout` (duration, default 5s)
/// - http1 only: `max_idle` (int 0..10000, default 32), `idle_timeout` (duration, default 30s),
///   `response_timeout` (duration, default 60s), `health` (`RawHealth`)
public struct RawUpstream: Decodable, Sendable, Equatable {
    public var name: String?
    public var servers: [String]?
    public var `protocol`: String?
    public var connectTimeout: String?
    public var maxIdle: Int?
    public var idleTimeout: String?
    public var responseTimeout: String?
    public var health: RawHealth?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, servers
        case `protocol` = "protocol"
        case connectTimeout = "connect_timeout"
        case maxIdle = "max_idle"
        case idleTimeout = "idle_timeout"
        case responseTimeout = "response_timeout"
        case health
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        name = try c.lenient(String.self, forKey: .name)
        servers = try c.lenient([String].self, forKey: .servers)
        `protocol` = try c.lenient(String.self, forKey: .protocol)
        connectTimeout = try c.lenient(String.self, forKey: .connectTimeout)
        maxIdle = try c.lenient(Int.self, forKey: .maxIdle)
        idleTimeout = try c.lenient(String.self, forKey: .idleTimeout)
        responseTimeout = try c.lenient(String.self, forKey: .responseTimeout)
        health = try c.lenient(RawHealth.self, forKey: .health)
    }
}
