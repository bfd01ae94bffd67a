#!/bin/sh
# Install what is needed, build with AddressSanitizer + UndefinedBehaviorSanitizer
# and warnings as errors, and run the whole test suite (unit, CLI, lint).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" --sanitize
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "$here/build-san"
ctest --output-on-failure -j "$(nproc)"
