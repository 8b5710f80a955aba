/// `listeners[].http`: HTTP/1.1 proxying settings, allowed only when the listener's upstream
/// uses `protocol: http1`. All reload-safe (new connections use the new values).
/// - `max_request_line` (byte size, 256..65536, default 8192): 414 beyond it
/// - `max_header_bytes` (byte size, 1024..1048576, default 32768): 431 beyond it
/// - `max_headers` (int, 1..1000, default 100): 431 beyond it
/// - `max_request_body` (byte size, default none): 413 beyond it
/// - `header_timeout` (duration, default 30s): first byte of a request head to its end, 408
/// - `allow_connect`, `allow_trace` (bool, default false): 501 while off
/// - `forwarded` (`RawForwarded`), `hsts` (`RawHSTS`), `identity_headers` (`RawIdentityHeaders`)
public struct RawHTTP: Decodable, Sendable, Equatable {
    public var maxRequestLine: String?
    public var maxHeaderBytes: String?
    public var maxHeaders: Int?
    public var maxRequestBody: String?
    public var headerTimeout: String?
    public var allowConnect: Bool?
    public var allowTrace: Bool?
    public var forwarded: RawForwarded?
    public var hsts: RawHSTS?
    public var identityHeaders: RawIdentityHeaders?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxRequestLine = "max_request_line"
        case maxHeaderBytes = "max_header_bytes"
        case maxHeaders = "max_headers"
        case maxRequestBody = "max_request_body"
        case headerTimeout = "header_timeout"
        case allowConnect = "allow_connect"
        case allowTrace = "allow_trace"
        case forwarded, hsts
        case identityHeaders = "identity_headers"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        maxRequestLine = try c.lenient(String.self, forKey: .maxRequestLine)
        maxHeaderBytes = try c.lenient(String.self, forKey: .maxHeaderBytes)
        maxHeaders = try c.lenient(Int.self, forKey: .maxHeaders)
        maxRequestBody = try c.lenient(String.self, forKey: .maxRequestBody)
        headerTimeout = try c.lenient(String.self, forKey: .headerTimeout)
        allowConnect = try c.lenient(Bool.self, forKey: .allowConnect)
        allowTrace = try c.lenient(Bool.self, forKey: .allowTrace)
        forwarded = try c.lenient(RawForwarded.self, forKey: .forwarded)
        hsts = try c.lenient(RawHSTS.self, forKey: .hsts)
        identityHeaders = try c.lenient(RawIdentityHeaders.self, forKey: .identityHeaders)
    }
}

/// `listeners[].http.forwarded`: which forwarding headers are added (inbound copies are always
/// removed).
/// - `x_forwarded_for` (bool, default true), `x_forwarded_proto` (bool, default true)
/// - `rfc7239` (bool, default false): RFC 7239 `Forwarded`
public struct RawForwarded: Decodable, Sendable, Equatable {
    public var xForwardedFor: Bool?
    public var xForwardedProto: Bool?
    public var rfc7239: Bool?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case xForwardedFor = "x_forwarded_for"
        case xForwardedProto = "x_forwarded_proto"
        case rfc7239
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        xForwardedFor = try c.lenient(Bool.self, forKey: .xForwardedFor)
        xForwardedProto = try c.lenient(Bool.self, forKey: .xForwardedProto)
        rfc7239 = try c.lenient(Bool.self, forKey: .rfc7239)
    }
}

/// `listeners[].http.hsts`: present = `Strict-Transport-Security` on every response.
/// - `max_age` (int seconds, 1..315360000, required in the block)
/// - `include_subdomains` (bool, default false), `preload` (bool, default false)
public struct RawHSTS: Decodable, Sendable, Equatable {
    public var maxAge: Int?
    public var includeSubdomains: Bool?
    public var preload: Bool?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxAge = "max_age"
        case includeSubdomains = "include_subdomains"
        case preload
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        maxAge = try c.lenient(Int.self, forKey: .maxAge)
        includeSubdomains = try c.lenient(Bool.self, forKey: .includeSubdomains)
        preload = try c.lenient(Bool.self, forKey: .preload)
    }
}

