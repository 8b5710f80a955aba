import SekishoHTTP1
import SekishoIO

/// Why an HTTP exchange could not complete normally, with pingora's two extra facts: who caused
/// it (`source`) and whether the request may be replayed (`retry`). `FailurePolicy` turns it and
/// the state of the exchange into an action: a silent retry on a fresh connection, an error
/// response, or a cut connection.
struct ProxyError: Error, Equatable, CustomStringConvertible {
    enum Source: Equatable { case downstream, upstream, `internal` }

    /// `reusedOnly`: the failure is the known race of a pooled connection that the backend
    /// closed just as sekisho reused it; a fresh connection would likely succeed.
    enum Retry: Equatable { case never, always, reusedOnly }

    enum Kind: Equatable {
        /// Every server of the upstream refused, timed out or could not be reached.
        case connectFailed(String)
        /// The upstream closed before any byte of the response arrived.
        case closedBeforeResponse
        /// A read or write on the upstream connection failed.
        case upstreamIO(SyscallError)
        /// The response violated HTTP/1.1 (ambiguous framing, bad status line, 101, ...).
        case invalidResponse(HTTP1ParseError)
        /// `response_timeout` passed without the response head, or between body pieces.
        case responseTimeout
        /// The request violated HTTP/1.1 or a configured limit.
        case invalidRequest(HTTP1ParseError)
        /// Host does not match the TLS server name (421).
        case misdirected
        /// The matched route's `client_policy` refuses the connection's client (403); `rule`
        /// is the `ClientPolicy` code (`policy_denied:ou`, …).
        case policyDenied(rule: String)
        /// The request head did not complete within `header_timeout` (408).
        case headerTimeout
        /// The client went away or broke TLS mid-exchange.
        case clientGone(String)
        /// A head sekisho built could not be serialized (a bug or an impossible value).
        case serialization(String)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    var source: Source {
        switch kind {
        case .connectFailed, .closedBeforeResponse, .upstreamIO, .invalidResponse, .responseTimeout: return .upstream
        case .invalidRequest, .misdirected, .policyDenied, .headerTimeout, .clientGone: return .downstream
        case .serialization: return .internal
        }
    }

    var retry: Retry {
        switch kind {
        case .closedBeforeResponse: return .reusedOnly
        case .upstreamIO(let error) where error.isPeerReset: return .reusedOnly
        default: return .never
        }
    }

    /// The status sekisho answers with when nothing of a response has been sent yet.
    var status: Int {
        switch kind {
        case .connectFailed, .closedBeforeResponse, .upstreamIO, .invalidResponse: return 502
        case .responseTimeout: return 504
        case .invalidRequest(let error): return error.status
        case .misdirected: return 421
        case .policyDenied: return 403
        case .headerTimeout: return 408
        case .clientGone: return 400
        case .serialization: return 500
        }
    }

    /// Stable reason code for log lines (`reason=` / access log `error=`).
    var reason: String {
        switch kind {
        case .connectFailed: return "upstream_connect_failed"
        case .closedBeforeResponse: return "upstream_closed_before_response"
        case .upstreamIO: return "upstream_io_error"
        case .invalidResponse: return "upstream_invalid_response"
        case .responseTimeout: return "upstream_response_timeout"
        case .invalidRequest: return "invalid_request"
        case .misdirected: return "misdirected_request"
        case .policyDenied(let rule): return rule
        case .headerTimeout: return "request_header_timeout"
        case .clientGone: return "client_gone"
        case .serialization: return "serialization_error"
        }
    }

    /// Whether the failure counts against the server's passive health. A reused connection
    /// closed under us is the pool race, not a sick server.
    func countsAgainstServer(connectionWasReused: Bool) -> Bool {
        switch kind {
        case .connectFailed, .invalidResponse, .responseTimeout: return true
        case .closedBeforeResponse, .upstreamIO: return !connectionWasReused
        default: return false
        }
    }

    var description: String {
        switch kind {
        case .connectFailed(let detail): return "cannot connect to the upstream: \(detail)"
        case .closedBeforeResponse: return "the upstream closed the connection before responding"
        case .upstreamIO(let error): return "upstream connection failed: \(error)"
        case .invalidResponse(let error): return "invalid response from the upstream: \(error)"
        case .responseTimeout: return "the upstream did not respond in time"
        case .invalidRequest(let error): return "invalid request: \(error)"
        case .misdirected: return "Host does not match the TLS server name"
        case .policyDenied(let rule): return "the route's client policy refuses this client (\(rule))"
        case .headerTimeout: return "the request head did not arrive in time"
        case .clientGone(let detail): return "the client went away: \(detail)"
        case .serialization(let detail): return "cannot serialize a head: \(detail)"
        }
    }
}

/// What to do about a failed exchange (pure, so its rules are tested as a table).
enum FailurePolicy {
    /// The state of the exchange when it failed.
    struct Facts: Equatable {
        /// The upstream connection had served an earlier exchange (came from the pool).
        var upstreamWasReused = false
        /// No byte of a response (1xx included) has been received from the upstream.
        var noResponseBytes = true
        /// Some of the response head has been sent to the client already.
        var responseStarted = false
        /// RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE.
        var idempotent = false
        /// No body byte of the request has been forwarded (a body byte sekisho consumed can't
        /// be replayed: it is not kept).
        var noBodyForwarded = true
        var alreadyRetried = false
        /// The whole request (head, body, trailers) has been read from the client.
        var requestComplete = true
    }

    enum Action: Equatable {
        /// Replay the request on a fresh connection, silently.
        case retryOnFreshConnection
        /// Answer with `status`; close the client connection afterwards if asked.
        case respond(status: Int, closeClient: Bool)
        /// A response is already under way: cut the client connection so the client sees a
        /// truncated message, never a complete-looking wrong one.
        case abortClient
    }

    static func decide(_ error: ProxyError, _ facts: Facts) -> Action {
        if facts.responseStarted { return .abortClient }
        let retryable: Bool
        switch error.retry {
        case .never: retryable = false
        case .always: retryable = true
        case .reusedOnly: retryable = facts.upstreamWasReused
        }
        if retryable, facts.idempotent, facts.noResponseBytes, facts.noBodyForwarded, !facts.alreadyRetried {
            return .retryOnFreshConnection
        }
        // Unread request bytes would be taken as the next request: close after answering.
        return .respond(status: error.status, closeClient: !facts.requestComplete)
    }

    static func isIdempotent(_ method: HTTP1Method) -> Bool {
        switch method {
        case .get, .head, .options, .trace, .put, .delete: return true
        default: return false
        }
    }
}
