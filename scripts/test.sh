#!/usr/bin/env bash
# Builds authd and runs its whole test suite: `scripts/test.sh [--quick] [PRESET ...]`.
# Presets: release (default), debug, asan (AddressSanitizer + UndefinedBehaviorSanitizer), tsan.
# --quick skips the tests labelled "slow" (crash and fault loops); CI runs everything.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
presets=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) presets+=("$arg") ;;
  esac
done
[ ${#presets[@]} -gt 0 ] || presets=(release)

scripts/install-deps.sh
scripts/install-web-deps.sh
for preset in "${presets[@]}"; do
  echo "== $preset: configure and build" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test" >&2
  ctest_args=(--preset "$preset" -j2)
  [ "$quick" -eq 1 ] && ctest_args+=(-LE slow)
  ctest "${ctest_args[@]}"
done
