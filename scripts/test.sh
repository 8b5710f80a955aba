#!/usr/bin/env bash
# The whole test suite: installs missing system packages, checks the module fences, builds
# with warnings as errors, runs every unit, loopback and real-process integration test, then
# the quick-start demo once. Ends with one line: "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

if ! command -v swift >/dev/null; then
  echo "swift is not on PATH: install a Swift 6 toolchain first" >&2
  exit 1
fi

bash scripts/lint.sh

# Building first makes the `sekisho` and `sekisho-bench` binaries the integration tests start.
swift build --build-tests -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# The suite is XCTest only; Swift Testing would add a second, empty "0 tests" summary.
swift test --skip-build --disable-swift-testing 2>&1 | tee "$log" || status=$?

summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1 || true)
total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
if [[ -z "$summary" ]]; then
  echo "no XCTest summary found in the test output" >&2
  exit 1
fi

demo=0
bash scripts/demo.sh --smoke || demo=1

echo "$((total - failed + 1 - demo)) passed, $((failed + demo)) failed"
if ((status != 0 || failed != 0 || demo != 0)); then
  exit 1
fi
