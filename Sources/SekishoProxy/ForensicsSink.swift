import Dispatch
import Foundation
public import Logging
public import SekishoConfig
import Synchronization

/// Where handshake records go: appended as JSON lines to `forensics.path` (if set), folded into
/// the client inventory, and counted by reason. Loops call `submit(_:)`, which never blocks and
/// never does I/O: the record is queued to one serial utility queue that encodes and writes it.
/// The queue is bounded (`queueLimit` records waiting); past it, records are dropped and counted
/// in `dropped` rather than letting a slow disk grow memory or stall a loop.
///
/// The inventory is written atomically (temporary file + rename) every `inventoryInterval` when
/// it changed, and once more on `close()`, so `sekisho clients` always reads a whole file.
public final class ForensicsSink: Sendable {
    public let path: String?
    public let inventoryPath: String?
    private let queue = DispatchQueue(label: "sekisho.forensics", qos: .utility)
    private let queueLimit: Int
    private let pending = Atomic<Int>(0)
    private let droppedCount = Atomic<Int>(0)
    private let counters = Mutex<[String: Int]>([:])
    private let logger: Logger
    /// Touched only on `queue`.
    private let state: Mutex<State>
    private let timer: TimerBox?

    /// Holds the inventory timer; set once in init, cancelled in close/deinit.
    private final class TimerBox: @unchecked Sendable {
        let source: any DispatchSourceTimer
        init(_ source: any DispatchSourceTimer) { self.source = source }
    }

    /// `@unchecked Sendable`: only ever used on `queue` (FileHandle is not Sendable).
    private struct State: @unchecked Sendable {
        var handle: FileHandle?
        /// The file `handle` has open (device and inode), to notice a rotation by rename.
        var openedFile: FileIdentity?
        /// When `path` was last compared with `openedFile`.
        var lastRotationCheck = ContinuousClock.now
        var openFailed = false
        var inventory: ClientInventory
        var inventoryDirty = false
        var writeFailed = false
    }

