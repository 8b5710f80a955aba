import SekishoConfig
import SekishoHTTP1

/// How a message body goes out on the wire after sekisho re-frames it.
enum BodyEncoding: Sendable, Equatable {
    /// No body (or a body-less response such as HEAD/204/304).
    case none
    /// `Content-Length` bytes, copied as received.
    case contentLength
    /// Re-chunked by sekisho (its own chunk sizes, no extensions), trailers passed on.
    case chunked
    /// Raw bytes until sekisho closes the connection (responses to HTTP/1.0 clients only).
    case untilClose
}

/// Header rewriting between client and upstream (pure): hop-by-hop removal, forwarding and
/// identity headers, and the framing sekisho chooses for each side.
enum HTTP1Forwarding {
    /// RFC 9110 §7.6.1: fields that describe one connection and must not be forwarded, plus the
    /// non-standard `Keep-Alive`/`Proxy-Connection` it names. `Transfer-Encoding` is re-framed
    /// by sekisho on each side.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade"]

    /// Forwarding fields sekisho writes itself. Inbound copies are always removed: sekisho is
    /// the first hop the backend can trust (the client is on the other side of mutual TLS).
    static let forwardingNames: Set<String> = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"]

    /// Lowercased names listed in `Connection` (RFC 9110 §7.6.1: the sender marks them as
    /// hop-by-hop). `Host` is never removed this way: it is required and sekisho routes on it.
    static func connectionNamed(_ fields: HTTP1Fields) -> Set<String> {
        var names = Set<String>()
        for element in fields.listElements(named: "Connection") {
            let lower = element.lowercased()
            if lower != "host" { names.insert(lower) }
        }
        return names
    }

    // MARK: Requests

    /// A class: a connection keeps it from its first request on, and inline it took about
    /// 190 bytes of every connection, requests or not.
    final class RequestContext: Sendable {
        /// The client's IP address (no port, IPv6 without brackets).
        let clientIP: String
        let clientIsIPv6: Bool
        let forwarded: ForwardedSettings
        let identity: IdentityHeaders
        /// Computed once per connection by `IdentityHeaders.fields(for:)`.
        let identityFields: [HTTP1Field]
        /// Host to send when an HTTP/1.0 request carried none (upstream requests are HTTP/1.1,
        /// which requires Host): the TLS server name or the listener's address.
        let fallbackHost: String
        /// `identityFields` checked and encoded once per connection (the ~1 KiB Client-Cert
        /// line included), copied into every forwarded head; nil when a value cannot be
        /// serialized (then every request takes the checked path and fails as it did).
        let identityBlock: [UInt8]?

        init(
            clientIP: String, clientIsIPv6: Bool, forwarded: ForwardedSettings, identity: IdentityHeaders,
            identityFields: [HTTP1Field], fallbackHost: String
        ) {
            self.clientIP = clientIP
            self.clientIsIPv6 = clientIsIPv6
            self.forwarded = forwarded
            self.identity = identity
            self.identityFields = identityFields
            self.fallbackHost = fallbackHost
            self.identityBlock = try? HTTP1Serializer.encodeFields(identityFields)
        }
    }

    /// The head sent upstream: origin-form target, HTTP/1.1, hop-by-hop and forged fields
    /// removed, framing re-declared, forwarding and identity fields added.
    static func upstreamRequest(_ head: HTTP1RequestHead, context: RequestContext) -> (head: HTTP1RequestHead, encoding: BodyEncoding) {
        let named = connectionNamed(head.headers)
        var fields = HTTP1Fields()
        var host: String?
        for field in head.headers {
            let lower = field.name.lowercased()
            if lower == "host" { host = field.value }
            if hopByHop.contains(lower) || named.contains(lower) || forwardingNames.contains(lower)
                || lower == "content-length" || lower == "expect" || context.identity.mustStrip(field.name) {
                continue
            }
            fields.append(field)
        }
        if host == nil {
            fields.append(name: "Host", value: head.authority ?? context.fallbackHost)
        }
        let encoding: BodyEncoding
        switch head.framing {
        case .none, .closeDelimited:
            encoding = .none
        case .contentLength(let n):
            fields.append(name: "Content-Length", value: String(n))
            encoding = .contentLength
        case .chunked:
            fields.append(name: "Transfer-Encoding", value: "chunked")
            encoding = .chunked
        }
        if context.forwarded.xForwardedFor { fields.append(name: "X-Forwarded-For", value: context.clientIP) }
        if context.forwarded.xForwardedProto { fields.append(name: "X-Forwarded-Proto", value: "https") }
        if context.forwarded.rfc7239 {
            // RFC 7239 §4, §6: an IPv6 node is bracketed and then must be a quoted-string; the
            // host is quoted as well (it may carry ":port").
            let node = context.clientIsIPv6 ? "\"[\(context.clientIP)]\"" : context.clientIP
            var value = "for=\(node);proto=https"
            if let host = host ?? head.authority { value += ";host=\"\(host)\"" }
            fields.append(name: "Forwarded", value: value)
        }
        for field in context.identityFields { fields.append(field) }
        let out = HTTP1RequestHead(
            method: head.method,
            target: head.originFormTarget,
            targetForm: .origin,
            version: .http1_1,
            headers: fields,
            framing: head.framing,
            connection: .keepAlive,
            expectContinue: false
        )
        return (out, encoding)
    }

