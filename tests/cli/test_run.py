#!/usr/bin/python3
"""`mrvet run` end to end: study-file validation with file:line:column, dry
run, resume after SIGKILL at random moments, refusal of an edited study,
shards + merge, export. The store is read with Python's sqlite3 and the
export with Python's csv/json: independent readers.

usage: test_run.py PATH/TO/mrvet [BUILD_DIR]
"""
import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storeutil import rows  # noqa: E402

MRVET = None

STUDY = """\
study: resume-test
seed: {seed}
dataset:
  kind: phantom
  matrix: {matrix}
  coils: 4
undersampling:
  acceleration: 4
  center_fraction: 0.08
models:
  - name: zf_a
    adapter: builtin
    model: zero_filled
    version: "1"
  - name: zf_b
    adapter: builtin
    model: zero_filled
    version: "2"
perturbations:
  - family: noise
    severities: [1, 3, 5]
    repeats: {repeats}
metrics: [psnr, ssim, nmse]
"""

CASES = 5


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def mrvet(*args, check=None, timeout=600):
    p = subprocess.run([MRVET, *args], capture_output=True, text=True, timeout=timeout)
    if check is not None and p.returncode != check:
        raise AssertionError(f"mrvet {' '.join(args)} exited {p.returncode}, expected {check}:"
                             f"\n{p.stdout}\n{p.stderr}")
    return p


