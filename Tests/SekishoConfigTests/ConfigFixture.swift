import Foundation
import XCTest
import SekishoConfig

/// A temporary folder holding empty placeholder files for every path the test configurations
/// name. The loader only checks that files exist and are readable, so empty files suffice.
final class PlaceholderDirectory {
    static let fileNames = [
        "server.pem", "server.key", "server-rsa.pem", "server-rsa.key", "anchor.pem",
        "client-ca.pem", "client-ca.crl", "other.crl", "sub/inner.pem",
    ]

    let path: String

    init(files: [String] = PlaceholderDirectory.fileNames) throws {
        let base = FileManager.default.temporaryDirectory.path
        path = ConfigPathForTests.join(base, "sekisho-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: ConfigPathForTests.join(path, "a-directory.pem"), withIntermediateDirectories: true)
        for name in files {
            let file = ConfigPathForTests.join(path, name)
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true
            )
            guard FileManager.default.createFile(atPath: file, contents: Data()) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
    }

    func file(_ name: String) -> String { ConfigPathForTests.join(path, name) }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

enum ConfigPathForTests {
    /// Joins without doubling the slash (the temporary directory may end with one).
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// Builds small configuration documents: one listener in flow style whose keys can be replaced,
/// removed (nil) or added, plus extra top-level text and the upstreams block.
enum ConfigDocument {
    static let baseListener: [(key: String, value: String)] = [
        ("name", "main"),
        ("listen", "\"127.0.0.1:8443\""),
        ("certificates", "[{cert: server.pem, key: server.key}]"),
        ("client_auth", "{ca: client-ca.pem}"),
        ("upstream", "backend"),
    ]

    static let baseUpstreams = """
        upstreams:
          - name: backend
            servers: ["127.0.0.1:8080"]

        """

    static func make(
        listener overrides: KeyValuePairs<String, String?> = [:],
        top: String = "",
        upstreams: String = baseUpstreams
    ) -> String {
        var pairs = baseListener.map { (key: $0.key, value: Optional($0.value)) }
        for (key, value) in overrides {
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                pairs[index].value = value
            } else {
                pairs.append((key, value))
            }
        }
        let lines = pairs.compactMap { pair in pair.value.map { "\(pair.key): \($0)" } }
        var text = top
        text += "listeners:\n"
        for (index, line) in lines.enumerated() {
            text += (index == 0 ? "  - " : "    ") + line + "\n"
        }
        return text + upstreams
    }
}

extension XCTestCase {
    /// Parses `yaml` against `directory`, failing the test with the issues if it is refused.
    func parseValid(_ yaml: String, in directory: PlaceholderDirectory, file: StaticString = #filePath, line: UInt = #line) -> ProxyConfig? {
        do {
            return try ProxyConfig(parsing: yaml, configDirectory: directory.path)
        } catch {
            XCTFail("expected a valid configuration, got:\n\(error)\n--- document:\n\(yaml)", file: file, line: line)
            return nil
        }
    }

    /// The issue lines for `yaml`, failing the test if it is accepted.
    func issues(of yaml: String, in directory: PlaceholderDirectory, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try ProxyConfig(parsing: yaml, configDirectory: directory.path)
            XCTFail("expected the configuration to be refused:\n\(yaml)", file: file, line: line)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    /// Checks a table of documents against their exact issue lists, naming the row on failure.
    func assertIssueTable(
        _ rows: [(name: String, yaml: String, expected: [String])], in directory: PlaceholderDirectory,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for row in rows {
            let found = issues(of: row.yaml, in: directory, file: file, line: line)
            XCTAssertEqual(found, row.expected, "row '\(row.name)'", file: file, line: line)
        }
    }
}
