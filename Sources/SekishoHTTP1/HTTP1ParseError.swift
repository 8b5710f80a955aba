/// Everything the HTTP/1.1 parsers refuse, each case mapped to the status the proxy answers with.
///
/// `status` is the status to send to the *client* when the request parser throws the error.
/// When ``HTTP1ResponseParser`` throws, the message came from the upstream: the proxy answers the
/// client with 502 (``upstreamStatus``) whatever the case, and never reuses that upstream
/// connection.
///
/// Every case closes the connection (`closesConnection` is always `true`). Once a message has been
/// refused the parser does not try to find the next message boundary: re-synchronising after a
/// framing error is exactly what request smuggling relies on (RFC 9112 §11.2), and a refused head
/// may still be followed by body bytes whose length we have chosen not to trust.
public enum HTTP1ParseError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    // --- start line ---------------------------------------------------------------------------
    /// The request line (with its CRLF, and any empty lines before it) exceeded
    /// ``HTTP1Limits/maxRequestLineBytes`` (RFC 9112 §3: 414 for a request-target too long).
    case requestLineTooLong
    /// Not `method SP request-target SP HTTP-version` with single spaces (RFC 9112 §3).
    case invalidRequestLine
    /// The method is not a token (RFC 9110 §9.1, §5.6.2).
    case invalidMethod
    /// The request-target holds a control character, space, non-ASCII byte or "#", or does not have
    /// one of the four forms allowed for its method (RFC 9112 §3.2).
    case invalidRequestTarget
    /// The version is not `HTTP/` DIGIT "." DIGIT (RFC 9112 §2.3).
    case invalidVersion
    /// A well-formed HTTP version other than 1.0/1.1 (RFC 9110 §15.6.6: 505).
    case unsupportedVersion
    /// CONNECT or TRACE while not enabled in ``HTTP1RequestPolicy``. We answer 501 rather than 405:
    /// the proxy supports the method for no resource at all (RFC 9110 §15.6.2), and 405 would
    /// oblige us to send an `Allow` list (RFC 9110 §15.5.6).
    case methodNotSupported
    /// The status line is not `HTTP-version SP 3DIGIT SP reason-phrase` (RFC 9112 §4).
    case invalidStatusLine
    /// A status code outside 100...599 (RFC 9110 §15).
    case invalidStatusCode

    // --- line syntax ----------------------------------------------------------------------------
    /// A LF not preceded by CR. RFC 9112 §2.2 lets a recipient accept a bare LF as a line
    /// terminator; sekisho does not, so that it never disagrees with a stricter hop about where a
    /// line ends.
    case bareLineFeed
    /// A CR not followed by LF (RFC 9112 §2.2: such an element is invalid).
    case bareCarriageReturn

    // --- field lines ----------------------------------------------------------------------------
    /// The header section (field lines and the empty line, not the start line) exceeded
    /// ``HTTP1Limits/maxHeaderBytes`` (RFC 6585 §5: 431).
    case headerSectionTooLarge
    /// More than ``HTTP1Limits/maxHeaderCount`` field lines (RFC 6585 §5: 431).
    case tooManyHeaderFields
    /// A field line without a colon.
    case missingColon
    /// A field name that is empty or not a token (RFC 9110 §5.1).
    case invalidFieldName
    /// Whitespace between field name and colon (RFC 9112 §5.1: MUST reject with 400).
    case whitespaceBeforeColon
    /// A field value with a control character other than HTAB (NUL, DEL, ...), or bytes that are
    /// not valid UTF-8 (RFC 9110 §5.5; we keep values losslessly as `String`, see ``HTTP1Fields``).
    case invalidFieldValue
    /// A field line starting with SP/HTAB: obs-fold (RFC 9112 §5.2), or whitespace between the start
    /// line and the first field (RFC 9112 §2.2). Both are refused.
    case obsoleteLineFolding

    // --- request semantics ----------------------------------------------------------------------
    /// HTTP/1.1 request without `Host` (RFC 9112 §3.2).
    case missingHost
    /// More than one `Host` field line (RFC 9112 §3.2).
    case multipleHost
    /// A `Host` value that is not `uri-host [":" port]` (RFC 9112 §3.2, RFC 3986 §3.2.2).
    case invalidHost
    /// Absolute-form target whose authority differs from `Host` (RFC 9112 §3.2.2; sekisho requires
    /// both to agree instead of silently preferring one).
    case hostMismatch
    /// An `Expect` value other than `100-continue` (RFC 9110 §10.1.1: 417).
    case unsupportedExpectation
    /// A declared body larger than ``HTTP1Limits/maxRequestBodyBytes`` (RFC 9110 §15.5.14: 413).
    case contentTooLarge

    // --- framing (RFC 9112 §6) --------------------------------------------------------------------
    /// Both Content-Length and Transfer-Encoding (RFC 9112 §6.3 ¶3: we refuse rather than forward).
    case contentLengthWithTransferEncoding
    /// Content-Length not 1*DIGIT, with sign/inner whitespace/empty list element, or above Int64.max
    /// (RFC 9110 §8.6).
    case invalidContentLength
    /// Several Content-Length values that differ (RFC 9110 §8.6; identical duplicates are accepted).
    case conflictingContentLength
    /// Transfer-Encoding is malformed, lists chunked twice, or chunked is not the final coding
    /// (RFC 9112 §6.1, §6.3 ¶4: 400).
    case invalidTransferEncoding
    /// A transfer coding other than chunked (RFC 9112 §6.1: 501).
    case unsupportedTransferCoding
    /// Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1: framing is faulty).
    case transferEncodingOnHTTP10

    // --- chunked coding (RFC 9112 §7.1) -----------------------------------------------------------
    /// chunk-size is missing or not followed by `;`, whitespace or CRLF (e.g. `0x5`, `-1`).
    case invalidChunkSize
    /// chunk-size has more than 16 hex digits or exceeds Int64.max.
    case chunkSizeOverflow
    /// chunk-ext does not match `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`.
    case invalidChunkExtension
    /// chunk-ext longer than ``HTTP1Limits/maxChunkExtensionBytes``.
    case chunkExtensionTooLong
    /// chunk-data not followed by CRLF.
    case missingChunkDataTerminator
    /// Trailer section larger than ``HTTP1Limits/maxTrailerBytes`` or with more than
    /// ``HTTP1Limits/maxHeaderCount`` fields.
    case trailerSectionTooLarge
    /// A field that must not appear in trailers: framing, routing, connection control,
    /// authentication or content metadata (RFC 9110 §6.5.1).
    case forbiddenTrailerField

    // --- connection ---------------------------------------------------------------------------------
    /// The peer closed the connection in the middle of a message.
    case connectionClosedInMessage
    /// The upstream closed before sending any byte of an expected response (retry-eligible on a
    /// reused connection, pingora's `ReusedOnly`).
    case connectionClosedBeforeResponse
    /// Response bytes arrived while no request was outstanding.
    case unsolicitedResponse
    /// 101 Switching Protocols, or 2xx to CONNECT: protocol switching is not supported yet.
    case upgradeNotSupported

    /// Status the proxy sends to the client when the *request* parser throws this error.
    public var status: Int {
        switch self {
        case .requestLineTooLong: return 414
        case .headerSectionTooLarge, .tooManyHeaderFields, .trailerSectionTooLarge: return 431
        case .unsupportedVersion: return 505
        case .methodNotSupported, .unsupportedTransferCoding: return 501
        case .unsupportedExpectation: return 417
        case .contentTooLarge: return 413
        case .invalidStatusLine, .invalidStatusCode, .connectionClosedBeforeResponse,
             .unsolicitedResponse, .upgradeNotSupported:
            return Self.upstreamStatus
        default: return 400
        }
    }

    /// Status for any error thrown by ``HTTP1ResponseParser`` (RFC 9110 §15.6.3: 502).
    public static let upstreamStatus = 502

    /// Always `true`; see the type's documentation for why.
    public var closesConnection: Bool { true }

    public var description: String {
        switch self {
        case .requestLineTooLong: return "request line too long"
        case .invalidRequestLine: return "invalid request line"
        case .invalidMethod: return "invalid method"
        case .invalidRequestTarget: return "invalid request target"
        case .invalidVersion: return "invalid HTTP version"
        case .unsupportedVersion: return "unsupported HTTP version"
        case .methodNotSupported: return "method not supported"
        case .invalidStatusLine: return "invalid status line"
        case .invalidStatusCode: return "invalid status code"
        case .bareLineFeed: return "bare LF"
        case .bareCarriageReturn: return "bare CR"
        case .headerSectionTooLarge: return "header section too large"
        case .tooManyHeaderFields: return "too many header fields"
        case .missingColon: return "field line without colon"
        case .invalidFieldName: return "invalid field name"
        case .whitespaceBeforeColon: return "whitespace between field name and colon"
        case .invalidFieldValue: return "invalid field value"
        case .obsoleteLineFolding: return "obsolete line folding"
        case .missingHost: return "missing Host"
        case .multipleHost: return "more than one Host"
        case .invalidHost: return "invalid Host"
        case .hostMismatch: return "absolute-form authority differs from Host"
        case .unsupportedExpectation: return "unsupported expectation"
        case .contentTooLarge: return "content too large"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding"
        case .invalidContentLength: return "invalid Content-Length"
        case .conflictingContentLength: return "conflicting Content-Length values"
        case .invalidTransferEncoding: return "invalid Transfer-Encoding"
        case .unsupportedTransferCoding: return "unsupported transfer coding"
        case .transferEncodingOnHTTP10: return "Transfer-Encoding on HTTP/1.0"
        case .invalidChunkSize: return "invalid chunk size"
        case .chunkSizeOverflow: return "chunk size overflow"
        case .invalidChunkExtension: return "invalid chunk extension"
        case .chunkExtensionTooLong: return "chunk extension too long"
        case .missingChunkDataTerminator: return "missing CRLF after chunk data"
        case .trailerSectionTooLarge: return "trailer section too large"
        case .forbiddenTrailerField: return "forbidden field in trailers"
        case .connectionClosedInMessage: return "connection closed in the middle of a message"
        case .connectionClosedBeforeResponse: return "connection closed before the response"
        case .unsolicitedResponse: return "response data without an outstanding request"
        case .upgradeNotSupported: return "protocol upgrade not supported"
        }
    }
}
