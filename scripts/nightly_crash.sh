#!/bin/sh
# scripts/nightly_crash.sh — the crash-safety proof at nightly scale.
#
#   scripts/nightly_crash.sh [MRVET] [KILLS] [SEED]
#       MRVET  the binary (default build/mrvet); KILLS default 200;
#       SEED   of the kill times (default: today's date, printed, so a
#              failure can be replayed with the same SEED)
#
# Same proof as tests/cli/test_run.py (24 kills in CI), with more kills,
# kill times spread over the whole run (not only its first tenth), a random
# --jobs 1..4 per attempt, and two perturbation families: run a study
# uninterrupted; then run it again into a new store, SIGKILL it KILLS times
# at random moments, resuming each time; finish; the results table must
# equal the uninterrupted run's row for row (tests/cli/storeutil.rows), and
# SQLite's integrity_check must pass. Exit 0 when equal, 1 otherwise.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mrvet=$(realpath "${1:-$root/build/mrvet}")
kills=${2:-200}
seed=${3:-$(date +%Y%m%d)}
exec /usr/bin/python3 - "$mrvet" "$kills" "$seed" "$root" <<'PY'
import os, random, signal, sqlite3, subprocess, sys, tempfile, time
mrvet, kills, seed, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, os.path.join(root, "tests", "cli"))
from storeutil import rows  # noqa: E402

STUDY = """\
study: nightly-crash
seed: 11
dataset: {kind: phantom, matrix: 96, coils: 4}
undersampling: {acceleration: 4, center_fraction: 0.08}
models:
  - {name: a, adapter: builtin, model: zero_filled, version: "1"}
  - {name: b, adapter: builtin, model: zero_filled, version: "2"}
perturbations:
  - {family: noise, severities: [1, 3, 5], repeats: 2}
  - {family: motion, severities: [2, 4]}
metrics: [psnr, ssim, nmse]
"""
print(f"nightly_crash: {mrvet}, {kills} kills, seed {seed}", flush=True)
rng = random.Random(seed)
with tempfile.TemporaryDirectory(prefix="mrvet-nightly-crash-") as tmp:
    study = os.path.join(tmp, "study.yaml")
    with open(study, "w") as f:
        f.write(STUDY)
    ref = os.path.join(tmp, "ref.db")
    t0 = time.time()
    subprocess.run([mrvet, "run", study, "--db", ref, "--quiet"], check=True)
    duration = time.time() - t0
    db = os.path.join(tmp, "killed.db")
    done = 0
    for i in range(kills):
        jobs = str(rng.randint(1, 4))
        p = subprocess.Popen([mrvet, "run", study, "--db", db, "--quiet", "--jobs", jobs],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, duration / 4))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            done += 1
        p.wait()
    subprocess.run([mrvet, "run", study, "--db", db, "--quiet"], check=True)
    con = sqlite3.connect(db)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    a, b = rows(ref), rows(db)
    ok = a == b and integrity == "ok"
    print(f"nightly_crash: {done} of {kills} attempts killed mid-run; "
          f"{len(b)} rows vs {len(a)} uninterrupted; integrity {integrity}; "
          f"{'EQUAL' if ok else 'DIFFERENT'}")
    sys.exit(0 if ok else 1)
PY
