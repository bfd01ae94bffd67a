#!/usr/bin/python3
"""Shape-changing acquisition shifts (coil_compress, coil_subset, resolution)
through the real binary, against independent oracles:

- `mrvet perturb` writes the reshaped k-space in fastMRI layout (h5py reads
  the shapes); compressed coils carry the energies numpy.linalg.svd predicts
  (sigma_v^2, and |virtual coil v| = |u_v^H A|); a subset holds exactly the
  coils it names; resolution holds exactly the central window.
- `mrvet run`: every model has a number for every item (phantom study and a
  fastMRI-layout file with readout oversampling, whose outputs are
  interpolated then centre-cropped); the zero-filled built-in's PSNR falls
  with every severity step on average; the drawn parameters and the scoring
  choice are stored with each item; an exec worker computing the zero-filled
  image in numpy on the reshaped tensors stores the built-in's numbers; a
  worker answering on the clean grid whatever it was given fails exactly the
  resolution items, with a shape message.

usage: test_reshape.py PATH/TO/mrvet [BUILD_DIR]
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
except ImportError:  # the set-up installs python3-h5py; say so rather than pass
    h5py = None

MRVET = None
HERE = os.path.dirname(os.path.abspath(__file__))
PYHELPER = os.path.join(HERE, "..", "..", "adapters", "python")


def fft2c(x):
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x, axes=(-2, -1)), norm="ortho"),
                           axes=(-2, -1))


def ifft2c(k):
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=(-2, -1)), norm="ortho"),
                           axes=(-2, -1))


def write_fastmri(path, slices=2, coils=6, ny=40, nx=36, crop=24, seed=5):
    """Coils that are distinct mixtures of an object seen through smooth
    phases: well separated singular values."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[-1:1:ny * 1j, -1:1:nx * 1j]
    k = np.empty((slices, coils, ny, nx), np.complex64)
    for s in range(slices):
        obj = ((xx / 0.7) ** 2 + (yy / (0.5 + 0.1 * s)) ** 2 < 1).astype(float)
        obj += 0.5 * (((xx - 0.2) / 0.2) ** 2 + (yy / 0.3) ** 2 < 1)
        for c in range(coils):
            sens = (1 + 0.6 * c * yy + 0.3 * xx ** 2) * np.exp(1j * (c * 0.8 + 0.5 * xx))
            k[s, c] = fft2c(obj * sens) * (1.0 + 0.1 * c)
        k[s] += (0.01 * (rng.standard_normal(k[s].shape)
                         + 1j * rng.standard_normal(k[s].shape))).astype(np.complex64)
    img = np.sqrt((np.abs(ifft2c(k)) ** 2).sum(axis=1))
    y0, x0 = (ny - crop) // 2, (nx - crop) // 2
    rss = img[:, y0:y0 + crop, x0:x0 + crop].astype(np.float32)
    with h5py.File(path, "w") as f:
        f["kspace"] = k
        f["reconstruction_rss"] = rss
        f["ismrmrd_header"] = b"<ismrmrdHeader/>"
        f.attrs["acquisition"] = "AXT2"
        f.attrs["max"] = float(rss.max())
    return k


