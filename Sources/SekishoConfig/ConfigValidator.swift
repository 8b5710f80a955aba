import Foundation
import SekishoCore

/// Turns a `RawConfig` into a `ProxyConfig`: applies the defaults of `ConfigDefaults`, checks
/// every value, resolves and checks file paths, and collects every problem with its key path.
///
/// Issues found while decoding (unknown keys, wrong YAML types) come in as `earlierIssues`; a key
/// that already has one is not reported again as missing. The order of the final list is: decoding
/// issues in file order, then validation issues in schema order (loops, log, listeners,
/// upstreams).
struct ConfigValidator {
    /// Absolute folder that relative file paths resolve against.
    let directory: String
    private let earlierIssues: [ConfigIssue]
    private(set) var issues: [ConfigIssue] = []

    init(directory: String, earlierIssues: [ConfigIssue]) {
        self.directory = directory
        self.earlierIssues = earlierIssues
    }

    var allIssues: [ConfigIssue] { earlierIssues + issues }

    mutating func report(_ path: String, _ message: String) {
        issues.append(ConfigIssue(path: path, message: message))
    }

    /// True when decoding already reported a problem at `path`, above it or below it: a field
    /// read as nil because of a type error must not also be called "missing".
    func hasEarlierIssue(around path: String) -> Bool {
        earlierIssues.contains { issue in
            issue.path == "(root)" || issue.path == path
                || path.hasPrefix(issue.path + ".") || path.hasPrefix(issue.path + "[")
                || issue.path.hasPrefix(path + ".") || issue.path.hasPrefix(path + "[")
        }
    }

    mutating func require<T>(_ value: T?, at path: String) -> T? {
        if value == nil, !hasEarlierIssue(around: path) {
            report(path, "required key missing")
        }
        return value
    }

    // MARK: Top level

    mutating func build(_ raw: RawConfig, configPath: String?) -> ProxyConfig? {
        let loopCount = integer(raw.loops, at: "loops", in: ConfigDefaults.loopRange, default: ConfigDefaults.loopCount)
        let log = logSettings(raw.log, at: "log")
        let upstreamNames = (raw.upstreams ?? []).compactMap(\.name)
        let listeners = listenerConfigs(raw.listeners, upstreamNames: upstreamNames)
        let upstreams = upstreamConfigs(raw.upstreams)
        let accessLog = accessLogSettings(raw.accessLog, at: "access_log")
        let forensics = forensicsSettings(raw.forensics, at: "forensics")
        if let listeners, let upstreams {
            checkHTTPListeners(raw.listeners ?? [], built: listeners, upstreams: upstreams)
        }
        guard allIssues.isEmpty, let loopCount, let log, let listeners, let upstreams, let accessLog, let forensics else {
            if allIssues.isEmpty {
                // Every path that returns nil reports first; reaching this is a validator bug.
                report("(root)", "configuration rejected without a reason (internal error)")
            }
            return nil
        }
        return ProxyConfig(
            configPath: configPath, configDirectory: directory, loopCount: loopCount,
            log: log, listeners: listeners, upstreams: upstreams, accessLog: accessLog, forensics: forensics
        )
    }

    private mutating func logSettings(_ raw: RawLogSettings?, at path: String) -> LogSettings? {
        let level = choice(raw?.level, at: "\(path).level", kind: "log level", default: ConfigDefaults.logLevel)
        let format = choice(raw?.format, at: "\(path).format", kind: "log format", default: ConfigDefaults.logFormat)
        guard let level, let format else { return nil }
        return LogSettings(level: level, format: format)
    }

    private mutating func listenerConfigs(_ raw: [RawListener]?, upstreamNames: [String]) -> [ListenerConfig]? {
        guard let raw = require(raw, at: "listeners") else { return nil }
        guard !raw.isEmpty else {
            report("listeners", "at least one listener is required")
            return nil
        }
        var seenNames: [String: Int] = [:]
        var seenAddresses: [String: Int] = [:]
        var built: [ListenerConfig] = []
        for (index, entry) in raw.enumerated() {
            let listener = listener(
                entry, index: index, upstreamNames: upstreamNames, seenNames: &seenNames, seenAddresses: &seenAddresses
            )
            if let listener { built.append(listener) }
        }
        return built.count == raw.count ? built : nil
    }

    private mutating func upstreamConfigs(_ raw: [RawUpstream]?) -> [UpstreamConfig]? {
        guard let raw = require(raw, at: "upstreams") else { return nil }
        guard !raw.isEmpty else {
            report("upstreams", "at least one upstream is required")
            return nil
        }
        var seenNames: [String: Int] = [:]
        var built: [UpstreamConfig] = []
        for (index, entry) in raw.enumerated() {
            if let upstream = upstream(entry, at: "upstreams[\(index)]", index: index, seenNames: &seenNames) {
                built.append(upstream)
            }
        }
        return built.count == raw.count ? built : nil
    }

