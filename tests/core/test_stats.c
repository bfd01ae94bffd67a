/* tests/core/test_stats.c — core/stats against independent oracles: the
 * published vectors of REFERENCES.md (Wilcoxon d-vector), hand-worked
 * Holm/BH and quantile values, the normal-theory CI of a large sample,
 * hand-worked bootstrap distributions of ratios of sums (two cases), and
 * SciPy 1.10 run live (tests/core/oracle_stats.py) on randomized inputs
 * when Debian's python3 has scipy (skipped cleanly otherwise; the ratio
 * oracle has no golden fallback). */
#include "tests_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "metrics/golden_util.h"

/* A 64-bit LCG (Knuth's MMIX constants), independent of core/rng. */
struct lcg {
    uint64_t s;
};

static double lcg_uniform(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(g->s >> 11) + 0.5) * 0x1.0p-53;
}

static double lcg_normal(struct lcg *g)
{
    double u = lcg_uniform(g), v = lcg_uniform(g);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static const double dvec[15] = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};

static void wilcoxon_reference_vector(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_test_result r;
    assert_ok(mrv_stats_wilcoxon(dvec, NULL, 15, MRV_TWO_SIDED, MRV_WILCOXON_AUTO, &r,
                                 &err),
              &err);
    assert_int_equal(r.exact, 1);
    assert_close(r.statistic, 24, 0);
    assert_close(r.pvalue, 0.041259765625, 1e-15);
    assert_ok(mrv_stats_wilcoxon(dvec, NULL, 15, MRV_TWO_SIDED, MRV_WILCOXON_NORMAL, &r,
                                 &err),
              &err);
    assert_int_equal(r.exact, 0);
    assert_close(r.pvalue, 0.04088813, 5e-9);
    /* Paired form: a - b with b = 0 is the same test. */
    double zero[15] = {0};
    assert_ok(mrv_stats_wilcoxon(dvec, zero, 15, MRV_TWO_SIDED, MRV_WILCOXON_EXACT, &r,
                                 &err),
              &err);
    assert_close(r.pvalue, 0.041259765625, 1e-15);
}

static void wilcoxon_edge_cases(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_test_result r;
    double z[4] = {0, 0, 0, 0};
    assert_ok(mrv_stats_wilcoxon(z, NULL, 4, MRV_TWO_SIDED, MRV_WILCOXON_AUTO, &r, &err),
              &err);
    assert_true(isnan(r.pvalue));
    assert_non_null(r.null_reason);
    double bad[2] = {1, NAN};
    assert_int_equal(mrv_stats_wilcoxon(bad, NULL, 2, MRV_TWO_SIDED, MRV_WILCOXON_AUTO,
                                        &r, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "a[1]"));
    /* All positive, n = 5: exact two-sided p = 2 / 32. */
    double pos[5] = {1, 2, 3, 4, 5};
    assert_ok(mrv_stats_wilcoxon(pos, NULL, 5, MRV_TWO_SIDED, MRV_WILCOXON_AUTO, &r, &err),
              &err);
    assert_close(r.pvalue, 2.0 / 32, 1e-15);
    assert_ok(mrv_stats_wilcoxon(pos, NULL, 5, MRV_GREATER, MRV_WILCOXON_AUTO, &r, &err),
              &err);
    assert_close(r.pvalue, 1.0 / 32, 1e-15);
    assert_close(r.statistic, 15, 0);
}

static void ttest_hand_worked(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_test_result r;
    /* d = {1, 2, 3}: mean 2, sd 1, t = 2 / (1 / sqrt 3) = 2 sqrt 3, df 2;
     * two-sided p = 1 - 2/sqrt(3) * ... ; Student t with 2 df has the closed
     * form P(|T| > t) = 1 - t / sqrt(2 + t^2). */
    double a[3] = {3, 5, 7}, b[3] = {2, 3, 4};
    assert_ok(mrv_stats_ttest_paired(a, b, 3, MRV_TWO_SIDED, &r, &err), &err);
    double t = 2 * sqrt(3.0);
    assert_close(r.statistic, t, 1e-14);
    assert_close(r.df, 2, 0);
    assert_close(r.pvalue, 1 - t / sqrt(2 + t * t), 1e-12);
    double c[3] = {1, 1, 1};
    assert_ok(mrv_stats_ttest_paired(c, NULL, 3, MRV_TWO_SIDED, &r, &err), &err);
    assert_true(isnan(r.pvalue));
    assert_non_null(r.null_reason);
}

