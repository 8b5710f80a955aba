import Foundation
import Logging
import SekishoProxy
import XCTest

final class ForensicsSinkTests: XCTestCase {
    private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    func testAppendsOneLinePerRecordAndCountsByReason() throws {
        let dir = try TrustFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/handshakes.jsonl"
        try "{\"earlier\":true}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let sink = ForensicsSink(path: path, inventoryPath: dir + "/inventory.json", inventoryMax: 10, expiryWarnings: [], logger: logger)
        let cert = TrustFixtures.certificate(cn: "a", sha256: String(repeating: "05", count: 32))
        sink.submit(TrustFixtures.record(chain: [cert]))
        sink.submit(TrustFixtures.record(hello: TrustFixtures.tls11Hello, reason: "protocol_version"))
        sink.submit(TrustFixtures.record(chain: [cert], reason: "policy_denied:ou"))
        sink.drain()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "appended after what was there")
        XCTAssertEqual(lines[0], "{\"earlier\":true}")
        let reasons = try lines.dropFirst().map { try JSONDecoder().decode(HandshakeRecord.self, from: Data($0.utf8)).reason }
        XCTAssertEqual(reasons, ["ok", "protocol_version", "policy_denied:ou"])
        XCTAssertEqual(sink.counts, ["ok": 1, "protocol_version": 1, "policy_denied:ou": 1])
        XCTAssertEqual(sink.dropped, 0)
        sink.close()
        let inventory = try InventorySnapshot.decode(try Data(contentsOf: URL(fileURLWithPath: dir + "/inventory.json")))
        XCTAssertEqual(inventory.clients.count, 1)
        XCTAssertEqual(inventory.clients[0].failures, ["policy_denied:ou": 1])
    }

    func testAFullQueueDropsInsteadOfBlocking() throws {
        let sink = ForensicsSink(path: nil, inventoryPath: nil, inventoryMax: 10, expiryWarnings: [], logger: logger, queueLimit: 0)
        for _ in 0..<5 { sink.submit(TrustFixtures.record()) }
        sink.drain()
        XCTAssertEqual(sink.dropped, 5)
        XCTAssertEqual(sink.counts, ["ok": 5], "counters count every handshake, written or not")
    }

    func testInventoryIsWrittenPeriodically() throws {
        let dir = try TrustFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sink = ForensicsSink(path: nil, inventoryPath: dir + "/inv.json", inventoryMax: 10, expiryWarnings: [],
                                 logger: logger, inventoryInterval: .milliseconds(100))
        sink.submit(TrustFixtures.record(chain: [TrustFixtures.certificate(cn: "a", sha256: String(repeating: "06", count: 32))]))
        let deadline = Date().addingTimeInterval(10)
        var found = false
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: dir + "/inv.json"),
               let snapshot = try? InventorySnapshot.decode(data), snapshot.clients.count == 1 {
                found = true
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(found, "the inventory file appears without close()")
        sink.close()
    }
}
