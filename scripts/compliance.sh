#!/usr/bin/env bash
# compliance.sh — scan a live sekisho listener with independent TLS scanners (testssl, and
# sslscan when installed) and fail unless the result matches the cryptrec-high profile:
#   * only TLS 1.2 and TLS 1.3 offered (and both of them offered),
#   * only cipher suites of the profile table (Sources/SekishoCore/CryptrecHighProfile.swift),
#   * no vulnerability reported as VULNERABLE, no TLS compression, no client renegotiation.
#
# Run by hand (it takes a few minutes), not in CI:
#   scripts/compliance.sh                      mint a fresh PKI, start a loopback backend and
#                                              sekisho (SEKISHO_BIN, else .build/release or
#                                              .build/debug), scan it, stop both
#   scripts/compliance.sh --target 127.0.0.1:8443 --mtls client.pem [--ca ca.pem]
#                                              scan a sekisho that is already running; client.pem
#                                              holds the client certificate chain and its key
# Options: --out DIR (keep reports there; default a temp folder that is kept), --skip-sslscan.
#
# Mutual TLS and the scanners: sekisho requires a client certificate by default. testssl
# releases with `--mtls` present one; older releases (3.0.x, Debian's package) cannot, and
# their openssl-based probes would then fail at the end of every handshake and report
# suites as "not offered" — a silent pass. So when the installed testssl has no --mtls, the
# self-started sekisho gets a second listener, `scan`, with the same certificates and TLS
# settings but `client_auth.required: false`, and testssl scans that one (the TLS surface
# — versions, suites, groups, extensions — does not depend on whether the certificate is
# demanded). sslscan 2.0 cannot usefully present a client certificate (given --certs it
# stops enumerating TLS 1.2 suites), so it scans `scan` too. The summary says which listener each
# scanner saw; with --target, both scan the given address. As a second
# guard against a vacuous pass, the check fails if a scanner saw no TLS 1.2 or no TLS 1.3
# suite at all.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target=""
mtls=""
ca=""
out=""
skip_sslscan=0

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while (($#)); do
    case $1 in
        --target) target=$2; shift 2 ;;
        --mtls) mtls=$2; shift 2 ;;
        --ca) ca=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --skip-sslscan) skip_sslscan=1; shift ;;
        -h|--help) usage ;;
        *) echo "compliance.sh: unknown argument $1" >&2; usage ;;
    esac
done

die() { echo "compliance.sh: $*" >&2; exit 2; }
command -v testssl >/dev/null 2>&1 || die "testssl not found (Debian/Ubuntu: apt-get install testssl.sh)"
command -v python3 >/dev/null 2>&1 || die "python3 not found"
command -v openssl >/dev/null 2>&1 || die "openssl not found"

out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/sekisho-compliance.XXXXXX")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "compliance.sh: reports in $out"

testssl_has_mtls=0
if testssl --help 2>&1 | grep -q -- '--mtls'; then testssl_has_mtls=1; fi

# --- Start our own sekisho, unless given a target --------------------------------------------
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

# wait_for_file FILE PID WHAT: polls with backoff (10 ms doubling to 0.64 s), 30 s in all.
wait_for_file() {
    local file=$1 pid=$2 what=$3 delay
    local deadline=$((SECONDS + 30))
    for delay in 0.01 0.02 0.04 0.08 0.16 0.32 0.64; do
        [[ -s $file ]] && return 0
        sleep "$delay"
    done
    while [[ ! -s $file ]]; do
        kill -0 "$pid" 2>/dev/null || die "$what exited before it was ready (see $out/*.stderr)"
        ((SECONDS < deadline)) || die "$what not ready after 30s"
        sleep 0.64
    done
}

json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$@"; }

