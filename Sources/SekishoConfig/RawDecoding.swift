import Foundation

// Strict, issue-collecting decoding for the `Raw*` types.
//
// Swift's `Decodable` stops at the first error and silently drops keys that a type does not
// declare. A security proxy wants the opposite on both counts: a typo such as `requried: false`
// must not be ignored, and the operator should see every problem at once. So, when the decoder's
// `userInfo` carries a `RawIssueCollector`, the `Raw*` initialisers
//   - compare the mapping's keys (read through `AnyKey`, which accepts every key) with their
//     own `CodingKeys` and record each unknown one with its key path;
//   - decode every field through `lenient(_:forKey:)`, which records a type mismatch and leaves
//     the field nil instead of throwing, so decoding goes on.
// Without a collector (someone decoding a `RawConfig` with a plain YAMLDecoder) the same checks
// throw `DecodingError` at the first problem: unknown keys are rejected either way.

/// Gathers issues while a `RawConfig` is being decoded. Lives only for one decode call.
final class RawIssueCollector {
    private(set) var issues: [ConfigIssue] = []

    func record(_ issue: ConfigIssue) {
        issues.append(issue)
    }

    static let userInfoKey = CodingUserInfoKey(rawValue: "sekisho.config.issues")!
}

/// A coding key that accepts any string: used to list all keys a mapping really has.
struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Renders a coding path the way the file is written: `listeners[1].client_auth.ca`.
func renderKeyPath(_ codingPath: [any CodingKey]) -> String {
    var path = ""
    for key in codingPath {
        if let index = key.intValue {
            path += "[\(index)]"
        } else {
            path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return path.isEmpty ? "(root)" : path
}

extension Decoder {
    private var issueCollector: RawIssueCollector? {
        userInfo[RawIssueCollector.userInfoKey] as? RawIssueCollector
    }

    /// A keyed container that has checked the mapping for keys `Key` does not declare.
    ///
    /// Returns nil (after recording the problem) when the value is not a mapping and issues are
    /// being collected; the caller then leaves all its fields nil.
    func strictContainer<Key: CodingKey & CaseIterable>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key>? {
        let everything: KeyedDecodingContainer<AnyKey>
        do {
            everything = try container(keyedBy: AnyKey.self)
        } catch let error as DecodingError {
            guard let collector = issueCollector else { throw error }
            collector.record(ConfigIssue(path: renderKeyPath(codingPath), message: "expected a mapping of keys to values"))
            return nil
        }
        var reported = Set<String>()
        // A YAML merge key (`<<`) can make a key appear twice; report each unknown one once.
        for key in everything.allKeys where Key(stringValue: key.stringValue) == nil && reported.insert(key.stringValue).inserted {
            let issue = ConfigIssue(
                path: renderKeyPath(codingPath + [key]),
                message: unknownKeyMessage(key.stringValue, known: Key.allCases.map(\.stringValue))
            )
            guard let collector = issueCollector else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: issue.description))
            }
            collector.record(issue)
        }
        return try container(keyedBy: Key.self)
    }

    fileprivate func recordOrThrow(_ error: DecodingError, message: String, codingPath: [any CodingKey]) throws {
        guard let collector = issueCollector else { throw error }
        collector.record(ConfigIssue(path: renderKeyPath(codingPath), message: message))
    }
}

/// `unknown key`, plus a suggestion when a known key is within two edits (a likely typo).
package func unknownKeyMessage(_ key: String, known: [String]) -> String {
    let close = known
        .map { (name: $0, distance: editDistance(key.lowercased(), $0)) }
        .filter { $0.distance <= 2 }
        .min { $0.distance < $1.distance }
    if let close { return "unknown key (did you mean '\(close.name)'?)" }
    return "unknown key"
}

/// Levenshtein distance; keys are short, so the quadratic table is fine.
package func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// Types that say in words what a config value of theirs looks like, for type-mismatch messages.
protocol RawValueExpectation {
    static var expectation: String { get }
}

extension Int: RawValueExpectation { static var expectation: String { "an integer" } }
extension Bool: RawValueExpectation { static var expectation: String { "true or false" } }
extension String: RawValueExpectation { static var expectation: String { "a single value (string or number)" } }
extension Array: RawValueExpectation { static var expectation: String { "a list" } }

extension KeyedDecodingContainer {
    /// Decodes an optional field; a value of the wrong shape is recorded as an issue and read as
    /// nil, so that decoding continues and every problem is reported.
    func lenient<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        do {
            return try decodeIfPresent(type, forKey: key)
        } catch let error as DecodingError {
            let (path, message) = describe(error, expected: type, key: key)
            // A keyed container cannot see `userInfo`; the decoder for the same key can (and
            // creating it does not decode anything).
            try superDecoder(forKey: key).recordOrThrow(error, message: message, codingPath: path)
            return nil
        }
    }

    private func describe<T>(_ error: DecodingError, expected: T.Type, key: Key) -> ([any CodingKey], String) {
        switch error {
        case .typeMismatch(let mismatched, let context):
            // A mismatch deeper down (a list element) names what that element should have been.
            let wanted = (mismatched as? any RawValueExpectation.Type)?.expectation
                ?? (context.codingPath.count > codingPath.count + 1 ? String.expectation : nil)
                ?? (expected as? any RawValueExpectation.Type)?.expectation
                ?? "a different kind of value"
            var message = "expected \(wanted)"
            // For a scalar field, quote what was found: `expected an integer, found 'two'`.
            if context.codingPath.count == codingPath.count + 1, T.self == Int.self || T.self == Bool.self,
               let found = try? decodeIfPresent(String.self, forKey: key) {
                message += ", found '\(found)'"
                if T.self == Int.self, Int(found) != nil { message += " (a quoted string; remove the quotes)" }
            }
            return (context.codingPath, message)
        case .dataCorrupted(let context):
            return (context.codingPath, context.debugDescription)
        case .valueNotFound(_, let context), .keyNotFound(_, let context):
            return (context.codingPath, "expected \((expected as? any RawValueExpectation.Type)?.expectation ?? "a value")")
        @unknown default:
            return (codingPath + [key], "could not be read")
        }
    }
}

/// A list of strings that may also be written as one string (`crl: a.crl` or `crl: [a.crl, b.crl]`).
public struct RawStringList: Decodable, Sendable, Equatable, RawValueExpectation {
    public var values: [String]

    public init(_ values: [String]) {
        self.values = values
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            values = [single]
            return
        }
        do {
            values = try container.decode([String].self)
        } catch {
            throw DecodingError.typeMismatch(
                RawStringList.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected \(Self.expectation)")
            )
        }
    }

    static var expectation: String { "a file name or a list of file names" }
}
