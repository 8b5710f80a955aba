import Foundation
import SekishoCore
import XCTest

/// `protocol: http1` end to end with real curl and a raw TLS client against the real binary and
/// a recording backend: identity headers, forwarding headers, hop-by-hop removal, keep-alive,
/// pipelining order, 100-continue, HSTS, routing, 421, HTTP/1.0 and the access log.
final class HTTP1ProxyTests: IntegrationTestCase {
    /// The backend's /echo answer: request line and headers exactly as received.
    struct Echo {
        let method: String
        let target: String
        let headers: [(name: String, value: String)]
        let conn: Int

        init(_ json: String) throws {
            guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                  let method = object["method"] as? String, let target = object["target"] as? String,
                  let pairs = object["headers"] as? [[String]], let conn = object["conn"] as? Int
            else { throw HarnessError("not an /echo answer: \(json)") }
            self.method = method
            self.target = target
            self.headers = pairs.map { ($0[0], $0[1]) }
            self.conn = conn
        }

        func values(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) }
        var names: [String] { headers.map(\.name) }
    }

    private func derBase64(_ pemFile: String, index: Int) throws -> String {
        let text = try String(contentsOfFile: pemFile, encoding: .utf8)
        let marker = "-----BEGIN CERTIFICATE-----"
        let blocks = text.components(separatedBy: marker).dropFirst().map { marker + $0 }
        let single = testDirectory.appendingPathComponent("cert-\(index).pem")
        try blocks[index].write(to: single, atomically: true, encoding: .utf8)
        let der = testDirectory.appendingPathComponent("cert-\(index).der")
        let result = try run("openssl-der", openssl, ["x509", "-in", single.path, "-outform", "DER", "-out", der.path])
        XCTAssertTrue(result.succeeded, "\(result)")
        return try Data(contentsOf: der).base64EncodedString()
    }

    func testIdentityHeadersArriveAndForgedCopiesAreGone() throws {
        let (backend, sekisho) = try startHTTP1Proxy(listenerExtra: """
                http:
                  identity_headers: {client_cert_chain: true, strip_prefixes: [X-Client-Cert-, X-SSL-]}

            """)
        let forged = [
            "X-Client-Cert-Subject: CN=admin", "x-client-cert-sha256: 00", "Client-Cert: :Zm9yZ2Vk:",
            "Client-Cert-Chain: :Zm9yZ2Vk:", "X-SSL-Client-DN: CN=admin", "X-Forwarded-For: 203.0.113.9",
            "Forwarded: for=203.0.113.9", "X-Forwarded-Proto: http",
        ].flatMap { ["-H", $0] }
        let result = try curl(try sekisho.listener(), path: "/echo", extra: forged)
        XCTAssertTrue(result.succeeded, "\(result)")
        let echo = try Echo(result.stdout)

        let pem = pki.path("client-good-ecdsa.pem")
        XCTAssertEqual(echo.values("Client-Cert"), [":\(try derBase64(pem, index: 0)):"], "RFC 9440 sf-binary of the DER leaf")
        XCTAssertEqual(echo.values("Client-Cert-Chain"), [":\(try derBase64(pem, index: 1)):"], "the intermediate the client sent")
        // RFC 4514 over UTF-8, percent-encoded for the header: decodes to the Japanese name.
        let subject = try XCTUnwrap(echo.values("X-Client-Cert-Subject").first)
        XCTAssertTrue(subject.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, subject)
        XCTAssertEqual(subject.removingPercentEncoding, "CN=client-good-ecdsa,OU=Radiology,O=医療法人テスト会")
        XCTAssertEqual(echo.values("X-Client-Cert-Issuer"), ["CN=Sekisho Test Intermediate CA,O=Sekisho Test"])
        let serial = try run("openssl-serial", openssl, ["x509", "-in", pem, "-noout", "-serial"]).stdout
        XCTAssertEqual(echo.values("X-Client-Cert-Serial").map { "serial=\($0)" }, [serial.trimmingCharacters(in: .whitespacesAndNewlines)])
        let fingerprint = try run("openssl-fp", openssl, ["x509", "-in", pem, "-noout", "-fingerprint", "-sha256"]).stdout
        let expectedFP = fingerprint.split(separator: "=").last.map {
            $0.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        }
        XCTAssertEqual(echo.values("X-Client-Cert-SHA256"), [expectedFP ?? "?"])
        XCTAssertEqual(echo.values("X-Client-Cert-Not-After").count, 1)
        XCTAssertNotNil(echo.values("X-Client-Cert-Not-After").first?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression))

        // Nothing forged survives; forwarding fields are sekisho's own.
        XCTAssertEqual(echo.values("X-SSL-Client-DN"), [])
        XCTAssertEqual(echo.values("Forwarded"), [])
        XCTAssertEqual(echo.values("X-Forwarded-For"), ["127.0.0.1"])
        XCTAssertEqual(echo.values("X-Forwarded-Proto"), ["https"])
        XCTAssertFalse(echo.headers.contains { $0.value.contains("admin") || $0.value.contains("Zm9yZ2Vk") }, "\(echo.headers)")
        XCTAssertEqual(backend.requests, ["GET /echo"])
    }

    func testClientWithoutCertificateGetsNoIdentityButForgedHeadersAreStillStripped() throws {
        let backend = try startH1Backend()
        var config = HTTP1ConfigFile(pki: pki, upstreams: [("backend", [backend.address])])
        config.clientAuthRequired = false
        let sekisho = try startHTTP1Sekisho(config)
        let result = try curl(try sekisho.listener(), path: "/echo", client: nil,
                              extra: ["-H", "X-Client-Cert-Subject: CN=admin", "-H", "Client-Cert: :Zm9yZ2Vk:"])
        XCTAssertTrue(result.succeeded, "\(result)")
        let echo = try Echo(result.stdout)
        XCTAssertFalse(echo.names.contains { $0.lowercased().hasPrefix("x-client-cert") || $0.lowercased().hasPrefix("client-cert") }, "\(echo.names)")
    }

    func testHopByHopHeadersAreRemovedInBothDirections() throws {
        let (_, sekisho) = try startHTTP1Proxy()
        let address = try sekisho.listener()
        let request = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
            + "Keep-Alive: timeout=9\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: keep-alive\r\nX-Kept: yes\r\n\r\n"
            + "GET /raw/hop HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        let (response, closed, _) = try rawTLS(address, request)
        XCTAssertEqual(closed, "eof")
        XCTAssertEqual(statuses(response), [200, 200])
        let parts = responses(response)
        XCTAssertEqual(parts.count, 2, response)
        let echo = try Echo(parts[0].body)
        for name in ["Connection", "X-Secret", "Keep-Alive", "TE", "Upgrade", "Proxy-Connection"] {
            XCTAssertEqual(echo.values(name), [], "\(name) must not reach the backend")
        }
        XCTAssertEqual(echo.values("X-Kept"), ["yes"])
        // /raw/hop answers with Connection: X-Secret, X-Secret, Keep-Alive, Proxy-Connection.
        let head = parts[1].head
        XCTAssertEqual(headerValues(head, "X-Secret"), [])
        XCTAssertEqual(headerValues(head, "Keep-Alive"), [])
        XCTAssertEqual(headerValues(head, "Proxy-Connection"), [])
        XCTAssertEqual(headerValues(head, "X-Kept"), ["yes"])
        XCTAssertEqual(headerValues(head, "Connection"), ["close"], "sekisho's own, because the client asked to close")
    }

    func testKeepAliveCarriesManyRequestsOverOneUpstreamConnection() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let paths = (1...8).map { "/echo?n=\($0)" }
        let result = try curlLocalhost(try sekisho.listener(), paths: paths)
        XCTAssertTrue(result.succeeded, "\(result)")
        XCTAssertEqual(result.stderr.components(separatedBy: "Re-using existing connection").count - 1, 7, "one client connection")
        XCTAssertEqual(backend.accepts, 1, "one upstream connection: \(backend.events())")
        XCTAssertEqual(backend.requests, paths.map { "GET \($0)" })
    }

    func testPipelinedRequestsAreAnsweredInOrderOneAtATime() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        // The first one is slow: a proxy that forwarded the others at once could answer out of order.
        let request = "GET /stall?ms=300 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            + "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /echo?third HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        for drip in [0, 7] {
            let before = backend.requests.count
            let (response, closed, _) = try rawTLS(try sekisho.listener(), request, drip: drip)
            XCTAssertEqual(closed, "eof", "drip \(drip)")
            XCTAssertEqual(statuses(response), [200, 200, 200], "drip \(drip): \(response)")
            let late = try XCTUnwrap(response.range(of: "late\n"))
            let sink = try XCTUnwrap(response.range(of: #"{"bytes": 5"#))
            let third = try XCTUnwrap(response.range(of: #""target": "/echo?third""#))
            XCTAssertTrue(late.lowerBound < sink.lowerBound && sink.lowerBound < third.lowerBound, "responses out of order:\n\(response)")
            XCTAssertEqual(Array(backend.requests.dropFirst(before)), ["GET /stall?ms=300", "POST /sink", "GET /echo?third"])
        }
    }

    func testExpect100ContinueIsAnsweredBySekishoAndNotForwarded() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let body = testDirectory.appendingPathComponent("body.bin")
        try Data(repeating: 0x61, count: 70_000).write(to: body)
        let result = try curl(try sekisho.listener(), path: "/echo",
                              extra: ["-X", "POST", "--data-binary", "@\(body.path)", "-H", "Expect: 100-continue"])
        XCTAssertTrue(result.succeeded, "\(result)")
        XCTAssertTrue(result.stderr.contains("HTTP/1.1 100 Continue"), result.stderr)
        let echo = try Echo(result.stdout)
        XCTAssertEqual(echo.values("Expect"), [])
        XCTAssertEqual(echo.values("Content-Length"), ["70000"])
        XCTAssertEqual(backend.requests, ["POST /echo"])
    }

    func testHSTSIsAddedToForwardedAndLocalResponses() throws {
        let (_, sekisho) = try startHTTP1Proxy(listenerExtra: """
                http:
                  hsts: {max_age: 31536000, include_subdomains: true}

            """)
        let ok = try curl(try sekisho.listener(), path: "/ok", extra: ["-D", "-", "-o", "/dev/null"])
        XCTAssertTrue(ok.stdout.contains("Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"), ok.stdout)
        let bad = try curl(try sekisho.listener(), path: "/raw/cl-te", extra: ["-D", "-", "-o", "/dev/null"])
        XCTAssertTrue(bad.stdout.hasPrefix("HTTP/1.1 502"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"), bad.stdout)
    }

    func testRoutesByHostAndPathAndRefusesHostThatDisagreesWithSNI() throws {
        let web = try startH1Backend(name: "web")
        let api = try startH1Backend(name: "api")
        var config = HTTP1ConfigFile(pki: pki, upstreams: [("web", [web.address]), ("api", [api.address])])
        config.listenerUpstream = "web"
        config.listenerExtra = """
                routes:
                  - {path_prefix: /api/, upstream: api}
                  - {host: api.localhost, upstream: api}

            """
        let sekisho = try startHTTP1Sekisho(config)
        let address = try sekisho.listener()
        let result = try curlLocalhost(address, paths: ["/api/v1?x", "/apix", "/"])
        XCTAssertTrue(result.succeeded, "\(result)")
        XCTAssertEqual(api.requests, ["GET /api/v1?x"])
        XCTAssertEqual(web.requests, ["GET /apix", "GET /"])

        // SNI localhost, Host api.localhost: the route exists, but the name does not match
        // the TLS name the client authenticated under.
        let (misdirected, _, _) = try rawTLS(address, "GET /x HTTP/1.1\r\nHost: api.localhost\r\nConnection: close\r\n\r\n", serverName: "localhost")
        XCTAssertEqual(statuses(misdirected), [421], misdirected)
        // No SNI (connected by address) and a host name: also 421.
        let (noSNI, _, _) = try rawTLS(address, "GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(statuses(noSNI), [421], noSNI)
        XCTAssertEqual(api.requests, ["GET /api/v1?x"], "a misdirected request never reaches a backend")
        XCTAssertEqual(web.requests, ["GET /apix", "GET /"])
        let lines = try waitForAccessLines(sekisho, count: 5)
        XCTAssertEqual(lines.suffix(2).map(\.status), [421, 421])
        XCTAssertEqual(lines.suffix(2).compactMap { $0.string("error") }, ["misdirected_request", "misdirected_request"])
    }

    func testHTTP10ClientsGetKeepAliveOnlyWhenAskedAndACloseDelimitedBodyOtherwise() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let address = try sekisho.listener()
        let request = "GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /source?bytes=10&chunked=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        let (response, closed, _) = try rawTLS(address, request)
        XCTAssertEqual(statuses(response), [200, 200], response)
        XCTAssertEqual(closed, "eof", "a chunked body cannot go to an HTTP/1.0 client except by closing")
        let parts = responses(response)
        XCTAssertEqual(parts.count, 2, response)
        XCTAssertEqual(headerValues(parts[0].head, "Connection"), ["keep-alive"])
        XCTAssertEqual(headerValues(parts[1].head, "Connection"), ["close"])
        XCTAssertEqual(headerValues(parts[1].head, "Transfer-Encoding"), [])
        XCTAssertEqual(Array(parts[1].body.utf8), Array(0..<10).map { UInt8($0) })
        XCTAssertEqual(backend.requests, ["GET /ok", "GET /source?bytes=10&chunked=1"])
    }

    func testAccessLogHasOneLineWithEveryFieldPerRequest() throws {
        let (_, sekisho) = try startHTTP1Proxy()
        let result = try curlLocalhost(try sekisho.listener(), paths: ["/ok", "/status?code=404"])
        XCTAssertTrue(result.succeeded, "\(result)")
        let lines = try waitForAccessLines(sekisho, count: 2)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        let line = lines[0]
        XCTAssertEqual(line.string("subject"), "CN=client-good-ecdsa,OU=Radiology,O=医療法人テスト会")
        XCTAssertEqual(line.string("sha256")?.count, 64)
        XCTAssertEqual(line.string("tls_version"), "TLSv1.3")
        XCTAssertEqual(line.string("cipher"), "TLS_AES_128_GCM_SHA256")
        XCTAssertEqual(line.string("method"), "GET")
        XCTAssertEqual(line.string("target"), "/ok")
        XCTAssertEqual(line.string("host"), "localhost")
        XCTAssertEqual(line.status, 200)
        XCTAssertGreaterThan(line.int("bytes_in") ?? 0, 20)
        XCTAssertGreaterThan(line.int("bytes_out") ?? 0, 3)
        XCTAssertEqual(line.string("upstream"), "backend")
        XCTAssertNotNil(line.string("server"))
        XCTAssertNotNil(line.int("upstream_ms"))
        XCTAssertNotNil(line.int("total_ms"))
        XCTAssertNotNil(line.string("client")?.range(of: #"^127\.0\.0\.1:\d+$"#, options: .regularExpression))
        XCTAssertNotNil(line.string("time")?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression))
        XCTAssertEqual(lines[1].status, 404)
        XCTAssertEqual(lines[1].string("target"), "/status?code=404")
    }

    func testShutdownLetsTheRequestInFlightFinishWithConnectionClose() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let address = try sekisho.listener()
        let request = testDirectory.appendingPathComponent("slow.bin")
        try Data("GET /stall?ms=1500 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8).write(to: request)
        let (cert, key) = pki.client("client-good-ecdsa")
        let client = ChildProcess(
            label: uniqueLabel("slow-client"), executable: try IntegrationPaths.tool("python3"),
            arguments: [
                repositoryRoot.appendingPathComponent("scripts/tls-raw-client.py").path,
                "--connect", "\(address.host):\(address.port)", "--ca", pki.path("ca.pem"),
                "--cert", cert, "--key", key, "--send", request.path, "--timeout", "20",
            ],
            workingDirectory: testDirectory, outputDirectory: testDirectory
        )
        track(client)
        try client.start()
        _ = try Poll.until(timeout: 10, "the backend to receive the slow request") {
            backend.requests.contains("GET /stall?ms=1500") ? true : nil
        }
        kill(sekisho.pid, SIGTERM)
        XCTAssertTrue(client.waitForExit(timeout: 20), "the client was not released")
        let response = client.stdout()
        XCTAssertEqual(statuses(response), [200], response)
        XCTAssertTrue(response.contains("Connection: close\r\n"), "the last response announces the close: \(response)")
        XCTAssertTrue(response.hasSuffix("late\n"), response)
        XCTAssertTrue(client.stderr().contains("closed=eof"), client.stderr())
        XCTAssertTrue(sekisho.child.waitForExit(timeout: 10), "sekisho did not exit after draining")
        XCTAssertEqual(sekisho.child.exitStatus, 0)
    }
}
