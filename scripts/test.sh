#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls this and nothing else):
#   1. install what is needed, build with AddressSanitizer +
#      UndefinedBehaviorSanitizer and warnings as errors (build-san/), and run
#      every ctest entry (unit, CLI, fuzz replay, lint);
#   2. static analysis: cppcheck and clang-tidy (scripts/static-checks.sh,
#      build-static/; checks listed in docs/static-analysis.md);
#   3. valgrind memcheck over the CLI integration flows on a build without
#      sanitizers (scripts/valgrind.sh, build-valgrind/).
# Every stage runs even when an earlier one failed, so one run shows all
# findings; the script fails if any stage did. Prints each stage's time.
#
#   scripts/test.sh            all three stages
#   MRV_TEST_STAGES="ctest" scripts/test.sh    only the stages named
#                              (ctest, static, valgrind; for local use)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
stages=${MRV_TEST_STAGES:-ctest static valgrind}
"$here/scripts/setup.sh" --sanitize
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=""
summary=""
stage() {
    name=$1
    shift
    case " $stages " in *" $name "*) ;; *) return 0 ;; esac
    t0=$(date +%s)
    echo "==== test.sh: $name"
    if "$@"; then r=ok; else r=FAILED; failed="$failed $name"; fi
    summary="$summary
  $name: $r in $(($(date +%s) - t0)) s"
}
stage ctest sh -c 'cd "$1/build-san" && ctest --output-on-failure -j "$(nproc)"' sh "$here"
stage static "$here/scripts/static-checks.sh" "$here/build-static"
stage valgrind "$here/scripts/valgrind.sh" "$here/build-valgrind"
echo "==== test.sh:$summary"
if [ -n "$failed" ]; then
    echo "test.sh: failed:$failed"
    exit 1
fi
echo "test.sh: all stages passed"
