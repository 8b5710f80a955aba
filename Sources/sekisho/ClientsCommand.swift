import ArgumentParser
import Foundation
import SekishoProxy

/// `sekisho clients`: the client inventory a running sekisho writes to `forensics.inventory_path`
/// (each client certificate: first and last seen, handshakes, failures, expiry).
struct ClientsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "Show the client inventory (per client certificate) a running sekisho writes."
    )

    @Option(name: .long, help: "Inventory file (forensics.inventory_path in the configuration).")
    var inventory: String

    @Flag(name: .long, help: "Print the inventory as JSON.")
    var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: inventory) else {
            fail("cannot read the inventory file '\(inventory)'", status: 2)
        }
        let snapshot: InventorySnapshot
        do {
            snapshot = try InventorySnapshot.decode(data)
        } catch {
            fail("'\(inventory)' is not a sekisho client inventory: \(error)", status: 2)
        }
        if json {
            FileHandle.standardOutput.write(snapshot.jsonData() + Data("\n".utf8))
        } else {
            print(snapshot.text(now: Date()), terminator: "")
        }
    }
}
