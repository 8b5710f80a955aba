#!/usr/bin/env bash
# The whole test suite: installs missing system packages, builds with warnings as errors,
# runs the lint fences, then every unit, loopback and integration test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

if ! command -v swift >/dev/null; then
  echo "swift is not on PATH: install a Swift 6 toolchain first" >&2
  exit 1
fi

bash scripts/lint.sh

# Building first makes the `sekisho` binary the integration tests start.
swift build --build-tests -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error
swift test --skip-build
