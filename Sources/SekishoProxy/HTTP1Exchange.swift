import SekishoCore
import SekishoHTTP1
import SekishoIO

/// One request and its response, from the request head to the end of the response.
///
/// Two halves progress independently (a backend may answer before it has read the whole
/// body, and a body may stream both ways at once); the exchange ends when the response is
/// complete and the request either is complete too or will never be read further (the client
/// connection then closes).
///
/// `@unchecked Sendable`: owned by one `HTTP1ProxyConnection`, confined to its loop.
final class HTTP1Exchange: @unchecked Sendable {
    /// The head as the client sent it.
    let request: HTTP1RequestHead
    let startedAt: MonotonicInstant
    let upstream: UpstreamGeneration
    let idempotent: Bool
    /// Whether body bytes follow the head (chunked, or a non-zero Content-Length).
    let hasBody: Bool
    /// Host name of the request (lowercase, no port), for the access log and routing.
    let hostName: String?

    // MARK: Request half

    /// The head to send upstream, kept until the first body byte is forwarded or the first
    /// response byte arrives: until then a failed attempt may be replayed (`FailurePolicy`).
    var forwardedHead: [UInt8] = []
    var requestEncoding: BodyEncoding = .none
    /// The head has been written (or queued) on the current upstream connection.
    var headSent = false
    /// `.end` of the request has been parsed (body and trailers read from the client).
    var requestComplete = false
    var bodyBytesForwarded = 0
    var continueSent = false
    /// Request bytes the upstream socket did not accept yet.
    var toUpstream = ByteBuffer()

    // MARK: Upstream connection

    var connection: UpstreamConnection?
    /// A connect in progress: the socket, its server, the servers still to try, its deadline.
    var connecting: (socket: Socket, server: HostPort, remaining: [HostPort], deadline: MonotonicInstant)?
    var lastConnectFailure = ""
    var server: HostPort?
    var upstreamStartedAt: MonotonicInstant?
    var retried = false
    /// False once anything makes the connection unfit for the pool (a response that said
    /// close, unsolicited bytes, an unfinished request).
    var upstreamReusable = true

    // MARK: Response half

    var responseBytesReceived = 0
    /// Some of a response head has been sent to the client.
    var responseStarted = false
    var responseEncoding: BodyEncoding = .none
    var responseComplete = false
    /// sekisho answered itself (an error), no upstream response will be forwarded.
    var respondedLocally = false
    /// The client connection closes once this exchange is over.
    var closeClientAfter = false
    /// Reading the upstream is paused because the client is slower (the response timeout does
    /// not run meanwhile).
    var pausedForClient = false
    var lastUpstreamProgress: MonotonicInstant
    var status = 0
    var bytesIn = 0
    var bytesOut = 0
    /// Reason code when sekisho answered itself or cut the exchange.
    var error: String?

    init(request: HTTP1RequestHead, upstream: UpstreamGeneration, hostName: String?, now: MonotonicInstant) {
        self.request = request
        self.startedAt = now
        self.upstream = upstream
        self.hostName = hostName
        self.idempotent = FailurePolicy.isIdempotent(request.method)
        switch request.framing {
        case .chunked: hasBody = true
        case .contentLength(let n): hasBody = n > 0
        case .none, .closeDelimited: hasBody = false
        }
        self.lastUpstreamProgress = now
    }

    /// Everything of the request the client will send has been read (a body-less request is
    /// complete with its head).
    var requestFullyRead: Bool { requestComplete || !hasBody }
    /// Whether `FailurePolicy` replays this request if its pooled connection turns out to be
    /// closed: an idempotent method, and no body bytes that would go out first (a consumed body
    /// byte is not kept, so it cannot be sent again).
    var replayableOnStaleConnection: Bool { idempotent && !hasBody }

    /// The upstream owes sekisho bytes: the response timeout runs.
    var waitingForUpstream: Bool {
        connection != nil && !responseComplete && !pausedForClient && (requestComplete || responseBytesReceived > 0)
    }

    /// The facts `FailurePolicy` decides on.
    var failureFacts: FailurePolicy.Facts {
        FailurePolicy.Facts(
            upstreamWasReused: connection?.isReused ?? false,
            noResponseBytes: responseBytesReceived == 0,
            responseStarted: responseStarted,
            idempotent: idempotent,
            noBodyForwarded: bodyBytesForwarded == 0,
            alreadyRetried: retried,
            requestComplete: requestFullyRead
        )
    }

    /// Closes whatever upstream socket this exchange holds (never returned to the pool).
    func dropUpstream() {
        connecting?.socket.close()
        connecting = nil
        connection?.socket.close()
        connection = nil
        toUpstream.removeAll()
        upstreamReusable = false
    }
}
