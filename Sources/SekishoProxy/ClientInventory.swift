public import Foundation

/// What sekisho knows about each client identity (the SHA-256 of its certificate): first and
/// last seen, handshakes, failures by reason, the negotiated version and suite, and when the
/// certificate expires. Bounded: at most `maxEntries` identities, the least recently seen one
/// dropped first. Crossing an expiry threshold (`expiry_warnings`) yields one warning per
/// identity per threshold.
///
/// A value type with no I/O and no locking: `ForensicsSink` owns one and touches it on its own
/// queue only; the sink writes `snapshot()` to `forensics.inventory_path`, which `sekisho
/// clients` reads.
public struct ClientInventory: Sendable {
    public let maxEntries: Int
    /// Thresholds in seconds, longest first.
    public let expiryThresholds: [Int64]
    private var entries: [String: InventoryEntry] = [:]
    private var touched: [String: UInt64] = [:]
    private var clock: UInt64 = 0
    public private(set) var evicted = 0

    public init(maxEntries: Int, expiryWarnings: [Duration]) {
        self.maxEntries = max(1, maxEntries)
        expiryThresholds = expiryWarnings.map { $0.components.seconds }.sorted(by: >)
    }

    public var count: Int { entries.count }

    public func entry(_ identity: String) -> InventoryEntry? { entries[identity] }

    /// Folds one handshake record in. Records without a presented certificate change nothing
    /// (the inventory is keyed by certificate). Returns the expiry warnings to log now.
    public mutating func record(_ record: HandshakeRecord, now: Date) -> [ExpiryWarning] {
        guard let identity = record.identity, let leaf = record.chain.first else { return [] }
        let time = record.time
        var entry = entries[identity] ?? InventoryEntry(
            identity: identity, subject: leaf.subject, issuer: leaf.issuer, serial: leaf.serial, notAfter: leaf.notAfter,
            firstSeen: time, lastSeen: time, handshakes: 0, accepted: 0, failures: [:], lastReason: record.reason,
            lastVersion: nil, lastCipher: nil, lastClient: record.client, listeners: [], warnedThresholds: []
        )
        entry.lastSeen = time
        entry.handshakes += 1
        entry.lastReason = record.reason
        entry.lastClient = record.client
        if !entry.listeners.contains(record.listener) { entry.listeners.append(record.listener) }
        if record.outcome == .accepted {
            entry.accepted += 1
            entry.lastVersion = record.negotiated?.version
            entry.lastCipher = record.negotiated?.cipher
        } else {
            entry.failures[record.reason, default: 0] += 1
        }
        var warnings: [ExpiryWarning] = []
        if record.outcome == .accepted, let notAfter = HandshakeForensics.date(leaf.notAfter) {
            let remaining = Int64(notAfter.timeIntervalSince(now))
            // The smallest threshold crossed is the one worth saying; all crossed ones are marked
            // so that a later handshake does not repeat a longer one.
            let crossed = expiryThresholds.filter { remaining > 0 && remaining <= $0 && !entry.warnedThresholds.contains($0) }
            if let smallest = crossed.min() {
                warnings.append(ExpiryWarning(
                    identity: identity, subject: leaf.subject, notAfter: leaf.notAfter,
                    secondsLeft: remaining, thresholdSeconds: smallest))
                entry.warnedThresholds += crossed
            }
        }
        if entries[identity] == nil, entries.count >= maxEntries { evictLeastRecentlySeen() }
        entries[identity] = entry
        clock += 1
        touched[identity] = clock
        return warnings
    }

    /// Exact LRU eviction by a scan: it runs only when a *new* identity arrives at a full
    /// inventory, which is rare (clients come back with the same certificate).
    private mutating func evictLeastRecentlySeen() {
        guard let oldest = touched.min(by: { $0.value < $1.value })?.key else { return }
        touched[oldest] = nil
        entries[oldest] = nil
        evicted += 1
    }

