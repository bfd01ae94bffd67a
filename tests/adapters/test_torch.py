#!/usr/bin/python3
"""A real deep-learning model end to end: the PyTorch example of
examples/torch/ is trained by its own script (weights cached in the build
folder), served through adapters/python/mrvet_worker.py as an exec worker,
and run by `mrvet run` next to the builtin zero-filled model on the same
perturbed, undersampled phantom cases. Oracle: a de-aliasing network
trained for this undersampling must beat zero-filling on PSNR and SSIM
(the baseline it is trained to improve), and every item must be stored.

Skipped, with a message, only where python3-torch cannot be imported.

usage: test_torch.py PATH/TO/mrvet [BUILD_DIR]
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

MRVET = None
BUILD = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "torch")
STEPS = 150

STUDY = """\
study: torch-example
seed: 11
dataset:
  kind: phantom
  matrix: 128
  coils: 4
  limit: 3
undersampling:
  acceleration: 4
  center_fraction: 0.08
models:
  - name: zero_filled
    adapter: builtin
    model: zero_filled
  - name: torch_dealias
    adapter: exec
    model: "/usr/bin/python3 {serve} {weights}"
perturbations:
  - family: noise
    severities: [1]
metrics: [psnr, ssim]
"""


def weights():
    """Train once per build folder (and again when the example changes)."""
    path = os.path.join(BUILD, "torch_dealias_test.pt")
    sources = [os.path.join(EXAMPLE, f) for f in ("model.py", "train.py")]
    if os.path.exists(path) and all(os.path.getmtime(path) > os.path.getmtime(s)
                                    for s in sources):
        return path
    t = time.time()
    p = subprocess.run(["/usr/bin/python3", os.path.join(EXAMPLE, "train.py"), "--out",
                        path + ".tmp", "--steps", str(STEPS)], capture_output=True, text=True,
                       timeout=1200)
    if p.returncode:
        raise AssertionError("training failed:\n" + p.stdout + p.stderr)
    os.replace(path + ".tmp", path)
    print("trained %d steps in %.0f s" % (STEPS, time.time() - t))
    return path


class TorchExample(unittest.TestCase):
    def test_beats_zero_filled(self):
        w = weights()
        with tempfile.TemporaryDirectory(prefix="mrvet-torch-") as tmp:
            study = os.path.join(tmp, "study.yaml")
            with open(study, "w", encoding="utf-8") as f:
                f.write(STUDY.format(serve=os.path.join(EXAMPLE, "serve.py"), weights=w))
            db = os.path.join(tmp, "store.db")
            p = subprocess.run([MRVET, "run", study, "--db", db, "--jobs", "2"],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            con = sqlite3.connect(db)
            rows = con.execute(
                "SELECT u.model, r.metric, avg(r.value), count(r.value), count(*)"
                " FROM results r JOIN runs u ON u.id = r.run_id GROUP BY 1, 2").fetchall()
            con.close()
            got = {(m, q): (mean, n, total) for m, q, mean, n, total in rows}
            for q in ("psnr", "ssim"):
                zf, dl = got[("zero_filled", q)], got[("torch_dealias", q)]
                self.assertEqual(dl[1], dl[2], "some torch items have no value")
                self.assertEqual(dl[2], 3 * 2)  # 3 cases x (clean, noise 1)
                print("%s: zero-filled %.4f, torch %.4f" % (q, zf[0], dl[0]))
                self.assertGreater(dl[0], zf[0], q)


if __name__ == "__main__":
    MRVET = sys.argv[1]
    BUILD = sys.argv[2] if len(sys.argv) > 2 else tempfile.gettempdir()
    if subprocess.run(["/usr/bin/python3", "-c", "import torch, h5py"],
                      capture_output=True).returncode:
        print("SKIP: /usr/bin/python3 cannot import torch and h5py "
              "(Debian packages python3-torch, python3-h5py)")
        sys.exit(0)
    unittest.main(argv=sys.argv[:1], verbosity=2)
