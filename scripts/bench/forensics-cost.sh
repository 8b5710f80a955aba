#!/usr/bin/env bash
# The cost of handshake forensics on the full mutual-TLS handshake rate, measured in one run:
# two sekisho processes with the same listener, one without forensics (no record is built) and
# one writing every record to a JSON-lines file and keeping the client inventory, measured
# alternately (A B A B …) with `sekisho-bench handshake`. Prints per-run rates, the medians, the
# ratio, and each server's CPU per handshake (less disturbed by the shared cores than the rate).
#
#   scripts/bench/forensics-cost.sh [PAIRS=3] [SECONDS=8]
# Uses release builds in .build-bench (built if missing); SEKISHO_BIN / SEKISHO_BENCH_BIN override.
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-3}
seconds=${2:-8}

if [[ -z "${SEKISHO_BIN:-}" || -z "${SEKISHO_BENCH_BIN:-}" ]]; then
  swift build -c release --scratch-path .build-bench --product sekisho >&2
  swift build -c release --scratch-path .build-bench --product sekisho-bench >&2
fi
bin=${SEKISHO_BIN:-.build-bench/release/sekisho}
bench=${SEKISHO_BENCH_BIN:-.build-bench/release/sekisho-bench}

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
bash scripts/gen-test-pki.sh "$work/pki" >&2

wait_file() { for _ in $(seq 1 100); do [[ -s "$1" ]] && return 0; sleep 0.1; done; echo "timeout waiting for $1" >&2; exit 1; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$1" "$2"; }

"$bin" demo-backend --listen 127.0.0.1:0 --ready-file "$work/backend.ready" 2>"$work/backend.log" &
pids+=($!)
wait_file "$work/backend.ready"
backend=$(field "$work/backend.ready" 'd["address"]')

write_config() { # NAME EXTRA_TOP_LEVEL_YAML
  cat > "$work/$1.yaml" <<YAML
loops: 1
log: { level: warning, format: text }
$2
listeners:
  - name: main
    listen: "127.0.0.1:0"
    certificates:
      - { cert: pki/server-ecdsa.pem, key: pki/server-ecdsa.key }
    client_auth: { ca: pki/client-ca.pem, crl: [pki/client-ca.crl, pki/root-ca.crl] }
    upstream: backend
upstreams:
  - { name: backend, servers: ["$backend"], protocol: http1 }
YAML
}
write_config off ""
write_config on "forensics: { path: $work/handshakes.jsonl, inventory_path: $work/inventory.json }"

declare -A address pid
for name in off on; do
  "$bin" run --config "$work/$name.yaml" --ready-file "$work/$name.ready" >"$work/$name.access.log" 2>"$work/$name.log" &
  pid[$name]=$!
  pids+=($!)
  wait_file "$work/$name.ready"
  address[$name]=$(field "$work/$name.ready" 'd["listeners"]["main"]')
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A rates cpus
for i in $(seq 1 "$pairs"); do
  for name in off on; do
    before=$(cpu_ticks "${pid[$name]}")
    "$bench" handshake --target "${address[$name]}" --cert "$work/pki/client-good-ecdsa.pem" \
      --key "$work/pki/client-good-ecdsa.key" --connections 16 --duration "$seconds" --warmup 1 \
      --json > "$work/$name-$i.json" 2>/dev/null
    after=$(cpu_ticks "${pid[$name]}")
    rate=$(field "$work/$name-$i.json" 'd.get("operationsPerSecond", d.get("operations_per_second"))')
    ops=$(field "$work/$name-$i.json" 'd.get("operations")')
    cpu_us=$(python3 -c "print(round(($after - $before) / $(getconf CLK_TCK) * 1e6 / max($ops, 1)))")
    rates[$name]+="$rate "
    cpus[$name]+="$cpu_us "
    echo "pair $i  forensics=$name  ${rate} handshakes/s  server CPU ${cpu_us} µs/handshake"
  done
done
records=$(wc -l < "$work/handshakes.jsonl")
python3 - "${rates[off]}" "${rates[on]}" "${cpus[off]}" "${cpus[on]}" "$records" <<'PY'
import statistics, sys
off = [float(x) for x in sys.argv[1].split()]; on = [float(x) for x in sys.argv[2].split()]
coff = [float(x) for x in sys.argv[3].split()]; con = [float(x) for x in sys.argv[4].split()]
mo, mn = statistics.median(off), statistics.median(on)
co, cn = statistics.median(coff), statistics.median(con)
print(f"median rate: off {mo:.0f}/s, on {mn:.0f}/s, on/off = {mn/mo:.3f}")
print(f"median server CPU per handshake: off {co:.0f} µs, on {cn:.0f} µs (+{cn-co:.0f} µs, {100*(cn-co)/co:.1f}%)")
print(f"records written by the 'on' server: {sys.argv[5]}")
PY
