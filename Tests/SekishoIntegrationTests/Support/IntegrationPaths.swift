import Foundation
import XCTest

/// Where the repository, the `sekisho` binary under test and the peer tools are.
enum IntegrationPaths {
    /// The repository root: `SEKISHO_REPO_ROOT`, else three levels above this file (with
    /// symlinks resolved, so a package that links this test folder in still finds the scripts).
    static func repositoryRoot(filePath: String = #filePath) throws -> URL {
        if let override = ProcessInfo.processInfo.environment["SEKISHO_REPO_ROOT"], !override.isEmpty {
            return try checkedRoot(URL(fileURLWithPath: override))
        }
        let here = URL(fileURLWithPath: filePath).resolvingSymlinksInPath()
        // Tests/SekishoIntegrationTests/Support/<file>.swift
        var candidate = here.deletingLastPathComponent()
        for _ in 0..<5 {
            candidate = candidate.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Package.swift").path),
               FileManager.default.fileExists(atPath: candidate.appendingPathComponent("scripts").path) {
                return candidate
            }
        }
        throw HarnessError("cannot find the repository root above \(here.path); set SEKISHO_REPO_ROOT")
    }

    private static func checkedRoot(_ url: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("scripts").path) else {
            throw HarnessError("SEKISHO_REPO_ROOT=\(url.path) has no scripts/ folder")
        }
        return url
    }

    /// The binary under test: `SEKISHO_BIN`, else a `sekisho` executable beside the running
    /// test bundle. SwiftPM puts `sekishoPackageTests.xctest` in the same build folder as the
    /// `sekisho` product on Linux; on macOS the bundle is a directory, so we also look a few
    /// levels up from it.
    static func sekishoBinary() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["SEKISHO_BIN"], !override.isEmpty {
            guard isExecutableFile(override) else {
                throw HarnessError("SEKISHO_BIN=\(override) is not an executable file")
            }
            return URL(fileURLWithPath: override)
        }
        var starts: [URL] = []
        starts.append(Bundle(for: BundleAnchor.self).bundleURL)
        if let main = Bundle.main.executableURL { starts.append(main) }
        if let argv0 = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: argv0)) }
        var searched: [String] = []
        for start in starts {
            // On Linux Bundle(for:) gives the build folder itself; elsewhere the bundle or
            // runner path, whose parents are searched.
            var dir = start.standardizedFileURL
            if !isDirectory(dir.path) { dir.deleteLastPathComponent() }
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("sekisho").path
                if !searched.contains(candidate) {
                    searched.append(candidate)
                    if isExecutableFile(candidate) { return URL(fileURLWithPath: candidate) }
                }
                dir.deleteLastPathComponent()
            }
        }
        throw HarnessError(
            "no sekisho binary found (build it with `swift build --product sekisho`, or set SEKISHO_BIN); searched: "
                + searched.joined(separator: ", ")
        )
    }

    /// Finds `name` on PATH, or throws XCTSkip: a peer tool that is not installed is a reason to
    /// skip (hitch's exit 77), not a product failure.
    static func tool(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if isExecutableFile(candidate.path) { return candidate }
        }
        throw XCTSkip("'\(name)' is not installed (needed by this integration test); install it to run the test")
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}

/// A class in this bundle, so `Bundle(for:)` can find the test bundle's location.
private final class BundleAnchor {}
