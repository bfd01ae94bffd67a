/* core/stats.h — statistics for comparing models over a test set.
 *
 * The unit of analysis is the case (patient / volume), paired between
 * models: callers pass one value per case, never per slice or voxel.
 * Conventions are SciPy 1.10's (scipy.stats.bootstrap, wilcoxon, ttest_rel),
 * and the tests compare against SciPy live. Everything here is:
 *   - pure and reentrant: no global state, safe from any thread;
 *   - deterministic: the same inputs and seed give the same bits on any
 *     machine and thread count (resampling draws from core/rng.h's
 *     xoshiro256**; derive the seed with mrv_seed_derive());
 *   - strict about input: every x[i] must be finite (a NaN/Inf makes the
 *     call fail with MRV_EINVAL naming the index; filter NULL results and
 *     decide about +inf PSNR before calling);
 *   - explicit about undefined results: MRV_OK with NaN fields and a static
 *     `null_reason` (e.g. fewer than 2 cases), never a silent number.
 * Functions allocate at most O(n + resamples) doubles (MRV_ENOMEM), the
 * exact Wilcoxon distribution n(n+1)/2 + 1 doubles.
 * `err` may be NULL everywhere.
 */
#ifndef MRV_CORE_STATS_H
#define MRV_CORE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* ---- bootstrap confidence intervals ------------------------------------ */

enum mrv_ci_method {
    /* Percentile interval: the (1-level)/2 and (1+level)/2 quantiles of the
     * bootstrap distribution, numpy's default linear interpolation
     * (Efron & Tibshirani 1993, ch. 13). */
    MRV_CI_PERCENTILE = 0,
    /* Bias-corrected and accelerated (Efron 1987, JASA 82:171): bias z0 from
     * the fraction of bootstrap values below the estimate (ties count one
     * half, as SciPy), acceleration a from the jackknife; SciPy's default. */
    MRV_CI_BCA = 1
};

#define MRV_STATS_DEFAULT_RESAMPLES 9999 /* SciPy's default n_resamples */
#define MRV_STATS_DEFAULT_LEVEL 0.95

struct mrv_ci {
    double estimate;  /* the statistic on the sample itself: mean(x), mean(a - b),
                         sum(num) / sum(den), ... */
    double lo, hi;    /* two-sided interval at `level`; NaN when undefined */
    double level;     /* e.g. 0.95 */
    int resamples;    /* bootstrap resamples drawn */
    enum mrv_ci_method method;
    size_t n;         /* cases used */
    const char *null_reason; /* static string when lo/hi are NaN, else NULL */
};

/* Bootstrap CI of the mean of x[0..n-1].
 *   level in (0, 1); resamples >= 1 (use MRV_STATS_DEFAULT_RESAMPLES);
 *   seed: the resampling stream (same seed, same interval, bit for bit).
 * Undefined (MRV_OK, lo = hi = NaN, null_reason set, estimate still filled
 * when n >= 1): n < 2. A constant sample gives lo = hi = estimate for both
 * methods (SciPy returns NaN for BCa there, from 0/0 in the acceleration;
 * a point interval is the honest answer for a sample with no spread).
 * Errors: MRV_EMISUSE for NULL x (with n > 0) or ci; MRV_EINVAL for a level
 * outside (0, 1), resamples < 1, an unknown method, or a non-finite x[i]
 * (the message names i); MRV_ENOMEM. */
enum mrv_status mrv_stats_bootstrap_mean(const double *x, size_t n, double level,
                                         int resamples, enum mrv_ci_method method,
                                         uint64_t seed, struct mrv_ci *ci,
                                         struct mrv_error *err);

/* Paired bootstrap CI of mean(a[i] - b[i]): cases are resampled as pairs,
 * which is exactly the bootstrap of the mean of the differences (SciPy's
 * bootstrap((a, b), paired=True) with statistic mean(a - b)). Same contract
 * as mrv_stats_bootstrap_mean; a non-finite a[i] or b[i] is MRV_EINVAL.
 * Non-inferiority of a (new) against b (old) at margin delta, higher is
 * better: ci.lo > -delta. */
