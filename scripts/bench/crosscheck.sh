#!/usr/bin/env bash
# crosscheck.sh — sekisho-bench against independent clients, and its own ceiling.
#
# The target is a trivial local mutual-TLS server: nginx serving a static 200 with the same
# certificates and cryptrec-high settings as compare.sh (2 workers), so the server is cheap and
# the client's own limits show.
#
# 1. Cross-checks (the same scenario measured by two tools must agree within 15%):
#    - full and resumed TLS 1.3 handshakes + GET, one at a time:
#      `openssl s_time -new/-reuse -www /` vs `sekisho-bench handshake --connections 1`;
#    - HTTP/1.1 keep-alive GET with C concurrent connections:
#      `ab -k -c C -E cert+key.pem` vs `sekisho-bench h1 --connections C --loops 1`
#      (ab is single-threaded, so the bench gets one loop too).
#    Runs alternate (tool A, tool B) RUNS times; medians are compared.
# 2. Ceiling: sekisho-bench at full speed against the static server with 1 and 2 loops, and
#    its own CPU per operation (the inverse is its rate per core).
#
# Usage: scripts/bench/crosscheck.sh [OUTDIR]     Environment: RUNS [3] SECONDS_PER_RUN [8]
#   SEKISHO_BIN / SEKISHO_BENCH_BIN, SCRATCH as for compare.sh. About 5 minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

RUNS=${RUNS:-3}
SECS=${SECONDS_PER_RUN:-8}
AB_CONNECTIONS=${AB_CONNECTIONS:-16}

SEKISHO_BENCH_DEPS=1 bash "$root/scripts/install-deps.sh"
for tool in nginx ab openssl python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
ensure_binaries

out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/sekisho-crosscheck.XXXXXX")}
mkdir -p "$out/results"
trap stop_all EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

pki="$out/pki"
mint_pki "$pki"
cat "$pki/client-good-ecdsa.pem" "$pki/client-good-ecdsa.key" >"$out/client-ecdsa-with-key.pem"
ngx="$out/nginx"
addr="127.0.0.1:$(free_port)"
render_nginx "$ngx" "${addr##*:}" 2 "$pki" static
start_nginx "$ngx"
check_serves "$addr" "$pki"
log "static mutual-TLS nginx at $addr (2 workers)"
machine_facts >"$out/machine.txt"

bench=("$SEKISHO_BENCH_BIN")
client=(--cert "$pki/client-good-ecdsa.pem" --key "$pki/client-good-ecdsa.key" --server-name localhost)
now() { date +%s.%N; }

# s_time: connections / wall-clock seconds (its own "real seconds" figure is rounded to whole
# seconds, too coarse for a 15% comparison).
run_s_time() {  # MODE(-new|-reuse) FILE
    local start end
    start=$(now)
    openssl s_time -connect "$addr" "$1" -time "$SECS" -www / -tls1_3 \
        -cert "$pki/client-good-ecdsa.pem" -key "$pki/client-good-ecdsa.key" >"$2" 2>&1 || true
    end=$(now)
    python3 - "$2" "$start" "$end" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"(\d+) connections in [\d.]+s;", text)
print("%.1f" % (int(m.group(1)) / (float(sys.argv[3]) - float(sys.argv[2]))) if m else "nan")
EOF
}

run_bench() {  # FILE ARGS...
    local file=$1
    shift
    "${bench[@]}" "$@" --target "$addr" "${client[@]}" --json --no-progress >"$file" 2>"$file.log" || true
    json_field "$file" "['operationsPerSecond']"
}

run_ab() {  # RATE FILE: enough requests for about SECONDS_PER_RUN at RATE
    local requests
    # Enough requests for about SECS seconds at the bench's rate.
    requests=$(python3 -c "print(max(10000, int($1 * $SECS)))" 2>/dev/null || echo 100000)
    ab -k -q -c "$AB_CONNECTIONS" -n "$requests" -E "$out/client-ecdsa-with-key.pem" -f TLS1.3 \
        "https://$addr/" >"$2" 2>&1 || true
    sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$2"
}

