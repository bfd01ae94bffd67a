#!/usr/bin/python3
"""`mrvet perturb` on a 3D BART cfl with motion3dk. The file is written by
numpy in BART's layout ((READ, PHS1, PHS2, COIL), column-major, complex64)
from the centred 3D FFT of a blob seen by 2 coils. Laws: the output is a
BART file of the same dims; with severity 3 (one sudden move, lines
ordered kx = PHS1 inner, kz = PHS2 outer) every (PHS2, PHS1) line acquired
before the drawn jump time is bit for bit the input, every line after it
differs; the seed is the study's for case NAME. A study naming motion3dk
fails at load (no data set kind yields 3D cases).

usage: test_motion3dk_cli.py PATH/TO/mrvet [BUILD_DIR]
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

MRVET = None


def write_cfl(base, a):
    with open(base + ".hdr", "w") as f:
        f.write("# Dimensions\n" + " ".join(str(d) for d in a.shape) + " 1" * (16 - a.ndim)
                + "\n")
    a.astype(np.complex64).ravel(order="F").tofile(base + ".cfl")


def read_cfl(base):
    with open(base + ".hdr") as f:
        f.readline()
        dims = [int(v) for v in f.readline().split()]
    while len(dims) > 4 and dims[-1] == 1:
        dims.pop()
    return np.fromfile(base + ".cfl", np.complex64).reshape(dims, order="F")


class Motion3dkCli(unittest.TestCase):
    def test_lines_before_the_jump_are_untouched(self):
        R, P, Z, C = 20, 18, 12, 2
        r, p, z = np.meshgrid(np.arange(R), np.arange(P), np.arange(Z), indexing="ij")
        obj = np.exp(-((r - 9.0) ** 2 + (p - 8.0) ** 2 + (z - 6.0) ** 2) / (2 * 2.5 ** 2))
        sens = [np.cos(0.3 + 0.05 * p), np.sin(0.3 + 0.05 * p) * np.exp(0.1j * r)]
        ax = (0, 1, 2)
        k = np.stack([np.fft.fftshift(np.fft.fftn(np.fft.ifftshift(obj * s, axes=ax), axes=ax,
                                                  norm="ortho"), axes=ax) for s in sens], -1)
        with tempfile.TemporaryDirectory(prefix="mrvet-m3k-") as tmp:
            src, out = os.path.join(tmp, "vol"), os.path.join(tmp, "moved")
            write_cfl(src, k)
            res = subprocess.run([MRVET, "perturb", src + ".cfl", "-p", "motion3dk", "-s", "3",
                                  "--seed", "4", "-o", out + ".cfl"],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(res.returncode, 0, res.stderr)
            got = read_cfl(out)
            self.assertEqual(got.shape, k.shape)
            side = json.load(open(out + ".json"))
            case = side["cases"][0]
            self.assertEqual(case["case"], "vol")
            t0 = case["drawn"]["jump_time"]
            self.assertTrue(0.2 <= t0 < 0.8)
            moved = 0
            for zz in range(Z):
                for pp in range(P):
                    t = (zz * P + pp + 0.5) / (Z * P)  # kx (PHS1) inner, kz (PHS2) outer
                    a, b = got[:, pp, zz, :], k[:, pp, zz, :].astype(np.complex64)
                    if t < t0:
                        self.assertTrue(np.array_equal(a, b), (zz, pp, t, t0))
                    else:
                        self.assertFalse(np.array_equal(a, b), (zz, pp, t, t0))
                        moved += 1
            self.assertGreater(moved, 0)
            # -o must be a cfl; a study cannot use the family yet
            res = subprocess.run([MRVET, "perturb", src + ".cfl", "-p", "motion3dk", "-s", "1",
                                  "-o", out + ".h5"], capture_output=True, text=True)
            self.assertEqual(res.returncode, 2)
            self.assertIn("OUTPUT.cfl", res.stderr)
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write("study: m\ndataset: {kind: phantom}\nmodels:\n"
                        "  - {name: zf, adapter: builtin, model: zero_filled}\n"
                        "perturbations:\n  - {family: motion3dk}\n")
            res = subprocess.run([MRVET, "run", study, "--dry-run"], capture_output=True,
                                 text=True)
            self.assertEqual(res.returncode, 2)
            self.assertIn("3D Cartesian k-space", res.stderr)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
