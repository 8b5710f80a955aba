import SekishoConfig
import SekishoHTTP1

/// The forwarding rules of `HTTP1Forwarding`, written straight into bytes: the per-request path
/// of the proxy. `upstreamRequest` / `clientResponse` (the same rules as values) stay the
/// reference; these produce exactly the bytes `HTTP1Serializer` writes for their results
/// (HTTP1ForwardingWireTests compares the two on every rule), without building an
/// intermediate head, without lowercasing every field name into a new String, and without
/// checking the per-connection identity fields again for every request.
extension HTTP1Forwarding {
    /// Appends the head to send upstream for `head` to `out`; returns how its body is framed.
    /// On an error nothing is appended, and the error is the one the reference path throws.
    static func writeUpstreamRequest(
        _ head: HTTP1RequestHead, context: RequestContext, into out: inout [UInt8]
    ) throws(HTTP1SerializationError) -> BodyEncoding {
        let start = out.count
        if let block = context.identityBlock {
            do {
                return try writeUpstreamRequestFast(head, context: context, identityBlock: block, into: &out)
            } catch {
                out.removeSubrange(start...)
            }
        }
        // The checked path: its error (in its order of checks) is the one reported.
        let (forwarded, encoding) = upstreamRequest(head, context: context)
        do {
            try HTTP1Serializer.writeRequestHead(forwarded, into: &out)
        } catch {
            out.removeSubrange(start...)
            throw error
        }
        return encoding
    }

    private static func writeUpstreamRequestFast(
        _ head: HTTP1RequestHead, context: RequestContext, identityBlock: [UInt8], into out: inout [UInt8]
    ) throws(HTTP1SerializationError) -> BodyEncoding {
        try HTTP1Serializer.writeRequestLine(method: head.method, target: head.originFormTarget, version: .http1_1, into: &out)
        let named = head.headers.contains(named: "Connection") ? connectionNamed(head.headers) : []
        var host: String?
        for field in head.headers {
            switch requestFieldRule(field.name) {
            case .host:
                host = field.value
            case .drop:
                continue
            case .other:
                break
            }
            if !named.isEmpty, named.contains(field.name.lowercased()) { continue }
            if context.identity.mustStrip(field.name) { continue }
            try HTTP1Serializer.writeField(name: field.name, value: field.value, into: &out)
        }
        if host == nil {
            try HTTP1Serializer.writeField(name: "Host", value: head.authority ?? context.fallbackHost, into: &out)
        }
        let encoding: BodyEncoding
        switch head.framing {
        case .none, .closeDelimited:
            encoding = .none
        case .contentLength(let n):
            try HTTP1Serializer.writeField(name: "Content-Length", decimal: n, into: &out)
            encoding = .contentLength
        case .chunked:
            try HTTP1Serializer.writeField(name: "Transfer-Encoding", value: "chunked", into: &out)
            encoding = .chunked
        }
        if context.forwarded.xForwardedFor {
            try HTTP1Serializer.writeField(name: "X-Forwarded-For", value: context.clientIP, into: &out)
        }
        if context.forwarded.xForwardedProto {
            try HTTP1Serializer.writeField(name: "X-Forwarded-Proto", value: "https", into: &out)
        }
        if context.forwarded.rfc7239 {
            // As in `upstreamRequest` (RFC 7239 §4, §6).
            let node = context.clientIsIPv6 ? "\"[\(context.clientIP)]\"" : context.clientIP
            var value = "for=\(node);proto=https"
            if let host = host ?? head.authority { value += ";host=\"\(host)\"" }
            try HTTP1Serializer.writeField(name: "Forwarded", value: value, into: &out)
        }
        out.append(contentsOf: identityBlock)
        HTTP1Serializer.writeEndOfHead(into: &out)
        return encoding
    }

    /// Appends the head sent to the client for the upstream's `head` (the rules of
    /// `clientResponse`). On an error nothing is appended.
    static func writeClientResponse(
        _ head: HTTP1ResponseHead, clientVersion: HTTP1Version, keepAlive: Bool, hsts: HSTSSettings?,
        into out: inout [UInt8]
    ) throws(HTTP1SerializationError) -> (encoding: BodyEncoding, closesClient: Bool) {
        let start = out.count
        do {
            return try writeClientResponseFast(head, clientVersion: clientVersion, keepAlive: keepAlive, hsts: hsts, into: &out)
        } catch {
            out.removeSubrange(start...)
        }
        let response = clientResponse(head, clientVersion: clientVersion, keepAlive: keepAlive, hsts: hsts)
        do {
            try HTTP1Serializer.writeResponseHead(response.head, into: &out)
        } catch {
            out.removeSubrange(start...)
            throw error
        }
        return (response.encoding, response.closesClient)
    }

