#!/usr/bin/python3
"""`mrvet score` against an independent oracle written here from the
references' formulas:

  fastMRI (facebookresearch/fastMRI, fastmri/evaluate.py): targets and
  predictions written with h5py; both centre-cropped to (W, W), W = the
  target's width (fastmri.data.transforms.center_crop); per volume
  PSNR = skimage.metrics.peak_signal_noise_ratio(gt, pred, data_range=gt.max()),
  NMSE = ||gt - pred||^2 / ||gt||^2 and SSIM = mean over slices of
  skimage.metrics.structural_similarity(gt_s, pred_s, data_range=gt.max());
  summary mean +/- 2 SD with SD over volumes with n - 1 (runstats).
  Agreement <= 1e-5.

  NIfTI label maps: files written byte by byte from the NIfTI-1 header
  layout (nifti1.h); Dice/IoU/RVD with numpy, HD/HD95/ASSD/NSD in MONAI's
  convention (surface = mask XOR erosion, distances from
  scipy.ndimage.distance_transform_edt with the voxel spacing, numpy's
  linear percentile per direction, max of the two).

usage: test_score.py PATH/TO/mrvet [BUILD_DIR]
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

try:
    import h5py
except ImportError:
    h5py = None
try:
    from scipy import ndimage
except ImportError:
    ndimage = None
try:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
except ImportError:
    structural_similarity = None

MRVET = None
TOL = 1e-5


def score(*args):
    p = subprocess.run([MRVET, "score", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def center_crop(data, shape):
    # fastmri.data.transforms.center_crop
    assert 0 < shape[0] <= data.shape[-2] and 0 < shape[1] <= data.shape[-1]
    w_from = (data.shape[-2] - shape[0]) // 2
    h_from = (data.shape[-1] - shape[1]) // 2
    return data[..., w_from:w_from + shape[0], h_from:h_from + shape[1]]


def evaluate_py(target, recons):
    """fastMRI evaluate.py's per-volume metrics, in float64."""
    w = target.shape[-1]
    gt = center_crop(target, (w, w)).astype(np.float64)
    pred = center_crop(recons, (w, w)).astype(np.float64)
    maxval = gt.max()
    ssim = sum(structural_similarity(gt[s], pred[s], data_range=maxval)
               for s in range(gt.shape[0])) / gt.shape[0]
    return {"psnr": peak_signal_noise_ratio(gt, pred, data_range=maxval),
            "ssim": ssim,
            "nmse": np.linalg.norm(gt - pred) ** 2 / np.linalg.norm(gt) ** 2}


def image(rng, shape):
    """A smooth positive image with structure, so SSIM is far from 0 and 1."""
    s, h, w = shape
    y, x = np.mgrid[0:h, 0:w]
    vol = np.stack([np.exp(-((y - h / 2) ** 2 + (x - w / 2 - k) ** 2) / (0.1 * h * w))
                    + 0.3 * np.sin(x / 3.0 + k) ** 2 for k in range(s)])
    return (vol + 0.05 * rng.random(shape)).astype(np.float32)


