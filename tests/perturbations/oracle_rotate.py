"""Independent oracle for the rotation in perturbations/motion.c.

Usage: oracle_rotate.py IN.f32 OUT.f32 NY NX DY DX THETA_DEG
IN is the object, OUT mrvet's rotated object (raw little-endian float32,
C order, ny x nx, pixel size dy x dx mm). Rotates IN with
scipy.ndimage.affine_transform (5th-order spline) by THETA about pixel
(ny//2, nx//2) — a point at (x, y) mm goes to (x cos - y sin, x sin + y cos)
— and prints "max|scipy - mrvet| max|scipy|".
"""
import sys

import numpy as np
from scipy import ndimage


def main():
    src, out, ny, nx, dy, dx, th = sys.argv[1:8]
    ny, nx, dy, dx, th = int(ny), int(nx), float(dy), float(dx), np.deg2rad(float(th))
    a = np.fromfile(src, dtype="<f4").reshape(ny, nx).astype(np.float64)
    b = np.fromfile(out, dtype="<f4").reshape(ny, nx).astype(np.float64)
    # (y, x) order; R maps source mm to destination mm
    r = np.array([[np.cos(th), np.sin(th)], [-np.sin(th), np.cos(th)]])
    s = np.diag([dy, dx])
    m = np.linalg.inv(s) @ r.T @ s  # destination pixel -> source pixel
    c = np.array([ny // 2, nx // 2], dtype=float)
    rot = ndimage.affine_transform(a, m, offset=c - m @ c, order=5, mode="constant")
    print("%.9g %.9g" % (np.abs(rot - b).max(), np.abs(rot).max()))


if __name__ == "__main__":
    main()
