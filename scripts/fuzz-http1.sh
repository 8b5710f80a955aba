#!/usr/bin/env bash
# Fuzz the HTTP/1.1 parsers with libFuzzer + AddressSanitizer.
#
#   scripts/fuzz-http1.sh [SECONDS] [extra libFuzzer flags...]
#   FUZZ_CONFIGURATION=debug scripts/fuzz-http1.sh    # slower, but with debug-only checks
#
# Builds the sekisho-fuzz-http1 product into its own scratch dir (so the normal .build is left
# alone), seeds a corpus with a few valid and invalid messages, and runs for SECONDS (default 60).
# Crashing inputs land in fuzz-out/http1/artifacts/ (git-ignored); replay one with a normal build:
#   swift run sekisho-fuzz-http1 fuzz-out/http1/artifacts/crash-...
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

configuration="${FUZZ_CONFIGURATION:-release}"
scratch=".build-fuzz"
work="fuzz-out/http1"
corpus="$work/corpus"
artifacts="$work/artifacts"
mkdir -p "$corpus" "$artifacts"

# The linker (gold) prints many "Cannot export local symbol '__asan_...'" warnings; they are noise.
swift build -c "$configuration" --scratch-path "$scratch" --product sekisho-fuzz-http1 \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSEKISHO_LIBFUZZER

seed() { printf '%b' "$2" > "$corpus/seed-$1"; }
seed get        'GET /a?b HTTP/1.1\r\nHost: example.test\r\n\r\n'
seed post-cl    'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: h\r\n\r\n'
seed chunked    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n'
seed cl-te      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
seed http10     'GET http://h/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
seed resp-100   'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n'
seed resp-chunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\n'
seed resp-close 'HTTP/1.0 200 OK\r\n\r\nuntil close'

binary="$scratch/$configuration/sekisho-fuzz-http1"
exec "$binary" "$corpus" \
    -artifact_prefix="$artifacts/" \
    -max_len=4096 \
    -max_total_time="$seconds" \
    -print_final_stats=1 \
    "$@"