    /// Request trailers pass the same filter as the head: a client must not smuggle an identity
    /// or forwarding field in through them.
    static func upstreamTrailers(_ trailers: HTTP1Fields, identity: IdentityHeaders) -> HTTP1Fields {
        var out = HTTP1Fields()
        for field in trailers {
            let lower = field.name.lowercased()
            if hopByHop.contains(lower) || forwardingNames.contains(lower) || identity.mustStrip(field.name) { continue }
            out.append(field)
        }
        return out
    }

    // MARK: Responses

    struct ClientResponse: Equatable {
        var head: HTTP1ResponseHead
        var encoding: BodyEncoding
        /// The client connection closes after this response.
        var closesClient: Bool
    }

    /// How a response body travels to the client: as framed upstream when counted, re-chunked
    /// for an HTTP/1.1 client otherwise, delimited by closing for an HTTP/1.0 one.
    static func clientEncoding(_ framing: HTTP1Framing, clientVersion: HTTP1Version) -> BodyEncoding {
        switch framing {
        case .none: return .none
        case .contentLength: return .contentLength
        case .chunked, .closeDelimited: return clientVersion == .http1_1 ? .chunked : .untilClose
        }
    }

    /// The head sent to the client. `keepAlive` is the caller's wish (the request asked for it,
    /// it was read completely, no shutdown); a body sekisho can only delimit by closing (to an
    /// HTTP/1.0 client) overrides it.
    static func clientResponse(
        _ head: HTTP1ResponseHead, clientVersion: HTTP1Version, keepAlive: Bool, hsts: HSTSSettings?
    ) -> ClientResponse {
        let named = connectionNamed(head.headers)
        var fields = HTTP1Fields()
        let encoding = clientEncoding(head.framing, clientVersion: clientVersion)
        for field in head.headers {
            let lower = field.name.lowercased()
            if hopByHop.contains(lower) || named.contains(lower) { continue }
            // Content-Length is re-declared below for a counted body (one value, even if the
            // upstream repeated it), dropped for a re-framed one and for 1xx/204 (RFC 9110
            // §8.6: never sent there), kept as sent for HEAD and 304 (it describes the
            // representation there).
            if lower == "content-length", encoding != .none || head.status == 204 || head.status < 200 { continue }
            if hsts != nil, lower == "strict-transport-security" { continue }
            fields.append(field)
        }
        switch (head.framing, encoding) {
        case (.contentLength(let n), _): fields.append(name: "Content-Length", value: String(n))
        case (_, .chunked): fields.append(name: "Transfer-Encoding", value: "chunked")
        default: break
        }
        let closes = !keepAlive || encoding == .untilClose
        if closes {
            fields.append(name: "Connection", value: "close")
        } else if clientVersion == .http1_0 {
            fields.append(name: "Connection", value: "keep-alive")
        }
        if let hsts { fields.append(name: "Strict-Transport-Security", value: hsts.headerValue) }
        let out = HTTP1ResponseHead(
            version: .http1_1, status: head.status, reason: head.reason, headers: fields,
            framing: head.framing, connection: closes ? .close : .keepAlive
        )
        return ClientResponse(head: out, encoding: encoding, closesClient: closes)
    }

    /// A 1xx from the upstream, for an HTTP/1.1 client (RFC 9110 §15.2: never to HTTP/1.0).
    static func informational(_ head: HTTP1ResponseHead) -> HTTP1ResponseHead {
        let named = connectionNamed(head.headers)
        var out = head
        out.version = .http1_1
        out.headers = HTTP1Fields(head.headers.filter { field in
            let lower = field.name.lowercased()
            return !hopByHop.contains(lower) && !named.contains(lower) && lower != "content-length"
        })
        return out
    }

    /// Response trailers, with hop-by-hop fields removed.
    static func clientTrailers(_ trailers: HTTP1Fields) -> HTTP1Fields {
        HTTP1Fields(trailers.filter { !hopByHop.contains($0.name.lowercased()) })
    }

    /// A response sekisho makes itself (errors): a short text body, `Connection: close` when
    /// the connection ends after it, HSTS when configured. HEAD gets the head only.
    static func localResponse(status: Int, closes: Bool, isHead: Bool, hsts: HSTSSettings?) -> [UInt8] {
        let body = "\(status) \(HTTP1Serializer.reasonPhrase(for: status))\n"
        var fields: HTTP1Fields = [
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Length": String(body.utf8.count),
            "Cache-Control": "no-store",
        ]
        if closes { fields.append(name: "Connection", value: "close") }
        if let hsts { fields.append(name: "Strict-Transport-Security", value: hsts.headerValue) }
        var bytes: [UInt8] = []
        // Every value above is fixed ASCII, so serialization cannot fail.
        try? HTTP1Serializer.writeResponseHead(status: status, headers: fields, into: &bytes)
        if !isHead { bytes.append(contentsOf: body.utf8) }
        return bytes
    }
}
