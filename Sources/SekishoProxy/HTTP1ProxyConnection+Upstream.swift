import Logging
import SekishoCore
import SekishoHTTP1
import SekishoIO

/// The upstream half: choosing a server, taking a pooled connection or connecting, reading and
/// re-framing the response toward the client, and returning the connection to the pool.
extension HTTP1ProxyConnection {
    // MARK: Acquiring a connection

    /// Round-robin (with passive health) picks the server; its pool is tried first unless
    /// `fresh` (a retry must not meet the same kind of stale connection twice).
    func acquireUpstream(_ exchange: HTTP1Exchange, fresh: Bool) {
        var order = exchange.upstream.serverOrder()
        if fresh, let previous = exchange.server {
            order = [previous] + order.filter { $0 != previous }
        }
        // A request the retry rule can replay goes out without the pool's liveness probe: if the
        // connection was closed a moment ago it fails before any response byte and is sent again
        // on a fresh one.
        let probe = !exchange.replayableOnStaleConnection
        if !fresh, let pooled = resources.pool.checkout(upstream: exchange.upstream.name, server: order[0], probe: probe) {
            attach(pooled, to: exchange)
            return
        }
        connect(exchange, order: order)
    }

    private func connect(_ exchange: HTTP1Exchange, order: [HostPort]) {
        guard let server = order.first else {
            let error = ProxyError(.connectFailed(exchange.lastConnectFailure))
            logger.error("upstream_unreachable", metadata: [
                "event": "upstream_connect_failed", "component": "upstream", "upstream": "\(exchange.upstream.name)",
                "detail": "every server of the upstream refused or timed out",
            ])
            fail(exchange, error)
            return
        }
        let remaining = Array(order.dropFirst())
        do {
            let socket = try Socket.connect(to: SocketAddress(server), loop: loop)
            let deadline = MonotonicInstant.now().adding(exchange.upstream.config.connectTimeout)
            exchange.connecting = (socket, server, remaining, deadline)
            socket.onWritable = { [unowned self, unowned exchange] in self.connectFinished(exchange) }
            socket.setWriteInterest(true)
            armTimer()
        } catch {
            connectAttemptFailed(exchange, server: server, detail: "\(error)")
            connect(exchange, order: remaining)
        }
    }

    private func connectFinished(_ exchange: HTTP1Exchange) {
        guard let connecting = exchange.connecting, self.exchange === exchange else { return }
        exchange.connecting = nil
        do {
            try connecting.socket.finishConnect()
        } catch {
            connecting.socket.close()
            connectAttemptFailed(exchange, server: connecting.server, detail: "\(error)")
            connect(exchange, order: connecting.remaining)
            return
        }
        connecting.socket.setWriteInterest(false)
        logger.debug("upstream_connected", metadata: [
            "event": "upstream_connected", "component": "upstream", "upstream": "\(exchange.upstream.name)",
            "server": "\(connecting.server)",
        ])
        let connection = UpstreamConnection(socket: connecting.socket, upstream: exchange.upstream.name, server: connecting.server)
        attach(connection, to: exchange)
    }

    func connectTimedOut(_ exchange: HTTP1Exchange) {
        guard let connecting = exchange.connecting else { return }
        exchange.connecting = nil
        connecting.socket.close()
        connectAttemptFailed(
            exchange, server: connecting.server,
            detail: "connect timed out after \(exchange.upstream.config.connectTimeout)")
        connect(exchange, order: connecting.remaining)
    }

    private func connectAttemptFailed(_ exchange: HTTP1Exchange, server: HostPort, detail: String) {
        exchange.lastConnectFailure = "\(server): \(detail)"
        exchange.upstream.health.recordFailure(server)
        logger.warning("upstream_connect_failed", metadata: [
            "event": "upstream_connect_failed", "component": "upstream",
            "upstream": "\(exchange.upstream.name)", "server": "\(server)", "detail": "\(detail)",
        ])
    }

