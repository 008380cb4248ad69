#!/usr/bin/env bash
# The HTTP benchmarks of issue 3, each beside its physical baseline in the same run on the same
# machine (docs/BENCHMARKS.md):
#   1. logins/s (POST /v1/sessions, correct password) vs raw argon2id verifies/s (libsodium, same
#      parameters, as many threads as authd's hashing pool) with the work area kept between
#      verifies as authd keeps it (the goal), and beside it libsodium called plainly (it maps its
#      memory for every verify: what keeping it gains), and the kept loop at nice 19 beside
#      bench/cpu_load taking the CPU and wake-ups authd's other threads took in the logins run
#      (the floor for any server that needs that much CPU a login); and logins on
#      bench/login_floor, a bare login server on the same stack doing only what any durable
#      password login must (what authd's own work costs, and what these cores allow any server);
#   2. authenticated GET /v1/users/me req/s vs nginx serving the same bytes as a static file, with
#      the same wrk, threads and connections;
#   3. p99 of GET /healthz and GET /v1/users/me (one connection each, bench/latency_probe)
#      unloaded and during a login flood with more connections than the hashing queue admits, and
#      how many logins were shed; the same p99 seen by wrk as the client, shown without a goal;
#   4. with --peer NAME=URL (repeatable): the logins and /v1/users/me runs of 1 and 2, same wrk
#      settings, against another server implementing the same routes on loopback, interleaved
#      with authd's runs.
#
#   bench/http_bench.sh [--quick] [--peer NAME=URL ...] [--rows FILE]
#        (~10 min, +20 s per repetition and peer; --quick ~65 s)
#
# The logins of 1 run in paired rounds (the kept raw loop and authd back to back, the order
# alternating; the goal's ratio is the median of the rounds' ratios); 2 and 3 in repetitions.
# --rows FILE appends the summary as rows of bench/run.sh's table
# (| benchmark | measurement | authd | baseline | ratio | goal |).
# Environment: AUTHD_BENCH_LOGIN_ROUNDS, AUTHD_BENCH_LOGIN_SECONDS (section 1: 9 rounds of 5 s,
# --quick 3 of 3 s), AUTHD_BENCH_REPS, AUTHD_BENCH_SECONDS (sections 2 and 3, per measurement),
# AUTHD_BENCH_PORT (authd; nginx gets the next port, bench/login_floor the one after),
# AUTHD_BENCH_BUILD (build folder, default build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here="$root/bench/http"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

usage() { sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
quick=0
rows_file=""
peer_names=()
peer_urls=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --peer) [ $# -ge 2 ] || usage; check_peer "$2" || exit 2
      peer_names+=("$peer_name"); peer_urls+=("$peer_url"); shift ;;
    --peer=*) check_peer "${1#--peer=}" || exit 2
      peer_names+=("$peer_name"); peer_urls+=("$peer_url") ;;
    --rows) [ $# -ge 2 ] || usage; rows_file=$2; shift ;;
    *) usage ;;
  esac
  shift
done

reps=${AUTHD_BENCH_REPS:-3}
secs=${AUTHD_BENCH_SECONDS:-10}
login_rounds=${AUTHD_BENCH_LOGIN_ROUNDS:-9}
login_secs=${AUTHD_BENCH_LOGIN_SECONDS:-5}
if [ "$quick" = 1 ]; then
  reps=${AUTHD_BENCH_REPS:-1}
  secs=${AUTHD_BENCH_SECONDS:-4}
  login_rounds=${AUTHD_BENCH_LOGIN_ROUNDS:-3}
  login_secs=${AUTHD_BENCH_LOGIN_SECONDS:-3}
fi
port=${AUTHD_BENCH_PORT:-18480}
nginx_port=$((port + 1))
build=${AUTHD_BENCH_BUILD:-$root/build/release}
hash_threads=2
# `authd serve` takes every AUTHD_* variable as an option and refuses unknown ones.
unset AUTHD_BENCH_REPS AUTHD_BENCH_SECONDS AUTHD_BENCH_PORT AUTHD_BENCH_FLOOD \
  AUTHD_BENCH_LOGIN_ROUNDS AUTHD_BENCH_LOGIN_SECONDS
