import SekishoCore

/// Validation of the HTTP proxy keys: listener `http` and `routes`, the http1-only keys of an
/// upstream, and `access_log`. Cross-checks between a listener and the protocol of the
/// upstreams it names run once both lists are built (`checkHTTPListeners`).
extension ConfigValidator {
    // MARK: listeners[].http

    mutating func httpSettings(_ raw: RawHTTP?, at path: String) -> HTTPListenerSettings? {
        guard let raw else { return .defaults }
        let requestLine = boundedByteCount(
            raw.maxRequestLine, at: "\(path).max_request_line",
            in: ConfigDefaults.maxRequestLineRange, default: ConfigDefaults.maxRequestLineBytes
        )
        let headerBytes = boundedByteCount(
            raw.maxHeaderBytes, at: "\(path).max_header_bytes",
            in: ConfigDefaults.maxHeaderBytesRange, default: ConfigDefaults.maxHeaderBytes
        )
        let headerCount = integer(
            raw.maxHeaders, at: "\(path).max_headers",
            in: ConfigDefaults.maxHeaderCountRange, default: ConfigDefaults.maxHeaderCount
        )
        var body: UInt64?? = .some(nil)
        if let written = raw.maxRequestBody {
            body = boundedByteCount(written, at: "\(path).max_request_body", in: 1...Int.max, default: 0).map { UInt64($0) }
        }
        let headerTimeout = duration(raw.headerTimeout, at: "\(path).header_timeout", default: ConfigDefaults.headerTimeout)
        let forwarded = ForwardedSettings(
            xForwardedFor: raw.forwarded?.xForwardedFor ?? ForwardedSettings.defaults.xForwardedFor,
            xForwardedProto: raw.forwarded?.xForwardedProto ?? ForwardedSettings.defaults.xForwardedProto,
            rfc7239: raw.forwarded?.rfc7239 ?? ForwardedSettings.defaults.rfc7239
        )
        let hsts = hstsSettings(raw.hsts, at: "\(path).hsts")
        let identity = identityHeaders(raw.identityHeaders, at: "\(path).identity_headers")
        guard let requestLine, let headerBytes, let headerCount, let body, let headerTimeout, let hsts, let identity
        else { return nil }
        return HTTPListenerSettings(
            maxRequestLineBytes: requestLine, maxHeaderBytes: headerBytes, maxHeaderCount: headerCount,
            maxRequestBodyBytes: body, headerTimeout: headerTimeout,
            allowConnect: raw.allowConnect ?? false, allowTrace: raw.allowTrace ?? false,
            forwarded: forwarded, hsts: hsts, identityHeaders: identity
        )
    }

    /// `.some(nil)`: no block, no header. `nil`: reported.
    private mutating func hstsSettings(_ raw: RawHSTS?, at path: String) -> HSTSSettings?? {
        guard let raw else { return .some(nil) }
        guard let written = require(raw.maxAge, at: "\(path).max_age") else { return nil }
        let range = ConfigDefaults.hstsMaxAgeRange
        guard let maxAge = integer(written, at: "\(path).max_age", in: range, default: range.lowerBound) else { return nil }
        return .some(HSTSSettings(
            maxAgeSeconds: maxAge, includeSubdomains: raw.includeSubdomains ?? false, preload: raw.preload ?? false
        ))
    }

    /// Field names that must never carry the identity: they frame, route or describe the
    /// connection, or are forwarding headers sekisho writes itself.
    static let reservedHeaderNames = [
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection",
        "TE", "Trailer", "Upgrade", "Expect", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
        "Forwarded",
    ]