    /// Every entry, most recently seen first.
    public func snapshot(generatedAt: Date) -> InventorySnapshot {
        let ordered = entries.values.sorted { (touched[$0.identity] ?? 0) > (touched[$1.identity] ?? 0) }
        return InventorySnapshot(
            generatedAt: HandshakeForensics.timestamp(generatedAt), maxEntries: maxEntries, evicted: evicted, clients: ordered)
    }
}

/// One client identity in the inventory (JSON keys are API: `sekisho clients` reads them).
public struct InventoryEntry: Codable, Sendable, Equatable {
    /// SHA-256 of the client certificate.
    public var identity: String
    public var subject: String
    public var issuer: String
    public var serial: String
    public var notAfter: String
    public var firstSeen: String
    public var lastSeen: String
    public var handshakes: Int
    public var accepted: Int
    /// Refusals by reason code.
    public var failures: [String: Int]
    /// "ok" or the last refusal's code.
    public var lastReason: String
    public var lastVersion: String?
    public var lastCipher: String?
    public var lastClient: String
    public var listeners: [String]
    /// Expiry thresholds (seconds) already warned about.
    public var warnedThresholds: [Int64]

    enum CodingKeys: String, CodingKey {
        case identity, subject, issuer, serial
        case notAfter = "not_after"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case handshakes, accepted, failures
        case lastReason = "last_reason"
        case lastVersion = "last_version"
        case lastCipher = "last_cipher"
        case lastClient = "last_client"
        case listeners
        case warnedThresholds = "warned_thresholds_seconds"
    }
}

/// The inventory file's content.
public struct InventorySnapshot: Codable, Sendable, Equatable {
    public var generatedAt: String
    public var maxEntries: Int
    public var evicted: Int
    public var clients: [InventoryEntry]

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at"
        case maxEntries = "max_entries"
        case evicted, clients
    }

    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    public static func decode(_ data: Data) throws -> InventorySnapshot {
        try JSONDecoder().decode(InventorySnapshot.self, from: data)
    }

    /// The table `sekisho clients` prints: soonest expiry first among clients seen, then the rest.
    public func text(now: Date) -> String {
        var lines = ["client inventory written \(generatedAt): \(clients.count) client(s) (max \(maxEntries), \(evicted) evicted)"]
        guard !clients.isEmpty else { return lines.joined(separator: "\n") + "\n" }
        let rows = clients.sorted { $0.notAfter < $1.notAfter }.map { entry -> [String] in
            let cn = PresentedCertificate.attribute("CN", of: entry.subject) ?? String(entry.identity.prefix(16))
            let daysLeft = HandshakeForensics.date(entry.notAfter).map { String(Int(($0.timeIntervalSince(now) / 86_400).rounded(.down))) } ?? "?"
            let failures = entry.failures.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key)=\($0.value)" }
            return [cn, entry.notAfter, daysLeft, "\(entry.handshakes)", "\(entry.accepted)",
                    failures.isEmpty ? "-" : failures.joined(separator: " "), entry.lastReason,
                    [entry.lastVersion, entry.lastCipher].compactMap { $0 }.joined(separator: " "), entry.lastSeen, String(entry.identity.prefix(16))]
        }
        lines.append("")
        lines += ForensicsReport.table(
            ["CLIENT", "NOT AFTER", "DAYS", "HANDSHAKES", "OK", "FAILURES", "LAST", "VERSION/CIPHER", "LAST SEEN", "SHA-256"],
            rows, rightAligned: [2, 3, 4])
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A client certificate crossing an expiry threshold.
public struct ExpiryWarning: Sendable, Equatable {
    public var identity: String
    public var subject: String
    public var notAfter: String
    public var secondsLeft: Int64
    public var thresholdSeconds: Int64

    /// Whole days left, rounded down.
    public var daysLeft: Int64 { secondsLeft / 86_400 }
}
