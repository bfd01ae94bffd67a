"""Independent oracle for metrics/segmentation.c, written from the
conventions with scipy.ndimage (MONAI's and DeepMind surface-distance's
formulas; neither package is needed).

Usage: oracle_segmentation.py REF.u8 OUT.u8 NZ NY NX DZ DY DX TOL MODE
REF/OUT: raw uint8 label maps (NZ, NY, NX) C order, scored as mask != 0
(NZ == 1: 2D). MODE: monai | deepmind.
Prints "dice iou hd hd95 assd nsd" (17 significant digits).
"""
import math
import os
import sys

import numpy as np
from scipy import ndimage


def monai(a, b, sp, tol):
    # MONAI get_mask_edges: mask XOR binary_erosion(mask) (face connectivity,
    # border_value 0); get_surface_distance: EDT of ~edges_other, sampled.
    ea = a ^ ndimage.binary_erosion(a)
    eb = b ^ ndimage.binary_erosion(b)
    dab = ndimage.distance_transform_edt(~eb, sampling=sp)[ea]
    dba = ndimage.distance_transform_edt(~ea, sampling=sp)[eb]
    hd = max(dab.max(), dba.max())
    hd95 = max(np.percentile(dab, 95), np.percentile(dba, 95))
    both = np.concatenate([dab, dba])
    nsd = ((dab <= tol).sum() + (dba <= tol).sum()) / both.size
    return hd, hd95, both.mean(), nsd


def contour_lengths(sp):
    # surface-distance's create_table_neighbour_code_to_contour_length.
    vert, horiz = sp
    diag = 0.5 * math.sqrt(vert ** 2 + horiz ** 2)
    table = np.zeros(16)
    for code in range(16):
        bits = bin(code).count("1")
        table[code] = diag if bits in (1, 3) else 0
    table[0b1100] = table[0b0011] = horiz
    table[0b1010] = table[0b0101] = vert
    table[0b1001] = table[0b0110] = 2 * diag
    return table


def surfel_areas(sp):
    # surface-distance's create_table_neighbour_code_to_surface_area, with
    # the triangles derived live from scikit-image's marching cubes (the
    # same derivation as tests/metrics/gen_surfel_table.py, which makes the
    # header the C code compiles; test_surfel_table.py compares the two).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gen_surfel_table
    f = np.array([sp[1] * sp[2], sp[0] * sp[2], sp[0] * sp[1]])
    return np.array([sum(np.linalg.norm(np.array(t) / 8.0 * f)
                         for t in gen_surfel_table.triangles(c)) for c in range(256)])


def deepmind(a, b, sp, tol):
    # surface-distance: corners with a mixed 2x2(x2) neighbourhood (mask
    # padded by one at the end, ndimage.correlate with the code kernel,
    # constant 0 outside), weighted by contour length / surfel area.
    if a.ndim == 2:
        kernel, full, table = np.array([[8, 4], [2, 1]]), 15, contour_lengths(sp)
    else:
        kernel = np.array([[[128, 64], [32, 16]], [[8, 4], [2, 1]]])
        full, table = 255, surfel_areas(sp)

    def corners(m):
        p = np.zeros(np.array(m.shape) + 1, np.uint8)
        p[tuple(slice(0, n) for n in m.shape)] = m
        code = ndimage.correlate(p, kernel, mode="constant", cval=0)
        border = (code != 0) & (code != full)
        return border, table[code]

    ba, la = corners(a)
    bb, lb = corners(b)
    dab = ndimage.distance_transform_edt(~bb, sampling=sp)[ba]
    dba = ndimage.distance_transform_edt(~ba, sampling=sp)[bb]
    wa, wb = la[ba], lb[bb]

    def robust(d, w, q):
        order = np.argsort(d)
        d, w = d[order], w[order]
        cum = np.cumsum(w) / np.sum(w)
        idx = np.searchsorted(cum, q)
        return d[min(idx, len(d) - 1)]

    hd = max(dab.max(), dba.max())
    hd95 = max(robust(dab, wa, 0.95), robust(dba, wb, 0.95))
    assd = ((dab * wa).sum() + (dba * wb).sum()) / (wa.sum() + wb.sum())
    nsd = (wa[dab <= tol].sum() + wb[dba <= tol].sum()) / (wa.sum() + wb.sum())
    return hd, hd95, assd, nsd


def main(argv):
    shape = tuple(int(v) for v in argv[3:6])
    sp = [float(v) for v in argv[6:9]]
    tol = float(argv[9])
    mode = argv[10]
    a = np.fromfile(argv[1], dtype=np.uint8).reshape(shape) != 0
    b = np.fromfile(argv[2], dtype=np.uint8).reshape(shape) != 0
    if shape[0] == 1:
        a, b, sp = a[0], b[0], sp[1:]
    inter = (a & b).sum()
    dice = 2 * inter / (a.sum() + b.sum())
    iou = inter / (a | b).sum()
    hd, hd95, assd, nsd = (monai if mode == "monai" else deepmind)(a, b, sp, tol)
    print(" ".join("%.17g" % v for v in (dice, iou, hd, hd95, assd, nsd)))


if __name__ == "__main__":
    main(sys.argv)