enum mrv_status mrv_stats_bootstrap_paired_diff(const double *a, const double *b,
                                                size_t n, double level, int resamples,
                                                enum mrv_ci_method method, uint64_t seed,
                                                struct mrv_ci *ci, struct mrv_error *err);

/* Paired bootstrap CI of a ratio of sums, sum(num) / sum(den) over cases
 * (equivalently mean(num) / mean(den)): cases are resampled as pairs
 * (num[i], den[i]), SciPy's bootstrap((num, den), paired=True) with
 * statistic num.sum() / den.sum(). This is the corruption error of
 * ImageNet-C (Hendrycks & Dietterich, ICLR 2019) with num[i] = sum over
 * severities of the model's error on case i and den[i] the reference
 * model's. Same as mrv_stats_bootstrap_mean_ratio with k = 1 (the same
 * seed gives the same bits). */
enum mrv_status mrv_stats_bootstrap_ratio(const double *num, const double *den, size_t n,
                                          double level, int resamples,
                                          enum mrv_ci_method method, uint64_t seed,
                                          struct mrv_ci *ci, struct mrv_error *err);

/* Paired bootstrap CI of a mean of k ratios of sums,
 *     T = (1/k) sum_j ( sum_i num[i k + j] / sum_i den[i k + j] ),
 * with the n cases (rows) resampled jointly across the k columns: one
 * resample draws n case indices and every column sums the same drawn rows.
 * Row-major n x k matrices: row i = case i, column j = e.g. a perturbation
 * family. This is ImageNet-C's mCE (the mean over families of per-family CE
 * ratios) with the dependence between families kept, because the same
 * patients are in every family. A case absent from column j is given
 * num = den = 0 there, which leaves that column's sums, hence T, exactly as
 * if the case were not in it.
 *   Estimate: T on the sample (mean over j of ratios of sums, the sums
 *   taken in case order).
 *   Draws: the same xoshiro256** index sequence as the mean's bootstrap for
 *   the same seed and n; same level/resamples/method/seed contract, same
 *   percentile and BCa conventions (BCa: bias from the fraction of
 *   resamples below T, ties one half; acceleration from the jackknife of T
 *   over cases, SciPy's formula; 0 when every leave-one-out T is equal).
 * Undefined (MRV_OK, lo = hi = NaN, null_reason set): n < 2 (estimate
 * filled when n = 1); a column whose den sums to exactly 0 (estimate NaN
 * too); a resample in which a column's den sums to 0 (e.g. a column with
 * few present cases drew none of them) -- SciPy would return NaN there; for
 * BCa, a leave-one-out den summing to 0. Denominators may be negative
 * (relative CE); only an exact 0 is undefined.
 * No spread: when in every column all cases (absent ones aside) have the
 * same ratio num/den to 1e-12 relative, every resample gives T up to
 * rounding, and lo = hi = estimate for both methods (as for a constant
 * sample in mrv_stats_bootstrap_mean).
 * Errors: MRV_EMISUSE for NULL num/den (n > 0) or ci; MRV_EINVAL for k = 0,
 * a non-finite num or den value (the message names the flat index i k + j),
 * a level outside (0, 1), resamples < 1, an unknown method; MRV_ENOMEM.
 * Allocates O(n + resamples + k) doubles; pure, reentrant. */
enum mrv_status mrv_stats_bootstrap_mean_ratio(const double *num, const double *den, size_t n,
                                               size_t k, double level, int resamples,
                                               enum mrv_ci_method method, uint64_t seed,
                                               struct mrv_ci *ci, struct mrv_error *err);

/* ---- paired tests --------------------------------------------------------- */

enum mrv_alternative {
    MRV_TWO_SIDED = 0,
    MRV_GREATER = 1, /* a - b (or d) tends to be > 0 */
    MRV_LESS = 2     /* a - b (or d) tends to be < 0 */
};

