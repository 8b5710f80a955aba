import Foundation
import SekishoConfig

#if canImport(Glibc)
import Glibc
#endif

/// One line per HTTP request (`access_log`), as `key=value` text or a JSON object, written with
/// one `write(2)` so lines from different loops never interleave.
///
/// Fields (stable names, API like the event log's): `time` (UTC, milliseconds), `conn`,
/// `listener`, `client` (address:port), `subject` and `sha256` of the client certificate (absent
/// without one), `tls_version`, `cipher`, `method`, `target`, `host`, `status` (0 when no
/// response was sent), `bytes_in` (request head and body as received), `bytes_out` (response
/// head and body as sent), `upstream`, `server`, `upstream_ms` (request sent upstream to response
/// end), `total_ms` (request head complete to response end), `retried` (true when the request
/// was replayed on a fresh upstream connection), and `error` (why sekisho answered itself or
/// cut the exchange short). Values from the network are truncated and escaped as in the event
/// log.
final class AccessLog: Sendable {
    private let format: LogFormat
    private let sink: LogSink?

    init(settings: AccessLogSettings) {
        self.format = settings.format
        switch settings.output {
        case .stdout: sink = AccessLog.standardOutput
        case .stderr: sink = LogSink.standardError
        case .off: sink = nil
        }
    }

    init(format: LogFormat, sink: LogSink?) {
        self.format = format
        self.sink = sink
    }

    private static let standardOutput = LogSink(handle: FileHandle.standardOutput)

    var isEnabled: Bool { sink != nil }

    func write(_ record: AccessRecord) {
        guard let sink else { return }
        sink.write(render(record) + "\n")
    }

    func render(_ record: AccessRecord) -> String {
        let fields = record.fields()
        switch format {
        case .json:
            var out = "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { out += "," }
                out += SekishoLogHandler.jsonString(field.key) + ":"
                switch field.value {
                case .text(let s): out += SekishoLogHandler.jsonString(SekishoLogHandler.truncate(s))
                case .number(let n): out += String(n)
                case .flag(let b): out += b ? "true" : "false"
                }
            }
            return out + "}"
        case .text:
            var out = ""
            for (index, field) in fields.enumerated() {
                if index > 0 { out += " " }
                let value: String
                switch field.value {
                case .text(let s): value = SekishoLogHandler.quoteIfNeeded(SekishoLogHandler.escapeText(SekishoLogHandler.truncate(s)))
                case .number(let n): value = String(n)
                case .flag(let b): value = b ? "true" : "false"
                }
                out += "\(field.key)=\(value)"
            }
            return out
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` from the wall clock (a log time, never a deadline).
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}

/// What one request looked like, for the access log.
struct AccessRecord: Sendable, Equatable {
    enum Value: Sendable, Equatable {
        case text(String)
        case number(Int)
        case flag(Bool)
    }

    var time = AccessLog.timestamp()
    var connection: String
    var listener: String
    var client: String
    var subject: String?
    var fingerprint: String?
    var tlsVersion: String?
    var cipher: String?
    var method: String?
    var target: String?
    var host: String?
    var status = 0
    var bytesIn = 0
    var bytesOut = 0
    var upstream: String?
    var server: String?
    var upstreamMilliseconds: Int?
    var totalMilliseconds = 0
    var retried = false
    var error: String?

    /// In output order; absent values are left out.
    func fields() -> [(key: String, value: Value)] {
        var out: [(key: String, value: Value)] = [
            ("time", .text(time)), ("conn", .text(connection)), ("listener", .text(listener)), ("client", .text(client)),
        ]
        if let subject { out.append(("subject", .text(subject))) }
        if let fingerprint { out.append(("sha256", .text(fingerprint))) }
        if let tlsVersion { out.append(("tls_version", .text(tlsVersion))) }
        if let cipher { out.append(("cipher", .text(cipher))) }
        if let method { out.append(("method", .text(method))) }
        if let target { out.append(("target", .text(target))) }
        if let host { out.append(("host", .text(host))) }
        out.append(("status", .number(status)))
        out.append(("bytes_in", .number(bytesIn)))
        out.append(("bytes_out", .number(bytesOut)))
        if let upstream { out.append(("upstream", .text(upstream))) }
        if let server { out.append(("server", .text(server))) }
        if let upstreamMilliseconds { out.append(("upstream_ms", .number(upstreamMilliseconds))) }
        out.append(("total_ms", .number(totalMilliseconds)))
        if retried { out.append(("retried", .flag(true))) }
        if let error { out.append(("error", .text(error))) }
        return out
    }
}
