#!/usr/bin/env bash
# crosscheck.sh — sekisho-bench against independent clients, and its own ceiling.
#
# Targets are trivial local mutual-TLS servers with the same certificates and cryptrec-high
# settings as compare.sh: nginx with one worker serving a static 200, and nginx with one worker
# proxying to sekisho's demo backend. With two or more CPUs the servers are pinned to CPU 0
# and the clients to CPU 1 (taskset), so a client never slows the server it measures.
#
# 1. Cross-checks: the same scenario measured by two tools must agree within 15%.
#    - full / resumed TLS 1.3 handshakes + GET, one at a time, against the static server:
#      `openssl s_time -new` / `-reuse` vs `sekisho-bench handshake --connections 1`;
#    - HTTP/1.1 keep-alive GET on 16 connections through the proxy (the server is the
#      bottleneck there, not either client): `ab -k -c 16 -E cert+key.pem` vs
#      `sekisho-bench h1 --connections 16 --loops 1` (ab is single-threaded, so one loop).
#    Runs alternate (sekisho-bench, reference tool) RUNS times; medians are compared.
# 2. Ceiling: sekisho-bench with one loop on its own CPU against the static server, and its
#    CPU per operation: what one client core can drive.
#
# Usage: scripts/bench/crosscheck.sh [OUTDIR]     Environment: RUNS [3] SECONDS_PER_RUN [8]
#   SEKISHO_BIN / SEKISHO_BENCH_BIN, SCRATCH as for compare.sh. About 6 minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

RUNS=${RUNS:-3}
SECS=${SECONDS_PER_RUN:-8}
AB_CONNECTIONS=16

SEKISHO_BENCH_DEPS=1 bash "$root/scripts/install-deps.sh"
for tool in nginx ab openssl python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
ensure_binaries

out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/sekisho-crosscheck.XXXXXX")}
mkdir -p "$out/results"
trap stop_all EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

pin_server=()
pin_client=()
if (($(nproc) >= 2)) && command -v taskset >/dev/null; then
    pin_server=(taskset -c 0)
    pin_client=(taskset -c 1)
fi

pki="$out/pki"
mint_pki "$pki"
cat "$pki/client-good-ecdsa.pem" "$pki/client-good-ecdsa.key" >"$out/client-ecdsa-with-key.pem"

# Static server.
static_addr="127.0.0.1:$(free_port)"
render_nginx "$out/static" "${static_addr##*:}" 1 "$pki" static
NGINX_PIN=("${pin_server[@]}")
start_nginx "$out/static"
check_serves "$static_addr" "$pki"

# Proxy with the demo backend behind it.
"${pin_server[@]}" "$SEKISHO_BIN" demo-backend --listen 127.0.0.1:0 --ready-file "$out/backend.json" 2>"$out/backend.log" &
pids+=($!)
wait_for_file "$out/backend.json" "the demo backend"
proxy_addr="127.0.0.1:$(free_port)"
render_nginx "$out/proxy" "${proxy_addr##*:}" 1 "$pki" proxy "$(json_field "$out/backend.json" "['address']")"
start_nginx "$out/proxy"
check_serves "$proxy_addr" "$pki"
log "static server $static_addr, proxy $proxy_addr (1 worker each${pin_server:+, CPU 0}); clients${pin_client:+ on CPU 1}"
{
    machine_facts
    echo "pinning: servers '${pin_server[*]:-none}', clients '${pin_client[*]:-none}'"
} >"$out/machine.txt"

client=(--cert "$pki/client-good-ecdsa.pem" --key "$pki/client-good-ecdsa.key" --server-name localhost)
now() { date +%s.%N; }

# s_time: connections / wall-clock seconds (its own "real seconds" figure is rounded to whole
# seconds, too coarse for a 15% comparison).
run_s_time() {  # MODE(-new|-reuse) FILE
    local start end
    start=$(now)
    "${pin_client[@]}" openssl s_time -connect "$static_addr" "$1" -time "$SECS" -www / -tls1_3 \
        -cert "$pki/client-good-ecdsa.pem" -key "$pki/client-good-ecdsa.key" >"$2" 2>&1 || true
    end=$(now)
    python3 - "$2" "$start" "$end" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"(\d+) connections in [\d.]+s;", text)
print("%.1f" % (int(m.group(1)) / (float(sys.argv[3]) - float(sys.argv[2]))) if m else "nan")
EOF
}

run_bench() {  # FILE TARGET ARGS...
    local file=$1 target=$2
    shift 2
    "${pin_client[@]}" "$SEKISHO_BENCH_BIN" "$@" --target "$target" "${client[@]}" --json --no-progress \
        >"$file" 2>"$file.log" || true
    json_field "$file" "['operationsPerSecond']" 2>/dev/null || echo nan
}

