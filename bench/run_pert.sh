#!/bin/sh
# bench/run_pert.sh — perturbation speed vs numpy/scipy, ratios from one run.
# Not a test. Builds bench_pert.c (-O2, no sanitizers) into $TMPDIR, runs it
# and bench/bench_pert_peer.py (Debian's /usr/bin/python3), prints a table.
#   bench/run_pert.sh [3d|2d]      (default: both)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mrvet-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gen"
printf '#define MRV_VERSION_STRING "bench"\n#define MRV_GIT_COMMIT "bench"\n' >"$tmp/gen/mrv_version.h"
gcc -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -I"$root" -I"$tmp/gen" \
    "$root"/core/*.c "$root"/datasets/phantom.c "$root"/datasets/coils.c \
    "$root"/perturbations/*.c "$root"/bench/bench_pert.c -o "$tmp/bench_pert" \
    -lfftw3f -lgsl -lgslcblas -lcrypto -lm -lpthread
which=${1:-all}
"$tmp/bench_pert" $([ "$which" = all ] || echo "$which") >"$tmp/c.txt"
/usr/bin/python3 "$root/bench/bench_pert_peer.py" "$which" >"$tmp/py.txt"
/usr/bin/python3 - "$tmp/c.txt" "$tmp/py.txt" <<'PY'
import sys
c = {l.split()[0]: (float(l.split()[1]), float(l.split()[2])) for l in open(sys.argv[1])}
py = {l.split()[0]: float(l.split()[1]) for l in open(sys.argv[2])}
fft = c.get("fft_set", (None, 1))[0]
print("%-16s %10s %10s %9s %9s %12s" % ("operation", "mrvet ms", "numpy ms", "speedup",
                                        "FFT sets", "ms/FFT-need"))
for name, (ms, sets) in c.items():
    p = py.get(name)
    sp = "%.1fx" % (p / ms) if p else "-"
    need = "%.2f" % (ms / (max(sets, 1.0) * fft)) if fft and name not in ("motion3d",) else "-"
    print("%-16s %10.1f %10s %9s %9.2f %12s" % (name, ms, "%.1f" % p if p else "-", sp, sets,
                                                 need))
print("\nspeedup = numpy/scipy time / mrvet time (targets: motion3d >= 10x);")
print("ms/FFT-need = mrvet time / (max(FFT sets needed, 1) x one 15-coil 2D FFT set)"
      " (target < 3)")
PY
