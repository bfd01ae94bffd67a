"""A deliberately misbehaving mrvet worker for tests/adapters/test_exec.c.

usage: bad_worker.py MODE MARKER
MODE says how the *first* request misbehaves (the marker file records that
it happened, so the restarted worker behaves); "always_crash" misbehaves on
every request. Modes that test the transport rather than misbehave: "v1"
or "v1_<mode>" speaks only protocol 1; "echo" returns the k-space's bytes as float32
(slices, coils * ky, 2 * kx); "arith" returns real(coil 0) * 2 + imag(coil 1)
in float32; "nomaps"/"maps" fail when sensitivity_maps is present/absent;
"nowrite" replies ok without writing its first output; "h5file" always
writes its output as a new HDF5 file (h5py), never into mrvet's. A well-behaved request returns the zero-filled
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
# "v1" and "v1_<mode>": speak only protocol 1 (as an older helper does).
V1 = mode.startswith("v1")
mode = {"v1": "ok"}.get(mode, mode[3:] if mode.startswith("v1_") else mode)

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


def check_transport(kspace):
    """Protocol 2 hands over mapped views with the layout in the request;
    protocol 1 names the files only."""
    mapped = "inputs" in mrvet_worker.request
    if mapped == V1 or (mapped and kspace.flags.owndata):
        raise RuntimeError("transport: layout in request %s, owndata %s"
                           % (mapped, kspace.flags.owndata))


def model(kspace, task, output_shape=None, sensitivity_maps=None, **_):
    print("noise on stdout from a chatty library")  # must not break the protocol
    check_transport(kspace)
    if mode == "echo":
        s, c, y, x = kspace.shape
        return kspace.view(np.float32).reshape(s, c * y, 2 * x)
    if mode == "arith":
        return kspace.real[:, 0] * np.float32(2) + kspace.imag[:, 1]
    if mode == "maps" and sensitivity_maps is None:
        raise ValueError("no sensitivity_maps")
    if mode == "nomaps" and sensitivity_maps is not None:
        raise ValueError("sensitivity_maps sent")
    image = mrvet_worker.zero_filled(kspace)
    if mode == "h5file":
        mrvet_worker.write_in_place = lambda *a: False
    if mode in ("ok", "maps", "nomaps", "h5file") or not first_time():
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
    if mode == "nowrite":
        mrvet_worker.write_in_place = lambda *a: True  # claims success, writes nothing
        return image
    raise SystemExit("unknown mode " + mode)


def restore_writer(fn, real=mrvet_worker.write_in_place):
    """After a "nowrite" request the helper writes again."""
    def wrapped(*a, **k):
        if mode != "h5file":
            mrvet_worker.write_in_place = real
        return fn(*a, **k)
    return wrapped


mrvet_worker.serve(restore_writer(model), name="bad_worker",
                   versions=(1,) if V1 else mrvet_worker.VERSIONS)
