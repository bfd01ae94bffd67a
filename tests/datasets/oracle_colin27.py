"""Independent oracle for the colin27 set: read ch2/ch2bet with gzip +
numpy (NIfTI-1 header by struct), resample one axial plane with
scipy.ndimage.map_coordinates (order 1 for the image, nearest for the brain
mask), on the grid documented in docs/datasets/colin27.md, and write the
expected image (float32) and mask (uint8) as raw files.

usage: oracle_colin27.py TEMPLATES_DIR N Z_MM OUT_IMAGE OUT_MASK
"""
import gzip
import struct
import sys

import numpy as np
from scipy.ndimage import map_coordinates


def load(path):
    b = gzip.open(path).read()
    dim = struct.unpack_from("<8h", b, 40)
    code = struct.unpack_from("<h", b, 70)[0]
    off = int(struct.unpack_from("<f", b, 108)[0])
    slope, inter = struct.unpack_from("<2f", b, 112)
    srow_z = struct.unpack_from("<4f", b, 280 + 32)
    dt = {2: np.uint8, 4: np.int16, 16: np.float32}[code]
    nx, ny, nz = dim[1:4]
    v = np.frombuffer(b[off:], dtype=dt, count=nx * ny * nz).reshape(nz, ny, nx).astype(np.float64)
    if slope not in (0.0,):
        v = v * slope + inter
    return v, srow_z


def main():
    tdir, n, z, out_img, out_mask = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
        sys.argv[4], sys.argv[5]
    head, srow_z = load(tdir + "/ch2.nii.gz")
    bet, _ = load(tdir + "/ch2bet.nii.gz")
    k = int(round((z - srow_z[3]) / srow_z[2]))
    nz, ny, nx = head.shape
    h = 224.0 / n
    c = (n - 1) / 2.0
    r, q = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    i = (nx - 1) / 2.0 + (q - c) * h  # 1 mm voxels
    j = (ny - 1) / 2.0 + (c - r) * h
    img = map_coordinates(head[k], [j, i], order=1, mode="constant", cval=0.0)
    inside = (j >= 0) & (j <= ny - 1) & (i >= 0) & (i <= nx - 1)
    img = np.where(inside, img, 0.0) / head.max()
    m = map_coordinates((bet[k] > 0).astype(np.float64), [j, i], order=0, mode="constant",
                        cval=0.0)
    img.astype("<f4").tofile(out_img)
    (m > 0.5).astype(np.uint8).tofile(out_mask)
    print("ok", k)


main()
