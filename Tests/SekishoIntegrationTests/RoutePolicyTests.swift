import Foundation
import SekishoCore
import XCTest

/// `routes[].client_policy` end to end: a route that admits only OU=Radiology in front of an
/// open one, with real clients of the test PKI against the real binary and a recording backend.
final class RoutePolicyTests: IntegrationTestCase {
    private func startRoutedProxy() throws -> (backend: H1Backend, sekisho: SekishoProcess) {
        let backend = try startH1Backend()
        var config = HTTP1ConfigFile(pki: pki, upstreams: [("backend", [backend.address])])
        config.listenerExtra = """
                routes:
                  - path_prefix: /radiology/
                    upstream: backend
                    client_policy:
                      subject: {ou: [Radiology]}
                  - {path_prefix: /, upstream: backend}

            """
        return (backend, try startHTTP1Sekisho(config))
    }

    func testRoutePolicyRefusesOtherUnitsWith403AndNothingReachesTheBackend() throws {
        let (backend, sekisho) = try startRoutedProxy()
        let address = try sekisho.listener()

        // client-good-ecdsa is OU=Radiology: admitted on the guarded route. The test backend
        // knows no /radiology/ page, so its own 404 proves the request reached it.
        let good = try curl(address, path: "/radiology/images/1", client: "client-good-ecdsa", extra: ["-w", "|%{http_code}"])
        XCTAssertTrue(good.succeeded, "\(good)")
        XCTAssertEqual(good.stdout, "not found\n|404")
        XCTAssertEqual(backend.requests, ["GET /radiology/images/1"])

        // client-good-rsa is OU=Cardiology: 403 on /radiology/, then 200 on / over the same
        // connection (a refusal keeps the connection usable).
        let request = "GET /radiology/images/2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            + "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        let (response, closed, _) = try rawTLS(address, Array(request.utf8), client: "client-good-rsa")
        XCTAssertEqual(statuses(response), [403, 200], response)
        XCTAssertEqual(closed, "eof")
        let parts = responses(response)
        XCTAssertEqual(parts.count, 2, response)
        XCTAssertEqual(parts.first?.body, "403 Forbidden\n")
        XCTAssertEqual(parts.last?.body, "ok\n", "the open route is served on the same connection")
        XCTAssertEqual(headerValues(parts.first?.head ?? "", "Connection"), [], "the refusal does not close the connection")
        XCTAssertEqual(backend.requests, ["GET /radiology/images/1", "GET /"], "the refused request never reaches the backend")

        let lines = try waitForAccessLines(sekisho, count: 3)
        XCTAssertEqual(lines.map(\.status), [404, 403, 200], "\(lines)")
        XCTAssertEqual(lines[1].string("error"), "policy_denied:ou")
        XCTAssertEqual(lines[1].string("target"), "/radiology/images/2")
        XCTAssertNil(lines[1].string("server"), "no upstream server was used")
        XCTAssertEqual(lines[1].string("subject"), "CN=client-good-rsa,OU=Cardiology,O=Sekisho Test Clinic")

        let refusals = sekisho.log().events("request_refused")
        XCTAssertEqual(refusals.count, 1, "\(refusals)")
        let refusal = try XCTUnwrap(refusals.first)
        XCTAssertEqual(refusal.reason, "policy_denied:ou")
        XCTAssertEqual(refusal.string("route"), "routes[0]")
        XCTAssertEqual(refusal.string("subject"), "CN=client-good-rsa,OU=Cardiology,O=Sekisho Test Clinic")
        XCTAssertNotNil(refusal.string("peer"), "\(refusal)")
        XCTAssertTrue(refusal.string("detail")?.contains("[Cardiology]") == true, "\(refusal)")
    }
}
