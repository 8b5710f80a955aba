#!/usr/bin/env bash
# compare.sh — sekisho and nginx side by side on this machine, with sekisho-bench as the client.
#
# Both servers get the same certificates, the same cryptrec-high profile (in each one's syntax,
# generated from Sources/SekishoCore/CryptrecHighProfile.swift), mutual TLS against the same
# client CA and CRLs, a keep-alive upstream pool, and the same number of workers (nginx
# worker_processes = sekisho loops). Both forward to ONE fixed backend: sekisho's demo backend
# (`sekisho demo-backend`, plain HTTP/1.1 on loopback, one loop), started once and shared.
#
# Each scenario runs alternately, sekisho then nginx, PAIRS times; the table gives per-scenario
# medians and the sekisho/nginx ratio, plus server CPU per operation (from /proc, less sensitive
# to the load generator sharing the cores). Then RSS per idle mutual-TLS connection:
# IDLE_CONNECTIONS held open by `sekisho-bench idle` against a freshly started server, RSS
# before/after from /proc (nginx: the sum over its workers), twice each.
#
# Usage: scripts/bench/compare.sh [OUTDIR]
# Environment (defaults in brackets):
#   PAIRS [3]  DURATION [6] seconds measured per run  WARMUP [2]  LOOPS [2]
#   CLIENT_LOOPS [2]  IDLE_CONNECTIONS [2000]  SCENARIOS [all, space-separated names below]
#   SEKISHO_BIN / SEKISHO_BENCH_BIN: use these binaries instead of building release ones
#   SCRATCH [.build-bench]: SwiftPM scratch path of the release build
#   UPSTREAM_PROTOCOL [http1 if sekisho accepts it, else tcp]
#   RESUMPTION [cache]: cache (server-side session cache on both) or tickets (stateless tickets)
#   VERIFICATION_CACHE [5m, sekisho's default]: sekisho's client_auth.verification_cache; 0 makes
#            sekisho verify every client chain in full, as nginx does
# Scenarios: hs-full-13 hs-full-12 hs-full-13-rsa hs-resumed-13 hs-resumed-12 hs-resumed-12-nosni
#            h1 h1-paced body-download body-upload   (idle RSS last, unless IDLE_CONNECTIONS=0)
# Needs nginx, python3, openssl, curl (installed through scripts/install-deps.sh with
# SEKISHO_BENCH_DEPS=1). Total time with the defaults: about 12 minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

PAIRS=${PAIRS:-3}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
LOOPS=${LOOPS:-2}
CLIENT_LOOPS=${CLIENT_LOOPS:-2}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-2000}
VERIFICATION_CACHE=${VERIFICATION_CACHE:-5m}
SCENARIOS=${SCENARIOS:-hs-full-13 hs-full-12 hs-full-13-rsa hs-resumed-13 hs-resumed-12 hs-resumed-12-nosni h1 h1-paced body-download body-upload}

SEKISHO_BENCH_DEPS=1 bash "$root/scripts/install-deps.sh"
for tool in nginx python3 openssl curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
ensure_binaries

out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/sekisho-compare.XXXXXX")}
mkdir -p "$out/results"
work="$out/work"
mkdir -p "$work"
trap stop_all EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

log "minting the test PKI"
pki="$work/pki"
mint_pki "$pki"
client=(--cert "$pki/client-good-ecdsa.pem" --key "$pki/client-good-ecdsa.key")

# --- the fixed backend ----------------------------------------------------------------------
"$SEKISHO_BIN" demo-backend --listen 127.0.0.1:0 --ready-file "$work/backend.json" 2>"$work/backend.log" &
pids+=($!)
wait_for_file "$work/backend.json" "the demo backend"
backend=$(json_field "$work/backend.json" "['address']")
log "backend: sekisho demo-backend at $backend"

