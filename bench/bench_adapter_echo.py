"""The echo worker of bench/run_adapter.sh: returns its input's bytes.

synthesis: the image itself; reconstruction: the k-space viewed as float32
(slices, coils*ky, 2*kx) — the same bytes as the input, in the float32
layout the reconstruction contract accepts — so a call moves the same
array both ways. A real worker on adapters/python/mrvet_worker.py: under
protocol 2 its input is a view of mrvet's file and the result is copied
into the output file mrvet prepared. `bench_adapter_echo.py v1` speaks
only protocol 1 (fresh files, h5py), for comparison.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "adapters",
                                "python"))
import numpy as np  # noqa: E402

import mrvet_worker  # noqa: E402


def echo(task, image=None, kspace=None, **_):
    if task == "synthesis":
        return image
    s, c, y, x = kspace.shape
    return np.ascontiguousarray(kspace).view(np.float32).reshape(s, c * y, 2 * x)


mrvet_worker.serve(echo, name="echo",
                   versions=(1,) if sys.argv[1:] == ["v1"] else mrvet_worker.VERSIONS)
