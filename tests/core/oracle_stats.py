"""Independent oracle for core/stats.c: SciPy's own implementations.

Usage: oracle_stats.py KIND FILE
FILE holds whitespace-separated numbers: line 1 = a, line 2 = b (optional).
KIND:
  wilcoxon-exact|wilcoxon-approx ALT   -> "statistic pvalue"   (scipy.stats.wilcoxon)
  ttest ALT                            -> "statistic pvalue"   (scipy.stats.ttest_rel)
  boot-mean METHOD SEED                -> "lo hi"  (scipy.stats.bootstrap, 40000 resamples)
  boot-paired METHOD SEED              -> "lo hi"  (paired=True, statistic mean(a - b))
Numbers are printed with 17 significant digits.
"""
import sys

import numpy as np
from scipy import stats


def main(argv):
    kind, path = argv[1], argv[2]
    with open(path) as f:
        rows = [np.array([float(v) for v in line.split()]) for line in f if line.strip()]
    a = rows[0]
    b = rows[1] if len(rows) > 1 else None
    if kind.startswith("wilcoxon"):
        mode = kind.split("-")[1]
        r = stats.wilcoxon(a if b is None else a - b, alternative=argv[3], mode=mode)
        print("%.17g %.17g" % (r.statistic, r.pvalue))
    elif kind == "ttest":
        r = stats.ttest_rel(a, b, alternative=argv[3])
        print("%.17g %.17g" % (r.statistic, r.pvalue))
    elif kind in ("boot-mean", "boot-paired"):
        method, seed = argv[3], int(argv[4])
        rng = np.random.default_rng(seed)
        if kind == "boot-mean":
            r = stats.bootstrap((a,), np.mean, n_resamples=40000, method=method,
                                random_state=rng, vectorized=True)
        else:
            r = stats.bootstrap((a, b), lambda x, y, axis=-1: np.mean(x - y, axis=axis),
                                paired=True, n_resamples=40000, method=method,
                                random_state=rng, vectorized=True)
        print("%.17g %.17g" % (r.confidence_interval.low, r.confidence_interval.high))
    else:
        sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main(sys.argv)
