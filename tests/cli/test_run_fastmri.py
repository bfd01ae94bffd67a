#!/usr/bin/python3
"""A study on a folder of fastMRI-layout HDF5 files, written here with h5py
the way fastMRI's multi-coil files are: k-space with 2x readout
oversampling, a reconstruction_rss reference on a smaller centre grid. The
run must score the model's output centre-cropped to the reference grid,
and store the SHA-256 of every input file (checked with hashlib).

usage: test_run_fastmri.py PATH/TO/mrvet [BUILD_DIR]
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import numpy as np

try:
    import h5py
except ImportError:  # the set-up installs python3-h5py; say so rather than pass
    h5py = None

MRVET = None


def fft2c(x):
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x, axes=(-2, -1)), norm="ortho"),
                           axes=(-2, -1))


def ifft2c(k):
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=(-2, -1)), norm="ortho"),
                           axes=(-2, -1))


def write_volume(path, rng, slices=2, coils=4, ny=64, nx=48, crop=32):
    yy, xx = np.mgrid[-1:1:ny * 1j, -1:1:nx * 1j]
    k = np.empty((slices, coils, ny, nx), np.complex64)
    for s in range(slices):
        obj = ((xx / 0.7) ** 2 + (yy / (0.5 + 0.1 * s)) ** 2 < 1).astype(float)
        obj += 0.5 * (((xx - 0.2) / 0.2) ** 2 + (yy / 0.3) ** 2 < 1)
        for c in range(coils):
            phase = np.exp(1j * (c * 0.8 + 0.5 * xx))
            k[s, c] = fft2c(obj * phase * (1 + 0.2 * c * yy ** 2))
    img = np.sqrt((np.abs(ifft2c(k)) ** 2).sum(axis=1))
    y0, x0 = (ny - crop) // 2, (nx - crop) // 2
    rss = img[:, y0:y0 + crop, x0:x0 + crop].astype(np.float32)
    with h5py.File(path, "w") as f:
        f["kspace"] = k
        f["reconstruction_rss"] = rss
        f["ismrmrd_header"] = b"<ismrmrdHeader/>"
        f.attrs["acquisition"] = "AXT2"
        f.attrs["max"] = float(rss.max())
        f.attrs["patient_id"] = hashlib.sha256(path.encode()).hexdigest()[:16]


@unittest.skipIf(h5py is None, "python3-h5py is not installed (scripts/setup.sh installs it)")
class FastMRIStudy(unittest.TestCase):
    def test_run_on_a_fastmri_folder(self):
        tmp = tempfile.mkdtemp(prefix="mrvet-fastmri-run-")
        try:
            data = os.path.join(tmp, "multicoil_test")
            os.makedirs(data)
            rng = np.random.default_rng(0)
            for name in ("file_a.h5", "file_b.h5"):
                write_volume(os.path.join(data, name), rng)
            study = os.path.join(tmp, "study.yaml")
            with open(study, "w") as f:
                f.write(f"""study: fastmri-folder
seed: 3
dataset: {{kind: fastmri, path: "{data}"}}
undersampling: {{acceleration: 4, center_fraction: 0.08}}
models:
  - {{name: zf, adapter: builtin, model: zero_filled}}
perturbations:
  - {{family: noise, severities: [2, 4], repeats: 1}}
metrics: [psnr, ssim, nmse]
""")
            db = os.path.join(tmp, "run.db")
            p = subprocess.run([MRVET, "run", study, "--db", db, "--quiet"],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            con = sqlite3.connect(db)
            # 2 files x 2 slices = 4 cases, each clean + 2 severities, 3 metrics
            self.assertEqual(con.execute("SELECT count(*) FROM results").fetchone()[0],
                             4 * 3 * 3)
            self.assertEqual(con.execute(
                "SELECT count(*) FROM results WHERE value IS NULL").fetchone()[0], 0)
            # the clean zero-filled output, cropped to the 32 x 32 reference grid,
            # is close to the reference: PSNR well above what a misaligned crop gives
            clean = [r[0] for r in con.execute(
                "SELECT r.value FROM results r JOIN perturbations p ON p.id ="
                " r.perturbation_id WHERE p.family = 'none' AND r.metric = 'psnr'")]
            self.assertEqual(len(clean), 4)
            self.assertTrue(all(v > 15 for v in clean), clean)
            prov = dict(con.execute(
                "SELECT name, sha256 FROM provenance WHERE kind = 'input_file'"))
            con.close()
            self.assertEqual(len(prov), 2)
            for path, sha in prov.items():
                with open(path, "rb") as f:
                    self.assertEqual(sha, hashlib.sha256(f.read()).hexdigest())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
