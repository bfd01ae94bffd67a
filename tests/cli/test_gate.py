#!/usr/bin/python3
"""`mrvet gate` end to end: rules from the stored study and from a file,
verdicts and exit codes, a JUnit file read back with a real XML parser, the
Markdown comment, a baseline in another store, and clear usage errors.

usage: test_gate.py PATH/TO/mrvet [BUILD_DIR]
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

MRVET = None

STUDY = """\
study: gate-cli
seed: 5
dataset: {kind: phantom, matrix: 64, coils: 4}
models:
  - {name: baseline, adapter: builtin, model: zero_filled, version: "1"}
  - {name: candidate, adapter: builtin, model: zero_filled, version: "2"}
perturbations:
  - {family: noise, severities: [1, 3, 5], repeats: 2}
metrics: [psnr, ssim, nmse]
gate:
  confidence: 0.95
  rules:
    - {metric: ssim, margin: 0.01}
    - {metric: nmse, margin: 0.01, family: noise, severities: [3, 5]}
    - {metric: ssim, family: noise, breakdown_threshold: 0.2, max_breakdown_drop: 1}
"""


def mrvet(*args):
    return subprocess.run([MRVET, *args], capture_output=True, text=True, timeout=300)


class Gate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mrvet-gate-test-")
        cls.study = os.path.join(cls.tmp, "study.yaml")
        with open(cls.study, "w") as f:
            f.write(STUDY)
        cls.db = os.path.join(cls.tmp, "gate.db")
        p = mrvet("run", cls.study, "--db", cls.db, "--quiet")
        assert p.returncode == 0, p.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def gate(self, db, *extra):
        junit = os.path.join(self.tmp, "junit.xml")
        md = os.path.join(self.tmp, "gate.md")
        p = mrvet("gate", db, "--baseline", "baseline", "--candidate", "candidate",
                  "--junit", junit, "--markdown", md, *extra)
        return p, ET.parse(junit).getroot() if os.path.exists(junit) else None, md

    def test_identical_models_pass(self):
        p, root, md = self.gate(self.db)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("3 of 3 rules passed", p.stdout)
        self.assertEqual(root.tag, "testsuites")
        suite = root.find("testsuite")
        self.assertEqual(suite.get("tests"), "3")
        self.assertEqual(suite.get("failures"), "0")
        self.assertEqual(len(suite.findall("testcase")), 3)
        self.assertIsNone(suite.find("testcase/failure"))
        with open(md) as f:
            self.assertIn("mrvet gate: passed", f.read())

    def test_worse_candidate_fails_with_numbers(self):
        db = os.path.join(self.tmp, "worse.db")
        shutil.copy(self.db, db)
        con = sqlite3.connect(db)
        con.execute("UPDATE results SET value = value - 0.02 WHERE metric = 'ssim' AND run_id ="
                    " (SELECT id FROM runs WHERE model = 'candidate')")
        con.commit()
        con.close()
        p, root, md = self.gate(db)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAIL", p.stdout)
        failures = root.findall("testsuite/testcase/failure")
        self.assertEqual(len(failures), 1)
        self.assertEqual(failures[0].get("type"), "regression")
        self.assertIn("-margin -0.01", failures[0].get("message"))
        case = root.find("testsuite/testcase[failure]")
        self.assertTrue(case.get("name").startswith("ssim non-inferior within 0.01"))
        with open(md) as f:
            self.assertIn("FAILED", f.read())

    def test_rules_file_and_other_baseline_store(self):
        rules = os.path.join(self.tmp, "rules.yaml")
        with open(rules, "w") as f:
            f.write("confidence: 0.95\nrules:\n  - {metric: psnr, margin: 0.1, name: psnr"
                    " holds}\n  - {metric: psnr, floor: 1000}\n")
        other = os.path.join(self.tmp, "baseline-copy.db")
        shutil.copy(self.db, other)
        p, root, _ = self.gate(self.db, "--rules", rules, "--baseline-db", other)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        names = [c.get("name") for c in root.findall("testsuite/testcase")]
        self.assertEqual(names[0], "psnr holds")
        self.assertIsNone(root.find("testsuite/testcase[@name='psnr holds']/failure"))
        self.assertIsNotNone(root.find("testsuite/testcase[2]/failure"))

    def test_too_few_cases_is_insufficient_not_pass(self):
        """5 phantom cases cannot reach 99 % confidence (2^-5 > 1 %)."""
        rules = os.path.join(self.tmp, "strict.yaml")
        with open(rules, "w") as f:
            f.write("confidence: 0.99\nrules:\n  - {metric: psnr, margin: 0.1}\n")
        p, root, _ = self.gate(self.db, "--rules", rules)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("INSUFFICIENT", p.stdout)
        self.assertIn("at least 7 are needed", p.stdout)
        self.assertEqual(root.find("testsuite/testcase/failure").get("type"),
                         "insufficient-evidence")

    def test_usage_errors(self):
        p = mrvet("gate", self.db, "--baseline", "nope", "--candidate", "candidate")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no run 'nope'", p.stderr)
        self.assertIn("baseline", p.stderr)  # names the runs that exist
        rules = os.path.join(self.tmp, "bad-rules.yaml")
        with open(rules, "w") as f:
            f.write("rules:\n  - {metric: ssim, margin: 0.01, floor: 0.5}\n")
        p = mrvet("gate", self.db, "--baseline", "1", "--candidate", "2", "--rules", rules)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad-rules.yaml:2:5", p.stderr)
        self.assertIn("exactly one of", p.stderr)
        # a study without a gate section: no pre-stated rules, no verdict
        plain = os.path.join(self.tmp, "plain.yaml")
        with open(plain, "w") as f:
            f.write(STUDY[:STUDY.index("gate:")].replace("gate-cli", "plain"))
        pdb = os.path.join(self.tmp, "plain.db")
        self.assertEqual(mrvet("run", plain, "--db", pdb, "--quiet").returncode, 0)
        p = mrvet("gate", pdb, "--baseline", "baseline", "--candidate", "candidate")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no acceptance rules", p.stderr)


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
