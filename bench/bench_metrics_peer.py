"""Peer side of bench/run_metrics.sh: scikit-image SSIM and the scipy
EDT-based HD95 (MONAI's surface convention) on the arrays bench_metrics
wrote, single-threaded. Prints "name seconds value" per case.

Usage: bench_metrics_peer.py DIR
"""
import os
import sys
import time

import numpy as np
from scipy import ndimage
from skimage.metrics import structural_similarity


def best(fn, reps):
    t = float("inf")
    for _ in range(reps):
        t0 = time.process_time()  # CPU time, as the C side: robust to other load
        v = fn()
        t = min(t, time.process_time() - t0)
    return t, v


def hd95_monai(a, b, sp, crop=True):
    # MONAI get_mask_edges(crop=True): crop to the bounding box of a | b
    # first (fair to the peer: it shrinks the EDTs as ours do). crop=False
    # is the plain scipy computation on the whole volume.
    if crop:
        idx = np.nonzero(a | b)
        box = tuple(slice(i.min(), i.max() + 1) for i in idx)
        a, b = a[box], b[box]
    ea = a ^ ndimage.binary_erosion(a)
    eb = b ^ ndimage.binary_erosion(b)
    dab = ndimage.distance_transform_edt(~eb, sampling=sp)[ea]
    dba = ndimage.distance_transform_edt(~ea, sampling=sp)[eb]
    return max(np.percentile(dab, 95), np.percentile(dba, 95))


def main(d):
    def load(name, shape, dt="<f4"):
        return np.fromfile(os.path.join(d, name), dtype=dt).reshape(shape)

    for name, shape in (("s320", (320, 320)), ("s640", (640, 368))):
        x = load(name + "_a.f32", shape).astype(np.float64)
        y = load(name + "_b.f32", shape).astype(np.float64)
        R = x.max()
        t, v = best(lambda: structural_similarity(x, y, data_range=R), 5)
        print("ssim_%s %.6g %.12f" % (name, t, v))
        t, v = best(lambda: structural_similarity(x, y, data_range=R, gaussian_weights=True,
                                                  sigma=1.5, use_sample_covariance=False), 5)
        print("ssim_gauss_%s %.6g %.12f" % (name, t, v))
    vol = load("vol_a.f32", (16, 320, 320)).astype(np.float64)
    vol2 = load("vol_b.f32", (16, 320, 320)).astype(np.float64)
    R = vol.max()
    t, v = best(lambda: np.mean([structural_similarity(vol[s], vol2[s], data_range=R)
                                 for s in range(16)]), 2)
    print("ssim_volume_fastmri %.6g %.12f" % (t, v))
    t, v = best(lambda: structural_similarity(vol, vol2, data_range=R), 2)
    print("ssim3d_volume %.6g %.12f" % (t, v))
    a = load("seg_a.u8", (181, 217, 181), np.uint8) != 0
    b = load("seg_b.u8", (181, 217, 181), np.uint8) != 0
    t, v = best(lambda: hd95_monai(a, b, (1.0, 1.0, 1.0)), 2)
    print("hd95_brain %.6g %.12f" % (t, v))
    t, v = best(lambda: hd95_monai(a, b, (1.0, 1.0, 1.0), crop=False), 2)
    print("hd95_brain_fullvol %.6g %.12f" % (t, v))


if __name__ == "__main__":
    main(sys.argv[1])
