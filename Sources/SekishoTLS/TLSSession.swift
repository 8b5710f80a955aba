internal import COpenSSL
internal import CSekishoShims
import SekishoCore

/// One TLS connection as a stepping engine over two memory BIOs: the caller feeds ciphertext
/// read from the network, steps the handshake, reads and writes plaintext, and drains the
/// ciphertext OpenSSL produced. No sockets, no threads, no timers.
///
/// Confinement: a session is used from one loop (thread or serial queue) only, which is why it
/// is not `Sendable`. OpenSSL's error queue is thread-local, and every operation clears it
/// before calling into OpenSSL, so a drained stack belongs to that operation.
///
/// After every call (including `feedCiphertext`), send `pendingCiphertextBytes` if non-zero:
/// reads can produce output too (TLS 1.3 KeyUpdate responses, alerts), and a failed handshake
/// usually leaves the alert that tells the peer why.
public final class TLSSession {
    enum Role {
        case server(TLSContext)
        case client(TLSClientContext)
    }

    enum State {
        case handshaking
        case established(PeerIdentity?)
        case refused(TLSRefusal)
        /// A fatal error after the handshake; OpenSSL must not be called again for data.
        case broken(TLSError)
    }

    let ssl: OpaquePointer
    /// Network → SSL. Owned by `ssl` (SSL_set_bio); replaced by `releaseIdleBuffers()`.
    private(set) var readBIO: OpaquePointer
    /// SSL → network. Owned by `ssl`; replaced by `releaseIdleBuffers()`.
    private(set) var writeBIO: OpaquePointer
    let role: Role
    private(set) var state: State = .handshaking
    /// The first profile or verification failure seen by the verify callback, which knows the
    /// precise reason; `handshake()` prefers it over the generic SSL error it causes.
    var verifyViolation: (reason: TLSRefusalReason, detail: String)?
    /// What the client offered, recorded by the ClientHello callback (server sessions only;
    /// see `TLSSession+Forensics.swift`). Nil until a ClientHello was parsed.
    public internal(set) var offered: ClientHelloSummary?
    /// The chain the client sent, up-ref'd in the first verify-callback call, so it survives a
    /// failed verification (OpenSSL drops it from the session then).
    var presentedCertificates: [X509Certificate]?
    var presentedSummaryCache: [CertificateSummary]?
    /// Set when verification accepted a CRL past its nextUpdate (within the stale-CRL grace
    /// period, or under the `warn` policy): the text the caller should log.
    public internal(set) var crlWarning: String?
    private var closeNotifyQueued = false
    /// `feedEndOfInput()` was called: the read BIO carries the EOF mark and is never replaced.
    private var inputEnded = false
    private let requestedServerName: String?
    /// The SNI name recorded from the ClientHello, kept when `releaseHandshakeRecords()` drops
    /// `offered`; `.some(nil)` = the client sent none.
    private var recordedServerName: String??

    /// The `SSL` ex_data slot holding the unretained owning session.
    static let exDataIndex: Int32 = {
        let index = sekisho_SSL_get_ex_new_index()
        precondition(index >= 0, "SSL_get_ex_new_index failed")
        return index
    }()

    init(serverContext: TLSContext) {
        (ssl, readBIO, writeBIO) = Self.makeSSL(serverContext.ctx)
        role = .server(serverContext)
        requestedServerName = nil
        SSL_set_accept_state(ssl)
        attachOwner()
    }

    init(clientContext: TLSClientContext, serverName: String?, resuming: TLSResumptionState?) {
        (ssl, readBIO, writeBIO) = Self.makeSSL(clientContext.ctx)
        role = .client(clientContext)
        requestedServerName = serverName
        SSL_set_connect_state(ssl)
        attachOwner()
        clientContext.prepare(self, serverName: serverName, resuming: resuming)
    }

