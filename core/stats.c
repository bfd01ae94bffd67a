/* core/stats.c — bootstrap CIs (of a mean, a paired difference, a ratio of
 * sums and a mean of ratios of sums), Wilcoxon signed-rank, paired t-test,
 * p-value adjustment. Conventions follow SciPy 1.10 (scipy/stats/_resampling.py,
 * _morestats.py, _stats_py.py); see core/stats.h and docs/metrics/statistics.md.
 */
#include "core/stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

static const char reason_few[] = "fewer than 2 cases";
static const char reason_all_zero[] = "every paired difference is zero";
static const char reason_no_spread[] =
    "every paired difference is equal (standard deviation 0)";

static enum mrv_status check_finite(const char *fn, const char *name,
                                    const double *x, size_t n, struct mrv_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return mrv_error_set(err, MRV_EINVAL,
                                 "%s: %s[%zu] is %g; expected finite values (drop NULL "
                                 "results before calling)",
                                 fn, name, i, x[i]);
    return MRV_OK;
}

/* d = a - b (or a copy of a when b is NULL), validated. */
static enum mrv_status make_diff(const char *fn, const double *a, const double *b,
                                 size_t n, double **out, struct mrv_error *err)
{
    *out = NULL;
    enum mrv_status s = check_finite(fn, "a", a, n, err);
    if (s == MRV_OK && b)
        s = check_finite(fn, "b", b, n, err);
    if (s != MRV_OK)
        return s;
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d)
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %zu values", fn, n);
    for (size_t i = 0; i < n; i++)
        d[i] = b ? a[i] - b[i] : a[i];
    *out = d;
    return MRV_OK;
}

double mrv_stats_quantile_sorted(const double *sorted, size_t n, double q)
{
    if (!sorted || n == 0 || !(q >= 0 && q <= 1))
        return NAN;
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return sorted[n - 1];
    double frac = h - (double)lo;
    /* numpy's _lerp: a + (b - a) t, switched to b - (b - a)(1 - t) for
     * t >= 0.5 so the endpoint is exact (numpy >= 1.22). */
    double a = sorted[lo], b = sorted[lo + 1], diff = b - a;
    return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
}

/* Mean with row-blocked partial sums (close to numpy's pairwise sum). */
static double mean_of(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n;) {
        size_t end = n - i > 1024 ? i + 1024 : n;
        double part = 0;
        for (; i < end; i++)
            part += x[i];
        s += part;
    }
    return s / (double)n;
}

/* ---- bootstrap ------------------------------------------------------------ */

/* Jackknife acceleration of the mean (Efron & Tibshirani eq. 14.15):
 * leave-one-out means are (sum - x_i) / (n - 1). */
static double mean_acceleration(const double *x, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double jmean = 0;
    for (size_t i = 0; i < n; i++)
        jmean += (sum - x[i]) / (double)(n - 1);
    jmean /= (double)n;
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(n - 1) * (jmean - (sum - x[i]) / (double)(n - 1));
        num += u * u * u;
        den += u * u;
    }
    return num / (6.0 * pow(den, 1.5));
}

/* The interval from the bootstrap distribution boot[0..resamples-1] (sorted
 * here) around ci->estimate; `acc` is the BCa acceleration (unused for the
 * percentile method). */
static void interval(double *boot, int resamples, double level, enum mrv_ci_method method,
                     double acc, struct mrv_ci *ci)
{
    gsl_sort(boot, 1, (size_t)resamples);

    /* SciPy: alpha = (1 - level) / 2, interval (alpha, 1 - alpha). */
    double alpha = (1 - level) / 2;
    double q_lo = alpha, q_hi = 1 - alpha;
    if (method == MRV_CI_BCA) {
        /* Bias: fraction of the bootstrap distribution below the estimate,
         * ties counting one half (SciPy _percentile_of_score). */
        size_t below = 0, at_or_below = 0;
        for (int b = 0; b < resamples; b++) {
            below += boot[b] < ci->estimate;
            at_or_below += boot[b] <= ci->estimate;
        }
        double frac = (double)(below + at_or_below) / (2.0 * resamples);
        double z0 = gsl_cdf_ugaussian_Pinv(frac);
        double za = gsl_cdf_ugaussian_Pinv(alpha), zb = -za;
        double n1 = z0 + za, n2 = z0 + zb;
        q_lo = gsl_cdf_ugaussian_P(z0 + n1 / (1 - acc * n1));
        q_hi = gsl_cdf_ugaussian_P(z0 + n2 / (1 - acc * n2));
        if (!isfinite(q_lo) || !isfinite(q_hi)) { /* all resamples on one side */
            q_lo = frac < 0.5 ? 1 : 0;
            q_hi = q_lo;
        }
    }
    ci->lo = mrv_stats_quantile_sorted(boot, (size_t)resamples, q_lo);
    ci->hi = mrv_stats_quantile_sorted(boot, (size_t)resamples, q_hi);
}

