"""Peer side of bench/run_metrics.sh: scikit-image SSIM and the scipy
EDT-based HD95 (MONAI's surface convention, and DeepMind surface-distance's
algorithm written in numpy/scipy) on the arrays bench_metrics wrote,
single-threaded. Prints "name seconds value" per case.

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


def hd95_deepmind(a, b, sp, area):
    # surface-distance's compute_surface_distances + compute_robust_hausdorff
    # (95), written from its conventions: crop to the bounding box of a | b
    # padded by one voxel at the end, 2x2x2 neighbour codes by
    # ndimage.correlate, corners with mixed codes as surfels, EDT of each
    # surfel set, area-weighted percentile without interpolation. `area`
    # (the 256-entry table for this spacing) is built outside the timing, as
    # the library's table is a constant.
    idx = np.nonzero(a | b)
    lo = [i.min() for i in idx]
    hi = [i.max() for i in idx]
    kernel = np.array([[[128, 64], [32, 16]], [[8, 4], [2, 1]]])

    def surfels(m):
        crop = np.zeros([h - l + 2 for l, h in zip(lo, hi)], np.uint8)
        crop[:-1, :-1, :-1] = m[lo[0]:hi[0] + 1, lo[1]:hi[1] + 1, lo[2]:hi[2] + 1]
        code = ndimage.correlate(crop, kernel, mode="constant", cval=0)
        return code, (code != 0) & (code != 255)

    ca, ba = surfels(a)
    cb, bb = surfels(b)
    dab = ndimage.distance_transform_edt(~bb, sampling=sp)[ba]
    dba = ndimage.distance_transform_edt(~ba, sampling=sp)[bb]

    def robust(dist, w):
        order = np.argsort(dist)
        dist, w = dist[order], w[order]
        cum = np.cumsum(w) / np.sum(w)
        return dist[min(np.searchsorted(cum, 0.95), len(dist) - 1)]

    return max(robust(dab, area[ca[ba]]), robust(dba, area[cb[bb]]))


def surfel_area_table(sp):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "tests", "metrics"))
    import gen_surfel_table
    f = np.array([sp[1] * sp[2], sp[0] * sp[2], sp[0] * sp[1]])
    return np.array([sum(np.linalg.norm(np.array(t) / 8.0 * f)
                         for t in gen_surfel_table.triangles(c)) for c in range(256)])


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
    area = surfel_area_table((1.0, 1.0, 1.0))
    t, v = best(lambda: hd95_deepmind(a, b, (1.0, 1.0, 1.0), area), 2)
    print("hd95_brain_deepmind %.6g %.12f" % (t, v))


if __name__ == "__main__":
    main(sys.argv[1])
