"""Independent oracle for the metrics added to metrics/fidelity.c.

Usage: oracle_fidelity_ext.py REF.f32 OUT.f32 MASK.u8 SLICES NY NX
Raw little-endian float32 volumes and a uint8 mask, C order.
Prints "ssim_gauss ssim3d mae hfen ssim_masked hfen3d hfen3d_masked" (17
significant digits):
  ssim_gauss  mean over slices of skimage structural_similarity(
              gaussian_weights=True, sigma=1.5, use_sample_covariance=False),
              data_range = reference volume max
  ssim3d      skimage structural_similarity on the 3D volume (win 7)
  mae         mean |ref - out|
  hfen        ||LoG(ref) - LoG(out)|| / ||LoG(ref)||, MATLAB fspecial('log',
              15, 1.5) built here, scipy.ndimage.convolve mode='constant'
  ssim_masked mean of the full skimage SSIM map (win 7) over mask voxels
              inside the cropped border, pooled over slices
  hfen3d      the same as hfen with the explicit 15x15x15 kernel of the 3D
              LoG (Gaussian normalised to sum 1, times (r^2 - 3 sigma^2) /
              sigma^4, minus its mean), sigma 1.5 voxels, one
              scipy.ndimage.convolve over the volume, mode='constant'
  hfen3d_masked  hfen3d with both norms summed over mask voxels only
"""
import sys

import numpy as np
from scipy import ndimage
from skimage.metrics import structural_similarity


def fspecial_log(size=15, sigma=1.5):
    r = (size - 1) // 2
    y, x = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float64)
    h = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    h /= h.sum()
    h1 = h * (x * x + y * y - 2 * sigma * sigma) / sigma ** 4
    return h1 - h1.sum() / h1.size


def log3d(size=15, sigma=1.5):
    r = (size - 1) // 2
    z, y, x = np.mgrid[-r:r + 1, -r:r + 1, -r:r + 1].astype(np.float64)
    r2 = x * x + y * y + z * z
    h = np.exp(-r2 / (2 * sigma * sigma))
    h /= h.sum()
    h1 = h * (r2 - 3 * sigma * sigma) / sigma ** 4
    return h1 - h1.sum() / h1.size


def main(argv):
    shape = tuple(int(v) for v in argv[4:7])
    gt = np.fromfile(argv[1], dtype="<f4").reshape(shape).astype(np.float64)
    pr = np.fromfile(argv[2], dtype="<f4").reshape(shape).astype(np.float64)
    mask = np.fromfile(argv[3], dtype=np.uint8).reshape(shape) != 0
    R = gt.max()
    g = np.mean([structural_similarity(gt[s], pr[s], data_range=R, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False)
                 for s in range(shape[0])])
    s3 = structural_similarity(gt, pr, data_range=R) if min(shape) >= 7 else float("nan")
    mae = np.abs(gt - pr).mean()
    k = fspecial_log()
    num = den = 0.0
    for s in range(shape[0]):
        lr = ndimage.convolve(gt[s], k, mode="constant")
        lo = ndimage.convolve(pr[s], k, mode="constant")
        num += ((lr - lo) ** 2).sum()
        den += (lr ** 2).sum()
    hfen = np.sqrt(num) / np.sqrt(den)
    tot, cnt = 0.0, 0
    for s in range(shape[0]):
        _, smap = structural_similarity(gt[s], pr[s], data_range=R, full=True)
        m = mask[s].copy()
        m[:3, :] = m[-3:, :] = False
        m[:, :3] = m[:, -3:] = False
        tot += smap[m].sum()
        cnt += m.sum()
    k3 = log3d()
    lr3 = ndimage.convolve(gt, k3, mode="constant")
    lo3 = ndimage.convolve(pr, k3, mode="constant")
    hfen3d = np.sqrt(((lr3 - lo3) ** 2).sum()) / np.sqrt((lr3 ** 2).sum())
    hfen3dm = np.sqrt(((lr3 - lo3)[mask] ** 2).sum()) / np.sqrt((lr3[mask] ** 2).sum())
    print(" ".join("%.17g" % v for v in (g, s3, mae, hfen, tot / cnt, hfen3d, hfen3dm)))


if __name__ == "__main__":
    main(sys.argv)
