#!/usr/bin/env bash
# The login gap, round by round (docs/BENCHMARKS.md, "The login gap, third look"): alternates the
# raw argon2id loop with logins on two authd servers, one that fsyncs each commit and one that
# does not, so each round compares them seconds apart on a noisy machine. Prints one line a round.
# The raw loop keeps argon2id's work area between verifies, as authd's hashing threads do. Beside
# the rates, where the synced server's CPU went: its hashing threads' CPU per login (against the
# raw loop's per verify), their share of the cores, and its other threads' CPU per login. The
# logins/raw ratio is about the product of that share and of the two per-verify costs' ratio.
#
#   bench/login_gap.sh [--rounds N] [--seconds S] [--memory-kib M] [--side-load] [--floor]
#                                                          (6 rounds of 6 s, 19456 KiB)
#
# --side-load adds a run a round: the raw loop at nice 19 (as authd's hashing threads) beside
# bench/cpu_load taking as much CPU, in as many wake-ups a second, as the synced server's other
# threads took in that round. Its ratio to the raw loop alone is what that much work on these
# cores costs argon2id, whoever does it (the client's CPU is not included).
#
# --floor adds logins on bench/login_floor, a bare login server on authd's stack that does only
# what any durable password login must (argon2id at nice 19, one synced write, an Ed25519 token):
# its ratio to the raw loop is about the best a login server can reach on these cores.
#
# Environment: AUTHD_BENCH_BUILD (build folder with app/authd and bench/argon2_baseline; default
# build/release, built first), AUTHD_BENCH_PORT (default 18530; the second server gets the next,
# bench/login_floor the one after).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

rounds=6
secs=6
memory=19456
side_load=0
floor=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:?}; shift ;;
    --seconds) secs=${2:?}; shift ;;
    --memory-kib) memory=${2:?}; shift ;;
    --side-load) side_load=1 ;;
    --floor) floor=1 ;;
    *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
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
    cmake --build --preset release --target authd argon2_baseline cpu_load login_floor >/dev/null)
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

if [ "$floor" = 1 ]; then
  BENCH_USER=gapuser BENCH_PASSWORD=$password "$build/bench/login_floor" --port $((port + 2)) \
    --data "$work/floor" --memory-kib "$memory" >"$work/floor.log" 2>&1 &
  pids+=($!)
  wait_ready "$work/floor.log" bench/login_floor || exit 1
fi

# logins PORT PID [HASH_THREADS]: one run of logins; sets rate (logins/s), and for the server's CPU
# over the run: hash_ms (its hashing threads' CPU a login; threads named HASH_THREADS, default
# authd-hash), share (their share of all cores), other_ms (every other thread's CPU a login) and,
# for authd, load_args (bench/cpu_load's arguments standing in for them).
logins() {
  local out ok seconds hash0 all0 other0 wake0 hash1 all1 hash_name=${3:-authd-hash}
  hash0=$(cpu_ns "$2" "$hash_name") all0=$(cpu_ns "$2") other0=$(other_ns "$2")
  wake0=$(wakeups "$2")
  out=$(BENCH_USER=gapuser BENCH_PASSWORD=$password LUA_PATH="$root/bench/http/?.lua;;" \
    wrk -t2 -c8 -d"$secs"s --timeout 10s -s "$root/bench/http/login.lua" \
    "http://127.0.0.1:$1/v1/sessions" | grep '^RESULT')
  hash1=$(cpu_ns "$2" "$hash_name") all1=$(cpu_ns "$2")
  ok=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$out")
  seconds=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out")
  rate=$(per_second "$ok" "$seconds")
  load_args=$(cpu_load_args "$2" "$other0" "$wake0" "$seconds")
  read -r hash_ms share other_ms < <(awk -v h=$((hash1 - hash0)) -v a=$((all1 - all0)) \
    -v n="$ok" -v s="$seconds" -v c="$(nproc)" \
    'BEGIN {if (n > 0 && s > 0) printf "%.2f %.1f%% %.2f\n", h / n / 1e6, 100 * h / 1e9 / s / c, (a - h) / n / 1e6; else print "nan nan nan"}')
}

side_header="" side_rule="" floor_header="" floor_rule=""
if [ "$floor" = 1 ]; then
  floor_header=" login_floor logins/s | ratio | login_floor hashing CPU ms/login | login_floor's other threads, CPU ms/login |"
  floor_rule="---|---|---|---|"
fi
if [ "$side_load" = 1 ]; then
  side_header=" raw loop at nice 19 beside cpu_load (authd's other threads' CPU and wake-ups) | ratio to the raw loop |"
  side_rule="---|---|"
fi
echo "| round | raw argon2id verifies/s (2 threads, work area kept) | raw CPU ms/verify | authd logins/s, sync | ratio | authd hashing CPU ms/login | hashing threads' share of the cores | authd's other threads, CPU ms/login | authd logins/s, no sync | ratio |$side_header$floor_header"
echo "|---|---|---|---|---|---|---|---|---|---|$side_rule$floor_rule"
for r in $(seq "$rounds"); do
  read -r raw raw_ms < <("$build/bench/argon2_baseline" --threads 2 --seconds "$secs" \
    --memory-kib "$memory" --keep-memory 1 --cpu 1)
  logins "$port" "${pids[0]}"
  synced=$rate synced_hash=$hash_ms synced_share=$share synced_other=$other_ms
  synced_load=$load_args
  floor_cols=""
  if [ "$floor" = 1 ]; then
    logins $((port + 2)) "${pids[2]}" floor-hash
    floor_cols=" $rate | $(ratio "$rate" "$raw") | $hash_ms | $other_ms |"
  fi
  logins $((port + 1)) "${pids[1]}"
  unsynced=$rate
  side=""
  if [ "$side_load" = 1 ] && [ -n "$synced_load" ]; then
    # shellcheck disable=SC2086 # two flags with their values
    "$build/bench/cpu_load" $synced_load --seconds $((secs + 1)) >/dev/null &
    load=$!
    beside=$(nice -n 19 "$build/bench/argon2_baseline" --threads 2 --seconds "$secs" \
      --memory-kib "$memory" --keep-memory 1)
    wait "$load"
    side=" $beside ($synced_load) | $(ratio "$beside" "$raw") |"
  elif [ "$side_load" = 1 ]; then
    side=" nan | nan |"
  fi
  echo "| $r | $raw | $raw_ms | $synced | $(ratio "$synced" "$raw") | $synced_hash | $synced_share |" \
    "$synced_other | $unsynced | $(ratio "$unsynced" "$raw") |$side$floor_cols"
done
echo "login_gap.sh: memory $memory KiB, $secs s per run, load average at the end $(load_average)" >&2
