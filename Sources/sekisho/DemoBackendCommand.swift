import ArgumentParser
import Dispatch
import Foundation
import Logging
import SekishoCore
import SekishoIO
import SekishoProxy

/// `sekisho demo-backend`: the small HTTP/1.1 upstream used by the quick-start demo.
struct DemoBackendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-backend",
        abstract: "Run the built-in demo HTTP/1.1 backend (plain HTTP, for loopback demos and tests)."
    )

    @Option(name: .long, help: "Address to listen on, e.g. 127.0.0.1:8080.")
    var listen: String = "127.0.0.1:8080"

    @Option(name: .long, help: "Write the bound address as JSON to this file once listening.")
    var readyFile: String?

    func run() throws {
        let address: HostPort
        switch HostPort.parse(listen) {
        case .success(let parsed): address = parsed
        case .failure(let error): fail("--listen: \(error)", status: 2)
        }
        LoggingSystem.bootstrap { label in SekishoLogHandler(label: label, control: LogLevelControl(.info), format: .text) }
        let logger = Logger(label: "demo-backend")
        let backend: DemoBackend
        do {
            backend = try DemoBackend(listen: address, loops: 1, logger: logger)
        } catch {
            fail("demo backend cannot listen on \(address): \(error)")
        }
        backend.start()
        // Handlers before the ready file (see `SignalWatcher.init`).
        let watcher = SignalWatcher(signals: [.terminate, .interrupt], queue: DispatchQueue(label: "demo.control")) { _ in
            backend.stop()
            Foundation.exit(0)
        }
        logger.notice("demo backend listening", metadata: ["address": "\(backend.localAddress)"])
        if let readyFile {
            let json = "{\"address\":\"\(backend.localAddress)\",\"pid\":\(ProcessInfo.processInfo.processIdentifier)}"
            do {
                try writeAtomically(Data(json.utf8), to: readyFile)
            } catch {
                fail("cannot write the ready file '\(readyFile)': \(error)")
            }
        }
        withExtendedLifetime(watcher) { dispatchMain() }
    }
}
