"""Peer of bench/bench_datasets.c: the same reads with h5py and
gzip + numpy (nibabel is not in Debian 12's base set), one thread.
usage: bench_datasets_peer.py WORKDIR   (after bench_datasets wrote vol.h5)"""
import gzip
import struct
import sys
import time

import h5py
import numpy as np


def best_of(fn, n=3):
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def slices():
    s = 0.0
    with h5py.File(sys.argv[1] + "/vol.h5", "r") as f:
        k = f["kspace"]
        for i in range(k.shape[0]):
            s += float(k[i].reshape(-1)[12345].real)
    return s


def nifti():
    b = gzip.open("/usr/share/mricron/templates/ch2.nii.gz").read()
    dims = struct.unpack_from("<8h", b, 40)
    off = int(struct.unpack_from("<f", b, 108)[0])
    n = dims[1] * dims[2] * dims[3]
    a = np.frombuffer(b, np.uint8, n, off).astype(np.float32)
    return float(a.sum(dtype=np.float64))


t, s = best_of(slices)
print(f"fastmri_slices {t:.6f} {s:.6g}")
t, s = best_of(nifti)
print(f"nifti_ch2_gz {t:.6f} {s:.6g}")
