import Logging
import SekishoCore
import SekishoHTTP1
import SekishoIO

/// The request half: decrypting, parsing (zero-copy: body ranges point into the loop's
/// plaintext scratch), routing, and forwarding heads and bodies upstream.
extension HTTP1ProxyConnection {
    /// Whether the parser may consume more request bytes now. Between requests: yes (unless
    /// draining). During an exchange: only the current request's own bytes, once its head is
    /// on its way upstream, while the upstream keeps up; never the next request's
    /// (pipelining: it waits until this response is complete).
    var wantsRequestBytes: Bool {
        guard case .open = phase else { return false }
        guard let exchange else { return !draining }
        if exchange.requestComplete { return false }
        if !exchange.hasBody { return true }  // only `.end` is left, without any byte
        if exchange.respondedLocally { return false }
        return exchange.headSent && exchange.toUpstream.readableBytes < bufferBudget
    }

    /// Reads and parses client input as far as the state allows, then sets read interest.
    ///
    /// Read interest is switched off only when the socket reported input that cannot be taken
    /// now: a readable event (`fromReadable`) on which not one byte could be taken. Not when a
    /// request has just been read whole and its exchange begins: a client that waits for its
    /// response sends nothing, and suspending and resuming a Dispatch source costs two
    /// wake-ups of Dispatch's event thread (an eventfd write and a thread switch each), per
    /// request. Input that does arrive during the exchange (a pipelined request, a FIN) comes
    /// back as a readable event that takes nothing, and only then is interest switched off.
    ///
    /// `afterExchange`: called when a response has gone out. Buffered input is processed, but
    /// with read interest on the socket is not read: bytes already there make the read source
    /// fire, and a read that finds nothing (the usual case, as a client waits for its response
    /// before it sends the next request) would be a system call per request for nothing.
    func pumpClient(fromReadable: Bool = false, afterExchange: Bool = false) {
        guard case .open = phase, !processingRequest else { return }
        var socketReads = 0
        // Whether this call could take input at all; if it could not, the readable event that
        // caused it reported input that has to wait.
        var couldTakeInput = false
        while case .open = phase {
            guard wantsRequestBytes else {
                if fromReadable, !couldTakeInput { front.socket.setReadInterest(false) }
                return
            }
            couldTakeInput = true
            if !pendingRequest.isEmpty || parserOwesCall {
                // Moved out while it is parsed: the handlers called from parsing may close the
                // connection, which clears `pendingRequest`.
                var pending = pendingRequest
                pendingRequest = ByteBuffer()
                let consumed = pending.withReadableBytes { processRequestBytes($0) }
                guard case .open = phase else { return }
                pending.consume(consumed)
                pendingRequest = pending
                if !pendingRequest.isEmpty || parserOwesCall { continue }
            }
            if clientInputEnded {
                clientFinishedSending()
                return
            }
            switch front.tls.readPlaintext(into: scratch.plaintext) {
            case .bytes(let n):
                let chunk = UnsafeRawBufferPointer(rebasing: scratch.plaintext[..<n])
                let consumed = processRequestBytes(chunk)
                guard case .open = phase else { return }
                if consumed < n {
                    pendingRequest.append(UnsafeRawBufferPointer(rebasing: chunk[consumed...]))
                }
            case .needsInput:
                // Reading may have produced TLS output (a KeyUpdate reply, a ticket).
                guard flushClient() else { return }
                if socketReads == 16 {
                    // Fairness: let the other connections of this loop run, then continue.
                    loop.execute { [self] in pumpClient() }
                    return
                }
                if afterExchange, front.socket.isReadInterestOn {
                    armTimer()
                    return
                }
                socketReads += 1
                switch front.readIntoTLS() {
                case .gotBytes:
                    continue
                case .wouldBlock:
                    front.socket.setReadInterest(true)
                    armTimer()
                    return
                case .endOfFile:
                    // FIN without close_notify: a truncation (routine for browsers).
                    clientInputEnded = true
                case .failed(let error):
                    abort(reason: "client_io_error", detail: "\(error)", level: error.isPeerReset ? .info : .warning)
                    return
                }
            case .closed:
                clientInputEnded = true
            case .failed(let error):
                abort(reason: "tls_error", detail: "\(error)", level: .info)
                return
            }
        }
    }

