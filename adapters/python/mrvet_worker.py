"""mrvet_worker — turn a Python function into an mrvet exec worker.

Needs only numpy and h5py. A worker is a program that mrvet starts once and
talks to over stdin/stdout, one JSON line each way (protocol version 1,
docs/adapters.md). This module speaks the protocol; you write the model::

    import sys
    sys.path.insert(0, "/path/to/mrvet/adapters/python")
    import mrvet_worker

    net = load_my_network()                 # runs once: weights load once

    def reconstruct(kspace, mask, sensitivity_maps=None, spacing=None,
                    output_shape=None, **_):
        return net(kspace)                  # (slices, y, x) float array

    mrvet_worker.serve(reconstruct)

Each request calls the function with keyword arguments named like the
datasets of the request file (``kspace``, ``mask``, ``sensitivity_maps``,
``image``) plus ``task``, ``spacing`` (dz, dy, dx in mm) and
``output_shape`` (the shape mrvet expects, or None). Accept ``**_`` so new
keys do not break you. Return a numpy array (floating arrays are written as
float32; integer arrays keep their type, which mrvet rejects where the task
wants floats), or a dict of dataset name -> array for several outputs.
An exception fails that case (its message is reported) and the worker
keeps running. Anything printed to stdout by your code or by libraries is
redirected to stderr so it cannot corrupt the protocol.
"""

import json
import os
import sys
import time
import traceback

import h5py
import numpy as np

PROTOCOL = "mrvet-exec"
VERSIONS = (1,)

_proto = None  # the protocol stream while serve() runs

# Which dataset a bare array is written to, per task (docs/adapters.md).
OUTPUT_NAME = {
    "reconstruction": "reconstruction",
    "synthesis": "synthesis",
    "segmentation": "probabilities",
    "classification": "probabilities",
}


def _read_dataset(ds, raw):
    """ds[()], but a contiguous, unfiltered numeric dataset (what mrvet
    writes) is read with one read() straight into the array: h5py converts
    the complex64 compound {r, i} through HDF5's type-conversion buffer
    (zeroed, then copied), which costs as much again as the read."""
    dt = ds.dtype
    try:
        offset = ds.id.get_offset()
    except Exception:  # noqa: BLE001 - any doubt: let h5py read it
        offset = None
    if (offset is None or ds.chunks is not None or ds.compression is not None
            or dt.kind not in "biufc" or not ds.shape):
        return ds[()]
    arr = np.empty(ds.shape, dtype=dt)
    raw.seek(offset)
    if raw.readinto(memoryview(arr).cast("B")) != arr.nbytes:
        return ds[()]
    return arr


def read_request(path):
    """The request file's datasets as numpy arrays plus its attributes."""
    args = {}
    with h5py.File(path, "r") as f, open(path, "rb", buffering=0) as raw:
        for name, ds in f.items():
            args[name] = _read_dataset(ds, raw)
        if "spacing" in f.attrs:
            args["spacing"] = tuple(float(v) for v in f.attrs["spacing"])
    return args


def write_result(path, task, result):
    """Write the function's result as mrvet expects it."""
    if not isinstance(result, dict):
        result = {OUTPUT_NAME.get(task, "reconstruction"): result}
    with h5py.File(path, "w") as f:
        for name, arr in result.items():
            arr = np.asarray(arr)
            if np.issubdtype(arr.dtype, np.floating):
                arr = arr.astype(np.float32, copy=False)
            if name == "labels" and np.issubdtype(arr.dtype, np.integer):
                arr = arr.astype(np.uint8)
            f.create_dataset(name, data=arr)


def serve(fn, name=None):
    """Run the worker loop until mrvet says shutdown or closes stdin."""
    # Keep the real stdout for the protocol; send fd 1 (print, C libraries)
    # to stderr, which mrvet captures into the run log.
    global _proto
    proto = _proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    name = name or getattr(fn, "__name__", "model")

    def send(msg):
        proto.write(json.dumps(msg) + "\n")
        proto.flush()

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            offered = [v for v in msg.get("versions", []) if v in VERSIONS]
            send({"type": "hello", "protocol": PROTOCOL,
                  "version": max(offered) if offered else VERSIONS[-1],
                  "model": name})
        elif kind == "infer":
            t0 = time.perf_counter()
            try:
                args = read_request(msg["input"])
                args["task"] = msg.get("task", "reconstruction")
                if msg.get("spacing") is not None:
                    args["spacing"] = tuple(msg["spacing"])
                shape = msg.get("output_shape")
                args["output_shape"] = tuple(shape) if shape else None
                result = fn(**args)
                write_result(msg["output"], args["task"], result)
                send({"type": "result", "id": msg["id"], "ok": True,
                      "seconds": time.perf_counter() - t0})
            except Exception as e:  # the case fails, the worker lives on
                traceback.print_exc(file=sys.stderr)
                sys.stderr.flush()
                send({"type": "result", "id": msg["id"], "ok": False,
                      "error": "%s: %s" % (type(e).__name__, e)})
        elif kind == "shutdown":
            break
        else:
            send({"type": "error", "error": "unknown message type %r" % kind})
    proto.close()


def center_crop(img, shape):
    """fastMRI's center_crop over the last two axes."""
    h, w = img.shape[-2:]
    ch, cw = shape
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return img[..., y0:y0 + ch, x0:x0 + cw]


def zero_filled(kspace):
    """Centred orthonormal inverse FFT per coil, root-sum-of-squares over
    coils: (slices, coils, ky, kx) -> (slices, ky, kx); mrvet's builtin
    zero_filled in numpy."""
    x = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(kspace, axes=(-2, -1)),
                                     axes=(-2, -1), norm="ortho"), axes=(-2, -1))
    return np.sqrt((np.abs(x) ** 2).sum(axis=1))
