#!/bin/sh
# scripts/valgrind.sh — the CLI integration flows under valgrind memcheck.
#
#   scripts/valgrind.sh [BUILD_DIR]      default build-valgrind/ (no sanitizers)
#
# Builds mrvet without sanitizers (valgrind and ASan cannot share a process;
# RelWithDebInfo for line numbers), then runs every CLI flow below, each
# command under memcheck with --error-exitcode=1 --leak-check=full
# --errors-for-leak-kinds=definite and the suppressions in
# scripts/valgrind.supp (libraries' own one-time allocations, each with its
# reason). A step fails on any memory error (invalid read/write, use of
# uninitialised values, bad free, fd misuse) or any byte definitely lost,
# whatever mrvet's own exit status (gate exits 1 on a failing rule, by design).
#
# The studies are small on purpose (64x64 phantom with 4 coils, 2 colin27
# slices at 64x64): memcheck runs code ~30-50x slower, and the point is to
# walk every code path once, not to process data. The 24 steps take ~85 s
# on 2 cores (plus one build). Exit 0 when every step is clean, 1 otherwise
# (logs of failing steps are copied to BUILD_DIR/valgrind-<step>.log), 4 when
# the build fails.
#
# Flows: inspect; perturb (fastMRI in, fastMRI out); run of a reconstruction
# study (two models, noise/motion/ghosting/spike/undersample/chain) with
# --dry-run first; resume after results were lost (items deleted, run
# again: only those are redone) and a run with nothing left; a segmentation
# study (colin27, Otsu, dice/hd95/ece); a study on a fastMRI file; report
# HTML/PDF/Markdown/JSON; gate with JUnit and Markdown; export CSV/JSON;
# merge; score (fastMRI); bundle + verify; list.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-valgrind}
mkdir -p "$build"
build=$(cd "$build" && pwd) # absolute: the script changes folder
command -v valgrind >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind
mkdir -p "$build"
cmake -S "$root" -B "$build" -DMRV_SANITIZE=OFF -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/valgrind-cmake.log" 2>&1
cmake --build "$build" -j"$(nproc)" --target mrvet >"$build/valgrind-build.log" 2>&1 ||
    { tail -30 "$build/valgrind-build.log"; exit 4; }
mrvet=$build/mrvet
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/mrvet-valgrind-XXXXXX")
trap 'rm -rf "$work"' EXIT
# colin27 is generated into the cache on first use: a private one, so the
# generation runs (under memcheck) whatever the machine has cached.
export MRV_CACHE_DIR="$work/cache"

cat >"$work/study.yaml" <<'YAML'
study: valgrind
seed: 7
dataset: {kind: phantom, matrix: 64, coils: 4, limit: 2}
undersampling: {acceleration: 4, center_fraction: 0.08}
models:
  - {name: baseline, adapter: builtin, model: zero_filled, version: "1"}
  - {name: candidate, adapter: builtin, model: zero_filled, version: "2"}
perturbations:
  - {family: noise, severities: [1, 3], repeats: 2}
  - {family: coil_compress, severities: [3]}
  - {family: resolution, severities: [2]}
  - {family: motion, severities: [2]}
  - {family: ghosting, severities: [3]}
  - {family: spike, severities: [3]}
  - {family: undersample, severities: [2]}
  - {chain: [motion, noise], severities: [4]}
metrics: [psnr, ssim, nmse, hfen]
gate:
  rules:
    - {metric: ssim, margin: 0.01}
    - {metric: psnr, family: noise, floor: 5}
YAML
cat >"$work/exec.yaml" <<YAML
study: valgrind-exec
seed: 9
dataset: {kind: phantom, matrix: 64, coils: 4, limit: 2}
undersampling: {acceleration: 4, center_fraction: 0.08}
models:
  - name: numpy_zf
    adapter: exec
    model: $py $work/worker.py
    settings: {workers: 2}
perturbations:
  - {family: noise, severities: [2]}
  - {family: coil_subset, severities: [3]}
  - {family: b0, severities: [3], field_map: $work/fmap.h5}
