import Foundation
import SekishoProxy
import XCTest

final class ClientInventoryTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    func testCountsFailuresByReasonAndKeepsTheLastNegotiation() {
        var inventory = ClientInventory(maxEntries: 10, expiryWarnings: [])
        let cert = TrustFixtures.certificate(cn: "a", sha256: String(repeating: "01", count: 32))
        _ = inventory.record(TrustFixtures.record(at: start, chain: [cert], reason: "policy_denied:ou"), now: start)
        _ = inventory.record(TrustFixtures.record(at: start.addingTimeInterval(5), chain: [cert], reason: "policy_denied:ou"), now: start)
        _ = inventory.record(TrustFixtures.record(at: start.addingTimeInterval(9), client: "192.0.2.99:1", chain: [cert]), now: start)
        _ = inventory.record(TrustFixtures.record(at: start, hello: TrustFixtures.tls11Hello, reason: "protocol_version"), now: start)
        XCTAssertEqual(inventory.count, 1, "records without a certificate are not in the inventory")
        let entry = try! XCTUnwrap(inventory.entry(cert.sha256))
        XCTAssertEqual(entry.handshakes, 3)
        XCTAssertEqual(entry.accepted, 1)
        XCTAssertEqual(entry.failures, ["policy_denied:ou": 2])
        XCTAssertEqual(entry.lastReason, "ok")
        XCTAssertEqual(entry.lastVersion, "TLSv1.3")
        XCTAssertEqual(entry.lastCipher, "TLS_AES_128_GCM_SHA256")
        XCTAssertEqual(entry.firstSeen, HandshakeForensics.timestamp(start))
        XCTAssertEqual(entry.lastSeen, HandshakeForensics.timestamp(start.addingTimeInterval(9)))
        XCTAssertEqual(entry.lastClient, "192.0.2.99:1")
        XCTAssertEqual(entry.notAfter, cert.notAfter)
    }

    func testBoundedByDroppingTheLeastRecentlySeen() {
        var inventory = ClientInventory(maxEntries: 3, expiryWarnings: [])
        let certs = (0..<5).map { TrustFixtures.certificate(cn: "c\($0)", sha256: String(format: "%064x", $0)) }
        for cert in certs.prefix(3) { _ = inventory.record(TrustFixtures.record(chain: [cert]), now: start) }
        _ = inventory.record(TrustFixtures.record(chain: [certs[0]]), now: start)  // c0 is now the most recent
        _ = inventory.record(TrustFixtures.record(chain: [certs[3]]), now: start)  // evicts c1
        XCTAssertEqual(inventory.count, 3)
        XCTAssertNil(inventory.entry(certs[1].sha256))
        XCTAssertNotNil(inventory.entry(certs[0].sha256))
        _ = inventory.record(TrustFixtures.record(chain: [certs[4]]), now: start)  // evicts c2
        XCTAssertNil(inventory.entry(certs[2].sha256))
        XCTAssertEqual(inventory.evicted, 2)
        XCTAssertEqual(inventory.snapshot(generatedAt: start).clients.map(\.subject).first, "CN=c4,O=Sekisho Test Clinic")
    }

    func testExpiryWarningsOncePerIdentityPerThreshold() {
        var inventory = ClientInventory(maxEntries: 10, expiryWarnings: [.seconds(7 * 86_400), .seconds(30 * 86_400)])
        let cert = TrustFixtures.certificate(cn: "soon", sha256: String(repeating: "02", count: 32),
                                             notAfter: HandshakeForensics.timestamp(start.addingTimeInterval(20 * 86_400 + 60)))
        let first = inventory.record(TrustFixtures.record(chain: [cert]), now: start)
        XCTAssertEqual(first.map(\.thresholdSeconds), [30 * 86_400])
        XCTAssertEqual(first.first?.daysLeft, 20)
        XCTAssertEqual(inventory.record(TrustFixtures.record(chain: [cert]), now: start.addingTimeInterval(3600)), [], "30d is said once")
        let later = inventory.record(TrustFixtures.record(chain: [cert]), now: start.addingTimeInterval(14 * 86_400))
        XCTAssertEqual(later.map(\.thresholdSeconds), [7 * 86_400])
        XCTAssertEqual(inventory.record(TrustFixtures.record(chain: [cert]), now: start.addingTimeInterval(15 * 86_400)), [])
        // First seen inside both thresholds: one warning, for the nearer one, and both marked.
        let close = TrustFixtures.certificate(cn: "close", sha256: String(repeating: "03", count: 32),
                                              notAfter: HandshakeForensics.timestamp(start.addingTimeInterval(2 * 86_400)))
        XCTAssertEqual(inventory.record(TrustFixtures.record(chain: [close]), now: start).map(\.thresholdSeconds), [7 * 86_400])
        XCTAssertEqual(inventory.record(TrustFixtures.record(chain: [close]), now: start), [])
    }

    func testSnapshotRoundTripsAndPrints() throws {
        var inventory = ClientInventory(maxEntries: 10, expiryWarnings: [])
        _ = inventory.record(TrustFixtures.record(chain: [TrustFixtures.certificate(cn: "医療端末", sha256: String(repeating: "04", count: 32))]), now: start)
        let snapshot = inventory.snapshot(generatedAt: start)
        XCTAssertEqual(try InventorySnapshot.decode(snapshot.jsonData()), snapshot)
        let text = snapshot.text(now: start)
        XCTAssertTrue(text.contains("医療端末"), text)
        XCTAssertTrue(text.contains("CLIENT"), text)
    }
}
