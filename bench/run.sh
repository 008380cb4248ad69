#!/usr/bin/env bash
# The whole benchmark suite in one command, every figure beside its baseline from the same run on
# the same machine (docs/BENCHMARKS.md, "One command"):
#   - HTTP (bench/http_bench.sh): logins/s vs raw argon2id, GET /v1/users/me vs nginx, p99 under a
#     login flood; and, per --peer, the same login and /v1/users/me runs against that server;
#   - durable appends at 1/8/64 producers vs raw synced RocksDB puts (append_bench);
#   - WebSocket fan-out to 1,000 subscribers vs raw Asio (feeds_bench, at 50 events/s: a load
#     this machine sustains, so the latencies compare delivery, not shedding);
#   - projection rebuild vs raw scan (rebuild_bench) and memory with 1M users (memory_bench),
#     when those targets exist in the build.
#
#   bench/run.sh [--quick] [--peer NAME=URL ...]   (budget ~15 min, --quick ~4 min; measured
#   without rebuild/memory, one peer, busy 2-core VM: 401 s, --quick 95 s)
#
# --peer NAME=URL: another server implementing authd's routes (docs/API.md), on loopback only
# (http://127.0.0.1[:PORT], http://[::1][:PORT], http://localhost[:PORT]). Repeatable.
# Each sub-benchmark's full output goes to the log file (printed at the start; AUTHD_BENCH_LOG to
# choose it); the end of the run prints one Markdown table, also appended to the log.
# Environment: AUTHD_BENCH_BUILD (an existing build folder: nothing is built),
# AUTHD_BENCH_LOG, AUTHD_BENCH_PORT (authd of the HTTP runs; nginx gets the next port).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
quick=0
peers=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --peer) [ $# -ge 2 ] || usage; check_peer "$2" || exit 2; peers+=(--peer "$2"); shift ;;
    --peer=*) check_peer "${1#--peer=}" || exit 2; peers+=(--peer "${1#--peer=}") ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown argument $1" >&2; usage ;;
  esac
  shift
done

build=${AUTHD_BENCH_BUILD:-}
logfile=${AUTHD_BENCH_LOG:-/tmp/authd-bench-$(date -u +%Y%m%d-%H%M%S).log}
http_port=${AUTHD_BENCH_PORT:-18480}
# `authd serve` (started by http_bench.sh) takes every AUTHD_* variable as an option and refuses
# unknown ones: pass ours on explicitly, never through the environment.
unset AUTHD_BENCH_BUILD AUTHD_BENCH_LOG AUTHD_BENCH_PORT AUTHD_BENCH_QUICK
quick_flag=()
[ "$quick" = 0 ] || quick_flag=(--quick)

work=$(mktemp -d /tmp/authd-bench-run.XXXXXX)
child=""
cleanup() {
  # Only what this script started: the sub-benchmark running now (http_bench.sh stops its own
  # servers from its EXIT trap).
  if [ -n "$child" ]; then
    kill "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

: >>"$logfile"
say() { echo "run.sh: $*" | tee -a "$logfile" >&2; }
started=$(date +%s)
load_start=$(load_average)
say "log: $logfile"
say "$(date -u '+%F %T UTC'), $(nproc) CPUs, load average $load_start, quick=$quick"

# step NAME COMMAND...: runs the command with all its output appended to the log (so a long step
# can be followed with tail -f), and keeps a copy of this step's part in $work/NAME.out.
step() {
  local name=$1 rc=0 offset t0
  shift
  t0=$(date +%s)
  offset=$(stat -c %s "$logfile")
  say "$name: $*"
  { echo; echo "===== $name: $* ($(date -u +%T) UTC, load $(load_average))"; } >>"$logfile"
  "$@" >>"$logfile" 2>&1 &
  child=$!
  wait "$child" || rc=$?
  child=""
  tail -c +"$((offset + 1))" "$logfile" >"$work/$name.out"
  say "$name: done in $(($(date +%s) - t0)) s, exit $rc"
  return "$rc"
}

# --- build and dependencies ----------------------------------------------------------------------
optional=(rebuild_bench memory_bench)  # written in another branch; used when the build has them
if [ -z "$build" ]; then
  build="$root/build/release"
  step configure env -C "$root" cmake --preset release
  targets=(authd argon2_baseline latency_probe cpu_load login_floor append_bench feeds_bench)
  for t in "${optional[@]}"; do
    if cmake --build "$build" --target help 2>/dev/null | grep -q "^$t:"; then targets+=("$t"); fi
  done
  step build cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
fi
step deps "$root/scripts/install-bench-deps.sh"

rows="$work/rows"
: >"$rows"
failed=()
# row BENCHMARK MEASUREMENT AUTHD BASELINE RATIO GOAL
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@" >>"$rows"; }

# --- HTTP ----------------------------------------------------------------------------------------
AUTHD_BENCH_BUILD=$build AUTHD_BENCH_PORT=$http_port \
  step http "$root/bench/http_bench.sh" "${quick_flag[@]}" --rows "$rows" "${peers[@]}" ||
  { failed+=(http); row HTTP "http_bench.sh failed: see the log" - - - -; }

# --- durable appends -----------------------------------------------------------------------------
if step append "$build/bench/append_bench" "${quick_flag[@]}"; then
  # The comparison table's rows: | concurrency | authd | raw | ratio | ...
  awk -F'|' '/ vs .*\(medians\)/ {on = 1; next} /^Goal:/ {on = 0} on && /^\| *[0-9]+ *\|/ {
      gsub(/ /, "", $2); gsub(/^ +| +$/, "", $3); gsub(/^ +| +$/, "", $4); gsub(/ /, "", $5)
      printf "| durable appends | appends/s, %s producer%s, vs raw synced RocksDB puts/s | %s | %s | %s | >= 0.8 |\n",
        $2, ($2 == 1 ? "" : "s"), $3, $4, $5 }' \
    "$work/append.out" >>"$rows"
  grep -q '^| durable appends' "$rows" || row "durable appends" "no summary table found: see the log" - - - -
