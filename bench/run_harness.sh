#!/bin/sh
# Harness throughput: results per second with the built-in zero-filled model
# on the phantom set, on 1 and 2 worker threads, and the ratio (target >= 1.8
# on 2 cores). Uses a Release build of its own.
#
#   bench/run_harness.sh [REPEATS]   (noise draws per severity, default 8;
#   the 50 ms-worker studies use REPEATS/2 and 2*REPEATS: 105 and 405 calls)
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
# 50 ms per call (two worker processes, four threads): share = (wall - ideal)
# / wall with ideal = calls x 50 ms / 2. What is left is everything mrvet
# does around the model: loading, perturbing, the tensor exchange, scoring,
# SQLite, and the one-time start (process, study, worker start-up, first
# case). The worker does not use coil maps and says so (coil_maps: false).
# Two study sizes separate the two parts: the marginal wall time per call
# (big - small) gives the steady-state share, the intercept the one-time
# start-up. Wall time is taken around the whole process.
sleep_study() { # repeats -> study file
    cat >"$tmp/sleep$1.yaml" <<YAML
study: bench-harness-sleep
seed: 1
panels: 0
dataset: {kind: phantom, matrix: 320, coils: 8}
models:
  - name: sleep50
    adapter: exec
    model: /usr/bin/python3 $here/bench/sleep_worker.py $tmp/cycles$1.txt
    settings: {workers: 2, coil_maps: false}
perturbations:
  - {family: noise, severities: [1, 2, 3, 4, 5], repeats: $1}
metrics: [psnr, ssim, nmse]
YAML
}
sleep_run() { # repeats -> "calls wall_seconds"
    sleep_study "$1"
    rm -f "$tmp/s.db"*
    t0=$(date +%s.%N)
    out=$("$build/mrvet" run "$tmp/sleep$1.yaml" --db "$tmp/s.db" --jobs 4 --quiet 2>/dev/null)
    t1=$(date +%s.%N)
    n=$(echo "$out" | sed -n 's/.*: \([0-9]*\) items run.*/\1/p')
    awk -v n="$n" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%d %.3f", n, t1 - t0 }'
}
small=$(sleep_run "$((repeats / 2))")
big=$(sleep_run "$((repeats * 2))")
awk -v s="$small" -v b="$big" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    split(s, S, " "); split(b, B, " ")
    per = 0.050 / 2
    m = (B[2] - S[2]) / (B[1] - S[1])         # marginal wall per call
    once = B[2] - B[1] * m                     # intercept: one-time start-up
    printf "worker sleeping 50 ms per call, 2 workers, 4 threads, coil_maps: false\n"
    printf "  %d calls in %.2f s (ideal %.2f s): share %.1f %%\n", S[1], S[2], S[1] * per,
           100 * (S[2] - S[1] * per) / S[2]
    printf "  %d calls in %.2f s (ideal %.2f s): share %.1f %%\n", B[1], B[2], B[1] * per,
           100 * (B[2] - B[1] * per) / B[2]
    printf "  steady state: %.2f ms wall per call (ideal %.2f): harness share %.1f %% (target < 5 %%)\n",
           1e3 * m, 1e3 * per, 100 * (m - per) / m
    printf "  one-time start-up (intercept): %.2f s\n", once
    printf "  (both estimates share the run-to-run noise of two whole runs)\n"
    printf "  (load average %s: other work on the machine counts as harness time)\n", load
}'
# Seen from the workers: each call's cycle (start of one call to the start
# of the worker's next) in the big study; its median over 50 ms is the
# steady-state share without start-up, drain or run-to-run noise. A loaded
# machine also wakes the 50 ms sleep late: the share of the cycle outside
# the sleep as it really lasted is shown too.
awk '{ print $1, $1 - $2 }' "$tmp/cycles$((repeats * 2)).txt" | awk '
    { c[NR] = $1; o[NR] = $2 }
    function med(v, n,   i, j, t) {
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j > 0 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    END {
        m = med(c, NR); out = med(o, NR)
        printf "  worker cycle, median of %d calls: %.2f ms for 50 ms of model: steady-state harness share %.1f %% (target < 5 %%)\n",
               NR, 1e3 * m, 100 * (m - 0.050) / m
        printf "  of which outside the sleep as it really lasted (median): %.2f ms\n", 1e3 * out
    }'
