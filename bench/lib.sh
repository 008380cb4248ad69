# Helpers shared by the scripts in bench/. Sourced, not run.
# shellcheck shell=bash

# median < numbers, one a line: prints the median, or "nan" when there are none.
median() {
  sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}

# ratio A B: A / B with two decimals, "nan" when B is not a positive number.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0 && a ~ /^[0-9.]+$/) printf "%.2f", a / b; else print "nan"}'; }

# per_second COUNT SECONDS
per_second() { awk -v n="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%.1f", n / s; else print "nan"}'; }

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# cpu_ns PID [NAME]: CPU time (ns) the threads of PID named NAME (all threads without NAME) have
# run so far, from /proc/PID/task/*/schedstat. authd names its threads (docs/CONFIG.md).
cpu_ns() {
  local t sum=0 run
  for t in /proc/"$1"/task/*; do
    [ -z "${2:-}" ] || [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] || continue
    read -r run _ <"$t/schedstat" 2>/dev/null || continue
    sum=$((sum + run))
  done
  echo "$sum"
}

# wakeups PID: voluntary context switches so far of the threads of PID not named authd-hash (each
# is a sleep, so about as many wake-ups).
wakeups() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    [ "$(cat "$t/comm" 2>/dev/null)" != authd-hash ] || continue
    sum=$((sum + $(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$t/status" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}

# other_ns PID: CPU time (ns) so far of the threads of PID not named authd-hash.
other_ns() { echo $(($(cpu_ns "$1") - $(cpu_ns "$1" authd-hash))); }

# cpu_load_args PID OTHER_NS WAKEUPS SECONDS: bench/cpu_load's arguments standing in for what the
# threads of PID other than hashing did over SECONDS since other_ns and wakeups read OTHER_NS and
# WAKEUPS: "--rate R --work-us U" (wake-ups a second, CPU a wake-up); nothing if they never slept.
cpu_load_args() {
  awk -v o=$(($(other_ns "$1") - $2)) -v w=$(($(wakeups "$1") - $3)) -v s="$4" \
    'BEGIN {if (w > 0 && o > 0 && s > 0) printf "--rate %.0f --work-us %.1f\n", w / s, o / w / 1e3}'
}

# wait_ready LOG NAME: waits up to 10 s for the line "ready" in LOG (bench/login_floor prints it
# once it listens); if it does not come, prints LOG's last lines as NAME's and returns 1.
wait_ready() {
  local _
  for _ in $(seq 100); do
    grep -q '^ready$' "$1" && return 0
    sleep 0.1
  done
  echo "$2 did not start: $(tail -3 "$1")" >&2
  return 1
}

# stop_started PID...: stops the processes this script started, by pid, and reaps them.
stop_started() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# check_peer NAME=URL: accepts only a plain name and an http:// URL on the loopback interface
# (127.0.0.1, [::1] or localhost, an optional port, no path), so a benchmark can never send its
# load anywhere but this machine. On success sets peer_name and peer_url (no trailing slash);
# on refusal prints why and returns 1.
check_peer() {
  local spec=$1
  peer_name=${spec%%=*}
  peer_url=${spec#*=}
  if [ "$peer_name" = "$spec" ] || ! [[ $peer_name =~ ^[A-Za-z0-9._-]{1,40}$ ]]; then
    echo "--peer $spec: expected NAME=URL with NAME made of letters, digits, '.', '_', '-'" >&2
    return 1
  fi
  peer_url=${peer_url%/}
  if ! [[ $peer_url =~ ^http://(127\.0\.0\.1|\[::1\]|localhost)(:[0-9]{1,5})?$ ]]; then
    echo "--peer $spec: refused. Only http://127.0.0.1[:PORT], http://[::1][:PORT] or" \
      "http://localhost[:PORT] are allowed (benchmark traffic stays on loopback; no path, no https)" >&2
    return 1
  fi
  if [[ $peer_url == http://localhost* ]] &&
    getent hosts localhost | awk '{print $1}' | grep -vqE '^(127\.|::1$)'; then
    echo "--peer $spec: refused: 'localhost' resolves to a non-loopback address here" >&2
    return 1
  fi
}