    deinit {
        if case .established = state, case .server = role {
            // SSL_free drops the session from the server cache unless close_notify was sent
            // (a TLS 1.0 rule, RFC 2246 §7.2.1). TLS 1.1 and later allow resuming a session
            // whose connection simply ended (RFC 4346 §7.2.1), and clients routinely close
            // without close_notify. A session that ended in a fatal alert was already removed
            // by OpenSSL when the alert was sent or received, and a refused one by `refuse`.
            SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_SENT_SHUTDOWN)
        }
        SSL_free(ssl)  // frees both BIOs
    }

    private static func makeSSL(_ ctx: OpaquePointer) -> (OpaquePointer, OpaquePointer, OpaquePointer) {
        guard let ssl = SSL_new(ctx), let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            fatalError("SSL_new/BIO_new failed: out of memory")
        }
        // An empty memory BIO reports "retry" (eof return -1, the default), which OpenSSL turns
        // into SSL_ERROR_WANT_READ; feedEndOfInput() switches it to a real EOF.
        SSL_set_bio(ssl, rbio, wbio)
        return (ssl, rbio, wbio)
    }

    private func attachOwner() {
        SSL_set_ex_data(ssl, Self.exDataIndex, Unmanaged.passUnretained(self).toOpaque())
    }

    // MARK: - Ciphertext in and out

    /// Bytes received from the network. Memory BIOs grow as needed, so this never fails.
    public func feedCiphertext(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let chunk = Int32(min(remaining, Int(Int32.max)))
            let written = BIO_write(readBIO, base, chunk)
            precondition(written == chunk, "BIO_write to a memory BIO failed: out of memory")
            base += Int(written)
            remaining -= Int(written)
        }
    }

    /// The peer's input has ended (TCP FIN). From now on a read that needs more bytes fails:
    /// with `.closed` if close_notify came first, otherwise with `.unexpectedEOF`.
    public func feedEndOfInput() {
        inputEnded = true
        _ = sekisho_BIO_set_mem_eof_return(readBIO, 0)
    }

    // MARK: - Idle memory

    /// Capacity above which `releaseIdleBuffers(force: false)` replaces an empty memory BIO.
    /// A memory BIO never shrinks: its `BUF_MEM` keeps the capacity of the largest flight it
    /// ever held (a 16 KiB record grows it to about 22 KiB). Below this bound a busy connection
    /// keeps its BIOs, so that small exchanges do not reallocate them on every response.
    public static let idleBIOCapacityLimit = 4_096

    /// Replaces each memory BIO that is empty (and, unless `force`, holds more than
    /// `idleBIOCapacityLimit` bytes of capacity) with a fresh one, which allocates nothing until
    /// bytes arrive. Call when the connection goes quiet — after the handshake's last flight was
    /// sent, after a response was flushed. A BIO still holding bytes is never touched, nor the
    /// read BIO once input ended (it carries the EOF mark). Returns the number replaced.
    @discardableResult
    public func releaseIdleBuffers(force: Bool = false) -> Int {
        var replaced = 0
        let limit = force ? 0 : Self.idleBIOCapacityLimit
        if !inputEnded, BIO_ctrl_pending(readBIO) == 0, Self.capacity(of: readBIO) > limit, let fresh = BIO_new(BIO_s_mem()) {
            SSL_set0_rbio(ssl, fresh)  // frees the old BIO: the write BIO is a different one
            readBIO = fresh
            replaced += 1
        }
        if BIO_ctrl_pending(writeBIO) == 0, Self.capacity(of: writeBIO) > limit, let fresh = BIO_new(BIO_s_mem()) {
            SSL_set0_wbio(ssl, fresh)
            writeBIO = fresh
            replaced += 1
        }
        return replaced
    }

    /// Bytes allocated by a memory BIO's buffer (`BIO_get_mem_ptr` → `BUF_MEM.max`).
    static func capacity(of bio: OpaquePointer) -> Int {
        var memory: UnsafeMutablePointer<BUF_MEM>?
        guard BIO_ctrl(bio, BIO_C_GET_BUF_MEM_PTR, 0, &memory) > 0, let memory else { return 0 }
        return Int(memory.pointee.max)
    }

    /// Capacities of the read and write BIOs (tests and diagnostics).
    public var bufferCapacities: (read: Int, write: Int) {
        (Self.capacity(of: readBIO), Self.capacity(of: writeBIO))
    }

    /// Drops what was captured for the handshake's forensics record — the ClientHello summary,
    /// the presented chain and its summaries — once that record was written. Only the SNI name
    /// is kept (`serverName` keeps answering as before); `offered` is nil afterwards.
    public func releaseHandshakeRecords() {
        guard case .server = role, !isHandshaking else { return }
        if let offered { recordedServerName = .some(offered.serverName) }
        offered = nil
        presentedCertificates = nil
        presentedSummaryCache = nil
    }

    private var isHandshaking: Bool {
        if case .handshaking = state { return true }
        return false
    }

    /// Ciphertext waiting to be sent.
    public var pendingCiphertextBytes: Int { Int(BIO_ctrl_pending(writeBIO)) }

    /// Moves up to `buffer.count` bytes of pending ciphertext into `buffer`; returns the count.
    public func drainCiphertext(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let n = BIO_read(writeBIO, base, Int32(min(buffer.count, Int(Int32.max))))
        return n > 0 ? Int(n) : 0
    }

    // MARK: - Handshake

    /// Advances the handshake as far as the input allows. Idempotent once finished.
    public func handshake() -> TLSHandshakeStep {
        switch state {
        case .established(let peer): return .complete(peer)
        case .refused(let refusal): return .failed(refusal)
        case .broken(let error): return .failed(Self.refusal(for: error))
        case .handshaking: break
        }
        OpenSSLErrorQueue.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return finishHandshake() }
        let error = SSL_get_error(ssl, rc)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return .needsInput }
        let refusal = makeRefusal(stack: OpenSSLErrorQueue.drain(), sslError: error)
        state = .refused(refusal)
        return .failed(refusal)
    }

    private func finishHandshake() -> TLSHandshakeStep {
        let peer: PeerIdentity?
        switch role {
        case .server(let context):
            switch serverPeer(context) {
            case .success(let identity): peer = identity
            case .failure(let refusal):
                refuseCompleted(refusal)
                return .failed(refusal)
            }
        case .client:
            peer = SSL_get0_peer_certificate(ssl).map { cert in
                X509Inspector.peerIdentity(cert, chainLength: Self.count(SSL_get0_verified_chain(ssl))
                    ?? Self.count(SSL_get_peer_cert_chain(ssl)) ?? 1)
            }
        }
        state = .established(peer)
        return .complete(peer)
    }

    /// The client identity of a finished server handshake. A resumed session is re-checked
    /// against this context's CRLs and today's validity window: resumption never skips a check
    /// a full handshake would make (PROFILE.md). Refusing here happens after OpenSSL considers
    /// the handshake done: no alert can be queued any more, so the caller just closes.
    private func serverPeer(_ context: TLSContext) -> Result<PeerIdentity?, TLSRefusal> {
        guard let cert = SSL_get0_peer_certificate(ssl) else {
            if context.configuration.clientAuth.required, context.mode == .profile {
                // Only reachable through a resumed session minted without a certificate.
                return .failure(TLSRefusal(reason: .noClientCert, detail: "resumed session carries no client certificate; this listener requires one"))
            }
            return .success(nil)
        }
        if SSL_session_reused(ssl) == 1 {
            switch context.clientTrust.recheckResumed(cert, now: X509Inspector.now()) {
            case .refused(let reason, let detail):
                return .failure(TLSRefusal(reason: reason, detail: detail))
            case .accepted(let chainLength):
                return .success(X509Inspector.peerIdentity(cert, chainLength: chainLength, cache: context.peerIdentities))
            }
        }
        let chainLength = Self.count(SSL_get0_verified_chain(ssl)) ?? 1
        return .success(X509Inspector.peerIdentity(
            cert, chainLength: chainLength, presentedChain: SSL_get_peer_cert_chain(ssl), cache: context.peerIdentities))
    }

    private static func count(_ stack: OpaquePointer?) -> Int? {
        guard let stack else { return nil }
        let n = Int(sekisho_sk_X509_num(stack))
        return n > 0 ? n : nil
    }

    // MARK: - Plaintext

    /// Decrypts into `buffer`. Drives an unfinished handshake first.
    public func readPlaintext(into buffer: UnsafeMutableRawBufferPointer) -> TLSReadResult {
        if let blocked = establishedOrBlocked() {
            switch blocked {
            case .needsInput: return .needsInput
            case .failed(let error): return .failed(error)
            }
        }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        OpenSSLErrorQueue.clear()
        var count = 0
        let rc = SSL_read_ex(ssl, base, buffer.count, &count)
        if rc == 1 { return .bytes(count) }
        let error = SSL_get_error(ssl, rc)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .needsInput
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            let failure = makeDataError(stack: OpenSSLErrorQueue.drain(), sslError: error)
            state = .broken(failure)
            return .failed(failure)
        }
    }

    /// Encrypts from `bytes`. With partial writes on, at most one record's worth may be taken;
    /// the caller loops, draining ciphertext in between to bound memory.
    public func writePlaintext(_ bytes: UnsafeRawBufferPointer) -> TLSWriteResult {
        if let blocked = establishedOrBlocked() {
            switch blocked {
            case .needsInput: return .wrote(0)
            case .failed(let error): return .failed(error)
            }
        }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .wrote(0) }
        OpenSSLErrorQueue.clear()
        var written = 0
        let rc = SSL_write_ex(ssl, base, bytes.count, &written)
        if rc == 1 { return .wrote(written) }
        let error = SSL_get_error(ssl, rc)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return .wrote(0) }
        let failure = makeDataError(stack: OpenSSLErrorQueue.drain(), sslError: error)
        state = .broken(failure)
        return .failed(failure)
    }

    private enum Blocked {
        case needsInput
        case failed(TLSError)
    }

    private func establishedOrBlocked() -> Blocked? {
        switch state {
        case .established: return nil
        case .broken(let error): return .failed(error)
        case .refused(let refusal): return .failed(.refused(refusal))
        case .handshaking:
            switch handshake() {
            case .complete: return nil
            case .needsInput: return .needsInput
            case .failed(let refusal): return .failed(.refused(refusal))
            }
        }
    }

    /// Refuses a session whose handshake completed but which the caller's own policy rejects
    /// (the client allow-list and deny-list run on the verified `PeerIdentity`, after OpenSSL
    /// is done). Output OpenSSL already queued — a TLS 1.3 NewSessionTicket in particular — is
    /// discarded, so a refused client never gets a ticket to come back with; no alert can be
    /// sent any more, so the caller just closes. Later calls report `refusal`.
    public func refuse(_ refusal: TLSRefusal) {
        guard case .established = state else { return }
        refuseCompleted(refusal)
    }

    /// A handshake OpenSSL completed, refused by sekisho: the output OpenSSL queued (a TLS 1.3
    /// NewSessionTicket in particular) is discarded so the client never receives it, and a
    /// server session leaves the cache, since a TLS 1.2 client learned its session id from the
    /// ServerHello and must not come back with it.
    private func refuseCompleted(_ refusal: TLSRefusal) {
        _ = sekisho_BIO_reset(writeBIO)
        if case .server = role, let session = SSL_get_session(ssl) {
            _ = SSL_CTX_remove_session(SSL_get_SSL_CTX(ssl), session)
        }
        state = .refused(refusal)
    }

    /// Queues close_notify (once). The caller drains and sends it, then may half-close.
    public func shutdown() {
        guard !closeNotifyQueued, case .established = state else { return }
        closeNotifyQueued = true
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(ssl)  // 0: sent ours, peer's not yet seen; we never wait for it
        OpenSSLErrorQueue.clear()
    }

    // MARK: - Negotiated parameters

    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// The verified peer once established (client for server sessions, server for client ones).
    public var peer: PeerIdentity? {
        if case .established(let peer) = state { return peer }
        return nil
    }

    /// "TLSv1.3" / "TLSv1.2" once established.
    public var negotiatedVersion: String? {
        guard isEstablished, let v = SSL_get_version(ssl) else { return nil }
        return String(cString: v)
    }

    /// IANA name of the negotiated suite, e.g. "TLS_AES_128_GCM_SHA256".
    public var cipherSuiteName: String? {
        guard isEstablished, let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_standard_name(cipher) else {
            return nil
        }
        // The IANA name from the code-point table when it has one (the standard name is the
        // IANA name): a String kept per connection (access logs) then shares the table's
        // storage instead of 64 bytes of heap each.
        return TLSNames.cipherSuites[SSL_CIPHER_get_protocol_id(cipher)] ?? String(cString: name)
    }

    public var alpnProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Server sessions: the SNI host name the client sent in *this* handshake. Client sessions:
    /// the one requested.
    ///
    /// On a resumed TLS 1.2 session `SSL_get_servername` answers from the resumed session, which
    /// holds a name only if the server acknowledged SNI in the original handshake (it needs a
    /// servername callback for that); sekisho has none, so it would report no name although the
    /// client sent one, and the Host/SNI rule would wrongly answer 421. The name recorded by the
    /// ClientHello callback is what the client actually sent now.
    public var serverName: String? {
        if case .client = role { return requestedServerName }
        if let offered { return offered.serverName }
        if let recordedServerName { return recordedServerName }
        guard let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else { return nil }
        return String(cString: name)
    }

    public var isResumed: Bool { SSL_session_reused(ssl) == 1 }

    /// Client sessions: state to resume this session later, once the server's ticket arrived
    /// (TLS 1.3 sends tickets after the handshake, so read at least once after completion).
    ///
    /// A copy (`SSL_SESSION_dup`): `SSL_free` on a connection that was not shut down marks its
    /// live `SSL_SESSION` not resumable, and a load generator drops connections that way.
    public var resumptionState: TLSResumptionState? {
        guard case .client = role, isEstablished, let live = SSL_get_session(ssl),
              SSL_SESSION_is_resumable(live) == 1, let copy = SSL_SESSION_dup(live)
        else { return nil }
        return TLSResumptionState(takingOwnership: copy)
    }
}