metrics: [psnr, ssim]
YAML
cat >"$work/worker.py" <<PY
import sys
sys.path.insert(0, "$root/adapters/python")
import numpy as np
import mrvet_worker


def reconstruct(kspace, **_):
    k = np.fft.ifftshift(np.asarray(kspace), axes=(-2, -1))
    img = np.fft.fftshift(np.fft.ifft2(k, norm="ortho"), axes=(-2, -1))
    return np.sqrt((np.abs(img) ** 2).sum(axis=-3))


mrvet_worker.serve(reconstruct)
PY
$py -c "import h5py, numpy as np; y, x = np.mgrid[-1:1:64j, -1:1:64j]; \
h5py.File('$work/fmap.h5', 'w').create_dataset('field_map', data=(60 * x + 20 * y * y).astype(np.float32))"
cat >"$work/seg.yaml" <<'YAML'
study: valgrind-seg
task: segmentation
seed: 3
dataset: {kind: colin27, matrix: 64, limit: 2}
models:
  - {name: otsu, adapter: builtin, model: otsu_segmenter}
perturbations:
  - {family: noise, severities: [2]}
  - {family: bias, severities: [4]}
metrics: [dice, hd95, nsd, ece]
YAML
cat >"$work/fm.yaml" <<'YAML'
study: valgrind-fastmri
seed: 5
dataset: {kind: fastmri, path: p.h5}
models:
  - {name: zf, adapter: builtin, model: zero_filled}
perturbations:
  - {family: gibbs, severities: [3]}
metrics: [psnr, ssim]
YAML
# A small fastMRI file (2 slices, 4 coils, 32x32) written by h5py, the
# format's own writer, and a prediction file for `mrvet score`.
$py - "$work" <<'PY'
import sys, numpy as np, h5py
d = sys.argv[1]
y, x = np.mgrid[-1:1:32j, -1:1:32j]
img = ((x / 0.7) ** 2 + (y / 0.9) ** 2 < 1).astype(np.float32)
coils = np.stack([np.exp(-((x - c) ** 2 + y ** 2)) for c in (-1, -0.3, 0.3, 1)])
k = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(coils * img, axes=(-2, -1)), norm="ortho"),
                    axes=(-2, -1)).astype(np.complex64)
with h5py.File(d + "/fm.h5", "w") as f:
    f.create_dataset("kspace", data=np.stack([k, 0.5 * k]))
    rss = np.sqrt((np.abs(coils * img) ** 2).sum(0)).astype(np.float32)
    f.create_dataset("reconstruction_rss", data=np.stack([rss, 0.5 * rss]))
    f.attrs["acquisition"] = "CORPD_FBK"
PY

failed=0
steps=0
step() {
    name=$1
    shift
    steps=$((steps + 1))
    log=$work/$name.log
    t0=$(date +%s)
    if valgrind --tool=memcheck --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite --show-leak-kinds=definite \
        --suppressions="$root/scripts/valgrind.supp" --track-fds=no \
        --trace-children=no --num-callers=30 --log-file="$log" "$mrvet" "$@" \
        >"$work/$name.out" 2>&1; then
        rc=0
    else
        rc=$?
    fi
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tail -1)
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
    # mrvet's exit status (gate: 1 = a rule failed) is not memcheck's verdict:
    # judge by the log, and fail when memcheck did not finish at all.
    if [ -z "$errs" ] || [ "$errs" != 0 ] || { [ -n "$lost" ] && [ "$lost" != 0 ]; }; then
        failed=1
        echo "FAIL $name: ${errs:-no summary} errors, ${lost:-0} bytes definitely lost (exit $rc)" |
            tee "$work/last.txt"
        grep -E '^==[0-9]+== +(Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)' \
            "$log" | head -10
        cp "$log" "$build/valgrind-$name.log" 2>/dev/null || true
        tail -3 "$work/$name.out"
    else
        echo "ok   $name: 0 errors, ${lost:-0} bytes definitely lost, $(($(date +%s) - t0)) s (exit $rc)" |
            tee "$work/last.txt"
    fi
}
# A step whose exit status also matters (the flow must have worked).
expect() {
    want=$1
    got=$(sed -n 's/.*exit \([0-9]*\))$/\1/p' "$work/last.txt")
    if [ "$got" != "$want" ]; then
        failed=1
        echo "FAIL $(cut -d: -f1 "$work/last.txt" | cut -c6-): mrvet exited $got, expected $want"
    fi
}
run() { step "$@"; }