hash_queue=64
flood_connections=${AUTHD_BENCH_FLOOD:-256}

"$root/scripts/install-bench-deps.sh"
if [ -z "${AUTHD_BENCH_BUILD:-}" ]; then
  (cd "$root" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target authd argon2_baseline latency_probe cpu_load \
      login_floor >/dev/null)
fi
unset AUTHD_BENCH_BUILD
authd="$build/app/authd"
baseline="$build/bench/argon2_baseline"
latency_probe="$build/bench/latency_probe"
cpu_load="$build/bench/cpu_load"
login_floor="$build/bench/login_floor"

work=$(mktemp -d /tmp/authd-http-bench.XXXXXX)
chmod 755 "$work"  # nginx's workers run as an unprivileged user and read www/
pids=()
cleanup() {
  stop_started "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that the EXIT trap stops the servers when run.sh is interrupted
trap 'echo "http_bench: failed at line $LINENO" >&2; tail -5 "$work/authd.log" >&2' ERR

log() { echo "http_bench: $*" >&2; }
field() { sed -n "s/.*RESULT.* $1=\([0-9.]*\).*/\1/p"; }  # field NAME < wrk output

# wrk URL SCRIPT THREADS CONNECTIONS SECONDS: prints the RESULT line.
run_wrk() {
  LUA_PATH="$here/?.lua;;" wrk -t"$3" -c"$4" -d"$5"s --timeout 10s -s "$here/$2" "$1" |
    grep '^RESULT'
}

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
authd_pid=$!
pids+=("$authd_pid")
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
base="http://127.0.0.1:$port"
token=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"username\":\"reader\",\"password\":\"$password\"}" "$base/v1/sessions" | jq -r .access_token)
export BENCH_USER=bench BENCH_PASSWORD="$password" BENCH_TOKEN="$token"

# --- bench/login_floor: the same user and password, on the port after nginx's ---------------------
floor_port=$((port + 2))
"$login_floor" --port "$floor_port" --data "$work/floor" --hash-threads "$hash_threads" \
  >"$work/floor.log" 2>&1 &
pids+=($!)
wait_ready "$work/floor.log" bench/login_floor || exit 1

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

# --- peers: the same two users, made through the public API (POST /v1/users) ---------------------
# Like authd's side, logins go to one user and the GET /v1/users/me token belongs to another, whose
# session must outlive the logins (a server may keep a bounded number of sessions per user).
# peer_user[i], peer_token[i]: the login user and the reader's access token of peer i.
peer_user=()
peer_token=()
peer_json() {  # peer_json URL BODY: POSTs the JSON body, prints the status, body in $work/peer_body
  curl -s --max-time 30 -o "$work/peer_body" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$2" "$1"
}
for i in "${!peer_urls[@]}"; do
  name=${peer_names[$i]} url=${peer_urls[$i]}
  suffix=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  curl -fs --max-time 10 "$url/healthz" >/dev/null ||
    { log "peer $name: $url/healthz does not answer 200"; exit 1; }
  for who in bench reader; do
    body="{\"username\":\"$who-$suffix\",\"email\":\"$who-$suffix@example.com\",\"password\":\"$password\"}"
    status=$(peer_json "$url/v1/users" "$body")
    [ "$status" = 201 ] ||
      { log "peer $name: signup answered $status: $(head -c 300 "$work/peer_body")"; exit 1; }
  done
  status=$(peer_json "$url/v1/sessions" "{\"username\":\"reader-$suffix\",\"password\":\"$password\"}")
  t=$(jq -r '.access_token // empty' "$work/peer_body" 2>/dev/null || true)
  if [ "$status" != 200 ] || [ -z "$t" ]; then
    log "peer $name: login answered $status without an access_token"
    exit 1
  fi
  peer_user+=("bench-$suffix")
  peer_token+=("$t")
  : >"$work/peer_logins_$i" && : >"$work/peer_me_$i" && : >"$work/peer_me_p99_$i"
  log "peer $name at $url: 2 users signed up, token for GET /v1/users/me"
