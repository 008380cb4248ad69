#!/usr/bin/env bash
# Installs every Debian 12 package authd needs to build, test and benchmark. Idempotent: when all
# are present it only checks (well under a second). Runs `apt-get update` at most once.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  librocksdb-dev libsodium-dev libssl-dev libcurl4-openssl-dev libjemalloc-dev
  python3-aiosmtpd
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format
)

exec "$(dirname "$0")/apt-install-missing.sh" "${packages[@]}"