class Validation(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mrvet-run-test-")

    def tearDown(self):
        self.tmp.cleanup()

    def bad(self, text, *expect):
        path = write(os.path.join(self.tmp.name, "bad.yaml"), text)
        p = mrvet("run", path, "--dry-run", check=2)
        for e in expect:
            self.assertIn(e, p.stderr)
        return p

    def test_errors_name_file_line_column_and_key(self):
        good = STUDY.format(seed=1, matrix=64, repeats=1)
        self.bad(good.replace("  coils: 4", "  coils: 4\n  colour: red"),
                 "bad.yaml:7:3:", "unknown key 'colour'", "expected one of")
        self.bad(good.replace("matrix: 64", "matrix: big"),
                 "bad.yaml:5:11:", "dataset.matrix", "expected an integer")
        self.bad(good.replace("matrix: 64", "matrix: 5"), "dataset.matrix", "16..4096")
        self.bad(good.replace("family: noise", "family: wobble"),
                 "perturbations[0]", "unknown perturbation 'wobble'")
        self.bad(good.replace("family: noise", "chain: [motion, wobble]"),
                 "perturbations[0].chain", "unknown perturbation 'wobble'")
        self.bad(good.replace("family: noise", "chain: [motion]"),
                 "perturbations[0].chain", "2..8 families")
        self.bad(good.replace("[psnr, ssim, nmse]", "[psnr, dice9]"),
                 "unknown metric 'dice9'")
        self.bad(good.replace("[psnr, ssim, nmse]", "[psnr, dice]"),
                 "metric 'dice' scores label maps")
        self.bad(good.replace("severities: [1, 3, 5]", "severities: [3, 1]"),
                 "increasing order")
        self.bad(good.replace("severities: [1, 3, 5]", "severities: [1, 9]"),
                 "severities 1..5")
        self.bad(good.replace("adapter: builtin\n    model: zero_filled\n    version: \"1\"",
                              "adapter: builtin\n    model: unet\n    version: \"1\""),
                 "models[0]", "no builtin model 'unet'")
        self.bad(good.replace("name: zf_b", "name: zf_a"), "used twice")
        self.bad(good.replace("center_fraction: 0.08", "center_fraction: 0.5"),
                 "center_fraction")
        self.bad("study: x\ndataset: [unclosed\n", "bad.yaml:", "YAML syntax error")
        self.bad("- just\n- a list\n", "expected a study")
        self.bad(good.replace("dataset:\n  kind: phantom\n  matrix: 64\n  coils: 4\n", ""),
                 "dataset", "required section is missing")

    def test_every_example_study_is_valid(self):
        here = os.path.dirname(os.path.abspath(__file__))
        examples = os.path.join(here, "..", "..", "examples")
        names = sorted(n for n in os.listdir(examples) if n.endswith(".yaml"))
        self.assertIn("demo.yaml", names)
        for name in names:
            p = mrvet("run", os.path.join(examples, name), "--dry-run",
                      "--db", os.path.join(self.tmp.name, name + ".db"))
            self.assertEqual(p.returncode, 0, f"{name}: {p.stderr}")

    def test_families_chains_and_masks_in_a_study(self):
        """Motion is timed on the lines the case's mask samples; an undersampling
        family hands the model its own mask instead of the study's; a chain is
        stored under its joined name and draws from every link."""
        path = write(os.path.join(self.tmp.name, "families.yaml"), """\
study: families
seed: 9
dataset: {kind: phantom, matrix: 96, coils: 4}
undersampling: {acceleration: 4, center_fraction: 0.08}
models:
  - {name: zf, adapter: builtin, model: zero_filled}
perturbations:
  - {family: motion, severities: [5]}
  - {family: undersample, severities: [1]}
  - {chain: [motion, noise], severities: [3]}
""")
        db = os.path.join(self.tmp.name, "families.db")
        mrvet("run", path, "--db", db, "--quiet", check=0)
        import json
        import sqlite3
        con = sqlite3.connect(db)
        rows_ = con.execute("SELECT family, params FROM perturbations").fetchall()
        psnr = dict(con.execute(
            "SELECT p.family, avg(r.value) FROM results r JOIN perturbations p"
            " ON p.id = r.perturbation_id WHERE r.metric = 'psnr' GROUP BY 1"))
        con.close()
        fams = {}
        for fam, params in rows_:
            fams.setdefault(fam, []).append(json.loads(params))
        self.assertEqual(set(fams), {"none", "motion", "undersample", "motion+noise"})
        for p in fams["motion"] + fams["motion+noise"]:
            self.assertEqual(p["lines_timed"], p["undersampling"]["lines_sampled"])
            self.assertEqual(p["undersampling"]["pattern"], "random")
        for p in fams["motion+noise"]:
            self.assertIn("sigma", p)  # the noise link drew too
        for p in fams["undersample"]:
            self.assertEqual(p["undersampling"]["pattern"], "by perturbation undersample")
            self.assertEqual(p["undersampling"]["lines_sampled"], p["lines_sampled"])
            self.assertGreater(p["lines_sampled"], 96 / 4)  # severity 1 samples more
        # more lines sampled, better zero-filled image; motion makes it worse
        self.assertGreater(psnr["undersample"], psnr["none"])
        self.assertLess(psnr["motion"], psnr["none"])

    def test_segmentation_study(self):
        """A segmentation study: image-domain perturbation of the colin27 brain,
        the built-in Otsu segmenter, label metrics stored per label, and the
        task's rules enforced on metrics and models."""
        path = write(os.path.join(self.tmp.name, "seg.yaml"), """\
study: seg
task: segmentation
seed: 4
dataset: {kind: colin27, matrix: 96, limit: 3}
models:
  - {name: otsu, adapter: builtin, model: otsu_segmenter}
perturbations:
  - {family: noise, severities: [2]}
  - {family: bias, severities: [4]}
metrics: [dice, hd95, ece]
""")
        db = os.path.join(self.tmp.name, "seg.db")
        mrvet("run", path, "--db", db, "--quiet", check=0)
        import sqlite3
        con = sqlite3.connect(db)
        got = con.execute("SELECT metric, count(*), sum(value IS NULL), min(value), max(value)"
                          " FROM results GROUP BY 1 ORDER BY 1").fetchall()
        con.close()
        scored = [g for g in got if not g[0].startswith("calib_bin_")]
        self.assertEqual([g[0] for g in scored], ["dice:1", "ece", "hd95:1"])
        for metric, n, nulls, lo, hi in scored:
            self.assertEqual((n, nulls), (3 * 3, 0), metric)
        dice = scored[0]
        # the stored reliability bins reproduce each item's ECE by Guo's formula
        con = sqlite3.connect(db)
        items = {}
        for pid, metric, value in con.execute(
                "SELECT perturbation_id, metric, value FROM results"
                " WHERE metric = 'ece' OR metric LIKE 'calib_bin_%'"):
            items.setdefault(pid, {})[metric] = value
        con.close()
        self.assertEqual(len(items), 9)
        for bins in items.values():
            counts = {m[10:12]: v for m, v in bins.items() if m.endswith("_count")}
            total = sum(counts.values())
            ece = sum(c / total * abs(bins[f"calib_bin_{b}_acc"] - bins[f"calib_bin_{b}_conf"])
                      for b, c in counts.items())
            self.assertAlmostEqual(ece, bins["ece"], places=9)
        self.assertTrue(0 < dice[3] <= dice[4] <= 1)
        self.bad(open(path).read().replace("[dice, hd95, ece]", "[dice, psnr]"),
                 "metric 'psnr' scores images")
        self.bad(open(path).read().replace("model: otsu_segmenter", "model: zero_filled"),
                 "builtin 'zero_filled' is a reconstruction model")
        self.bad(open(path).read().replace("task: segmentation", "task: dreaming"),
                 "expected reconstruction or segmentation")

    def test_missing_and_binary_files(self):
        p = mrvet("run", "/nonexistent/study.yaml", check=2)
        self.assertIn("/nonexistent/study.yaml", p.stderr)
        path = os.path.join(self.tmp.name, "bin.yaml")
        with open(path, "wb") as f:
            f.write(b"\x00\x01\x02binary")
        self.assertIn("binary data", mrvet("run", path, check=2).stderr)

    def test_dry_run_counts_the_grid(self):
        path = write(os.path.join(self.tmp.name, "s.yaml"),
                     STUDY.format(seed=1, matrix=64, repeats=2))
        p = mrvet("run", path, "--dry-run", check=0)
        per_case = 1 + 3 * 2
        self.assertIn(f"cases:        {CASES}", p.stdout)
        self.assertIn(f"items:        {CASES * per_case} ({per_case} per case", p.stdout)
        self.assertIn(f"model calls:  {CASES * per_case * 2}", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "s.db")))


