"""A one-shot mrvet command: oneshot.py INPUT OUTPUT [fail]."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "adapters", "python"))
import h5py  # noqa: E402

import mrvet_worker  # noqa: E402

if len(sys.argv) > 3 and sys.argv[3] == "fail":
    print("oneshot: refusing on purpose", file=sys.stderr)
    sys.exit(2)
with h5py.File(sys.argv[1], "r") as f:
    k = f["kspace"][()]
mrvet_worker.write_result(sys.argv[2], "reconstruction", mrvet_worker.zero_filled(k))
