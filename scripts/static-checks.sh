#!/bin/sh
# scripts/static-checks.sh — cppcheck and clang-tidy over the C sources.
#
#   scripts/static-checks.sh [BUILD_DIR]     default build-static/
#
# cppcheck (Debian's): --enable=warning,performance,portability over every
# module folder, suppressions with reasons in .cppcheck-suppressions.
# clang-tidy: the checks listed (with the reason for each exclusion) in
# .clang-tidy, using BUILD_DIR/compile_commands.json (configured here with
# CMAKE_EXPORT_COMPILE_COMMANDS=ON), one process per file, $(nproc) at a
# time. Prints every distinct clang-tidy finding and the number of findings
# of each tool; exit 1 when either has any (or clang-tidy itself fails).
# docs/static-analysis.md says which checks and why, and how findings are
# triaged (fix; disable a check wrong for this code, with the reason; or a
# NOLINTNEXTLINE(check) with the reason for one false positive).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-static}
mkdir -p "$build"
build=$(cd "$build" && pwd) # absolute: the script changes folder
cd "$root"
dirs="core datasets perturbations metrics adapters store reports harness"

for tool in cppcheck clang-tidy; do
    command -v $tool >/dev/null 2>&1 ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            "$( [ $tool = clang-tidy ] && echo clang-tidy || echo cppcheck )"
done

# ---- cppcheck ----------------------------------------------------------------
cpp_log=$build/cppcheck.txt
mkdir -p "$build"
cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr \
    --suppressions-list=.cppcheck-suppressions --error-exitcode=1 --quiet \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I . -I "$build/generated" \
    --template='{file}:{line}: {severity}: {message} [{id}]' \
    -j "$(nproc)" $dirs 2>"$cpp_log" && cpp_rc=0 || cpp_rc=$?
cpp_n=$(grep -c ': \(error\|warning\|performance\|portability\|style\):' "$cpp_log" || true)

# ---- clang-tidy -----------------------------------------------------------------
cmake -S "$root" -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DBUILD_TESTING=OFF \
    >"$build/cmake.log" 2>&1
cmake --build "$build" --target mrv_version_header >/dev/null 2>&1 || true
tidy_log=$build/clang-tidy.txt
tidy_dir=$build/clang-tidy
rm -rf "$tidy_dir"
mkdir -p "$tidy_dir"
# One clang-tidy per file, $(nproc) at a time (the tree takes ~2 CPU-minutes);
# each writes its own log so parallel output does not interleave.
for d in $dirs; do ls "$d"/*.c; done |
    xargs -P "$(nproc)" -I{} sh -c \
        'o="$3/$(echo "$2" | tr / _)"
         clang-tidy -p "$1" --quiet "$2" >"$o.txt" 2>"$o.err" ||
             echo "$2:1:1: error: clang-tidy exited $? (see $o.err) [clang-tidy]" >>"$o.txt"' \
        sh "$build" {} "$tidy_dir"
cat "$tidy_dir"/*.txt >"$tidy_log"
# generated sources (build/generated) are not ours to lint. A finding in a
# header is reported once per file including it: count distinct ones.
tidy_n=$(grep ': \(warning\|error\): ' "$tidy_log" | sort -u | wc -l)
grep ': \(warning\|error\): ' "$tidy_log" | sort -u | sed "s|^$root/||" || true

echo "cppcheck:   $cpp_n findings ($cpp_log)"
echo "clang-tidy: $tidy_n findings ($tidy_log)"
[ "$cpp_rc" -eq 0 ] && [ "$tidy_n" -eq 0 ] || exit 1
