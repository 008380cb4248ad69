#!/usr/bin/env bash
# What the browser pages and their end-to-end tests need: Debian's chromium (driven by the pinned
# npm playwright-core, see docs/WEB.md) and fonts for readable screenshots, then the npm packages
# and vendored files (scripts/build-web.sh). Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
./apt-install-missing.sh chromium chromium-driver fonts-dejavu-core
./build-web.sh
