#!/usr/bin/env python3
"""A small HTTP/1.1 backend for sekisho's integration tests (python3 standard library only).

It listens on loopback only and keeps connections alive (HTTP/1.1), so the tests can see
exactly which TCP connections sekisho opened towards the upstream:

  GET  /                  200 "hello from backend"
  GET  /echo              200 JSON object of the request headers as received (a header that
                          appears more than once maps to a list of its values)
  GET  /source?bytes=N    200 with Content-Length N; a repeating 0..255 byte pattern, written
                          in 64 KiB pieces so a large download never sits in memory
  POST /sink              reads the body (Content-Length or chunked) in pieces and answers
                          JSON {"bytes": n, "sha256": "<hex>"}

Every accepted TCP connection appends `accept <peer>` to the --log file and every request
appends `request <METHOD> <PATH>`; each line is flushed at once, because the tests read the
file while the server runs (a refused TLS client must never cause an `accept`).

Once bound, the port is written to --ready-file as {"port": N} (temp file + rename, so a
poller never reads half a file). SIGTERM stops the server and exits 0.
"""

import argparse
import hashlib
import http.server
import json
import os
import signal
import socket
import sys
import threading
import urllib.parse

CHUNK_BYTES = 64 * 1024
# One period of the /source pattern; 64 KiB is a multiple of 256, so every write is the
# same buffer and byte i of the body is always i % 256.
PATTERN = bytes(range(256)) * (CHUNK_BYTES // 256)


class EventLog:
    """Append-only, line-flushed log shared by all handler threads."""

    def __init__(self, path):
        self._lock = threading.Lock()
        self._file = open(path, "a", buffering=1, encoding="utf-8") if path else None

    def write(self, line):
        if self._file is None:
            return
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()


def format_peer(address):
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class BackendServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 128

    def __init__(self, address, family, events):
        self.address_family = family
        self.events = events
        super().__init__(address, Handler)

    def process_request(self, request, client_address):
        # Called once per accepted TCP connection, before the handler thread starts.
        self.events.write(f"accept {format_peer(client_address)}")
        super().process_request(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sekisho-test-backend"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass  # the event log is the record the tests read; keep stderr quiet

    def _log_request(self):
        self.server.events.write(f"request {self.command} {self.path}")

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, obj):
        self._send(status, (json.dumps(obj, sort_keys=True) + "\n").encode(), "application/json")

    def do_GET(self):
        self._log_request()
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            self._send(200, b"hello from backend", "text/plain; charset=utf-8")
        elif url.path == "/echo":
            headers = {}
            for name, value in self.headers.items():
                if name in headers:
                    previous = headers[name]
                    headers[name] = (previous if isinstance(previous, list) else [previous]) + [value]
                else:
                    headers[name] = value
            self._send_json(200, headers)
        elif url.path == "/source":
            self._source(urllib.parse.parse_qs(url.query))
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def _source(self, query):
        try:
            total = int(query.get("bytes", ["0"])[0])
            if total < 0:
                raise ValueError
        except ValueError:
            self._send(400, b"bytes must be a non-negative integer\n", "text/plain; charset=utf-8")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        remaining = total
        view = memoryview(PATTERN)
        while remaining > 0:
            n = min(remaining, CHUNK_BYTES)
            self.wfile.write(view[:n])
            remaining -= n

    def do_POST(self):
        self._log_request()
        if urllib.parse.urlsplit(self.path).path != "/sink":
            self._drain_body()
            self._send(404, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            count, digest = self._drain_body()
        except ValueError as error:
            self.close_connection = True
            self._send(400, f"bad body framing: {error}\n".encode(), "text/plain; charset=utf-8")
            return
        self._send_json(200, {"bytes": count, "sha256": digest})

    def _drain_body(self):
        """Reads the request body in bounded pieces; returns (byte count, sha256 hex)."""
        digest = hashlib.sha256()
        count = 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                line = self.rfile.readline(1024)
                if not line.endswith(b"\n"):
                    raise ValueError("chunk-size line missing or too long")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    # Trailer section ends with an empty line (RFC 9112 §7.1.2).
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                count += self._read_exact(size, digest)
                if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                    raise ValueError("chunk data not followed by CRLF")
        else:
            length = int(self.headers.get("Content-Length", "0"))
            count = self._read_exact(length, digest)
        return count, digest.hexdigest()

    def _read_exact(self, length, digest):
        remaining = length
        while remaining > 0:
            piece = self.rfile.read(min(remaining, CHUNK_BYTES))
            if not piece:
                raise ValueError(f"body ended {remaining} bytes early")
            digest.update(piece)
            remaining -= len(piece)
        return length


def parse_listen(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError("expected host:port")
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1], int(port), socket.AF_INET6
    return host, int(port), socket.AF_INET


def write_atomically(path, text):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=parse_listen, default=parse_listen("127.0.0.1:0"))
    parser.add_argument("--ready-file", help="written with {\"port\": N} once bound")
    parser.add_argument("--log", help="event log: one line per accepted connection and per request")
    args = parser.parse_args()

    host, port, family = args.listen
    server = BackendServer((host, port), family, EventLog(args.log))
    bound_port = server.server_address[1]

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.ready_file:
        write_atomically(args.ready_file, json.dumps({"port": bound_port}) + "\n")
    print(f"test-backend listening on {format_peer((host, bound_port))}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
