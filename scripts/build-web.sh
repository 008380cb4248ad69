#!/usr/bin/env bash
# Puts the browser pages' third-party code in place: installs the npm packages pinned in
# web/package-lock.json (npm ci) and copies the files the pages load into web/assets/vendor/
# (gitignored). Idempotent and quick when nothing changed. Never downloads a browser
# (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD): the end-to-end tests drive Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/../web"

command -v node >/dev/null || ../scripts/apt-install-missing.sh nodejs
command -v npm >/dev/null || ../scripts/apt-install-missing.sh npm

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.authd-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

mkdir -p assets/vendor
copy() { cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"; }
copy node_modules/chart.js/dist/chart.umd.js assets/vendor/chart.umd.js
copy node_modules/chart.js/LICENSE.md assets/vendor/chart.js.LICENSE.md
copy node_modules/qrcode-generator/dist/qrcode.js assets/vendor/qrcode.js
copy node_modules/qrcode-generator/LICENSE assets/vendor/qrcode-generator.LICENSE 2>/dev/null || true