static enum mrv_status bootstrap_core(const char *fn, const double *x, size_t n,
                                      double level, int resamples,
                                      enum mrv_ci_method method, uint64_t seed,
                                      struct mrv_ci *ci, struct mrv_error *err)
{
    ci->estimate = n ? mean_of(x, n) : NAN;
    ci->lo = ci->hi = NAN;
    ci->n = n;
    if (n < 2) {
        ci->null_reason = reason_few;
        return MRV_OK;
    }
    bool constant = true;
    for (size_t i = 1; i < n && constant; i++)
        constant = x[i] == x[0];
    if (constant) { /* no spread: the interval is the point (see stats.h) */
        ci->lo = ci->hi = ci->estimate;
        return MRV_OK;
    }

    double *boot = malloc((size_t)resamples * sizeof *boot);
    if (!boot)
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %d resamples", fn,
                             resamples);
    struct mrv_rng rs;
    gsl_rng *r = mrv_rng_init(&rs, seed);
    for (int b = 0; b < resamples; b++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += x[gsl_rng_uniform_int(r, (unsigned long)n)];
        boot[b] = s / (double)n;
    }
    interval(boot, resamples, level, method, method == MRV_CI_BCA ? mean_acceleration(x, n) : 0,
             ci);
    free(boot);
    return MRV_OK;
}

static enum mrv_status bootstrap_args(const char *fn, const void *x, size_t n,
                                      double level, int resamples,
                                      enum mrv_ci_method method, struct mrv_ci *ci,
                                      struct mrv_error *err)
{
    if (!ci || (!x && n > 0))
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL data or result", fn);
    memset(ci, 0, sizeof *ci);
    ci->estimate = ci->lo = ci->hi = NAN;
    ci->level = level;
    ci->resamples = resamples;
    ci->method = method;
    if (!(level > 0 && level < 1))
        return mrv_error_set(err, MRV_EINVAL, "%s: level %g; expected a value in (0, 1)",
                             fn, level);
    if (resamples < 1)
        return mrv_error_set(err, MRV_EINVAL, "%s: resamples %d; expected >= 1", fn,
                             resamples);
    if (method != MRV_CI_PERCENTILE && method != MRV_CI_BCA)
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: method %d; expected MRV_CI_PERCENTILE or MRV_CI_BCA",
                             fn, (int)method);
    return MRV_OK;
}

enum mrv_status mrv_stats_bootstrap_mean(const double *x, size_t n, double level,
                                         int resamples, enum mrv_ci_method method,
                                         uint64_t seed, struct mrv_ci *ci,
                                         struct mrv_error *err)
{
    static const char fn[] = "bootstrap of the mean";
    enum mrv_status s = bootstrap_args(fn, x, n, level, resamples, method, ci, err);
    if (s == MRV_OK)
        s = check_finite(fn, "x", x, n, err);
    if (s != MRV_OK)
        return s;
    return bootstrap_core(fn, x, n, level, resamples, method, seed, ci, err);
}

enum mrv_status mrv_stats_bootstrap_paired_diff(const double *a, const double *b,
                                                size_t n, double level, int resamples,
                                                enum mrv_ci_method method, uint64_t seed,
                                                struct mrv_ci *ci, struct mrv_error *err)
{
    static const char fn[] = "paired bootstrap of mean(a - b)";
    enum mrv_status s = bootstrap_args(fn, a, n, level, resamples, method, ci, err);
    if (s == MRV_OK && !b && n > 0)
        s = mrv_error_set(err, MRV_EMISUSE, "%s: b is NULL", fn);
    double *d = NULL;
    if (s == MRV_OK)
        s = make_diff(fn, a, b, n, &d, err);
    if (s == MRV_OK)
        s = bootstrap_core(fn, d, n, level, resamples, method, seed, ci, err);
    free(d);
    return s;
}