enum mrv_wilcoxon_mode {
    /* Exact when n <= 50 and the differences have no zeros and no ties in
     * |d|, else the normal approximation (SciPy >= 1.13's rule; 1.10 also
     * used "exact" with ties, which is wrong for tied ranks). */
    MRV_WILCOXON_AUTO = 0,
    /* The exact null distribution of W+ (all 2^n sign patterns, by dynamic
     * programming over ranks 1..n, O(n^3) time). With zeros or ties, or
     * n > 1000, this falls back to the normal approximation, as SciPy does
     * for zeros. */
    MRV_WILCOXON_EXACT = 1,
    /* z = (T - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48), t the
     * sizes of tied groups of |d|; no continuity correction (SciPy's
     * correction=False default). */
    MRV_WILCOXON_NORMAL = 2
};

struct mrv_test_result {
    double statistic; /* Wilcoxon: min(W+, W-) two-sided, W+ one-sided (SciPy);
                         t-test: t */
    double pvalue;    /* NaN when undefined (see null_reason) */
    double df;        /* t-test degrees of freedom n - 1; NaN for Wilcoxon */
    double z;         /* Wilcoxon normal approximation z; NaN when exact */
    size_t n;         /* pairs used (Wilcoxon: after dropping zero differences) */
    int exact;        /* 1 when the p-value is exact */
    const char *null_reason; /* static string when pvalue is NaN, else NULL */
};

/* Wilcoxon signed-rank test of d = a - b (or of d = a when b is NULL)
 * against a zero median, SciPy's zero_method="wilcox" (zero differences
 * are dropped before ranking), average ranks for ties.
 * Oracle (REFERENCES.md): d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49,
 * 56, 60, -67, 75] two-sided: statistic 24, exact p 0.041259765625, normal
 * p 0.04088813.
 * Undefined (MRV_OK, pvalue NaN): no non-zero difference.
 * Errors: MRV_EMISUSE for NULL a (n > 0) or r; MRV_EINVAL for a non-finite
 * value, an unknown mode/alternative; MRV_ENOMEM. */
enum mrv_status mrv_stats_wilcoxon(const double *a, const double *b, size_t n,
                                   enum mrv_alternative alt, enum mrv_wilcoxon_mode mode,
                                   struct mrv_test_result *r, struct mrv_error *err);

/* Paired t-test of mean(a - b) = 0 (or one-sample t-test of a when b is
 * NULL): t = mean(d) / (sd(d) / sqrt(n)), sd with n - 1, df = n - 1,
 * p from Student's t (gsl_cdf_tdist_*), as scipy.stats.ttest_rel.
 * Undefined (MRV_OK, NaN t and p): n < 2, or sd(d) == 0 (SciPy gives NaN
 * when all differences are equal, t = +-inf is not a test).
 * Errors: as mrv_stats_wilcoxon. */
enum mrv_status mrv_stats_ttest_paired(const double *a, const double *b, size_t n,
                                       enum mrv_alternative alt,
                                       struct mrv_test_result *r, struct mrv_error *err);

/* ---- multiple comparisons ------------------------------------------------- */

enum mrv_padjust {
    MRV_PADJUST_HOLM = 0, /* Holm 1979, family-wise error; step-down */
    MRV_PADJUST_BH = 1    /* Benjamini & Hochberg 1995, false discovery rate */
};

/* Adjusted p-values, as R's p.adjust / statsmodels multipletests (monotone,
 * clipped to 1). `adjusted` may alias `p`. NaN p-values are passed through
 * as NaN and do not count in the family size m.
 * Errors: MRV_EMISUSE for NULL pointers with n > 0; MRV_EINVAL for a p
 * outside [0, 1] or an unknown method; MRV_ENOMEM. */
enum mrv_status mrv_stats_p_adjust(const double *p, size_t n, enum mrv_padjust method,
                                   double *adjusted, struct mrv_error *err);

/* ---- small helpers -------------------------------------------------------- */

/* The q-quantile (q in [0, 1]) of an ascending-sorted array, numpy's
 * default "linear" method: position h = (n - 1) q, value x[floor h] +
 * (h - floor h)(x[floor h + 1] - x[floor h]). NaN when n == 0, x is NULL
 * or q is outside [0, 1]. Thread-safe; no allocation. */
double mrv_stats_quantile_sorted(const double *sorted, size_t n, double q);

#endif
