import SekishoCore
import SekishoHTTP1
import SekishoIO
import SekishoTLS

/// What one connection slot does, over and over, until the run stops.
enum Workload: Sendable {
    /// One operation = TCP connect + TLS handshake (full, or resumed from the previous
    /// operation's session) + one `GET` with `Connection: close` + close.
    case handshake(resume: Bool)
    /// One operation = one request and its whole response on a kept-alive connection
    /// (reconnecting only when the server closes). `h1` and `body` use this.
    case requests(RequestShape)
    /// One operation = connect + handshake; the connection is then held open, idle, until
    /// the run stops (for memory-per-connection measurements).
    case idle(concurrentHandshakes: Int)

    var name: String {
        switch self {
        case .handshake: return "handshake"
        case .requests(let shape): return shape.scenario
        case .idle: return "idle"
        }
    }
}

/// The request a `.requests` workload sends, serialized once.
struct RequestShape: Sendable {
    /// "h1" or "body", for the report.
    var scenario: String
    var method: HTTP1Method
    /// The request head, ready to send (HTTP1Serializer output).
    var head: [UInt8]
    /// Request body bytes generated after the head (`Content-Length` framing).
    var uploadBytes: Int
    /// Requests written back to back before the first response is read (HTTP/1.1
    /// pipelining, RFC 9112 §9.3.2); 1 = one request in flight per connection.
    var pipeline: Int
}

/// Everything a run needs, immutable and shared by every loop.
struct BenchPlan: Sendable {
    var target: HostPort
    var address: SocketAddress
    /// nil: plain TCP (no TLS), used to measure a backend or the tool itself.
    var tls: TLSClientContext?
    var serverName: String?
    var workload: Workload
    /// The request of a `.handshake` operation (`Connection: close`).
    var handshakeRequest: [UInt8]
    var connections: Int
    var loops: Int
    var warmupNanoseconds: UInt64
    /// nil with `requests` set: run until that many operations were measured.
    var durationNanoseconds: UInt64?
    var requests: Int?
    /// Operations per second over all connections; nil = as fast as responses come back.
    var rate: Double?
    var timeoutNanoseconds: UInt64

    /// Nanoseconds between two operation starts on one connection when paced.
    var pacingIntervalNanoseconds: UInt64? {
        guard let rate, rate > 0 else { return nil }
        return UInt64((Double(connections) / rate * 1e9).rounded())
    }
}
