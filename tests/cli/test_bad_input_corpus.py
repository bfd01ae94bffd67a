#!/usr/bin/python3
"""The bad-input corpus: malformed files of every format mrvet reads, made
here by code (h5py, numpy, struct, sqlite3, ISMRMRD's own generator), each
given to the real binary. Every case must exit 2 (bad input) and print the
exact message a user sees: the file, the field, and what was expected.
Nothing may crash (a crash exits with a signal or 4 and fails the case).

Data files go through `mrvet run STUDY --dry-run` with a strict data set
(the same open and validation a real run does) or `mrvet inspect`; stores
through report, gate, export and merge.

usage: test_bad_input_corpus.py PATH/TO/mrvet [BUILD_DIR]
"""
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

MRVET = None
PROBE = os.environ.get("MRV_PROBE") == "1"  # print messages instead of asserting

STUDY = """\
study: bad-input
seed: 1
dataset:
  kind: {kind}
  path: {path}
  strict: true
models:
  - {{name: zf, adapter: builtin, model: zero_filled}}
perturbations: []
metrics: [psnr]
"""

SEG_STUDY = """\
study: bad-input
task: segmentation
seed: 1
dataset:
  kind: nifti
  path: set
  strict: true
models:
  - {name: otsu, adapter: builtin, model: otsu_segmenter}
perturbations: []
metrics: [dice]
"""