# --- sekisho --------------------------------------------------------------------------------
write_sekisho_config() {  # PROTOCOL [ACCESS_LOG_LINE]
    cat >"$work/sekisho.yaml" <<EOF
loops: $LOOPS
log: { level: warning, format: text }
${2:-}
listeners:
  - name: main
    listen: "127.0.0.1:0"
    certificates:
      - { cert: "$pki/server-ecdsa.pem", key: "$pki/server-ecdsa.key" }
      - { cert: "$pki/server-rsa.pem", key: "$pki/server-rsa.key" }
    client_auth: { ca: "$pki/client-ca.pem", crl: ["$pki/client-ca.crl", "$pki/root-ca.crl"], verification_cache: "$VERIFICATION_CACHE" }
    $sekisho_session_line
    upstream: backend
    limits: { max_connections: 100000 }
upstreams:
  - { name: backend, servers: ["$backend"], protocol: $1 }
EOF
}
protocol=${UPSTREAM_PROTOCOL:-}
if [[ -z "$protocol" ]]; then
    write_sekisho_config http1
    if "$SEKISHO_BIN" check --config "$work/sekisho.yaml" >/dev/null 2>&1; then protocol=http1; else protocol=tcp; fi
fi
# No access log on either side (nginx: access_log off), if this sekisho has one.
access_log="access_log: { output: off }"
write_sekisho_config "$protocol" "$access_log"
"$SEKISHO_BIN" check --config "$work/sekisho.yaml" >/dev/null 2>&1 || { access_log=""; write_sekisho_config "$protocol"; }
"$SEKISHO_BIN" check --config "$work/sekisho.yaml" >/dev/null || die "sekisho refused its configuration ($work/sekisho.yaml)"

start_sekisho() {
    rm -f "$work/sekisho.json"
    "$SEKISHO_BIN" run --config "$work/sekisho.yaml" --ready-file "$work/sekisho.json" 2>>"$work/sekisho.log" &
    pids+=($!)
    wait_for_file "$work/sekisho.json" "sekisho"
    sekisho_pid=$(json_field "$work/sekisho.json" "['pid']")
    sekisho_addr=$(json_field "$work/sekisho.json" "['listeners']['main']")
}
start_sekisho
check_serves "$sekisho_addr" "$pki"
log "sekisho: $sekisho_addr (pid $sekisho_pid, $LOOPS loops, upstream protocol $protocol)"

# --- nginx ----------------------------------------------------------------------------------
ngx="$work/nginx"
nginx_addr="127.0.0.1:$(free_port)"
render_nginx "$ngx" "${nginx_addr##*:}" "$LOOPS" "$pki" proxy "$backend"
start_nginx "$ngx"
check_serves "$nginx_addr" "$pki"
log "nginx: $nginx_addr (master $nginx_master, workers $(nginx_workers))"

{
    machine_facts
    echo "sekisho: $("$SEKISHO_BIN" version 2>/dev/null | head -1), upstream protocol $protocol"
    echo "settings: pairs=$PAIRS duration=${DURATION}s warmup=${WARMUP}s loops/workers=$LOOPS client_loops=$CLIENT_LOOPS backend=sekisho-demo-backend resumption=$RESUMPTION verification_cache=$VERIFICATION_CACHE"
} >"$out/machine.txt"

# --- scenarios ------------------------------------------------------------------------------
server_pids() { if [[ $1 == sekisho ]]; then echo "$sekisho_pid"; else echo "$nginx_master $(nginx_workers)"; fi; }
server_addr() { if [[ $1 == sekisho ]]; then echo "$sekisho_addr"; else echo "$nginx_addr"; fi; }

scenario_args() {
    case $1 in
        hs-full-13) echo "handshake --mode full --tls 1.3 --sigalgs ECDSA+SHA256 --connections 16" ;;
        hs-full-12) echo "handshake --mode full --tls 1.2 --sigalgs ECDSA+SHA256 --connections 16" ;;
        hs-full-13-rsa) echo "handshake --mode full --tls 1.3 --sigalgs rsa_pss_rsae_sha256 --connections 16" ;;
        hs-resumed-13) echo "handshake --mode resumed --tls 1.3 --sigalgs ECDSA+SHA256 --connections 16" ;;
        hs-resumed-12) echo "handshake --mode resumed --tls 1.2 --sigalgs ECDSA+SHA256 --connections 16" ;;
        # The same without SNI (Host is then the IP literal): measures TLS 1.2 resumption even
        # where a server mishandles the server name of resumed TLS 1.2 sessions.
        hs-resumed-12-nosni) echo "handshake --mode resumed --tls 1.2 --sigalgs ECDSA+SHA256 --connections 16 --server-name 127.0.0.1" ;;
        h1) echo "h1 --connections 32" ;;
        h1-paced) echo "h1 --connections 32 --rate $paced_rate" ;;
        body-download) echo "body --download 1MiB --connections 8" ;;
        body-upload) echo "body --upload 1MiB --connections 8" ;;
        *) die "unknown scenario $1" ;;
    esac
}

