import ArgumentParser
import Dispatch
import Foundation
import Logging
import SekishoConfig
import SekishoCore
import SekishoIO
import SekishoProxy

/// `sekisho run`: the proxy in the foreground, logging to stderr.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run sekisho in the foreground (logs to stderr)."
    )

    @Option(name: [.short, .long], help: "Configuration file (YAML).")
    var config: String

    @Option(name: .long, help: "Once every listener is bound, write their addresses as JSON to this file.")
    var readyFile: String?

    @Option(name: .long, help: "Seconds to let open connections finish after SIGTERM/SIGINT.")
    var drainSeconds: Int = 10

    @Option(name: .long, help: "Seconds between checks of the client CA and CRL files (a change reloads, as SIGHUP does); 0 = off.")
    var trustPollSeconds: Int = 10

    func run() throws {
        let proxyConfig = try loadConfigOrExit(config)
        let format: SekishoLogHandler.Format = proxyConfig.log.format == .json ? .json : .text
        let level = Logger.Level(rawValue: proxyConfig.log.level.rawValue) ?? .info
        let levelControl = LogLevelControl(level)
        LoggingSystem.bootstrap { label in SekishoLogHandler(label: label, control: levelControl, format: format) }
        let logger = Logger(label: "sekisho")

        let server: ProxyServer
        do {
            server = try ProxyServer(config: proxyConfig, logger: logger)
        } catch {
            fail("cannot start: the TLS configuration was refused:\n" + error.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        let addresses: [String: HostPort]
        do {
            addresses = try server.start()
        } catch {
            fail("cannot start: \(error)")
        }
        let controlQueue = DispatchQueue(label: "sekisho.control")
        let drain = Duration.seconds(drainSeconds)
        let configPath = config
        let watcher = SignalWatcher(signals: [.terminate, .interrupt, .hangup], queue: controlQueue) { signal in
            switch signal {
            case .hangup:
                reload(server: server, configPath: configPath, levelControl: levelControl, logger: logger)
            case .terminate, .interrupt:
                logger.notice("stopping", metadata: ["event": "stopping", "drain_seconds": "\(drainSeconds)"])
                server.shutdown(gracePeriod: drain) { open in
                    logger.notice("stopped", metadata: ["event": "stopped", "open_connections": "\(open)"])
                    Foundation.exit(0)
                }
            }
        }
        // Ready only now that the signal handlers are in place: a supervisor that sends SIGTERM
        // or SIGHUP as soon as the ready file appears must get a drain or a reload, not the
        // default action (which terminates the process).
        if let readyFile {
            writeReadyFile(readyFile, addresses: addresses)
        }
        logger.notice("started", metadata: [
            "event": "started", "loops": "\(proxyConfig.loopCount)", "pid": "\(ProcessInfo.processInfo.processIdentifier)",
        ])
        // Client trust: a changed client CA or CRL file reloads through the SIGHUP path.
        let trustFiles = trustPollSeconds > 0
            ? TrustFileWatcher(server: server, interval: .seconds(trustPollSeconds), logger: logger) { changed in
                logger.notice("trust_files_changed", metadata: ["event": "trust_files_changed", "component": "config", "files": "\(changed.joined(separator: ","))"])
                controlQueue.async { reload(server: server, configPath: configPath, levelControl: levelControl, logger: logger) }
            }
            : nil
        trustFiles?.start()
        withExtendedLifetime((watcher, trustFiles)) {
            dispatchMain()
        }
    }
}

/// SIGHUP: re-read the file, build a complete new generation, swap only on success.
private func reload(server: ProxyServer, configPath: String, levelControl: LogLevelControl, logger: Logger) {
    let config: ProxyConfig
    do {
        config = try ProxyConfig.load(fileAt: configPath)
    } catch {
        logger.error("reload_failed", metadata: [
            "event": "reload_failed", "component": "config", "detail": "\(error.description)",
        ])
        return
    }
    switch server.reload(config: config) {
    case .success(let summary):
        levelControl.level = Logger.Level(rawValue: config.log.level.rawValue) ?? .info
        logger.notice("reloaded", metadata: [
            "event": "reloaded", "component": "config", "generation": "\(summary.generation)",
            "kept": "\(summary.kept.joined(separator: ","))", "added": "\(summary.added.joined(separator: ","))",
            "dropped": "\(summary.dropped.joined(separator: ","))",
        ])
        for note in summary.notes {
            logger.warning("reload_restart_needed", metadata: ["event": "reload_restart_needed", "component": "config", "detail": "\(note)"])
        }
    case .failure(let error):
        logger.error("reload_failed", metadata: [
            "event": "reload_failed", "component": "config", "detail": "\(error.problems.joined(separator: "; "))",
        ])
    }
}

private func writeReadyFile(_ path: String, addresses: [String: HostPort]) {
    var object: [String: Any] = ["pid": Int(ProcessInfo.processInfo.processIdentifier)]
    object["listeners"] = addresses.mapValues { $0.description }
    do {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try writeAtomically(data, to: path)
    } catch {
        fail("cannot write the ready file '\(path)': \(error)")
    }
}

/// Loads the configuration or exits with status 2 and every problem, one per line.
func loadConfigOrExit(_ path: String) throws -> ProxyConfig {
    do {
        return try ProxyConfig.load(fileAt: path)
    } catch {
        var message = "configuration '\(path)' has \(error.issues.count) problem(s):\n"
        message += error.issues.map { "  \($0.description)" }.joined(separator: "\n")
        fail(message, status: 2)
    }
}

/// Prints `sekisho: message` to stderr and exits.
func fail(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("sekisho: \(message)\n".utf8))
    Foundation.exit(status)
}

/// Writes to a temporary file and renames it into place, so a poller never reads a
/// half-written file.
func writeAtomically(_ data: Data, to path: String) throws {
    let temporary = path + ".tmp"
    try data.write(to: URL(fileURLWithPath: temporary))
    if FileManager.default.fileExists(atPath: path) {
        try FileManager.default.removeItem(atPath: path)
    }
    try FileManager.default.moveItem(atPath: temporary, toPath: path)
}
