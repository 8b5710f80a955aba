import ArgumentParser

@main
struct SekishoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sekisho",
        abstract: "A mutual-TLS terminating reverse proxy restricted to the CRYPTREC high-security profile.",
        subcommands: [RunCommand.self, CheckCommand.self, VersionCommand.self, DemoBackendCommand.self, ReportCommand.self, ClientsCommand.self]
    )
}