    private static func writeClientResponseFast(
        _ head: HTTP1ResponseHead, clientVersion: HTTP1Version, keepAlive: Bool, hsts: HSTSSettings?,
        into out: inout [UInt8]
    ) throws(HTTP1SerializationError) -> (encoding: BodyEncoding, closesClient: Bool) {
        try HTTP1Serializer.writeStatusLine(status: head.status, reason: head.reason, version: .http1_1, into: &out)
        let named = head.headers.contains(named: "Connection") ? connectionNamed(head.headers) : []
        let encoding = clientEncoding(head.framing, clientVersion: clientVersion)
        for field in head.headers {
            switch responseFieldRule(field.name) {
            case .hopByHop:
                continue
            case .contentLength:
                if encoding != .none || head.status == 204 || head.status < 200 { continue }
            case .strictTransportSecurity:
                if hsts != nil { continue }
            case .other:
                break
            }
            if !named.isEmpty, named.contains(field.name.lowercased()) { continue }
            try HTTP1Serializer.writeField(name: field.name, value: field.value, into: &out)
        }
        switch (head.framing, encoding) {
        case (.contentLength(let n), _): try HTTP1Serializer.writeField(name: "Content-Length", decimal: n, into: &out)
        case (_, .chunked): try HTTP1Serializer.writeField(name: "Transfer-Encoding", value: "chunked", into: &out)
        default: break
        }
        let closes = !keepAlive || encoding == .untilClose
        if closes {
            try HTTP1Serializer.writeField(name: "Connection", value: "close", into: &out)
        } else if clientVersion == .http1_0 {
            try HTTP1Serializer.writeField(name: "Connection", value: "keep-alive", into: &out)
        }
        if let hsts { try HTTP1Serializer.writeField(name: "Strict-Transport-Security", value: hsts.headerValue, into: &out) }
        HTTP1Serializer.writeEndOfHead(into: &out)
        return (encoding, closes)
    }

    // MARK: Field classification without allocation

    enum RequestFieldRule: Equatable {
        case host
        /// Hop-by-hop, forwarding, Content-Length or Expect: never forwarded as received.
        case drop
        case other
    }

    /// The fixed part of the request filter of `upstreamRequest` (`hopByHop`,
    /// `forwardingNames`, Content-Length, Expect; Host noted), case-insensitively, by length
    /// first so that most names are settled by one comparison.
    static func requestFieldRule(_ name: String) -> RequestFieldRule {
        // String literals are immortal: comparing with them allocates nothing.
        func isAny(_ a: String, _ b: String? = nil) -> Bool {
            if HTTP1Fields.namesEqual(name, a) { return true }
            if let b { return HTTP1Fields.namesEqual(name, b) }
            return false
        }
        let dropped: Bool
        switch name.utf8.count {
        case 2: dropped = isAny("te")
        case 4: return isAny("host") ? .host : .other
        case 6: dropped = isAny("expect")
        case 7: dropped = isAny("upgrade")
        case 9: dropped = isAny("forwarded")
        case 10: dropped = isAny("connection", "keep-alive")
        case 14: dropped = isAny("content-length")
        case 15: dropped = isAny("x-forwarded-for")
        case 16: dropped = isAny("proxy-connection", "x-forwarded-host")
        case 17: dropped = isAny("transfer-encoding", "x-forwarded-proto")
        default: return .other
        }
        return dropped ? .drop : .other
    }

    enum ResponseFieldRule: Equatable {
        case hopByHop, contentLength, strictTransportSecurity, other
    }

    /// The fixed part of the response filter of `clientResponse`.
    static func responseFieldRule(_ name: String) -> ResponseFieldRule {
        switch name.utf8.count {
        case 2: return HTTP1Fields.namesEqual(name, "te") ? .hopByHop : .other
        case 7: return HTTP1Fields.namesEqual(name, "upgrade") ? .hopByHop : .other
        case 10:
            return HTTP1Fields.namesEqual(name, "connection") || HTTP1Fields.namesEqual(name, "keep-alive") ? .hopByHop : .other
        case 14: return HTTP1Fields.namesEqual(name, "content-length") ? .contentLength : .other
        case 16: return HTTP1Fields.namesEqual(name, "proxy-connection") ? .hopByHop : .other
        case 17: return HTTP1Fields.namesEqual(name, "transfer-encoding") ? .hopByHop : .other
        case 25: return HTTP1Fields.namesEqual(name, "strict-transport-security") ? .strictTransportSecurity : .other
        default: return .other
        }
    }
}
