# Shared helpers for scripts/bench/*.sh (sourced, not run). Expects $root (repository) and
# $here (scripts/bench) to be set.

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

# Processes started by the sourcing script, stopped by pid only (never by name).
pids=()

# Stops one process this script started (TERM, then KILL after 5 s) and forgets it.
stop_pid() {
    local pid=$1 keep=() p
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${pids[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    pids=("${keep[@]}")
}

stop_all() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[$i]}"; done
}

# Polls for a non-empty file with backoff (10 ms doubling to 500 ms, ~25 s in all); never a
# fixed sleep.
wait_for_file() {
    local path=$1 what=$2 delay=0.01
    for _ in $(seq 60); do
        [[ -s "$path" ]] && return 0
        sleep "$delay"
        delay=$(python3 -c "print(min($delay * 2, 0.5))")
    done
    die "timed out waiting for $what ($path)"
}

# json_field FILE "['key']['sub']"
json_field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$1" "$2"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The release binaries: $SEKISHO_BIN / $SEKISHO_BENCH_BIN if set, else built into $SCRATCH.
ensure_binaries() {
    if [[ -z "${SEKISHO_BIN:-}" || -z "${SEKISHO_BENCH_BIN:-}" ]]; then
        local scratch=${SCRATCH:-$root/.build-bench} bin
        log "building release binaries in $scratch"
        (cd "$root" && swift build -c release --scratch-path "$scratch" --product sekisho >&2 \
            && swift build -c release --scratch-path "$scratch" --product sekisho-bench >&2)
        bin="$(cd "$root" && swift build -c release --scratch-path "$scratch" --show-bin-path)"
        SEKISHO_BIN=${SEKISHO_BIN:-$bin/sekisho}
        SEKISHO_BENCH_BIN=${SEKISHO_BENCH_BIN:-$bin/sekisho-bench}
    fi
    [[ -x "$SEKISHO_BIN" && -x "$SEKISHO_BENCH_BIN" ]] || die "missing binaries: $SEKISHO_BIN $SEKISHO_BENCH_BIN"
}

mint_pki() {  # DIR
    bash "$root/scripts/gen-test-pki.sh" "$1" >/dev/null
}

# RESUMPTION: how both servers resume sessions. `cache` (sekisho's default): a server-side cache
# shared by every loop / worker (nginx: its shared-memory cache, tickets off); `tickets`:
# stateless tickets under a per-process key, no cache (sekisho: session_cache_size 0).
RESUMPTION=${RESUMPTION:-cache}
case $RESUMPTION in
    cache) nginx_session_lines="ssl_session_tickets off; ssl_session_cache shared:SSL:64m;"
           nginx_session_note="server-side session cache shared by all workers, no tickets"
           sekisho_session_line="tls: { session_cache_size: 4096 }" ;;
    tickets) nginx_session_lines="ssl_session_tickets on; ssl_session_cache off;"
             nginx_session_note="stateless tickets, no session cache"
             sekisho_session_line="tls: { session_cache_size: 0 }" ;;
    *) echo "RESUMPTION must be cache or tickets (found '$RESUMPTION')" >&2; exit 2 ;;
esac

# One cryptrec-high list in OpenSSL syntax, from the profile's source of truth.
profile_list() { python3 "$here/profile_lists.py" "$root/Sources/SekishoCore/CryptrecHighProfile.swift" "$1"; }

# render_nginx PREFIX PORT WORKERS PKI KIND [BACKEND]: writes PREFIX/nginx.conf with the
# cryptrec-high mTLS server and KIND = proxy (pool to BACKEND) or static (a 200).
render_nginx() {
    local prefix=$1 port=$2 workers=$3 pki=$4 kind=$5 backend=${6:-} user_line=""
    mkdir -p "$prefix/tmp"
    cat "$pki/client-ca.crl" "$pki/root-ca.crl" >"$prefix/crls.pem"
    [[ $(id -u) -eq 0 ]] && user_line="user root;"  # workers must read the keys minted as root
    if [[ $kind == proxy ]]; then
        sed -e "s|@BACKEND@|$backend|" "$here/proxy-upstream.conf" >"$prefix/upstream.conf"
        cp "$here/proxy-location.conf" "$prefix/location.conf"
    else
        : >"$prefix/upstream.conf"
        sed -e "s|@PREFIX@|$prefix|g" "$here/static-location.conf" >"$prefix/location.conf"
        head -c 1048576 /dev/zero >"$prefix/blob-1MiB"
    fi
    sed -e "s|@USER_LINE@|$user_line|" -e "s|@WORKERS@|$workers|" -e "s|@PREFIX@|$prefix|g" -e "s|@PKI@|$pki|g" \
        -e "s|@PORT@|$port|" -e "s|@SESSION_LINES@|$nginx_session_lines|" -e "s|@SESSION_NOTE@|$nginx_session_note|" \
        -e "s|@TLS12_CIPHERS@|$(profile_list tls12)|" -e "s|@TLS13_SUITES@|$(profile_list tls13)|" \
        -e "s|@GROUPS@|$(profile_list groups)|" -e "s|@SIGALGS@|$(profile_list sigalgs)|g" \
        "$here/nginx.conf.template" >"$prefix/nginx.conf"
    nginx -t -p "$prefix" -c "$prefix/nginx.conf" 2>"$prefix/check.log" \
        || { cat "$prefix/check.log" >&2; die "nginx refused its configuration"; }
}

# start_nginx PREFIX: runs nginx in the foreground (master + workers) and sets $nginx_master.
# NGINX_PIN (an array, e.g. (taskset -c 0)) prefixes the command; it must exec nginx.
NGINX_PIN=()
start_nginx() {
    local prefix=$1
    rm -f "$prefix/nginx.pid"
    "${NGINX_PIN[@]}" nginx -p "$prefix" -c "$prefix/nginx.conf" 2>>"$prefix/stderr.log" &
    nginx_master=$!
    pids+=("$nginx_master")
    wait_for_file "$prefix/nginx.pid" "nginx"
}

nginx_workers() { ps -o pid= --ppid "$nginx_master" | tr -s ' \n' ' '; }

# check_serves ADDR PKI: a request with the client certificate must get a 2xx.
check_serves() {
    local addr=$1 pki=$2 port=${1##*:}
    for _ in $(seq 50); do
        if curl -sf --noproxy '*' -o /dev/null --cacert "$pki/ca.pem" --cert "$pki/client-good-ecdsa.pem" \
            --key "$pki/client-good-ecdsa.key" --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/"; then
            return 0
        fi
        sleep 0.2
    done
    die "no 2xx from $addr with the client certificate"
}

# CPU seconds (user + system) of a set of pids, from /proc/<pid>/stat.
cpu_of() {
    local total=0 pid
    for pid in "$@"; do
        [[ -r /proc/$pid/stat ]] || continue
        total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print t + ($12 + $13) / hz }' "/proc/$pid/stat")
    done
    echo "$total"
}

# Resident memory (KiB) summed over a set of pids.
rss_of() {
    local total=0 pid
    for pid in "$@"; do
        [[ -r /proc/$pid/status ]] || continue
        total=$((total + $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")))
    done
    echo "$total"
}

machine_facts() {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "kernel: $(uname -r)"
    echo "openssl: $(openssl version)"
    echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //')"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}