scan_target=""     # what testssl scans
sslscan_target=""  # what sslscan scans
scan_note=""
if [[ -z $target ]]; then
    bin=${SEKISHO_BIN:-}
    if [[ -z $bin ]]; then
        for candidate in "$root/.build/release/sekisho" "$root/.build/debug/sekisho"; do
            if [[ -x $candidate ]]; then bin=$candidate; break; fi
        done
    fi
    [[ -n $bin && -x $bin ]] || die "no sekisho binary (build one, or set SEKISHO_BIN)"

    pki="$out/pki"
    bash "$root/scripts/gen-test-pki.sh" "$pki" >/dev/null
    ca="$pki/ca.pem"
    cat "$pki/client-good-ecdsa.pem" "$pki/client-good-ecdsa.key" >"$out/client-mtls.pem"
    chmod 600 "$out/client-mtls.pem"
    mtls="$out/client-mtls.pem"

    python3 "$root/scripts/test-backend.py" --listen 127.0.0.1:0 --ready-file "$out/backend.ready.json" \
        --log "$out/backend.events.log" 2>"$out/backend.stderr" &
    pids+=($!)
    wait_for_file "$out/backend.ready.json" "${pids[-1]}" "test backend"
    backend_port=$(json_field "$out/backend.ready.json" '["port"]')

    listener() { # listener NAME REQUIRED
        cat <<EOF
  - name: $1
    listen: "127.0.0.1:0"
    certificates:
      - { cert: "$pki/server-ecdsa.pem", key: "$pki/server-ecdsa.key" }
      - { cert: "$pki/server-rsa.pem", key: "$pki/server-rsa.key" }
    client_auth: { required: $2, ca: "$pki/client-ca.pem", crl: ["$pki/client-ca.crl"] }
    upstream: backend
EOF
    }
    {
        echo 'log: { level: info, format: json }'
        echo 'listeners:'
        listener main true
        listener scan false
        echo 'upstreams:'
        echo "  - { name: backend, servers: [\"127.0.0.1:$backend_port\"], protocol: tcp }"
    } >"$out/sekisho.yaml"

    "$bin" run --config "$out/sekisho.yaml" --ready-file "$out/sekisho.ready.json" 2>"$out/sekisho.stderr" &
    pids+=($!)
    wait_for_file "$out/sekisho.ready.json" "${pids[-1]}" "sekisho"
    main_addr=$(json_field "$out/sekisho.ready.json" '["listeners"]["main"]')
    scan_addr=$(json_field "$out/sekisho.ready.json" '["listeners"]["scan"]')
    # sslscan cannot enumerate TLS 1.2 suites of a listener that demands a certificate.
    sslscan_target=$scan_addr
    if ((testssl_has_mtls)); then
        scan_target=$main_addr
        scan_note="testssl scanned listener 'main' (client certificate required) with --mtls; sslscan scanned listener 'scan' (same TLS settings, client certificate optional)"
    else
        scan_target=$scan_addr
        scan_note="testssl $(testssl --version 2>/dev/null | grep -o 'testssl *[0-9.]*' | head -1 | tr -s ' ') has no --mtls and sslscan cannot present a client certificate: both scanned listener 'scan' (same TLS settings, client certificate optional)"
    fi
else
    scan_target=$target
    sslscan_target=$target
    if ((testssl_has_mtls)) && [[ -n $mtls ]]; then
        scan_note="testssl scanned $target with --mtls"
    else
        scan_note="testssl scanned $target WITHOUT a client certificate: if the listener demands one, openssl-based probes fail late and suites can be missed (the vacuity guard below still applies)"
    fi
fi

# --- testssl -----------------------------------------------------------------------------------
testssl_args=(--quiet --color 0 --warnings off --nodns none --openssl-timeout 15 --connect-timeout 10
              -p -P -E -U -S --jsonfile "$out/testssl.json" --logfile "$out/testssl.log")
[[ -n $ca ]] && testssl_args+=(--add-ca "$ca")
if ((testssl_has_mtls)) && [[ -n $mtls ]]; then testssl_args+=(--mtls "$mtls"); fi
rm -f "$out/testssl.json" "$out/testssl.log"
echo "compliance.sh: running testssl against $scan_target (this takes a few minutes)"
set +e
testssl "${testssl_args[@]}" "$scan_target" >"$out/testssl.stdout" 2>&1
testssl_status=$?
set -e
[[ -s $out/testssl.json ]] || { tail -n 40 "$out/testssl.stdout" >&2; die "testssl wrote no JSON (exit $testssl_status)"; }

# --- sslscan -----------------------------------------------------------------------------------
sslscan_xml=""
if ((!skip_sslscan)) && command -v sslscan >/dev/null 2>&1; then
    # No --certs/--pk: sslscan 2.0.7 given a client certificate stops enumerating TLS 1.2
    # suites altogether, even against a listener that does not ask for one.
    sslscan_args=(--no-colour --show-sigs --xml="$out/sslscan.xml")
    echo "compliance.sh: running sslscan against $sslscan_target"
    set +e
    sslscan "${sslscan_args[@]}" "$sslscan_target" >"$out/sslscan.stdout" 2>&1
    set -e
    [[ -s $out/sslscan.xml ]] && sslscan_xml="$out/sslscan.xml"
elif ((!skip_sslscan)); then
    echo "compliance.sh: sslscan not installed, skipped"
fi

