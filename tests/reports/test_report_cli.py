"""The reports of the demo store, end to end through the real binary.

- HTML: rendered by headless Chromium (no network: every host resolves to
  nothing), screenshot not blank, figures drawn (pixels of the plot
  palette), no console message at all (the page has no scripts);
- PDF: pdftoppm rasterises every page; page count agrees with pdfinfo,
  no page is blank;
- JSON: its aggregates agree with numpy on the raw rows read with SQL
  (per-case means over repeats, ROOD-MRI degradation, breakdown severity);
- Markdown: the verdict agrees with the JSON;
- bundle / verify: intact bundle verifies, an edited file is named.

Run: /usr/bin/python3 test_report_cli.py <mrvet> <build dir>
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np
import skimage.io

MRVET = sys.argv[1]
CHROMIUM = shutil.which("chromium")
PDFTOPPM = shutil.which("pdftoppm")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def run(args, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)
    return p


def not_blank(img):
    """At least 1 % of pixels away from the page colour."""
    rgb = img[..., :3].astype(float)
    bg = np.median(rgb.reshape(-1, 3), axis=0)
    far = np.abs(rgb - bg).sum(axis=-1) > 30
    return far.mean() > 0.01


def oracle(db):
    """Per (family, severity, metric): per-case means over repeats, from SQL."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT p.family, p.severity, r.metric, r.case_id, r.value FROM results r "
        "JOIN perturbations p ON p.id = r.perturbation_id WHERE r.value IS NOT NULL").fetchall()
    con.close()
    acc = {}
    for fam, sev, met, case, v in rows:
        if np.isfinite(v):
            acc.setdefault((fam, sev, met), {}).setdefault(case, []).append(v)
    return {k: {c: float(np.mean(v)) for c, v in d.items()} for k, d in acc.items()}


