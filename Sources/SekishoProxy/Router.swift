import SekishoConfig
import SekishoCore

/// Chooses the upstream of a request from its Host and path (pure).
///
/// Routes are tried in the order configured and the first match wins; a request matching none
/// goes to the listener's own upstream. Matching is on the request as received: the host name
/// of `Host` (lowercase, without port or IPv6 brackets) and the path of the target (before
/// `?`). A host pattern `*.example.jp` matches `a.example.jp` and `a.b.example.jp`, never
/// `example.jp` itself. A path prefix ending in `/` matches any path that starts with it; one
/// that does not must match the whole path or be followed by `/` (so `/api` never matches
/// `/apix`).
///
/// A route may carry a client policy (`routes[].client_policy`), compiled here once per
/// configuration generation; `route(host:target:)` hands it to the request path, which checks it
/// after routing and before anything goes upstream.
struct Router: Sendable, Equatable {
    struct Route: Sendable, Equatable {
        var host: String?
        var pathPrefix: String?
        var upstream: String
        /// nil: the route adds nothing to the listener's policy. Compiled without a deny-list:
        /// the listener's deny-list already ran at the handshake.
        var policy: ClientPolicy?
        /// `routes[<index>]`, for log lines.
        var label = ""
    }

    let routes: [Route]
    let defaultUpstream: String

    init(routes: [Route], defaultUpstream: String) {
        self.routes = routes
        self.defaultUpstream = defaultUpstream
    }

    init(listener: ListenerConfig) {
        self.init(
            routes: listener.routes.enumerated().map { index, route in
                Route(
                    host: route.host, pathPrefix: route.pathPrefix, upstream: route.upstreamName,
                    policy: route.clientPolicy.map { ClientPolicy(policy: $0, deny: .empty, listener: listener.name) },
                    label: "routes[\(index)]"
                )
            },
            defaultUpstream: listener.upstreamName
        )
    }

    /// - Parameters:
    ///   - host: the request's host name as `RequestAuthority.hostName` gives it (nil: no Host).
    ///   - target: the request-target in origin form (or `*`).
    func upstream(host: String?, target: String) -> String {
        route(host: host, target: target)?.upstream ?? defaultUpstream
    }

    /// The first route that matches, or nil when the request goes to `defaultUpstream`.
    func route(host: String?, target: String) -> Route? {
        let path = Self.path(of: target)
        for route in routes {
            if let pattern = route.host {
                guard let host, Self.hostMatches(pattern, host) else { continue }
            }
            if let prefix = route.pathPrefix {
                guard Self.pathMatches(prefix, path) else { continue }
            }
            return route
        }
        return nil
    }

    static func path(of target: String) -> Substring {
        let utf8 = target.utf8
        if let question = utf8.firstIndex(of: UInt8(ascii: "?")) { return target[..<question] }
        return target[...]
    }

    static func hostMatches(_ pattern: String, _ host: String) -> Bool {
        if pattern.hasPrefix("*.") {
            let suffix = pattern.dropFirst(1)  // ".example.jp"
            return host.utf8.count > suffix.utf8.count && host.hasSuffix(suffix)
        }
        return pattern == host
    }

    static func pathMatches(_ prefix: String, _ path: Substring) -> Bool {
        guard path.hasPrefix(prefix) else { return false }
        if prefix.hasSuffix("/") { return true }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/")
    }
}

/// The host a request is for, and whether it agrees with the TLS server name (pure).
enum RequestAuthority {
    /// The host of a `Host` value (`uri-host [":" port]`, already validated by the parser),
    /// lowercase, without the port, IPv6 without brackets, and without a trailing dot.
    static func hostName(_ value: String) -> String {
        // The common case, a lowercase name without port, bracket or trailing dot, is its own
        // host name: no Character-level slicing and no lowercased copy for every request.
        if isPlainLowercaseHost(value) { return value }
        return generalHostName(value)
    }

    /// `hostName` for any value: port and brackets off, trailing dot off, lowercased.
    static func generalHostName(_ value: String) -> String {
        var host = Substring(value)
        if host.hasPrefix("[") {
            if let close = host.firstIndex(of: "]") { host = host[host.index(after: host.startIndex)..<close] }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        return host.lowercased()
    }

    /// ASCII without uppercase letters, `[`, `:`, and not ending in `.`.
    static func isPlainLowercaseHost(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard let last = utf8.last, last != UInt8(ascii: ".") else { return false }
        for byte in utf8 {
            if byte >= 0x80 || (byte >= 0x41 && byte <= 0x5A) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") {
                return false
            }
        }
        return true
    }

    /// RFC 9110 §15.5.20 (421) and RFC 6066 §3: the name the client asked for in TLS must be
    /// the host of its requests, or a client could pass one name's certificate check and then
    /// address another host on the same connection. With SNI, the Host name must equal it. A
    /// client that sent no SNI (clients never send SNI for an IP address) may only address an
    /// IP literal. A request without Host (HTTP/1.0) has nothing to disagree with.
    static func agrees(sni: String?, host: String?) -> Bool {
        guard let host else { return true }
        guard let sni else { return HostPort.isIPv4Literal(host) || HostPort.isIPv6Literal(host) }
        if isPlainLowercaseHost(sni) { return sni == host }
        var name = Substring(sni)
        if name.hasSuffix(".") { name = name.dropLast() }
        return name.lowercased() == host
    }
}
