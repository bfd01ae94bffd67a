"""Peer of bench/bench_report.c: the same aggregates with numpy.

Reads DIR/bench.db with Python's sqlite3, groups the results per (run,
family, severity, metric) with per-case means, computes the mean and a 95 %
percentile bootstrap CI (1000 resamples, vectorised numpy) of every cell,
and the ROOD-MRI degradation of each (run, family, metric) with its CI;
prints "analysis seconds value" (value: degradation of model-2, f2, ssim).
What it does not do (and mrvet does): subgroups, mCE, worst cases, and
writing four report formats with figures; so the ratio flatters the peer.
Usage: /usr/bin/python3 bench_report_peer.py DIR
"""
import os
import sqlite3
import sys
import time

import numpy as np

RESAMPLES = 1000
ALPHA = 2 / 3


def boot(x, rng):
    if len(x) < 2:
        return np.nan, np.nan
    idx = rng.integers(0, len(x), size=(RESAMPLES, len(x)))
    m = x[idx].mean(axis=1)
    return np.quantile(m, 0.025), np.quantile(m, 0.975)


def main():
    db = os.path.join(sys.argv[1], "bench.db")
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT r.run_id, m.model, p.family, p.severity, r.metric, r.case_id, r.value "
        "FROM results r JOIN perturbations p ON p.id = r.perturbation_id "
        "JOIN runs m ON m.id = r.run_id").fetchall()
    con.close()
    run = np.array([r[0] for r in rows])
    model = {r[0]: r[1] for r in rows}
    fam = np.array([r[2] for r in rows])
    sev = np.array([r[3] for r in rows])
    met = np.array([r[4] for r in rows])
    case = np.array([r[5] for r in rows])
    val = np.array([np.nan if r[6] is None else r[6] for r in rows], dtype=float)
    keys = np.rec.fromarrays([run, fam, sev, met, case])
    order = np.lexsort((case, met, sev, fam, run))
    rng = np.random.default_rng(1)
    cells = {}
    k = keys[order]
    v = val[order]
    bounds = np.flatnonzero(
        (k.f0[1:] != k.f0[:-1]) | (k.f1[1:] != k.f1[:-1]) | (k.f2[1:] != k.f2[:-1]) |
        (k.f3[1:] != k.f3[:-1])) + 1
    for s, e in zip(np.r_[0, bounds], np.r_[bounds, len(v)]):
        cs, vs = k.f4[s:e], v[s:e]
        ok = np.isfinite(vs)
        uc, inv = np.unique(cs[ok], return_inverse=True)
        per_case = np.bincount(inv, vs[ok]) / np.bincount(inv)
        lo, hi = boot(per_case, rng)
        cells[(k.f0[s], k.f1[s], k.f2[s], k.f3[s])] = (uc, per_case, per_case.mean(), lo, hi)
    value = np.nan
    for (r, f, s, m), (uc, pc, mean, lo, hi) in list(cells.items()):
        if f == "none" or s != 1:
            continue
        clean = cells[(r, "none", 0, m)]
        sevs = sorted(ss for (rr, ff, ss, mm) in cells if rr == r and ff == f and mm == m)
        w = np.array([ALPHA ** ss for ss in sevs])
        sign = -1 if m in ("nmse", "hd95") else 1
        d = sum(wi * (clean[1] - cells[(r, f, ss, m)][1]) for wi, ss in zip(w, sevs))
        d = sign * d / w.sum()
        boot(d, rng)
        if model[r] == "model-2" and f == "f2" and m == "ssim":
            value = d.mean()
    print(f"analysis {time.perf_counter() - t0:.4f} {value:.12g}")


if __name__ == "__main__":
    main()
