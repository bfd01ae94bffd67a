#!/usr/bin/python3
"""Integration: `mrvet list datasets` and `mrvet inspect` on files made here
with h5py and numpy (independent writers); fingerprints checked against
Python's hashlib.

usage: test_inspect.py PATH/TO/mrvet BUILD_DIR
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

MRVET = None


def run(*args, check=True, env=None):
    p = subprocess.run([MRVET, *args], capture_output=True, text=True, timeout=300,
                       env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"mrvet {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fastmri_file(path, slices=2):
    k = (np.arange(slices * 3 * 8 * 6).reshape(slices, 3, 8, 6) * (1 + 0.5j)).astype(np.complex64)
    with h5py.File(path, "w") as f:
        f.create_dataset("kspace", data=k)
        f.create_dataset("reconstruction_rss", data=np.ones((slices, 4, 4), np.float32))
        f.attrs["acquisition"] = "AXFLAIR"
        f.attrs["max"] = 1.5


class Inspect(unittest.TestCase):
    def test_list_datasets(self):
        out = run("list", "datasets").stdout
        for kind in ("phantom", "colin27", "colin27_3d", "fastmri", "nifti", "cfl", "ismrmrd"):
            self.assertRegex(out, rf"(?m)^{kind}\s", kind)

    def test_fastmri_file(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "vol.h5")
            fastmri_file(p)
            out = run("inspect", p).stdout
            self.assertIn("/kspace", out)
            self.assertIn("(2, 3, 8, 6) complex64", out)
            self.assertIn("/reconstruction_rss", out)
            self.assertIn("@acquisition", out)
            self.assertIn("AXFLAIR", out)
            self.assertIn("test set: kind fastmri, 2 cases", out)
            self.assertIn("kspace     (1, 3, 8, 6) c64", out)
            self.assertIn("meta       anatomy = brain", out)
            self.assertIn(f"{sha(p)}  {p}", out)

    def test_folder_with_bad_file(self):
        with tempfile.TemporaryDirectory() as d:
            a, b, bad = (os.path.join(d, n) for n in ("a.h5", "b.h5", "c_bad.h5"))
            fastmri_file(a, 2)
            fastmri_file(b, 1)
            with h5py.File(bad, "w") as f:
                f.create_dataset("kspace", data=np.zeros((4, 4), np.float32))
            out = run("inspect", d).stdout
            self.assertIn("3 cases, 2 files, 1 bad file skipped", out)
            self.assertIn("c_bad.h5: dataset 'kspace' is (4, 4) float32, expected complex64",
                          out)
            lines = "".join(f"{sha(p)}  {os.path.basename(p)}\n" for p in (a, b))
            whole = hashlib.sha256(lines.encode()).hexdigest()
            self.assertIn(f"{whole}  (set:", out)

    def test_builtin_and_missing(self):
        out = run("inspect", "phantom").stdout
        self.assertIn("test set: kind phantom, 5 cases", out)
        p = run("inspect", "/nonexistent/x.h5", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/x.h5: no such file or folder", p.stderr)
        p = run("inspect", check=False)
        self.assertEqual(p.returncode, 2)

    def test_empty_folder(self):
        with tempfile.TemporaryDirectory() as d:
            p = run("inspect", d, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn(d, p.stderr)
            p = run("inspect", "--kind", "fastmri", d, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("holds no .h5 file", p.stderr)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]], verbosity=2)
