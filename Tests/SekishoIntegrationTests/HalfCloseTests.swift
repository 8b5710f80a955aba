import Foundation
import SekishoCore
import XCTest

/// protocol tcp respects half-close. Over TLS 1.3 a close_notify closes only the sender's
/// direction (RFC 8446 §6.1), so a client may send its request, close its side, and still
/// read the answer. sekisho must pass the half-close on to the upstream (shutdown(SHUT_WR)),
/// keep relaying the upstream's answer, and close the client only when the upstream closes.
final class HalfCloseTests: IntegrationTestCase {
    func testClientHalfCloseOverTLS13StillDeliversTheResponseAndThenEnds() throws {
        let python = try IntegrationPaths.tool("python3")
        let (backend, sekisho) = try startProxy()
        let address = try sekisho.listener()
        let (cert, key) = pki.client("client-good-ecdsa")
        let result = try run("halfclose-client", python, [
            "-c", Self.client, address.host, "\(address.port)", pki.path("ca.pem"), cert, key, "100000",
        ], timeout: 30)

        // The client exits 0 only after it has read to end of stream: had sekisho not passed the
        // half-close on, the keep-alive backend would wait for another request and the client's
        // 10 s read timeout would fire instead.
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderr.contains("half-closed"), "client never sent close_notify\n\(result)")
        XCTAssertTrue(result.stdout.hasPrefix("HTTP/1.1 200 "), "no response after the half-close\n\(result)")
        XCTAssertTrue(result.stdout.contains("\"bytes\": 100000"), "body lost on the way\n\(result)")
        XCTAssertEqual(backend.requests, ["request POST /sink"])
        _ = sekisho
    }

    /// A TLS 1.3 client on memory BIOs, so that it can send close_notify (SSL_shutdown once)
    /// and keep reading, which neither curl nor `openssl s_client` can do.
    static let client = #"""
        import socket, ssl, sys
        host, port, ca, cert, key, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_verify_locations(ca)
        ctx.load_cert_chain(cert, key)
        sock = socket.create_connection((host, port), timeout=10)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
        def flush():
            data = outgoing.read()
            if data:
                sock.sendall(data)
        def fill():
            data = sock.recv(65536)
            if not data:
                return False
            incoming.write(data)
            return True
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                flush()
                if not fill():
                    sys.exit("connection closed during the handshake")
        flush()
        body = b"x" * size
        tls.write(b"POST /sink HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % size + body)
        flush()
        try:
            tls.unwrap()  # sends close_notify; the peer's close_notify has not arrived yet
        except ssl.SSLWantReadError:
            pass
        flush()
        print("half-closed", file=sys.stderr, flush=True)
        received = b""
        while True:
            try:
                chunk = tls.read(65536)
                if not chunk:
                    break
                received += chunk
            except ssl.SSLWantReadError:
                if not fill():
                    break
            except ssl.SSLZeroReturnError:
                break
        sys.stdout.write(received.decode(errors="replace"))
        """#
}