/* ---- bootstrap of a (mean of) ratio(s) of sums ------------------------------ */

static const char reason_den_zero[] = "a denominator sums to zero";
static const char reason_boot_den[] = "a resample's denominator sums to zero";
static const char reason_jack_den[] =
    "a leave-one-out denominator sums to zero (BCa acceleration undefined)";

/* (1/k) sum_j sn[j] / sd[j]; NaN when a sd[j] is 0. */
static double mean_of_ratios(const double *sn, const double *sd, size_t k)
{
    double s = 0;
    for (size_t j = 0; j < k; j++) {
        if (sd[j] == 0)
            return NAN;
        s += sn[j] / sd[j];
    }
    return s / (double)k;
}

/* Every column's per-case ratios num/den agree to RATIO_TOL (relative),
 * cases with num = den = 0 (absent) aside: then every resample's statistic
 * is the estimate, up to rounding. */
#define RATIO_TOL 1e-12
static bool constant_ratio(const double *num, const double *den, size_t n, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double u = num[i * k + j], v = den[i * k + j];
            if (u == 0 && v == 0)
                continue;
            if (v == 0)
                return false;
            lo = fmin(lo, u / v);
            hi = fmax(hi, u / v);
        }
        if (hi - lo > RATIO_TOL * fmax(fabs(lo), fabs(hi)))
            return false;
    }
    return true;
}

/* BCa acceleration from the jackknife of the statistic (SciPy _bca_interval:
 * a = sum (m - t_i)^3 / (6 (sum (m - t_i)^2)^1.5), m the mean of the
 * leave-one-out statistics t_i). NaN when a t_i is undefined; 0 when every
 * t_i is equal (no skewness to correct). `jack` holds n doubles, `sn`/`sd`
 * the k full-sample sums. */
static double ratio_acceleration(const double *num, const double *den, size_t n, size_t k,
                                 const double *sn, const double *sd, double *jack)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double t = 0;
        for (size_t j = 0; j < k; j++) {
            double d = sd[j] - den[i * k + j];
            if (d == 0)
                return NAN;
            t += (sn[j] - num[i * k + j]) / d;
        }
        jack[i] = t / (double)k;
        m += jack[i];
    }
    m /= (double)n;
    double s3 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double u = m - jack[i];
        s3 += u * u * u;
        s2 += u * u;
    }
    return s2 > 0 ? s3 / (6.0 * pow(s2, 1.5)) : 0.0;
}

