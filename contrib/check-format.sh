#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (the only
# formatting authority, .clang-format) would write. Fix with:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror
