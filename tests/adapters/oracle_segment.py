"""Oracle for tests/adapters/test_builtin.c: the classical segmenter with
scikit-image and scipy.

usage: oracle_segment.py RAW NZ NY NX OUT
RAW holds NZ*NY*NX float32 (C order). Writes OUT (uint8 mask, C order) and
prints the Otsu threshold and the foreground mean.
"""
import sys

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu

raw, nz, ny, nx, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    sys.argv[5]
img = np.fromfile(raw, dtype=np.float32).reshape(nz, ny, nx)
t = threshold_otsu(img, nbins=256)
fg = img > t
lab, n = ndimage.label(fg)  # face connectivity in 3-D
if n > 1:
    sizes = ndimage.sum(fg, lab, range(1, n + 1))
    fg = lab == (1 + int(np.argmax(sizes)))
fg = np.stack([ndimage.binary_fill_holes(s) for s in fg])
fg.astype(np.uint8).tofile(out)
print("%.9g %.9g" % (t, img[fg].astype(np.float64).mean()))