/// `listeners[].http.identity_headers`: each header key takes a field name, `true` (the
/// default name) or `false` (not sent).
/// - `client_cert` (default `Client-Cert`), `client_cert_chain` (default false; true =
///   `Client-Cert-Chain`), `subject` (`X-Client-Cert-Subject`), `issuer`
///   (`X-Client-Cert-Issuer`), `serial` (`X-Client-Cert-Serial`), `sha256`
///   (`X-Client-Cert-SHA256`), `not_after` (`X-Client-Cert-Not-After`)
/// - `strip_prefixes` (list of name prefixes, default [X-Client-Cert-])
public struct RawIdentityHeaders: Decodable, Sendable, Equatable {
    public var clientCert: RawHeaderName?
    public var clientCertChain: RawHeaderName?
    public var subject: RawHeaderName?
    public var issuer: RawHeaderName?
    public var serial: RawHeaderName?
    public var sha256: RawHeaderName?
    public var notAfter: RawHeaderName?
    public var stripPrefixes: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case clientCert = "client_cert"
        case clientCertChain = "client_cert_chain"
        case subject, issuer, serial, sha256
        case notAfter = "not_after"
        case stripPrefixes = "strip_prefixes"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        clientCert = try c.lenient(RawHeaderName.self, forKey: .clientCert)
        clientCertChain = try c.lenient(RawHeaderName.self, forKey: .clientCertChain)
        subject = try c.lenient(RawHeaderName.self, forKey: .subject)
        issuer = try c.lenient(RawHeaderName.self, forKey: .issuer)
        serial = try c.lenient(RawHeaderName.self, forKey: .serial)
        sha256 = try c.lenient(RawHeaderName.self, forKey: .sha256)
        notAfter = try c.lenient(RawHeaderName.self, forKey: .notAfter)
        stripPrefixes = try c.lenient([String].self, forKey: .stripPrefixes)
    }
}

/// A header name, or `true`/`false` for "the default name"/"not sent".
public enum RawHeaderName: Decodable, Sendable, Equatable, RawValueExpectation {
    case enabled(Bool)
    case name(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .enabled(flag)
            return
        }
        do {
            self = .name(try container.decode(String.self))
        } catch {
            throw DecodingError.typeMismatch(
                RawHeaderName.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected \(Self.expectation)")
            )
        }
    }

    static var expectation: String { "a header name, true or false" }
}

/// One entry of `listeners[].routes` (first match wins; no match: the listener's `upstream`).
/// - `host` (host name, IP literal or `*.suffix`; optional)
/// - `path_prefix` (starts with `/`; optional; at least one of host and path_prefix)
/// - `upstream` (name of an upstream with protocol http1, required)
/// - `client_policy` (`RawClientPolicy`, the schema of `client_auth.policy`; optional): applied
///   per request to requests this route matched, in addition to the listener's policy
public struct RawRoute: Decodable, Sendable, Equatable {
    public var host: String?
    public var pathPrefix: String?
    public var upstream: String?
    public var clientPolicy: RawClientPolicy?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host
        case pathPrefix = "path_prefix"
        case upstream
        case clientPolicy = "client_policy"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        host = try c.lenient(String.self, forKey: .host)
        pathPrefix = try c.lenient(String.self, forKey: .pathPrefix)
        upstream = try c.lenient(String.self, forKey: .upstream)
        clientPolicy = try c.lenient(RawClientPolicy.self, forKey: .clientPolicy)
    }
}

/// The top-level `access_log` block (reload-safe: connections accepted after a reload use the
/// new format and output).
/// - `format` (text|json, default text)
/// - `output` (stdout|stderr|off, default stdout)
public struct RawAccessLog: Decodable, Sendable, Equatable {
    public var format: String?
    public var output: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, output
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        format = try c.lenient(String.self, forKey: .format)
        output = try c.lenient(String.self, forKey: .output)
    }
}

/// `upstreams[].health` (protocol http1 only).
/// - `fail_timeout` (duration, default 10s): how long a failed server is skipped
public struct RawHealth: Decodable, Sendable, Equatable {
    public var failTimeout: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case failTimeout = "fail_timeout"
    }

    public init(from decoder: any Decoder) throws {
        guard let c = try decoder.strictContainer(keyedBy: CodingKeys.self) else { return }
        failTimeout = try c.lenient(String.self, forKey: .failTimeout)
    }
}