done

load_start=$(cut -d' ' -f1 /proc/loadavg)
log "reps=$reps seconds=$secs, load average $load_start"

# --- 1. logins/s vs raw argon2id verifies/s -----------------------------------------------------
# On a shared VM the CPU cost of one verify swings by 10% and more between runs seconds apart
# (docs/BENCHMARKS.md, "Twelfth look"), so the goal's ratio is the median of per-round ratios, not
# the ratio of two medians: each round runs the kept raw loop and authd back to back, the order
# alternating, so that the machine's drift within a round favours neither. The other rows of this
# section come from the same rounds (the plain loop and the loop beside cpu_load every third).
: >"$work/raw" && : >"$work/raw_kept" && : >"$work/logins" && : >"$work/raw_beside"
: >"$work/floor_logins" && : >"$work/ratio_logins" && : >"$work/ratio_floor"
: >"$work/ratio_authd_floor"
raw_kept_run() {
  "$baseline" --threads "$hash_threads" --seconds "$login_secs" --keep-memory 1 |
    tee -a "$work/raw_kept"
}
# authd_logins_run: sets logins (per second) and load_args (bench/cpu_load's stand-in for what
# authd's other threads took in this run); then lets the logins still in flight finish, so that
# they take no CPU from the next run. floor_logins_run: the same on bench/login_floor.
authd_logins_run() {
  local other0 wake0 out
  other0=$(other_ns "$authd_pid") wake0=$(wakeups "$authd_pid")
  out=$(run_wrk "$base/v1/sessions" login.lua 2 $((hash_threads * 4)) "$login_secs")
  load_args=$(cpu_load_args "$authd_pid" "$other0" "$wake0" "$(field seconds <<<"$out")")
  logins=$(per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")")
  sleep 0.5
}
floor_logins_run() {
  local out
  out=$(run_wrk "http://127.0.0.1:$floor_port/v1/sessions" login.lua 2 $((hash_threads * 4)) \
    "$login_secs")
  floor=$(per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")")
  sleep 0.5
}
for r in $(seq "$login_rounds"); do
  log "logins, round $r"
  if [ $((r % 2)) = 1 ]; then
    kept=$(raw_kept_run)
    authd_logins_run
  else
    authd_logins_run
    kept=$(raw_kept_run)
  fi
  echo "$logins" >>"$work/logins"
  floor_logins_run
  echo "$floor" >>"$work/floor_logins"
  ratio "$logins" "$kept" >>"$work/ratio_logins" && echo >>"$work/ratio_logins"
  ratio "$floor" "$kept" >>"$work/ratio_floor" && echo >>"$work/ratio_floor"
  ratio "$logins" "$floor" >>"$work/ratio_authd_floor" && echo >>"$work/ratio_authd_floor"
  log "round $r: raw kept $kept/s, authd $logins/s, login_floor $floor/s"
  if [ $((r % 3)) = 1 ]; then
    "$baseline" --threads "$hash_threads" --seconds "$login_secs" >>"$work/raw"
    if [ -n "$load_args" ]; then
      # shellcheck disable=SC2086 # two flags with their values
      "$cpu_load" $load_args --seconds $((login_secs + 1)) >/dev/null &
      load=$!
      nice -n 19 "$baseline" --threads "$hash_threads" --seconds "$login_secs" --keep-memory 1 \
        >>"$work/raw_beside"
      wait "$load"
      log "raw loop beside cpu_load $load_args"
    fi
  fi
  for i in "${!peer_urls[@]}"; do
    log "logins on peer ${peer_names[$i]}, round $r"
    out=$(BENCH_USER=${peer_user[$i]} run_wrk "${peer_urls[$i]}/v1/sessions" login.lua 2 \
      $((hash_threads * 4)) "$login_secs")
    [ "$(field other <<<"$out")" = 0 ] || log "WARNING: peer ${peer_names[$i]} logins: $out"
    per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/peer_logins_$i"
    echo >>"$work/peer_logins_$i"
  done
