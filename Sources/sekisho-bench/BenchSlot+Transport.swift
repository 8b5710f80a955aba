import SekishoCore
import SekishoHTTP1
import SekishoIO
import SekishoTLS

/// Bytes in and out of a slot's connection: socket reads feed the TLS session (or the parser
/// directly with `--plain`); plaintext goes through the session and its ciphertext to the
/// socket, parking in `pending` only when the socket is full.
extension BenchSlot {
    // MARK: - Socket events

    func writable() {
        guard let socket else { return }
        if phase == .connecting {
            do {
                try socket.finishConnect()
            } catch {
                fail(BenchErrorKind.connect(error), pause: true)
                return
            }
            socket.setWriteInterest(false)
            connected()
            return
        }
        flushPending()
    }

    func readable() {
        guard let socket else { return }
        let g = generation
        // A few reads per event at most, so one busy connection cannot starve the others on
        // this loop; the read source fires again while data remains.
        for _ in 0..<4 {
            let result: Socket.ReadResult
            do {
                result = try socket.read(into: context.readBuffer)
            } catch {
                fail(BenchErrorKind.io(error))
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .endOfFile:
                inputEnded()
                return
            case .bytes(let n):
                if context.pastWarmup { context.stats.wireBytesReceived += n }
                let chunk = UnsafeRawBufferPointer(rebasing: context.readBuffer[..<n])
                if let session {
                    session.feedCiphertext(chunk)
                    processTLSInput(session)
                } else {
                    consumePlaintext(chunk)
                }
                guard g == generation, n == context.readBuffer.count else { return }
            }
        }
    }

    /// Steps the handshake, then decrypts everything that is complete.
    private func processTLSInput(_ session: TLSSession) {
        let g = generation
        if phase == .handshaking {
            stepHandshake()
            guard g == generation, phase != .handshaking else { return }
        }
        while true {
            switch session.readPlaintext(into: context.plainBuffer) {
            case .bytes(let n):
                if n == 0 {
                    _ = drainSession()
                    return
                }
                consumePlaintext(UnsafeRawBufferPointer(rebasing: context.plainBuffer[..<n]))
                guard g == generation else { return }
            case .needsInput:
                // Reads can produce output too (KeyUpdate replies, alerts).
                _ = drainSession()
                return
            case .closed:
                peerClosed()
                return
            case .failed(let error):
                if phase == .draining {
                    // The response was complete; how the server ended the connection after it
                    // does not matter to the measurement.
                    closeConnection(graceful: false)
                    proceed()
                } else {
                    fail(BenchErrorKind.tls(error))
                }
                return
            }
        }
    }

    /// TCP FIN from the server.
    private func inputEnded() {
        if phase == .draining {
            closeConnection(graceful: false)
            proceed()
            return
        }
        if let session {
            let g = generation
            session.feedEndOfInput()
            processTLSInput(session)
            guard g == generation else { return }
        }
        peerClosed()
    }

    /// Feeds response bytes to the parser and acts on its events.
    private func consumePlaintext(_ bytes: UnsafeRawBufferPointer) {
        if case .idle = plan.workload { return }  // held connections ignore what arrives
        let g = generation
        var offset = 0
        while true {
            let step: HTTP1ParseStep<HTTP1ResponseEvent>
            do {
                step = try parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            } catch {
                fail("http_\(error)")
                return
            }
            offset += step.consumed
            guard let event = step.event else { return }
            switch event {
            case .informational:
                continue
            case .head(let head):
                lastResponseKeepAlive = head.keepAlive
                if head.status >= 400, !inFlight.isEmpty { inFlight[0].failedStatus = head.status }
            case .body(let range):
                if !inFlight.isEmpty { inFlight[0].bodyBytesReceived += range.count }
            case .end:
                responseEnded()
                guard g == generation else { return }
            }
        }
    }

    // MARK: - Sending

    /// Sends application bytes (through the TLS session unless `--plain`). False when the
    /// connection failed (and was closed) on the way.
    func transmit(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let session else { return sendRaw(bytes) }
        var offset = 0
        while offset < bytes.count {
            switch session.writePlaintext(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .wrote(0):
                // Memory BIOs never block an established session, so this is a bug or an
                // unfinished handshake; do not spin.
                fail("tls_write_stalled")
                return false
            case .wrote(let n):
                offset += n
            case .failed(let error):
                fail(BenchErrorKind.tls(error))
                return false
            }
            guard drainSession() else { return false }
        }
        return true
    }

    /// Moves the session's pending ciphertext to the socket.
    func drainSession() -> Bool {
        guard let session else { return true }
        while session.pendingCiphertextBytes > 0 {
            let n = session.drainCiphertext(into: context.writeBuffer)
            if n == 0 { break }
            guard sendRaw(UnsafeRawBufferPointer(rebasing: context.writeBuffer[..<n])) else { return false }
        }
        return true
    }

    /// Writes to the socket, parking what it does not take (and asking for writability).
    private func sendRaw(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let socket else { return false }
        if !pending.isEmpty {
            pending.append(bytes)
            return true
        }
        let written: Int
        do {
            written = try socket.write(bytes) ?? 0
        } catch {
            fail(BenchErrorKind.io(error))
            return false
        }
        if context.pastWarmup { context.stats.wireBytesSent += written }
        if written < bytes.count {
            pending.append(UnsafeRawBufferPointer(rebasing: bytes[written...]))
            socket.setWriteInterest(true)
        }
        return true
    }

    /// The socket became writable: send what was parked, then continue an upload.
    private func flushPending() {
        guard let socket else { return }
        while !pending.isEmpty {
            let written: Int?
            do {
                written = try pending.withReadableBytes { try socket.write($0) }
            } catch {
                fail(BenchErrorKind.io(error))
                return
            }
            guard let n = written, n > 0 else { return }  // still full; interest stays on
            pending.consume(n)
            if context.pastWarmup { context.stats.wireBytesSent += n }
        }
        socket.setWriteInterest(false)
        if uploadRemaining > 0 { pumpUpload() }
    }

    /// Generates upload body bytes while the socket keeps taking them.
    func pumpUpload() {
        let g = generation
        let chunk = context.uploadChunk
        while uploadRemaining > 0 && pending.isEmpty {
            let n = min(uploadRemaining, chunk.count)
            guard transmit(UnsafeRawBufferPointer(rebasing: chunk[..<n])), g == generation else { return }
            uploadRemaining -= n
            if !inFlight.isEmpty { inFlight[inFlight.count - 1].bodyBytesSent += n }
        }
    }
}
