#!/usr/bin/env bash
# Installs what is missing, builds authd (release) and starts it on the embedded default:
# RocksDB in ./data, listening on 127.0.0.1:8080. Extra arguments go to `authd serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-web.sh
cmake --preset release >/dev/null
cmake --build --preset release --target authd
exec build/release/app/authd serve --data ./data --listen 127.0.0.1:8080 "$@"
