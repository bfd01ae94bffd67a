#!/bin/sh
# bench/run_report.sh — the report of a 10^6-result store (target: < 10 s
# for the whole report), against a numpy peer that computes only the cell
# CIs and degradations; prints times and the ratio in one run.
# Usage: bench/run_report.sh   (from anywhere; builds into a temp folder)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gen"
printf '#define MRV_VERSION_STRING "bench"\n#define MRV_GIT_COMMIT "bench"\n' >"$work/gen/mrv_version.h"
# Release flags of the CMake build (-O2): what users get. Only the folders
# a report needs (core, store, reports).
gcc -std=c17 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root" -I"$work/gen" \
    $(pkg-config --cflags cairo fontconfig) -o "$work/bench_report" \
    "$root/bench/bench_report.c" "$root"/core/*.c "$root"/store/*.c "$root"/reports/*.c \
    -lsqlite3 -lfftw3f -lgsl -lgslcblas -lcrypto $(pkg-config --libs cairo fontconfig) \
    -lm -lpthread
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
"$work/bench_report" "$work" >"$work/c.txt"
/usr/bin/python3 "$root/bench/bench_report_peer.py" "$work" >"$work/py.txt"
echo "mrvet (bootstrap on all cores), seconds:"
cat "$work/c.txt"
echo "numpy peer (cells + degradation only), seconds:"
cat "$work/py.txt"
cores=$(getconf _NPROCESSORS_ONLN)
echo "load average while running: $(cut -d' ' -f1-3 /proc/loadavg) on $cores cores"
awk -v cores="$cores" 'NR == FNR { if ($1 == "total") { t = $2; v = $3 } if ($1 == "total_cpu") c = $2; next }
     $1 == "analysis" { printf "ratio peer/mrvet (whole report, wall): %.2fx; value diff %.2g\n",
                        $2 / t, (v > $3 ? v - $3 : $3 - v)
                        printf "report: %.1f s wall, %.1f s CPU (~%.1f s wall on %d idle cores); target < 10 s: %s\n",
                        t, c, c / cores, cores, (t < 10 ? "met" : (c / cores < 10 ? "met on an idle machine" : "MISSED")) }' \
    "$work/c.txt" "$work/py.txt"
