import ArgumentParser
import Foundation
import SekishoProxy

/// `sekisho report`: who would be refused, and why, from the handshake forensics records a
/// running sekisho appends to `forensics.path`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise handshake forensics records: which clients fail, why, and what to change."
    )

    @Option(name: .long, help: "Forensics records file (JSON lines, forensics.path in the configuration).")
    var forensics: String

    @Option(name: .long, help: "Only records from this window back from now (30m, 24h, 7d), or since an ISO 8601 time.")
    var since: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: forensics) else {
            fail("cannot read the forensics file '\(forensics)'", status: 2)
        }
        let now = Date()
        var start: Date?
        if let since {
            if let seconds = ForensicsReport.windowSeconds(since) {
                start = now.addingTimeInterval(-TimeInterval(seconds))
            } else if let date = HandshakeForensics.date(since) {
                start = date
            } else {
                fail("--since: '\(since)' is neither a window (30m, 24h, 7d) nor an ISO 8601 time (2026-01-31T00:00:00Z)", status: 2)
            }
        }
        let report = ForensicsReport.build(jsonLines: String(decoding: data, as: UTF8.self), since: start, until: now)
        if json {
            FileHandle.standardOutput.write(report.jsonData() + Data("\n".utf8))
        } else {
            print(report.text(), terminator: "")
        }
    }
}