done

# --- 2. GET /v1/users/me vs nginx static 200 ----------------------------------------------------
: >"$work/me" && : >"$work/nginx_rps"
for r in $(seq "$reps"); do
  log "GET /v1/users/me vs nginx, repetition $r"
  out=$(run_wrk "$base/v1/users/me" bearer_get.lua 2 32 "$secs")
  [ "$(field other <<<"$out")" = 0 ] || log "WARNING: /v1/users/me answered non-200: $out"
  per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/me"
  echo >>"$work/me"
  field p99_us <<<"$out" >>"$work/me_p99"
  out=$(run_wrk "http://127.0.0.1:$nginx_port/me.json" get.lua 2 32 "$secs")
  per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/nginx_rps"
  echo >>"$work/nginx_rps"
  for i in "${!peer_urls[@]}"; do
    log "GET /v1/users/me on peer ${peer_names[$i]}, repetition $r"
    out=$(BENCH_TOKEN=${peer_token[$i]} run_wrk "${peer_urls[$i]}/v1/users/me" bearer_get.lua 2 32 \
      "$secs")
    [ "$(field other <<<"$out")" = 0 ] || log "WARNING: peer ${peer_names[$i]} /v1/users/me: $out"
    per_second "$(field ok <<<"$out")" "$(field seconds <<<"$out")" >>"$work/peer_me_$i"
    echo >>"$work/peer_me_$i"
    field p99_us <<<"$out" >>"$work/peer_me_p99_$i"
  done
done

# --- 3. latency of cheap requests during a login flood -------------------------------------------
# The goal rows use bench/latency_probe. wrk's p99 is kept beside them: on a machine whose every
# core runs argon2id, wrk reports a tail that the probe, measuring the same server at the same
# moment, does not see (docs/BENCHMARKS.md, "Fifth look").
probe() {  # probe TAG: one connection each on /healthz and /v1/users/me, at the same time
  "$latency_probe" --port "$port" --path /healthz --seconds "$secs" |
    field p99_us >>"$work/healthz_$1" &
  local h=$!
  "$latency_probe" --port "$port" --path /v1/users/me --seconds "$secs" | field p99_us >>"$work/me_$1"
  wait "$h"
}
wrk_probe() {  # wrk_probe TAG: the same with wrk as the client
  run_wrk "$base/healthz" get.lua 1 1 "$secs" | field p99_us >>"$work/wrk_healthz_$1" &
  local h=$!
  run_wrk "$base/v1/users/me" bearer_get.lua 1 1 "$secs" | field p99_us >>"$work/wrk_me_$1"
  wait "$h"
}
for r in $(seq "$reps"); do
  log "latency unloaded, repetition $r"
  probe idle
  wrk_probe idle
  log "latency under a login flood of $flood_connections connections, repetition $r"
  run_wrk "$base/v1/sessions" login_flood.lua 1 "$flood_connections" $((2 * secs + 2)) \
    >"$work/flood_out" &
  flood=$!
  sleep 1
  probe flood
  wrk_probe flood
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
raw_kept=$(median <"$work/raw_kept")
raw_beside=$(median <"$work/raw_beside")
floor_logins=$(median <"$work/floor_logins")
logins=$(median <"$work/logins")
ratio_logins=$(median <"$work/ratio_logins")
ratio_floor=$(median <"$work/ratio_floor")
ratio_authd_floor=$(median <"$work/ratio_authd_floor")
me=$(median <"$work/me")
me_p99=$(median <"$work/me_p99")
ngx=$(median <"$work/nginx_rps")
h_idle=$(median <"$work/healthz_idle")
h_flood=$(median <"$work/healthz_flood")
m_idle=$(median <"$work/me_idle")
m_flood=$(median <"$work/me_flood")
wrk_h_idle=$(median <"$work/wrk_healthz_idle")
wrk_h_flood=$(median <"$work/wrk_healthz_flood")
wrk_m_idle=$(median <"$work/wrk_me_idle")
wrk_m_flood=$(median <"$work/wrk_me_flood")
flood_ok=$(median <"$work/flood_ok")
flood_shed=$(median <"$work/flood_shed")
flood_other=$(paste -sd, "$work/flood_other")

