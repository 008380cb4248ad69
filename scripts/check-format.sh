#!/usr/bin/env bash
# Fails when a C++ file git tracks, or a new one it does not ignore, is not formatted as
# .clang-format says (clang-format 14). New files count so that a run before `git add` catches them.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not clang-formatted: $f" >&2
    bad=1
  fi
done < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp')
exit "$bad"