declare -A results
pair() {  # NAME TOOL_A_CMD TOOL_B_CMD (functions printing a rate)
    local name=$1 i a b
    for i in $(seq "$RUNS"); do
        a=$($2 "$i")
        b=$($3 "$i")
        results[$name.a]+="$a "
        results[$name.b]+="$b "
        log "  $name #$i: sekisho-bench $a/s, reference $b/s"
    done
}

hs_full_bench() { run_bench "$out/results/hs-full.bench.$1.json" handshake --mode full --tls 1.3 --connections 1 --loops 1 --duration "$SECS" --warmup 1; }
hs_full_stime() { run_s_time -new "$out/results/hs-full.s_time.$1.txt"; }
hs_res_bench() { run_bench "$out/results/hs-resumed.bench.$1.json" handshake --mode resumed --tls 1.3 --connections 1 --loops 1 --duration "$SECS" --warmup 1; }
hs_res_stime() { run_s_time -reuse "$out/results/hs-resumed.s_time.$1.txt"; }
last_h1_rate=20000
h1_bench() {
    last_h1_rate=$(run_bench "$out/results/h1.bench.$1.json" h1 --tls 1.3 --connections "$AB_CONNECTIONS" --loops 1 --duration "$SECS" --warmup 1)
    echo "$last_h1_rate"
}
h1_ab() { run_ab "$last_h1_rate" "$out/results/h1.ab.$1.txt"; }

log "cross-check: full TLS 1.3 handshakes, one at a time (s_time -new)"
pair hs-full hs_full_bench hs_full_stime
log "cross-check: resumed TLS 1.3 handshakes, one at a time (s_time -reuse)"
pair hs-resumed hs_res_bench hs_res_stime
log "cross-check: keep-alive GET, $AB_CONNECTIONS connections (ab -k)"
pair h1 h1_bench h1_ab

log "ceiling: sekisho-bench at full speed against the static server"
for loops in 1 2; do
    run_bench "$out/results/ceiling.h1.$loops.json" h1 --connections 64 --loops "$loops" --duration "$SECS" --warmup 1 >/dev/null
    run_bench "$out/results/ceiling.hs-full.$loops.json" handshake --mode full --tls 1.3 --connections 32 --loops "$loops" --duration "$SECS" --warmup 1 >/dev/null
    run_bench "$out/results/ceiling.hs-resumed.$loops.json" handshake --mode resumed --tls 1.3 --connections 32 --loops "$loops" --duration "$SECS" --warmup 1 >/dev/null
    run_bench "$out/results/ceiling.body-download.$loops.json" body --download 1MiB --connections 8 --loops "$loops" --duration "$SECS" --warmup 1 >/dev/null || true
done

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
rows = [("full TLS 1.3 handshake + GET, 1 connection", "openssl s_time -new", 2),
        ("resumed TLS 1.3 handshake + GET, 1 connection", "openssl s_time -reuse", 4),
        ("keep-alive GET, 16 connections, 1 thread", "ab -k -E", 6)]
for name, tool, i in rows:
    a, b = med(sys.argv[i]), med(sys.argv[i + 1])
    d = (a - b) / b * 100 if b == b and b else float("nan")
    print("| %s | %.0f/s | %.0f/s (%s) | %+.1f%% | %s |" % (name, a, b, tool, d, "yes" if abs(d) <= 15 else "NO"))
print()
print("| ceiling run (static 200 server) | loops | rate | client CPU | client CPU per op | ops per client core-second |")
print("|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(out, "results", "ceiling.*.json"))):
    try:
        r = json.load(open(path))
    except ValueError:
        continue
    name, loops = os.path.basename(path).split(".")[1:3]
    c = r["client"]
    rate = r["operationsPerSecond"]
    extra = ""
    if r["bytes"]["bodyBytesPerSecond"] > 1e6:
        extra = " (%.0f MiB/s)" % (r["bytes"]["bodyBytesPerSecond"] / 1048576)
    per_op = c["cpuSeconds"] / r["operations"] * 1e6 if r["operations"] else float("nan")
    print("| %s | %s | %.0f/s%s | %.0f%% of a core | %.0f µs | %s |" % (
        name, loops, rate, extra, c["cpuPercent"], per_op, c.get("operationsPerCPUSecond")))
EOF
log "results in $out"
