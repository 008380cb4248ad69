#!/usr/bin/env bash
# The HTTP benchmarks of issue 3, each beside its physical baseline in the same run on the same
# machine (docs/BENCHMARKS.md):
#   1. logins/s (POST /v1/sessions, correct password) vs raw argon2id verifies/s (libsodium, same
#      parameters, as many threads as authd's hashing pool);
#   2. authenticated GET /v1/users/me req/s vs nginx serving the same bytes as a static file, with
#      the same wrk, threads and connections;
#   3. p99 of GET /healthz and GET /v1/users/me (one connection each) unloaded and during a login
#      flood with more connections than the hashing queue admits, and how many logins were shed.
#
#   bench/http_bench.sh [--quick]        (~4 min; --quick ~1 min)
#
# Environment: AUTHD_BENCH_REPS, AUTHD_BENCH_SECONDS (per measurement), AUTHD_BENCH_PORT (authd;
# nginx gets the next port), AUTHD_BENCH_BUILD (build folder, default build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here="$root/bench/http"

reps=${AUTHD_BENCH_REPS:-3}
secs=${AUTHD_BENCH_SECONDS:-10}
if [ "${1:-}" = "--quick" ]; then
  reps=${AUTHD_BENCH_REPS:-1}
  secs=${AUTHD_BENCH_SECONDS:-4}
fi
port=${AUTHD_BENCH_PORT:-18480}
nginx_port=$((port + 1))
build=${AUTHD_BENCH_BUILD:-$root/build/release}
hash_threads=2
# `authd serve` takes every AUTHD_* variable as an option and refuses unknown ones.
unset AUTHD_BENCH_REPS AUTHD_BENCH_SECONDS AUTHD_BENCH_PORT AUTHD_BENCH_FLOOD
hash_queue=64
flood_connections=${AUTHD_BENCH_FLOOD:-256}

"$root/scripts/install-bench-deps.sh"
if [ -z "${AUTHD_BENCH_BUILD:-}" ]; then
  (cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target authd argon2_baseline >/dev/null)
fi
unset AUTHD_BENCH_BUILD
authd="$build/app/authd"
baseline="$build/bench/argon2_baseline"

work=$(mktemp -d /tmp/authd-http-bench.XXXXXX)
chmod 755 "$work"  # nginx's workers run as an unprivileged user and read www/
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "http_bench: failed at line $LINENO" >&2; tail -5 "$work/authd.log" >&2' ERR

log() { echo "http_bench: $*" >&2; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
field() { sed -n "s/.*RESULT.* $1=\([0-9.]*\).*/\1/p"; }  # field NAME < wrk output
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "nan"}'; }

# wrk URL SCRIPT THREADS CONNECTIONS SECONDS: prints the RESULT line.
run_wrk() {
  LUA_PATH="$here/?.lua;;" wrk -t"$3" -c"$4" -d"$5"s --timeout 10s -s "$here/$2" "$1" |
    grep '^RESULT'
}
per_second() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.1f", n / s}'; }

# --- authd, one user, one token -------------------------------------------------------------
password="load-test-secret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
# Two users: logins go to `bench`; `reader` holds the token of the GET /v1/users/me runs, whose
# session must outlive the logins (a user keeps a bounded number of sessions, oldest revoked).
for name in bench reader; do
  printf '%s' "$password" | "$authd" user add --data "$work/data" --username "$name" \
    --email "$name@example.com" --password-stdin >/dev/null 2>&1
done
"$authd" serve --data "$work/data" --listen "127.0.0.1:$port" --hash-threads "$hash_threads" \
  --hash-queue "$hash_queue" >"$work/authd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
base="http://127.0.0.1:$port"
token=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"username\":\"reader\",\"password\":\"$password\"}" "$base/v1/sessions" | jq -r .access_token)
export BENCH_USER=bench BENCH_PASSWORD="$password" BENCH_TOKEN="$token"

# --- nginx serving the same bytes as /v1/users/me ---------------------------------------------
mkdir -p "$work/www" "$work/nginx/logs"
curl -fs -H "Authorization: Bearer $token" "$base/v1/users/me" >"$work/www/me.json"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes $hash_threads;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {

  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    access_log $work/nginx/logs/access.log;  # authd logs every request too
    location = /me.json { default_type application/json; }
  }
}
EOF
nginx -p "$work/nginx" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$nginx_port/me.json" >/dev/null && break
  sleep 0.1
