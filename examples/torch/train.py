#!/usr/bin/python3
"""Train the example de-aliasing network (examples/torch/model.py) on
random-ellipse phantoms and save its weights.

    /usr/bin/python3 examples/torch/train.py --out torch_dealias.pt

Data: each step draws random ellipse phantoms (Shepp & Logan's
construction with random ellipses), takes the centred orthonormal FFT,
applies a fastMRI RandomMaskFunc mask (acceleration 4, centre fraction
0.08, columns = the last axis, as mrvet's undersampling) and trains the
network to map the zero-filled magnitude to the true one (L1 loss, Adam).
Nothing of mrvet's test data is seen in training. About two minutes on
two CPU cores with the defaults.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import DealiasNet, normalise  # noqa: E402


def ellipses(rng, n):
    """A random phantom: 4-9 overlapping ellipses in a unit disc."""
    yy, xx = np.mgrid[-1:1:n * 1j, -1:1:n * 1j]
    img = np.zeros((n, n))
    # an outer "skull" and body, then inner structures, as Shepp-Logan
    a, b = rng.uniform(0.6, 0.9), rng.uniform(0.6, 0.9)
    img[(xx / a) ** 2 + (yy / b) ** 2 <= 1] = rng.uniform(0.8, 1.0)
    img[(xx / (a - 0.05)) ** 2 + (yy / (b - 0.05)) ** 2 <= 1] -= rng.uniform(0.5, 0.7)
    for _ in range(rng.integers(4, 10)):
        cx, cy = rng.uniform(-0.5, 0.5, 2)
        ea, eb = rng.uniform(0.03, 0.35, 2)
        th = rng.uniform(0, np.pi)
        c, s = np.cos(th), np.sin(th)
        u, v = (xx - cx) * c + (yy - cy) * s, -(xx - cx) * s + (yy - cy) * c
        img[(u / ea) ** 2 + (v / eb) ** 2 <= 1] += rng.uniform(-0.2, 0.4)
    return np.clip(img, 0, None)


def random_mask(rng, n, acceleration=4, center_fraction=0.08):
    """fastMRI's RandomMaskFunc for one volume."""
    num_low = int(round(n * center_fraction))
    prob = (n / acceleration - num_low) / (n - num_low)
    m = rng.uniform(size=n) < prob
    pad = (n - num_low + 1) // 2
    m[pad:pad + num_low] = True
    return m


def zero_filled_pair(rng, n):
    img = ellipses(rng, n)
    k = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(img), norm="ortho"))
    k[:, ~random_mask(rng, n)] = 0
    zf = np.abs(np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k), norm="ortho")))
    zf, s = normalise(zf)
    return zf, img / s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="where to save the weights (.pt)")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=64, help="training image side")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    rng = np.random.default_rng(a.seed)
    net = DealiasNet()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps)
    t0 = time.time()
    for step in range(a.steps):
        pairs = [zero_filled_pair(rng, a.size) for _ in range(a.batch)]
        x = torch.tensor(np.stack([p[0] for p in pairs])[:, None], dtype=torch.float32)
        y = torch.tensor(np.stack([p[1] for p in pairs])[:, None], dtype=torch.float32)
        loss = torch.nn.functional.l1_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == a.steps - 1:
            base = torch.nn.functional.l1_loss(x, y).item()
            print(f"step {step:4d}  L1 {loss.item():.4f}  (zero-filled {base:.4f})  "
                  f"{time.time() - t0:.0f} s", flush=True)
    torch.save(net.state_dict(), a.out)
    print(f"saved {a.out} after {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
