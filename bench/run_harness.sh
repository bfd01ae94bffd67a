#!/bin/sh
# Harness throughput: results per second with the built-in zero-filled model
# on the phantom set, on 1 and 2 worker threads, and the ratio (target >= 1.8
# on 2 cores). Uses a Release build of its own.
#
#   bench/run_harness.sh [REPEATS]   (noise draws per severity, default 8)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-bench"
repeats=${1:-8}
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/bench.yaml" <<YAML
study: bench-harness
seed: 1
panels: 0
dataset: {kind: phantom, matrix: 320, coils: 8}
models:
  - {name: zero_filled, adapter: builtin, model: zero_filled}
perturbations:
  - {family: noise, severities: [1, 2, 3, 4, 5], repeats: $repeats}
metrics: [psnr, ssim, nmse]
YAML
rate() { # jobs -> results per second
    rm -f "$tmp/b.db"*
    "$build/mrvet" run "$tmp/bench.yaml" --db "$tmp/b.db" --jobs "$1" --quiet |
        sed -n 's/.*; \([0-9]*\) results in \([0-9.]*\) s.*/\1 \2/p' |
        awk '{ printf "%.1f", $1 / $2 }'
}
r1=$(rate 1)
r2=$(rate 2)
echo "harness, phantom 320x320x8 coils, zero-filled model, 3 metrics"
echo "  1 thread : $r1 results/s"
echo "  2 threads: $r2 results/s"
awk -v a="$r1" -v b="$r2" 'BEGIN { printf "  speed-up : %.2fx (target >= 1.8x)\n", b / a }'

# The harness's own share of wall time when the model is a worker that sleeps
# 50 ms per call (two worker processes, two threads): share = (wall - ideal)
# / wall with ideal = calls x 50 ms / 2. What is left is everything mrvet
# does around the model: loading, perturbing, HDF5 exchange, scoring, SQLite.
cat >"$tmp/sleep.yaml" <<YAML
study: bench-harness-sleep
seed: 1
panels: 0
dataset: {kind: phantom, matrix: 320, coils: 8}
models:
  - name: sleep50
    adapter: exec
    model: /usr/bin/python3 $here/bench/sleep_worker.py
    settings: {workers: 2}
perturbations:
  - {family: noise, severities: [1, 2, 3, 4, 5], repeats: $repeats}
metrics: [psnr, ssim, nmse]
YAML
rm -f "$tmp/s.db"*
# 4 threads for 2 workers: while a worker sleeps, other threads perturb and
# score. Wall time is taken around the whole process (start, study parsing,
# worker start-up and shutdown included): mrvet's own summary rounds to 0.1 s.
t0=$(date +%s.%N)
out=$("$build/mrvet" run "$tmp/sleep.yaml" --db "$tmp/s.db" --jobs 4 --quiet 2>/dev/null)
t1=$(date +%s.%N)
items=$(echo "$out" | sed -n 's/.*: \([0-9]*\) items run.*/\1/p')
awk -v n="$items" -v t0="$t0" -v t1="$t1" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    w = t1 - t0
    ideal = n * 0.050 / 2
    printf "worker sleeping 50 ms per call, 2 workers, 4 threads: %d calls in %.2f s\n", n, w
    printf "  ideal %.2f s; harness share %.1f %% (target < 5 %%)\n", ideal, 100 * (w - ideal) / w
    printf "  (load average %s on %d cores: other work on the machine counts as harness time)\n",
           load, '"$(nproc)"'
}'
