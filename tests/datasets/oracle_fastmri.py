"""h5py oracle for tests/datasets/test_fastmri.c.

  check FILE   read a file mrvet wrote and compare every field with the
               formulas the C test used (printed "ok" or the first mismatch)
  write FILE   write a fastMRI-layout file the way h5py users (and the
               fastMRI scripts) do: complex64 k-space, bool mask, bytes
               header, str/float attributes
"""
import sys

import h5py
import numpy as np


def kspace(S, C, H, W):
    s, c, y, x = np.meshgrid(np.arange(S), np.arange(C), np.arange(H), np.arange(W),
                             indexing="ij")
    return ((s + 1) + 0.25 * c + 1j * (y - 0.5 * x)).astype(np.complex64)


def recon(S, h, w):
    s, y, x = np.meshgrid(np.arange(S), np.arange(h), np.arange(w), indexing="ij")
    return (1000.0 * s + 10.0 * y + x).astype(np.float32)


HEADER = b'<?xml version="1.0"?><ismrmrdHeader><acquisitionSystemInformation>' \
         b'<systemVendor>SIEMENS</systemVendor><systemFieldStrength_T>2.9</systemFieldStrength_T>' \
         b'</acquisitionSystemInformation><encoding><reconSpace><matrixSize><x>8</x><y>6</y>' \
         b'<z>1</z></matrixSize><fieldOfView_mm><x>160</x><y>120</y><z>3</z></fieldOfView_mm>' \
         b'</reconSpace></encoding></ismrmrdHeader>'


def check(path):
    with h5py.File(path, "r") as f:
        k = f["kspace"]
        assert k.dtype == np.complex64, k.dtype
        S, C, H, W = k.shape
        assert np.array_equal(k[()], kspace(S, C, H, W)), "kspace"
        r = f["reconstruction_rss"]
        assert r.dtype == np.float32 and r.shape[0] == S
        assert np.array_equal(r[()], recon(*r.shape)), "reconstruction_rss"
        m = f["mask"][()]
        assert m.dtype == np.bool_, m.dtype
        assert np.array_equal(m, (np.arange(W) % 3 == 0)), "mask"
        assert f["ismrmrd_header"][()] == HEADER, "ismrmrd_header"
        assert f.attrs["acquisition"] == "AXT2", f.attrs["acquisition"]
        assert f.attrs["patient_id"] == "p-0042", f.attrs["patient_id"]
        assert f.attrs["max"] == 0.000123456789, f.attrs["max"]
        assert f.attrs["norm"] == 0.0375, f.attrs["norm"]
    print("ok")


def write(path):
    S, H, W = 2, 6, 5
    with h5py.File(path, "w") as f:
        # single-coil, chunked per slice and gzip-compressed as h5py users often do
        f.create_dataset("kspace", data=kspace(S, 1, H, W)[:, 0], chunks=(1, H, W),
                         compression="gzip")
        f.create_dataset("reconstruction_esc", data=recon(S, 4, 3))
        f.create_dataset("reconstruction_rss", data=recon(S, 4, 3) + 0.5)
        f.create_dataset("mask", data=np.array([True, False, True, True, False]))
        # a variable-length string this time (ours writes fixed length)
        f.create_dataset("ismrmrd_header", data=HEADER.decode(), dtype=h5py.string_dtype())
        f.attrs["acquisition"] = "CORPD_FBK"
        f.attrs["max"] = 3.5e-4
        f.attrs["norm"] = 0.125
        f.attrs["patient_id"] = "abc123"
        f.attrs["acceleration"] = 4
        f.attrs["num_low_frequency"] = 26
    print("ok")


if __name__ == "__main__":
    try:
        {"check": check, "write": write}[sys.argv[1]](sys.argv[2])
    except AssertionError as e:
        print("mismatch:", e)
        sys.exit(1)
