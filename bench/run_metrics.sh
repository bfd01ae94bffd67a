#!/bin/sh
# bench/run_metrics.sh — SSIM and HD95 speed of mrvet vs scikit-image/scipy
# on the same arrays, one thread each, in one run; prints the ratios.
# Usage: bench/run_metrics.sh   (from anywhere; builds into a temp folder)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gen"
printf '#define MRV_VERSION_STRING "bench"\n#define MRV_GIT_COMMIT "bench"\n' >"$work/gen/mrv_version.h"
# Release flags of the CMake build (-O2), no -march: what users get.
gcc -std=c17 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root" -I"$work/gen" \
    -o "$work/bench_metrics" "$root/bench/bench_metrics.c" "$root"/core/*.c \
    "$root"/metrics/*.c -lfftw3f -lgsl -lgslcblas -lcrypto -lm -lpthread
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
# Other work on the machine shifts timings between the two sides: run both
# sides ROUNDS times, interleaved, and keep each side's best per case.
rounds=${ROUNDS:-3}
: >"$work/c_all.txt"
: >"$work/py_all.txt"
i=0
while [ $i -lt "$rounds" ]; do
    "$work/bench_metrics" "$work" >>"$work/c_all.txt"
    /usr/bin/python3 "$root/bench/bench_metrics_peer.py" "$work" >>"$work/py_all.txt"
    i=$((i + 1))
done
best() { sort -k1,1 -k2,2g "$1" | awk '!seen[$1]++'; }
best "$work/c_all.txt" >"$work/c.txt"
best "$work/py_all.txt" >"$work/py.txt"
echo "best of $rounds interleaved rounds, CPU seconds, one thread each; $(getconf _NPROCESSORS_ONLN) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %12s %12s %8s  %s\n' case mrvet_s peer_s ratio "|value diff|"
join "$work/c.txt" "$work/py.txt" | awk '{ printf "%-22s %12.6f %12.6f %7.1fx  %.2g\n", $1, $2, $4, $4 / $2, ($3 > $5 ? $3 - $5 : $5 - $3) }'
