#!/usr/bin/env python3
"""An HTTP/1.1 backend with misbehaviour on demand, for sekisho's HTTP proxy tests.

python3 standard library only; loopback only; one thread per connection; keep-alive.
Written on raw sockets (not http.server) so it can send exactly the bytes a test needs,
including responses no well-behaved server library would produce.

Endpoints (query parameters in brackets):
  GET  /  or /ok            200 "ok\\n"
  ANY  /echo                200 JSON: method, target, version, headers (received order, as
                            [name, value] pairs), body_bytes, body_sha256, conn, index, backend
  GET  /source?bytes=N      N bytes of the pattern i % 256 [&chunked=1: chunked; &close=1: no
                            framing, close-delimited], written in 64 KiB pieces
  POST /sink                reads the body in pieces; JSON {"bytes": n, "sha256": hex}
  ANY  /stall?ms=N          waits N ms, then 200 "late\\n"
  GET  /slow-body?ms=N      head with Content-Length 10 and 5 bytes, waits N ms, then the rest
  GET  /drop-next           200; the NEXT request on this connection is read and the
                            connection closed without a response (a backend closing a kept-
                            alive connection just as the proxy reuses it)
  GET  /close-idle?ms=N     200, then the connection is closed after N ms (backend idle timeout)
  GET  /status?code=N       that status, body "status N\\n"
  GET  /raw/<case>          canned raw responses: cl-te, double-cl, bad-status, truncated,
                            extra, no-framing, 101, early-hints, hop, trailers, close-hdr,
                            bare-lf, obs-fold
Event log (--log), one line each, flushed at once: `accept <conn> <peer>`,
`request <conn> <METHOD> <TARGET>` (head read), `served <conn> <METHOD> <TARGET>` (body read
and response sent), `close <conn>`. The ready file (--ready-file) gets
{"port": N} once bound. SIGTERM stops the server.
"""

import argparse
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse

CHUNK = 64 * 1024
PATTERN = bytes(range(256)) * (CHUNK // 256)

RAW = {
    "cl-te": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "double-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "bad-status": b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
    "truncated": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
    "extra": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsmuggl",
    "no-framing": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited body",
    "101": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
    "early-hints": b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                   b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "hop": b"HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n"
           b"Proxy-Connection: keep-alive\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok",
    "trailers": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n",
    "close-hdr": b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    "bare-lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "obs-fold": b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
}
# Cases after which the backend closes the connection.
RAW_CLOSES = {"truncated", "no-framing", "101", "close-hdr", "cl-te", "double-cl", "bad-status", "bare-lf", "obs-fold"}


class EventLog:
    def __init__(self, path):
        self._lock = threading.Lock()
        self._file = open(path, "a", buffering=1, encoding="utf-8") if path else None

    def write(self, line):
        if self._file is None:
            return
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()


class Closed(Exception):
    pass


class Conn:
    """One accepted connection: buffered reads of heads and bodies."""

    def __init__(self, sock, number, server):
        self.sock = sock
        self.number = number
        self.server = server
        self.buffer = b""
        self.index = 0
        self.drop_next = False
        self.finished = False

    def recv_more(self):
        data = self.sock.recv(CHUNK)
        if not data:
            raise Closed()
        self.buffer += data

    def read_head(self):
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > 1 << 20:
                raise Closed()
            try:
                self.recv_more()
            except Closed:
                if self.buffer:
                    raise
                raise
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("utf-8", "replace").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append([name, value.strip()])
        return method, target, version, headers

    def read_exact(self, n, sink):
        while n > 0:
            if not self.buffer:
                self.recv_more()
            piece = self.buffer[:n]
            self.buffer = self.buffer[len(piece):]
            sink(piece)
            n -= len(piece)

    def read_line(self):
        while b"\r\n" not in self.buffer:
            self.recv_more()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def read_body(self, headers, sink):
        names = {name.lower(): value for name, value in headers}
        if "chunked" in names.get("transfer-encoding", "").lower():
            while True:
                size = int(self.read_line().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.read_line() != b"":
                        pass
                    return
                self.read_exact(size, sink)
                if self.read_line() != b"":
                    raise Closed()
        length = int(names.get("content-length", "0"))
        self.read_exact(length, sink)

    def send(self, data):
        self.sock.sendall(data)

    def respond(self, status, body, content_type="text/plain", extra=()):
        head = f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        head += f"X-Backend: {self.server.name}\r\n"
        for name, value in extra:
            head += f"{name}: {value}\r\n"
        self.send(head.encode() + b"\r\n" + body)


def handle(conn):
    server = conn.server
    while True:
        method, target, version, headers = conn.read_head()
        conn.index += 1
        server.events.write(f"request {conn.number} {method} {target}")
        serve(conn, method, target, version, headers)
        server.events.write(f"served {conn.number} {method} {target}")
        if conn.finished:
            return


def serve(conn, method, target, version, headers):
    server = conn.server
    if conn.drop_next:
        raise Closed()  # close without answering
    url = urllib.parse.urlsplit(target)
    query = urllib.parse.parse_qs(url.query)
    path = url.path
    digest = hashlib.sha256()
    count = [0]

    def sink(piece):
        digest.update(piece)
        count[0] += len(piece)

    if path in ("/", "/ok"):
        conn.read_body(headers, sink)
        conn.respond(200, b"ok\n")
    elif path == "/echo":
        conn.read_body(headers, sink)
        body = json.dumps({
            "method": method, "target": target, "version": version, "headers": headers,
            "body_bytes": count[0], "body_sha256": digest.hexdigest(),
            "conn": conn.number, "index": conn.index, "backend": server.name,
        }, ensure_ascii=False).encode()
        conn.respond(200, body, "application/json")
    elif path == "/source":
        conn.read_body(headers, sink)
        total = int(query.get("bytes", ["0"])[0])
        chunked = query.get("chunked", ["0"])[0] == "1"
        close = query.get("close", ["0"])[0] == "1"
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        if chunked:
            head += "Transfer-Encoding: chunked\r\n"
        elif not close:
            head += f"Content-Length: {total}\r\n"
        conn.send(head.encode() + b"\r\n")
        remaining = total
        view = memoryview(PATTERN)
        while remaining > 0:
            n = min(remaining, CHUNK)
            if chunked:
                conn.send(b"%x\r\n" % n + bytes(view[:n]) + b"\r\n")
            else:
                conn.send(view[:n])
            remaining -= n
        if chunked:
            conn.send(b"0\r\n\r\n")
        if close:
            conn.finished = True
    elif path == "/sink":
        conn.read_body(headers, sink)
        body = json.dumps({"bytes": count[0], "sha256": digest.hexdigest()}).encode()
        conn.respond(200, body, "application/json")
    elif path == "/stall":
        conn.read_body(headers, sink)
        time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
        conn.respond(200, b"late\n")
    elif path == "/slow-body":
        conn.read_body(headers, sink)
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
        time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
        conn.send(b"56789")
    elif path == "/drop-next":
        conn.read_body(headers, sink)
        conn.respond(200, b"ok\n")
        conn.drop_next = True
    elif path == "/close-idle":
        conn.read_body(headers, sink)
        conn.respond(200, b"ok\n")
        delay = int(query.get("ms", ["100"])[0]) / 1000
        conn.sock.settimeout(delay)
        try:
            conn.recv_more()
        except socket.timeout:
            conn.finished = True  # idle for `delay`: close, as a backend's keep-alive timeout would
            return
        conn.sock.settimeout(None)
    elif path == "/status":
        conn.read_body(headers, sink)
        code = int(query.get("code", ["200"])[0])
        conn.respond(code, f"status {code}\n".encode())
    elif path.startswith("/raw/"):
        conn.read_body(headers, sink)
        case = path[len("/raw/"):]
        if case not in RAW:
            conn.respond(404, b"no such case\n")
            return
        conn.send(RAW[case])
        if case in RAW_CLOSES:
            conn.finished = True
    else:
        conn.read_body(headers, sink)
        conn.respond(404, b"not found\n")


class Server:
    def __init__(self, host, port, family, events, name):
        self.events = events
        self.name = name
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, port))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        self.counter = 0
        self.lock = threading.Lock()
        self.running = True

    def serve(self):
        while self.running:
            try:
                client, peer = self.sock.accept()
            except OSError:
                break
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.counter += 1
                number = self.counter
            host, port = peer[0], peer[1]
            self.events.write(f"accept {number} {'[%s]' % host if ':' in host else host}:{port}")
            threading.Thread(target=self.run_connection, args=(client, number), daemon=True).start()

    def run_connection(self, client, number):
        conn = Conn(client, number, self)
        try:
            handle(conn)
        except (Closed, ConnectionError, OSError, ValueError):
            pass
        finally:
            self.events.write(f"close {number}")
            try:
                client.close()
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--ready-file")
    parser.add_argument("--log")
    parser.add_argument("--name", default="backend")
    args = parser.parse_args()

    host, _, port = args.listen.rpartition(":")
    family = socket.AF_INET
    if host.startswith("["):
        host, family = host[1:-1], socket.AF_INET6
    server = Server(host, int(port), family, EventLog(args.log), args.name)

    def stop(signum, frame):
        server.running = False
        try:
            server.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        server.sock.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.ready_file:
        tmp = f"{args.ready_file}.tmp.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps({"port": server.port}) + "\n")
        os.replace(tmp, args.ready_file)
    print(f"test-backend-h1 {args.name} listening on {host}:{server.port}", file=sys.stderr, flush=True)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
