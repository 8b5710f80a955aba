#!/usr/bin/env bash
# gen-test-pki.sh OUTDIR — mint a short-lived test PKI for sekisho's tests with the openssl CLI.
#
# Everything is regenerated on every run (idempotent: OUTDIR is cleared of what this script
# made before), valid for about two days, and must never be committed. Layout:
#
#   ca.pem/.key                root CA (ECDSA P-256, SHA-256)
#   intermediate.pem/.key      intermediate signed by the root; signs all leaves below
#   client-ca.pem              client trust bundle for a listener (root + intermediate)
#   server-ca.pem              anchor for the server chain (root)
#   server-ecdsa|server-rsa    good server certs (leaf then intermediate), SAN localhost/127.0.0.1/::1
#   server-rsa1024|server-sha1|server-expired|server-weakcurve|server-mismatch   refused at start-up
#   client-good-ecdsa|client-good-rsa                   good client certs (+ .p12, password sekisho-demo)
#   client-sha1|client-md5|client-rsa1024|client-expired|client-notyet|client-revoked|
#   client-unknown-ca|client-no-eku|client-bad-ku       refused client certs, one reason each
#   client-ca.crl (+ .der)     intermediate CRL listing client-revoked
#   client-ca-norevoked.crl    the intermediate's CRL from before that revocation
#   root-ca.crl                root CRL (empty)
#   root-ca-intrevoked.crl     root CRL listing the intermediate
#   client-ca-delta.crl        a delta CRL (refused at load)
#   client-ca-partial.crl      a CRL limited to end-entity certificates by its IDP (refused at load)
#   client-ca-idp.crl          a complete CRL whose IDP only names its URL (accepted)
#   untrusted-ca.pem           the CA behind client-unknown-ca (not in any trust bundle)
#
# Only the openssl CLI and coreutils are used. Prints one summary line on success.
set -euo pipefail

