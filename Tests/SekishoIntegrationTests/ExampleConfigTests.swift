import Foundation
import XCTest

/// The shipped example configuration stays valid: copied beside a freshly minted PKI (its
/// relative paths resolve against its own folder), it passes `sekisho check`.
final class ExampleConfigTests: IntegrationTestCase {
    func testExampleConfigPassesCheckBesideAFreshPKI() throws {
        let example = repositoryRoot.appendingPathComponent("config/sekisho.example.yaml")
        guard FileManager.default.fileExists(atPath: example.path) else {
            XCTFail("\(example.path) is missing")
            return
        }
        let folder = testDirectory.appendingPathComponent("example")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: pki.directory.path) where !file.hasPrefix("_") {
            try FileManager.default.copyItem(
                at: pki.directory.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let config = folder.appendingPathComponent("sekisho.yaml")
        try FileManager.default.copyItem(at: example, to: config)

        let result = try run("sekisho-check-example", try sekishoBinary(), ["check", "--config", config.path], timeout: 60)
        XCTAssertEqual(result.status, 0, "the example config fails check beside a fresh PKI:\n\(result)")
    }
}
