"""Independent oracle for core/stats.c: SciPy's own implementations.

Usage: oracle_stats.py KIND FILE
FILE holds whitespace-separated numbers: line 1 = a, line 2 = b (optional).
KIND:
  wilcoxon-exact|wilcoxon-approx ALT   -> "statistic pvalue"   (scipy.stats.wilcoxon)
  ttest ALT                            -> "statistic pvalue"   (scipy.stats.ttest_rel)
  boot-mean METHOD SEED                -> "lo hi"  (scipy.stats.bootstrap, 40000 resamples)
  boot-paired METHOD SEED              -> "lo hi"  (paired=True, statistic mean(a - b))
  boot-ratio METHOD SEED               -> "lo hi se"  FILE holds 2k lines: the k numerator
                                          columns, then the k denominator columns; paired=True
                                          over cases, statistic mean_j sum(num_j) / sum(den_j)
                                          (k = 1: sum(num) / sum(den)); se is SciPy's
                                          bootstrap standard error
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
    elif kind == "boot-ratio":
        method, seed = argv[3], int(argv[4])
        k = len(rows) // 2

        def mean_ratio(*cols, axis=-1):
            return np.mean([np.sum(cols[j], axis=axis) / np.sum(cols[k + j], axis=axis)
                            for j in range(k)], axis=0)

        r = stats.bootstrap(tuple(rows), mean_ratio, paired=True, n_resamples=40000,
                            method=method, random_state=np.random.default_rng(seed),
                            vectorized=True)
        print("%.17g %.17g %.17g" % (r.confidence_interval.low, r.confidence_interval.high,
                                     r.standard_error))
    else:
        sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main(sys.argv)