# --- The production-shaped listener really demands a certificate --------------------------------
mtls_probe="skipped (--target mode)"
if [[ -z $target ]]; then
    request=$'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
    for version in -tls1_3 -tls1_2; do
        set +e
        { printf '%s' "$request"; sleep 2; } | timeout 20 openssl s_client -connect "$main_addr" "$version" \
            -CAfile "$ca" -servername localhost >"$out/nocert$version.txt" 2>&1
        set -e
        if grep -q 'hello from backend' "$out/nocert$version.txt"; then
            mtls_probe="FAILED: a client without a certificate got a response over ${version#-} (see $out/nocert$version.txt)"
            break
        fi
        mtls_probe="ok: listener 'main' refused a client without a certificate over TLS 1.3 and TLS 1.2"
    done
fi

# --- Verdict -----------------------------------------------------------------------------------
strict_order=0
[[ -z $target ]] && strict_order=1   # our own config uses the profile's default lists and order
python3 - "$root/Sources/SekishoCore/CryptrecHighProfile.swift" "$out/testssl.json" "$sslscan_xml" "$scan_note" \
    "$strict_order" "$mtls_probe" <<'PY'
import json
import re
import sys
import xml.etree.ElementTree as ET

profile_file, testssl_json, sslscan_xml, scan_note, strict_order, mtls_probe = sys.argv[1:7]

# The profile table is the single source of truth; read it rather than repeat it here.
source = open(profile_file, encoding="utf-8").read()
suites = re.findall(r'CipherSuite\(iana: "([^"]+)", code: 0x([0-9A-Fa-f]+), openSSL: "([^"]+)"\)', source)
if len(suites) < 10:
    sys.exit(f"compliance.sh: could not read the suite table from {profile_file}")
profile_codes = {int(code, 16): (iana, ossl) for iana, code, ossl in suites}
profile_names = {n for iana, _, ossl in suites for n in (iana, ossl)}
profile_rank = {}
for rank, (iana, _, ossl) in enumerate(suites):
    profile_rank[iana] = profile_rank[ossl] = rank

failures = []
lines = []

findings = json.load(open(testssl_json))
if isinstance(findings, dict):  # --jsonfile-pretty shape
    findings = [f for block in findings.get("scanResult", []) for v in block.values() if isinstance(v, list) for f in v]
by_id = {}
for f in findings:
    by_id.setdefault(f.get("id", ""), []).append(f)

lines.append(f"note: {scan_note}")
lines.append(f"client certificate demanded: {mtls_probe}")
if mtls_probe.startswith("FAILED"):
    failures.append(mtls_probe)
lines.append("== testssl: protocols")
offered = {}
for pid, label in [("SSLv2", "SSL 2.0"), ("SSLv3", "SSL 3.0"), ("TLS1", "TLS 1.0"), ("TLS1_1", "TLS 1.1"),
                   ("TLS1_2", "TLS 1.2"), ("TLS1_3", "TLS 1.3")]:
    text = " / ".join(f.get("finding", "") for f in by_id.get(pid, [])) or "(no finding)"
    is_offered = "offered" in text and "not offered" not in text
    offered[pid] = is_offered
    lines.append(f"  {label:8} {text}")
    if pid in ("TLS1_2", "TLS1_3"):
        if not is_offered:
            failures.append(f"{label} is not offered")
    elif is_offered:
        failures.append(f"{label} is offered")

lines.append("== testssl: cipher suites per protocol (server order where reported)")
seen = {"tls1_2": 0, "tls1_3": 0}
for f in findings:
    fid = f.get("id", "")
    m = re.match(r"cipher-(tls1(?:_\d)?|ssl\d)_x([0-9a-f]+)$", fid)
    if not m:
        continue
    proto, hexcode = m.group(1), int(m.group(2), 16)
    finding = f.get("finding", "")
    lines.append(f"  {finding}")
    if proto in seen:
        seen[proto] += 1
    if hexcode not in profile_codes:
        failures.append(f"non-profile suite offered: {finding.split()[2] if len(finding.split()) > 2 else hex(hexcode)} (0x{hexcode:04x}, {proto})")
    elif proto not in ("tls1_2", "tls1_3"):
        failures.append(f"profile suite offered under {proto}: {finding}")
for fid in ("cipherorder_TLSv1_2", "cipherorder_TLSv1_3", "cipher_order", "protocol_negotiated", "cipher_negotiated"):
    for f in by_id.get(fid, []):
        lines.append(f"  {fid}: {f.get('finding', '')}")
        if fid.startswith("cipherorder_") and strict_order == "1":
            # The server's order must follow the profile's preference order (PROFILE.md).
            ranks = [profile_rank.get(name, -1) for name in f.get("finding", "").split()]
            if ranks != sorted(ranks):
                failures.append(f"{fid}: server order is not the profile order: {f.get('finding')}")