    private mutating func identityHeaders(_ raw: RawIdentityHeaders?, at path: String) -> IdentityHeaderSettings? {
        typealias Name = ConfigDefaults.IdentityHeaderName
        let defaults = IdentityHeaderSettings.defaults
        let entries: [(key: String, raw: RawHeaderName?, defaultName: String, enabledByDefault: Bool)] = [
            ("client_cert", raw?.clientCert, Name.clientCert, defaults.clientCert != nil),
            ("client_cert_chain", raw?.clientCertChain, Name.clientCertChain, defaults.clientCertChain != nil),
            ("subject", raw?.subject, Name.subject, defaults.subject != nil),
            ("issuer", raw?.issuer, Name.issuer, defaults.issuer != nil),
            ("serial", raw?.serial, Name.serial, defaults.serial != nil),
            ("sha256", raw?.sha256, Name.sha256, defaults.sha256 != nil),
            ("not_after", raw?.notAfter, Name.notAfter, defaults.notAfter != nil),
        ]
        var names: [String?] = []
        var seen: [String: String] = [:]
        var valid = true
        for entry in entries {
            let keyPath = "\(path).\(entry.key)"
            let name: String?
            switch entry.raw {
            case nil: name = entry.enabledByDefault ? entry.defaultName : nil
            case .enabled(let on)?: name = on ? entry.defaultName : nil
            case .name(let written)?:
                guard Self.isToken(written) else {
                    report(keyPath, "'\(written)' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
                    valid = false
                    continue
                }
                if let reserved = Self.reservedHeaderNames.first(where: { $0.lowercased() == written.lowercased() }) {
                    report(keyPath, "'\(written)' cannot carry the client identity (\(reserved) is a framing, routing, connection or forwarding header)")
                    valid = false
                    continue
                }
                name = written
            }
            if let name {
                if let first = seen[name.lowercased()] {
                    report(keyPath, "'\(name)' is already used by \(path).\(first)")
                    valid = false
                    continue
                }
                seen[name.lowercased()] = entry.key
            }
            names.append(name)
        }
        var prefixes = ConfigDefaults.identityStripPrefixes
        if let written = raw?.stripPrefixes {
            prefixes = []
            for (index, prefix) in written.enumerated() {
                let entryPath = "\(path).strip_prefixes[\(index)]"
                if prefix.isEmpty {
                    report(entryPath, "must not be empty")
                    valid = false
                } else if !Self.isToken(prefix) {
                    report(entryPath, "'\(prefix)' is not a valid header name prefix (letters, digits and !#$%&'*+-.^_`|~ only)")
                    valid = false
                } else if "host".hasPrefix(prefix.lowercased()) {
                    report(entryPath, "'\(prefix)' would also remove Host")
                    valid = false
                } else {
                    prefixes.append(prefix)
                }
            }
        }
        guard valid, names.count == entries.count else { return nil }
        return IdentityHeaderSettings(
            clientCert: names[0], clientCertChain: names[1], subject: names[2], issuer: names[3],
            serial: names[4], sha256: names[5], notAfter: names[6], stripPrefixes: prefixes
        )
    }

    /// token = 1*tchar (RFC 9110 §5.6.2).
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    // MARK: listeners[].routes

    mutating func routes(_ raw: [RawRoute]?, at path: String, known: [String]) -> [RouteConfig]? {
        guard let raw else { return [] }
        var built: [RouteConfig] = []
        for (index, entry) in raw.enumerated() {
            let entryPath = "\(path)[\(index)]"
            var valid = true
            var host: String?
            if let written = entry.host {
                host = Self.normalizedRouteHost(written)
                if host == nil {
                    report("\(entryPath).host", "'\(written)' is not a host name, IP address or *.suffix pattern")
                    valid = false
                }
            }
            if let prefix = entry.pathPrefix, !Self.isValidPathPrefix(prefix) {
                report("\(entryPath).path_prefix", "'\(prefix)' must start with '/' and hold only visible ASCII without '?' or '#'")
                valid = false
            }
            if entry.host == nil, entry.pathPrefix == nil, !hasEarlierIssue(around: "\(entryPath).host"),
               !hasEarlierIssue(around: "\(entryPath).path_prefix") {
                report(entryPath, "a route needs host, path_prefix or both")
                valid = false
            }
            var upstream: String?
            if let name = require(entry.upstream, at: "\(entryPath).upstream") {
                if known.contains(name) {
                    upstream = name
                } else {
                    let list = known.isEmpty ? "no upstreams are defined" : "known: \(known.joined(separator: ", "))"
                    report("\(entryPath).upstream", "no upstream named '\(name)' (\(list))")
                }
            }
            // Same schema, validation and messages as `client_auth.policy`.
            var policy: ClientPolicyConfig?
            if let written = entry.clientPolicy {
                policy = clientPolicy(written, at: "\(entryPath).client_policy")
                if policy == nil { valid = false }
            }
            guard valid, let upstream else { continue }
            built.append(RouteConfig(host: host, pathPrefix: entry.pathPrefix, upstreamName: upstream, clientPolicy: policy))
        }
        return built.count == raw.count ? built : nil
    }

    /// Lowercase form of a route host, or nil when it is not a DNS name, an IP literal (IPv6 with
    /// or without brackets) or `*.` followed by a DNS name.
    static func normalizedRouteHost(_ written: String) -> String? {
        var text = written.lowercased()
        if text.hasPrefix("["), text.hasSuffix("]") {
            text = String(text.dropFirst().dropLast())
            return HostPort.isIPv6Literal(text) ? text : nil
        }
        if HostPort.isIPv4Literal(text) || HostPort.isIPv6Literal(text) { return text }
        let name = text.hasPrefix("*.") ? String(text.dropFirst(2)) : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= 253, labels.allSatisfy({ label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }) else { return nil }
        return text
    }

    static func isValidPathPrefix(_ prefix: String) -> Bool {
        prefix.hasPrefix("/") && prefix.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
    }

    // MARK: upstreams[] (http1-only keys)

    mutating func upstreamHTTPSettings(_ raw: RawUpstream, at path: String, protocol proto: UpstreamProtocol?) -> UpstreamHTTPSettings? {
        if proto == .tcp {
            let written: [(String, Bool)] = [
                ("max_idle", raw.maxIdle != nil), ("idle_timeout", raw.idleTimeout != nil),
                ("response_timeout", raw.responseTimeout != nil), ("health", raw.health != nil),
            ]
            var valid = true
            for (key, present) in written where present {
                report("\(path).\(key)", "applies only to protocol http1 (this upstream uses tcp)")
                valid = false
            }
            return valid ? .defaults : nil
        }
        let maxIdle = integer(raw.maxIdle, at: "\(path).max_idle", in: ConfigDefaults.upstreamMaxIdleRange, default: ConfigDefaults.upstreamMaxIdle)
        let idle = duration(raw.idleTimeout, at: "\(path).idle_timeout", default: ConfigDefaults.upstreamIdleTimeout)
        let response = duration(raw.responseTimeout, at: "\(path).response_timeout", default: ConfigDefaults.upstreamResponseTimeout)
        let fail = duration(raw.health?.failTimeout, at: "\(path).health.fail_timeout", default: ConfigDefaults.upstreamFailTimeout)
        guard let maxIdle, let idle, let response, let fail else { return nil }
        return UpstreamHTTPSettings(maxIdle: maxIdle, idleTimeout: idle, responseTimeout: response, failTimeout: fail)
    }

    // MARK: access_log

    mutating func accessLogSettings(_ raw: RawAccessLog?, at path: String) -> AccessLogSettings? {
        let format = choice(raw?.format, at: "\(path).format", kind: "log format", default: ConfigDefaults.accessLogFormat)
        let output = choice(raw?.output, at: "\(path).output", kind: "known output", default: ConfigDefaults.accessLogOutput)
        guard let format, let output else { return nil }
        return AccessLogSettings(format: format, output: output)
    }

    // MARK: Cross-checks

    /// `http` and `routes` need the listener's upstream to speak http1, and every route must
    /// name an http1 upstream: a tcp upstream has no requests to route.
    mutating func checkHTTPListeners(_ raw: [RawListener], built: [ListenerConfig], upstreams: [UpstreamConfig]) {
        for (index, listener) in built.enumerated() where index < raw.count {
            let path = "listeners[\(index)]"
            guard let upstream = upstreams.first(where: { $0.name == listener.upstreamName }) else { continue }
            if upstream.protocol != .http1 {
                if raw[index].http != nil {
                    report("\(path).http", "applies only when the listener's upstream uses protocol http1 (upstream '\(upstream.name)' uses \(upstream.protocol.rawValue))")
                }
                if let routes = raw[index].routes, !routes.isEmpty {
                    report("\(path).routes", "routes need the listener's upstream to use protocol http1 (upstream '\(upstream.name)' uses \(upstream.protocol.rawValue))")
                }
                continue
            }
            for (routeIndex, route) in listener.routes.enumerated() {
                guard let target = upstreams.first(where: { $0.name == route.upstreamName }), target.protocol != .http1 else { continue }
                report("\(path).routes[\(routeIndex)].upstream", "upstream '\(target.name)' uses protocol \(target.protocol.rawValue); routes need protocol http1")
            }
        }
    }

    // MARK: Helpers

    /// A byte count inside `range`, or the default when absent.
    private mutating func boundedByteCount(_ raw: String?, at path: String, in range: ClosedRange<Int>, default value: Int) -> Int? {
        guard let raw else { return value }
        switch ConfigValueParser.byteCount(raw) {
        case .failure(let error):
            report(path, error.message)
            return nil
        case .success(let bytes) where !range.contains(bytes):
            let bounds = range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            report(path, "must be \(bounds) bytes (found \(bytes))")
            return nil
        case .success(let bytes):
            return bytes
        }
    }
}
