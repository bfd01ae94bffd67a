"""A model that sleeps 50 ms per call and returns zeros of the requested
shape: the harness-overhead benchmark's stand-in for a GPU model
(bench/run_harness.sh). Run by Debian's /usr/bin/python3."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "adapters",
                                "python"))
import numpy as np  # noqa: E402

import mrvet_worker  # noqa: E402


def model(kspace, task, output_shape=None, **_):
    time.sleep(0.05)
    return np.zeros(output_shape, np.float32)


mrvet_worker.serve(model, name="sleep-50ms")