static void p_adjust_hand_worked(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    double p[5] = {0.01, 0.04, NAN, 0.03, 0.005}, adj[5];
    /* Holm, m = 4: sorted .005 .01 .03 .04 times 4 3 2 1 = .02 .03 .06 .04,
     * running max .02 .03 .06 .06. */
    assert_ok(mrv_stats_p_adjust(p, 5, MRV_PADJUST_HOLM, adj, &err), &err);
    assert_close(adj[0], 0.03, 1e-15);
    assert_close(adj[1], 0.06, 1e-15);
    assert_true(isnan(adj[2]));
    assert_close(adj[3], 0.06, 1e-15);
    assert_close(adj[4], 0.02, 1e-15);
    /* BH: p m / rank = .02 .02 .04 .04, running min from the top. In place. */
    assert_ok(mrv_stats_p_adjust(p, 5, MRV_PADJUST_BH, p, &err), &err);
    assert_close(p[0], 0.02, 1e-15);
    assert_close(p[1], 0.04, 1e-15);
    assert_close(p[3], 0.04, 1e-15);
    assert_close(p[4], 0.02, 1e-15);
}

static void quantile_numpy_linear(void **state)
{
    (void)state;
    double x[4] = {1, 2, 4, 8};
    /* np.percentile([1,2,4,8], [0, 25, 50, 95, 100]) = 1, 1.75, 3, 7.4, 8 */
    assert_close(mrv_stats_quantile_sorted(x, 4, 0), 1, 0);
    assert_close(mrv_stats_quantile_sorted(x, 4, 0.25), 1.75, 1e-15);
    assert_close(mrv_stats_quantile_sorted(x, 4, 0.5), 3, 1e-15);
    assert_close(mrv_stats_quantile_sorted(x, 4, 0.95), 7.4, 1e-14);
    assert_close(mrv_stats_quantile_sorted(x, 4, 1), 8, 0);
    assert_true(isnan(mrv_stats_quantile_sorted(x, 0, 0.5)));
}

/* Normal theory: for a large sample the percentile bootstrap CI of the mean
 * is mean +- 1.96 sd_pop / sqrt(n) up to Monte Carlo error. */
