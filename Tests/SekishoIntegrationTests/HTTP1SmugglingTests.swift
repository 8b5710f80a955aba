import Foundation
import SekishoCore
import XCTest

/// Every request-smuggling and framing vector of the parser's table, sent over real mutual TLS
/// to the real binary: each is refused with its status, the connection is closed, and the
/// backend never sees a request the client did not send as a single, unambiguous one. Each
/// vector carries a "smuggled" follow-up request (`/smuggled`) that a lenient hop would take as
/// a second request.
///
/// Vectors in the head are refused before anything is forwarded. Vectors inside a chunked
/// body (`bodyLevel`) are found while the body streams: the backend has seen the head of the
/// one request the client sent, and then sees its connection closed with the body unfinished;
/// it never completes (`served`) that request, and never sees a second one.
final class HTTP1SmugglingTests: IntegrationTestCase {
    struct Vector {
        let name: String
        let request: String
        let status: Int
        var bodyLevel = false
    }

    static let smuggled = "GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    static let vectors: [Vector] = [
        Vector(name: "CL.TE (RFC 9112 §6.3 ¶3)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 400),
        Vector(name: "TE.CL (RFC 9112 §6.3 ¶3)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n2c\r\n" + smuggled + "\r\n0\r\n\r\n", status: 400),
        Vector(name: "differing Content-Length (RFC 9110 §8.6)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n" + smuggled, status: 400),
        Vector(name: "Content-Length list (RFC 9110 §8.6)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0, 44\r\n\r\n" + smuggled, status: 400),
        Vector(name: "signed Content-Length (RFC 9110 §8.6)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +0\r\n\r\n" + smuggled, status: 400),
        Vector(name: "xchunked (RFC 9112 §6.1: 501)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + smuggled, status: 501),
        Vector(name: "chunked not final (RFC 9112 §6.3 ¶4)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + smuggled, status: 400),
        Vector(name: "chunked twice (RFC 9112 §6.1)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 400),
        Vector(name: "TE on HTTP/1.0 (RFC 9112 §6.1)", request: "POST /sink HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 400),
        Vector(name: "space before colon (RFC 9112 §5.1)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding : chunked\r\nContent-Length: 44\r\n\r\n" + smuggled, status: 400),
        Vector(name: "obs-fold (RFC 9112 §5.2)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n" + smuggled, status: 400),
        Vector(name: "bare LF (RFC 9112 §2.2)", request: "POST /sink HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 44\n\n" + smuggled, status: 400),
        Vector(name: "bare CR (RFC 9112 §2.2)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\rContent-Length: 44\r\n\r\n" + smuggled, status: 400),
        Vector(name: "chunk-size overflow (RFC 9112 §7.1)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\nx\r\n0\r\n\r\n" + smuggled, status: 400, bodyLevel: true),
        Vector(name: "chunk-size with 0x (RFC 9112 §7.1)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0x2c\r\n" + smuggled + "\r\n0\r\n\r\n", status: 400, bodyLevel: true),
        Vector(name: "bad chunk extension (RFC 9112 §7.1.1)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0;a=\"x\r\n\r\n" + smuggled, status: 400, bodyLevel: true),
        Vector(name: "chunk data without CRLF (RFC 9112 §7.1)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n" + smuggled, status: 400, bodyLevel: true),
        Vector(name: "forbidden trailer (RFC 9110 §6.5.1)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 44\r\n\r\n" + smuggled, status: 400, bodyLevel: true),
        Vector(name: "missing Host (RFC 9112 §3.2)", request: "GET /x HTTP/1.1\r\n\r\n" + smuggled, status: 400),
        Vector(name: "two Host (RFC 9112 §3.2)", request: "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: other\r\n\r\n" + smuggled, status: 400),
        Vector(name: "absolute-form differs from Host (RFC 9112 §3.2.2)", request: "GET http://other/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + smuggled, status: 400),
        Vector(name: "CONNECT refused (RFC 9110 §9.3.6)", request: "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n" + smuggled, status: 501),
        Vector(name: "TRACE refused (RFC 9110 §9.3.8)", request: "TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + smuggled, status: 501),
        Vector(name: "HTTP/2.0 in an HTTP/1 request line (RFC 9110 §15.6.6)", request: "GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n" + smuggled, status: 505),
        Vector(name: "request line too long (RFC 9112 §3: 414)", request: "GET /" + String(repeating: "a", count: 9_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + smuggled, status: 414),
        Vector(name: "header section too large (RFC 6585 §5: 431)", request: "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + String(repeating: "b", count: 40_000) + "\r\n\r\n" + smuggled, status: 431),
        Vector(name: "Expect other than 100-continue (RFC 9110 §10.1.1: 417)", request: "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n" + smuggled, status: 417),
    ]

    func testEverySmugglingVectorIsRefusedAndNothingReachesTheBackend() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let address = try sekisho.listener()
        for vector in Self.vectors {
            let (response, closed, _) = try rawTLS(address, vector.request)
            XCTAssertEqual(statuses(response), [vector.status], "\(vector.name): \(response)")
            XCTAssertEqual(closed, "eof", "\(vector.name): the connection must be closed after a refused request")
            XCTAssertTrue(response.contains("Connection: close\r\n"), "\(vector.name)")
        }
        assertBackendNeverCompletedAnything(backend, vectors: Self.vectors)
        let lines = try waitForAccessLines(sekisho, count: Self.vectors.count)
        XCTAssertEqual(lines.map(\.status), Self.vectors.map(\.status))
    }

    /// The same vectors one byte per TLS write: splitting must not change the verdict.
    func testSmugglingVerdictDoesNotDependOnHowTheBytesAreSplit() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let address = try sekisho.listener()
        for vector in Self.vectors where vector.request.utf8.count < 400 {
            let (response, closed, _) = try rawTLS(address, vector.request, drip: 1, timeout: 20)
            XCTAssertEqual(statuses(response), [vector.status], "\(vector.name) dripped: \(response)")
            XCTAssertEqual(closed, "eof", vector.name)
        }
        assertBackendNeverCompletedAnything(backend, vectors: Self.vectors.filter { $0.request.utf8.count < 400 })
    }

    private func assertBackendNeverCompletedAnything(_ backend: H1Backend, vectors: [Vector], line: UInt = #line) {
        XCTAssertEqual(backend.served, [], "the backend completed requests: \(backend.events())", line: line)
        XCTAssertFalse(backend.requests.contains { $0.contains("smuggled") }, "\(backend.events())", line: line)
        // At most the head of each body-level vector, each on its own connection, once.
        XCTAssertEqual(backend.requests, Array(repeating: "POST /sink", count: vectors.filter(\.bodyLevel).count), "\(backend.events())", line: line)
        XCTAssertTrue(backend.requestsByConnection.values.allSatisfy { $0.count == 1 }, line: line)
    }

    /// A valid request followed by an invalid one on the same connection: the first is served,
    /// the second refused, and the backend sees exactly the first.
    func testValidThenSmuggledOnOneConnection() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let request = "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            + "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Self.smuggled
        let (response, closed, _) = try rawTLS(try sekisho.listener(), request)
        XCTAssertEqual(statuses(response), [200, 400], response)
        XCTAssertEqual(closed, "eof")
        XCTAssertEqual(backend.requests, ["GET /ok"])
    }

    /// A body that turns bad after its head went upstream: the upstream connection is dropped
    /// (it holds a partial request), the client gets 400 and a close, the backend never
    /// completes a second request.
    func testChunkedBodyThatTurnsBadMidStream() throws {
        let (backend, sekisho) = try startHTTP1Proxy()
        let request = "POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n" + Self.smuggled
        let (response, closed, _) = try rawTLS(try sekisho.listener(), request)
        XCTAssertEqual(statuses(response), [400], response)
        XCTAssertEqual(closed, "eof")
        XCTAssertEqual(backend.requests.filter { $0.contains("smuggled") }, [])
        XCTAssertLessThanOrEqual(backend.requests.count, 1)
        XCTAssertEqual(backend.served, [], "the partial request was never completed")
    }
}
