"""A deliberately misbehaving mrvet worker for tests/adapters/test_exec.c.

usage: bad_worker.py MODE MARKER
MODE says how the *first* request misbehaves (the marker file records that
it happened, so the restarted worker behaves); "always_crash" misbehaves on
every request. A well-behaved request returns the zero-filled
reconstruction computed with numpy (the oracle the test compares to).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "adapters", "python"))
import numpy as np  # noqa: E402

import mrvet_worker  # noqa: E402

mode, marker = sys.argv[1], sys.argv[2]

if mode == "bad_version":
    # Answer the hello with a version mrvet does not offer.
    sys.stdin.readline()
    print('{"type": "hello", "protocol": "mrvet-exec", "version": 99}', flush=True)
    time.sleep(30)
    sys.exit(0)
if mode == "silent_start":
    time.sleep(3600)  # never answers the hello
if mode == "die_at_start":
    print("cannot load weights: /nonexistent/model.pt", file=sys.stderr, flush=True)
    sys.exit(4)


def first_time():
    if mode == "always_crash":
        return True
    if os.path.exists(marker):
        return False
    open(marker, "w").close()
    return True


def model(kspace, task, output_shape=None, **_):
    print("noise on stdout from a chatty library")  # must not break the protocol
    image = mrvet_worker.zero_filled(kspace)
    if mode == "ok" or not first_time():
        return image
    print("about to misbehave: " + mode, file=sys.stderr, flush=True)
    if mode in ("crash", "always_crash"):
        os.kill(os.getpid(), 11)  # SIGSEGV, as a crashing native library would
    if mode == "exit":
        os._exit(3)
    if mode == "hang":
        time.sleep(3600)
    if mode == "shape":
        return image[:, :-1, :]
    if mode == "dtype":
        return (image * 100).astype(np.int32)
    if mode == "nan":
        image[0, 2, 3] = np.nan
        return image
    if mode == "exception":
        raise ValueError("input too small for this network")
    if mode == "garbage":
        # A reply that breaks the protocol (wrong id), on the real stdout.
        mrvet_worker._proto.write('{"type": "result", "id": -5, "ok": true}\n')
        mrvet_worker._proto.flush()
        time.sleep(0.2)
        return image
    raise SystemExit("unknown mode " + mode)


mrvet_worker.serve(model, name="bad_worker")
