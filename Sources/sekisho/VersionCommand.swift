import ArgumentParser
import SekishoCore
import SekishoProxy

/// `sekisho version`: sekisho and the versions of the C libraries it runs on.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print sekisho, OpenSSL and nghttp2 versions.")

    func run() {
        print("sekisho \(SekishoVersion.string)")
        print(LibraryVersions.openSSL)
        print("nghttp2 \(LibraryVersions.nghttp2)")
    }
}