    /// Starts the exchange on `connection`: head out, response expected, request body resumed.
    private func attach(_ connection: UpstreamConnection, to exchange: HTTP1Exchange) {
        exchange.connection = connection
        exchange.server = connection.server
        let now = MonotonicInstant.now()
        if exchange.upstreamStartedAt == nil { exchange.upstreamStartedAt = now }
        exchange.lastUpstreamProgress = now
        connection.socket.onReadable = upstreamReadHandler
        connection.socket.onWritable = upstreamWriteHandler
        connection.parser.expectResponse(to: exchange.request.method)
        exchange.headSent = true
        guard writeUpstream(exchange, exchange.forwardedHead) else { return }
        connection.socket.setReadInterest(true)
        // RFC 9110 §10.1.1: the client waits for 100 before sending the body; sekisho has
        // taken the expectation over (it is not forwarded) and answers once the body has
        // somewhere to go.
        if exchange.request.expectContinue, exchange.hasBody, !exchange.continueSent, !exchange.requestComplete {
            exchange.continueSent = true
            guard sendToClient(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)), flushClient() else { return }
        }
        armTimer()
        if !processingRequest { pumpClient() }
    }

    // MARK: Response

    /// Reads the upstream and forwards what the response parser makes of it, while the client
    /// keeps up.
    func pumpUpstream() {
        guard case .open = phase, let exchange, let connection = exchange.connection else { return }
        if exchange.responseComplete {
            // Called after the end of the response, before the exchange finished: by a readable
            // event (read interest stays on between exchanges), or by a read pass deferred for
            // fairness that another pass overtook. Only what the socket holds decides: EOF or
            // bytes nobody asked for make the connection unusable; nothing at all (a deferred
            // pass, a spurious event) changes nothing, and the connection is pooled as usual.
            if connection.isQuiet(scratch: scratch) { return }
            exchange.upstreamReusable = false
            connection.socket.setReadInterest(false)
            return
        }
        var reads = 0
        while true {
            guard flushClient() else { return }
            if front.backlogBytes >= bufferBudget {
                // The client is slower than the upstream: stop reading the upstream until the
                // client socket drains (clientWritable resumes).
                exchange.pausedForClient = true
                connection.socket.setReadInterest(false)
                return
            }
            if exchange.pausedForClient {
                exchange.pausedForClient = false
                exchange.lastUpstreamProgress = .now()
            }
            if reads == 16 {
                loop.execute { [self] in pumpUpstream() }
                return
            }
            reads += 1
            let result: Socket.ReadResult
            do {
                result = try connection.socket.read(into: scratch.inbound)
            } catch {
                upstreamFailed(exchange, ProxyError(.upstreamIO(error)))
                return
            }
            switch result {
            case .bytes(let n):
                if exchange.responseBytesReceived == 0 { exchange.forwardedHead = [] }
                exchange.responseBytesReceived += n
                exchange.lastUpstreamProgress = .now()
                guard processResponseBytes(exchange, UnsafeRawBufferPointer(rebasing: scratch.inbound[..<n])) else { return }
            case .wouldBlock:
                connection.socket.setReadInterest(true)
                armTimer()
                return
            case .endOfFile:
                upstreamEnded(exchange)
                return
            }
        }
    }

    /// Feeds one upstream read to the response parser. Returns false when the exchange is over
    /// (complete or failed) and nothing more must be read for it.
    ///
    /// The response head is held back until the end of this read and sent together with the
    /// first body piece of the same read (when that is small and not re-chunked): one TLS record
    /// and one encryption instead of two for a typical small response, as a server that buffers
    /// its output before encrypting produces. Held bytes always go out before anything else is
    /// done with the exchange (body, end, failure), so nothing is reordered or lost.
    private func processResponseBytes(_ exchange: HTTP1Exchange, _ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let connection = exchange.connection else { return false }
        var held: [UInt8] = []
        func sendHeld() -> Bool {
            guard !held.isEmpty else { return true }
            defer { held = [] }
            return sendToClient(held)
        }
        var offset = 0
        while true {
            let step: HTTP1ParseStep<HTTP1ResponseEvent>
            do {
                step = try connection.parser.parse(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            } catch {
                guard sendHeld() else { return false }
                upstreamFailed(exchange, ProxyError(.invalidResponse(error)))
                return false
            }
            let base = offset
            offset += step.consumed
            guard let event = step.event else { return sendHeld() }
            switch event {
            case .informational(let head):
                // RFC 9110 §15.2: never to an HTTP/1.0 client.
                guard exchange.request.version == .http1_1 else { continue }
                var bytes: [UInt8] = []
                guard (try? HTTP1Serializer.writeResponseHead(HTTP1Forwarding.informational(head), into: &bytes)) != nil else { continue }
                guard sendToClient(bytes) else { return false }
            case .head(let head):
                held.reserveCapacity(min(buffer.count - base, Self.coalescedBodyLimit) + 1_024)
                guard startClientResponse(exchange, head, into: &held) else { return false }
            case .body(let range):
                let piece = UnsafeRawBufferPointer(rebasing: buffer[(base + range.lowerBound)..<(base + range.upperBound)])
                if !held.isEmpty, exchange.responseEncoding != .chunked, piece.count <= Self.coalescedBodyLimit {
                    held.append(contentsOf: piece)
                    continue
                }
                guard sendHeld(), sendResponseBody(exchange, piece) else { return false }
            case .end(let trailers):
                guard sendHeld() else { return false }
                // Bytes after the end of the response were not asked for: the connection's
                // framing can no longer be trusted.
                if offset < buffer.count { exchange.upstreamReusable = false }
                finishResponse(exchange, trailers: trailers)
                return false
            }
        }
    }

    /// The largest body piece copied behind a held response head (one TLS record's worth).
    static let coalescedBodyLimit = 16 * 1_024

    /// Writes the client's response head into `bytes` (the caller sends it). False if the
    /// exchange failed.
    private func startClientResponse(_ exchange: HTTP1Exchange, _ head: HTTP1ResponseHead, into bytes: inout [UInt8]) -> Bool {
        let keepAlive = !exchange.closeClientAfter && !draining && exchange.requestFullyRead
        let response: (encoding: BodyEncoding, closesClient: Bool)
        var failure: (any Error)?
        do {
            response = try HTTP1Forwarding.writeClientResponse(
                head, clientVersion: exchange.request.version, keepAlive: keepAlive, hsts: http.settings.hsts, into: &bytes)
        } catch {
            // The exchange still records the response it could not send, then fails.
            let refused = HTTP1Forwarding.clientResponse(
                head, clientVersion: exchange.request.version, keepAlive: keepAlive, hsts: http.settings.hsts)
            response = (refused.encoding, refused.closesClient)
            failure = error
        }
        exchange.responseEncoding = response.encoding
        exchange.closeClientAfter = response.closesClient
        exchange.status = head.status
        if !head.keepAlive { exchange.upstreamReusable = false }
        if let failure {
            upstreamFailed(exchange, ProxyError(.serialization("\(failure)")))
            return false
        }
        exchange.responseStarted = true
        return true
    }

    private func sendResponseBody(_ exchange: HTTP1Exchange, _ bytes: UnsafeRawBufferPointer) -> Bool {
        switch exchange.responseEncoding {
        case .chunked:
            var ok = true
            forEachChunk(of: bytes) { framed in
                ok = sendToClient(framed)
                return ok
            }
            return ok
        case .contentLength, .untilClose, .none:
            return sendToClient(bytes)
        }
    }

    private func finishResponse(_ exchange: HTTP1Exchange, trailers: HTTP1Fields) {
        if exchange.responseEncoding == .chunked {
            var last: [UInt8] = []
            if (try? HTTP1Serializer.writeLastChunk(trailers: HTTP1Forwarding.clientTrailers(trailers), into: &last)) == nil {
                last = Array("0\r\n\r\n".utf8)
            }
            guard sendToClient(last) else { return }
        }
        exchange.responseComplete = true
        if let server = exchange.server { exchange.upstream.health.recordSuccess(server) }
        guard flushClient() else { return }
        if exchange.requestComplete || exchange.closeClientAfter {
            finishExchange(exchange)
        }
        // Otherwise the rest of a body-less request's parse (`.end`) finishes it.
    }

    /// The upstream closed its side.
    private func upstreamEnded(_ exchange: HTTP1Exchange) {
        guard let connection = exchange.connection else { return }
        exchange.upstreamReusable = false
        do {
            if case .end(let trailers)? = try connection.parser.eof() {
                // A close-delimited body ends here (RFC 9112 §6.3 ¶8).
                finishResponse(exchange, trailers: trailers)
            } else {
                upstreamFailed(exchange, ProxyError(.closedBeforeResponse))
            }
        } catch .connectionClosedBeforeResponse {
            upstreamFailed(exchange, ProxyError(.closedBeforeResponse))
        } catch {
            upstreamFailed(exchange, ProxyError(.invalidResponse(error)))
        }
    }

    // MARK: End of an exchange

    /// Both halves are done (or the request will never be read further): log, return the
    /// upstream connection to the pool if it is clean, then close or go on with the next
    /// request.
    func finishExchange(_ exchange: HTTP1Exchange) {
        guard self.exchange === exchange else { return }
        self.exchange = nil
        logAccess(exchange)
        if let connection = exchange.connection {
            exchange.connection = nil
            connection.socket.onReadable = nil
            connection.socket.onWritable = nil
            connection.socket.setWriteInterest(false)
            let clean = exchange.upstreamReusable && exchange.requestComplete && exchange.toUpstream.isEmpty
                && connection.parser.isIdle && connection.parser.outstandingResponses == 0
            if clean {
                connection.exchangeCompleted()
                let settings = exchange.upstream.config.http
                resources.pool.checkin(connection, maxIdle: settings.maxIdle, idleTimeout: settings.idleTimeout)
            } else {
                connection.socket.close()
            }
        }
        exchange.dropUpstream()
        if exchange.closeClientAfter || draining {
            beginClose()
            return
        }
        armTimer()
        // A pipelined request may be waiting in `pendingRequest`.
        if !processingRequest { pumpClient(afterExchange: true) }
    }
}
