import SekishoConfig
import SekishoHTTP1
import XCTest
@testable import SekishoProxy

/// Header rewriting between client and upstream: hop-by-hop and Connection-named fields,
/// forwarding fields, identity fields, and the framing chosen for each side.
final class HTTP1ForwardingTests: XCTestCase {
    private func context(
        ip: String = "192.0.2.7", ipv6: Bool = false, forwarded: ForwardedSettings = .defaults,
        identity: IdentityHeaderSettings = .defaults, fields: [HTTP1Field] = [HTTP1Field(name: "Client-Cert", value: ":AA==:")]
    ) -> HTTP1Forwarding.RequestContext {
        ForwardingFixtures.context(ip: ip, ipv6: ipv6, forwarded: forwarded, identity: identity, fields: fields, fallbackHost: "localhost")
    }

    /// Parses a request head the way the proxy does, so the tests start from real parser output.
    private func parse(_ text: String) throws -> HTTP1RequestHead {
        try ForwardingFixtures.parse(text)
    }

    private func names(_ fields: HTTP1Fields) -> [String] { fields.map(\.name) }

    func testHopByHopAndConnectionNamedFieldsAreRemovedButHostStays() throws {
        let head = try parse(
            "GET /a HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, X-Secret, Host\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: websocket\r\nX-Secret: 1\r\nAccept: */*\r\n\r\n")
        let (out, encoding) = HTTP1Forwarding.upstreamRequest(head, context: context())
        XCTAssertEqual(encoding, .none)
        XCTAssertEqual(names(out.headers), ["Host", "Accept", "X-Forwarded-For", "X-Forwarded-Proto", "Client-Cert"])
        XCTAssertEqual(out.version, .http1_1)
    }

