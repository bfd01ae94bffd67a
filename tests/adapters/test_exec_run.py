#!/usr/bin/python3
"""`mrvet run` with exec models, end to end: a numpy worker written with
adapters/python/mrvet_worker.py must store exactly the numbers the builtin
zero-filled model stores (same inputs, same metric code: any difference
would come from the exchange); a worker that crashes on its first request
must fail exactly that item — NULL values whose reason names the crash and
quotes the worker's stderr — while every other item is stored, the run
completes, and exit code 3 says some items failed.

usage: test_exec_run.py PATH/TO/mrvet [BUILD_DIR]
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

MRVET = None
HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "workers", "bad_worker.py")

STUDY = """\
study: exec-run
seed: 7
dataset:
  kind: phantom
  matrix: 48
  coils: 4
  limit: 3
undersampling:
  acceleration: 4
  center_fraction: 0.08
models:
  - name: zf
    adapter: builtin
    model: zero_filled
  - name: worker
    adapter: exec
    model: "/usr/bin/python3 {worker} {mode} {marker}"
    settings: {{timeout: 4, max_restarts: 2}}
perturbations:
  - family: noise
    severities: [2]
metrics: [psnr, nmse]
"""


def run_study(tmp, mode):
    study = os.path.join(tmp, "study.yaml")
    with open(study, "w", encoding="utf-8") as f:
        f.write(STUDY.format(worker=WORKER, mode=mode, marker=os.path.join(tmp, "marker")))
    db = os.path.join(tmp, "store.db")
    p = subprocess.run([MRVET, "run", study, "--db", db, "--jobs", "2"], capture_output=True,
                       text=True, timeout=300)
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT u.model, c.case_key, p.severity, r.metric, r.value, r.null_reason, u.status"
        " FROM results r JOIN runs u ON u.id = r.run_id JOIN cases c ON c.id = r.case_id"
        " JOIN perturbations p ON p.id = r.perturbation_id ORDER BY 2, 3, 4, 1").fetchall()
    con.close()
    return p, rows


class ExecRun(unittest.TestCase):
    def test_worker_equals_builtin(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-exec-run-") as tmp:
            p, rows = run_study(tmp, "ok")
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            by = {}
            for model, case, sev, metric, value, reason, status in rows:
                self.assertIsNotNone(value, reason)
                self.assertEqual(status, "completed")
                by.setdefault((case, sev, metric), {})[model] = value
            self.assertEqual(len(by), 3 * 2 * 2)  # cases x (clean, sev 2) x metrics
            for key, v in by.items():
                self.assertAlmostEqual(v["worker"], v["zf"], delta=1e-4 * abs(v["zf"]) + 1e-9,
                                       msg=str(key))

    def test_crash_fails_one_item_only(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-exec-run-") as tmp:
            p, rows = run_study(tmp, "crash")
            self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
            failed = [r for r in rows if r[0] == "worker" and r[4] is None]
            ok = [r for r in rows if r[0] == "worker" and r[4] is not None]
            self.assertEqual(len(failed), 2, failed)  # one item, both metrics
            self.assertEqual(len({(r[1], r[2]) for r in failed}), 1)
            self.assertEqual(len(ok), 5 * 2)
            reason = failed[0][5]
            for needle in ("crashed", "signal 11", "about to misbehave: crash"):
                self.assertIn(needle, reason)
            self.assertTrue(all(r[4] is not None for r in rows if r[0] == "zf"))
            self.assertIn("restarting the worker", p.stderr)

    def one_bad_item(self, mode, needles):
        """A worker misbehaving on its first request: that item alone is stored
        as failed, with the reason; every other number is stored; exit 3."""
        with tempfile.TemporaryDirectory(prefix="mrvet-exec-run-") as tmp:
            p, rows = run_study(tmp, mode)
            self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
            failed = [r for r in rows if r[0] == "worker" and r[4] is None]
            self.assertEqual(len({(r[1], r[2]) for r in failed}), 1, failed)
            self.assertEqual(len([r for r in rows if r[0] == "worker" and r[4] is not None]),
                             5 * 2)
            for needle in needles:
                self.assertIn(needle, failed[0][5])
            self.assertTrue(failed[0][5].startswith("failed: model worker:"))
            self.assertTrue(all(r[4] is not None for r in rows if r[0] == "zf"))

    def test_hang_past_the_timeout(self):
        self.one_bad_item("hang", ["4"])  # the study's timeout, in seconds

    def test_nan_output(self):
        self.one_bad_item("nan", ["NaN"])

    def test_wrong_shape(self):
        self.one_bad_item("shape", ["expected"])

    def test_model_failing_every_call_is_given_up(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-exec-run-") as tmp:
            p, rows = run_study(tmp, "always_crash")
            self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
            worker = [r for r in rows if r[0] == "worker"]
            self.assertEqual(len(worker), 6 * 2)          # every item recorded ...
            self.assertTrue(all(r[4] is None for r in worker))  # ... as failed
            self.assertTrue(all(r[4] is not None for r in rows if r[0] == "zf"))


if __name__ == "__main__":
    MRVET = sys.argv[1]
    if subprocess.run(["/usr/bin/python3", "-c", "import numpy, h5py"]).returncode:
        print("SKIP: /usr/bin/python3 lacks numpy or h5py (python3-numpy, python3-h5py)")
        sys.exit(0)
    unittest.main(argv=sys.argv[:1], verbosity=2)
