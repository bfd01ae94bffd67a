#!/bin/sh
# scripts/fuzz.sh — run every fuzz target (tests/fuzz/fuzz_*.c) with
# libFuzzer for a bounded time and keep what crashes as regression inputs.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default 60 s, every target
#
# Builds build-fuzz/ with clang -fsanitize=fuzzer-no-link,address,undefined
# (installs Debian's clang when missing), makes the seed corpus with
# tests/fuzz/make_corpus.c, runs each target over a work corpus seeded from
# it (build-fuzz/fuzz_work/<t>), and copies every crash, leak, timeout or
# out-of-memory input to tests/fuzz/regressions/<t>/ where ctest's fuzz_<t>
# entry replays it. Prints one line per target: executions, crashes.
# Exit 1 when any target found something.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-fastmri nifti cfl ismrmrd study json}
build=${MRV_FUZZ_BUILD:-$root/build-fuzz}

if ! command -v clang >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang
fi
mkdir -p "$build"
log0=$build/fuzz-cmake.log
CC=clang cmake -S "$root" -B "$build" -DMRV_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -O1 -g" \
    >"$log0" 2>&1 || { cat "$log0"; exit 4; }
set --
for t in $targets; do set -- "$@" "fuzz_$t"; done
cmake --build "$build" -j"$(nproc)" --target fuzz_make_corpus "$@" >"$build/fuzz-build.log" 2>&1 ||
    { tail -40 "$build/fuzz-build.log"; exit 4; }
seeds=$build/fuzz_seeds
rm -rf "$seeds"
"$build/tests/fuzz_make_corpus" "$seeds"

found=0
printf '%-8s %12s %8s %s\n' target executions crashes "artifacts"
for t in $targets; do
    work=$build/fuzz_work/$t
    art=$build/fuzz_artifacts/$t
    rm -rf "$art"
    mkdir -p "$work" "$art"
    log=$build/fuzz_$t.log
    # fast_unwind_on_malloc=0: libhdf5 has no frame pointers, and the leak
    # suppressions (tests/fuzz/lsan.supp) match functions inside it.
    # -rss_limit_mb: a parser must not need more than 2 GB for any input;
    # -timeout: nor more than 10 s. Both count as findings.
    reg=$root/tests/fuzz/regressions/$t
    [ -d "$reg" ] || reg=
    # libFuzzer stops at the first finding; the next run starts from the
    # grown work corpus, so rerun the script after fixing to go further.
    (cd "$art" && ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
        LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp "$build/tests/fuzz_$t" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$art/" \
        "$work" "$seeds/$t" $reg >"$log" 2>&1) || true
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    n=0
    for a in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
        [ -e "$a" ] || continue
        n=$((n + 1))
        mkdir -p "$root/tests/fuzz/regressions/$t"
        cp "$a" "$root/tests/fuzz/regressions/$t/"
    done
    [ "$n" -gt 0 ] && found=1
    printf '%-8s %12s %8s %s\n' "$t" "${runs:-?}" "$n" "$log"
done
exit $found
