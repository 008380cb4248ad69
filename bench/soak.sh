#!/usr/bin/env bash
# Soak test (docs/BENCHMARKS.md, "Soak test"; not in CI): `authd serve` on a fresh data folder
# under a bounded mixed load for N minutes (bench/soak_client.py: signup, login, /me, profile
# patch, session list, refresh, wrong-password logins, logout, self-delete), sampling the
# server's RSS and open descriptors every 10 s. Exits non-zero if RSS grew beyond the tolerance
# after the warm-up, descriptors leaked, or any answer was a 5xx or otherwise unexpected.
#
#   bench/soak.sh [--minutes N] [--workers W]       (default 10 minutes, 4 workers)
#
# Environment: AUTHD_BENCH_BUILD (build folder with app/authd; default build/release, where
# `authd` is built first), AUTHD_SOAK_PORT (default 18495), AUTHD_SOAK_KEEP=1 (keep the data
# folder and the server log).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

minutes=10
workers=4
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=${2:?}; shift ;;
    --minutes=*) minutes=${1#--minutes=} ;;
    --workers) workers=${2:?}; shift ;;
    --workers=*) workers=${1#--workers=} ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done
if ! [[ $minutes =~ ^[0-9]+(\.[0-9]+)?$ && $workers =~ ^[1-9][0-9]*$ ]]; then
  echo "soak.sh: --minutes takes a number, --workers a positive integer" >&2
  exit 2
fi

build=${AUTHD_BENCH_BUILD:-}
port=${AUTHD_SOAK_PORT:-18495}
keep=${AUTHD_SOAK_KEEP:-0}
# `authd serve` takes every AUTHD_* variable as an option and refuses unknown ones.
unset AUTHD_BENCH_BUILD AUTHD_SOAK_PORT AUTHD_SOAK_KEEP
"$root/scripts/install-bench-deps.sh"  # curl, python3
if [ -z "$build" ]; then
  build="$root/build/release"
  (cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target authd >/dev/null)
fi

work=$(mktemp -d /tmp/authd-soak.XXXXXX)
server=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then echo "soak.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# All load comes from 127.0.0.1, which to the throttles looks like one client signing up and
# failing logins on thousands of accounts: they would (rightly) answer 429 within a minute. They
# are turned off so that every answer has one expected status; the login facts are still recorded
# (the throttle projection is still written on every login).
# Everything authd keeps in memory is bounded by count or by time (docs/MEMORY.md). The time
# bounds (token lifetime, the monitor's windows, the throttle mirrors) are 15 minutes to an hour
# by default, longer than the soak, so their tables would still be filling at its end; shortened
# to a minute, they reach their steady state during the warm-up, and any growth after it is a leak.
"$build/app/authd" serve --data "$work/data" --listen "127.0.0.1:$port" \
  --login-throttle false --signup-burst 0 --refresh-burst 0 \
  --access-ttl 60 --monitor-window 60 --login-account-lockout 60 --login-backoff-max 60 \
  --login-address-window 60 >"$work/authd.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fs --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
curl -fs --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null ||
  { echo "soak.sh: authd did not start:" >&2; tail -20 "$work/authd.log" >&2; exit 1; }

echo "soak.sh: $(date -u '+%F %T UTC'), $minutes min, $workers workers, authd pid $server," \
  "load average $(load_average)" >&2
rc=0
python3 "$root/bench/soak_client.py" --url "http://127.0.0.1:$port" --pid "$server" \
  --data "$work/data" --minutes "$minutes" --workers "$workers" || rc=$?
kill -0 "$server" 2>/dev/null || { echo "soak.sh: authd died during the soak" >&2; rc=1; }
echo "soak.sh: load average at the end $(load_average); data folder $(du -sh "$work/data" | cut -f1)," \
  "server log $(wc -l <"$work/authd.log") lines" >&2
if [ "$rc" != 0 ]; then
  echo "soak.sh: last lines of the server log:" >&2
  tail -5 "$work/authd.log" >&2
fi
exit "$rc"