static void bootstrap_normal_theory_and_seed(void **state)
{
    (void)state;
    enum { N = 400 };
    double x[N], s = 0, ss = 0;
    struct lcg g = {7};
    for (int i = 0; i < N; i++) {
        x[i] = 3 + 2 * lcg_normal(&g);
        s += x[i];
    }
    double mean = s / N;
    for (int i = 0; i < N; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double se = sqrt(ss / N) / sqrt((double)N);
    struct mrv_error err = {0};
    struct mrv_ci ci, ci2, ci3;
    for (int m = 0; m < 2; m++) {
        assert_ok(mrv_stats_bootstrap_mean(x, N, 0.95, 20000, (enum mrv_ci_method)m, 42,
                                           &ci, &err),
                  &err);
        assert_close(ci.estimate, mean, 1e-12);
        assert_close(ci.lo, mean - 1.959964 * se, 0.05 * se);
        assert_close(ci.hi, mean + 1.959964 * se, 0.05 * se);
    }
    assert_ok(mrv_stats_bootstrap_mean(x, N, 0.95, 999, MRV_CI_BCA, 5, &ci, &err), &err);
    assert_ok(mrv_stats_bootstrap_mean(x, N, 0.95, 999, MRV_CI_BCA, 5, &ci2, &err), &err);
    assert_ok(mrv_stats_bootstrap_mean(x, N, 0.95, 999, MRV_CI_BCA, 6, &ci3, &err), &err);
    assert_memory_equal(&ci.lo, &ci2.lo, sizeof ci.lo);
    assert_memory_equal(&ci.hi, &ci2.hi, sizeof ci.hi);
    assert_true(ci.lo != ci3.lo || ci.hi != ci3.hi);

    double one = 1;
    assert_ok(mrv_stats_bootstrap_mean(&one, 1, 0.95, 100, MRV_CI_BCA, 1, &ci, &err), &err);
    assert_true(isnan(ci.lo) && ci.null_reason != NULL && ci.estimate == 1);
    double cst[3] = {2, 2, 2};
    assert_ok(mrv_stats_bootstrap_mean(cst, 3, 0.95, 100, MRV_CI_BCA, 1, &ci, &err), &err);
    assert_true(ci.lo == 2 && ci.hi == 2);
    assert_int_equal(mrv_stats_bootstrap_mean(x, N, 1.5, 100, MRV_CI_BCA, 1, &ci, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "level"));
}

/* ---- ratio of sums ------------------------------------------------------------ */

/* Hand-worked: num = (1, 4), den = (1, 2), estimate 5/3. A resample draws
 * case 0 twice (p 1/4: 2/2 = 1), once each (p 1/2: 5/3) or case 1 twice
 * (p 1/4: 8/4 = 2), so the 2.5 % and 97.5 % quantiles are 1 and 2, and the
 * 30 % and 70 % quantiles both 5/3. BCa: the fraction below 5/3 is
 * (1/4 + 3/4) / 2 = 1/2, z0 ~ 0, and the jackknife (2, 1) is symmetric, a = 0,
 * so BCa gives the same end points. (SciPy agrees: tests/core/oracle_stats.py
 * boot-ratio prints 1 2 for both methods.) */
static void ratio_hand_worked(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_ci ci;
    const double num[2] = {1, 4}, den[2] = {1, 2};
    for (int m = 0; m < 2; m++) {
        assert_ok(mrv_stats_bootstrap_ratio(num, den, 2, 0.95, 10000, (enum mrv_ci_method)m, 3,
                                            &ci, &err),
                  &err);
        assert_close(ci.estimate, 5.0 / 3, 1e-15);
        assert_close(ci.lo, 1, 1e-15);
        assert_close(ci.hi, 2, 1e-15);
        assert_null(ci.null_reason);
        assert_int_equal(ci.n, 2);
    }
    assert_ok(mrv_stats_bootstrap_ratio(num, den, 2, 0.4, 10000, MRV_CI_PERCENTILE, 3, &ci,
                                        &err),
              &err);
    assert_close(ci.lo, 5.0 / 3, 1e-15);
    assert_close(ci.hi, 5.0 / 3, 1e-15);

    /* Joint resampling across columns: num = [[1, 1], [3, 3]], den = 1, so
     * both columns are the same mean and T in {1, 2, 3} with p 1/4, 1/2,
     * 1/4; at level 0.6 (quantiles 0.2, 0.8) the interval is [1, 3]. Columns
     * resampled independently would give T = 1 with p 1/16 only, and a
     * 20 % quantile of 1.5. */
    const double mn[4] = {1, 1, 3, 3}, md[4] = {1, 1, 1, 1};
    assert_ok(mrv_stats_bootstrap_mean_ratio(mn, md, 2, 2, 0.6, 10000, MRV_CI_PERCENTILE, 4,
                                             &ci, &err),
              &err);
    assert_close(ci.estimate, 2, 1e-15);
    assert_close(ci.lo, 1, 1e-15);
    assert_close(ci.hi, 3, 1e-15);

    /* Mean of two ratios: column 0 = 1, 3 over 1, 1 (ratio 2), column 1 =
     * 2, 2 over 1, 4 (ratio 4/5): T = (2 + 0.8) / 2 = 1.4. Case 0 twice:
     * (1 + 2) / 2 = 1.5; case 1 twice: (3 + 0.5) / 2 = 1.75; so the 95 %
     * interval is [1.4, 1.75] with the mixed resample (1.4) in between. */
    const double pn[4] = {1, 2, 3, 2}, pd[4] = {1, 1, 1, 4};
    assert_ok(mrv_stats_bootstrap_mean_ratio(pn, pd, 2, 2, 0.95, 10000, MRV_CI_PERCENTILE, 5,
                                             &ci, &err),
              &err);
    assert_close(ci.estimate, 1.4, 1e-15);
    assert_close(ci.lo, 1.4, 1e-15);
    assert_close(ci.hi, 1.75, 1e-15);
}

static void ratio_edges_and_determinism(void **state)
{
    (void)state;
    enum { N = 60, K = 3 };
    struct lcg g = {11};
    double num[N * K], den[N * K], ones[N], x[N];
    for (int i = 0; i < N * K; i++) {
        den[i] = 0.5 + lcg_uniform(&g);
        num[i] = 2.5 * den[i];
    }
    struct mrv_error err = {0};
    struct mrv_ci ci, ci2;
    /* Constant ratio (2.5 in every column): the interval is the point. */
    for (int m = 0; m < 2; m++) {
        assert_ok(mrv_stats_bootstrap_mean_ratio(num, den, N, K, 0.95, 200,
                                                 (enum mrv_ci_method)m, 1, &ci, &err),
                  &err);
        assert_close(ci.estimate, 2.5, 1e-14);
        assert_true(ci.lo == ci.estimate && ci.hi == ci.estimate);
    }
    /* ratio(x, 1) draws the same cases as mean(x) for the same seed: the
     * same interval up to summation order. */
    for (int i = 0; i < N; i++) {
        ones[i] = 1;
        x[i] = -log(lcg_uniform(&g));
    }
    for (int m = 0; m < 2; m++) {
        assert_ok(mrv_stats_bootstrap_ratio(x, ones, N, 0.9, 999, (enum mrv_ci_method)m, 8, &ci,
                                            &err),
                  &err);
        assert_ok(mrv_stats_bootstrap_mean(x, N, 0.9, 999, (enum mrv_ci_method)m, 8, &ci2, &err),
                  &err);
        assert_close(ci.estimate, ci2.estimate, 1e-13);
        assert_close(ci.lo, ci2.lo, 1e-13);
        assert_close(ci.hi, ci2.hi, 1e-13);
    }
    /* Same seed, same bits; k = 1 is mrv_stats_bootstrap_ratio; another seed
     * moves the interval. */
    for (int i = 0; i < N * K; i++)
        num[i] = den[i] * (1 + 0.3 * lcg_normal(&g));
    assert_ok(mrv_stats_bootstrap_mean_ratio(num, den, N, K, 0.95, 500, MRV_CI_BCA, 9, &ci, &err),
              &err);
    assert_ok(mrv_stats_bootstrap_mean_ratio(num, den, N, K, 0.95, 500, MRV_CI_BCA, 9, &ci2, &err),
              &err);
    assert_memory_equal(&ci.lo, &ci2.lo, sizeof ci.lo);
    assert_memory_equal(&ci.hi, &ci2.hi, sizeof ci.hi);
    assert_true(ci.lo < ci.estimate && ci.estimate < ci.hi);
    assert_ok(mrv_stats_bootstrap_mean_ratio(num, den, N, K, 0.95, 500, MRV_CI_BCA, 10, &ci2, &err),
              &err);
    assert_true(ci.lo != ci2.lo || ci.hi != ci2.hi);
    assert_ok(mrv_stats_bootstrap_mean_ratio(x, ones, N, 1, 0.95, 300, MRV_CI_BCA, 2, &ci, &err),
              &err);
    assert_ok(mrv_stats_bootstrap_ratio(x, ones, N, 0.95, 300, MRV_CI_BCA, 2, &ci2, &err), &err);
    assert_memory_equal(&ci, &ci2, sizeof ci);

    /* An absent case (num = den = 0 in its column) leaves that column's
     * ratio as if the case were not there: the estimate is the hand sum. */
    const double an[6] = {1, 2, 0, 0, 3, 4}, ad[6] = {2, 4, 0, 0, 2, 1};
    assert_ok(mrv_stats_bootstrap_mean_ratio(an, ad, 3, 2, 0.95, 100, MRV_CI_PERCENTILE, 1, &ci,
                                             &err),
              &err);
    assert_close(ci.estimate, (4.0 / 4 + 6.0 / 5) / 2, 1e-15);

    /* Undefined and invalid input. */
    const double z[2] = {1, 1}, zd[2] = {1, -1};
    assert_ok(mrv_stats_bootstrap_ratio(z, zd, 2, 0.95, 100, MRV_CI_BCA, 1, &ci, &err), &err);
    assert_true(isnan(ci.estimate) && isnan(ci.lo));
    assert_string_equal(ci.null_reason, "a denominator sums to zero");
    assert_ok(mrv_stats_bootstrap_ratio(z, z, 1, 0.95, 100, MRV_CI_BCA, 1, &ci, &err), &err);
    assert_true(ci.estimate == 1 && isnan(ci.lo) && ci.null_reason != NULL);
    /* Column 1 has one present case of 40: most resamples miss it. */
    double sn[80] = {0}, sd[80] = {0};
    for (int i = 0; i < 40; i++) {
        sn[2 * i] = i + 1.0;
        sd[2 * i] = 1;
    }
    sn[1] = sd[1] = 1;
    assert_ok(mrv_stats_bootstrap_mean_ratio(sn, sd, 40, 2, 0.95, 100, MRV_CI_PERCENTILE, 1, &ci,
                                             &err),
              &err);
    assert_true(isfinite(ci.estimate) && isnan(ci.lo));
    assert_string_equal(ci.null_reason, "a resample's denominator sums to zero");
    double bad[3] = {1, 2, NAN};
    assert_int_equal(mrv_stats_bootstrap_ratio(x, bad, 3, 0.95, 100, MRV_CI_BCA, 1, &ci, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "den[2]"));
    assert_int_equal(mrv_stats_bootstrap_ratio(bad, x, 3, 0.95, 100, MRV_CI_BCA, 1, &ci, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "num[2]"));
    assert_int_equal(mrv_stats_bootstrap_mean_ratio(x, x, 3, 0, 0.95, 100, MRV_CI_BCA, 1, &ci,
                                                    &err),
                     MRV_EINVAL);
    assert_int_equal(mrv_stats_bootstrap_ratio(x, NULL, 3, 0.95, 100, MRV_CI_BCA, 1, &ci, &err),
                     MRV_EMISUSE);
    assert_int_equal(mrv_stats_bootstrap_ratio(x, x, 3, 0.95, 0, MRV_CI_BCA, 1, &ci, &err),
                     MRV_EINVAL);
}

/* ---- SciPy, live ------------------------------------------------------------ */

static char oracle_path[1024];

static int write_rows(const char *path, const double *a, const double *b, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.17g ", a[i]);
    fputc('\n', f);
    if (b) {
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%.17g ", b[i]);
        fputc('\n', f);
    }
    return fclose(f);
}

static int live;

/* The oracle's two numbers for case `id`: SciPy live, or the golden file
 * tests/core/golden/stats.txt when SciPy is absent (0: neither, skip). */
static int oracle2(const char *id, const char *args, double *u, double *v, double tol)
{
    double o[2] = {NAN, NAN};
    if (live) {
        char buf[512];
        int rc = tu_python_run(oracle_path, args, buf, sizeof buf);
        if (rc != 0 || sscanf(buf, "%lf %lf", &o[0], &o[1]) != 2)
            fail_msg("oracle %s failed (rc %d): %s", args, rc, buf);
    }
    if (!golden_resolve("core", "stats", id, live, o, 2, tol))
        return 0;
    *u = o[0];
    *v = o[1];
    return 1;
}

static void scipy_tests(void **state)
{
    (void)state;
    live = tu_python_has("numpy,scipy");
    int checked = 0;
    snprintf(oracle_path, sizeof oracle_path, "%s/tests/core/oracle_stats.py",
             MRV_SOURCE_DIR);
    char data[600], args[800];
    snprintf(data, sizeof data, "%s/stats.txt", tu_tmpdir());
    static const char *const alts[] = {"two-sided", "greater", "less"};
    struct mrv_error err = {0};
    struct mrv_test_result r;
    struct lcg g = {2024};

    for (int trial = 0; trial < 3; trial++) {
        /* Continuous data (no ties): exact Wilcoxon for n = 18; rounded data
         * (ties, zeros) with n = 70: the normal approximation. */
        enum { N = 70 };
        double a[N], b[N];
        for (int i = 0; i < N; i++) {
            a[i] = 0.8 + 0.05 * lcg_normal(&g);
            b[i] = a[i] - 0.01 + 0.03 * lcg_normal(&g);
        }
        int alt = trial % 3;
        assert_int_equal(write_rows(data, a, b, 18), 0);
        double st, p;
        char id[32];
        snprintf(args, sizeof args, "wilcoxon-exact %s %s", data, alts[alt]);
        snprintf(id, sizeof id, "t%d-wexact", trial);
        if (oracle2(id, args, &st, &p, 1e-12)) {
            checked++;
            assert_ok(mrv_stats_wilcoxon(a, b, 18, (enum mrv_alternative)alt,
                                         MRV_WILCOXON_AUTO, &r, &err),
                      &err);
            assert_int_equal(r.exact, 1);
            assert_close(r.statistic, st, 1e-9);
            assert_close(r.pvalue, p, 1e-12);
        }

        snprintf(args, sizeof args, "ttest %s %s", data, alts[alt]);
        snprintf(id, sizeof id, "t%d-ttest", trial);
        if (oracle2(id, args, &st, &p, 1e-12)) {
            checked++;
            assert_ok(mrv_stats_ttest_paired(a, b, 18, (enum mrv_alternative)alt, &r, &err),
                      &err);
            assert_close(r.statistic, st, 1e-10 * fabs(st) + 1e-12);
            assert_close(r.pvalue, p, 1e-10);
        }

        for (int i = 0; i < N; i++) {
            a[i] = round(a[i] * 100) / 100;
            b[i] = round(b[i] * 100) / 100;
        }
        assert_int_equal(write_rows(data, a, b, N), 0);
        snprintf(args, sizeof args, "wilcoxon-approx %s %s", data, alts[alt]);
        snprintf(id, sizeof id, "t%d-wnormal", trial);
        if (oracle2(id, args, &st, &p, 1e-12)) {
            checked++;
            assert_ok(mrv_stats_wilcoxon(a, b, N, (enum mrv_alternative)alt, MRV_WILCOXON_AUTO,
                                         &r, &err),
                      &err);
            assert_int_equal(r.exact, 0);
            assert_close(r.statistic, st, 1e-9);
            assert_close(r.pvalue, p, 1e-10);
        }
    }

    /* Bootstrap on skewed data (exponential, n = 25), where BCa and the
     * percentile interval differ: both must agree with SciPy's to within
     * Monte Carlo error (40000 resamples each: the endpoint's standard error is
     * ~0.014 se, so the difference of two runs has sd ~0.019 se and the
     * tolerance 0.07 se is 3.7 sd), and SciPy's two methods must differ by
     * more than that tolerance, so the check has teeth. */
    enum { M = 25 };
    double x[M], y[M], s = 0, ss = 0;
    for (int i = 0; i < M; i++) {
        x[i] = -log(lcg_uniform(&g));
        y[i] = 0.3 * lcg_normal(&g);
        s += x[i] - y[i];
    }
    for (int i = 0; i < M; i++)
        ss += (x[i] - y[i] - s / M) * (x[i] - y[i] - s / M);
    double se = sqrt(ss / (M - 1)) / sqrt((double)M);
    double tol = 0.07 * se;
    assert_int_equal(write_rows(data, x, y, M), 0);
    double lo[2] = {NAN, NAN}, hi[2] = {NAN, NAN};
    for (int m = 0; m < 2; m++) {
        snprintf(args, sizeof args, "boot-paired %s %s 1", data,
                 m ? "BCa" : "percentile");
        char id[32];
        snprintf(id, sizeof id, "boot-paired-%d", m);
        if (!oracle2(id, args, &lo[m], &hi[m], tol))
            continue;
        checked++;
        struct mrv_ci ci;
        assert_ok(mrv_stats_bootstrap_paired_diff(x, y, M, 0.95, 40000,
                                                  (enum mrv_ci_method)m, 99, &ci, &err),
                  &err);
        assert_close(ci.lo, lo[m], tol);
        assert_close(ci.hi, hi[m], tol);
        snprintf(args, sizeof args, "boot-mean %s %s 2", data, m ? "BCa" : "percentile");
        double l1, h1;
        snprintf(id, sizeof id, "boot-mean-%d", m);
        if (!oracle2(id, args, &l1, &h1, tol))
            continue;
        assert_ok(mrv_stats_bootstrap_mean(x, M, 0.95, 40000, (enum mrv_ci_method)m, 98,
                                           &ci, &err),
                  &err);
        assert_close(ci.lo, l1, tol * 1.2); /* x alone: se within 20 % */
        assert_close(ci.hi, h1, tol * 1.2);
    }
    if (!checked) {
        skip();
        return;
    }
    assert_true(fabs(lo[0] - lo[1]) > tol || fabs(hi[0] - hi[1]) > tol);
}

/* SciPy's bootstrap with paired=True and the statistic mean_j sum(num_j) /
 * sum(den_j), run live, on skewed positive errors (n = 30): k = 1 (the
 * corruption error of one family) and k = 3 (mCE over three families, the
 * same cases in each, one case absent from the last family). Tolerance as
 * for the mean above: 0.07 of SciPy's bootstrap standard error (40000
 * resamples on each side). Teeth: SciPy's BCa and percentile end points must
 * differ by more than the tolerance for at least one of the data sets, so a
 * wrong bias correction or acceleration cannot pass. */
static void write_cols(const char *path, const double *num, const double *den, size_t n,
                       size_t k)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int part = 0; part < 2; part++)
        for (size_t j = 0; j < k; j++) {
            for (size_t i = 0; i < n; i++)
                fprintf(f, "%.17g ", (part ? den : num)[i * k + j]);
            fputc('\n', f);
        }
    assert_int_equal(fclose(f), 0);
}