    private mutating func upstream(_ raw: RawUpstream, at path: String, index: Int, seenNames: inout [String: Int]) -> UpstreamConfig? {
        let name = uniqueName(raw.name, at: "\(path).name", list: "upstreams", index: index, seen: &seenNames)
        let servers = upstreamServers(raw.servers, at: "\(path).servers")
        let proto = upstreamProtocol(raw.protocol, at: "\(path).protocol")
        let connectTimeout = duration(raw.connectTimeout, at: "\(path).connect_timeout", default: ConfigDefaults.connectTimeout)
        let http = upstreamHTTPSettings(raw, at: path, protocol: proto)
        guard let name, let servers, let proto, let connectTimeout, let http else { return nil }
        return UpstreamConfig(name: name, servers: servers, protocol: proto, connectTimeout: connectTimeout, http: http)
    }

    private mutating func upstreamServers(_ raw: [String]?, at path: String) -> [HostPort]? {
        guard let raw = require(raw, at: path) else { return nil }
        guard !raw.isEmpty else {
            report(path, "at least one server is required")
            return nil
        }
        var servers: [HostPort] = []
        var seen: [String: Int] = [:]
        for (index, text) in raw.enumerated() {
            let entryPath = "\(path)[\(index)]"
            switch HostPort.parse(text) {
            case .failure(let error):
                report(entryPath, "invalid address '\(text)': \(error.message)")
            case .success(let address) where address.port == 0:
                report(entryPath, "port 0 is not a valid upstream port")
            case .success(let address):
                let key = ConfigValueParser.canonicalKey(address)
                if let first = seen[key] {
                    report(entryPath, "\(address) is listed twice (first at \(path)[\(first)])")
                } else {
                    seen[key] = index
                    servers.append(address)
                }
            }
        }
        return servers.count == raw.count ? servers : nil
    }

    private mutating func upstreamProtocol(_ raw: String?, at path: String) -> UpstreamProtocol? {
        guard let raw else { return ConfigDefaults.upstreamProtocol }
        if let value = UpstreamProtocol(rawValue: raw) { return value }
        let supported = UpstreamProtocol.allCases.map(\.rawValue).joined(separator: ", ")
        report(path, "'\(raw)' is not supported yet (supported: \(supported))")
        return nil
    }

    // MARK: Shared value readers

    /// A listener or upstream name: valid characters, and not used earlier in the same list.
    mutating func uniqueName(_ raw: String?, at path: String, list: String, index: Int, seen: inout [String: Int]) -> String? {
        guard let name = require(raw, at: path) else { return nil }
        guard ConfigValueParser.isValidName(name) else {
            report(path, "'\(name)' is not a valid name (\(ConfigValueParser.nameRule))")
            return nil
        }
        if let first = seen[name] {
            report(path, "'\(name)' is already used by \(list)[\(first)]")
            return nil
        }
        seen[name] = index
        return name
    }

    /// An integer inside `range`, or the default when absent.
    mutating func integer(_ raw: Int?, at path: String, in range: ClosedRange<Int>, default value: Int) -> Int? {
        guard let raw else { return value }
        guard range.contains(raw) else {
            report(path, "must be from \(range.lowerBound) to \(range.upperBound) (found \(raw))")
            return nil
        }
        return raw
    }

    mutating func duration(_ raw: String?, at path: String, default value: Duration) -> Duration? {
        guard let raw else { return value }
        switch ConfigValueParser.duration(raw) {
        case .success(let duration): return duration
        case .failure(let error):
            report(path, error.message)
            return nil
        }
    }

    /// One of the cases of a string enum, or the default when absent.
    mutating func choice<Value: RawRepresentable & CaseIterable>(
        _ raw: String?, at path: String, kind: String, default value: Value
    ) -> Value? where Value.RawValue == String {
        guard let raw else { return value }
        if let chosen = Value(rawValue: raw) { return chosen }
        let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
        report(path, "'\(raw)' is not a \(kind) (allowed: \(allowed))")
        return nil
    }

    // MARK: Files

    /// Resolves a file name written in the configuration against `directory` and checks that it
    /// names a readable regular file. Returns the absolute path, or nil after reporting.
    ///
    /// Only `.` and empty components are collapsed: `..` is left for the kernel, which follows
    /// symbolic links before going up, as the operator's shell would.
    mutating func existingFile(_ written: String, at path: String) -> String? {
        guard !written.isEmpty else {
            report(path, "must not be empty")
            return nil
        }
        let absolute = Self.absolutePath(written, relativeTo: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            report(path, "file '\(written)' does not exist")
            return nil
        }
        guard !isDirectory.boolValue else {
            report(path, "'\(written)' is a directory, not a file")
            return nil
        }
        guard FileManager.default.isReadableFile(atPath: absolute) else {
            report(path, "file '\(written)' is not readable")
            return nil
        }
        return absolute
    }

    static func absolutePath(_ path: String, relativeTo directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        let components = joined.split(separator: "/").filter { $0 != "." }
        return "/" + components.joined(separator: "/")
    }
}
