/// The `http` block of a listener whose upstream speaks `protocol: http1`, validated.
///
/// Defaults live in `ConfigDefaults` (ConfigDefaults+HTTP.swift); docs/CONFIGURATION.md lists
/// every key.
public struct HTTPListenerSettings: Sendable, Equatable {
    /// Request line including CRLF (414 beyond it).
    public let maxRequestLineBytes: Int
    /// Header section excluding the request line (431 beyond it).
    public let maxHeaderBytes: Int
    /// Number of header field lines (431 beyond it).
    public let maxHeaderCount: Int
    /// Largest request body accepted (413 beyond it); nil = no limit.
    public let maxRequestBodyBytes: UInt64?
    /// First byte of a request head to its end (408 beyond it): a slow-header client cannot
    /// hold a connection open forever.
    public let headerTimeout: Duration
    public let allowConnect: Bool
    public let allowTrace: Bool
    public let forwarded: ForwardedSettings
    /// nil: no `Strict-Transport-Security` header is added.
    public let hsts: HSTSSettings?
    public let identityHeaders: IdentityHeaderSettings

    package init(
        maxRequestLineBytes: Int, maxHeaderBytes: Int, maxHeaderCount: Int, maxRequestBodyBytes: UInt64?,
        headerTimeout: Duration, allowConnect: Bool, allowTrace: Bool, forwarded: ForwardedSettings,
        hsts: HSTSSettings?, identityHeaders: IdentityHeaderSettings
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.headerTimeout = headerTimeout
        self.allowConnect = allowConnect
        self.allowTrace = allowTrace
        self.forwarded = forwarded
        self.hsts = hsts
        self.identityHeaders = identityHeaders
    }

    /// Every key at its default.
    public static let defaults = HTTPListenerSettings(
        maxRequestLineBytes: ConfigDefaults.maxRequestLineBytes,
        maxHeaderBytes: ConfigDefaults.maxHeaderBytes,
        maxHeaderCount: ConfigDefaults.maxHeaderCount,
        maxRequestBodyBytes: nil,
        headerTimeout: ConfigDefaults.headerTimeout,
        allowConnect: false,
        allowTrace: false,
        forwarded: .defaults,
        hsts: nil,
        identityHeaders: .defaults
    )
}

/// Which forwarding headers sekisho adds. Inbound copies of all of them (`X-Forwarded-For`,
/// `X-Forwarded-Proto`, `X-Forwarded-Host`, `Forwarded`) are always removed: sekisho is the
/// first hop the backend can trust, so nothing a client wrote there is passed on.
public struct ForwardedSettings: Sendable, Equatable {
    public let xForwardedFor: Bool
    public let xForwardedProto: Bool
    /// RFC 7239 `Forwarded: for=…;proto=https;host=…`.
    public let rfc7239: Bool

    package init(xForwardedFor: Bool, xForwardedProto: Bool, rfc7239: Bool) {
        self.xForwardedFor = xForwardedFor
        self.xForwardedProto = xForwardedProto
        self.rfc7239 = rfc7239
    }

    public static let defaults = ForwardedSettings(xForwardedFor: true, xForwardedProto: true, rfc7239: false)
}

/// `Strict-Transport-Security` (RFC 6797) added to every response sekisho forwards or makes.
public struct HSTSSettings: Sendable, Equatable {
    public let maxAgeSeconds: Int
    public let includeSubdomains: Bool
    public let preload: Bool

    package init(maxAgeSeconds: Int, includeSubdomains: Bool, preload: Bool) {
        self.maxAgeSeconds = maxAgeSeconds
        self.includeSubdomains = includeSubdomains
        self.preload = preload
    }

    /// The header value, e.g. `max-age=31536000; includeSubDomains`.
    public var headerValue: String {
        var value = "max-age=\(maxAgeSeconds)"
        if includeSubdomains { value += "; includeSubDomains" }
        if preload { value += "; preload" }
        return value
    }
}

/// Names of the headers that carry the verified client certificate to the backend; nil = that
/// header is not sent. Whatever the settings, inbound fields with any of these names, with the
/// RFC 9440 names `Client-Cert`/`Client-Cert-Chain`, or starting with one of `stripPrefixes`
/// are removed before forwarding, so a client can never forge them.
public struct IdentityHeaderSettings: Sendable, Equatable {
    /// RFC 9440 §2.2: the DER certificate as an sf-binary, `:base64:`.
    public let clientCert: String?
    /// RFC 9440 §2.3: the certificates the client sent after its own, as an sf-list of sf-binary.
    public let clientCertChain: String?
    /// RFC 4514 subject over UTF-8, percent-encoded for the header (see IdentityHeaders).
    public let subject: String?
    public let issuer: String?
    /// Uppercase hex.
    public let serial: String?
    /// SHA-256 of the DER certificate, lowercase hex.
    public let sha256: String?
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public let notAfter: String?
    /// Inbound header name prefixes removed (case-insensitive).
    public let stripPrefixes: [String]

