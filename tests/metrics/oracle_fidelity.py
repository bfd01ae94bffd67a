"""Independent oracle for metrics/fidelity.c: fastMRI evaluate.py's metrics.

Usage: oracle_fidelity.py REF.f32 OUT.f32 SLICES NY NX
REF/OUT are raw little-endian float32 volumes (slices, ny, nx), C order.
Prints "psnr nmse ssim" on one line with 17 significant digits.

The formulas are those of facebookresearch/fastMRI fastmri/evaluate.py
(nmse, psnr, ssim), with the volumes cast to float64 first so the oracle
measures the convention, not float32 filtering round-off.
"""
import sys

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def nmse(gt, pred):
    return np.linalg.norm(gt - pred) ** 2 / np.linalg.norm(gt) ** 2


def psnr(gt, pred, maxval=None):
    maxval = gt.max() if maxval is None else maxval
    return peak_signal_noise_ratio(gt, pred, data_range=maxval)


def ssim(gt, pred, maxval=None):
    if gt.ndim != 3:
        raise ValueError("unexpected number of dimensions")
    maxval = gt.max() if maxval is None else maxval
    total = 0.0
    for s in range(gt.shape[0]):
        total += structural_similarity(gt[s], pred[s], data_range=maxval)
    return total / gt.shape[0]


def main(argv):
    ref_path, out_path = argv[1], argv[2]
    shape = tuple(int(v) for v in argv[3:6])
    gt = np.fromfile(ref_path, dtype="<f4").reshape(shape).astype(np.float64)
    pred = np.fromfile(out_path, dtype="<f4").reshape(shape).astype(np.float64)
    print("%.17g %.17g %.17g" % (psnr(gt, pred), nmse(gt, pred), ssim(gt, pred)))


if __name__ == "__main__":
    main(sys.argv)