start=$(date +%s)
cd "$work"
run inspect inspect fm.h5;                                   expect 0
run perturb perturb fm.h5 -p motion+noise -s 3 --seed 2 -o p.h5; expect 0
# 3D k-space (BART cfl: read, phase 1, partition, coil) moved along kz
$py -c "import numpy as np; k = (np.random.default_rng(1).standard_normal((16, 12, 8, 2)) + 0j); \
open('vol.hdr', 'w').write('# Dimensions\\n16 12 8 2' + ' 1' * 12 + '\\n'); \
k.astype(np.complex64).ravel(order='F').tofile('vol.cfl')"
run perturb3d perturb vol.cfl -p motion3dk -s 3 --seed 2 -o moved.cfl; expect 0
run perturb_reshape perturb fm.h5 -p coil_compress -s 3 --seed 2 -o cc.h5; expect 0
run dry_run run study.yaml --db v.db --dry-run;              expect 0
run run run study.yaml --db v.db --quiet --jobs 2;           expect 0
# Resume: lose every result of one case, run again: the engine redoes only
# the missing items (checked below against the count before).
$py -c "import sqlite3,sys; c=sqlite3.connect('v.db'); \
print(c.execute('SELECT count(*) FROM results').fetchone()[0]); \
c.execute('DELETE FROM results WHERE case_id=(SELECT min(case_id) FROM results)'); c.commit()" \
    >rows_before.txt
run resume run study.yaml --db v.db --quiet;                 expect 0
rows_after=$($py -c "import sqlite3; print(sqlite3.connect('v.db').execute('SELECT count(*) FROM results').fetchone()[0])")
if [ "$rows_after" != "$(cat rows_before.txt)" ]; then
    failed=1
    echo "FAIL resume: $rows_after results after resuming, expected $(cat rows_before.txt)"
fi
run resume_done run study.yaml --db v.db --quiet;            expect 0
run seg run seg.yaml --db s.db --quiet;                      expect 0
run exec_study run exec.yaml --db x.db --quiet;              expect 0
run fastmri_study run fm.yaml --db f.db --quiet;             expect 0
run report_html report v.db -o r.html;                       expect 0
run report_pdf report v.db -o r.pdf --accept ssim\>=0.5;     expect 0
run report_md report s.db -o r.md;                           expect 0
run report_json report v.db -o r.json;                       expect 0
run gate gate v.db --baseline baseline --candidate candidate --junit g.xml --markdown g.md
run export_csv export v.db --format csv -o e.csv;            expect 0
run export_json export s.db --format json -o e.json;         expect 0
run merge merge m.db v.db;                                   expect 0
$py - <<'PY'
import h5py, numpy as np
with h5py.File("p.h5") as t, h5py.File("pred.h5", "w") as p:
    p.create_dataset("reconstruction", data=1.05 * t["reconstruction_rss"][()])
PY
mkdir -p tgt prd
cp p.h5 tgt/vol.h5
cp pred.h5 prd/vol.h5
run score score --target tgt --predictions prd --json;        expect 0
run bundle bundle s.db -o bundle;                            expect 0
run verify verify bundle;                                    expect 0
run list_perturbations list perturbations;                   expect 0
run list_metrics list metrics;                               expect 0
run list_adapters list adapters;                             expect 0
run list_datasets list datasets;                             expect 0
run bad_study run missing.yaml;                              expect 2
echo "valgrind: $steps steps in $(($(date +%s) - start)) s, $( [ $failed = 0 ] && echo all clean || echo FAILED)"
exit $failed