    package init(
        clientCert: String?, clientCertChain: String?, subject: String?, issuer: String?,
        serial: String?, sha256: String?, notAfter: String?, stripPrefixes: [String]
    ) {
        self.clientCert = clientCert
        self.clientCertChain = clientCertChain
        self.subject = subject
        self.issuer = issuer
        self.serial = serial
        self.sha256 = sha256
        self.notAfter = notAfter
        self.stripPrefixes = stripPrefixes
    }

    public static let defaults = IdentityHeaderSettings(
        clientCert: ConfigDefaults.IdentityHeaderName.clientCert,
        clientCertChain: nil,
        subject: ConfigDefaults.IdentityHeaderName.subject,
        issuer: ConfigDefaults.IdentityHeaderName.issuer,
        serial: ConfigDefaults.IdentityHeaderName.serial,
        sha256: ConfigDefaults.IdentityHeaderName.sha256,
        notAfter: ConfigDefaults.IdentityHeaderName.notAfter,
        stripPrefixes: ConfigDefaults.identityStripPrefixes
    )

    /// Every configured name, in a fixed order (for stripping and for duplicate checks).
    public var configuredNames: [String] {
        [clientCert, clientCertChain, subject, issuer, serial, sha256, notAfter].compactMap { $0 }
    }
}

/// One entry of `listeners[].routes`: requests whose Host and path match go to `upstreamName`.
/// Routes are tried in the order written; the first match wins, and a request that matches
/// none goes to the listener's `upstream`.
public struct RouteConfig: Sendable, Equatable {
    /// Lowercase host name or IP literal (IPv6 without brackets), or `*.suffix` matching any
    /// name that ends in `.suffix`; nil matches every host.
    public let host: String?
    /// Starts with `/`. A prefix ending in `/` matches any path starting with it; otherwise the
    /// path must equal it or continue with `/` (so `/api` matches `/api` and `/api/x`, never
    /// `/apix`). nil matches every path.
    public let pathPrefix: String?
    public let upstreamName: String
    /// `client_policy`: checked per request on the connection's verified client, after the
    /// listener's own policy and deny-list passed at the handshake. nil: the route adds nothing.
    public let clientPolicy: ClientPolicyConfig?

    package init(host: String?, pathPrefix: String?, upstreamName: String, clientPolicy: ClientPolicyConfig? = nil) {
        self.host = host
        self.pathPrefix = pathPrefix
        self.upstreamName = upstreamName
        self.clientPolicy = clientPolicy
    }
}

/// The top-level `access_log` block: one line per HTTP request.
public struct AccessLogSettings: Sendable, Equatable {
    public let format: LogFormat
    public let output: AccessLogOutput

    package init(format: LogFormat, output: AccessLogOutput) {
        self.format = format
        self.output = output
    }

    public static let defaults = AccessLogSettings(format: ConfigDefaults.accessLogFormat, output: ConfigDefaults.accessLogOutput)
}

/// Where access log lines go.
public enum AccessLogOutput: String, Sendable, Hashable, CaseIterable {
    case stdout, stderr, off
}

/// Keep-alive pool, timeouts and passive health of an upstream with `protocol: http1`.
public struct UpstreamHTTPSettings: Sendable, Equatable {
    /// Idle keep-alive connections kept per server, per event loop; 0 = no reuse.
    public let maxIdle: Int
    /// An idle pooled connection older than this is closed.
    public let idleTimeout: Duration
    /// Longest wait for the response head once the request is sent, and the longest gap between
    /// two pieces of a response body (504 if nothing of the response was sent yet).
    public let responseTimeout: Duration
    /// A server that failed (connect error or timeout, invalid response, response timeout) is
    /// skipped by round-robin for this long, unless every server is failing.
    public let failTimeout: Duration

    package init(maxIdle: Int, idleTimeout: Duration, responseTimeout: Duration, failTimeout: Duration) {
        self.maxIdle = maxIdle
        self.idleTimeout = idleTimeout
        self.responseTimeout = responseTimeout
        self.failTimeout = failTimeout
    }

    public static let defaults = UpstreamHTTPSettings(
        maxIdle: ConfigDefaults.upstreamMaxIdle,
        idleTimeout: ConfigDefaults.upstreamIdleTimeout,
        responseTimeout: ConfigDefaults.upstreamResponseTimeout,
        failTimeout: ConfigDefaults.upstreamFailTimeout
    )
}
