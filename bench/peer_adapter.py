"""numpy/h5py peer of bench/bench_adapter.c: the time to write and read
the same arrays once as an HDF5 file in /dev/shm with h5py (median of N).

usage: peer_adapter.py N   -> prints "image_ms kspace_ms"
"""
import os
import sys
import tempfile
import time

import h5py
import numpy as np


def roundtrip(arr, reps):
    d = tempfile.mkdtemp(dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    path = os.path.join(d, "a.h5")
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        with h5py.File(path, "w") as f:
            f.create_dataset("a", data=arr)
        with h5py.File(path, "r") as f:
            back = f["a"][()]
        times.append(time.perf_counter() - t)
        assert back.shape == arr.shape
    os.unlink(path)
    os.rmdir(d)
    return 1e3 * float(np.median(times))


n = int(sys.argv[1])
rng = np.random.default_rng(0)
img = rng.standard_normal((1, 320, 320)).astype(np.float32)
ksp = (rng.standard_normal((1, 15, 640, 368)) + 1j * rng.standard_normal((1, 15, 640, 368))) \
    .astype(np.complex64)
print("%.3f %.3f" % (roundtrip(img, n), roundtrip(ksp, n)))
