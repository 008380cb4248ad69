#!/usr/bin/env bash
# Installs what the benchmarks (bench/run.sh, bench/http_bench.sh, bench/soak.sh) need besides
# the build dependencies: Debian's nginx (the static-200 baseline), wrk (the load generator), curl
# and jq (setup requests), python3 (the soak client, standard library only). Not needed to build
# or test. Idempotent; runs `apt-get update` at most once per call of each script.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec scripts/apt-install-missing.sh nginx-light wrk curl jq python3