    public init(
        path: String?, inventoryPath: String?, inventoryMax: Int, expiryWarnings: [Duration],
        logger: Logger, queueLimit: Int = 10_000, inventoryInterval: Duration = .seconds(10)
    ) {
        self.path = path
        self.inventoryPath = inventoryPath
        self.queueLimit = queueLimit
        self.logger = logger
        state = Mutex(State(inventory: ClientInventory(maxEntries: inventoryMax, expiryWarnings: expiryWarnings)))
        if inventoryPath != nil {
            timer = TimerBox(DispatchSource.makeTimerSource(queue: queue))
        } else {
            timer = nil
        }
        if let source = timer?.source {
            let interval = DispatchTimeInterval.milliseconds(Int(inventoryInterval.components.seconds * 1000
                + inventoryInterval.components.attoseconds / 1_000_000_000_000_000))
            source.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(250))
            source.setEventHandler { [weak self] in self?.writeInventoryIfDirty() }
            source.resume()
        }
    }

    deinit {
        timer?.source.cancel()
    }

    /// The sink for a `forensics` block, or nil when it names no file (records are then not
    /// built at all; refusals are still logged and counted per listener).
    public convenience init?(config: ForensicsConfig, logger: Logger) {
        guard config.path != nil || config.inventoryPath != nil else { return nil }
        self.init(path: config.path, inventoryPath: config.inventoryPath, inventoryMax: config.inventoryMax,
                  expiryWarnings: config.expiryWarnings, logger: logger)
    }

    /// Queues one record. Safe from any thread; returns at once.
    public func submit(_ record: HandshakeRecord) {
        counters.withLock { $0[record.reason, default: 0] += 1 }
        if pending.add(1, ordering: .relaxed).newValue > queueLimit {
            pending.subtract(1, ordering: .relaxed)
            droppedCount.add(1, ordering: .relaxed)
            return
        }
        queue.async { [self] in
            pending.subtract(1, ordering: .relaxed)
            process(record)
        }
    }

    /// Handshakes by reason code ("ok" for accepted), since start.
    public var counts: [String: Int] { counters.withLock { $0 } }

    /// Records dropped because the queue was full.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Waits until every record submitted so far is written (tests, shutdown).
    public func drain() {
        queue.sync {}
    }

    /// Writes what is pending and the inventory, then closes the file.
    public func close() {
        timer?.source.cancel()
        queue.sync {
            writeInventory()
            state.withLock { s in
                try? s.handle?.close()
                s.handle = nil
            }
        }
    }

    /// The inventory as it is now (read on the sink's queue).
    public func inventorySnapshot() -> InventorySnapshot {
        queue.sync { state.withLock { $0.inventory.snapshot(generatedAt: Date()) } }
    }

    // MARK: On the queue

    private func process(_ record: HandshakeRecord) {
        if path != nil { append(HandshakeForensics.jsonLine(record)) }
        let warnings = state.withLock { s -> [ExpiryWarning] in
            let warnings = s.inventory.record(record, now: Date())
            if record.identity != nil { s.inventoryDirty = true }
            return warnings
        }
        for warning in warnings {
            logger.warning("client_certificate_expiring", metadata: [
                "event": "client_certificate_expiring", "component": "forensics",
                "identity": "\(warning.identity)", "subject": "\(warning.subject)",
                "not_after": "\(warning.notAfter)", "days_left": "\(warning.daysLeft)",
                "threshold_days": "\(warning.thresholdSeconds / 86_400)",
            ])
        }
    }

    /// Device and inode of a file, as `FileManager` reports them.
    struct FileIdentity: Equatable {
        let device: Int
        let inode: Int

        init?(path: String) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let device = (attributes[.systemNumber] as? NSNumber)?.intValue,
                  let inode = (attributes[.systemFileNumber] as? NSNumber)?.intValue
            else { return nil }
            self.device = device
            self.inode = inode
        }
    }

    /// How often the forensics path is compared with the open file. A rotation by rename
    /// (`mv forensics.jsonl forensics.jsonl.1`, logrotate without `copytruncate`) is followed
    /// within this time: records written meanwhile go to the renamed file, none is lost.
    static let rotationCheckInterval = Duration.seconds(1)

    private func append(_ line: Data) {
        guard let path else { return }
        state.withLock { s in
            if s.handle != nil, ContinuousClock.now - s.lastRotationCheck >= Self.rotationCheckInterval {
                s.lastRotationCheck = .now
                if FileIdentity(path: path) != s.openedFile {
                    // Renamed away or removed: close ours and start a new file at `path`.
                    try? s.handle?.close()
                    s.handle = nil
                    s.openedFile = nil
                    logger.notice("forensics_reopened", metadata: [
                        "event": "forensics_reopened", "component": "forensics", "path": "\(path)",
                        "detail": "the file at the forensics path is no longer the one being written (rotated); writing a new one",
                    ])
                }
            }
            if s.handle == nil, !s.openFailed {
                if !FileManager.default.fileExists(atPath: path) {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                }
                if let handle = FileHandle(forWritingAtPath: path) {
                    s.handle = handle
                    s.openedFile = FileIdentity(path: path)
                    s.lastRotationCheck = .now
                } else {
                    s.openFailed = true
                    logger.error("forensics_write_failed", metadata: [
                        "event": "forensics_write_failed", "component": "forensics", "path": "\(path)",
                        "detail": "cannot open for appending; records go to the log only",
                    ])
                }
            }
            guard let handle = s.handle else { return }
            do {
                // Seek every time: another writer (or a rotation by truncation) may have moved
                // the end, and a record must never overwrite another.
                try handle.seekToEnd()
                try handle.write(contentsOf: line)
            } catch {
                if !s.writeFailed {
                    s.writeFailed = true
                    logger.error("forensics_write_failed", metadata: [
                        "event": "forensics_write_failed", "component": "forensics", "path": "\(path)", "detail": "\(error)",
                    ])
                }
            }
        }
    }

    private func writeInventoryIfDirty() {
        if state.withLock({ $0.inventoryDirty }) { writeInventory() }
    }

    private func writeInventory() {
        guard let inventoryPath else { return }
        let data = state.withLock { s -> Data in
            s.inventoryDirty = false
            return s.inventory.snapshot(generatedAt: Date()).jsonData()
        }
        do {
            try data.write(to: URL(fileURLWithPath: inventoryPath), options: .atomic)
        } catch {
            logger.error("inventory_write_failed", metadata: [
                "event": "inventory_write_failed", "component": "forensics", "path": "\(inventoryPath)", "detail": "\(error)",
            ])
        }
    }
}