def mrvet(*args, cwd):
    return subprocess.run([MRVET, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


# ---- fastMRI HDF5 -------------------------------------------------------
def fastmri_good(path, slices=2, coils=2, ny=8, nx=6):
    k = (np.arange(slices * coils * ny * nx, dtype=np.float32) % 7).astype(np.complex64)
    with h5py.File(path, "w") as f:
        f.create_dataset("kspace", data=k.reshape(slices, coils, ny, nx))
        f.create_dataset("reconstruction_rss", data=np.ones((slices, 4, 4), np.float32))
        f.attrs["max"] = 1.0
    return path


def fm_not_hdf5(p):
    open(p, "wb").write(b"this is not an HDF5 file\n" * 4)


def fm_empty(p):
    open(p, "wb").close()


def fm_truncated(p):
    fastmri_good(p)
    data = open(p, "rb").read()
    open(p, "wb").write(data[: len(data) // 3])


def fm_no_kspace(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("reconstruction_rss", data=np.ones((1, 4, 4), np.float32))


def fm_rank2(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("kspace", data=np.ones((4, 4), np.complex64))


def fm_rank9(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("kspace", data=np.ones((1,) * 9, np.complex64))


def fm_real_kspace(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("kspace", data=np.ones((1, 2, 4, 4), np.float32))


def fm_rss_slices(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("kspace", data=np.ones((2, 2, 4, 4), np.complex64))
        f.create_dataset("reconstruction_rss", data=np.ones((3, 4, 4), np.float32))


def fm_rss_dtype(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("kspace", data=np.ones((1, 2, 4, 4), np.complex64))
        f.create_dataset("reconstruction_rss", data=np.ones((1, 4, 4), np.int16))


def fm_mask_len(p):
    with h5py.File(p, "w") as f:
        f.create_dataset("kspace", data=np.ones((1, 2, 4, 6), np.complex64))
        f.create_dataset("mask", data=np.ones(5, bool))


def fm_nan(p):
    k = np.ones((1, 2, 4, 4), np.complex64)
    k[0, 1, 2, 3] = np.nan
    with h5py.File(p, "w") as f:
        f.create_dataset("kspace", data=k)
        f.create_dataset("reconstruction_rss", data=np.ones((1, 4, 4), np.float32))


# ---- NIfTI-1 (nifti1.h layout, written with struct) ---------------------
def nifti_bytes(dims, datatype=16, bitpix=32, vox_offset=352.0, data=None):
    hdr = bytearray(348)
    struct.pack_into("<i", hdr, 0, 348)
    dim = [len(dims)] + list(dims) + [1] * (7 - len(dims))
    struct.pack_into("<8h", hdr, 40, *dim)
    struct.pack_into("<hh", hdr, 70, datatype, bitpix)
    struct.pack_into("<8f", hdr, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", hdr, 108, vox_offset)
    struct.pack_into("<f", hdr, 112, 1.0)  # scl_slope
    hdr[344:348] = b"n+1\0"
    if data is None:
        n = int(np.prod(dims)) * bitpix // 8
        data = bytes(n)
    return bytes(hdr) + b"\0\0\0\0" + data


def ni_not_nifti(p):
    open(p, "wb").write(b"\x89PNG not a nifti" * 30)


def ni_short_header(p):
    open(p, "wb").write(nifti_bytes((4, 4, 2))[:100])


def ni_dim0(p):
    b = bytearray(nifti_bytes((4, 4, 2)))
    struct.pack_into("<h", b, 40, 9)
    open(p, "wb").write(bytes(b))


def ni_huge(p):
    open(p, "wb").write(nifti_bytes((30000, 30000, 30000), data=bytes(64)))


def ni_truncated_data(p):
    b = nifti_bytes((4, 4, 2))
    open(p, "wb").write(b[: 352 + 100])


def ni_5d(p):
    open(p, "wb").write(nifti_bytes((4, 4, 2, 2, 2)))


# ---- BART cfl/hdr ---------------------------------------------------------
def cfl_pair(base, hdr, nsamples):
    open(base + ".hdr", "w").write(hdr)
    open(base + ".cfl", "wb").write(np.zeros(nsamples, np.complex64).tobytes())


def cf_missing_cfl(base):
    open(base + ".hdr", "w").write("# Dimensions\n4 4 1 1\n")


def cf_short(base):
    cfl_pair(base, "# Dimensions\n4 4 1 2\n", 20)


def cf_garbage(base):
    cfl_pair(base, "# Dimensions\n4 four 1\n", 16)


def cf_negative(base):
    cfl_pair(base, "# Dimensions\n4 -4 1\n", 16)


def cf_no_dims(base):
    cfl_pair(base, "# Command\nbart phantom\n", 16)


# ---- ISMRMRD --------------------------------------------------------------
def ismrmrd_good(p):
    subprocess.run(["ismrmrd_generate_cartesian_shepp_logan", "-m", "16", "-c", "2",
                    "-n", "0", "-o", p], check=True, capture_output=True)


def is_no_dataset(p):
    with h5py.File(p, "w") as f:
        f.create_group("dataset").create_dataset("xml", data=b"<ismrmrdHeader/>")


def is_scalar_data(p):
    with h5py.File(p, "w") as f:
        g = f.create_group("dataset")
        g.create_dataset("data", data=np.float32(1.0))


def ismrmrd_set_xml(p, edit):
    """Rewrite the header in place (same variable-length string dataset)."""
    with h5py.File(p, "r+") as f:
        x = f["dataset/xml"][0]
        x = x.decode() if isinstance(x, bytes) else x
        f["dataset/xml"][0] = edit(x).encode()


def is_no_encoding(p):
    ismrmrd_good(p)
    ismrmrd_set_xml(p, lambda x: x.replace("<encoding>", "<encodingX>")
                    .replace("</encoding>", "</encodingX>"))


def is_radial(p):
    ismrmrd_good(p)
    ismrmrd_set_xml(p, lambda x: x.replace("<trajectory>cartesian</trajectory>",
                                           "<trajectory>radial</trajectory>"))


def is_short_line(p):
    """Acquisition 3 stores fewer samples than its header declares."""
    ismrmrd_good(p)
    with h5py.File(p, "r+") as f:
        d = f["dataset/data"]
        a = d[3]
        a["data"] = a["data"][:10]
        d[3] = a


def is_step_outside(p):
    ismrmrd_good(p)
    with h5py.File(p, "r+") as f:
        d = f["dataset/data"]
        a = d[5]
        a["head"]["idx"]["kspace_encode_step_1"] = 999
        d[5] = a


class BadInputCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mrvet-badinput-")
        cls.count = 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        # the issue asks for at least 30 malformed inputs
        assert cls.count >= 30, cls.count

    def expect(self, proc, *lines):
        """Exit 2 and each expected line present verbatim in stderr."""
        type(self).count += 1
        err = proc.stderr
        if PROBE:
            print(f"--- {self.id()} rc={proc.returncode}\n{err}", end="")
            return
        self.assertEqual(proc.returncode, 2, err)
        got = err.splitlines()
        for line in lines:
            self.assertIn(line, got, err)

    def run_data(self, kind, name, make, *lines, dry=True):
        """Open the file as a strict data set: --dry-run validates every file
        at open; a real run also loads each case (NaN/Inf, data size)."""
        d = tempfile.mkdtemp(dir=self.tmp)
        make(os.path.join(d, name))
        with open(os.path.join(d, "s.yaml"), "w") as f:
            f.write(STUDY.format(kind=kind, path=name))
        args = ["--dry-run"] if dry else ["--quiet"]
        self.expect(mrvet("run", "s.yaml", "--db", "x.db", *args, cwd=d), *lines)

    # fastMRI -----------------------------------------------------------------
    def test_fastmri(self):
        cases = [
            ("not_hdf5", fm_not_hdf5,
             'mrvet run: f.h5: cannot open as HDF5 (missing, truncated or not an HDF5 file), expected a fastMRI .h5 file'),
            ("empty", fm_empty,
             'mrvet run: f.h5: cannot open as HDF5 (missing, truncated or not an HDF5 file), expected a fastMRI .h5 file'),
            ("truncated", fm_truncated,
             'mrvet run: f.h5: cannot open as HDF5 (missing, truncated or not an HDF5 file), expected a fastMRI .h5 file'),
            ("no_kspace", fm_no_kspace,
             "mrvet run: f.h5: dataset 'kspace' is missing, expected complex64 (slices, [coils,] ky, kx)"),
            ("rank2", fm_rank2,
             "mrvet run: f.h5: dataset 'kspace' is (4, 4) complex64, expected complex64 of rank 3 (slices, ky, kx) or 4 (slices, coils, ky, kx)"),
            ("rank9", fm_rank9,  # no dims are read past rank 8: none printed
             "mrvet run: f.h5: dataset 'kspace' is of rank > 8 complex64, expected complex64 of rank 3 (slices, ky, kx) or 4 (slices, coils, ky, kx)"),
            ("real_kspace", fm_real_kspace,
             "mrvet run: f.h5: dataset 'kspace' is (1, 2, 4, 4) float32, expected complex64 of rank 3 (slices, ky, kx) or 4 (slices, coils, ky, kx)"),
            ("rss_slices", fm_rss_slices,
             "mrvet run: f.h5: dataset 'reconstruction_rss' has 3 slices, expected 2 as kspace"),
            ("rss_dtype", fm_rss_dtype,
             "mrvet run: f.h5: dataset 'reconstruction_rss' is (1, 4, 4) integer, expected float32 (slices, y, x)"),
            ("mask_len", fm_mask_len,
             "mrvet run: f.h5: dataset 'mask' is (5) enum, expected bool or numeric (6) (one entry per kspace column)"),
            ("nan", fm_nan,
             "mrvet run: f.h5: dataset 'kspace' slice 0 holds NaN at (coil 1, ky 2, kx 3), expected finite values (strict dataset: stopping)"),
        ]
        for name, make, line in cases:
            with self.subTest(name):
                self.run_data("fastmri", "f.h5", make, line,
                              dry=name != "nan")

    # NIfTI -------------------------------------------------------------------
    def test_nifti(self):
        """A Decathlon-style folder whose one image is broken; the label is a
        valid 4x4x2 u8 volume (or declares the image's huge grid). A strict
        segmentation run opens the set and loads the case."""
        cases = [
            ("not_nifti", ni_not_nifti,
             'mrvet run: set/imagesTs/c_0000.nii: not a readable NIfTI-1/2 header'),
            ("short_header", ni_short_header,
             'mrvet run: set/imagesTs/c_0000.nii: not a readable NIfTI-1/2 header'),
            ("dim0", ni_dim0,
             'mrvet run: set/imagesTs/c_0000.nii: not a readable NIfTI-1/2 header'),
            ("huge", ni_huge,
             'mrvet run: set/imagesTs/c_0000.nii: header declares 108000000000000 bytes of voxel data (dims x datatype size), expected at most the 64 the file holds after vox_offset (strict dataset: stopping)'),
            ("truncated_data", ni_truncated_data,
             'mrvet run: set/imagesTs/c_0000.nii: header declares 128 bytes of voxel data (dims x datatype size), expected at most the 100 the file holds after vox_offset (strict dataset: stopping)'),
            ("5d", ni_5d,
             'mrvet run: set/imagesTs/c_0000.nii: 5 dimensions, expected a 2D or 3D volume (or 4D channels)'),
        ]
        for name, make, line in cases:
            with self.subTest(name):
                d = tempfile.mkdtemp(dir=self.tmp)
                os.makedirs(os.path.join(d, "set", "imagesTs"))
                os.makedirs(os.path.join(d, "set", "labelsTs"))
                make(os.path.join(d, "set", "imagesTs", "c_0000.nii"))
                dims = (30000,) * 3 if name == "huge" else (4, 4, 2)
                with open(os.path.join(d, "set", "labelsTs", "c.nii"), "wb") as f:
                    f.write(nifti_bytes(dims, datatype=2, bitpix=8,
                                        data=bytes(16) if name == "huge" else None))
                with open(os.path.join(d, "s.yaml"), "w") as f:
                    f.write(SEG_STUDY)
                self.expect(mrvet("run", "s.yaml", "--db", "x.db", "--quiet", cwd=d),
                            line)

    # cfl ---------------------------------------------------------------------
    def test_cfl(self):
        cases = [
            ("missing_cfl", cf_missing_cfl,
             'mrvet run: k.cfl: missing (No such file or directory); the .hdr needs its .cfl data (128 bytes)'),
            ("short", cf_short,
             'mrvet run: k.cfl: 160 bytes, expected 256 from the header'),
            ("garbage", cf_garbage,
             "mrvet run: k.hdr: line 2: dimension 1 is 'four', expected a positive integer"),
            ("negative", cf_negative,
             "mrvet run: k.hdr: line 2: dimension 1 is '-4', expected a positive integer"),
            ("no_dims", cf_no_dims,
             "mrvet run: k.hdr: no '# Dimensions' line followed by sizes"),
        ]
        for name, make, line in cases:
            with self.subTest(name):
                self.run_data("cfl", "k", make, line)

    # ISMRMRD -----------------------------------------------------------------
    def test_ismrmrd(self):
        if not shutil.which("ismrmrd_generate_cartesian_shepp_logan"):
            self.skipTest("ismrmrd-tools not installed")
        cases = [
            ("no_data", is_no_dataset,
             "mrvet run: r.h5: no ISMRMRD group '/dataset' with 'data' (not HDF5, truncated, or another layout), expected an ISMRMRD file"),
            ("scalar_data", is_scalar_data,
             "mrvet run: r.h5: dataset '/dataset/data' has the wrong rank, expected a 1-D list of acquisitions"),
            ("no_encoding", is_no_encoding,
             "mrvet run: r.h5: dataset 'xml' has no <encoding>, expected an ISMRMRD header with <encoding>"),
            ("radial", is_radial,
             "mrvet run: r.h5: trajectory 'radial', expected cartesian"),
            ("step_outside", is_step_outside,
             'mrvet run: r.h5: acquisition 5 at kspace_encode_step_1 999, step_2 0 falls outside the encoded matrix (16 phase x 1 partitions), expected indices within encodingLimits'),
            ("short_line", is_short_line,
             "mrvet run: r.h5: acquisition 3 stores fewer or more samples than its header's number_of_samples x active_channels (and trajectory_dimensions), expected them equal"),
        ]
        for name, make, line in cases:
            with self.subTest(name):
                self.run_data("ismrmrd", "r.h5", make, line)

    # study YAML ----------------------------------------------------------------
    def test_study(self):
        good = STUDY.format(kind="phantom", path='""')
        cases = [
            ("syntax", "study: x\nmodels: [\n",
             'mrvet run: s.yaml:3:1: YAML syntax error: did not find expected node content while parsing a flow node'),
            ("unknown_key", good.replace("seed: 1", "seed: 1\ncolour: red"),
             "mrvet run: s.yaml:3:1: study file: unknown key 'colour'; expected one of: study, task, seed, dataset, undersampling, models, perturbations, metrics, jobs, panels, report, gate"),
            ("seed_type", good.replace("seed: 1", "seed: abc"),
             "mrvet run: s.yaml:2:7: seed: expected an integer in 0..9007199254740991, found 'abc'"),
            ("metric", good.replace("[psnr]", "[psnr, sharpness]"),
             "mrvet run: s.yaml:10:17: metrics: unknown metric 'sharpness' (see `mrvet list metrics`)"),
            ("family", good.replace("perturbations: []",
                                    "perturbations:\n  - {family: earthquake, severities: [1]}"),
             "mrvet run: s.yaml:10:14: perturbations[0]: unknown perturbation 'earthquake' (see `mrvet list perturbations`)"),
            ("severity", good.replace("perturbations: []",
                                      "perturbations:\n  - {family: noise, severities: [0, 9]}"),
             "mrvet run: s.yaml:10:34: perturbations[0].severities: expected severities 1..5, found '0'"),
            ("adapter", good.replace("adapter: builtin", "adapter: telepathy"),
             "mrvet run: s.yaml:8:25: models[0]: unknown adapter 'telepathy' (see `mrvet list adapters`)"),
            ("no_models", good.replace("models:\n  - {name: zf, adapter: builtin, model: "
                                       "zero_filled}\n", ""),
             'mrvet run: s.yaml:1:1: models: required section is missing'),
        ]
        for name, text, line in cases:
            with self.subTest(name):
                d = tempfile.mkdtemp(dir=self.tmp)
                open(os.path.join(d, "s.yaml"), "w").write(text)
                self.expect(mrvet("run", "s.yaml", "--dry-run", "--db", "x.db", cwd=d),
                            line)

    # gate rules YAML -----------------------------------------------------------
    def test_gate_rules(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        open(os.path.join(d, "s.yaml"), "w").write(
            STUDY.format(kind="phantom", path='""').replace("strict: true",
                                                            "strict: true\n  matrix: 32"))
        p = mrvet("run", "s.yaml", "--db", "g.db", "--quiet", cwd=d)
        self.assertEqual(p.returncode, 0, p.stderr)
        cases = [
            ("syntax", "rules:\n  - {metric: psnr, margin: 0.1\n",
             "mrvet gate: rules.yaml:3:1: YAML syntax error: did not find expected ',' or '}'"),
            ("confidence", "confidence: 1.5\nrules:\n  - {metric: psnr, margin: 0.1}\n",
             "mrvet gate: rules.yaml:1:13: confidence: expected a number in 0.5000001..0.9999, found '1.5'"),
            ("unknown_key", "rules:\n  - {metric: psnr, margin: 0.1, colour: red}\n",
             "mrvet gate: rules.yaml:2:33: rules[0]: unknown key 'colour'; expected one of: name, metric, margin, floor, breakdown_threshold, max_breakdown_drop, family, severities, subgroup"),
            ("no_rule_kind", "rules:\n  - {metric: psnr}\n",
             'mrvet gate: rules.yaml:2:5: rules[0]: give exactly one of margin (non-inferiority), floor, or breakdown_threshold'),
        ]
        for name, text, line in cases:
            with self.subTest(name):
                open(os.path.join(d, "rules.yaml"), "w").write(text)
                self.expect(mrvet("gate", "g.db", "--baseline", "1", "--candidate", "1",
                                  "--rules", "rules.yaml", cwd=d), line)

    # stores --------------------------------------------------------------------
    def test_stores(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        open(os.path.join(d, "junk.db"), "wb").write(b"SQLite format 2\0" + bytes(2000))
        con = sqlite3.connect(os.path.join(d, "other.db"))
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
        cmds = [
            ("report", ["report", "junk.db", "-o", "r.html"],
             'mrvet report: junk.db: not an SQLite database (file is not a database)'),
            ("gate", ["gate", "junk.db", "--baseline", "1", "--candidate", "2"],
             'mrvet gate: junk.db: not an SQLite database (file is not a database)'),
            ("export", ["export", "junk.db", "--format", "csv"],
             'mrvet export: junk.db: not an SQLite database (file is not a database)'),
            ("merge", ["merge", "out.db", "junk.db"],
             'mrvet merge: junk.db: not an SQLite database (file is not a database)'),
            ("report_other", ["report", "other.db", "-o", "r.html"],
             'mrvet report: other.db: SQLite database with 1 tables/indexes but no mrvet schema version; not an mrvet store'),
            ("export_other", ["export", "other.db", "--format", "json"],
             'mrvet export: other.db: SQLite database with 1 tables/indexes but no mrvet schema version; not an mrvet store'),
        ]
        for name, args, line in cmds:
            with self.subTest(name):
                self.expect(mrvet(*args, cwd=d), line)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=1)
