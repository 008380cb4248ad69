#!/usr/bin/env bash
# Installs what the HTTP benchmark (bench/http_bench.sh) compares against: Debian's nginx (the
# static-200 baseline) and wrk (the load generator), on top of the build dependencies. Not needed
# to build or test. Idempotent; runs `apt-get update` at most once per call of each script.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec scripts/apt-install-missing.sh nginx-light wrk curl jq
