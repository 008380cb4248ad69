#!/usr/bin/env bash
# The login gap, round by round (docs/BENCHMARKS.md, "The login gap, third look"): alternates the
# raw argon2id loop with logins on two authd servers, one that fsyncs each commit and one that
# does not, so each round compares them seconds apart on a noisy machine. Prints one line a round.
# The raw loop keeps argon2id's work area between verifies, as authd's hashing threads do.
#
#   bench/login_gap.sh [--rounds N] [--seconds S] [--memory-kib M]   (6 rounds of 6 s, 19456 KiB)
#
# Environment: AUTHD_BENCH_BUILD (build folder with app/authd and bench/argon2_baseline; default
# build/release, built first), AUTHD_BENCH_PORT (default 18530; the second server gets the next).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

rounds=6
secs=6
memory=19456
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:?}; shift ;;
    --seconds) secs=${2:?}; shift ;;
    --memory-kib) memory=${2:?}; shift ;;
    *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done

build=${AUTHD_BENCH_BUILD:-}
port=${AUTHD_BENCH_PORT:-18530}
unset AUTHD_BENCH_BUILD AUTHD_BENCH_PORT  # `authd serve` refuses unknown AUTHD_* variables
"$root/scripts/install-bench-deps.sh"
if [ -z "$build" ]; then
  build="$root/build/release"
  (cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target authd argon2_baseline >/dev/null)
fi

work=$(mktemp -d /tmp/authd-login-gap.XXXXXX)
pids=()
cleanup() {
  stop_started "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

password="measure-secret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
for sync in true false; do
  p=$port
  [ "$sync" = true ] || p=$((port + 1))
  "$build/app/authd" serve --data "$work/$sync" --listen "127.0.0.1:$p" --hash-threads 2 \
    --argon2-memory-kib "$memory" --sync "$sync" --login-throttle false --signup-burst 0 \
    >"$work/$sync.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$p/healthz" >/dev/null && break
    sleep 0.1
  done
  # Signed up over HTTP, so the stored hash has this server's argon2id memory.
  curl -fs -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"gapuser\",\"email\":\"gapuser@example.com\",\"password\":\"$password\"}" \
    "http://127.0.0.1:$p/v1/users"
done

logins() {  # logins PORT: logins/s over one run
  local out
  out=$(BENCH_USER=gapuser BENCH_PASSWORD=$password LUA_PATH="$root/bench/http/?.lua;;" \
    wrk -t2 -c8 -d"$secs"s --timeout 10s -s "$root/bench/http/login.lua" \
    "http://127.0.0.1:$1/v1/sessions" | grep '^RESULT')
  per_second "$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$out")" \
    "$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out")"
}

echo "| round | raw argon2id verifies/s (2 threads, work area kept) | authd logins/s, sync | ratio | authd logins/s, no sync | ratio |"
echo "|---|---|---|---|---|---|"
for r in $(seq "$rounds"); do
  raw=$("$build/bench/argon2_baseline" --threads 2 --seconds "$secs" --memory-kib "$memory" \
    --keep-memory 1)
  synced=$(logins "$port")
  unsynced=$(logins $((port + 1)))
  echo "| $r | $raw | $synced | $(ratio "$synced" "$raw") | $unsynced | $(ratio "$unsynced" "$raw") |"
done
echo "login_gap.sh: memory $memory KiB, $secs s per run, load average at the end $(load_average)" >&2
