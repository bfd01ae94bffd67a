"""A model that sleeps 50 ms per call and returns zeros of the requested
shape: the harness-overhead benchmark's stand-in for a GPU model
(bench/run_harness.sh). Run by Debian's /usr/bin/python3.

With a path as argument it appends, at exit, one line per call to that
file: the time from the start of the previous call to the start of this
one (the worker's cycle: 50 ms of model plus everything around it — its
own reply and request handling and mrvet's hand-over), and how long the
previous call's sleep really took (a loaded machine wakes it late). Medians
of these give the steady-state share without the one-time start-up."""
import atexit
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "adapters",
                                "python"))
import numpy as np  # noqa: E402

import mrvet_worker  # noqa: E402

starts, slept = [], []


def model(kspace, task, output_shape=None, **_):
    t = time.perf_counter()
    starts.append(t)
    time.sleep(0.05)
    slept.append(time.perf_counter() - t)
    return np.zeros(output_shape, np.float32)


def dump():
    if len(sys.argv) > 1 and len(starts) > 1:
        with open(sys.argv[1], "a", encoding="utf-8") as f:
            for a, b, s in zip(starts, starts[1:], slept):
                f.write("%.6f %.6f\n" % (b - a, s))


atexit.register(dump)
mrvet_worker.serve(model, name="sleep-50ms")
