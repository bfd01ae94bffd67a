#!/usr/bin/python3
"""A full disk under `mrvet run`: the store lives on a tmpfs too small for
the study (mounted in a private mount namespace, so nothing outside the
test sees it). The run must stop with exit 2 and an error naming the store
and the full disk; every result committed before stays (integrity_check ok,
each stored row equal to the uninterrupted run's); after the tmpfs is grown,
running the same command again ends with exactly the uninterrupted rows.
The store is read with Python's sqlite3, an independent reader.

usage: test_full_disk.py PATH/TO/mrvet [BUILD_DIR]
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storeutil import rows  # noqa: E402

MRVET = None

STUDY = """\
study: full-disk
seed: 7
dataset:
  kind: phantom
  matrix: 64
  coils: 4
undersampling:
  acceleration: 4
  center_fraction: 0.08
models:
  - name: zf
    adapter: builtin
    model: zero_filled
    version: "1"
perturbations:
  - family: noise
    severities: [1, 2, 3, 4, 5]
    repeats: 4
metrics: [psnr, ssim, nmse, mae]
"""

# Run inside the namespace: fill, snapshot what survived, make room, resume.
SCRIPT = r"""
set -u
D=$1; OUT=$2; SIZE=$3; MRVET=$4; STUDY=$5
mount -t tmpfs -o size=$SIZE tmpfs "$D" || exit 90
"$MRVET" run "$STUDY" --db "$D/s.db" --jobs 2 >"$OUT/out1" 2>"$OUT/err1"
echo $? >"$OUT/rc1"
mkdir -p "$OUT/partial" && cp "$D"/s.db* "$OUT/partial/"
mount -o remount,size=64m "$D" || exit 91
"$MRVET" run "$STUDY" --db "$D/s.db" --jobs 2 >"$OUT/out2" 2>"$OUT/err2"
echo $? >"$OUT/rc2"
mkdir -p "$OUT/final" && cp "$D"/s.db* "$OUT/final/"
umount "$D"
"""


def namespace_prefix(probe_dir):
    """unshare -m as root; in a chroot (whose root is no mount point, so its
    propagation cannot be made private) the same with propagation unchanged
    (the script unmounts what it mounted); a user namespace otherwise. None
    if none of them can mount a tmpfs here."""
    unshare = shutil.which("unshare")
    if not unshare:
        return None
    for prefix in ([unshare, "-m"], [unshare, "-m", "--propagation", "unchanged"],
                   [unshare, "-Urm"]):
        probe = subprocess.run(prefix + ["sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$0" && '
                                         'umount "$0"', probe_dir], capture_output=True)
        if probe.returncode == 0:
            return prefix
    return None


class FullDisk(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mrvet-full-disk-")
        self.study = os.path.join(self.tmp, "study.yaml")
        with open(self.study, "w", encoding="utf-8") as f:
            f.write(STUDY)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_full_disk_keeps_results_and_resumes(self):
        probe = os.path.join(self.tmp, "probe")
        os.mkdir(probe)
        prefix = namespace_prefix(probe)
        if prefix is None:
            self.skipTest("cannot mount a tmpfs in a private mount namespace here "
                          "(needs root or user namespaces)")
        ref_db = os.path.join(self.tmp, "ref.db")
        p = subprocess.run([MRVET, "run", self.study, "--db", ref_db, "--jobs", "2"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        ref = rows(ref_db)
        self.assertEqual(len(ref), 5 * 21 * 4)  # cases x (clean + 5 x 4) x metrics

        mnt = os.path.join(self.tmp, "mnt")
        out = os.path.join(self.tmp, "out")
        os.mkdir(mnt)
        os.mkdir(out)
        # 1 MiB holds the schema and some batches but not the whole run's WAL
        p = subprocess.run(prefix + ["sh", "-c", SCRIPT, "sh", mnt, out, "1m", MRVET,
                                     self.study], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)

        def read(name):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                return f.read()

        self.assertEqual(int(read("rc1")), 2, read("err1"))
        err = read("err1")
        self.assertIn(os.path.join(mnt, "s.db"), err)
        self.assertIn("database or disk is full", err)
        self.assertIn("run the same command again to resume", err)

        partial_db = os.path.join(out, "partial", "s.db")
        con = sqlite3.connect(partial_db)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        con.close()
        partial = rows(partial_db)
        self.assertGreater(len(partial), 0, "nothing was committed before the disk filled")
        self.assertLess(len(partial), len(ref), "the disk never filled: make the tmpfs smaller")
        refset = set(ref)
        lost = [r for r in partial if r not in refset]
        self.assertEqual(lost, [], "stored rows differ from the uninterrupted run")

        self.assertEqual(int(read("rc2")), 0, read("err2"))
        self.assertEqual(rows(os.path.join(out, "final", "s.db")), ref)


if __name__ == "__main__":
    MRVET = sys.argv[1]
    unittest.main(argv=sys.argv[:1], verbosity=2)