done

load_start=$(cut -d' ' -f1 /proc/loadavg)
log "reps=$reps seconds=$secs, load average $load_start"

# --- 1. logins/s vs raw argon2id verifies/s -----------------------------------------------------
: >"$work/raw" && : >"$work/logins"
for r in $(seq "$reps"); do
  log "logins, repetition $r"
  "$baseline" --threads "$hash_threads" --seconds "$secs" >>"$work/raw"
  out=$(run_wrk "$base/v1/sessions" login.lua 2 $((hash_threads * 4)) "$secs")
  per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/logins"
  echo >>"$work/logins"
done

# --- 2. GET /v1/users/me vs nginx static 200 ----------------------------------------------------
: >"$work/me" && : >"$work/nginx_rps"
for r in $(seq "$reps"); do
  log "GET /v1/users/me vs nginx, repetition $r"
  out=$(run_wrk "$base/v1/users/me" bearer_get.lua 2 32 "$secs")
  [ "$(field other <<<"$out")" = 0 ] || log "WARNING: /v1/users/me answered non-200: $out"
  per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/me"
  echo >>"$work/me"
  out=$(run_wrk "http://127.0.0.1:$nginx_port/me.json" get.lua 2 32 "$secs")
  per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/nginx_rps"
  echo >>"$work/nginx_rps"
done

# --- 3. latency of cheap requests during a login flood -------------------------------------------
probe() {  # probe TAG: one connection each on /healthz and /v1/users/me, at the same time
  run_wrk "$base/healthz" get.lua 1 1 "$secs" | field p99_us >>"$work/healthz_$1" &
  local h=$!
  run_wrk "$base/v1/users/me" bearer_get.lua 1 1 "$secs" | field p99_us >>"$work/me_$1"
  wait "$h"
}
for r in $(seq "$reps"); do
  log "latency unloaded, repetition $r"
  probe idle
  log "latency under a login flood of $flood_connections connections, repetition $r"
  run_wrk "$base/v1/sessions" login_flood.lua 1 "$flood_connections" $((secs + 2)) >"$work/flood_out" &
  flood=$!
  sleep 1
  probe flood
  wait "$flood"
  out=$(cat "$work/flood_out")
  per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/flood_ok"
  echo >>"$work/flood_ok"
  per_second "$(field shed <<<"$out")" "$(field seconds <<<"$out")" >>"$work/flood_shed"
  echo >>"$work/flood_shed"
  field other <<<"$out" >>"$work/flood_other"
done

load_end=$(cut -d' ' -f1 /proc/loadavg)
raw=$(median <"$work/raw")
logins=$(median <"$work/logins")
me=$(median <"$work/me")
ngx=$(median <"$work/nginx_rps")
h_idle=$(median <"$work/healthz_idle")
h_flood=$(median <"$work/healthz_flood")
m_idle=$(median <"$work/me_idle")
m_flood=$(median <"$work/me_flood")

cat <<EOF
Medians of $reps repetitions of ${secs} s; load average $load_start at start, $load_end at end.

| measurement | authd | baseline | ratio | goal |
|---|---|---|---|---|
| logins/s (8 connections) vs raw argon2id verifies/s ($hash_threads threads) | $logins | $raw | $(ratio "$logins" "$raw") | >= 0.9 |
| GET /v1/users/me req/s vs nginx static 200 (32 connections) | $me | $ngx | $(ratio "$me" "$ngx") | >= 0.5 |
| GET /healthz p99 (us), login flood vs unloaded | $h_flood | $h_idle | $(ratio "$h_flood" "$h_idle") | <= 2 |
| GET /v1/users/me p99 (us), login flood vs unloaded | $m_flood | $m_idle | $(ratio "$m_flood" "$m_idle") | <= 2 |

Login flood ($flood_connections connections, hashing queue $hash_queue): $(median <"$work/flood_ok") logins/s
answered 200, $(median <"$work/flood_shed") logins/s shed with 503/429, other statuses per run: $(paste -sd, "$work/flood_other").
EOF
