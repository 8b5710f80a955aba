import Foundation
import Logging
import SekishoCore
import SekishoHTTP1
import SekishoIO
import SekishoTLS

/// One connection to a readiness-check listener (`mode: readiness`): the lenient handshake
/// (TLS 1.0–1.3, every suite, certificate requested not required), one HTTP/1.1 request read
/// with SekishoHTTP1's parser, one answer (`ReadinessPage`: HTML, or JSON for `Accept:
/// application/json`), close. It never connects to any upstream — there is no code path here
/// that could — and the verdict is recorded like any handshake (outcome `refused` when the
/// client would be refused by a proxying listener, with that reason), so `sekisho report`
/// counts the clinics that checked themselves.
///
/// `handshaking → reading → responding → closed`; one timer: `timeouts.handshake` from accept
/// for the handshake, then again for the request. `@unchecked Sendable`: confined to its loop.
final class ReadinessConnection: ProxyConnection, @unchecked Sendable {
    private enum State { case handshaking, reading, responding, closed }

    let id: ConnectionID
    private let loop: EventLoop
    private let resources: LoopResources
    private let front: TLSFrontEnd
    private let generation: ListenerGeneration
    private let tracker: ConnectionTracker
    private let timer: LoopTimer
    private var logger: Logger
    private var state = State.handshaking
    private var parser = HTTP1RequestParser()
    private var requestBytes = 0
    private let clientAddress: String
    /// Requests larger than this are answered as bad requests: the page needs headers only.
    private static let maxRequestBytes = 32_768

    init(id: ConnectionID, accepted: AcceptedSocket, resources: LoopResources, generation: ListenerGeneration,
         tracker: ConnectionTracker, logger: Logger) {
        self.id = id
        self.loop = resources.loop
        self.resources = resources
        // No trust hooks on the front end: this listener admits everyone and records its own verdict.
        self.front = TLSFrontEnd(accepted: accepted, loop: resources.loop, context: generation.tls, scratch: resources.scratch)
        self.generation = generation
        self.tracker = tracker
        self.timer = resources.loop.makeTimer()
        self.clientAddress = "\(accepted.remote)"
        self.logger = logger.forConnection(id, peer: accepted.remote, listener: generation.config.name)
    }

    func start() {
        loop.assertInLoop()
        resources.register(self)
        front.socket.onReadable = { [unowned self] in self.readable() }
        front.socket.onWritable = { [unowned self] in self.writable() }
        front.socket.setReadInterest(true)
        armTimer(from: front.acceptedAt)
    }

    func beginDrain() {
        if state != .responding { close() }
    }

    private func armTimer(from start: MonotonicInstant) {
        timer.schedule(at: start.adding(generation.config.handshakeTimeout)) { [unowned self] in
            guard self.state == .handshaking || self.state == .reading else { return }
            if self.state == .handshaking { self.front.logHandshakeTimeout(self.logger) }
            self.close()
        }
    }

    private func readable() {
        switch state {
        case .handshaking:
            switch front.handshakeReadable(logger: logger, tracker: tracker) {
            case .inProgress: break
            case .established:
                state = .reading
                armTimer(from: .now())
                front.socket.setReadInterest(true)
                readRequest()
            case .ended: close()
            }
        case .reading:
            readRequest()
        case .responding, .closed:
            front.socket.setReadInterest(false)
        }
    }

    /// Decrypts and parses until the request head is complete; the body, if any, is ignored.
    private func readRequest() {
        let scratch = resources.scratch
        while state == .reading {
            switch front.tls.readPlaintext(into: scratch.outbound) {
            case .bytes(let n):
                requestBytes += n
                var offset = 0
                while offset < n, state == .reading {
                    do {
                        let step = try parser.parse(UnsafeRawBufferPointer(rebasing: scratch.outbound[offset..<n]))
                        offset += step.consumed
                        if case .head(let head)? = step.event {
                            respond(json: ReadinessPage.wantsJSON(accept: head.headers.first(named: "accept")), valid: true)
                        } else if step.event == nil {
                            break
                        }
                    } catch {
                        respond(json: false, valid: false)
                    }
                }
                if state == .reading, requestBytes > Self.maxRequestBytes { respond(json: false, valid: false) }
            case .needsInput:
                switch front.readIntoTLS() {
                case .gotBytes: continue
                case .wouldBlock:
                    front.socket.setReadInterest(true)
                    return
                case .endOfFile, .failed:
                    close()
                    return
                }
            case .closed, .failed:
                close()
                return
            }
        }
    }

    private func respond(json: Bool, valid: Bool) {
        state = .responding
        front.socket.setReadInterest(false)
        let tls = front.tls
        let negotiated = NegotiatedParameters(
            version: tls.negotiatedVersion ?? "?", cipher: tls.cipherSuiteName ?? "?", resumed: tls.isResumed, alpn: tls.alpnProtocol)
        var record = HandshakeForensics.record(
            time: Date(), listener: generation.config.name, client: clientAddress, connection: "\(id)",
            offered: tls.offered, chain: tls.presentedChain, negotiated: negotiated, reason: nil, detail: nil)
        let problem = tls.certificateProblem.map { (reason: $0.reason.rawValue, detail: $0.detail) }
        let verdict = ReadinessPage.verdict(record: record, certificateProblem: problem)
        let failed = verdict.checks.filter { !$0.passed }
        if let first = failed.first, let reason = first.reason {
            // Recorded as the refusal a proxying listener would make, so `sekisho report` counts it.
            let hint = RemediationHint.for(reason: reason, offered: tls.offered)
            record.outcome = .refused
            record.reason = reason
            record.detail = "readiness check: would be refused (" + failed.map(\.name).joined(separator: ", ") + "): " + first.found
            record.hint = hint.english
            record.hintJA = hint.japanese
        } else {
            record.detail = "readiness check: would pass"
        }
        generation.trust.forensics?.submit(record)
        logger.info("readiness_check", metadata: [
            "event": "readiness_check", "component": "readiness", "would_pass": "\(verdict.wouldPass)",
            "failed": "\(failed.map(\.name).joined(separator: ","))", "reason": "\(record.reason)",
            "tls_version": "\(negotiated.version)", "format": "\(json ? "json" : "html")",
        ])
        let bytes = valid ? ReadinessPage.response(verdict, json: json) : ReadinessPage.badRequest(verdict)
        do {
            try bytes.withUnsafeBytes { try front.encrypt($0) }
            tls.shutdown()
            try front.flush()
        } catch {
            close()
            return
        }
        if front.isFlushed { close() }
    }

    private func writable() {
        do {
            try front.flush()
        } catch {
            close()
            return
        }
        if state == .responding, front.isFlushed { close() }
    }

    private func close() {
        if state == .closed { return }
        state = .closed
        timer.cancel()
        front.close()
        tracker.connectionClosed()
        resources.unregister(self)
    }
}
