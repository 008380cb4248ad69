#!/usr/bin/env bash
# Installs what the HTTP benchmark (bench/http_bench.sh) compares against: Debian's nginx (the
# static-200 baseline) and wrk (the load generator), on top of the build dependencies. Not needed
# to build or test. Idempotent; runs `apt-get update` at most once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

packages=(nginx-light wrk curl jq)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-bench-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
# RUNLEVEL=1 keeps invoke-rc.d from starting a system nginx on port 80: the benchmark starts its
# own on loopback and stops it by pid.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
