import Foundation
import SekishoCore
import XCTest

/// 256 MiB up and down through sekisho, byte-exact, while sekisho's resident memory stays
/// inside a fixed budget: a proxy that buffered whole bodies (or let one direction run ahead
/// without backpressure) would grow by hundreds of MiB here.
final class StreamingTests: IntegrationTestCase {
    static let transferBytes = 256 * 1_024 * 1_024
    /// Whole-process budget for one streaming connection, baseline included. Do not raise it to
    /// make a failure pass; the failure message carries the measured figure.
    static let rssBudgetKiB = 64 * 1_024
    static let chunkBytes = 1_024 * 1_024

    func testUpload256MiBArrivesIntactAndSekishoStaysUnderMemoryBudget() throws {
        let (backend, sekisho) = try startProxy()
        let upload = testDirectory.appendingPathComponent("upload.bin")
        try writePseudoRandomFile(upload, bytes: Self.transferBytes)
        defer { try? FileManager.default.removeItem(at: upload) }
        let expectedDigest = try sha256(of: upload)

        let sampler = RSSSampler(sekisho: sekisho)
        sampler.start()
        // -T streams the file from disk (--data-binary @file would load it into curl first);
        // "Expect:" skips curl's 100-continue round trip.
        let result = try curl(try sekisho.listener(), path: "/sink",
                              extra: ["-T", upload.path, "-X", "POST", "-H", "Expect:",
                                      "-H", "Content-Type: application/octet-stream"],
                              timeout: 600)
        let memory = sampler.stop()

        XCTAssertTrue(result.succeeded, "upload failed:\n\(result)")
        let reply = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(reply?["bytes"] as? Int, Self.transferBytes, "backend reply: \(result.stdout)")
        XCTAssertEqual(reply?["sha256"] as? String, expectedDigest, "backend reply: \(result.stdout)")
        XCTAssertEqual(backend.requests, ["request POST /sink"])
        assertWithinBudget(memory, direction: "upload")
    }

    func testDownload256MiBArrivesIntactAndSekishoStaysUnderMemoryBudget() throws {
        let (backend, sekisho) = try startProxy()
        let download = testDirectory.appendingPathComponent("download.bin")
        defer { try? FileManager.default.removeItem(at: download) }

        let sampler = RSSSampler(sekisho: sekisho)
        sampler.start()
        let result = try curl(try sekisho.listener(), path: "/source?bytes=\(Self.transferBytes)",
                              extra: ["-o", download.path], timeout: 600)
        let memory = sampler.stop()

        XCTAssertTrue(result.succeeded, "download failed:\n\(result)")
        let size = (try? FileManager.default.attributesOfItem(atPath: download.path)[.size] as? Int) ?? -1
        XCTAssertEqual(size, Self.transferBytes)
        XCTAssertNil(try firstPatternMismatch(download), "downloaded bytes differ from the backend's pattern")
        XCTAssertEqual(backend.requests, ["request GET /source?bytes=\(Self.transferBytes)"])
        assertWithinBudget(memory, direction: "download")
    }

    // MARK: -

    private func assertWithinBudget(_ memory: RSSSampler.Result, direction: String, line: UInt = #line) {
        let summary = "sekisho memory during 256 MiB \(direction): peak sampled VmRSS \(memory.peakRSSKiB) KiB "
            + "(\(memory.samples) samples), VmHWM \(memory.highWaterKiB.map { "\($0) KiB" } ?? "n/a"), "
            + "budget \(Self.rssBudgetKiB) KiB"
        print(summary)
        XCTAssertGreaterThan(memory.samples, 0, "no /proc samples taken (not Linux?)", line: line)
        let peak = max(memory.peakRSSKiB, memory.highWaterKiB ?? 0)
        XCTAssertLessThan(peak, Self.rssBudgetKiB, summary, line: line)
    }

    /// 1 MiB of random bytes, repeated with the chunk number stamped into the first 8 bytes of
    /// each copy, so that a dropped, repeated or reordered chunk changes the digest.
    private func writePseudoRandomFile(_ url: URL, bytes: Int) throws {
        var generator = SystemRandomNumberGenerator()
        var chunk = [UInt8](repeating: 0, count: Self.chunkBytes)
        for i in 0..<(chunk.count / 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { raw in
                for j in 0..<8 { chunk[i * 8 + j] = raw[j] }
            }
        }
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var written = 0
        var index: UInt64 = 0
        while written < bytes {
            withUnsafeBytes(of: index.littleEndian) { raw in
                for j in 0..<8 { chunk[j] = raw[j] }
            }
            let n = min(chunk.count, bytes - written)
            try handle.write(contentsOf: chunk[0..<n])
            written += n
            index += 1
        }
    }

    private func sha256(of url: URL) throws -> String {
        let result = try run("sha256", openssl, ["dgst", "-sha256", "-r", url.path], timeout: 120)
        guard result.succeeded, let digest = result.stdout.split(separator: " ").first else {
            throw HarnessError("openssl dgst failed:\n\(result)")
        }
        return String(digest)
    }

    /// The backend's /source body is byte i = i % 256; compares 1 MiB at a time (a multiple of
    /// 256, so every full chunk equals the same expected buffer). Returns the first bad offset.
    private func firstPatternMismatch(_ url: URL) throws -> Int? {
        let expected = Data((0..<Self.chunkBytes).map { UInt8(truncatingIfNeeded: $0) })
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var offset = 0
        while let data = try handle.read(upToCount: Self.chunkBytes), !data.isEmpty {
            if data != expected.prefix(data.count) {
                let local = zip(data, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                return offset + local
            }
            offset += data.count
        }
        return nil
    }
}

/// Samples sekisho's VmRSS from /proc every 20 ms on a background thread, and reads VmHWM (the
/// kernel's own peak) at the end, which also catches a spike between two samples.
final class RSSSampler: @unchecked Sendable {
    struct Result {
        let peakRSSKiB: Int
        let highWaterKiB: Int?
        let samples: Int
    }

    private let sekisho: SekishoProcess
    private let lock = NSLock()
    private var running = false
    private var peak = 0
    private var count = 0
    private let finished = DispatchSemaphore(value: 0)

    init(sekisho: SekishoProcess) { self.sekisho = sekisho }

    func start() {
        lock.withLock { running = true }
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                if let rss = sekisho.procStatusKiB("VmRSS") {
                    lock.withLock {
                        peak = max(peak, rss)
                        count += 1
                    }
                }
                Thread.sleep(forTimeInterval: 0.020)
            }
            finished.signal()
        }
        thread.start()
    }

    func stop() -> Result {
        lock.withLock { running = false }
        _ = finished.wait(timeout: .now() + 5)
        let hwm = sekisho.procStatusKiB("VmHWM")
        return lock.withLock { Result(peakRSSKiB: peak, highWaterKiB: hwm, samples: count) }
    }
}