for f in by_id.get("cipher_order", []):
    if "server" not in f.get("finding", "").lower():
        failures.append(f"cipher order is not the server's: {f.get('finding')}")
for proto in ("tls1_2", "tls1_3"):
    if seen[proto] == 0:
        failures.append(f"testssl saw no {proto} suite at all (a scan that saw nothing proves nothing)")

lines.append("== testssl: vulnerabilities and settings")
vuln_ids = ["heartbleed", "CCS", "ticketbleed", "ROBOT", "secure_renego", "secure_client_renego", "CRIME_TLS",
            "BREACH", "POODLE_SSL", "fallback_SCSV", "SWEET32", "FREAK", "DROWN", "DROWN_hint", "LOGJAM",
            "LOGJAM-common_primes", "BEAST", "BEAST_CBC_TLS1", "LUCKY13", "winshock", "RC4"]
for vid in vuln_ids:
    for f in by_id.get(vid, []):
        lines.append(f"  {vid:22} {f.get('severity', ''):8} {f.get('finding', '')}")
for f in findings:
    if "VULNERABLE" in f.get("finding", "") and "not vulnerable" not in f.get("finding", "").lower():
        failures.append(f"testssl: {f.get('id')}: {f.get('finding')}")
for f in by_id.get("CRIME_TLS", []):
    if "not vulnerable" not in f.get("finding", "").lower() and "no compression" not in f.get("finding", "").lower():
        failures.append(f"TLS compression: {f.get('finding')}")
for f in by_id.get("secure_client_renego", []):
    if "not vulnerable" not in f.get("finding", "").lower():
        failures.append(f"client-initiated renegotiation: {f.get('finding')}")
for f in findings:
    if f.get("severity") in ("FATAL",) or (f.get("id") == "scanProblem"):
        failures.append(f"testssl could not complete: {f.get('id')}: {f.get('finding')}")

if sslscan_xml:
    lines.append("== sslscan")
    tree = ET.parse(sslscan_xml)
    s_seen = {"TLSv1.2": 0, "TLSv1.3": 0}
    for p in tree.iter("protocol"):
        ptype, version, enabled = p.get("type"), p.get("version"), p.get("enabled")
        lines.append(f"  {ptype} {version}: {'enabled' if enabled == '1' else 'disabled'}")
        if enabled == "1" and not (ptype == "tls" and version in ("1.2", "1.3")):
            failures.append(f"sslscan: {ptype} {version} enabled")
    for c in tree.iter("cipher"):
        name, sslversion = c.get("cipher", ""), c.get("sslversion", "")
        lines.append(f"  {c.get('status', ''):9} {sslversion:8} {name} {c.get('curve', '') or ''}".rstrip())
        if sslversion in s_seen:
            s_seen[sslversion] += 1
        if name not in profile_names:
            failures.append(f"sslscan: non-profile suite {name} ({sslversion})")
    for proto, count in s_seen.items():
        if count == 0 and strict_order == "1":
            failures.append(f"sslscan saw no {proto} suite at all (a scan that saw nothing proves nothing)")
        elif count == 0:
            lines.append(f"  note: sslscan saw no {proto} suite; it cannot present a client certificate, so a"
                         " listener that demands one hides its TLS 1.2 suites from it (testssl's result stands)")
    for r in tree.iter("renegotiation"):
        lines.append(f"  renegotiation: supported={r.get('supported')} secure={r.get('secure')}")
        if r.get("supported") == "1" and r.get("secure") != "1":
            failures.append("sslscan: insecure renegotiation supported")
    for comp in tree.iter("compression"):
        lines.append(f"  compression: supported={comp.get('supported')}")
        if comp.get("supported") == "1":
            failures.append("sslscan: TLS compression supported")
    for hb in tree.iter("heartbleed"):
        if hb.get("vulnerable") == "1":
            failures.append(f"sslscan: heartbleed on {hb.get('sslversion')}")

lines.append("== guideline suites OpenSSL 3.0 cannot negotiate (never offered; reported, not hidden)")
for camellia in re.findall(r'"(TLS_[A-Z_]*CAMELLIA[A-Z0-9_]* \([0-9A-F,]+\))"', source):
    lines.append(f"  {camellia}")

print("\n".join(lines))
if failures:
    print("\nNOT COMPLIANT:")
    for f in failures:
        print(f"  - {f}")
    sys.exit(1)
print("\nCOMPLIANT with cryptrec-high: TLS 1.2/1.3 only, profile suites only, nothing reported VULNERABLE")
PY
