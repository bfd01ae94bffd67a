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
