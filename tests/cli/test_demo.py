#!/usr/bin/python3
"""Integration: run the real `mrvet` binary and read its store with Python's
own sqlite3 (an independent reader), as a user or an auditor would.

usage: test_demo.py PATH/TO/mrvet
"""
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

MRVET = None

# the demo's grid (harness/engine.c mrv_study_demo): 5 phantom cases,
# clean + 5 noise severities x 3 repeats, 3 metrics
CASES, SEVERITIES, REPEATS, METRICS = 5, 5, 3, ("nmse", "psnr", "ssim")
SNR = {1: 40.0, 2: 20.0, 3: 10.0, 4: 5.0, 5: 2.5}


def run(*args, check=True):
    p = subprocess.run([MRVET, *args], capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"mrvet {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p


class Demo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="mrvet-demo-test-")
        cls.out2 = os.path.join(cls.tmp.name, "jobs2")
        cls.out1 = os.path.join(cls.tmp.name, "jobs1")
        cls.p2 = run("demo", "--out", cls.out2, "--jobs", "2")
        cls.p1 = run("demo", "--out", cls.out1, "--jobs", "1")
        cls.db = sqlite3.connect(os.path.join(cls.out2, "demo.db"))

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        cls.tmp.cleanup()

    def q(self, sql, *args):
        return self.db.execute(sql, args).fetchall()

    def test_prints_where_things_are(self):
        self.assertIn(os.path.join(self.out2, "demo.db"), self.p2.stdout)
        self.assertIn(os.path.join(self.out2, "report.html"), self.p2.stdout)

    def test_schema_and_pragmas(self):
        self.assertEqual(self.q("PRAGMA user_version")[0][0], 2)
        self.assertEqual(self.q("PRAGMA journal_mode")[0][0], "wal")
        tables = {r[0] for r in self.q("SELECT name FROM sqlite_master WHERE type='table'")}
        self.assertTrue({"runs", "cases", "perturbations", "results", "artifacts",
                         "provenance"} <= tables)

    def test_grid_is_complete(self):
        n = self.q("SELECT count(*) FROM results")[0][0]
        self.assertEqual(n, CASES * (1 + SEVERITIES * REPEATS) * len(METRICS))
        self.assertEqual(self.q("SELECT count(*) FROM results WHERE value IS NULL")[0][0], 0)
        metrics = [r[0] for r in self.q("SELECT DISTINCT metric FROM results ORDER BY 1")]
        self.assertEqual(tuple(metrics), METRICS)
        self.assertEqual(self.q("SELECT count(*) FROM cases")[0][0], CASES)
        self.assertEqual(
            self.q("SELECT count(*) FROM perturbations WHERE family='none' AND severity=0")[0][0],
            CASES)

    def test_drawn_parameters_stored(self):
        """Each noisy input records the SNR of its severity and the sigma drawn:
        sigma = signal_mean / snr (the SNR definition)."""
        rows = self.q("SELECT severity, seed, params FROM perturbations WHERE family='noise'")
        self.assertEqual(len(rows), CASES * SEVERITIES * REPEATS)
        seeds = set()
        for sev, seed, params in rows:
            p = json.loads(params)
            self.assertEqual(p["snr"], SNR[sev])
            self.assertAlmostEqual(p["sigma"], p["signal_mean"] / p["snr"], delta=1e-12)
            self.assertEqual(p["undersampling"]["acceleration"], 4)
            self.assertEqual(p["undersampling"]["low_frequency_lines"], 26)
            self.assertTrue(0 <= seed < 2**63)
            seeds.add(seed)
        self.assertEqual(len(seeds), len(rows), "every noise draw has its own seed")

    def test_degradation_is_monotone(self):
        """More noise, worse numbers: mean PSNR and SSIM fall, NMSE rises."""
        def means(metric):
            return [r[0] for r in self.q(
                "SELECT avg(r.value) FROM results r JOIN perturbations p "
                "ON p.id = r.perturbation_id WHERE r.metric = ? "
                "GROUP BY p.severity ORDER BY p.severity", metric)]
        psnr, ssim, nmse = means("psnr"), means("ssim"), means("nmse")
        self.assertEqual(len(psnr), SEVERITIES + 1)
        for a, b in zip(psnr, psnr[1:]):
            self.assertGreater(a, b)
        for a, b in zip(ssim, ssim[1:]):
            self.assertGreater(a, b)
        for a, b in zip(nmse, nmse[1:]):
            self.assertLess(a, b)
        # PSNR and NMSE are tied by the reference: PSNR = 10 log10(max^2 N / (NMSE ||ref||^2)),
        # so both move together; sanity-bound the clean zero-filled PSNR at R=4
        self.assertTrue(15 < psnr[0] < 45, psnr[0])

    def test_same_numbers_on_one_and_two_threads(self):
        other = sqlite3.connect(os.path.join(self.out1, "demo.db"))
        sql = ("SELECT c.case_key, p.family, p.severity, p.repeat, p.seed, r.metric, r.value "
               "FROM results r JOIN cases c ON c.id = r.case_id "
               "JOIN perturbations p ON p.id = r.perturbation_id ORDER BY 1, 2, 3, 4, 6")
        a = self.db.execute(sql).fetchall()
        b = other.execute(sql).fetchall()
        other.close()
        self.assertEqual(a, b)

    def test_run_provenance(self):
        (study, model, sw, commit, host, seed, status, started, ended, cfg, cfg_sha) = self.q(
            "SELECT study, model, software_version, git_commit, host, seed, status, "
            "started_at, ended_at, config_json, config_sha256 FROM runs")[0]
        self.assertEqual((study, model, seed, status), ("demo", "zero_filled", 20261125,
                                                        "completed"))
        self.assertRegex(sw, r"^\d+\.\d+\.\d+$")
        self.assertTrue(commit)
        self.assertTrue(host)
        self.assertLessEqual(started, ended)
        self.assertEqual(json.loads(cfg)["undersampling"]["center_fraction"], 0.08)
        import hashlib
        self.assertEqual(cfg_sha, hashlib.sha256(cfg.encode()).hexdigest())
        kinds = {}
        for kind, sha in self.q("SELECT kind, sha256 FROM provenance"):
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind in ("case", "config", "study_file"):
                self.assertRegex(sha, r"^[0-9a-f]{64}$")
        self.assertEqual(kinds.get("case"), CASES)
        self.assertEqual(kinds.get("dataset"), 1)
        self.assertEqual(kinds.get("study_file"), 1)

    def test_report(self):
        html = open(os.path.join(self.out2, "report.html"), encoding="utf-8").read()
        for word in ("psnr", "ssim", "nmse", "noise", "zero_filled", "±"):
            self.assertIn(word, html)
        self.assertNotIn("src=\"http", html)  # self-contained

    def test_demo_is_the_example_study(self):
        """What the demo runs is examples/demo.yaml, byte for byte."""
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "..", "examples", "demo.yaml"), encoding="utf-8") as f:
            self.assertEqual(run("demo", "--print-study").stdout, f.read())
        sha = self.q("SELECT sha256 FROM provenance WHERE kind = 'study_file'")[0][0]
        import hashlib
        with open(os.path.join(here, "..", "..", "examples", "demo.yaml"), "rb") as f:
            self.assertEqual(sha, hashlib.sha256(f.read()).hexdigest())

    def test_worst_case_image_panels(self):
        """The images behind the worst cases are saved (.npy, fingerprinted) and
        the report draws them: the reference of a Shepp-Logan case peaks at the
        skull's intensity 1.0 (Toft), and the saved input of a worst case is
        noisier than its reference."""
        import hashlib
        import numpy as np
        arts = self.q("SELECT kind, path, sha256 FROM artifacts")
        kinds = {k for k, _, _ in arts}
        self.assertEqual(kinds, {"reference", "input", "output"})
        for kind, path, sha in arts:
            full = os.path.join(self.out2, path)
            with open(full, "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), sha)
            a = np.load(full)
            self.assertEqual(a.shape, (320, 320))
            self.assertEqual(a.dtype, np.float32)
            if kind == "reference":
                self.assertAlmostEqual(float(a.max()), 1.0, delta=1e-4)
        ref = [p for k, p, _ in arts if k == "reference"][0]
        inp = [p for k, p, _ in arts if k == "input" and p.startswith(ref[:ref.index("__")])][0]
        r, i = np.load(os.path.join(self.out2, ref)), np.load(os.path.join(self.out2, inp))
        self.assertGreater(float(np.abs(i[:30, :30]).mean()), float(np.abs(r[:30, :30]).mean()))
        panels = os.listdir(os.path.join(self.out2, "report_panels"))
        self.assertTrue(any(p.endswith(".png") for p in panels))
        with open(os.path.join(self.out2, "report.html"), encoding="utf-8") as f:
            self.assertIn("report_panels/", f.read())

    def test_report_command(self):
        out = os.path.join(self.tmp.name, "again.html")
        run("report", os.path.join(self.out2, "demo.db"), "-o", out)
        self.assertTrue(os.path.getsize(out) > 1000)


class DemoColin27(unittest.TestCase):
    def test_demo_on_the_colin27_brain(self):
        """`mrvet demo --dataset colin27`: the real T1 brain from Debian's
        mricron-data, 12 axial slices, the same grid and metrics."""
        with tempfile.TemporaryDirectory(prefix="mrvet-demo-c27-") as out:
            run("demo", "--out", out, "--dataset", "colin27")
            db = sqlite3.connect(os.path.join(out, "demo.db"))
            ncases = db.execute("SELECT count(*) FROM cases WHERE dataset = 'colin27'").fetchone()[0]
            self.assertEqual(ncases, 12)
            self.assertEqual(db.execute("SELECT count(*) FROM results WHERE value IS NOT NULL")
                             .fetchone()[0], ncases * (1 + SEVERITIES * REPEATS) * len(METRICS))
            cfg = json.loads(db.execute("SELECT config_json FROM runs").fetchone()[0])
            self.assertEqual(cfg["dataset"]["kind"], "colin27")
            db.close()


class Usage(unittest.TestCase):
    def test_help(self):
        p = run("--help")
        for cmd in ("demo", "run", "merge", "export", "report", "list"):
            self.assertIn(cmd, p.stdout)
        for cmd in ("demo", "run", "merge", "export", "report", "list"):
            p = run(cmd, "--help")
            self.assertIn("usage: mrvet " + cmd, p.stdout)

    def test_bad_usage_exit_2(self):
        self.assertEqual(run("frobnicate", check=False).returncode, 2)
        self.assertEqual(run("demo", "--jobs", "zero", check=False).returncode, 2)
        p = run("report", "/nonexistent/x.db", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/x.db", p.stderr)
        with tempfile.NamedTemporaryFile(suffix=".db") as f:
            f.write(b"this is not a database, just text" * 100)
            f.flush()
            p = run("report", f.name, check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn(f.name, p.stderr)

    def test_list(self):
        p = run("list", "perturbations")
        self.assertIn("noise", p.stdout)
        self.assertIn("snr", p.stdout)
        self.assertIn("psnr", run("list", "metrics").stdout)
        self.assertIn("zero_filled", run("list", "adapters").stdout)
        self.assertIn("phantom", run("list", "datasets").stdout)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