else
  failed+=(append)
  row "durable appends" "append_bench failed: see the log" - - - -
fi

# --- WebSocket fan-out ---------------------------------------------------------------------------
feeds_secs=10
[ "$quick" = 0 ] || feeds_secs=5
if step feeds "$build/bench/feeds_bench" --subscribers=1000 --rate=50 --seconds=$feeds_secs; then
  authd_line=$(grep '^| authd' "$work/feeds.out" || true)
  raw_line=$(grep '^| raw' "$work/feeds.out" || true)
  cell() { awk -F'|' -v n="$2" '{gsub(/^ +| +$/, "", $n); print $n}' <<<"$1"; }
  if [ -n "$authd_line" ] && [ -n "$raw_line" ]; then
    what="1,000 subscribers x 50 events/s, $feeds_secs s, vs raw Asio"
    row "WebSocket fan-out" "delivery latency p50 (ms), $what" "$(cell "$authd_line" 3)" \
      "$(cell "$raw_line" 3)" "$(ratio "$(cell "$authd_line" 3)" "$(cell "$raw_line" 3)")" "lower is better"
    row "WebSocket fan-out" "delivery latency p99 (ms), $what" "$(cell "$authd_line" 4)" \
      "$(cell "$raw_line" 4)" "$(ratio "$(cell "$authd_line" 4)" "$(cell "$raw_line" 4)")" "lower is better"
    row "WebSocket fan-out" "delivered, $what" "$(cell "$authd_line" 5)" "$(cell "$raw_line" 5)" - "100%"
  else
    row "WebSocket fan-out" "no result table found: see the log" - - - -
  fi
else
  failed+=(feeds)
  row "WebSocket fan-out" "feeds_bench failed: see the log" - - - -
fi

# --- rebuild and memory (other branch): their last Markdown table -------------------------------
# Rows of a table headed | measurement | authd | baseline | ratio | ... map onto the summary's
# columns; any other shape is kept whole, as "header: value" pairs in the measurement column.
last_table_rows() {  # last_table_rows BENCHMARK FILE
  awk -F'|' -v bench="$1" '
    /^\|/ { if (!intable) { n = 0; intable = 1 } line[++n] = $0; next }
    { intable = 0 }
    END {
      if (n < 3) exit 1
      nh = split(line[1], h, "|")
      for (i = 2; i < nh; i++) gsub(/^ +| +$/, "", h[i])
      shaped = (nh >= 6 && h[3] ~ /authd/ && h[5] ~ /ratio/)
      for (r = 3; r <= n; r++) {
        nc = split(line[r], c, "|")
        for (i = 2; i < nc; i++) gsub(/^ +| +$/, "", c[i])
        if (shaped) {
          goal = (nh >= 7 && h[6] ~ /goal/) ? c[6] : "-"
          printf "| %s | %s | %s | %s | %s | %s |\n", bench, c[2], c[3], c[4], c[5], goal
        } else {
          text = c[2]
          for (i = 3; i < nc; i++) text = text "; " h[i] ": " c[i]
          printf "| %s | %s | - | - | - | - |\n", bench, text
        }
      }
    }' "$2"
}
for name in rebuild_bench memory_bench; do
  label=${name%_bench}
  [ "$label" = rebuild ] && label="projection rebuild" || label="memory"
  if [ ! -x "$build/bench/$name" ]; then
    row "$label" "not built ($build/bench/$name does not exist)" - - - -
    say "$name: not built, skipped"
    continue
  fi
    if step "$name" "$build/bench/$name" "${quick_flag[@]}"; then
    last_table_rows "$label" "$work/$name.out" >>"$rows" ||
      row "$label" "no Markdown table at the end of its output: see the log" - - - -
  else
    failed+=("$name")
    row "$label" "$name failed: see the log" - - - -
  fi
done

# --- the summary ---------------------------------------------------------------------------------
{
  echo
  echo "## authd benchmark suite, $(date -u '+%F %H:%M UTC')$([ "$quick" = 0 ] || echo ', --quick')"
  echo
  echo "Every baseline was measured in this run on this machine ($(nproc) CPUs). Load average" \
    "$load_start at the start, $(load_average) at the end; $(($(date +%s) - started)) s in all." \
    "Full output: $logfile"
  echo
  echo "| benchmark | measurement | authd | baseline (same run) | ratio | goal |"
  echo "|---|---|---:|---:|---:|---|"
  cat "$rows"
  if [ ${#failed[@]} -gt 0 ]; then
    echo
    echo "FAILED: ${failed[*]} (see the log)"
  fi
} | tee -a "$logfile"
[ ${#failed[@]} -eq 0 ]