def perturb(tmp, inp, family, sev):
    out = os.path.join(tmp, "%s_%d.h5" % (family, sev))
    p = subprocess.run([MRVET, "perturb", inp, "-p", family, "-s", str(sev), "--seed", "3",
                        "-o", out], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError(p.stderr)
    with h5py.File(out) as f:
        k = f["kspace"][()]
        ref = f["reconstruction_rss"][()]
    with open(out[:-3] + ".json") as f:
        side = json.load(f)
    return k, ref, side


WORKER = """
import sys
sys.path.insert(0, {helper!r})
import numpy as np
import mrvet_worker

MODE = sys.argv[1]

def recon(kspace, output_shape=None, **_):
    img = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(kspace, axes=(-2, -1)), norm="ortho"),
                          axes=(-2, -1))
    rss = np.sqrt((np.abs(img) ** 2).sum(axis=1)).astype(np.float32)
    if MODE == "fixed":  # answers on the clean grid, whatever it was given
        return np.ones((kspace.shape[0], 96, 96), np.float32)
    return rss

mrvet_worker.serve(recon)
"""

STUDY = """study: shapes
seed: 11
dataset: {{kind: phantom, matrix: 96, coils: 8}}
models:
  - {{name: zf, adapter: builtin, model: zero_filled}}
  - {{name: sense, adapter: builtin, model: cg_sense, settings: {{iterations: "10"}}}}
  - {{name: numpy, adapter: exec, model: "/usr/bin/python3 {worker} good"}}
  - {{name: fixed, adapter: exec, model: "/usr/bin/python3 {worker} fixed"}}
perturbations:
  - {{family: coil_compress, severities: [1, 2, 3, 4, 5]}}
  - {{family: coil_subset, severities: [1, 2, 3, 4, 5]}}
  - {{family: resolution, severities: [1, 2, 3, 4, 5]}}
  - {{family: resolution_zf, severities: [1, 2, 3, 4, 5]}}
metrics: [psnr, ssim]
"""


@unittest.skipIf(h5py is None, "python3-h5py is not installed (scripts/setup.sh installs it)")
class Reshape(unittest.TestCase):
    def test_perturb_files_against_numpy(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-reshape-") as tmp:
            inp = os.path.join(tmp, "vol.h5")
            clean = write_fastmri(inp)
            S, C, ny, nx = clean.shape

            k, ref, side = perturb(tmp, inp, "coil_compress", 3)  # fraction 0.5
            self.assertEqual(k.shape, (S, 3, ny, nx))
            self.assertEqual(k.dtype, np.complex64)
            self.assertEqual(ref.shape, (S, 24, 24))  # the clean reference, unchanged
            for s in range(S):
                A = clean[s].reshape(C, -1).astype(np.complex128)
                U, sv, _ = np.linalg.svd(A, full_matrices=False)
                e = sv ** 2
                drawn = side["cases"][s]["drawn"]
                self.assertEqual((drawn["coils_in"], drawn["coils_out"]), (C, 3))
                self.assertAlmostEqual(drawn["energy_kept"], e[:3].sum() / e.sum(), delta=1e-6)
                Y = k[s].reshape(3, -1).astype(np.complex128)
                for v in range(3):
                    self.assertAlmostEqual((np.abs(Y[v]) ** 2).sum() / e[v], 1.0, delta=1e-4)
                    proj = np.abs(U[:, v].conj() @ A)
                    self.assertLess(np.abs(np.abs(Y[v]) - proj).max(), 1e-4 * proj.max())

            k, _, side = perturb(tmp, inp, "coil_subset", 2)  # fraction 0.65: 4 of 6
            self.assertEqual(k.shape, (S, 4, ny, nx))
            for s in range(S):
                kept = side["cases"][s]["kept_coils"]
                self.assertEqual(len(kept), 4)
                self.assertEqual(kept, sorted(set(kept)))
                self.assertTrue(np.array_equal(k[s], clean[s][kept]))

            k, ref, side = perturb(tmp, inp, "resolution", 3)  # fraction 0.5
            self.assertEqual(k.shape, (S, C, 20, 18))
            self.assertEqual(ref.shape, (S, 24, 24))
            y0, x0 = ny // 2 - 10, nx // 2 - 9
            self.assertTrue(np.array_equal(k, clean[:, :, y0:y0 + 20, x0:x0 + 18]))
            d = side["cases"][0]["drawn"]
            self.assertEqual((d["ny_acquired"], d["nx_acquired"]), (20, 18))

            p = subprocess.run([MRVET, "perturb", inp, "-p", "noise+coil_subset", "-s", "1",
                                "-o", os.path.join(tmp, "x.h5")], capture_output=True, text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("'coil_subset' changes the array shapes", p.stderr)

    def test_run_phantom(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-reshape-") as tmp:
            worker = os.path.join(tmp, "worker.py")
            with open(worker, "w") as f:
                f.write(WORKER.format(helper=os.path.abspath(PYHELPER)))
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write(STUDY.format(worker=worker))
            db = os.path.join(tmp, "s.db")
            p = subprocess.run([MRVET, "run", study, "--db", db, "--quiet", "--jobs", "2"],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(p.returncode, 3, p.stderr)  # the `fixed` model failed items
            con = sqlite3.connect(db)
            rows = con.execute(
                "SELECT u.model, c.case_key, p.family, p.severity, r.metric, r.value,"
                " r.null_reason, p.params FROM results r JOIN runs u ON u.id = r.run_id"
                " JOIN cases c ON c.id = r.case_id"
                " JOIN perturbations p ON p.id = r.perturbation_id").fetchall()
            con.close()
            items = {(r[1], r[2], r[3]) for r in rows}
            self.assertEqual(len(items), 5 * (1 + 20))
            for model in ("zf", "sense", "numpy", "fixed"):
                mine = [r for r in rows if r[0] == model]
                self.assertEqual(len(mine), len(items) * 2, model)  # every item, both metrics
            ok = [r for r in rows if r[0] in ("zf", "sense", "numpy")]
            self.assertTrue(all(r[5] is not None for r in ok), [r for r in ok if r[5] is None][:2])
            # a model answering on the clean grid fails exactly the resolution items
            fixed = [r for r in rows if r[0] == "fixed"]
            for r in fixed:
                if r[2] == "resolution":
                    self.assertIsNone(r[5])
                    self.assertIn("failed: model fixed", r[6])
                    self.assertIn("expected (1, ", r[6])
                else:
                    self.assertIsNotNone(r[5], r)
            # the numpy worker on the reshaped tensors = the built-in
            val = {(r[0], r[1], r[2], r[3], r[4]): r[5] for r in rows}
            for (case, fam, sev) in items:
                for metric in ("psnr", "ssim"):
                    a, b = val[("numpy", case, fam, sev, metric)], val[("zf", case, fam, sev,
                                                                         metric)]
                    self.assertAlmostEqual(a, b, delta=1e-4 * abs(b) + 1e-6)
            # zero-filled PSNR falls with every severity step, on average over cases
            for fam in ("coil_compress", "coil_subset", "resolution", "resolution_zf"):
                means = []
                for sev in range(6):
                    f = "none" if sev == 0 else fam
                    v = [r[5] for r in rows if r[0] == "zf" and r[2] == f and r[3] == sev
                         and r[4] == "psnr"]
                    self.assertEqual(len(v), 5)
                    means.append(np.mean(v))
                self.assertTrue(all(a > b for a, b in zip(means, means[1:])), (fam, means))
            # what was drawn and how it was scored, stored with each item
            params = {(r[1], r[2], r[3]): json.loads(r[7]) for r in rows}
            for (case, fam, sev), prm in params.items():
                if fam in ("none", "resolution_zf"):  # the shape is kept
                    self.assertNotIn("reshape", prm)
                    continue
                rs = prm["reshape"]
                want_coils = [8, 6, 5, 4, 3, 2][sev]
                if fam == "resolution":
                    n = [96, 77, 64, 48, 38, 32][sev]
                    self.assertEqual(rs["kspace"], [1, 8, n, n])
                    self.assertIn("Fourier-interpolated to 96 x 96", rs["output"])
                    self.assertEqual(prm["undersampling"]["lines_total"], n)
                    self.assertEqual((prm["ny_acquired"], prm["nx_acquired"]), (n, n))
                else:
                    self.assertEqual(rs["kspace"], [1, want_coils, 96, 96])
                    self.assertEqual(prm["coils_out"], want_coils)
                    self.assertTrue(0 < prm["energy_kept"] <= 1)
                    self.assertEqual(prm["undersampling"]["lines_total"], 96)
                if fam == "coil_subset":
                    self.assertEqual(len(rs["kept_coils"]), want_coils)

    def test_run_fastmri_oversampled(self):
        """640 x 368-like geometry in small: outputs on a smaller matrix are
        interpolated to the k-space grid, then centre-cropped to the 24 x 24
        reference; numbers exist for every item, equal on 1 or 2 threads."""
        with tempfile.TemporaryDirectory(prefix="mrvet-reshape-") as tmp:
            folder = os.path.join(tmp, "set")
            os.mkdir(folder)
            write_fastmri(os.path.join(folder, "vol.h5"))
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write("study: f\nseed: 2\ndataset: {kind: fastmri, path: %s}\n"
                        "models:\n  - {name: zf, adapter: builtin, model: zero_filled}\n"
                        "perturbations:\n  - {family: resolution, severities: [1, 3, 5]}\n"
                        "  - {family: coil_compress, severities: [5]}\n"
                        "metrics: [psnr, ssim, nmse]\n" % folder)
            stores = []
            for jobs in ("1", "2"):
                db = os.path.join(tmp, "s%s.db" % jobs)
                p = subprocess.run([MRVET, "run", study, "--db", db, "--quiet", "--jobs", jobs],
                                   capture_output=True, text=True, timeout=300)
                self.assertEqual(p.returncode, 0, p.stderr)
                con = sqlite3.connect(db)
                stores.append(con.execute(
                    "SELECT c.case_key, p.family, p.severity, p.params, r.metric, r.value"
                    " FROM results r JOIN perturbations p ON p.id = r.perturbation_id"
                    " JOIN cases c ON c.id = r.case_id ORDER BY 1, 2, 3, 5").fetchall())
                con.close()
            self.assertEqual(stores[0], stores[1])  # the same bytes on 1 or 2 threads
            rows = [r for r in stores[0] if r[4] == "psnr"]
            self.assertEqual(len(rows), 2 * 5)
            self.assertTrue(all(r[5] is not None and np.isfinite(r[5]) for r in rows))

    def test_study_refuses_chains(self):
        with tempfile.TemporaryDirectory(prefix="mrvet-reshape-") as tmp:
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write("study: c\ndataset: {kind: phantom}\n"
                        "models:\n  - {name: zf, adapter: builtin, model: zero_filled}\n"
                        "perturbations:\n  - {chain: [noise, resolution]}\n")
            p = subprocess.run([MRVET, "run", study, "--db", os.path.join(tmp, "s.db")],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("'resolution' changes the array shapes and runs alone", p.stderr)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