static void scipy_ratio(void **state)
{
    (void)state;
    if (!tu_python_has("numpy,scipy")) {
        skip();
        return;
    }
    snprintf(oracle_path, sizeof oracle_path, "%s/tests/core/oracle_stats.py", MRV_SOURCE_DIR);
    enum { N = 30, K = 3 };
    struct lcg g = {77};
    double num[N * K], den[N * K];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < K; j++) {
            den[i * K + j] = 0.05 + 0.1 * -log(lcg_uniform(&g));
            num[i * K + j] = den[i * K + j] * (0.6 + 0.2 * j) * exp(0.5 * lcg_normal(&g));
        }
    num[4 * K + 2] = den[4 * K + 2] = 0; /* case 4 absent from family 2 */
    char data[600], args[800], buf[512];
    snprintf(data, sizeof data, "%s/ratio.txt", tu_tmpdir());
    struct mrv_error err = {0};
    bool differ = false;
    for (size_t k = 1; k <= K; k += K - 1) {
        /* k = 1: column 0 alone, as an n x 1 matrix. */
        double n1[N * K], d1[N * K];
        for (int i = 0; i < N; i++)
            for (size_t j = 0; j < k; j++) {
                n1[i * k + j] = num[i * K + j];
                d1[i * k + j] = den[i * K + j];
            }
        write_cols(data, n1, d1, N, k);
        double lo[2], hi[2];
        for (int m = 0; m < 2; m++) {
            snprintf(args, sizeof args, "boot-ratio %s %s %d", data, m ? "BCa" : "percentile",
                     (int)k);
            double se;
            int rc = tu_python_run(oracle_path, args, buf, sizeof buf);
            if (rc != 0 || sscanf(buf, "%lf %lf %lf", &lo[m], &hi[m], &se) != 3)
                fail_msg("oracle %s failed (rc %d): %s", args, rc, buf);
            double tol = 0.07 * se;
            struct mrv_ci ci;
            assert_ok(mrv_stats_bootstrap_mean_ratio(n1, d1, N, k, 0.95, 40000,
                                                     (enum mrv_ci_method)m, 123 + k, &ci, &err),
                      &err);
            assert_true(ci.lo < ci.estimate && ci.estimate < ci.hi);
            assert_close(ci.lo, lo[m], tol);
            assert_close(ci.hi, hi[m], tol);
            if (m == 1 && (fabs(lo[0] - lo[1]) > tol || fabs(hi[0] - hi[1]) > tol))
                differ = true;
        }
    }
    assert_true(differ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wilcoxon_reference_vector),
        cmocka_unit_test(wilcoxon_edge_cases),
        cmocka_unit_test(ttest_hand_worked),
        cmocka_unit_test(p_adjust_hand_worked),
        cmocka_unit_test(quantile_numpy_linear),
        cmocka_unit_test(bootstrap_normal_theory_and_seed),
        cmocka_unit_test(scipy_tests),
        cmocka_unit_test(ratio_hand_worked),
        cmocka_unit_test(ratio_edges_and_determinism),
        cmocka_unit_test(scipy_ratio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