def embed(rng, vol, shape, noise):
    """`vol` centred in a larger grid (as a model's 640x368 output holds the
    320x320 target), plus noise."""
    out = rng.random(shape).astype(np.float32)
    r0 = (shape[1] - vol.shape[1] // 1) // 2
    w = vol.shape[2]
    r0 = (shape[1] - w) // 2
    c0 = (shape[2] - w) // 2
    crop = center_crop(vol, (w, w))
    out[:, r0:r0 + w, c0:c0 + w] = crop
    return out + noise * rng.standard_normal(shape).astype(np.float32)


def nifti_u8(path, labels, spacing):
    """labels (nz, ny, nx) uint8; spacing (dz, dy, dx) mm; NIfTI-1 single file."""
    nz, ny, nx = labels.shape
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    struct.pack_into("<8h", h, 40, 3, nx, ny, nz, 1, 1, 1, 1)
    struct.pack_into("<hh", h, 70, 2, 8)  # DT_UINT8
    struct.pack_into("<8f", h, 76, 1.0, spacing[2], spacing[1], spacing[0], 1, 1, 1, 1)
    struct.pack_into("<f", h, 108, 352.0)
    h[123] = 2  # mm
    struct.pack_into("<hh", h, 252, 0, 1)
    struct.pack_into("<12f", h, 280, spacing[2], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0,
                     spacing[0], 0)
    h[344:348] = b"n+1\0"
    with open(path, "wb") as f:
        f.write(bytes(h) + b"\0\0\0\0" + np.ascontiguousarray(labels, np.uint8).tobytes())


def label_oracle(ref, out, sp, tol=1.0):
    a, b = ref, out
    inter = (a & b).sum()
    res = {"dice": 2 * inter / (a.sum() + b.sum()), "iou": inter / (a | b).sum(),
           "rvd": (b.sum() - a.sum()) / a.sum() if a.sum() else None}
    if not a.any() or not b.any():
        res.update(hd=None, hd95=None, assd=None, nsd=0.0)
        return res
    ea = a ^ ndimage.binary_erosion(a)
    eb = b ^ ndimage.binary_erosion(b)
    dab = ndimage.distance_transform_edt(~eb, sampling=sp)[ea]
    dba = ndimage.distance_transform_edt(~ea, sampling=sp)[eb]
    both = np.concatenate([dab, dba])
    res.update(hd=max(dab.max(), dba.max()),
               hd95=max(np.percentile(dab, 95), np.percentile(dba, 95)),
               assd=both.mean(), nsd=((dab <= tol).sum() + (dba <= tol).sum()) / both.size)
    return res


def blob(shape, centre, radii):
    z, y, x = np.mgrid[0:shape[0], 0:shape[1], 0:shape[2]]
    return sum(((g - c) / r) ** 2 for g, c, r in zip((z, y, x), centre, radii)) <= 1.0


@unittest.skipIf(h5py is None or structural_similarity is None,
                 "python3-h5py / python3-skimage missing (scripts/setup.sh installs them)")
class FastMRI(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mrvet-score-")
        self.t = os.path.join(self.tmp.name, "target")
        self.p = os.path.join(self.tmp.name, "pred")
        os.mkdir(self.t)
        os.mkdir(self.p)
        self.rng = np.random.default_rng(7)

    def tearDown(self):
        self.tmp.cleanup()

    def write_target(self, name, recon, key="reconstruction_rss", kspace=None, attrs=None,
                     extra=None):
        with h5py.File(os.path.join(self.t, name), "w") as f:
            if kspace is not None:
                f["kspace"] = kspace
            f[key] = recon
            for k, v in (extra or {}).items():
                f[k] = v
            for k, v in (attrs or {}).items():
                f.attrs[k] = v

    def write_pred(self, name, recon):
        with h5py.File(os.path.join(self.p, name), "w") as f:
            f["reconstruction"] = recon

    def test_volumes_match_evaluate_py(self):
        rng = self.rng
        want = {}
        # multi-coil file: target 40x32 (taller than wide: cropped to 32x32),
        # prediction 50x45 (odd margins)
        t = image(rng, (3, 40, 32))
        k = (rng.standard_normal((3, 2, 8, 6)) + 1j * rng.standard_normal((3, 2, 8, 6)))
        self.write_target("a.h5", t, kspace=k.astype(np.complex64),
                          attrs={"acquisition": "CORPD_FBK"})
        p = embed(rng, t, (3, 50, 45), 0.05)
        self.write_pred("a.h5", p)
        want["a.h5"] = evaluate_py(t, p)
        # no kspace (a folder of reference images only); float64 prediction
        t = image(rng, (4, 32, 32)) * 1000
        self.write_target("b.h5", t, attrs={"acquisition": "CORPDFS_FBK"})
        p = (t + 40 * rng.standard_normal(t.shape)).astype(np.float64)
        self.write_pred("b.h5", p)
        want["b.h5"] = evaluate_py(t, p.astype(np.float32))
        # single-coil: esc is the target (rss present too, ignored)
        t = image(rng, (2, 36, 36))
        k = (rng.standard_normal((2, 8, 6)) + 1j * rng.standard_normal((2, 8, 6)))
        self.write_target("c.h5", t, key="reconstruction_esc", kspace=k.astype(np.complex64),
                          extra={"reconstruction_rss": np.zeros_like(t)},
                          attrs={"acquisition": "CORPD_FBK"})
        p = t + 0.1 * rng.standard_normal(t.shape).astype(np.float32)
        self.write_pred("c.h5", p)
        want["c.h5"] = evaluate_py(t, p)

        rc, out, err = score("--target", self.t, "--predictions", self.p, "--json")
        self.assertEqual(rc, 0, err)
        js = json.loads(out)
        self.assertEqual(js["kind"], "fastmri")
        self.assertEqual([f["file"] for f in js["files"]], ["a.h5", "b.h5", "c.h5"])
        got = {f["file"]: f for f in js["files"]}
        self.assertEqual(got["c.h5"]["target_dataset"], "reconstruction_esc")
        self.assertEqual(got["a.h5"]["shape"], [3, 32, 32])
        for name, w in want.items():
            for m in ("psnr", "ssim", "nmse"):
                self.assertLessEqual(abs(got[name]["values"][m] - w[m]), TOL,
                                     (name, m, got[name]["values"][m], w[m]))
        for m in ("psnr", "ssim", "nmse"):
            v = np.array([want[n][m] for n in sorted(want)])
            s = js["summary"][m]
            self.assertEqual(s["n"], 3)
            self.assertLessEqual(abs(s["mean"] - v.mean()), TOL)
            self.assertLessEqual(abs(s["two_sd"] - 2 * v.std(ddof=1)), TOL)
        self.assertEqual(js["scored"], 3)

        # the table: every file and the evaluate.py line
        rc, out, err = score("--target", self.t, "--predictions", self.p)
        self.assertEqual(rc, 0, err)
        for n in want:
            self.assertIn(n, out)
        self.assertIn("SSIM = ", out)

        # evaluate.py's --acquisition filter (a filtered-out file needs no
        # prediction); a single file against a folder
        self.write_target("d.h5", image(rng, (1, 16, 16)), attrs={"acquisition": "AXFLAIR"})
        rc, out, err = score("-t", self.t, "-p", self.p, "--acquisition", "CORPDFS_FBK",
                             "--json", "--metrics", "ssim")
        self.assertEqual(rc, 0, err)
        js = json.loads(out)
        self.assertEqual((js["scored"], js["skipped"]), (1, 3))
        self.assertLessEqual(abs(js["summary"]["ssim"]["mean"] - want["b.h5"]["ssim"]), TOL)
        self.assertIsNone(js["summary"]["ssim"]["sd"])  # one volume: SD undefined
        rc, out, err = score("-t", os.path.join(self.t, "a.h5"), "-p", self.p, "--json")
        self.assertEqual(rc, 0, err)
        self.assertLessEqual(abs(json.loads(out)["files"][0]["values"]["psnr"]
                                 - want["a.h5"]["psnr"]), TOL)
        # --challenge multicoil forces reconstruction_rss (all zero in c.h5):
        # PSNR/NMSE undefined there, with a reason, not a number
        rc, out, err = score("-t", os.path.join(self.t, "c.h5"), "-p", self.p, "--json",
                             "--challenge", "multicoil")
        self.assertEqual(rc, 0, err)
        f = json.loads(out)["files"][0]
        self.assertEqual(f["target_dataset"], "reconstruction_rss")
        self.assertIsNone(f["values"]["nmse"])
        self.assertIn("nmse", f["reasons"])

    def test_identical_volume_is_ideal(self):
        t = image(self.rng, (2, 24, 24))
        self.write_target("x.h5", t)
        self.write_pred("x.h5", t)
        rc, out, err = score("-t", os.path.join(self.t, "x.h5"),
                             "-p", os.path.join(self.p, "x.h5"), "--json")
        self.assertEqual(rc, 0, err)
        v = json.loads(out)["files"][0]["values"]
        self.assertEqual(v["psnr"], "+inf")
        self.assertEqual(v["ssim"], 1.0)
        self.assertEqual(v["nmse"], 0.0)

    def test_bad_files_are_named_and_the_rest_scored(self):
        rng = self.rng
        t = image(rng, (2, 32, 32))
        for n in ("good.h5", "missing.h5", "nan.h5", "slices.h5", "small.h5"):
            self.write_target(n, t)
        p = t + 0.05 * rng.standard_normal(t.shape).astype(np.float32)
        self.write_pred("good.h5", p)
        bad = p.copy()
        bad[1, 20, 7] = np.nan
        self.write_pred("nan.h5", bad)
        self.write_pred("slices.h5", np.concatenate([p, p]))
        self.write_pred("small.h5", p[:, :30, :])
        rc, out, err = score("-t", self.t, "-p", self.p, "--json")
        self.assertEqual(rc, 2, err)
        self.assertIn("missing.h5: prediction is missing", err)
        self.assertIn("nan.h5", err)
        self.assertIn("NaN at (slice 1, y 20, x 7)", err)
        self.assertIn("slices.h5", err)
        self.assertIn("expected 2 slices", err)
        self.assertIn("small.h5", err)
        js = json.loads(out)
        self.assertEqual((js["scored"], js["failed"]), (1, 4))
        good = [f for f in js["files"] if f["file"] == "good.h5"][0]
        w = evaluate_py(t, p)
        self.assertLessEqual(abs(good["values"]["ssim"] - w["ssim"]), TOL)
        self.assertEqual(js["summary"]["psnr"]["n"], 1)

    def test_bad_usage(self):
        self.write_target("a.h5", image(self.rng, (1, 16, 16)))
        for args in (["-t", self.t], ["-t", self.t, "-p", self.p, "--metrics", "dice"],
                     ["-t", self.t, "-p", self.p, "--metrics", "psnr,wobble"],
                     ["-t", os.path.join(self.tmp.name, "nope"), "-p", self.p],
                     ["-t", self.t, "-p", os.path.join(self.p, "a.h5")]):
            rc, out, err = score(*args)
            self.assertEqual(rc, 2, (args, err))
            self.assertTrue(err.startswith("mrvet score:"), err)
        rc, out, err = score("--help")
        self.assertEqual(rc, 0)
        self.assertIn("evaluate.py", out)


@unittest.skipIf(ndimage is None, "python3-scipy missing (scripts/setup.sh installs it)")
class Labels(unittest.TestCase):
    def test_label_metrics_match_monai_convention(self):
        shape, sp = (10, 24, 20), (2.0, 0.8, 1.25)
        with tempfile.TemporaryDirectory(prefix="mrvet-score-nii-") as tmp:
            t, p = os.path.join(tmp, "labelsTs"), os.path.join(tmp, "pred")
            os.mkdir(t)
            os.mkdir(p)
            cases = {}
            ref = np.zeros(shape, np.uint8)
            ref[blob(shape, (5, 10, 8), (3, 6, 5))] = 1
            ref[blob(shape, (4, 16, 14), (2, 4, 3))] = 2
            out = np.zeros(shape, np.uint8)
            out[blob(shape, (5, 11, 9), (3, 5, 5))] = 1
            out[blob(shape, (5, 16, 13), (2, 4, 4))] = 2
            cases["case_001.nii"] = (ref, out)
            ref2 = np.zeros(shape, np.uint8)
            ref2[blob(shape, (6, 12, 10), (3, 7, 6))] = 1
            out2 = np.zeros(shape, np.uint8)
            out2[blob(shape, (6, 12, 11), (3, 6, 6))] = 1
            out2[0:2, 0:3, 0:3] = 3  # a label only the prediction holds
            cases["case_002.nii"] = (ref2, out2)
            for n, (a, b) in cases.items():
                nifti_u8(os.path.join(t, n), a, sp)
                nifti_u8(os.path.join(p, n), b, sp)
            rc, o, err = score("-t", t, "-p", p, "--json")
            self.assertEqual(rc, 0, err)
            js = json.loads(o)
            sp = tuple(float(np.float32(v)) for v in sp)  # the header holds float32 pixdim
            self.assertEqual(js["kind"], "labels")
            self.assertEqual(js["metrics"], ["dice", "iou", "hd", "hd95", "assd", "nsd", "rvd"])
            per = {}
            for f in js["files"]:
                a, b = cases[f["file"]]
                self.assertEqual(f["spacing_mm"], list(sp))
                labels = sorted((set(np.unique(a)) | set(np.unique(b))) - {0})
                for lab in labels:
                    w = label_oracle(a == lab, b == lab, sp)
                    for m, wv in w.items():
                        key = "%s:%d" % (m, lab)
                        got = f["values"][key]
                        if wv is None:
                            self.assertIsNone(got, key)
                            self.assertIn(key, f["reasons"])
                            continue
                        if m in ("dice", "iou"):
                            self.assertEqual(got, wv, (f["file"], key))  # exact
                        else:
                            self.assertLessEqual(abs(got - wv), 1e-4, (f["file"], key, got, wv))
                        per.setdefault(key, []).append(wv)
            for key, vals in per.items():
                s = js["summary"][key]
                self.assertEqual(s["n"], len(vals), key)
                self.assertLessEqual(abs(s["mean"] - np.mean(vals)), 1e-4, key)
                if len(vals) > 1:
                    self.assertLessEqual(abs(s["sd"] - np.std(vals, ddof=1)), 1e-4, key)
            # label 3 exists only in the prediction of case 2: Dice 0, HD undefined
            self.assertEqual(js["summary"]["hd:3"]["undefined"], 1)

            # --labels scores the same label in every file; text table
            rc, o, err = score("-t", t, "-p", p, "--labels", "2", "--metrics", "dice,hd95")
            self.assertEqual(rc, 0, err)
            self.assertIn("case_002.nii", o)
            self.assertIn("undefined values", o)  # label 2 absent from both maps of case 2

            # a prediction on another grid is an error naming the file
            nifti_u8(os.path.join(p, "case_002.nii"), out2[:, :20, :], sp)
            rc, o, err = score("-t", t, "-p", p, "--json", "--metrics", "dice")
            self.assertEqual(rc, 2)
            self.assertIn("case_002.nii", err)
            self.assertEqual(json.loads(o)["failed"], 1)


if __name__ == "__main__":
    MRVET = sys.argv[1]
    unittest.main(argv=sys.argv[:1], verbosity=2)
