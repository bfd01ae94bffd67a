#!/usr/bin/python3
"""adapters/python/mrvet_worker.py's tensor-file functions against h5py as
the oracle: request files written by others (chunked, compressed, or
contiguous) read to the same values, contiguous ones mapped without a copy;
write_in_place fills a pre-made contiguous dataset that h5py then reads
back bit for bit, and refuses (writing nothing) what does not fit.

usage: test_exec_helper.py PATH/TO/mrvet [BUILD_DIR]
"""
import os
import sys
import tempfile
import unittest

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "adapters", "python"))
import mrvet_worker  # noqa: E402


class Helper(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(3)
        self.k = (rng.standard_normal((1, 3, 16, 12))
                  + 1j * rng.standard_normal((1, 3, 16, 12))).astype(np.complex64)
        self.mask = (rng.random(12) > 0.5).astype(np.uint8)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_files_written_by_others(self):
        p = self.path("in.h5")
        with h5py.File(p, "w") as f:
            f.create_dataset("kspace", data=self.k, chunks=(1, 1, 16, 12), compression="gzip")
            f.create_dataset("mask", data=self.mask)  # contiguous
            f.attrs["spacing"] = [3.0, 1.0, 0.5]
        args = mrvet_worker.read_request(p)
        self.assertTrue(np.array_equal(args["kspace"], self.k))
        self.assertEqual(args["kspace"].dtype, np.complex64)
        self.assertTrue(np.array_equal(args["mask"], self.mask))
        self.assertFalse(args["mask"].flags.owndata)  # mapped, not copied
        self.assertEqual(args["spacing"], (3.0, 1.0, 0.5))
        args["mask"][0] ^= 1  # copy-on-write: the file keeps its bytes
        with h5py.File(p, "r") as f:
            self.assertTrue(np.array_equal(f["mask"][()], self.mask))

    def test_layout_from_the_request(self):
        p = self.path("in.h5")
        with h5py.File(p, "w") as f:
            f.create_dataset("kspace", data=self.k)
            off = f["kspace"].id.get_offset()
        layout = {"kspace": {"offset": off, "dtype": "<c8", "shape": list(self.k.shape)}}
        got = mrvet_worker.read_request(p, layout)["kspace"]
        self.assertTrue(np.array_equal(got, self.k))
        bad = {"kspace": {"offset": off + 8, "dtype": "<c8", "shape": list(self.k.shape)}}
        with self.assertRaises(ValueError):  # past the end of the file
            mrvet_worker.read_request(p, bad)

    def test_write_in_place(self):
        p = self.path("out.h5")
        with h5py.File(p, "w") as f:
            f.create_dataset("reconstruction", shape=(1, 16, 12), dtype=np.float32)
            f["reconstruction"][...] = np.nan
            off = f["reconstruction"].id.get_offset()
        outputs = {"reconstruction": {"offset": off, "dtype": "<f4", "shape": [1, 16, 12]}}
        img = np.abs(self.k).sum(axis=1)  # float32
        wide = img.astype(np.float64) / 3  # converted to float32 on the way
        self.assertTrue(mrvet_worker.write_in_place(p, outputs, "reconstruction", wide))
        with h5py.File(p, "r") as f:
            back = f["reconstruction"][()]
        self.assertEqual(back.tobytes(), wide.astype(np.float32).tobytes())
        for other in (img[:, :-1], (img * 100).astype(np.int32), {"synthesis": img}):
            self.assertFalse(mrvet_worker.write_in_place(p, outputs, "reconstruction", other))
        with h5py.File(p, "r") as f:  # untouched by the refusals
            self.assertEqual(f["reconstruction"][()].tobytes(), back.tobytes())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
