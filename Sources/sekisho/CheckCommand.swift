import ArgumentParser
import SekishoConfig
import SekishoProxy

/// `sekisho check`: parse the configuration, load every certificate, key, CA and CRL, build
/// every TLS context, and print the effective TLS surface. Exits non-zero listing every error.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration and print the effective TLS surface."
    )

    @Option(name: [.short, .long], help: "Configuration file (YAML).")
    var config: String

    func run() throws {
        let proxyConfig = try loadConfigOrExit(config)
        let generation: ConfigGeneration
        do {
            generation = try ConfigGeneration(number: 0, config: proxyConfig)
        } catch {
            fail("configuration '\(config)' has \(error.problems.count) problem(s):\n" + error.problems.map { "  \($0)" }.joined(separator: "\n"), status: 2)
        }
        print(SurfaceReport.text(for: generation))
        print("configuration OK: \(proxyConfig.listeners.count) listener(s), \(proxyConfig.upstreams.count) upstream(s)")
    }
}