    /// Parses `buffer` from its start, acting on each event, for as long as the state wants
    /// request bytes. Returns how many bytes were consumed; the caller keeps the rest.
    func processRequestBytes(_ buffer: UnsafeRawBufferPointer) -> Int {
        processingRequest = true
        defer { processingRequest = false }
        var offset = 0
        while wantsRequestBytes {
            let step: HTTP1ParseStep<HTTP1RequestEvent>
            do {
                step = try parser.value.parse(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            } catch {
                requestFailed(error)
                return offset
            }
            let base = offset
            offset += step.consumed
            countRequestBytes(step.consumed)
            guard let event = step.event else {
                parserOwesCall = false
                noteHeadProgress()
                return offset
            }
            parserOwesCall = true
            // One method per event: keeps the optional `exchange` out of this loop (a release
            // build of Swift 6.3 miscompiled borrows of it here).
            switch event {
            case .head(let head):
                startExchange(head)
            case .body(let range):
                forwardBodyOfCurrentRequest(UnsafeRawBufferPointer(rebasing: buffer[(base + range.lowerBound)..<(base + range.upperBound)]))
            case .end(let trailers):
                finishCurrentRequest(trailers: trailers)
            }
        }
        return offset
    }

    private func countRequestBytes(_ count: Int) {
        if let exchange {
            exchange.bytesIn += count
        } else {
            bytesBeforeExchange += count
        }
    }

    /// The first bytes of a request head arrived: the header timeout starts.
    private func noteHeadProgress() {
        guard exchange == nil, headStartedAt == nil, requestInProgress else { return }
        headStartedAt = .now()
        armTimer()
    }

    private func forwardBodyOfCurrentRequest(_ bytes: UnsafeRawBufferPointer) {
        guard let exchange else { preconditionFailure("request body outside an exchange") }
        forwardBody(exchange, bytes)
    }

    private func finishCurrentRequest(trailers: HTTP1Fields) {
        guard let exchange else { preconditionFailure("request end outside an exchange") }
        finishRequest(exchange, trailers: trailers)
    }

    /// The client will send nothing more (FIN or close_notify).
    func clientFinishedSending() {
        do {
            // No parser: nothing of a request arrived, which is a clean end like an idle one.
            try requestParser?.value.eof()
        } catch {
            // Mid-message: mid-head gets no answer (there is no request to answer), a cut body
            // means the upstream got a partial request.
            if let exchange {
                exchange.dropUpstream()
                if exchange.responseStarted {
                    abort(reason: "client_gone", detail: "the client closed in the middle of its request", level: .info, reset: true)
                    return
                }
                exchange.error = "client_gone"
                logAccess(exchange)
                self.exchange = nil
            }
            beginClose()
            return
        }
        // Between requests, or after a complete request: finish the response in hand, then close.
        if let exchange {
            exchange.closeClientAfter = true
            front.socket.setReadInterest(false)
        } else {
            beginClose()
        }
    }

    // MARK: Head

    func startExchange(_ head: HTTP1RequestHead) {
        // Forwarding demands the policy's proof (`VerifiedPeer`, which only `ClientPolicy`
        // makes): whatever path led here, a client the policy never admitted gets no request
        // to an upstream.
        guard front.verifiedPeer != nil else {
            abort(reason: "not_admitted", detail: "a request arrived before the client policy admitted the client", level: .error)
            return
        }
        headStartedAt = nil
        let hostName = (head.headers.first(named: "Host") ?? head.authority).map(RequestAuthority.hostName)
        let route = http.router.route(host: hostName, target: head.originFormTarget)
        let upstreamName = route?.upstream ?? http.router.defaultUpstream
        guard let upstream = http.upstreams[upstreamName] else {
            // The validator checks every route's upstream; reaching this is a sekisho bug.
            preconditionFailure("route to upstream '\(upstreamName)' which the generation does not have")
        }
        let exchange = HTTP1Exchange(request: head, upstream: upstream, hostName: hostName, now: .now())
        exchange.bytesIn = bytesBeforeExchange
        bytesBeforeExchange = 0
        exchange.closeClientAfter = !head.keepAlive || draining
        self.exchange = exchange

        guard RequestAuthority.agrees(sni: front.tls.serverName, host: hostName) else {
            logger.info("misdirected_request", metadata: [
                "event": "request_refused", "component": "h1", "reason": "misdirected_request",
                "sni": "\(front.tls.serverName ?? "-")", "host": "\(hostName ?? "-")",
            ])
            respondLocally(exchange, ProxyError(.misdirected))
            return
        }
        // The route's own client policy, on top of the listener's (which passed at the
        // handshake). A refused request is answered here and never reaches the upstream; the
        // connection stays usable as after any local answer (closed only when a body is unread).
        if let route, let policy = route.policy, case .deny(let rule, let detail) = policy.evaluate(peer) {
            logger.info("request_refused", metadata: [
                "event": "request_refused", "component": "h1", "reason": "\(rule)", "detail": "\(detail)",
                "route": "\(route.label)", "upstream": "\(route.upstream)",
                "subject": "\(peer?.subject ?? "-")", "sha256": "\(peer?.sha256Fingerprint ?? "-")",
            ])
            respondLocally(exchange, ProxyError(.policyDenied(rule: rule)))
            return
        }
        let context = requestContext()
        // Written straight into bytes (HTTP1Forwarding+Wire.swift), with room reserved for
        // the identity block so that the array grows once, not once per doubling.
        exchange.forwardedHead.reserveCapacity((context.identityBlock?.count ?? 0) + 1_024)
        let encoding: BodyEncoding
        do {
            encoding = try HTTP1Forwarding.writeUpstreamRequest(head, context: context, into: &exchange.forwardedHead)
        } catch {
            respondLocally(exchange, ProxyError(.serialization("\(error)")))
            return
        }
        exchange.requestEncoding = encoding
        acquireUpstream(exchange, fresh: false)
    }

    // MARK: Body

    /// Forwards one piece of request body, re-framed for the upstream.
    func forwardBody(_ exchange: HTTP1Exchange, _ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        exchange.bodyBytesForwarded += bytes.count
        // From here on the request cannot be replayed: the bytes are not kept.
        exchange.forwardedHead = []
        switch exchange.requestEncoding {
        case .chunked:
            forEachChunk(of: bytes) { framed in writeUpstream(exchange, framed) }
        case .contentLength, .untilClose, .none:
            _ = writeUpstream(exchange, bytes)
        }
    }

    /// Frames `bytes` as chunks in the loop's staging buffer (header, data and CRLF together,
    /// so each goes out in one write) and hands each to `body`; stops when it returns false.
    func forEachChunk(of bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Bool) {
        let staging = scratch.staging
        // Room for the size line (up to 16 hex digits + CRLF) and the trailing CRLF.
        let maxData = staging.count - 20
        var offset = 0
        while offset < bytes.count {
            let n = min(maxData, bytes.count - offset)
            var used = HTTP1Serializer.writeChunkHeader(size: n, into: staging)
            UnsafeMutableRawBufferPointer(rebasing: staging[used..<(used + n)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
            used += n
            staging[used] = 0x0D
            staging[used + 1] = 0x0A
            used += 2
            guard body(UnsafeRawBufferPointer(rebasing: staging[..<used])) else { return }
            offset += n
        }
    }

    func finishRequest(_ exchange: HTTP1Exchange, trailers: HTTP1Fields) {
        exchange.requestComplete = true
        if exchange.requestEncoding == .chunked, !exchange.respondedLocally {
            var last: [UInt8] = []
            do {
                try HTTP1Serializer.writeLastChunk(
                    trailers: HTTP1Forwarding.upstreamTrailers(trailers, identity: http.identity), into: &last)
            } catch {
                // Trailer values passed the parser, so they serialize; drop them if not.
                last = Array("0\r\n\r\n".utf8)
            }
            guard writeUpstream(exchange, last) else { return }
        }
        // The response timeout runs from here.
        exchange.lastUpstreamProgress = .now()
        if exchange.responseComplete {
            finishExchange(exchange)
        } else {
            armTimer()
        }
    }

    // MARK: Writing upstream

    /// Writes request bytes to the upstream; what the socket does not take is parked in
    /// `toUpstream` (order kept). Returns false if the exchange failed.
    @discardableResult
    func writeUpstream(_ exchange: HTTP1Exchange, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let connection = exchange.connection else { return false }
        if !exchange.toUpstream.isEmpty {
            exchange.toUpstream.append(bytes)
            return true
        }
        do {
            let written = try connection.socket.write(bytes) ?? 0
            if written < bytes.count {
                exchange.toUpstream.append(UnsafeRawBufferPointer(rebasing: bytes[written...]))
                connection.socket.setWriteInterest(true)
            }
            return true
        } catch {
            upstreamFailed(exchange, ProxyError(.upstreamIO(error)))
            return false
        }
    }

    @discardableResult
    func writeUpstream(_ exchange: HTTP1Exchange, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeUpstream(exchange, $0) }
    }

    func upstreamWritable() {
        guard case .open = phase, let exchange, let connection = exchange.connection else { return }
        while !exchange.toUpstream.isEmpty {
            let written: Int?
            do {
                written = try exchange.toUpstream.withReadableBytes { try connection.socket.write($0) }
            } catch let error as SyscallError {
                upstreamFailed(exchange, ProxyError(.upstreamIO(error)))
                return
            } catch {
                preconditionFailure("Socket.write throws only SyscallError")
            }
            guard let written, written > 0 else { return }
            exchange.toUpstream.consume(written)
        }
        connection.socket.setWriteInterest(false)
        // The budget has room again: read the client.
        if !exchange.requestComplete { pumpClient() }
    }

    // MARK: Failures of the request

    /// The request parser refused the input.
    func requestFailed(_ error: HTTP1ParseError) {
        let proxyError = ProxyError(.invalidRequest(error))
        logger.info("request_refused", metadata: [
            "event": "request_refused", "component": "h1", "reason": "\(proxyError.reason)",
            "detail": "\(error)", "status": "\(error.status)",
        ])
        if let exchange {
            // A body that breaks the rules: the upstream has a partial request, so its
            // connection goes too.
            exchange.dropUpstream()
            if exchange.responseStarted {
                exchange.error = proxyError.reason
                abort(reason: proxyError.reason, detail: "\(error)", level: .info, reset: true)
                return
            }
            exchange.closeClientAfter = true
            respondLocally(exchange, proxyError)
            return
        }
        // A refused head: answer with its status and close (the parser never re-synchronises).
        var record = accessRecordBase()
        record.status = error.status
        record.bytesIn = bytesBeforeExchange
        record.error = proxyError.reason
        let response = HTTP1Forwarding.localResponse(status: error.status, closes: true, isHead: false, hsts: http.settings.hsts)
        record.bytesOut = response.count
        http.accessLog.write(record)
        guard sendToClient(response), flushClient() else { return }
        beginClose()
    }

    func headerTimedOut() {
        logger.info("request_header_timeout", metadata: [
            "event": "request_refused", "component": "h1", "reason": "request_header_timeout",
        ])
        var record = accessRecordBase()
        record.status = 408
        record.bytesIn = bytesBeforeExchange
        record.error = "request_header_timeout"
        let response = HTTP1Forwarding.localResponse(status: 408, closes: true, isHead: false, hsts: http.settings.hsts)
        record.bytesOut = response.count
        http.accessLog.write(record)
        guard sendToClient(response), flushClient() else { return }
        beginClose()
    }
}
