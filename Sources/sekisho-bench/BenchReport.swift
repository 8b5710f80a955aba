import Foundation
import Histogram
import SekishoCore

/// The result of a run: printed as a table, or as JSON with `--json` (same fields). The JSON
/// keys are an interface (scripts/bench/compare.sh reads them); add, never rename.
struct BenchReport: Codable {
    struct Settings: Codable {
        var connections: Int
        var loops: Int
        var pipeline: Int?
        var warmupSeconds: Double
        var durationSeconds: Double?
        var requests: Int?
        var rate: Double?
        var path: String?
        var uploadBytes: Int?
        var downloadBytes: Int?
        /// "1.2", "1.3", or "any".
        var tlsVersion: String?
        var sigalgs: String?
        var groups: String?
    }

    struct TLSSummary: Codable {
        var negotiated: NegotiatedTLS?
        var fullHandshakes: Int
        var resumedHandshakes: Int
    }

    /// Microseconds.
    struct Latency: Codable {
        var min: Double
        var mean: Double
        var p50: Double
        var p90: Double
        var p99: Double
        var p999: Double
        var max: Double
        var stdDev: Double
    }

    struct Bytes: Codable {
        /// On the wire (TLS records included) after warm-up, both directions.
        var wireSent: Int
        var wireReceived: Int
        /// HTTP body bytes of measured operations.
        var bodySent: Int
        var bodyReceived: Int
        /// (bodySent + bodyReceived) / elapsedSeconds.
        var bodyBytesPerSecond: Double
    }

    struct Errors: Codable {
        var total: Int
        var byKind: [String: Int]
    }

    struct Client: Codable {
        /// User + system CPU of this process during the measurement window.
        var cpuSeconds: Double
        /// Per cent of one core.
        var cpuPercent: Double
        /// Measured operations per second of client CPU: the tool's own cost, for judging
        /// how much of a shared machine it took.
        var operationsPerCPUSecond: Double?
    }

    var tool = "sekisho-bench"
    var version = SekishoVersion.string
    var scenario: String
    var target: String
    /// "tls" or "plain".
    var transport: String
    var settings: Settings
    var tls: TLSSummary?
    var elapsedSeconds: Double
    var operations: Int
    var operationsPerSecond: Double
    var latencyMicroseconds: Latency?
    var bytes: Bytes
    var errors: Errors
    var connectionsOpened: Int
    /// `idle`: the most connections established at once.
    var peakEstablished: Int?
    var client: Client

    static func latency(_ histogram: Histogram<UInt64>) -> Latency? {
        guard histogram.totalCount > 0 else { return nil }
        func us(_ nanoseconds: UInt64) -> Double { (Double(nanoseconds) / 100).rounded() / 10 }
        func usD(_ nanoseconds: Double) -> Double { (nanoseconds / 100).rounded() / 10 }
        return Latency(
            min: us(histogram.min),
            mean: usD(histogram.mean),
            p50: us(histogram.valueAtPercentile(50)),
            p90: us(histogram.valueAtPercentile(90)),
            p99: us(histogram.valueAtPercentile(99)),
            p999: us(histogram.valueAtPercentile(99.9)),
            max: us(histogram.max),
            stdDev: usD(histogram.stdDeviation))
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The human-readable summary.
    func table() -> String {
        var lines: [String] = []
        var head = "sekisho-bench \(scenario) → \(target)"
        if let n = tls?.negotiated {
            head += "  \(n.version) \(n.cipherSuite), server key \(n.serverKey)"
        } else if transport == "plain" {
            head += "  (plain TCP, no TLS)"
        }
        lines.append(head)
        var setup = "  \(settings.connections) connections, \(settings.loops) loop\(settings.loops == 1 ? "" : "s")"
        if let p = settings.pipeline, p > 1 { setup += ", pipeline \(p)" }
        if let r = settings.rate { setup += ", paced at \(Self.count(r))/s" }
        setup += ", warm-up \(Self.seconds(settings.warmupSeconds)), measured \(Self.seconds(elapsedSeconds))"
        lines.append(setup)
        lines.append(row("operations", "\(Self.count(Double(operations)))   \(Self.count(operationsPerSecond))/s"))
        if let l = latencyMicroseconds {
            lines.append(row("latency", "p50 \(Self.ms(l.p50))  p90 \(Self.ms(l.p90))  p99 \(Self.ms(l.p99))  "
                + "p99.9 \(Self.ms(l.p999))  max \(Self.ms(l.max))  (mean \(Self.ms(l.mean)))"))
        } else {
            lines.append(row("latency", "no measured operations"))
        }
        if let t = tls {
            lines.append(row("handshakes", "full \(Self.count(Double(t.fullHandshakes)))  resumed \(Self.count(Double(t.resumedHandshakes)))"))
        }
        var traffic = "wire sent \(Self.bytes(bytes.wireSent))  received \(Self.bytes(bytes.wireReceived))"
        if bytes.bodySent + bytes.bodyReceived > 0 {
            traffic += "   bodies \(Self.bytes(bytes.bodySent + bytes.bodyReceived)) "
                + "(\(Self.bytes(Int(bytes.bodyBytesPerSecond)))/s)"
        }
        lines.append(row("bytes", traffic))
        lines.append(row("connections", "opened \(Self.count(Double(connectionsOpened)))"
            + (peakEstablished.map { "  peak established \(Self.count(Double($0)))" } ?? "")))
        if errors.total == 0 {
            lines.append(row("errors", "0"))
        } else {
            let kinds = errors.byKind.sorted { $0.value > $1.value }.map { "\($0.key) \(Self.count(Double($0.value)))" }
            lines.append(row("errors", "\(Self.count(Double(errors.total)))   " + kinds.joined(separator: ", ")))
        }
        lines.append(row("client cpu", String(format: "%.2f s (%.0f%% of a core)", client.cpuSeconds, client.cpuPercent)))
        return lines.joined(separator: "\n") + "\n"
    }

    private func row(_ label: String, _ value: String) -> String {
        "  " + label.padding(toLength: 13, withPad: " ", startingAt: 0) + value
    }

    static func count(_ value: Double) -> String {
        if value >= 100 || value == value.rounded() {
            let formatter = NumberFormatter()
            formatter.numberStyle = .decimal
            formatter.maximumFractionDigits = 0
            return formatter.string(from: NSNumber(value: value.rounded())) ?? "\(Int(value))"
        }
        return String(format: "%.1f", value)
    }

    static func ms(_ microseconds: Double) -> String {
        microseconds >= 1000 ? String(format: "%.2fms", microseconds / 1000) : String(format: "%.0fµs", microseconds)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1fs", value) }

    static func bytes(_ value: Int) -> String {
        let v = Double(value)
        let kib = 1_024.0, mib = kib * kib, gib = mib * kib
        if v >= gib { return String(format: "%.2f GiB", v / gib) }
        if v >= mib { return String(format: "%.1f MiB", v / mib) }
        if v >= kib { return String(format: "%.1f KiB", v / kib) }
        return "\(value) B"
    }
}