class Resume(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="mrvet-resume-test-")
        cls.study = write(os.path.join(cls.tmp.name, "study.yaml"),
                          STUDY.format(seed=7, matrix=96, repeats=3))
        cls.ref_db = os.path.join(cls.tmp.name, "reference.db")
        t0 = time.time()
        mrvet("run", cls.study, "--db", cls.ref_db, "--quiet", check=0)
        cls.duration = time.time() - t0
        cls.reference = rows(cls.ref_db)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_reference_is_complete(self):
        per_case = 1 + 3 * 3
        self.assertEqual(len(self.reference), CASES * per_case * 2 * 3)
        self.assertTrue(all(r[8] is not None for r in self.reference))
        con = sqlite3.connect(self.ref_db)
        self.assertEqual({r[0] for r in con.execute("SELECT status FROM runs")}, {"completed"})
        con.close()

    def test_rerun_skips_everything(self):
        db = os.path.join(self.tmp.name, "again.db")
        mrvet("run", self.study, "--db", db, "--quiet", check=0)
        p = mrvet("run", self.study, "--db", db, "--quiet", check=0)
        self.assertIn("0 items run", p.stdout)
        self.assertEqual(rows(db), self.reference)

    def test_sigkill_at_random_moments_then_resume(self):
        """Kill `mrvet run` with SIGKILL at 24 random moments, resuming each
        time; whenever an attempt completes before its kill, the store must
        already equal the uninterrupted run, and killing starts over on a fresh
        store. The final store holds exactly the rows of the uninterrupted run."""
        db = os.path.join(self.tmp.name, "killed.db")
        rng = random.Random(20261125)
        kills = completions = attempts = 0
        # Each attempt is killed within its first tenth of the full run's time,
        # so kills land everywhere: opening the store, resuming,
        # mid-transaction, between commits.
        while kills < 24 and attempts < 200:
            attempts += 1
            proc = subprocess.Popen([MRVET, "run", self.study, "--db", db, "--quiet"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, self.duration / 10))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                proc.wait()
            elif proc.wait() == 0:  # finished before the kill: check, start over
                self.assertEqual(rows(db), self.reference)
                completions += 1
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(db + suffix):
                        os.remove(db + suffix)
        self.assertEqual(kills, 24)
        p = mrvet("run", self.study, "--db", db, "--quiet", check=0)
        self.assertEqual(rows(db), self.reference)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(con.execute("SELECT count(*) FROM runs").fetchone()[0], 2)
        con.close()
        self.assertIn("items run", p.stdout)

    def test_edited_study_is_refused(self):
        db = os.path.join(self.tmp.name, "edited.db")
        mrvet("run", self.study, "--db", db, "--quiet", check=0)
        edited = write(os.path.join(self.tmp.name, "edited.yaml"),
                       STUDY.format(seed=8, matrix=96, repeats=3))
        p = mrvet("run", edited, "--db", db, "--quiet", check=2)
        self.assertIn("changed since run", p.stderr)
        self.assertIn("--new-run", p.stderr)
        self.assertEqual(rows(db), self.reference)  # nothing stored was touched
        mrvet("run", edited, "--db", db, "--quiet", "--new-run", check=0)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM runs").fetchone()[0], 4)
        con.close()

    def test_shards_merge_to_the_whole(self):
        shard_dbs = []
        for k in (1, 2, 3):
            db = os.path.join(self.tmp.name, f"shard{k}.db")
            mrvet("run", self.study, "--db", db, "--shard", f"{k}/3", "--quiet", check=0)
            shard_dbs.append(db)
        cases = [{r[1] for r in rows(db)} for db in shard_dbs]
        self.assertEqual(sum(len(c) for c in cases), CASES)  # disjoint, complete
        merged = os.path.join(self.tmp.name, "merged.db")
        mrvet("merge", merged, *shard_dbs, check=0)
        self.assertEqual(rows(merged), self.reference)
        mrvet("merge", merged, shard_dbs[0], check=0)  # idempotent
        self.assertEqual(rows(merged), self.reference)
        # a shard of another study is refused, and nothing of it is written
        other = write(os.path.join(self.tmp.name, "other.yaml"),
                      STUDY.format(seed=99, matrix=96, repeats=3))
        odb = os.path.join(self.tmp.name, "other.db")
        mrvet("run", other, "--db", odb, "--shard", "1/3", "--quiet", check=0)
        p = mrvet("merge", merged, odb, check=2)
        self.assertIn("different studies", p.stderr)
        self.assertEqual(rows(merged), self.reference)

    def test_union_of_shards_is_the_run_for_any_n(self):
        for n in (1, 2, 4, 7):
            union = []
            for k in range(1, n + 1):
                db = os.path.join(self.tmp.name, f"n{n}-k{k}.db")
                mrvet("run", self.study, "--db", db, "--shard", f"{k}/{n}", "--quiet", check=0)
                union += rows(db)
            self.assertEqual(sorted(union, key=repr), sorted(self.reference, key=repr), n)

    def test_export_csv_and_json(self):
        out = os.path.join(self.tmp.name, "results.csv")
        mrvet("export", self.ref_db, "--format", "csv", "-o", out, check=0)
        with open(out, newline="", encoding="utf-8") as f:
            table = list(csv.DictReader(f))
        self.assertEqual(len(table), len(self.reference))
        con = sqlite3.connect(self.ref_db)
        stored = {(m, c, fam, sev, rep, met): v for (m, c, fam, sev, rep, met, v) in con.execute(
            "SELECT u.model, c.case_key, p.family, p.severity, p.repeat, r.metric, r.value"
            " FROM results r JOIN runs u ON u.id = r.run_id JOIN cases c ON c.id = r.case_id"
            " JOIN perturbations p ON p.id = r.perturbation_id")}
        con.close()
        for row in table:
            key = (row["model"], row["case"], row["family"], int(row["severity"]),
                   int(row["repeat"]), row["metric"])
            self.assertEqual(float(row["value"]), stored[key])  # %.17g round-trips exactly
            json.loads(row["params"])
        p = mrvet("export", self.ref_db, "--format", "json", check=0)
        data = json.loads(p.stdout)
        self.assertEqual(len(data), len(self.reference))
        self.assertEqual({d["model"] for d in data}, {"zf_a", "zf_b"})
        self.assertEqual(mrvet("export", self.ref_db, "--format", "xml", check=2).returncode, 2)

    def test_locked_store_is_a_clear_error(self):
        db = os.path.join(self.tmp.name, "locked.db")
        mrvet("run", self.study, "--db", db, "--quiet", check=0)
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            p = mrvet("run", self.study, "--db", db, "--quiet", "--new-run")
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(db, p.stderr)
        self.assertIn("locked", p.stderr)
        self.assertEqual(rows(db), self.reference)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