def main():
    tmp = tempfile.mkdtemp(prefix="mrvet-report-")
    try:
        demo = os.path.join(tmp, "demo")
        p = run([MRVET, "demo", "--out", demo, "--jobs", "2"])
        check(p.returncode == 0, "demo failed: " + p.stderr)
        db = os.path.join(demo, "demo.db")
        outs = [os.path.join(tmp, "r." + e) for e in ("html", "pdf", "md", "json")]
        args = [MRVET, "report", db, "--accept", "ssim>=0.5", "--resamples", "500"]
        for o in outs:
            args += ["-o", o]
        p = run(args)
        check(p.returncode == 0, "report failed: " + p.stderr)
        html, pdf, md, js = outs

        # ---- JSON against numpy on the raw rows ---------------------------------
        d = json.load(open(js))
        ref = oracle(db)
        alpha = 2 / 3
        cells = {(c["family"], c["severity"], c["metric"]): c for c in d["cells"]}
        for key, per_case in ref.items():
            c = cells.get(key)
            check(c is not None, f"JSON lacks cell {key}")
            if c is None:
                continue
            m = np.mean(list(per_case.values()))
            check(abs(c["mean"]["estimate"] - m) <= 1e-9 * max(1, abs(m)),
                  f"cell {key}: JSON mean {c['mean']['estimate']} vs numpy {m}")
            check(c["mean"]["n"] == len(per_case), f"cell {key}: n")
            lo, hi = c["mean"]["lo"], c["mean"]["hi"]
            check(lo is None or lo <= m <= hi, f"cell {key}: CI [{lo}, {hi}] misses mean {m}")
        for r in d["robustness"]:
            fam, met = r["family"], r["metric"]
            sevs = sorted(s for (f, s, mm) in ref if f == fam and mm == met)
            clean = ref[("none", 0, met)]
            cases = [c for c in clean if all(c in ref[(fam, s, met)] for s in sevs)]
            w = np.array([alpha ** s for s in sevs])
            sign = -1 if met in ("nmse",) else 1
            dcase = [sign * sum(w[i] * (clean[c] - ref[(fam, s, met)][c])
                                for i, s in enumerate(sevs)) / w.sum() for c in cases]
            want = float(np.mean(dcase))
            got = r["degradation"]["estimate"]
            check(abs(got - want) <= 1e-9 * max(1, abs(want)),
                  f"degradation {fam}/{met}: JSON {got} vs numpy {want}")
            if met == "ssim":
                means = [(0, np.mean(list(clean.values())))] + \
                        [(s, np.mean(list(ref[(fam, s, met)].values()))) for s in sevs]
                bd = next((s for s, m in means if m < 0.5), "none")
                check(r["breakdown_severity"] == bd,
                      f"breakdown {fam}/ssim: JSON {r['breakdown_severity']} vs {bd}")
        # What each severity means: the first instance's scalar parameters.
        con = sqlite3.connect(db)
        firsts = con.execute(
            "SELECT family, severity, params FROM perturbations WHERE id IN "
            "(SELECT min(id) FROM perturbations GROUP BY family, severity)").fetchall()
        con.close()
        got = {(e["family"], e["severity"]): e["parameters"] for e in d["severity_parameters"]}
        check(len(got) == len(firsts), "severity_parameters: wrong number of entries")
        for fam, sev, params in firsts:
            items = [f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
                     for k, v in json.loads(params).items() if not isinstance(v, (dict, list))]
            want = ", ".join(items)
            check(got.get((fam, sev)) == want,
                  f"parameters of {fam}/{sev}: {got.get((fam, sev))!r} vs {want!r}")
        verdict = [m["pass"] for m in d["models"] if m["pass"] is not None]
        text = open(md).read()
        check("| Model | Metric |" in text, "Markdown lacks its table")
        want = "**FAIL**" if False in verdict else "**PASS**"
        check(want in text.splitlines()[0], f"Markdown verdict should be {want}")

        # ---- HTML in headless Chromium -------------------------------------------
        page = open(html, encoding="utf-8").read()
        check(page.count("<svg") >= 3, "HTML has fewer than 3 inline SVG figures")
        check("<script" not in page and "src=" not in page, "HTML loads or runs something")
        if CHROMIUM:
            shot = os.path.join(tmp, "shot.png")
            profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
            p = run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--host-resolver-rules=MAP * ~NOTFOUND",
                     "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                     "--window-size=1280,2400", "--screenshot=" + shot,
                     "file://" + os.path.abspath(html)])
            check(p.returncode == 0 and os.path.exists(shot), "chromium failed: " + p.stderr[-2000:])
            console = [l for l in p.stderr.splitlines() if ":CONSOLE" in l]
            check(not console, "page logged: " + "\n".join(console))
            if os.path.exists(shot):
                img = skimage.io.imread(shot)
                check(not_blank(img), "Chromium screenshot is blank")
                # Okabe-Ito blue (0, 114, 178): the first model's lines and bars.
                blue = (np.abs(img[..., :3].astype(int) - [0, 114, 178]).sum(axis=-1) < 40).sum()
                check(blue > 200, f"no figure pixels in the screenshot ({blue})")
        else:
            print("SKIP: chromium not installed (Debian package chromium)")

        # ---- PDF through pdftoppm ----------------------------------------------------
        if PDFTOPPM:
            info = run(["pdfinfo", pdf]).stdout
            pages = int(next(l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")))
            check(pages >= 3, f"PDF has {pages} pages, expected verdict, figures, provenance")
            prefix = os.path.join(tmp, "page")
            p = run([PDFTOPPM, "-r", "40", "-png", pdf, prefix])
            check(p.returncode == 0, "pdftoppm failed: " + p.stderr)
            pngs = sorted(f for f in os.listdir(tmp) if f.startswith("page") and f.endswith(".png"))
            check(len(pngs) == pages, f"pdftoppm made {len(pngs)} pages, pdfinfo says {pages}")
            for f in pngs:
                check(not_blank(skimage.io.imread(os.path.join(tmp, f))), f"PDF {f} is blank")
        else:
            print("SKIP: pdftoppm not installed (Debian package poppler-utils)")

        # ---- bundle and verify ------------------------------------------------------
        bdir = os.path.join(tmp, "bundle")
        p = run([MRVET, "bundle", db, "-o", bdir])
        check(p.returncode == 0, "bundle failed: " + p.stderr)
        p = run([MRVET, "verify", bdir])
        check(p.returncode == 0 and "ok:" in p.stdout, "fresh bundle does not verify: " + p.stdout)
        p = run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=bdir)
        check(p.returncode == 0, "sha256sum -c disagrees: " + p.stdout + p.stderr)
        with open(os.path.join(bdir, "report.md"), "a") as f:
            f.write("edited\n")
        p = run([MRVET, "verify", bdir])
        check(p.returncode == 1 and "changed: report.md" in p.stdout,
              f"edit not named (rc {p.returncode}): {p.stdout}")
        p = run([MRVET, "report", db, "-o", os.path.join(tmp, "r.txt")])
        check(p.returncode == 2 and "unsupported report format" in p.stderr,
              "bad extension not refused: " + p.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
