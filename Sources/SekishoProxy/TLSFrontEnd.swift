import Logging
import SekishoCore
import SekishoIO
import SekishoTLS

/// The client side of a proxied connection, shared by both connection kinds: the accepted
/// socket, its TLS session, the handshake phase, and the ciphertext the socket has not taken
/// yet (`backlog`).
///
/// Bytes in flight pass through the loop's scratch buffers; only what the client socket did
/// not accept is parked here. `backlogBytes` is the whole pending output toward the client, so
/// a connection compares it with its budget to decide whether to keep reading its upstream.
///
/// `@unchecked Sendable`: confined to the loop of `socket`.
final class TLSFrontEnd: @unchecked Sendable {
    let socket: Socket
    let tls: TLSSession
    private let scratch: LoopScratch
    /// Ciphertext drained from TLS that the client socket has not accepted yet.
    private var backlog = ByteBuffer()
    /// Ciphertext bytes read from / written to the client socket.
    private(set) var bytesIn = 0
    private(set) var bytesOut = 0
    /// Last time a byte moved in either direction on the client socket.
    private(set) var lastActivity = MonotonicInstant.now()
    let acceptedAt = MonotonicInstant.now()
    // Client trust (ListenerTrust.swift): the policy check after the handshake and one
    // forensics record per handshake. Nil for listeners that check nothing (readiness).
    private let trust: ListenerTrust?
    private let clientAddress: String
    /// Set once the policy admitted the client: the proof token of `ClientPolicy`.
    private(set) var verifiedPeer: VerifiedPeer?

    init(accepted: AcceptedSocket, loop: EventLoop, context: TLSContext, scratch: LoopScratch, trust: ListenerTrust? = nil) {
        self.socket = Socket(adopting: accepted, loop: loop)
        self.tls = context.makeServerSession()
        self.scratch = scratch
        self.trust = trust
        self.clientAddress = "\(accepted.remote)"
    }

    // MARK: Reading

    enum ReadOutcome { case gotBytes, wouldBlock, endOfFile, failed(SyscallError) }

    /// Reads one chunk of ciphertext from the client socket into TLS.
    func readIntoTLS() -> ReadOutcome {
        do {
            switch try socket.read(into: scratch.inbound) {
            case .bytes(let n):
                bytesIn += n
                lastActivity = .now()
                tls.feedCiphertext(UnsafeRawBufferPointer(rebasing: scratch.inbound[..<n]))
                return .gotBytes
            case .wouldBlock:
                return .wouldBlock
            case .endOfFile:
                return .endOfFile
            }
        } catch {
            return .failed(error)
        }
    }

    // MARK: Handshake

    enum HandshakeOutcome {
        /// More bytes are needed; read interest stays on.
        case inProgress
        /// Logged as `handshake_ok`; the admitted client is `verifiedPeer`. Read interest stays
        /// on: the caller's readable handler turns it off if it cannot take input yet.
        case established
        /// Refused, aborted or failed; already logged (and counted). The caller closes.
        case ended
    }

    /// Call when the socket is readable during the handshake. A refused client never gets
    /// past this: no upstream connection can be started before `.established`.
    func handshakeReadable(logger: Logger, tracker: ConnectionTracker) -> HandshakeOutcome {
        switch readIntoTLS() {
        case .gotBytes:
            return advanceHandshake(logger: logger, tracker: tracker)
        case .wouldBlock:
            return .inProgress
        case .endOfFile:
            logger.info("handshake_aborted", metadata: ["event": "handshake_aborted", "component": "tls", "reason": "peer_closed"])
            record(logger, reason: TLSRefusalReason.peerClosed.rawValue, detail: "input ended during the handshake")
            return .ended
        case .failed(let error):
            logger.info("handshake_aborted", metadata: ["event": "handshake_aborted", "component": "tls", "reason": "peer_reset", "detail": "\(error)"])
            record(logger, reason: TLSRefusalReason.peerClosed.rawValue, detail: "connection reset during the handshake: \(error)")
            return .ended
        }
    }

    private func advanceHandshake(logger: Logger, tracker: ConnectionTracker) -> HandshakeOutcome {
        switch tls.handshake() {
        case .needsInput:
            return flushOrLog(logger) ? .inProgress : .ended
        case .complete(let peer):
            // Client policy first (deny-list, allow-list), before any byte of our last flight —
            // a TLS 1.3 session ticket in particular — leaves for a client it refuses.
            if let trust {
                switch trust.admit(peer, session: tls) {
                case .allow(let verified):
                    verifiedPeer = verified
                case .deny(let rule, let detail):
                    logger.warning("handshake_refused", metadata: [
                        "event": "handshake_refused", "component": "tls", "reason": "\(rule)", "detail": "\(detail)",
                        "subject": "\(peer?.subject ?? "-")", "sha256": "\(peer?.sha256Fingerprint ?? "-")",
                        "hint": "\(trust.hint(reason: rule, session: tls))",
                    ])
                    tracker.countRefusal(rule)
                    record(logger, reason: rule, detail: detail)
                    return .ended
                }
            }
            guard flushOrLog(logger) else { return .ended }
            // swift-log evaluates the metadata only when info is logged: eight formatted values
            // per handshake otherwise built for nothing.
            logger.info("handshake_ok", metadata: handshakeOKMetadata(peer))
            record(logger, reason: nil, detail: nil)
            // Read interest stays on: the connection's own readable handler turns it off if
            // input arrives that it cannot take yet (one suspend and resume less per connection).
            return .established
        case .failed(let refusal):
            // Send the alert OpenSSL queued, best effort, then let the caller close. The refused
            // client never reaches the upstream: no connect has been started in this state.
            _ = try? flush()
            var metadata: Logger.Metadata = [
                "event": "handshake_refused", "component": "tls",
                "reason": "\(refusal.reason.rawValue)",
                "detail": "\(refusal.detail)",
            ]
            if let trust { metadata["hint"] = "\(trust.hint(reason: refusal.reason.rawValue, session: tls))" }
            logger.warning("handshake_refused", metadata: metadata)
            tracker.countRefusal(refusal.reason.rawValue)
            record(logger, reason: refusal.reason.rawValue, detail: refusal.detail)
            return .ended
        }
    }

