#!/usr/bin/env bash
# Builds the libFuzzer targets (`fuzz` preset: clang, ASan + UBSan) and runs each for a while on
# a scratch copy of its seed corpus: `scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]`
# (default 30 s, every target). Fails when a target crashes, leaks, hangs or trips an oracle; the
# input that did it is kept in build/fuzz/findings/<target>/. The repo's corpus is never written.
# docs/FUZZING.md lists the targets and how to run a long campaign.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in -h|--help) sed -n '2,6p' "$0"; exit 0 ;; esac
seconds=${1:-30}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(http_request json_body jwt event_decode ws_subscribe)

scripts/install-fuzz-deps.sh
echo "== fuzz: configure and build" >&2
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

scratch=$(mktemp -d "${TMPDIR:-/tmp}/authd-fuzz-corpus.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# The API targets' scratch data folders go here too: a crash (abort) skips their own clean-up.
mkdir -p "$scratch/tmp"
export TMPDIR="$scratch/tmp"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  corpus="$scratch/$t"
  findings="build/fuzz/findings/$t"
  mkdir -p "$corpus" "$findings"
  cp fuzz/corpus/"$t"/* "$corpus"/
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384
        -artifact_prefix="$findings/" -print_final_stats=1)
  [ -f "fuzz/$t.dict" ] && args+=(-dict="fuzz/$t.dict")
  log="$scratch/$t.log"
  echo "== fuzz: $t for ${seconds}s" >&2
  if build/fuzz/fuzz/fuzz_"$t" "${args[@]}" "$corpus" >"$log" 2>&1; then
    # "#123456 DONE cov: 1234 ft: 5678 corp: 90/12Kb ..." and the executions per second.
    grep -E "DONE|stat::average_exec_per_sec" "$log" | sed "s/^/   $t: /" >&2
  else
    echo "!! fuzz: $t failed; reproducer in $findings/, last lines of its log:" >&2
    tail -n 60 "$log" >&2
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "!! fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "== fuzz: no findings" >&2
