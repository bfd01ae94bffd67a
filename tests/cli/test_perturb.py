#!/usr/bin/python3
"""`mrvet perturb`: the file is fastMRI's layout (read with h5py), the noise
it added reaches the SNR of the severity table (measured here with numpy on
the image background, an independent oracle), and the seeds and drawn
parameters are those `mrvet run` stores for the same study seed.

usage: test_perturb.py PATH/TO/mrvet [BUILD_DIR]
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import numpy as np

try:
    import h5py
except ImportError:
    h5py = None

MRVET = None


def ifft2c(k):
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=(-2, -1)), norm="ortho"),
                           axes=(-2, -1))


@unittest.skipIf(h5py is None, "python3-h5py is not installed (scripts/setup.sh installs it)")
class Perturb(unittest.TestCase):
    def test_noise_file_reaches_its_snr_and_matches_run(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-perturb-") as tmp:
            out = os.path.join(tmp, "noisy.h5")
            p = subprocess.run([MRVET, "perturb", "phantom", "--perturbation", "noise",
                                "--severity", "3", "--seed", "42", "-o", out],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            with h5py.File(out) as f:
                k = f["kspace"][()]
                ref = f["reconstruction_rss"][()]
            self.assertEqual(k.shape, (5, 8, 320, 320))
            self.assertEqual(k.dtype, np.complex64)
            # Background (the corners, outside every ellipse) holds noise only:
            # E[RSS^2] = 2 C sigma^2 for C coils of complex noise sigma per part.
            rss = np.sqrt((np.abs(ifft2c(k[0])) ** 2).sum(axis=0))
            corners = np.concatenate([rss[:40, :40].ravel(), rss[:40, -40:].ravel(),
                                      rss[-40:, :40].ravel(), rss[-40:, -40:].ravel()])
            sigma = np.sqrt((corners ** 2).mean() / (2 * 8))
            fg = ref[0][ref[0] >= 0.1 * ref[0].max()].mean()
            self.assertAlmostEqual(fg / sigma / 10.0, 1.0, delta=0.03)  # severity 3: SNR 10
            side = json.load(open(os.path.join(tmp, "noisy.json")))
            self.assertEqual(len(side["cases"]), 5)
            self.assertAlmostEqual(side["cases"][0]["drawn"]["snr"], 10.0)

            # the same seed in a study gives the same seeds and draws
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write("study: p\nseed: 42\ndataset: {kind: phantom}\nmodels:\n"
                        "  - {name: zf, adapter: builtin, model: zero_filled}\n"
                        "perturbations:\n  - {family: noise, severities: [3]}\n")
            db = os.path.join(tmp, "s.db")
            p = subprocess.run([MRVET, "run", study, "--db", db, "--quiet"],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            con = sqlite3.connect(db)
            stored = {c: (seed, json.loads(params)) for c, seed, params in con.execute(
                "SELECT c.case_key, p.seed, p.params FROM perturbations p JOIN cases c"
                " ON c.id = p.case_id WHERE p.family = 'noise'")}
            con.close()
            for case in side["cases"]:
                seed, params = stored[case["case"]]
                self.assertEqual(case["seed"], seed)
                self.assertEqual(case["drawn"]["sigma"], params["sigma"])

    def test_bad_usage(self):
        p = subprocess.run([MRVET, "perturb", "phantom", "--perturbation", "wobble",
                            "--severity", "1", "-o", "/tmp/x.h5"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("wobble", p.stderr)
        p = subprocess.run([MRVET, "perturb", "phantom", "--perturbation", "noise",
                            "--severity", "9", "-o", "/tmp/x.h5"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
