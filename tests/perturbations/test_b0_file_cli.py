#!/usr/bin/python3
"""b0 with a field map file, through `mrvet perturb --field-map` and a study's
`field_map:`. Oracle: the Fourier shift theorem, measured with numpy. A
constant off-resonance df multiplies every readout line of k-space by
exp(-i 2 pi df t(ky)), t advancing by one dwell (1/(ny BW)) per sample, so
the phase of perturbed x conj(clean) k-space falls by 2 pi s / ny per ky
sample for an image shift of s = map_scale df / BW pixels; the clean
k-space is the output for an all-zero map (the identity). The SHA-256
recorded is hashlib's of the file. Bad files fail with exit 2 naming the
file and what was expected.

usage: test_b0_file_cli.py PATH/TO/mrvet [BUILD_DIR]
"""
import hashlib
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


def perturb(tmp, name, mapfile, severity, extra=()):
    out = os.path.join(tmp, name + ".h5")
    p = subprocess.run([MRVET, "perturb", "phantom", "-p", "b0", "-s", str(severity),
                        "--seed", "3", "--field-map", mapfile, "-o", out, *extra],
                       capture_output=True, text=True, timeout=600)
    return p, out


def readout_shift(k, k0):
    """Image shift (px) along readout (axis -2) from the k-space phase slope."""
    cross = (k * np.conj(k0)).sum(axis=(0, 1, 3))  # per ky, over slices, coils, kx
    ny = k.shape[-2]
    rows = np.arange(ny // 2 - 40, ny // 2 + 40)    # where the signal is
    phase = np.unwrap(np.angle(cross[rows]))
    slope = np.polyfit(rows, phase, 1)[0]
    return -slope * ny / (2 * np.pi)


@unittest.skipIf(h5py is None, "python3-h5py is not installed (scripts/setup.sh installs it)")
class FieldMapFile(unittest.TestCase):
    def test_constant_map_shifts_by_df_over_bw(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-b0file-") as tmp:
            zero, const = os.path.join(tmp, "zero.h5"), os.path.join(tmp, "const.h5")
            with h5py.File(zero, "w") as f:
                f["field_map"] = np.zeros((320, 320), np.float32)
            with h5py.File(const, "w") as f:
                f.create_dataset("b0/hz", data=np.full((1, 320, 320), 100.0, np.float32))
            p, out0 = perturb(tmp, "clean", zero, 3)
            self.assertEqual(p.returncode, 0, p.stderr)
            p, out = perturb(tmp, "shifted", const + ":/b0/hz", 3)
            self.assertEqual(p.returncode, 0, p.stderr)
            with h5py.File(out0) as f:
                k0 = f["kspace"][()]
            with h5py.File(out) as f:
                k = f["kspace"][()]
            # severity 3: map_scale 1, 200 Hz/px -> 0.5 px along readout
            self.assertAlmostEqual(readout_shift(k, k0), 100.0 / 200.0, delta=0.005)
            side = json.load(open(os.path.join(tmp, "shifted.json")))
            want = hashlib.sha256(open(const, "rb").read()).hexdigest()
            self.assertEqual(side["field_map_sha256"], want)
            self.assertAlmostEqual(side["cases"][0]["drawn"]["max_shift_px"], 0.5)

            # severity 1 scales the map by 0.25: 0.125 px
            p, out1 = perturb(tmp, "sev1", const + ":/b0/hz", 1)
            self.assertEqual(p.returncode, 0, p.stderr)
            with h5py.File(out1) as f:
                self.assertAlmostEqual(readout_shift(f["kspace"][()], k0), 0.125, delta=0.005)

            # a study stores the file's SHA-256 with the drawn parameters
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write("study: b0file\nseed: 3\ndataset: {kind: phantom, limit: 1}\n"
                        "models:\n  - {name: zf, adapter: builtin, model: zero_filled}\n"
                        "perturbations:\n  - {family: b0, severities: [3], field_map: '%s'}\n"
                        % (const + ":/b0/hz"))
            db = os.path.join(tmp, "s.db")
            p = subprocess.run([MRVET, "run", study, "--db", db, "--quiet"],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr)
            con = sqlite3.connect(db)
            rows = [json.loads(r[0]) for r in con.execute(
                "SELECT params FROM perturbations WHERE family = 'b0'")]
            con.close()
            self.assertEqual(len(rows), 1)
            self.assertEqual(rows[0]["field_map_sha256"], want)
            self.assertAlmostEqual(rows[0]["max_shift_px"], 0.5)
            self.assertAlmostEqual(rows[0]["map_scale"], 1.0)

    def test_bad_files(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-b0file-") as tmp:
            small, nan = os.path.join(tmp, "small.h5"), os.path.join(tmp, "nan.h5")
            with h5py.File(small, "w") as f:
                f["field_map"] = np.zeros((100, 120), np.float32)
            m = np.zeros((320, 320), np.float32)
            m[7, 9] = np.nan
            with h5py.File(nan, "w") as f:
                f["field_map"] = m
            cases = [(small, ["small.h5", "100 x 120", "320 x 320"]),
                     (nan, ["nan.h5", "finite"]),
                     (os.path.join(tmp, "none.nii.gz"), ["none.nii.gz", "cannot open"])]
            for path, words in cases:
                p, _ = perturb(tmp, "bad", path, 2)
                self.assertEqual(p.returncode, 2, p.stderr)
                for w in words:
                    self.assertIn(w, p.stderr)
            p = subprocess.run([MRVET, "perturb", "phantom", "-p", "noise", "-s", "1",
                                "--field-map", small, "-o", os.path.join(tmp, "x.h5")],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--perturbation b0", p.stderr)
            # a study names the file, the key and where it is written
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write("study: b\ndataset: {kind: phantom}\nmodels:\n"
                        "  - {name: zf, adapter: builtin, model: zero_filled}\n"
                        "perturbations:\n  - {family: b0, field_map: %s}\n" % nan)
            p = subprocess.run([MRVET, "run", study, "--dry-run"], capture_output=True,
                               text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("perturbations[0].field_map", p.stderr)
            self.assertIn("nan.h5", p.stderr)
            with open(study, "w") as f:
                f.write("study: b\ndataset: {kind: phantom}\nmodels:\n"
                        "  - {name: zf, adapter: builtin, model: zero_filled}\n"
                        "perturbations:\n  - {family: noise, field_map: %s}\n" % small)
            p = subprocess.run([MRVET, "run", study, "--dry-run"], capture_output=True,
                               text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("family: b0", p.stderr)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
