import SekishoConfig
import SekishoHTTP1
import XCTest
@testable import SekishoProxy

/// The byte-writing forwarding path (HTTP1Forwarding+Wire.swift) must produce exactly what the
/// reference path produces: `upstreamRequest` / `clientResponse` serialized by
/// `HTTP1Serializer`. Every rule of the reference (hop-by-hop, Connection-named, forwarding and
/// identity stripping, framing, Host fallback, HSTS, persistence) is exercised here.
final class HTTP1ForwardingWireTests: XCTestCase {
    private func context(
        ip: String = "192.0.2.7", ipv6: Bool = false, forwarded: ForwardedSettings = .defaults,
        identity: IdentityHeaderSettings = .defaults,
        fields: [HTTP1Field] = [HTTP1Field(name: "Client-Cert", value: ":AA==:"), HTTP1Field(name: "X-Client-Cert-Subject", value: "CN=a")]
    ) -> HTTP1Forwarding.RequestContext {
        ForwardingFixtures.context(ip: ip, ipv6: ipv6, forwarded: forwarded, identity: identity, fields: fields, fallbackHost: "fallback.example")
    }

    private func parse(_ text: String) throws -> HTTP1RequestHead {
        try ForwardingFixtures.parse(text)
    }

    private func reference(_ head: HTTP1RequestHead, _ context: HTTP1Forwarding.RequestContext) throws -> ([UInt8], BodyEncoding) {
        let (forwarded, encoding) = HTTP1Forwarding.upstreamRequest(head, context: context)
        var bytes: [UInt8] = []
        try HTTP1Serializer.writeRequestHead(forwarded, into: &bytes)
        return (bytes, encoding)
    }

