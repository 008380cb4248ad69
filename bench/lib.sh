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
