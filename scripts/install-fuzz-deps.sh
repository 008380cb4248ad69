#!/usr/bin/env bash
# Installs what scripts/fuzz.sh needs on top of scripts/install-deps.sh: clang 14 and its runtime
# libraries (libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer). Idempotent.
set -euo pipefail
"$(dirname "$0")/install-deps.sh"
exec "$(dirname "$0")/apt-install-missing.sh" clang libclang-rt-14-dev
