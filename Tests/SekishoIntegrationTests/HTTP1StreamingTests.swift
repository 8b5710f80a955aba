import Foundation
import SekishoCore
import XCTest

/// 1 GiB through the HTTP proxy in each direction, byte-exact, while sekisho's resident memory
/// grows by less than 32 MiB over its idle baseline: bodies are streamed with backpressure, never
/// buffered. The download is chunked by the backend and re-chunked by sekisho; the upload is
/// chunked by curl (`-T -`) and re-chunked toward the backend.
final class HTTP1StreamingTests: IntegrationTestCase {
    static let transferBytes = 1_024 * 1_024 * 1_024
    /// Growth over the baseline measured after a warm-up request. Do not raise it to make a
    /// failure pass; the message carries the measured figures.
    static let growthBudgetKiB = 32 * 1_024

    private func baseline(_ sekisho: SekishoProcess) throws -> Int {
        // One request first, so that the loop's scratch buffers, TLS state and pool exist.
        XCTAssertTrue(try curl(try sekisho.listener(), path: "/ok").succeeded)
        return try XCTUnwrap(sekisho.procStatusKiB("VmRSS"), "no /proc (not Linux?)")
    }

    private func assertGrowth(_ memory: RSSSampler.Result, baseline: Int, _ what: String, line: UInt = #line) {
        let peak = max(memory.peakRSSKiB, memory.highWaterKiB ?? 0)
        let summary = "sekisho memory during 1 GiB \(what): baseline VmRSS \(baseline) KiB, peak \(peak) KiB "
            + "(growth \(peak - baseline) KiB, \(memory.samples) samples), budget \(Self.growthBudgetKiB) KiB"
        print(summary)
        XCTAssertGreaterThan(memory.samples, 0, line: line)
        XCTAssertLessThan(peak - baseline, Self.growthBudgetKiB, summary, line: line)
    }

    func testDownloadOf1GiBIsStreamedWithBoundedMemory() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let base = try baseline(sekisho)
        let sampler = RSSSampler(sekisho: sekisho)
        sampler.start()
        // The body is checked as it arrives (openssl digest of the stream vs. the pattern's).
        let address = try sekisho.listener()
        let (cert, key) = pki.client("client-good-ecdsa")
        let script = """
            set -o pipefail
            curl --http1.1 -sS --noproxy '*' --max-time 600 --cacert '\(pki.path("ca.pem"))' --cert '\(cert)' --key '\(key)' \
              'https://\(address.host):\(address.port)/source?bytes=\(Self.transferBytes)&chunked=1' \
              | openssl dgst -sha256 -r
            """
        let result = try run("download", URL(fileURLWithPath: "/bin/bash"), ["-c", script], timeout: 900)
        let memory = sampler.stop()
        XCTAssertTrue(result.succeeded, "\(result)")
        XCTAssertEqual(result.stdout.split(separator: " ").first.map(String.init), try patternDigest())
        XCTAssertEqual(backend.requests.last, "GET /source?bytes=\(Self.transferBytes)&chunked=1")
        assertGrowth(memory, baseline: base, "download")
    }

    func testUploadOf1GiBIsStreamedWithBoundedMemory() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let base = try baseline(sekisho)
        let sampler = RSSSampler(sekisho: sekisho)
        sampler.start()
        let address = try sekisho.listener()
        let (cert, key) = pki.client("client-good-ecdsa")
        let digestFile = testDirectory.appendingPathComponent("upload.sha256")
        // A pseudo-random stream (AES-CTR of zeros), digested on the way into curl. The
        // generator dies of SIGPIPE once `head` has enough; only curl's status matters.
        let script = """
            set -o pipefail
            { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 -in /dev/zero 2>/dev/null || true; } \
              | head -c \(Self.transferBytes) \
              | tee >(openssl dgst -sha256 -r > '\(digestFile.path)') \
              | curl --http1.1 -sS --noproxy '*' --max-time 600 --cacert '\(pki.path("ca.pem"))' --cert '\(cert)' --key '\(key)' \
                  -T - -X POST -H 'Expect:' 'https://\(address.host):\(address.port)/sink'
            """
        let result = try run("upload", URL(fileURLWithPath: "/bin/bash"), ["-c", script], timeout: 900)
        let memory = sampler.stop()
        XCTAssertTrue(result.succeeded, "\(result)")
        let reply = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(reply?["bytes"] as? Int, Self.transferBytes, result.stdout)
        let sent = try Poll.until(timeout: 30, "the upload digest") {
            (try? String(contentsOf: digestFile, encoding: .utf8))?.split(separator: " ").first.map(String.init)
        }
        XCTAssertEqual(reply?["sha256"] as? String, sent)
        XCTAssertEqual(backend.requests.last, "POST /sink")
        assertGrowth(memory, baseline: base, "upload")
    }

    /// SHA-256 of the backend's /source pattern (byte i = i % 256) for `transferBytes`.
    private func patternDigest() throws -> String {
        let script = "python3 -c 'import sys; b=bytes(range(256))*4096; [sys.stdout.buffer.write(b) for _ in range(\(Self.transferBytes / (256 * 4096)))]' | openssl dgst -sha256 -r"
        let result = try run("pattern-digest", URL(fileURLWithPath: "/bin/bash"), ["-c", script], timeout: 300)
        guard result.succeeded, let digest = result.stdout.split(separator: " ").first else {
            throw HarnessError("could not digest the pattern:\n\(result)")
        }
        return String(digest)
    }
}