    private func flushOrLog(_ logger: Logger) -> Bool {
        do {
            try flush()
            return true
        } catch {
            logger.info("handshake_aborted", metadata: [
                "event": "handshake_aborted", "component": "tls", "reason": "peer_reset", "detail": "\(error)",
            ])
            return false
        }
    }

    func logHandshakeTimeout(_ logger: Logger) {
        logger.info("handshake_timeout", metadata: ["event": "handshake_refused", "component": "tls", "reason": "handshake_timeout"])
        record(logger, reason: "handshake_timeout", detail: "the handshake did not finish in time")
    }

    private func handshakeOKMetadata(_ peer: PeerIdentity?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "event": "handshake_ok", "component": "tls",
            "tls_version": "\(tls.negotiatedVersion ?? "?")",
            "cipher": "\(tls.cipherSuiteName ?? "?")",
            "resumed": "\(tls.isResumed)",
        ]
        if let sni = tls.serverName { metadata["sni"] = "\(sni)" }
        if let peer {
            metadata["subject"] = "\(peer.subject)"
            metadata["issuer"] = "\(peer.issuer)"
            metadata["serial"] = "\(peer.serialNumberHex)"
            metadata["sha256"] = "\(peer.sha256Fingerprint)"
        }
        return metadata
    }

    /// One forensics record for this handshake (ListenerTrust.swift); nil reason = accepted.
    private func record(_ logger: Logger, reason: String?, detail: String?) {
        trust?.record(
            session: tls, client: clientAddress, connection: logger[metadataKey: "conn"].map { "\($0)" } ?? "-",
            reason: reason, detail: detail)
    }

    // MARK: Writing

    /// Hands plaintext to TLS. The memory BIO accepts everything, so the loop over partial
    /// writes always terminates; call `flush()` afterwards.
    func encrypt(_ plaintext: UnsafeRawBufferPointer) throws(TLSError) {
        var offset = 0
        while offset < plaintext.count {
            switch tls.writePlaintext(UnsafeRawBufferPointer(rebasing: plaintext[offset...])) {
            case .wrote(let n):
                offset += n
            case .failed(let error):
                throw error
            }
        }
    }

    /// Moves ciphertext from TLS to the client socket. When the socket stops taking bytes,
    /// everything still inside TLS's write BIO is moved into `backlog` and write interest turns
    /// on, so `backlogBytes` is the whole pending output toward the client.
    func flush() throws(SyscallError) {
        while !backlog.isEmpty {
            let written: Int?
            do {
                written = try backlog.withReadableBytes { try socket.write($0) }
            } catch let error as SyscallError {
                throw error
            } catch {
                preconditionFailure("Socket.write throws only SyscallError")
            }
            guard let written, written > 0 else {
                parkPendingCiphertext()
                socket.setWriteInterest(true)
                return
            }
            backlog.consume(written)
            bytesOut += written
            lastActivity = .now()
        }
        while tls.pendingCiphertextBytes > 0 {
            let n = tls.drainCiphertext(into: scratch.outbound)
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: scratch.outbound[..<n])
            let written = try socket.write(chunk) ?? 0
            bytesOut += written
            if written > 0 { lastActivity = .now() }
            if written < n {
                backlog.append(UnsafeRawBufferPointer(rebasing: chunk[written...]))
                parkPendingCiphertext()
                socket.setWriteInterest(true)
                return
            }
        }
        socket.setWriteInterest(false)
    }

    private func parkPendingCiphertext() {
        while tls.pendingCiphertextBytes > 0 {
            let n = tls.drainCiphertext(into: scratch.outbound)
            if n == 0 { break }
            backlog.append(UnsafeRawBufferPointer(rebasing: scratch.outbound[..<n]))
        }
    }

    /// Ciphertext waiting for the client socket (parked plus still inside TLS).
    var backlogBytes: Int { backlog.readableBytes + tls.pendingCiphertextBytes }

    var isFlushed: Bool { backlog.isEmpty && tls.pendingCiphertextBytes == 0 }

    func noteActivity() { lastActivity = .now() }

    // MARK: Idle memory

    /// Call once the handshake completed and its outcome was logged and recorded: drops the
    /// ClientHello and presented-chain captures kept for the forensics record, and replaces
    /// the memory BIOs the handshake flights grew (about 4 KiB per connection, which an idle
    /// connection would otherwise keep for its whole life).
    func settleAfterHandshake() {
        tls.releaseHandshakeRecords()
        if isFlushed { tls.releaseIdleBuffers(force: true) }
    }

    /// Call when the connection may have gone quiet: once nothing is in flight toward the
    /// client, replaces memory BIOs that a large flight grew beyond
    /// `TLSSession.idleBIOCapacityLimit`.
    func releaseIdleBuffers() {
        guard isFlushed else { return }
        tls.releaseIdleBuffers()
    }

    /// Drops the backlog and closes the socket. Idempotent.
    func close() {
        backlog.removeAll()
        socket.close()
    }
}
