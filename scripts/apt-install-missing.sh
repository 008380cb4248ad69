#!/usr/bin/env bash
# Installs those of the given Debian packages that are not installed yet. When all are present it
# only checks (well under a second); otherwise it runs `apt-get update` once, then one install.
# RUNLEVEL=1 keeps invoke-rc.d from starting services a package ships (nginx on port 80): authd's
# scripts start what they need themselves, on loopback, and stop it by pid.
set -euo pipefail

missing=()
for p in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "$(basename "$0"): installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
