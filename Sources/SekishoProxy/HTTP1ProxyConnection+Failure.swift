import Logging
import SekishoCore
import SekishoHTTP1

/// What happens when an exchange fails (`FailurePolicy` decides), responses sekisho makes
/// itself, and the access log line of each request.
extension HTTP1ProxyConnection {
    /// An upstream-side failure of `exchange`: the connection is dropped (never pooled), the
    /// server's health is charged when the failure is its own, and the request is retried,
    /// answered with an error status, or the client is cut off.
    func upstreamFailed(_ exchange: HTTP1Exchange, _ error: ProxyError) {
        guard self.exchange === exchange, case .open = phase else { return }
        let reused = exchange.connection?.isReused ?? false
        let facts = exchange.failureFacts
        if let server = exchange.server, error.countsAgainstServer(connectionWasReused: reused) {
            exchange.upstream.health.recordFailure(server)
        }
        exchange.dropUpstream()
        let action = FailurePolicy.decide(error, facts)
        let level: Logger.Level = action == .retryOnFreshConnection ? .info : .warning
        logger.log(level: level, "upstream_failed", metadata: [
            "event": "upstream_failed", "component": "upstream", "upstream": "\(exchange.upstream.name)",
            "server": "\(exchange.server.map { "\($0)" } ?? "-")", "reason": "\(error.reason)",
            "detail": "\(error.description)", "reused": "\(reused)", "action": "\(Self.describe(action))",
            "method": "\(exchange.request.method)", "target": "\(exchange.request.target)",
        ])
        switch action {
        case .retryOnFreshConnection:
            exchange.retried = true
            exchange.headSent = false
            exchange.upstreamReusable = true
            acquireUpstream(exchange, fresh: true)
        case .respond(_, let closeClient):
            if closeClient { exchange.closeClientAfter = true }
            respondLocally(exchange, error)
        case .abortClient:
            exchange.error = error.reason
            abort(reason: error.reason, detail: error.description, level: .warning, reset: true)
        }
    }

    /// Every server failed to connect.
    func fail(_ exchange: HTTP1Exchange, _ error: ProxyError) {
        upstreamFailed(exchange, error)
    }

    private static func describe(_ action: FailurePolicy.Action) -> String {
        switch action {
        case .retryOnFreshConnection: return "retry"
        case .respond(let status, _): return "respond_\(status)"
        case .abortClient: return "abort_client"
        }
    }

    /// Answers `exchange` with the error's status and a short body. The client connection
    /// stays open only if the whole request was read (unread bytes would be taken as the next
    /// request) and nothing else asked for a close.
    func respondLocally(_ exchange: HTTP1Exchange, _ error: ProxyError) {
        exchange.dropUpstream()
        let closes = exchange.closeClientAfter || !exchange.requestFullyRead || draining
        exchange.closeClientAfter = closes
        exchange.status = error.status
        exchange.error = error.reason
        exchange.respondedLocally = true
        exchange.responseStarted = true
        exchange.responseComplete = true
        let bytes = HTTP1Forwarding.localResponse(
            status: error.status, closes: closes, isHead: exchange.request.method == .head, hsts: http.settings.hsts)
        guard sendToClient(bytes), flushClient() else { return }
        if exchange.requestComplete || closes {
            finishExchange(exchange)
        }
        // Otherwise `.end` of this body-less request is still to be parsed; it finishes it.
    }

    // MARK: Access log

    func accessRecordBase() -> AccessRecord {
        AccessRecord(
            connection: "\(id)", listener: generation.config.name, client: clientAddress,
            subject: peer?.subject, fingerprint: peer?.sha256Fingerprint, tlsVersion: tlsVersion, cipher: cipher
        )
    }

    func logAccess(_ exchange: HTTP1Exchange) {
        guard http.accessLog.isEnabled else { return }
        let now = MonotonicInstant.now()
        var record = accessRecordBase()
        record.method = exchange.request.method.rawValue
        record.target = exchange.request.target
        record.host = exchange.hostName
        record.status = exchange.status
        record.bytesIn = exchange.bytesIn
        record.bytesOut = exchange.bytesOut
        record.upstream = exchange.upstream.name
        record.server = exchange.server.map { "\($0)" }
        if let started = exchange.upstreamStartedAt {
            record.upstreamMilliseconds = Int(started.nanoseconds(until: now) / 1_000_000)
        }
        record.totalMilliseconds = Int(exchange.startedAt.nanoseconds(until: now) / 1_000_000)
        record.retried = exchange.retried
        record.error = exchange.error
        http.accessLog.write(record)
    }
}
