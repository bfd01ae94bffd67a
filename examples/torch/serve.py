#!/usr/bin/python3
"""Serve the trained example network as an mrvet exec worker.

    models:
      - name: torch_dealias
        adapter: exec
        model: /usr/bin/python3 examples/torch/serve.py torch_dealias.pt

mrvet starts this once; the weights load once; every request is a
reconstruction: zero-filled RSS of the masked multi-coil k-space (numpy),
then the network, then fastMRI's centre crop to the shape mrvet expects.
"""
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "..", "adapters", "python"))
import mrvet_worker  # noqa: E402
from model import DealiasNet, apply  # noqa: E402

torch.set_num_threads(1)  # mrvet runs cases in parallel; one thread per worker
net = DealiasNet()
net.load_state_dict(torch.load(sys.argv[1], map_location="cpu"))
net.eval()


def reconstruct(kspace, output_shape=None, **_):
    zf = mrvet_worker.zero_filled(kspace)  # (slices, y, x)
    out = np.stack([apply(net, sl) for sl in zf]).astype(np.float32)
    if output_shape:
        out = mrvet_worker.center_crop(out, output_shape[-2:])
    return out


mrvet_worker.serve(reconstruct, name="torch_dealias")
