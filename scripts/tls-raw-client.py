#!/usr/bin/env python3
"""Sends raw bytes over mutual TLS and prints what comes back (for sekisho's HTTP tests).

python3 standard library only. The bytes to send are read from --send FILE exactly as they
are (no CRLF conversion), optionally one piece at a time (--drip N bytes, 2 ms apart), so a
test can send malformed or pipelined requests that curl would never produce. Everything the
server sends is written to stdout unchanged until the server closes or --timeout passes;
a summary line goes to stderr: `closed=eof|reset|timeout received=N`.

  tls-raw-client.py --connect 127.0.0.1:8443 --ca ca.pem --cert c.pem --key c.key \\
      [--servername localhost] --send request.bin [--drip 1] [--timeout 10] [--half-close]
"""

import argparse
import socket
import ssl
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--servername", help="SNI and the name to verify; none: no SNI")
    parser.add_argument("--send", required=True)
    parser.add_argument("--drip", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--half-close", action="store_true", help="shut the write side after sending")
    args = parser.parse_args()

    host, _, port = args.connect.rpartition(":")
    host = host.strip("[]")
    context = ssl.create_default_context(cafile=args.ca)
    if args.servername is None:
        context.check_hostname = False
    if args.cert:
        context.load_cert_chain(args.cert, args.key)
    with open(args.send, "rb") as f:
        payload = f.read()

    raw = socket.create_connection((host, int(port)), timeout=args.timeout)
    tls = context.wrap_socket(raw, server_hostname=args.servername)
    if args.drip > 0:
        for i in range(0, len(payload), args.drip):
            tls.sendall(payload[i:i + args.drip])
            time.sleep(0.002)
    else:
        tls.sendall(payload)
    if args.half_close:
        raw.shutdown(socket.SHUT_WR)

    received = 0
    closed = "timeout"
    deadline = time.monotonic() + args.timeout
    out = sys.stdout.buffer
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        tls.settimeout(remaining)
        try:
            data = tls.recv(65536)
        except socket.timeout:
            break
        except ssl.SSLError as error:
            closed = f"tls-error:{error.reason}"
            break
        except ConnectionResetError:
            closed = "reset"
            break
        if not data:
            closed = "eof"
            break
        out.write(data)
        out.flush()
        received += len(data)
    print(f"closed={closed} received={received}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