enum mrv_status mrv_stats_bootstrap_mean_ratio(const double *num, const double *den, size_t n,
                                               size_t k, double level, int resamples,
                                               enum mrv_ci_method method, uint64_t seed,
                                               struct mrv_ci *ci, struct mrv_error *err)
{
    static const char fn[] = "paired bootstrap of a ratio of sums";
    enum mrv_status s = bootstrap_args(fn, num, n, level, resamples, method, ci, err);
    if (s == MRV_OK && !den && n > 0)
        s = mrv_error_set(err, MRV_EMISUSE, "%s: den is NULL", fn);
    if (s == MRV_OK && k == 0)
        s = mrv_error_set(err, MRV_EINVAL, "%s: k = 0 columns; expected >= 1", fn);
    if (s == MRV_OK && n > SIZE_MAX / k / sizeof(double))
        s = mrv_error_set(err, MRV_EINVAL, "%s: %zu x %zu values is too many", fn, n, k);
    if (s == MRV_OK)
        s = check_finite(fn, "num", num, n * k, err);
    if (s == MRV_OK)
        s = check_finite(fn, "den", den, n * k, err);
    if (s != MRV_OK)
        return s;
    ci->n = n;
    if (n == 0) {
        ci->null_reason = reason_few;
        return MRV_OK;
    }
    double *sums = malloc(2 * k * sizeof *sums);
    if (!sums)
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %zu sums", fn, 2 * k);
    double *sn = sums, *sd = sums + k;
    for (size_t j = 0; j < k; j++)
        sn[j] = sd[j] = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            sn[j] += num[i * k + j];
            sd[j] += den[i * k + j];
        }
    ci->estimate = mean_of_ratios(sn, sd, k);
    if (isnan(ci->estimate))
        ci->null_reason = reason_den_zero;
    else if (n < 2)
        ci->null_reason = reason_few;
    else if (constant_ratio(num, den, n, k)) /* no spread (see stats.h) */
        ci->lo = ci->hi = ci->estimate;
    if (ci->null_reason || !isnan(ci->lo)) {
        free(sums);
        return MRV_OK;
    }

    double *boot = malloc(((size_t)resamples + n) * sizeof *boot);
    unsigned *count = malloc(n * sizeof *count);
    if (!boot || !count) {
        free(boot);
        free(count);
        free(sums);
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %d resamples", fn,
                             resamples);
    }
    double *jack = boot + resamples;
    double acc = method == MRV_CI_BCA ? ratio_acceleration(num, den, n, k, sn, sd, jack) : 0;
    if (isnan(acc))
        ci->null_reason = reason_jack_den;
    /* The same draws as the mean's bootstrap for the same seed (n indices
     * per resample, in order). With k > 1 columns the multiplicity of each
     * case weighs its row, so a resample costs O(n k) with no per-draw row
     * access. */
    struct mrv_rng rs;
    gsl_rng *r = mrv_rng_init(&rs, seed);
    for (int b = 0; b < resamples && !ci->null_reason && k == 1; b++) {
        /* One column: sum the drawn rows directly (half the work). */
        double u = 0, v = 0;
        for (size_t i = 0; i < n; i++) {
            size_t q = gsl_rng_uniform_int(r, (unsigned long)n);
            u += num[q];
            v += den[q];
        }
        boot[b] = v != 0 ? u / v : NAN;
        if (isnan(boot[b]))
            ci->null_reason = reason_boot_den;
    }
    for (int b = 0; b < resamples && !ci->null_reason && k > 1; b++) {
        memset(count, 0, n * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[gsl_rng_uniform_int(r, (unsigned long)n)]++;
        for (size_t j = 0; j < k; j++)
            sn[j] = sd[j] = 0;
        for (size_t i = 0; i < n; i++) {
            if (!count[i])
                continue;
            double w = (double)count[i];
            const double *u = num + i * k, *v = den + i * k;
            for (size_t j = 0; j < k; j++) {
                sn[j] += w * u[j];
                sd[j] += w * v[j];
            }
        }
        boot[b] = mean_of_ratios(sn, sd, k);
        if (isnan(boot[b]))
            ci->null_reason = reason_boot_den;
    }
    if (!ci->null_reason)
        interval(boot, resamples, level, method, acc, ci);
    free(boot);
    free(count);
    free(sums);
    return MRV_OK;
}

enum mrv_status mrv_stats_bootstrap_ratio(const double *num, const double *den, size_t n,
                                          double level, int resamples,
                                          enum mrv_ci_method method, uint64_t seed,
                                          struct mrv_ci *ci, struct mrv_error *err)
{
    return mrv_stats_bootstrap_mean_ratio(num, den, n, 1, level, resamples, method, seed, ci,
                                          err);
}

/* ---- Wilcoxon signed-rank -------------------------------------------------- */

struct ranked {
    double absd;
    int sign;
};

static int cmp_ranked(const void *p, const void *q)
{
    const struct ranked *a = p, *b = q;
    return (a->absd > b->absd) - (a->absd < b->absd);
}

static enum mrv_status test_args(const char *fn, const double *a, size_t n,
                                 enum mrv_alternative alt, struct mrv_test_result *r,
                                 struct mrv_error *err)
{
    if (!r || (!a && n > 0))
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL data or result", fn);
    r->statistic = r->pvalue = r->df = r->z = NAN;
    r->n = 0;
    r->exact = 0;
    r->null_reason = NULL;
    if (alt != MRV_TWO_SIDED && alt != MRV_GREATER && alt != MRV_LESS)
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: alternative %d; expected two-sided, greater or less",
                             fn, (int)alt);
    return MRV_OK;
}