run_ab() {  # RATE FILE: enough requests for about SECONDS_PER_RUN at RATE
    local requests
    requests=$(python3 -c "r='$1'; print(max(10000, int(float(r) * $SECS)) if r != 'nan' else 50000)")
    "${pin_client[@]}" ab -k -q -c "$AB_CONNECTIONS" -n "$requests" -E "$out/client-ecdsa-with-key.pem" \
        -f TLS1.3 "https://$proxy_addr/" >"$2" 2>&1 || true
    sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$2"
}

declare -A results
record() {  # NAME RUN BENCH_RATE REFERENCE_RATE
    results[$1.a]+="$3 "
    results[$1.b]+="$4 "
    log "  $1 #$2: sekisho-bench $3/s, reference $4/s"
}

log "cross-check: full TLS 1.3 handshakes, one at a time (s_time -new)"
for i in $(seq "$RUNS"); do
    a=$(run_bench "$out/results/hs-full.bench.$i.json" "$static_addr" handshake --mode full --tls 1.3 --connections 1 --loops 1 --duration "$SECS" --warmup 1)
    record hs-full "$i" "$a" "$(run_s_time -new "$out/results/hs-full.s_time.$i.txt")"
done
log "cross-check: resumed TLS 1.3 handshakes, one at a time (s_time -reuse)"
for i in $(seq "$RUNS"); do
    a=$(run_bench "$out/results/hs-resumed.bench.$i.json" "$static_addr" handshake --mode resumed --tls 1.3 --connections 1 --loops 1 --duration "$SECS" --warmup 1)
    record hs-resumed "$i" "$a" "$(run_s_time -reuse "$out/results/hs-resumed.s_time.$i.txt")"
done
log "cross-check: keep-alive GET through the proxy, $AB_CONNECTIONS connections (ab -k)"
for i in $(seq "$RUNS"); do
    a=$(run_bench "$out/results/h1.bench.$i.json" "$proxy_addr" h1 --tls 1.3 --connections "$AB_CONNECTIONS" --loops 1 --duration "$SECS" --warmup 1)
    record h1 "$i" "$a" "$(run_ab "$a" "$out/results/h1.ab.$i.txt")"
done

log "ceiling: sekisho-bench, one loop on its own CPU, against the static server"
run_bench "$out/results/ceiling.h1.json" "$static_addr" h1 --connections 64 --loops 1 --duration "$SECS" --warmup 1 >/dev/null
run_bench "$out/results/ceiling.hs-full.json" "$static_addr" handshake --mode full --tls 1.3 --connections 16 --loops 1 --duration "$SECS" --warmup 1 >/dev/null
run_bench "$out/results/ceiling.hs-resumed.json" "$static_addr" handshake --mode resumed --tls 1.3 --connections 16 --loops 1 --duration "$SECS" --warmup 1 >/dev/null
run_bench "$out/results/ceiling.body-download.json" "$static_addr" body --download 1MiB --connections 8 --loops 1 --duration "$SECS" --warmup 1 >/dev/null

python3 - "$out" "${results[hs-full.a]}" "${results[hs-full.b]}" "${results[hs-resumed.a]}" "${results[hs-resumed.b]}" \
    "${results[h1.a]}" "${results[h1.b]}" <<'EOF' | tee "$out/table.md"
import glob, json, os, statistics, sys
out = sys.argv[1]
def med(s):
    v = [float(x) for x in s.split() if x not in ("nan", "")]
    return statistics.median(v) if v else float("nan")
print("```")
print(open(os.path.join(out, "machine.txt")).read().rstrip())
print("```\n")
print("| scenario | sekisho-bench (median) | reference tool (median) | difference | within 15% |")
print("|---|---|---|---|---|")
rows = [("full TLS 1.3 handshake + GET, 1 connection, static server", "openssl s_time -new", 2),
        ("resumed TLS 1.3 handshake + GET, 1 connection, static server", "openssl s_time -reuse", 4),
        ("keep-alive GET through the proxy, 16 connections, 1 client thread", "ab -k -E", 6)]
for name, tool, i in rows:
    a, b = med(sys.argv[i]), med(sys.argv[i + 1])
    d = (a - b) / b * 100 if b == b and b else float("nan")
    print("| %s | %.0f/s | %.0f/s (%s) | %+.1f%% | %s |" % (name, a, b, tool, d, "yes" if abs(d) <= 15 else "NO"))
print()
print("| ceiling run (one client loop, static server) | rate | client CPU | client CPU per operation |")
print("|---|---|---|---|")
for name in ("h1", "hs-full", "hs-resumed", "body-download"):
    try:
        r = json.load(open(os.path.join(out, "results", "ceiling.%s.json" % name)))
    except (OSError, ValueError):
        continue
    c = r["client"]
    extra = ""
    if r["bytes"]["bodyBytesPerSecond"] > 1e6:
        extra = " (%.0f MiB/s)" % (r["bytes"]["bodyBytesPerSecond"] / 1048576)
    per_op = c["cpuSeconds"] / r["operations"] * 1e6 if r["operations"] else float("nan")
    print("| %s | %.0f/s%s | %.0f%% of a core | %.0f µs |" % (name, r["operationsPerSecond"], extra, c["cpuPercent"], per_op))
EOF
log "results in $out"
