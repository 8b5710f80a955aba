import Histogram
import SekishoCore

/// Measurements of one loop, touched only on that loop's queue; merged at the end of a run.
struct LoopStats {
    /// Highest latency the histogram tracks; slower operations are recorded at this value
    /// (and they would have hit `--timeout` long before).
    static let highestTrackableNanoseconds: UInt64 = 600_000_000_000

    /// Latency of measured operations, nanoseconds, three significant digits.
    var latency = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: highestTrackableNanoseconds,
        numberOfSignificantValueDigits: .three)
    /// Measured operations.
    var operations = 0
    /// Completion time of the last measured operation (closes the window of `--requests` runs).
    var lastMeasuredEnd: MonotonicInstant?
    /// Bytes on the wire (ciphertext with TLS) after warm-up, both directions.
    var wireBytesSent = 0
    var wireBytesReceived = 0
    /// HTTP body bytes of measured operations.
    var bodyBytesSent = 0
    var bodyBytesReceived = 0
    /// Handshakes finished after warm-up, by kind.
    var fullHandshakes = 0
    var resumedHandshakes = 0
    /// TCP connections opened after warm-up.
    var connectionsOpened = 0
    /// Errors after warm-up by kind (see `BenchErrorKind`).
    var errors: [String: Int] = [:]
    /// First negotiated parameters seen (version, suite, server key), for the report.
    var negotiated: NegotiatedTLS?

    mutating func recordLatency(_ nanoseconds: UInt64) {
        _ = latency.record(min(max(nanoseconds, 1), Self.highestTrackableNanoseconds))
    }

    mutating func recordError(_ kind: String) {
        errors[kind, default: 0] += 1
    }

    mutating func merge(_ other: LoopStats) {
        latency.add(other.latency)
        operations += other.operations
        if let end = other.lastMeasuredEnd, end > (lastMeasuredEnd ?? end) || lastMeasuredEnd == nil {
            lastMeasuredEnd = end
        }
        wireBytesSent += other.wireBytesSent
        wireBytesReceived += other.wireBytesReceived
        bodyBytesSent += other.bodyBytesSent
        bodyBytesReceived += other.bodyBytesReceived
        fullHandshakes += other.fullHandshakes
        resumedHandshakes += other.resumedHandshakes
        connectionsOpened += other.connectionsOpened
        for (kind, count) in other.errors { errors[kind, default: 0] += count }
        if negotiated == nil { negotiated = other.negotiated }
    }
}

/// What the server negotiated with this client, for the report's header.
struct NegotiatedTLS: Sendable, Codable, Equatable {
    var version: String
    var cipherSuite: String
    /// The server certificate's key, e.g. "EC P-256" or "RSA 2048".
    var serverKey: String
    var alpn: String?
}