/* P(W+ <= w) and P(W+ >= w) from the exact null distribution: the number of
 * subsets of {1..n} with rank sum s, by dynamic programming (counts fit a
 * double exactly: at most 2^50 for n <= 50). */
static void wilcoxon_exact(size_t n, double wplus, double *p_le, double *p_ge,
                           double *counts)
{
    size_t max = n * (n + 1) / 2;
    memset(counts, 0, (max + 1) * sizeof *counts);
    counts[0] = 1;
    for (size_t k = 1; k <= n; k++)
        for (size_t s = k * (k + 1) / 2; s >= k; s--)
            counts[s] += counts[s - k];
    size_t w = (size_t)wplus;
    double le = 0, ge = 0;
    for (size_t s = 0; s <= max; s++) {
        if (s <= w)
            le += counts[s];
        if (s >= w)
            ge += counts[s];
    }
    double total = ldexp(1.0, (int)n);
    *p_le = le / total;
    *p_ge = ge / total;
}

enum mrv_status mrv_stats_wilcoxon(const double *a, const double *b, size_t n,
                                   enum mrv_alternative alt, enum mrv_wilcoxon_mode mode,
                                   struct mrv_test_result *r, struct mrv_error *err)
{
    static const char fn[] = "Wilcoxon signed-rank test";
    enum mrv_status s = test_args(fn, a, n, alt, r, err);
    if (s != MRV_OK)
        return s;
    if (mode != MRV_WILCOXON_AUTO && mode != MRV_WILCOXON_EXACT &&
        mode != MRV_WILCOXON_NORMAL)
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: mode %d; expected auto, exact or normal", fn, (int)mode);
    double *d = NULL;
    if ((s = make_diff(fn, a, b, n, &d, err)) != MRV_OK)
        return s;

    /* zero_method "wilcox": zero differences are dropped before ranking. */
    struct ranked *rk = malloc((n ? n : 1) * sizeof *rk);
    size_t m = 0;
    if (!rk) {
        free(d);
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %zu ranks", fn, n);
    }
    for (size_t i = 0; i < n; i++)
        if (d[i] != 0)
            rk[m++] = (struct ranked){fabs(d[i]), d[i] > 0 ? 1 : -1};
    bool zeros = m < n;
    free(d);
    r->n = m;
    if (m == 0) {
        free(rk);
        r->null_reason = reason_all_zero;
        return MRV_OK;
    }
    qsort(rk, m, sizeof *rk, cmp_ranked);

    /* Average ranks of tied |d| groups; tie term sum(t^3 - t). */
    double wplus = 0, wminus = 0, ties = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && rk[j + 1].absd == rk[i].absd)
            j++;
        double rank = (double)(i + j + 2) / 2.0; /* mean of ranks i+1..j+1 */
        for (size_t k = i; k <= j; k++)
            *(rk[k].sign > 0 ? &wplus : &wminus) += rank;
        double t = (double)(j - i + 1);
        ties += t * t * t - t;
        i = j + 1;
    }
    free(rk);
    r->statistic = alt == MRV_TWO_SIDED ? fmin(wplus, wminus) : wplus;

    bool exact = mode == MRV_WILCOXON_EXACT ? !zeros && ties == 0
                 : mode == MRV_WILCOXON_AUTO ? m <= 50 && !zeros && ties == 0
                                             : false;
    if (exact && m > 1000) /* the O(m^3) table: beyond any exact use */
        exact = false;
    if (exact) {
        size_t max = m * (m + 1) / 2;
        double *counts = malloc((max + 1) * sizeof *counts);
        if (!counts)
            return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %zu counts", fn,
                                 max + 1);
        double p_le, p_ge;
        wilcoxon_exact(m, wplus, &p_le, &p_ge, counts);
        free(counts);
        double p;
        if (alt == MRV_TWO_SIDED)
            p = 2.0 * wplus == (double)max ? 1.0 : 2.0 * fmin(p_le, p_ge);
        else
            p = alt == MRV_GREATER ? p_ge : p_le;
        r->pvalue = fmin(1.0, fmax(0.0, p));
        r->exact = 1;
        return MRV_OK;
    }
    double mm = (double)m;
    double mean = mm * (mm + 1) * 0.25;
    double se = sqrt((mm * (mm + 1) * (2 * mm + 1) - 0.5 * ties) / 24.0);
    if (!(se > 0)) {
        r->null_reason = reason_all_zero;
        return MRV_OK;
    }
    double z = (r->statistic - mean) / se;
    r->z = z;
    r->pvalue = alt == MRV_TWO_SIDED ? 2.0 * gsl_cdf_ugaussian_Q(fabs(z))
                : alt == MRV_GREATER  ? gsl_cdf_ugaussian_Q(z)
                                      : gsl_cdf_ugaussian_P(z);
    r->pvalue = fmin(1.0, r->pvalue);
    return MRV_OK;
}

