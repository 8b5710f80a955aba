#!/usr/bin/env bash
# Installs the Debian packages sekisho builds, runs and tests with, if any are missing.
# Used by scripts/demo.sh, scripts/test.sh and CI. Needs root or sudo for apt-get.
set -euo pipefail

packages=(
  libssl-dev libnghttp2-dev pkg-config   # build: OpenSSL 3 and nghttp2 headers
  openssl curl nghttp2-client python3    # tests: real peers and the recording backend
)
if [[ "${SEKISHO_BENCH_DEPS:-0}" == 1 ]]; then
  packages+=(nginx apache2-utils)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
