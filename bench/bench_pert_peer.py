#!/usr/bin/python3
"""bench/bench_pert_peer.py — straightforward numpy/scipy versions of the operations
bench_pert.c times (not a test). Prints "name milliseconds" lines.

3D: TorchIO's RandomMotion algorithm (fepegar/torchio, transforms/augmentation/
intensity/random_motion.py): each of the n+1 poses resampled whole with
scipy.ndimage.affine_transform (linear interpolation, as TorchIO's default),
a full centred FFT per pose, spectra stitched along the last axis, inverse
FFT, magnitude. 2D: the same k-space operations mrvet performs, written the
way one would in numpy (complex64 data, numpy FFTs), on a 15-coil 640 x 368
slice.
"""
import sys
import time

import numpy as np
import scipy.ndimage as ndi


def fft2c(x, axes=(-2, -1)):
    return np.fft.fftshift(np.fft.fftn(np.fft.ifftshift(x, axes=axes), axes=axes, norm="ortho"),
                           axes=axes)


def ifft2c(x, axes=(-2, -1)):
    return np.fft.fftshift(np.fft.ifftn(np.fft.ifftshift(x, axes=axes), axes=axes, norm="ortho"),
                           axes=axes)


def timed(fn, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return sorted(ts)[len(ts) // 2]


def rot(a, b, c):
    ca, sa, cb, sb, cc, sc = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(c), np.sin(c)
    rx = np.array([[ca, sa, 0], [-sa, ca, 0], [0, 0, 1]])
    ry = np.array([[cb, 0, sb], [0, 1, 0], [-sb, 0, cb]])
    rz = np.array([[1, 0, 0], [0, cc, sc], [0, -sc, cc]])
    return rz @ ry @ rx


def motion3d(vol, rng, n=3, deg=5.0, trans=5.0):
    shape = np.array(vol.shape)
    centre = (shape // 2).astype(float)
    times = np.arange(1, n + 1) / (n + 1) + rng.uniform(-0.3, 0.3, n) / (n + 1)
    bounds = [0] + list(np.floor(shape[-1] * times).astype(int)) + [shape[-1]]
    spectra = []
    for k in range(n + 1):
        if k == 0:
            img = vol
        else:
            r = rot(*np.deg2rad(rng.uniform(-deg, deg, 3)))
            t = rng.uniform(-trans, trans, 3)
            # out(x) = vol(R^T (x - c - t) + c)
            m = r.T
            off = centre - m @ (centre + t)
            img = ndi.affine_transform(vol, m, offset=off, order=1)
        spectra.append(fft2c(img.astype(np.complex64), axes=(0, 1, 2)))
    out = np.empty_like(spectra[0])
    for k in range(n + 1):
        out[..., bounds[k]:bounds[k + 1]] = spectra[k][..., bounds[k]:bounds[k + 1]]
    return np.abs(ifft2c(out, axes=(0, 1, 2)))


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    rng = np.random.default_rng(0)
    if which in ("all", "3d"):
        z, y, x = np.meshgrid(np.linspace(-1, 1, 181), np.linspace(-1, 1, 217),
                              np.linspace(-1, 1, 181), indexing="ij")
        vol = ((x / 0.7) ** 2 + (y / 0.9) ** 2 + (z / 0.8) ** 2 < 1).astype(np.float32)
        print("motion3d %.3f" % timed(lambda: motion3d(vol, rng), 2), flush=True)
    if which in ("all", "2d"):
        nc, ny, nx = 15, 640, 368
        yy, xx = np.meshgrid(np.linspace(-1, 1, ny), np.linspace(-1, 1, nx), indexing="ij")
        obj = ((xx / 0.7) ** 2 + (yy / 0.9) ** 2 < 1).astype(np.float32)
        maps = np.stack([np.exp(1j * (c * 0.4 + xx * np.cos(c) + yy * np.sin(c)))
                         for c in range(nc)]).astype(np.complex64) / np.sqrt(nc)
        k = fft2c(maps * obj).astype(np.complex64)
        print("fft_set %.3f" % timed(lambda: fft2c(k), 5), flush=True)

        def noise():
            s = 0.05
            return k + (rng.standard_normal(k.shape, dtype=np.float32) * s
                        + 1j * rng.standard_normal(k.shape, dtype=np.float32) * s)

        def ghosting():
            out = k.copy()
            out[..., 1::4] *= 0.4
            return out

        def gibbs():
            out = k.copy()
            keep = int(round(0.5 * nx))
            lo = (nx - keep + 1) // 2
            out[..., :lo] = 0
            out[..., lo + keep:] = 0
            return out

        def bias():
            u, w = np.meshgrid(np.linspace(-1, 1, nx), np.linspace(-1, 1, ny))
            p = 0.3 * u + 0.2 * w * w - 0.1 * u * w
            b = np.exp(0.3 * p / np.abs(p).max())
            return fft2c(ifft2c(k) * b)

        def motion():
            # sudden jump half way, 3 deg and 6 mm: rotate the coil images
            # of the second pose with scipy, FFT, stitch, phase ramp
            img = ifft2c(k)
            moved = np.empty_like(img)
            for c in range(nc):
                moved[c] = (ndi.rotate(img[c].real, 3.0, reshape=False, order=1)
                            + 1j * ndi.rotate(img[c].imag, 3.0, reshape=False, order=1))
            km = fft2c(moved)
            out = k.copy()
            out[..., nx // 2:] = km[..., nx // 2:]
            fy = (np.arange(ny) - ny // 2)[:, None] / ny
            fx = (np.arange(nx) - nx // 2)[None, :] / nx
            ramp = np.exp(-2j * np.pi * (fy * 4.0 + fx * 8.0))
            out[..., nx // 2:] *= ramp[:, nx // 2:]
            return out

        def b0():
            # spin-warp time segmentation with the same segment count as
            # mrvet's severity 3 (200 Hz, 200 Hz/px, tolerance 1e-2)
            bw, df_max, te = 200.0, 200.0, 0.01
            u, w = np.meshgrid(np.linspace(-1, 1, nx), np.linspace(-1, 1, ny))
            df = df_max * np.sin(2 * u + w)
            t = te + (np.arange(ny) - ny // 2) / (ny * bw)
            span = t[-1] - t[0]
            wmax = 2 * np.pi * df_max
            L = 2
            while np.sqrt(2) * (wmax * span / (L - 1)) ** 2 / 8 > 1e-2:
                L += 1
            tau = np.linspace(t[0], t[-1], L)
            h = tau[1] - tau[0]
            img = ifft2c(k)
            acc = np.zeros_like(k)
            for l in range(L):
                seg = np.fft.fftshift(np.fft.fft(np.fft.ifftshift(
                    img * np.exp(-2j * np.pi * df * tau[l]), axes=-2), axis=-2, norm="ortho"),
                    axes=-2)
                wgt = np.clip(1 - np.abs(t - tau[l]) / h, 0, None)[:, None]
                acc += wgt * seg
            return np.fft.fftshift(np.fft.fft(np.fft.ifftshift(acc, axes=-1), axis=-1,
                                              norm="ortho"), axes=-1)

        for name, fn in [("noise", noise), ("ghosting", ghosting), ("gibbs", gibbs),
                         ("bias", bias), ("motion", motion), ("b0", b0)]:
            print("%s %.3f" % (name, timed(fn, 3)), flush=True)


if __name__ == "__main__":
    main()