# One row: | benchmark | measurement | authd | baseline | ratio | goal |; the ratio is authd /
# baseline unless a sixth argument gives it (the median of per-round ratios).
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "${6:-$(ratio "$3" "$4")}" "$5"; }
{
  logins_vs="logins/s (8 connections) vs raw argon2id verifies/s"
  row HTTP "$logins_vs, work area kept as authd keeps it ($hash_threads threads; ratio: median of $login_rounds paired rounds)" \
    "$logins" "$raw_kept" ">= 0.9" "$ratio_logins"
  row HTTP "$logins_vs, libsodium called plainly ($hash_threads threads)" \
    "$logins" "$raw" "none (what kept memory gains)"
  row HTTP "$logins_vs, work area kept, at nice 19 beside bench/cpu_load taking the CPU and wake-ups of authd's other threads" \
    "$logins" "$raw_beside" "none (the floor for that much work a login)"
  row HTTP "logins/s (8 connections) vs bench/login_floor's, a bare login server on the same stack" \
    "$logins" "$floor_logins" "none (what authd's own work costs)" "$ratio_authd_floor"
  row HTTP "bench/login_floor's logins/s (in the authd column) vs raw argon2id verifies/s, work area kept" \
    "$floor_logins" "$raw_kept" "none (what these cores allow any login server)" "$ratio_floor"
  row HTTP "GET /v1/users/me req/s vs nginx static 200 (32 connections)" "$me" "$ngx" ">= 0.5"
  row HTTP "GET /healthz p99 (us), login flood vs unloaded" "$h_flood" "$h_idle" "<= 2"
  row HTTP "GET /v1/users/me p99 (us), login flood vs unloaded" "$m_flood" "$m_idle" "<= 2"
  row HTTP "GET /healthz p99 (us) seen by wrk -c1, login flood vs unloaded" "$wrk_h_flood" \
    "$wrk_h_idle" "none (client's tail)"
  row HTTP "GET /v1/users/me p99 (us) seen by wrk -c1, login flood vs unloaded" "$wrk_m_flood" \
    "$wrk_m_idle" "none (client's tail)"
  for i in "${!peer_urls[@]}"; do
    peer="HTTP vs peer ${peer_names[$i]}"
    row "$peer" "logins/s (8 connections): authd, peer" "$logins" \
      "$(median <"$work/peer_logins_$i")" "authd/peer"
    row "$peer" "GET /v1/users/me req/s (32 connections): authd, peer" "$me" \
      "$(median <"$work/peer_me_$i")" "authd/peer"
    row "$peer" "GET /v1/users/me p99 (us) at 32 connections: authd, peer" "$me_p99" \
      "$(median <"$work/peer_me_p99_$i")" "authd/peer, lower is better"
  done
} >"$work/rows"
[ -z "$rows_file" ] || cat "$work/rows" >>"$rows_file"

echo "Logins: medians of $login_rounds rounds of ${login_secs} s (the ratios: medians of the rounds'"
echo "ratios); the rest: medians of $reps repetitions of ${secs} s. Load average $load_start at"
echo "start, $load_end at end."
echo
echo "| benchmark | measurement | authd | baseline | ratio | goal |"
echo "|---|---|---|---|---|---|"
cat "$work/rows"
cat <<EOF

Login flood ($flood_connections connections, hashing queue $hash_queue): $flood_ok logins/s
answered 200, $flood_shed logins/s shed with 503/429, other statuses per run: $flood_other.
EOF
