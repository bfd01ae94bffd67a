"""mrvet_worker — turn a Python function into an mrvet exec worker.

Needs only numpy and h5py. A worker is a program that mrvet starts once and
talks to over stdin/stdout, one JSON line each way (protocol versions 1
and 2, docs/adapters.md). This module speaks the protocol; you write the model::

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
keeps running.

Under protocol 2 the input arrays are copy-on-write views of mrvet's
request file (no bytes are read until used; writing to them never changes
the file): they are valid during the call; copy what you keep afterwards
(``np.array(x)``). A float result of the shape mrvet expects is written
straight into the output file mrvet prepared. Anything printed to stdout by your code or by libraries is
redirected to stderr so it cannot corrupt the protocol.
"""

import json
import mmap
import os
import sys
import time
import traceback

import numpy as np


def _h5py():
    """h5py, imported on first use: under protocol 2 a worker whose results
    fit the prepared output never parses HDF5, and starts ~40 ms sooner."""
    import h5py  # noqa: PLC0415 - deliberately lazy
    return h5py

PROTOCOL = "mrvet-exec"
VERSIONS = (1, 2)

_proto = None  # the protocol stream while serve() runs
request = None  # the request being served (its JSON object), for the curious

# Which dataset a bare array is written to, per task (docs/adapters.md).
OUTPUT_NAME = {
    "reconstruction": "reconstruction",
    "synthesis": "synthesis",
    "segmentation": "probabilities",
    "classification": "probabilities",
}


def _map(path, write):
    """The whole file mapped: shared and writable (write=True) or
    copy-on-write (write=False: the array is writable, the file is not)."""
    with open(path, "r+b" if write else "rb") as f:
        if not write:  # pages are mapped as they are read (fault-around)
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        # Every page is about to be written: map them all at once rather
        # than one write fault per 4 KiB page (half the cost of a 28 MB copy).
        return mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0),
                         prot=mmap.PROT_READ | mmap.PROT_WRITE)


def _view(mm, entry):
    """The array a protocol-2 layout entry {offset, dtype, shape} describes,
    as a view of the mapped file (no copy)."""
    shape = tuple(int(v) for v in entry["shape"])
    dt = np.dtype(entry["dtype"])
    count = int(np.prod(shape, dtype=np.int64))
    offset = int(entry["offset"])
    if offset < 0 or offset + count * dt.itemsize > len(mm):
        raise ValueError("tensor at offset %d (%d bytes) lies outside the %d-byte file"
                         % (offset, count * dt.itemsize, len(mm)))
    return np.frombuffer(mm, dtype=dt, count=count, offset=offset).reshape(shape)


def read_request(path, layout=None):
    """The request file's datasets as numpy arrays plus its attributes.

    With the protocol-2 layout ({name: {offset, dtype, shape}}) the arrays
    are copy-on-write views of the file and HDF5 is not parsed at all.
    Without it, h5py opens the file: contiguous, unfiltered numeric
    datasets are still mapped copy-on-write at their offset, others (a
    chunked or compressed file written by someone else) are read."""
    if layout:
        mm = _map(path, False)
        return {name: _view(mm, entry) for name, entry in layout.items()}
    args = {}
    with _h5py().File(path, "r") as f:
        for name, ds in f.items():
            args[name] = _mapped_or_read(path, ds)
        if "spacing" in f.attrs:
            args["spacing"] = tuple(float(v) for v in f.attrs["spacing"])
    return args


def _mapped_or_read(path, ds):
    try:
        offset = ds.id.get_offset()
    except Exception:  # noqa: BLE001 - any doubt: let h5py read it
        offset = None
    if (offset is None or ds.chunks is not None or ds.compression is not None
            or ds.dtype.kind not in "biufc" or not ds.shape or ds.size == 0):
        return ds[()]
    return np.memmap(path, dtype=ds.dtype, mode="c", offset=offset, shape=ds.shape)


def _as_outputs(task, result):
    if not isinstance(result, dict):
        result = {OUTPUT_NAME.get(task, "reconstruction"): result}
    return {name: np.asarray(arr) for name, arr in result.items()}


def write_in_place(path, outputs, task, result):
    """Protocol 2: write float results into the output file mrvet prepared
    (layout `outputs`); False, writing nothing, when they do not fit it
    (other names, shapes or kinds), so the caller writes a file instead."""
    result = _as_outputs(task, result)
    if not outputs or set(result) != set(outputs):
        return False
    for name, arr in result.items():
        entry = outputs[name]
        if (not np.issubdtype(arr.dtype, np.floating) or np.dtype(entry["dtype"]).kind != "f"
                or tuple(arr.shape) != tuple(int(v) for v in entry["shape"])):
            return False
    try:
        mm = _map(path, True)
        views = {name: _view(mm, outputs[name]) for name in result}
    except (OSError, ValueError):
        return False
    for name, arr in result.items():
        np.copyto(views[name], arr, casting="same_kind")
    del views
    try:
        mm.close()
    except BufferError:  # a view still alive somewhere: the GC unmaps it
        pass
    return True


def write_result(path, task, result):
    """Write the function's result as a new HDF5 file, as mrvet expects it."""
    result = _as_outputs(task, result)
    with _h5py().File(path, "w") as f:
        for name, arr in result.items():
            if np.issubdtype(arr.dtype, np.floating):
                arr = arr.astype(np.float32, copy=False)
            if name == "labels" and np.issubdtype(arr.dtype, np.integer):
                arr = arr.astype(np.uint8)
            f.create_dataset(name, data=arr)


def serve(fn, name=None, versions=VERSIONS):
    """Run the worker loop until mrvet says shutdown or closes stdin.
    `versions`: the protocol versions to accept (the highest one mrvet
    also offers is used)."""
    # Keep the real stdout for the protocol; send fd 1 (print, C libraries)
    # to stderr, which mrvet captures into the run log.
    global _proto, request
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
            offered = [v for v in msg.get("versions", []) if v in versions]
            send({"type": "hello", "protocol": PROTOCOL,
                  "version": max(offered) if offered else max(versions),
                  "model": name})
        elif kind == "infer":
            request = msg
            t0 = time.perf_counter()
            try:
                args = read_request(msg["input"], msg.get("inputs"))
                args["task"] = msg.get("task", "reconstruction")
                if msg.get("spacing") is not None:
                    args["spacing"] = tuple(msg["spacing"])
                shape = msg.get("output_shape")
                args["output_shape"] = tuple(shape) if shape else None
                result = fn(**args)
                del args  # drop the input views before the next request
                task = msg.get("task", "reconstruction")
                if not write_in_place(msg["output"], msg.get("outputs"), task, result):
                    write_result(msg["output"], task, result)
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