run_one() {  # SCENARIO SERVER PAIR
    local scenario=$1 server=$2 pair=$3 file="$out/results/$1.$2.$3" before after args
    args=$(scenario_args "$scenario")
    # SNI and Host "localhost" (the name in both servers' certificates) unless the scenario says.
    [[ $args == *--server-name* ]] || args+=" --server-name localhost"
    # shellcheck disable=SC2046
    before=$(cpu_of $(server_pids "$server"))
    # shellcheck disable=SC2086
    "$SEKISHO_BENCH_BIN" $args --target "$(server_addr "$server")" "${client[@]}" \
        --loops "$CLIENT_LOOPS" --duration "$DURATION" --warmup "$WARMUP" --json --no-progress \
        >"$file.json" 2>"$file.log" || log "  $scenario $server #$pair: sekisho-bench failed (see $file.log)"
    # shellcheck disable=SC2046
    after=$(cpu_of $(server_pids "$server"))
    # Server CPU over warm-up + measurement; compare.py divides by the operations of that span.
    echo "$before $after" >"$file.cpu"
    log "  $scenario $server #$pair: $(python3 "$here/compare.py" --one "$file.json")"
}

paced_rate=0
for scenario in $SCENARIOS; do
    if [[ $scenario == h1-paced ]]; then
        paced_rate=$(python3 "$here/compare.py" --paced-rate "$out/results" h1 0.5)
        log "h1-paced: both servers get the same load, $paced_rate requests/s (half the slower h1 median)"
    fi
    log "scenario $scenario: $(scenario_args "$scenario")"
    for pair in $(seq "$PAIRS"); do
        run_one "$scenario" sekisho "$pair"
        run_one "$scenario" nginx "$pair"
    done
done

# --- RSS per idle connection ----------------------------------------------------------------
# Each measurement starts from a freshly started server: memory freed by earlier runs stays in
# a process's heap and would hide the growth. One request first sets up what every process sets
# up once (TLS state, threads), so the baseline does not count it.
idle_pids() { if [[ $1 == sekisho ]]; then echo "$sekisho_pid"; else nginx_workers; fi; }
restart() {
    if [[ $1 == sekisho ]]; then
        stop_pid "$sekisho_pid"; start_sekisho; check_serves "$sekisho_addr" "$pki"
    else
        stop_pid "$nginx_master"; start_nginx "$ngx"; check_serves "$nginx_addr" "$pki"
    fi
}
if ((IDLE_CONNECTIONS > 0)); then
    log "idle: $IDLE_CONNECTIONS mutual-TLS connections held open, RSS before and after"
    for pair in 1 2; do
        for server in sekisho nginx; do
            file="$out/results/idle.$server.$pair"
            restart "$server"
            sleep 1
            # shellcheck disable=SC2046
            before=$(rss_of $(idle_pids "$server"))
            rm -f "$file.ready"
            "$SEKISHO_BENCH_BIN" idle --target "$(server_addr "$server")" "${client[@]}" --server-name localhost \
                --connections "$IDLE_CONNECTIONS" --concurrency 64 --loops "$CLIENT_LOOPS" --warmup 0 --duration 120 \
                --ready-file "$file.ready" --json --no-progress >"$file.json" 2>"$file.log" &
            bench=$!
            wait_for_file "$file.ready" "$IDLE_CONNECTIONS idle connections to $server"
            sleep 2  # let the servers settle (tickets sent, buffers released)
            # shellcheck disable=SC2046
            after=$(rss_of $(idle_pids "$server"))
            kill -INT "$bench"
            wait "$bench" || true
            echo "$before $after $IDLE_CONNECTIONS" >"$file.rss"
            log "  idle $server #$pair: RSS $before KiB -> $after KiB for $IDLE_CONNECTIONS connections"
        done
    done
fi

python3 "$here/compare.py" --table "$out" | tee "$out/table.md"
log "results in $out"
