"""Hand-rolled NIfTI-1 oracle for tests/datasets/test_nifti.c (no nibabel on
Debian 12 by default: the header is parsed with struct, per the NIfTI-1
specification, nifti1.h).

  write FILE   an int16 volume (4, 3, 2) with scl_slope 2, scl_inter 1, an
               LPS sform diag(-0.8, -0.9, 2.5); voxel (i,j,k) = i + 10j + 100k
  check FILE   read a file mrvet wrote (f32 or u8, dims 5x4x3, spacing
               (dz, dy, dx) = (3, 2, 0.5), sform diag) and print ok
"""
import gzip
import struct
import sys

import numpy as np


def header(dims, dtype_code, bitpix, pixdim, slope, inter, srow):
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    d = [len(dims)] + list(dims) + [1] * (7 - len(dims))
    struct.pack_into("<8h", h, 40, *d)
    struct.pack_into("<hh", h, 70, dtype_code, bitpix)
    struct.pack_into("<8f", h, 76, 1.0, *pixdim, 1, 1, 1, 1)
    struct.pack_into("<f", h, 108, 352.0)
    struct.pack_into("<ff", h, 112, slope, inter)
    h[123] = 2  # xyzt_units: mm
    struct.pack_into("<hh", h, 252, 0, 1)  # qform 0, sform scanner
    struct.pack_into("<12f", h, 280, *srow)
    h[344:348] = b"n+1\0"
    return bytes(h) + b"\0\0\0\0"


def write(path):
    nx, ny, nz = 4, 3, 2
    k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    data = (i + 10 * j + 100 * k).astype("<i2")
    srow = [-0.8, 0, 0, 10, 0, -0.9, 0, 20, 0, 0, 2.5, -30]
    b = header((nx, ny, nz), 4, 16, (0.8, 0.9, 2.5), 2.0, 1.0, srow) + data.tobytes()
    with (gzip.open(path, "wb") if path.endswith(".gz") else open(path, "wb")) as f:
        f.write(b)
    print("ok")


def write4d(path):
    """MSD's multi-modal layout: 2 channels along dim[4]; channel c holds
    i + 10j + 100k + 1000c (int16, no scaling)."""
    nx, ny, nz, nc = 4, 3, 2, 2
    c, k, j, i = np.meshgrid(np.arange(nc), np.arange(nz), np.arange(ny), np.arange(nx),
                             indexing="ij")
    data = (i + 10 * j + 100 * k + 1000 * c).astype("<i2")
    srow = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    b = header((nx, ny, nz, nc), 4, 16, (1, 1, 1), 0.0, 0.0, srow) + data.tobytes()
    with gzip.open(path, "wb") as f:
        f.write(b)
    print("ok")


def check(path):
    b = (gzip.open(path) if path.endswith(".gz") else open(path, "rb")).read()
    assert struct.unpack_from("<i", b, 0)[0] == 348
    dims = struct.unpack_from("<8h", b, 40)
    assert dims[:4] == (3, 5, 4, 3), dims
    code = struct.unpack_from("<h", b, 70)[0]
    pix = struct.unpack_from("<8f", b, 76)
    assert pix[1:4] == (0.5, 2.0, 3.0), pix
    off = int(struct.unpack_from("<f", b, 108)[0])
    sform = struct.unpack_from("<h", b, 254)[0]
    srow = struct.unpack_from("<12f", b, 280)
    assert sform > 0 and srow[0] == 0.5 and srow[5] == 2.0 and srow[10] == 3.0, srow
    dt = {2: np.uint8, 16: np.float32}[code]
    a = np.frombuffer(b[off:], dtype=dt).reshape(3, 4, 5)  # (k, j, i)
    k, j, i = np.meshgrid(np.arange(3), np.arange(4), np.arange(5), indexing="ij")
    want = (i + 5 * j + 20 * k) if dt == np.uint8 else (0.25 * i - j + 7.5 * k)
    assert np.array_equal(a, want.astype(dt)), "data"
    print("ok")


if __name__ == "__main__":
    try:
        {"check": check, "write": write, "write4d": write4d}[sys.argv[1]](sys.argv[2])
    except AssertionError as e:
        print("mismatch:", e)
        sys.exit(1)
