#!/bin/sh
# scripts/valgrind.sh — the CLI integration steps under valgrind memcheck.
#
#   scripts/valgrind.sh [--quick] [BUILD_DIR]   default build-valgrind/ (no sanitizers)
#
# Builds mrvet without sanitizers (valgrind and ASan cannot share a process),
# then runs, each under memcheck with --error-exitcode=1 --leak-check=full
# --errors-for-leak-kinds=definite: mrvet demo; mrvet run of a small
# two-model study; report (HTML, Markdown, JSON); gate; export (CSV, JSON);
# merge. Any memory error or definite leak fails the step. Prints one line
# per step and exits 1 if any failed. The small study's steps take a few
# minutes on two cores; the demo (320x320, 8 coils, 80 items) runs last and
# takes far longer under memcheck (FFTs are ~50x slower): --quick skips it.
set -eu
quick=0
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-valgrind}
command -v valgrind >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind
mkdir -p "$build"
cmake -S "$root" -B "$build" -DMRV_SANITIZE=OFF -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/valgrind-cmake.log" 2>&1
cmake --build "$build" -j"$(nproc)" --target mrvet >"$build/valgrind-build.log" 2>&1 ||
    { tail -30 "$build/valgrind-build.log"; exit 4; }
mrvet=$build/mrvet
work=$(mktemp -d "${TMPDIR:-/tmp}/mrvet-valgrind-XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/study.yaml" <<'YAML'
study: valgrind
seed: 7
dataset: {kind: phantom, matrix: 64, coils: 4}
undersampling: {acceleration: 4, center_fraction: 0.08}
models:
  - {name: baseline, adapter: builtin, model: zero_filled, version: "1"}
  - {name: candidate, adapter: builtin, model: zero_filled, version: "2"}
perturbations:
  - {family: noise, severities: [1, 3], repeats: 1}
  - {family: motion, severities: [2]}
metrics: [psnr, ssim, nmse]
gate:
  rules:
    - {metric: ssim, margin: 0.01}
YAML
failed=0
step() {
    name=$1
    shift
    log=$work/$name.log
    if valgrind --tool=memcheck --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite --show-leak-kinds=definite \
        --track-origins=yes --trace-children=no --log-file="$log" "$mrvet" "$@" \
        >"$work/$name.out" 2>&1; then
        rc=0
    else
        rc=$?
    fi
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
    # exit 1 from `gate` is a verdict, not a memcheck error: judge by the log
    if [ "${errs:-1}" != 0 ] || { [ -n "$lost" ] && [ "$lost" != 0 ]; }; then
        failed=1
        echo "FAIL $name: $errs errors, ${lost:-0} bytes definitely lost (exit $rc)"
        sed -n '/ERROR SUMMARY/!{/==[0-9]*== [A-Z]/p}' "$log" | head -20
        cp "$log" "$build/valgrind-$name.log" 2>/dev/null || true
    else
        echo "ok   $name: 0 errors, 0 bytes definitely lost (exit $rc)"
    fi
}
cd "$work"
step run run study.yaml --db v.db --quiet
step report_html report v.db -o r.html
step report_md report v.db -o r.md
step report_json report v.db -o r.json
step gate gate v.db --baseline baseline --candidate candidate --junit g.xml
step export_csv export v.db --format csv -o e.csv
step export_json export v.db --format json -o e.json
step merge merge m.db v.db
[ "$quick" = 1 ] || step demo demo --out "$work/demo"
exit $failed