/* ---- paired t-test ------------------------------------------------------- */

enum mrv_status mrv_stats_ttest_paired(const double *a, const double *b, size_t n,
                                       enum mrv_alternative alt,
                                       struct mrv_test_result *r, struct mrv_error *err)
{
    static const char fn[] = "paired t-test";
    enum mrv_status s = test_args(fn, a, n, alt, r, err);
    if (s != MRV_OK)
        return s;
    double *d = NULL;
    if ((s = make_diff(fn, a, b, n, &d, err)) != MRV_OK)
        return s;
    r->n = n;
    if (n < 2) {
        free(d);
        r->null_reason = reason_few;
        return MRV_OK;
    }
    double mean = mean_of(d, n), ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (d[i] - mean) * (d[i] - mean);
    free(d);
    double df = (double)n - 1;
    double sd = sqrt(ss / df);
    r->df = df;
    if (!(sd > 0)) {
        r->null_reason = reason_no_spread;
        return MRV_OK;
    }
    double t = mean / (sd / sqrt((double)n));
    r->statistic = t;
    r->pvalue = alt == MRV_TWO_SIDED ? 2.0 * gsl_cdf_tdist_Q(fabs(t), df)
                : alt == MRV_GREATER  ? gsl_cdf_tdist_Q(t, df)
                                      : gsl_cdf_tdist_P(t, df);
    r->pvalue = fmin(1.0, r->pvalue);
    return MRV_OK;
}

/* ---- multiple comparisons ------------------------------------------------- */

enum mrv_status mrv_stats_p_adjust(const double *p, size_t n, enum mrv_padjust method,
                                   double *adjusted, struct mrv_error *err)
{
    static const char fn[] = "p-value adjustment";
    if (n > 0 && (!p || !adjusted))
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL p or adjusted", fn);
    if (method != MRV_PADJUST_HOLM && method != MRV_PADJUST_BH)
        return mrv_error_set(err, MRV_EINVAL, "%s: method %d; expected Holm or BH", fn,
                             (int)method);
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]) && !(p[i] >= 0 && p[i] <= 1))
            return mrv_error_set(err, MRV_EINVAL, "%s: p[%zu] is %g; expected [0, 1]", fn,
                                 i, p[i]);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    double *val = calloc(n ? n : 1, sizeof *val);
    if (!idx || !val) {
        free(idx);
        free(val);
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %zu values", fn, n);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]))
            val[m++] = p[i];
    gsl_sort_index(idx, val, 1, m); /* ascending; tie order does not change the result */
    double *adj = malloc((m ? m : 1) * sizeof *adj);
    if (!adj) {
        free(idx);
        free(val);
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %zu values", fn, m);
    }
    if (method == MRV_PADJUST_HOLM) {
        /* Step-down: max over j <= i of (m - j) p_(j), clipped at 1. */
        double run = 0;
        for (size_t i = 0; i < m; i++) {
            run = fmax(run, fmin(1.0, (double)(m - i) * val[idx[i]]));
            adj[idx[i]] = run;
        }
    } else {
        /* Step-up: min over j >= i of m p_(j) / j. */
        double run = 1;
        for (size_t i = m; i-- > 0;) {
            run = fmin(run, (double)m * val[idx[i]] / (double)(i + 1));
            adj[idx[i]] = run;
        }
    }
    for (size_t i = 0, k = 0; i < n; i++)
        /* k < m: the non-NaN p[i] are the m values counted above */
        // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign)
        adjusted[i] = isnan(p[i]) ? NAN : adj[k++];
    free(adj);
    free(idx);
    free(val);
    return MRV_OK;
}