    func testInboundForwardingAndIdentityFieldsAreReplacedNotAppended() throws {
        let head = try parse(
            "GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: http\r\n"
                + "X-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\nX-Client-Cert-Subject: CN=admin\r\n"
                + "client-cert: :Zm9yZ2Vk:\r\nClient-Cert-Chain: :Zm9yZ2Vk:\r\nX-Client-Cert-Anything: x\r\n\r\n")
        let (out, _) = HTTP1Forwarding.upstreamRequest(head, context: context(forwarded: ForwardedSettings(
            xForwardedFor: true, xForwardedProto: true, rfc7239: true)))
        XCTAssertEqual(names(out.headers), ["Host", "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "Client-Cert"])
        XCTAssertEqual(out.headers.first(named: "X-Forwarded-For"), "192.0.2.7")
        XCTAssertEqual(out.headers.first(named: "X-Forwarded-Proto"), "https")
        XCTAssertEqual(out.headers.first(named: "Forwarded"), "for=192.0.2.7;proto=https;host=\"localhost\"")
        XCTAssertEqual(out.headers.values(named: "Client-Cert"), [":AA==:"])
    }

    func testForwardingFieldsCanBeSwitchedOffButForgedOnesAreStillRemoved() throws {
        let head = try parse("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n")
        let off = ForwardedSettings(xForwardedFor: false, xForwardedProto: false, rfc7239: false)
        let (out, _) = HTTP1Forwarding.upstreamRequest(head, context: context(forwarded: off, fields: []))
        XCTAssertEqual(names(out.headers), ["Host"])
    }

    func testRFC7239QuotesIPv6Nodes() throws {
        let head = try parse("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n")
        let (out, _) = HTTP1Forwarding.upstreamRequest(head, context: context(
            ip: "2001:db8::7", ipv6: true, forwarded: ForwardedSettings(xForwardedFor: true, xForwardedProto: false, rfc7239: true)))
        XCTAssertEqual(out.headers.first(named: "X-Forwarded-For"), "2001:db8::7")
        XCTAssertEqual(out.headers.first(named: "Forwarded"), "for=\"[2001:db8::7]\";proto=https;host=\"[::1]:8443\"")
    }

    func testFramingIsRedeclaredAndExpectIsTakenOver() throws {
        let fixed = try parse("POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let (a, aEncoding) = HTTP1Forwarding.upstreamRequest(fixed, context: context(fields: []))
        XCTAssertEqual(aEncoding, .contentLength)
        XCTAssertEqual(a.headers.values(named: "Content-Length"), ["5"], "duplicates collapse to one")
        XCTAssertFalse(a.headers.contains(named: "Expect"))

        let chunked = try parse("POST /s HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        let (b, bEncoding) = HTTP1Forwarding.upstreamRequest(chunked, context: context(fields: []))
        XCTAssertEqual(bEncoding, .chunked)
        XCTAssertEqual(b.headers.values(named: "Transfer-Encoding"), ["chunked"])
    }

    func testAbsoluteFormBecomesOriginFormAndHTTP10GetsAHost() throws {
        let absolute = try parse("GET http://h/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(HTTP1Forwarding.upstreamRequest(absolute, context: context()).head.target, "/p?q=1")
        let old = try parse("GET /x HTTP/1.0\r\n\r\n")
        let (out, _) = HTTP1Forwarding.upstreamRequest(old, context: context(fields: []))
        XCTAssertEqual(out.version, .http1_1)
        XCTAssertEqual(out.headers.first(named: "Host"), "localhost")
    }

    func testTrailersCannotSmuggleIdentityOrForwardingFields() {
        let trailers: HTTP1Fields = ["X-Checksum": "1", "X-Client-Cert-Subject": "CN=admin", "Client-Cert": ":AA==:", "X-Forwarded-For": "6.6.6.6"]
        let out = HTTP1Forwarding.upstreamTrailers(trailers, identity: IdentityHeaders(settings: .defaults))
        XCTAssertEqual(names(out), ["X-Checksum"])
    }

    // MARK: Responses

    func testResponseFramingPerClientVersion() {
        let rows: [(framing: HTTP1Framing, version: HTTP1Version, encoding: BodyEncoding, closes: Bool)] = [
            (.contentLength(3), .http1_1, .contentLength, false),
            (.chunked, .http1_1, .chunked, false),
            (.closeDelimited, .http1_1, .chunked, false),
            (.chunked, .http1_0, .untilClose, true),
            (.closeDelimited, .http1_0, .untilClose, true),
            (.contentLength(3), .http1_0, .contentLength, false),
            (.none, .http1_1, .none, false),
        ]
        for row in rows {
            var headers: HTTP1Fields = ["X-App": "1"]
            if case .contentLength(let n) = row.framing { headers.append(name: "Content-Length", value: String(n)) }
            if row.framing == .chunked { headers.append(name: "Transfer-Encoding", value: "chunked") }
            let head = HTTP1ResponseHead(status: 200, reason: "OK", headers: headers, framing: row.framing)
            let out = HTTP1Forwarding.clientResponse(head, clientVersion: row.version, keepAlive: true, hsts: nil)
            XCTAssertEqual(out.encoding, row.encoding, "\(row)")
            XCTAssertEqual(out.closesClient, row.closes, "\(row)")
            XCTAssertEqual(out.head.headers.first(named: "Connection"), row.closes ? "close" : (row.version == .http1_0 ? "keep-alive" : nil), "\(row)")
            XCTAssertEqual(out.head.headers.contains(named: "Transfer-Encoding"), row.encoding == .chunked, "\(row)")
            XCTAssertEqual(out.head.version, .http1_1)
        }
    }

    func testResponseHopByHopRemovalAndHSTSReplacement() {
        let head = HTTP1ResponseHead(status: 200, reason: "OK", headers: [
            "Connection": "X-Secret", "X-Secret": "1", "Keep-Alive": "timeout=5", "Proxy-Connection": "keep-alive",
            "Strict-Transport-Security": "max-age=1", "X-Kept": "yes", "Content-Length": "2", "Content-Length": "2",
        ], framing: .contentLength(2))
        let hsts = HSTSSettings(maxAgeSeconds: 31_536_000, includeSubdomains: true, preload: false)
        let out = HTTP1Forwarding.clientResponse(head, clientVersion: .http1_1, keepAlive: false, hsts: hsts)
        XCTAssertEqual(names(out.head.headers), ["X-Kept", "Content-Length", "Connection", "Strict-Transport-Security"])
        XCTAssertEqual(out.head.headers.values(named: "Content-Length"), ["2"])
        XCTAssertEqual(out.head.headers.first(named: "Strict-Transport-Security"), "max-age=31536000; includeSubDomains")
        XCTAssertEqual(out.head.headers.first(named: "Connection"), "close")
        XCTAssertTrue(out.closesClient)
    }

    func testContentLengthIsDroppedFrom204ButKeptForHEADAnd304() {
        let noContent = HTTP1ResponseHead(status: 204, headers: ["Content-Length": "11"], framing: .none)
        XCTAssertFalse(HTTP1Forwarding.clientResponse(noContent, clientVersion: .http1_1, keepAlive: true, hsts: nil)
            .head.headers.contains(named: "Content-Length"))
        let notModified = HTTP1ResponseHead(status: 304, headers: ["Content-Length": "11"], framing: .none)
        XCTAssertEqual(HTTP1Forwarding.clientResponse(notModified, clientVersion: .http1_1, keepAlive: true, hsts: nil)
            .head.headers.first(named: "Content-Length"), "11")
    }

    func testInformationalResponsesLoseHopByHopFields() {
        let hints = HTTP1ResponseHead(status: 103, reason: "Early Hints", headers: ["Link": "</a>", "Connection": "keep-alive"])
        XCTAssertEqual(names(HTTP1Forwarding.informational(hints).headers), ["Link"])
    }

    func testLocalResponsesAreShortAndHEADGetsNoBody() throws {
        let bytes = HTTP1Forwarding.localResponse(status: 502, closes: true, isHead: false, hsts: nil)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 502 Bad Gateway\r\n"), text)
        XCTAssertTrue(text.contains("\r\nConnection: close\r\n"))
        XCTAssertTrue(text.hasSuffix("\r\n\r\n502 Bad Gateway\n"))
        let head = String(decoding: HTTP1Forwarding.localResponse(status: 504, closes: false, isHead: true, hsts: nil), as: UTF8.self)
        XCTAssertTrue(head.hasSuffix("\r\n\r\n"), "HEAD: no body")
        XCTAssertTrue(head.contains("Content-Length: 20\r\n"))
        XCTAssertFalse(head.contains("Connection"))
    }
}
