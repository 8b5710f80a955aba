/// Everything wrong with a configuration, collected in one pass.
///
/// The loader never stops at the first problem: an operator fixing a file wants the whole list
/// at once. Each issue starts with the key path it concerns, so every configuration message is
/// greppable by key (`listeners[1].client_auth.ca: file 'x.pem' does not exist`).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One line per issue, `<path>: <message>`.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}

/// One problem in a configuration.
///
/// `path` is the key path in the YAML file (`listeners[0].tls.versions[1]`). Issues that belong
/// to no key use a position instead: `line 3, column 7` for YAML syntax errors, the file's own
/// path when it cannot be read, and `(root)` when the document is not a mapping at all.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