    private let requests = [
        "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, X-Secret, Host\r\nKeep-Alive: timeout=5\r\n"
            + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: websocket\r\nX-Secret: 1\r\nAccept: */*\r\n\r\n",
        "GET / HTTP/1.1\r\nHOST: Example.JP:8443\r\nX-Forwarded-For: 6.6.6.6\r\nx-forwarded-proto: http\r\n"
            + "X-Forwarded-Host: evil\r\nFORWARDED: for=6.6.6.6\r\nX-Client-Cert-Subject: CN=admin\r\n"
            + "client-cert: :Zm9yZ2Vk:\r\nClient-Cert-Chain: :Zm9yZ2Vk:\r\nx-client-cert-anything: x\r\n\r\n",
        "POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        "POST /s HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-Long-Header-Name-Here: v\r\n\r\n",
        "PUT /big HTTP/1.1\r\nHost: h\r\nContent-Length: 1234567890\r\n\r\n",
        "GET http://h/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /x HTTP/1.0\r\n\r\n",
        "GET http://abs.example:81/x HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [::1]:8443\r\nConnection: close, X-Other\r\nX-Other: 1\r\nX-other: 2\r\nX-Kept: 3\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n",
    ]

    func testUpstreamHeadBytesMatchTheReferenceForEveryRule() throws {
        let contexts = [
            context(),
            context(fields: []),
            context(forwarded: ForwardedSettings(xForwardedFor: true, xForwardedProto: true, rfc7239: true)),
            context(ip: "2001:db8::7", ipv6: true, forwarded: ForwardedSettings(xForwardedFor: false, xForwardedProto: false, rfc7239: true)),
            context(identity: IdentityHeaderSettings(
                clientCert: nil, clientCertChain: nil, subject: "X-User-DN", issuer: nil,
                serial: nil, sha256: nil, notAfter: nil, stripPrefixes: ["X-SSL-", "X-Other"]
            ), fields: [HTTP1Field(name: "X-User-DN", value: "CN=b")]),
        ]
        for text in requests {
            let head = try parse(text)
            for (index, context) in contexts.enumerated() {
                let (expected, expectedEncoding) = try reference(head, context)
                var bytes: [UInt8] = [0x7A]  // something already in the buffer stays in front
                let encoding = try HTTP1Forwarding.writeUpstreamRequest(head, context: context, into: &bytes)
                XCTAssertEqual(bytes.first, 0x7A)
                XCTAssertEqual(String(decoding: bytes.dropFirst(), as: UTF8.self), String(decoding: expected, as: UTF8.self),
                               "context \(index), request \(text.debugDescription)")
                XCTAssertEqual(encoding, expectedEncoding)
            }
        }
    }

    func testIdentityBlockIsEncodedOnceAndAnUnsendableValueFailsLikeTheReference() throws {
        XCTAssertEqual(context().identityBlock.map { String(decoding: $0, as: UTF8.self) },
                       "Client-Cert: :AA==:\r\nX-Client-Cert-Subject: CN=a\r\n")
        // A value the serializer refuses (CR/LF: header injection) leaves no block, and every
        // request then fails with the reference path's error, writing nothing.
        let bad = context(fields: [HTTP1Field(name: "X-Client-Cert-Subject", value: "CN=a\r\nX-Admin: 1")])
        XCTAssertNil(bad.identityBlock)
        let head = try parse(requests[0])
        var bytes: [UInt8] = [1, 2]
        XCTAssertThrowsError(try HTTP1Forwarding.writeUpstreamRequest(head, context: bad, into: &bytes)) { error in
            XCTAssertEqual(error as? HTTP1SerializationError, .invalidFieldValue(name: "X-Client-Cert-Subject"))
        }
        XCTAssertEqual(bytes, [1, 2])
    }

    func testRequestFieldRuleAgreesWithTheNameSets() {
        let dropped = HTTP1Forwarding.hopByHop.union(HTTP1Forwarding.forwardingNames).union(["content-length", "expect"])
        for name in dropped {
            for variant in [name, name.uppercased(), name.prefix(1).uppercased() + name.dropFirst()] {
                XCTAssertEqual(HTTP1Forwarding.requestFieldRule(variant), .drop, variant)
            }
        }
        for name in ["Host", "HOST", "host"] { XCTAssertEqual(HTTP1Forwarding.requestFieldRule(name), .host) }
        // Same lengths as dropped names, but different names.
        for name in ["tf", "hose", "expert", "upgrad3", "forwarder", "connectiom", "content-lengtt", "x-forwarded-foo",
                     "proxy-connectiom", "transfer-encodinf", "Accept", "X-Forwarded", ""] {
            XCTAssertEqual(HTTP1Forwarding.requestFieldRule(name), .other, name)
        }
    }

    func testClientResponseBytesMatchTheReference() throws {
        let hsts = HSTSSettings(maxAgeSeconds: 31_536_000, includeSubdomains: true, preload: false)
        let heads: [HTTP1ResponseHead] = [
            HTTP1ResponseHead(status: 200, reason: "OK", headers: ["Content-Type": "text/plain", "Content-Length": "3"], framing: .contentLength(3)),
            HTTP1ResponseHead(status: 200, reason: "OK", headers: [
                "Connection": "X-Secret", "X-Secret": "1", "Keep-Alive": "timeout=5", "Proxy-Connection": "keep-alive",
                "strict-transport-security": "max-age=1", "X-Kept": "yes", "Content-Length": "2", "content-length": "2",
                "TE": "x", "Upgrade": "y", "Transfer-Encoding": "chunked",
            ], framing: .contentLength(2)),
            HTTP1ResponseHead(status: 200, reason: "", headers: ["Transfer-Encoding": "chunked", "X-A": "1"], framing: .chunked),
            HTTP1ResponseHead(status: 200, reason: "Fine", headers: ["X-A": "1"], framing: .closeDelimited),
            HTTP1ResponseHead(status: 204, reason: "No Content", headers: ["Content-Length": "0"], framing: .none),
            HTTP1ResponseHead(status: 304, reason: "Not Modified", headers: ["Content-Length": "10", "ETag": "\"x\""], framing: .none),
            HTTP1ResponseHead(status: 200, reason: "OK", headers: ["Content-Length": "10"], framing: .none),  // HEAD
            HTTP1ResponseHead(status: 599, reason: "Custom\tReason", headers: [:], framing: .contentLength(0)),
        ]
        for head in heads {
            for version in [HTTP1Version.http1_1, .http1_0] {
                for keepAlive in [true, false] {
                    for policy in [nil, hsts] {
                        let response = HTTP1Forwarding.clientResponse(head, clientVersion: version, keepAlive: keepAlive, hsts: policy)
                        var expected: [UInt8] = []
                        try HTTP1Serializer.writeResponseHead(response.head, into: &expected)
                        var bytes: [UInt8] = []
                        let written = try HTTP1Forwarding.writeClientResponse(
                            head, clientVersion: version, keepAlive: keepAlive, hsts: policy, into: &bytes)
                        let label = "\(head.status) \(head.framing) \(version) keepAlive=\(keepAlive) hsts=\(policy != nil)"
                        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), String(decoding: expected, as: UTF8.self), label)
                        XCTAssertEqual(written.encoding, response.encoding, label)
                        XCTAssertEqual(written.closesClient, response.closesClient, label)
                    }
                }
            }
        }
    }

    func testAnUnsendableResponseFailsLikeTheReferenceAndWritesNothing() {
        let head = HTTP1ResponseHead(status: 200, reason: "OK\r\nX: 1", headers: [:], framing: .contentLength(0))
        var bytes: [UInt8] = [9]
        XCTAssertThrowsError(try HTTP1Forwarding.writeClientResponse(head, clientVersion: .http1_1, keepAlive: true, hsts: nil, into: &bytes)) {
            XCTAssertEqual($0 as? HTTP1SerializationError, .invalidReasonPhrase)
        }
        XCTAssertEqual(bytes, [9])
    }

    func testResponseFieldRule() {
        XCTAssertEqual(HTTP1Forwarding.responseFieldRule("Content-LENGTH"), .contentLength)
        XCTAssertEqual(HTTP1Forwarding.responseFieldRule("Strict-Transport-Security"), .strictTransportSecurity)
        for name in HTTP1Forwarding.hopByHop { XCTAssertEqual(HTTP1Forwarding.responseFieldRule(name.uppercased()), .hopByHop, name) }
        for name in ["Content-Type", "ETag", "Upgrades", "te-x", "Strict-Transport-Securitx"] {
            XCTAssertEqual(HTTP1Forwarding.responseFieldRule(name), .other, name)
        }
    }

    func testHostNameFastPathAgreesWithTheGeneralRule() {
        // The general rule: port and brackets off, trailing dot off, lowercased.
        let general = RequestAuthority.generalHostName
        for value in ["localhost", "LOCALHOST", "a.b.example.jp", "a.b.example.jp.", "Example.JP:8443", "[::1]:8443",
                      "127.0.0.1", "127.0.0.1:443", "xn--eckwd4c7c.jp", "%41b", "", ".", "h_1.example"] {
            XCTAssertEqual(RequestAuthority.hostName(value), general(value), value)
        }
        XCTAssertTrue(RequestAuthority.agrees(sni: "localhost", host: "localhost"))
        XCTAssertTrue(RequestAuthority.agrees(sni: "LocalHost.", host: "localhost"))
        XCTAssertFalse(RequestAuthority.agrees(sni: "other", host: "localhost"))
        XCTAssertFalse(RequestAuthority.agrees(sni: "localhost.", host: "localhost."))
    }
}
