"""Independent oracle for the 3D rotation in perturbations/motion3dk.c.

Usage: oracle_rotate3d.py IN.f32 OUT.f32 NZ NY NX DZ DY DX A_DEG B_DEG C_DEG
IN is the object, OUT mrvet's rotated object (raw little-endian float32,
C order, nz x ny x nx, voxel size dz x dy x dx mm). The rotation, in mm
about voxel (nz//2, ny//2, nx//2) with coordinates ordered (z, y, x), is
Rot = G_yx(C) G_zx(B) G_zy(A), G_ij(q) taking (u_i, u_j) to
(u_i cos q - u_j sin q, u_i sin q + u_j cos q) (docs/perturbations/motion3dk.md).
Rotates IN with scipy.ndimage.affine_transform (5th-order spline) and
prints "max|scipy - mrvet| max|scipy|".
"""
import sys

import numpy as np
from scipy import ndimage


def g(i, j, q):
    m = np.eye(3)
    m[i, i] = m[j, j] = np.cos(q)
    m[i, j] = -np.sin(q)
    m[j, i] = np.sin(q)
    return m


def main():
    src, out = sys.argv[1:3]
    nz, ny, nx = (int(v) for v in sys.argv[3:6])
    sp = np.array([float(v) for v in sys.argv[6:9]])
    a, b, c = (np.deg2rad(float(v)) for v in sys.argv[9:12])
    vin = np.fromfile(src, dtype="<f4").reshape(nz, ny, nx).astype(np.float64)
    got = np.fromfile(out, dtype="<f4").reshape(nz, ny, nx).astype(np.float64)
    rot = g(1, 2, c) @ g(0, 2, b) @ g(0, 1, a)       # source mm -> destination mm
    s = np.diag(sp)
    m = np.linalg.inv(s) @ rot.T @ s                  # destination voxel -> source voxel
    cen = np.array([nz // 2, ny // 2, nx // 2], dtype=float)
    want = ndimage.affine_transform(vin, m, offset=cen - m @ cen, order=5, mode="constant")
    print("%.9g %.9g" % (np.abs(want - got).max(), np.abs(want).max()))


if __name__ == "__main__":
    main()