die() { echo "gen-test-pki: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: gen-test-pki.sh OUTDIR"
command -v openssl >/dev/null 2>&1 || die "openssl not found in PATH"

OUT=$1
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
WORK="$OUT/.ca-work"
rm -rf "$WORK"
rm -f "$OUT"/*.pem "$OUT"/*.key "$OUT"/*.crl "$OUT"/*.crl.der "$OUT"/*.p12
mkdir -p "$WORK"

# Every openssl failure goes to a log that is shown on failure only.
LOG="$WORK/openssl.log"
run() {
    if ! "$@" >>"$LOG" 2>&1; then
        echo "gen-test-pki: failed: $*" >&2
        tail -n 20 "$LOG" >&2
        exit 1
    fi
}

# UTC timestamp for openssl ca -startdate/-enddate, offset in seconds from now (GNU or BSD date).
stamp() {
    local offset=$1 now
    now=$(date -u +%s)
    date -u -d "@$((now + offset))" +%Y%m%d%H%M%SZ 2>/dev/null \
        || date -u -r "$((now + offset))" +%Y%m%d%H%M%SZ
}
HOUR=3600
DAY=86400
NOW_MINUS_1H=$(stamp $((-HOUR)))
IN_2D=$(stamp $((2 * DAY)))

# One openssl ca configuration per CA directory. Extensions live here so every leaf is minted
# the same way; `-preserveDN` on each `openssl ca` call keeps the CSR's RDN order and its
# UTF8String encoding as written (without it, ca reorders the DN by the policy section).
write_ca_conf() {
    local dir=$1
    mkdir -p "$dir/newcerts"
    : >"$dir/index.txt"
    echo "unique_subject = no" >"$dir/index.txt.attr"
    cat >"$dir/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default

[ CA_default ]
dir = $dir
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
rand_serial = yes
default_md = sha256
default_crl_days = 2
policy = policy_any
unique_subject = no
copy_extensions = none
preserve = yes
email_in_dn = no
string_mask = utf8only
utf8 = yes

[ policy_any ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no

[ req_dn ]
CN = unused

[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ ext_client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ ext_client_no_eku ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ ext_client_bad_ku ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyAgreement
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ crl_delta ]
authorityKeyIdentifier = keyid:always
2.5.29.27 = critical, ASN1:INTEGER:1

[ crl_partial ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_partial

[ idp_partial ]
fullname = URI:http://crl.example.invalid/partial.crl
onlyuser = TRUE

[ crl_idp ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp_full

[ idp_full ]
fullname = URI:http://crl.example.invalid/full.crl
EOF
}

genkey() { # genkey FILE KIND  (KIND: p256 | rsaBITS | curve:NAME)
    local file=$1 kind=$2
    case $kind in
        p256) run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$file" ;;
        rsa*) run openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${kind#rsa}" -out "$file" ;;
        curve:*) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${kind#curve:}" -out "$file" >>"$LOG" 2>&1 ;;
        *) die "unknown key kind $kind" ;;
    esac
}

# issue CADIR NAME SUBJECT EXT [START END MD KEYFILE]: CSR from KEYFILE (default OUT/NAME.key),
# signed by the CA in CADIR, written to WORK/NAME.crt (leaf only).
issue() {
    local cadir=$1 name=$2 subject=$3 ext=$4
    local start=${5:-$NOW_MINUS_1H} end=${6:-$IN_2D} md=${7:-sha256} key=${8:-"$OUT/$name.key"}
    run openssl req -new -config "$cadir/ca.cnf" -utf8 -key "$key" -subj "$subject" -out "$WORK/$name.csr"
    run openssl ca -batch -config "$cadir/ca.cnf" -notext -utf8 -preserveDN -md "$md" -extensions "$ext" \
        -startdate "$start" -enddate "$end" -in "$WORK/$name.csr" -out "$WORK/$name.crt"
}

# leaf NAME KEYKIND SUBJECT EXT [START END MD]: key + cert issued by the intermediate, .pem = leaf+intermediate.
leaf() {
    local name=$1 kind=$2 subject=$3 ext=$4
    genkey "$OUT/$name.key" "$kind" || die "cannot generate $kind key for $name"
    issue "$WORK/int" "$name" "$subject" "$ext" "${5:-$NOW_MINUS_1H}" "${6:-$IN_2D}" "${7:-sha256}"
    cat "$WORK/$name.crt" "$OUT/intermediate.pem" >"$OUT/$name.pem"
}

# --- Root and intermediate ----------------------------------------------------------------
write_ca_conf "$WORK/root"
write_ca_conf "$WORK/int"
write_ca_conf "$WORK/untrusted"

genkey "$OUT/ca.key" p256
cp "$OUT/ca.key" "$WORK/root/ca.key"
run openssl req -new -config "$WORK/root/ca.cnf" -utf8 -key "$OUT/ca.key" \
    -subj "/O=Sekisho Test/CN=Sekisho Test Root CA" -out "$WORK/root.csr"
run openssl ca -batch -selfsign -config "$WORK/root/ca.cnf" -notext -preserveDN -keyfile "$OUT/ca.key" \
    -extensions v3_root -startdate "$NOW_MINUS_1H" -enddate "$IN_2D" -in "$WORK/root.csr" -out "$OUT/ca.pem"
cp "$OUT/ca.pem" "$WORK/root/ca.pem"

genkey "$OUT/intermediate.key" p256
issue "$WORK/root" intermediate "/O=Sekisho Test/CN=Sekisho Test Intermediate CA" v3_intermediate \
    "$NOW_MINUS_1H" "$IN_2D" sha256 "$OUT/intermediate.key"
cp "$WORK/intermediate.crt" "$OUT/intermediate.pem"
cp "$OUT/intermediate.pem" "$WORK/int/ca.pem"
cp "$OUT/intermediate.key" "$WORK/int/ca.key"

cat "$OUT/ca.pem" "$OUT/intermediate.pem" >"$OUT/client-ca.pem"
cp "$OUT/ca.pem" "$OUT/server-ca.pem"

# --- Server certificates ----------------------------------------------------------------------
leaf server-ecdsa p256 "/O=Sekisho Test/CN=localhost" ext_server
leaf server-rsa rsa3072 "/O=Sekisho Test/CN=localhost" ext_server
leaf server-rsa1024 rsa1024 "/O=Sekisho Test/CN=localhost" ext_server
leaf server-sha1 p256 "/O=Sekisho Test/CN=localhost" ext_server "$NOW_MINUS_1H" "$IN_2D" sha1
leaf server-expired p256 "/O=Sekisho Test/CN=localhost" ext_server "$(stamp $((-3 * DAY)))" "$(stamp $((-DAY)))"
# P-192 first; builds that refuse it get secp224r1, then brainpoolP256r1 (none is in the profile).
for curve in P-192 secp224r1 brainpoolP256r1; do
    if genkey "$WORK/weakcurve.key" "curve:$curve"; then break; fi
    rm -f "$WORK/weakcurve.key"
done
[[ -s "$WORK/weakcurve.key" ]] || die "no weak EC curve available for server-weakcurve"
cp "$WORK/weakcurve.key" "$OUT/server-weakcurve.key"
issue "$WORK/int" server-weakcurve "/O=Sekisho Test/CN=localhost" ext_server
cat "$WORK/server-weakcurve.crt" "$OUT/intermediate.pem" >"$OUT/server-weakcurve.pem"
# A certificate next to a key that is not its own.
leaf server-mismatch p256 "/O=Sekisho Test/CN=localhost" ext_server
genkey "$OUT/server-mismatch.key" p256

# --- Client certificates ----------------------------------------------------------------------
JP_O="医療法人テスト会"
leaf client-good-ecdsa p256 "/O=$JP_O/OU=Radiology/CN=client-good-ecdsa" ext_client
leaf client-good-rsa rsa2048 "/O=Sekisho Test Clinic/OU=Cardiology/CN=client-good-rsa" ext_client
leaf client-sha1 p256 "/O=Sekisho Test Clinic/OU=Weak/CN=client-sha1" ext_client "$NOW_MINUS_1H" "$IN_2D" sha1
leaf client-rsa1024 rsa1024 "/O=Sekisho Test Clinic/OU=Weak/CN=client-rsa1024" ext_client
leaf client-expired p256 "/O=Sekisho Test Clinic/OU=Old/CN=client-expired" ext_client \
    "$(stamp $((-3 * DAY)))" "$(stamp $((-DAY)))"
leaf client-notyet p256 "/O=Sekisho Test Clinic/OU=Future/CN=client-notyet" ext_client \
    "$(stamp $((DAY)))" "$(stamp $((2 * DAY)))"
leaf client-revoked p256 "/O=Sekisho Test Clinic/OU=Revoked/CN=client-revoked" ext_client
leaf client-no-eku p256 "/O=Sekisho Test Clinic/OU=Server/CN=client-no-eku" ext_client_no_eku
leaf client-bad-ku p256 "/O=Sekisho Test Clinic/OU=KeyAgreement/CN=client-bad-ku" ext_client_bad_ku

# MD5 needs an RSA issuer (there is no ECDSA-with-MD5 OID): a second, RSA intermediate under the
# same root signs only this leaf. Skipped silently where OpenSSL refuses to sign with MD5.
genkey "$WORK/int-rsa.key" rsa2048
write_ca_conf "$WORK/intrsa"
issue "$WORK/root" intermediate-rsa "/O=Sekisho Test/CN=Sekisho Test RSA Intermediate CA" v3_intermediate \
    "$NOW_MINUS_1H" "$IN_2D" sha256 "$WORK/int-rsa.key"
cp "$WORK/intermediate-rsa.crt" "$WORK/intrsa/ca.pem"
cp "$WORK/int-rsa.key" "$WORK/intrsa/ca.key"
genkey "$OUT/client-md5.key" rsa2048
if openssl req -new -config "$WORK/intrsa/ca.cnf" -utf8 -key "$OUT/client-md5.key" \
        -subj "/O=Sekisho Test Clinic/OU=Weak/CN=client-md5" -out "$WORK/client-md5.csr" >>"$LOG" 2>&1 \
    && openssl ca -batch -config "$WORK/intrsa/ca.cnf" -notext -preserveDN -md md5 -extensions ext_client \
        -startdate "$NOW_MINUS_1H" -enddate "$IN_2D" -in "$WORK/client-md5.csr" -out "$WORK/client-md5.crt" >>"$LOG" 2>&1; then
    cat "$WORK/client-md5.crt" "$WORK/intermediate-rsa.crt" >"$OUT/client-md5.pem"
else
    rm -f "$OUT/client-md5.key"
fi

# A CA nobody trusts, and a client certificate from it.
genkey "$WORK/untrusted/ca.key" p256
run openssl req -new -config "$WORK/untrusted/ca.cnf" -utf8 -key "$WORK/untrusted/ca.key" \
    -subj "/O=Elsewhere/CN=Untrusted Root CA" -out "$WORK/untrusted.csr"
run openssl ca -batch -selfsign -config "$WORK/untrusted/ca.cnf" -notext -preserveDN -keyfile "$WORK/untrusted/ca.key" \
    -extensions v3_root -startdate "$NOW_MINUS_1H" -enddate "$IN_2D" -in "$WORK/untrusted.csr" -out "$WORK/untrusted/ca.pem"
cp "$WORK/untrusted/ca.pem" "$OUT/untrusted-ca.pem"
genkey "$OUT/client-unknown-ca.key" p256
issue "$WORK/untrusted" client-unknown-ca "/O=Elsewhere/OU=Nobody/CN=client-unknown-ca" ext_client
cp "$WORK/client-unknown-ca.crt" "$OUT/client-unknown-ca.pem"

# --- CRLs -------------------------------------------------------------------------------------
run openssl ca -batch -config "$WORK/int/ca.cnf" -gencrl -out "$OUT/client-ca-norevoked.crl"
run openssl ca -batch -config "$WORK/int/ca.cnf" -revoke "$WORK/client-revoked.crt" -crl_reason keyCompromise
run openssl ca -batch -config "$WORK/int/ca.cnf" -gencrl -out "$OUT/client-ca.crl"
run openssl crl -in "$OUT/client-ca.crl" -outform DER -out "$OUT/client-ca.crl.der"
run openssl ca -batch -config "$WORK/root/ca.cnf" -gencrl -out "$OUT/root-ca.crl"
# CRLs sekisho must refuse to load (a delta CRL, one limited to end-entity certificates) and one
# it loads (an issuingDistributionPoint that only names where the complete CRL lives).
run openssl ca -batch -config "$WORK/int/ca.cnf" -gencrl -crlexts crl_delta -out "$OUT/client-ca-delta.crl"
run openssl ca -batch -config "$WORK/int/ca.cnf" -gencrl -crlexts crl_partial -out "$OUT/client-ca-partial.crl"
run openssl ca -batch -config "$WORK/int/ca.cnf" -gencrl -crlexts crl_idp -out "$OUT/client-ca-idp.crl"
# The root revokes the intermediate: every client chained through it is then refused.
run openssl ca -batch -config "$WORK/root/ca.cnf" -revoke "$WORK/intermediate.crt" -crl_reason cACompromise
run openssl ca -batch -config "$WORK/root/ca.cnf" -gencrl -out "$OUT/root-ca-intrevoked.crl"

# --- PKCS#12 for browsers (AES-256-CBC + PBKDF2, SHA-256 MAC: what current browsers import) ---
for name in client-good-ecdsa client-good-rsa; do
    run openssl pkcs12 -export -in "$OUT/$name.pem" -inkey "$OUT/$name.key" -name "$name" \
        -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 \
        -passout pass:sekisho-demo -out "$OUT/$name.p12"
done

chmod 600 "$OUT"/*.key
rm -rf "$WORK"
count=$(find "$OUT" -maxdepth 1 -type f | wc -l | tr -d ' ')
echo "gen-test-pki: wrote $count files to $OUT (valid until $IN_2D)"
