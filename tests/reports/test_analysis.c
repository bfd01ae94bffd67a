/* tests/reports/test_analysis.c — the report's aggregates on a store whose
 * answers are worked out by hand below.
 *
 * Two models over four cases (metadata vendor A, A, B, B), offsets
 * delta = -0.01, 0, 0.01, 0.02 per case:
 *   ssim   good (run 1, reference)      bad (run 2)
 *   clean  0.95 + d                     0.95 + d
 *   noise1 0.90 + d                     0.80 + d
 *   noise2 0.85 + d                     0.60 + d + e, e = +.02 -.02 +.01 -.01
 *   blur1  0.93 + d                     0.75 + d
 * (bad noise2 of case 0 is stored as two repeats, 0.60 and 0.62, mean 0.61.)
 * With alpha = 2/3 (a = 2/3, a² = 4/9, a + a² = 10/9):
 *   D good noise = (a·0.05 + a²·0.10)/(10/9) = 0.07      D good blur = 0.02
 *   D bad  noise = (a·0.15 + a²·0.35)/(10/9) = 0.23      D bad  blur = 0.20
 *   mean D: good 0.045, bad 0.215; bad − good = 0.17
 *   E = 1 − ssim: good noise E1 + E2 = 0.095 + 0.145 = 0.24,
 *                 bad  noise         0.195 + 0.395 = 0.59 -> CE 0.59/0.24
 *   blur: bad 0.245 / good 0.065; relative: noise 0.50 / 0.15, blur 0.20 / 0.02
 *   overall good noise = (0.955 + a·0.905 + a²·0.855) / (1 + 10/9)
 */
#include "tests_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reports/analysis.h"
#include "reports/report.h"
#include "store/store.h"

struct fx {
    char db[600];
    struct mrv_store *s;
    struct mrv_analysis *a;
    struct mrv_error err;
};

static const double delta[4] = {-0.01, 0, 0.01, 0.02};
static const double eps[4] = {0.02, -0.02, 0.01, -0.01};

static int64_t pert(struct fx *f, int64_t c, const char *fam, int sev, int rep)
{
    int64_t id = 0;
    assert_ok(mrv_store_perturbation(f->s, c, fam, sev, rep, (uint64_t)(sev * 10 + rep), NULL,
                                     &id, &f->err),
              &f->err);
    return id;
}

static void put(struct fx *f, int64_t run, int64_t c, int64_t p, const char *metric, double v)
{
    assert_ok(mrv_store_result(f->s, run, c, p, metric, v, isnan(v) ? "empty" : NULL, &f->err),
              &f->err);
}

static void put_store(struct fx *f, struct mrv_store *s, int64_t run, int64_t c, int64_t p,
                      double v)
{
    assert_ok(mrv_store_result(s, run, c, p, "nmse", v, NULL, &f->err), &f->err);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    *state = f;
    snprintf(f->db, sizeof f->db, "%s/a.db", tu_tmpdir());
    struct mrv_error *err = &f->err;
    assert_ok(mrv_store_open(f->db, &f->s, err), err);
    struct mrv_run_info info = {.study = "s", .model = "good", .seed = 1};
    int64_t good = 0, bad = 0;
    assert_ok(mrv_store_run_begin(f->s, &info, &good, err), err);
    info.model = "bad";
    assert_ok(mrv_store_run_begin(f->s, &info, &bad, err), err);
    for (int i = 0; i < 4; i++) {
        char key[24], meta[64];
        snprintf(key, sizeof key, "case-%d", i);
        snprintf(meta, sizeof meta, "{\"vendor\":\"%s\",\"field\":3}", i < 2 ? "A" : "B");
        int64_t c = 0;
        assert_ok(mrv_store_case(f->s, "set", key, NULL, meta, &c, err), err);
        int64_t p0 = pert(f, c, "none", 0, 0), n1 = pert(f, c, "noise", 1, 0),
                n2 = pert(f, c, "noise", 2, 0), b1 = pert(f, c, "blur", 1, 0);
        double d = delta[i];
        put(f, good, c, p0, "ssim", 0.95 + d);
        put(f, good, c, n1, "ssim", 0.90 + d);
        put(f, good, c, n2, "ssim", 0.85 + d);
        put(f, good, c, b1, "ssim", 0.93 + d);
        put(f, bad, c, p0, "ssim", 0.95 + d);
        put(f, bad, c, n1, "ssim", 0.80 + d);
        if (i == 0) {
            int64_t n2b = pert(f, c, "noise", 2, 1);
            put(f, bad, c, n2, "ssim", 0.60);
            put(f, bad, c, n2b, "ssim", 0.62);
        } else {
            put(f, bad, c, n2, "ssim", 0.60 + d + eps[i]);
        }
        put(f, bad, c, b1, "ssim", 0.75 + d);
        /* nmse, lower is better: 0.01, 0.02, 0.04; case 3 undefined at noise2. */
        put(f, good, c, p0, "nmse", 0.01);
        put(f, good, c, n1, "nmse", 0.02);
        put(f, good, c, n2, "nmse", i == 3 ? NAN : 0.04);
        /* Reliability bins, run 1 clean, cases 0 and 1. */
        if (i < 2) {
            put(f, good, c, p0, "calib_bin_00_count", i == 0 ? 10 : 30);
            put(f, good, c, p0, "calib_bin_00_conf", i == 0 ? 0.2 : 0.3);
            put(f, good, c, p0, "calib_bin_00_acc", i == 0 ? 0.1 : 0.3);
            put(f, good, c, p0, "calib_bin_01_count", i == 0 ? 30 : 10);
            put(f, good, c, p0, "calib_bin_01_conf", i == 0 ? 0.8 : 0.7);
            put(f, good, c, p0, "calib_bin_01_acc", i == 0 ? 0.9 : 0.6);
        }
    }
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mrv_analysis_destroy(f->a);
    mrv_store_close(f->s);
    unlink(f->db);
    free(f);
    return 0;
}

static int32_t index_of(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return (int32_t)i;
    fail_msg("no name %s", name);
    return -1;
}

static int atoi_safe(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

static void analyse(struct fx *f, const char *criterion)
{
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    o.resamples = 500;
    if (criterion)
        assert_ok(mrv_report_options_add_criterion(&o, criterion, &f->err), &f->err);
    assert_ok(mrv_analysis_create(f->s, &o, &f->a, &f->err), &f->err);
}

#define FAM(a, n) index_of((a)->res.families, (a)->res.nfamilies, n)
#define MET(a, n) index_of((a)->res.metrics, (a)->res.nmetrics, n)

static void test_cells(void **state)
{
    struct fx *f = *state;
    analyse(f, NULL);
    const struct mrv_analysis *a = f->a;
    assert_int_equal(a->nruns, 2);
    assert_int_equal(a->nsev, 3);
    assert_string_equal(a->res.families[0], "none"); /* clean first */
    const struct mrv_agg_cell *c = mrv_analysis_cell(a, 0, FAM(a, "none"), 0, MET(a, "ssim"));
    assert_non_null(c);
    assert_int_equal(c->n, 4);
    assert_close(c->ci.estimate, 0.955, 1e-12);
    assert_true(c->ci.lo <= c->ci.estimate && c->ci.estimate <= c->ci.hi);
    /* numpy linear quantiles of 0.94, 0.95, 0.96, 0.97 */
    assert_close(c->five[0], 0.94, 1e-12);
    assert_close(c->five[1], 0.9475, 1e-12);
    assert_close(c->five[2], 0.955, 1e-12);
    assert_close(c->five[3], 0.9625, 1e-12);
    assert_close(c->five[4], 0.97, 1e-12);
    /* Repeats averaged per case: bad noise2 mean over cases is 0.605. */
    c = mrv_analysis_cell(a, 1, FAM(a, "noise"), 2, MET(a, "ssim"));
    assert_int_equal(c->n, 4);
    assert_int_equal(c->n_values, 5);
    assert_close(c->values[0], 0.61, 1e-12);
    assert_close(c->ci.estimate, 0.605, 1e-12);
    /* The undefined nmse is counted apart, its case left out. */
    c = mrv_analysis_cell(a, 0, FAM(a, "noise"), 2, MET(a, "nmse"));
    assert_int_equal(c->n, 3);
    assert_int_equal(c->n_undefined, 1);
}

/* The exact bootstrap distribution of T = mean_j sum_i num[i k + j] /
 * sum_i den[i k + j] for n = 4 cases: all 4^4 equally likely resamples
 * (index tuples), enumerated here independently of core/stats. The report
 * draws 500 resamples, so its 2.5 % end point must lie between the exact
 * 0.5 % and 5 % quantiles (the empirical CDF at 2.5 % has sd 0.7 %), the
 * 97.5 % one between the 95 % and 99.5 % quantiles; and both must be
 * within the support, around the estimate. */
static int cmp_dbl(const void *x, const void *y)
{
    double u = *(const double *)x, v = *(const double *)y;
    return (u > v) - (u < v);
}

static void check_exact(const struct mrv_ci *ci, const double *num, const double *den, size_t n,
                        size_t k)
{
    assert_int_equal(n, 4);
    enum { T = 256 };
    double t[T], est = 0;
    for (size_t j = 0; j < k; j++) {
        double u = 0, v = 0;
        for (size_t i = 0; i < n; i++) {
            u += num[i * k + j];
            v += den[i * k + j];
        }
        est += u / v / (double)k;
    }
    for (int r = 0; r < T; r++) {
        int idx[4] = {r & 3, (r >> 2) & 3, (r >> 4) & 3, (r >> 6) & 3};
        t[r] = 0;
        for (size_t j = 0; j < k; j++) {
            double u = 0, v = 0;
            for (int q = 0; q < 4; q++) {
                u += num[(size_t)idx[q] * k + j];
                v += den[(size_t)idx[q] * k + j];
            }
            t[r] += u / v / (double)k;
        }
    }
    qsort(t, T, sizeof t[0], cmp_dbl);
    assert_close(ci->estimate, est, 1e-9);
    const double tol = 1e-9;
    assert_true(ci->lo >= t[1] - tol && ci->lo <= t[12] + tol);   /* 0.5 %, 5 % */
    assert_true(ci->hi >= t[243] - tol && ci->hi <= t[254] + tol); /* 95 %, 99.5 % */
    assert_true(ci->lo < est && est < ci->hi);
}

static void test_rood_and_ce(void **state)
{
    struct fx *f = *state;
    analyse(f, "ssim>=0.82");
    const struct mrv_analysis *a = f->a;
    int32_t ssim = MET(a, "ssim"), noise = FAM(a, "noise"), blur = FAM(a, "blur");
    const double al = 2.0 / 3.0, a2 = al * al;
    const struct mrv_agg_robust *g = mrv_analysis_robust(a, 0, noise, ssim);
    const struct mrv_agg_robust *b = mrv_analysis_robust(a, 1, noise, ssim);
    assert_non_null(g);
    assert_non_null(b);
    assert_close(g->degradation.estimate, 0.07, 1e-12);
    assert_close(b->degradation.estimate, 0.23, 1e-12);
    assert_int_equal(b->degradation.n, 4);
    /* Good's per-case D is constant: a point interval. */
    assert_close(g->degradation.lo, 0.07, 1e-12);
    assert_close(g->degradation.hi, 0.07, 1e-12);
    /* Bad's varies with e: a real interval around 0.23. */
    assert_true(b->degradation.lo < 0.23 && b->degradation.hi > 0.23);
    assert_close(g->overall, (0.955 + al * 0.905 + a2 * 0.855) / (1 + al + a2), 1e-12);
    /* Paired per family: bad − good = 0.23 − 0.07 on noise, 0.20 − 0.02 on blur. */
    assert_close(b->vs_reference.estimate, 0.16, 1e-12);
    assert_int_equal(b->vs_reference.n, 4);
    assert_true(b->vs_reference.lo < 0.16 && b->vs_reference.hi > 0.16);
    assert_close(mrv_analysis_robust(a, 1, blur, ssim)->vs_reference.estimate, 0.18, 1e-12);
    assert_true(isnan(g->vs_reference.estimate));
    assert_close(mrv_analysis_robust(a, 0, blur, ssim)->degradation.estimate, 0.02, 1e-12);
    assert_close(mrv_analysis_robust(a, 1, blur, ssim)->degradation.estimate, 0.20, 1e-12);
    /* Corruption errors against run 1. */
    assert_close(g->ce.estimate, 1.0, 1e-12);
    assert_close(b->ce.estimate, 0.59 / 0.24, 1e-9);
    assert_close(b->rel_ce.estimate, 0.50 / 0.15, 1e-9);
    const struct mrv_agg_robust *bb = mrv_analysis_robust(a, 1, blur, ssim);
    assert_close(bb->ce.estimate, 0.245 / 0.065, 1e-9);
    assert_close(bb->rel_ce.estimate, 0.20 / 0.02, 1e-9);
    /* The reference against itself: every case has ratio 1, a point CI. */
    assert_true(g->ce.lo == 1 && g->ce.hi == 1);
    /* Blur's relative CE: bad 0.25 − d − (0.05 − d) = 0.20 over good 0.02 on
     * every case, a constant ratio: the interval is the point. */
    assert_close(bb->rel_ce.lo, 10, 1e-9);
    assert_close(bb->rel_ce.hi, 10, 1e-9);
    assert_int_equal(bb->rel_ce.n, 4);
    /* Bad's noise CE: per case num = 0.60 − 2d − e, den = 0.25 − 2d; its
     * interval against the exact bootstrap distribution (all 4^4 resamples). */
    {
        const double num[4] = {0.60, 0.62, 0.57, 0.57}, den[4] = {0.27, 0.25, 0.23, 0.21};
        assert_int_equal(b->ce.n, 4);
        check_exact(&b->ce, num, den, 4, 1);
    }
    /* Breakdown at ssim >= 0.82: good never (0.855 at 2), bad at 1 (0.805). */
    assert_int_equal(g->breakdown, MRV_BREAKDOWN_NONE);
    assert_int_equal(b->breakdown, 1);
    /* Model rows. */
    const struct mrv_agg_model *mg = NULL, *mb = NULL;
    for (size_t i = 0; i < a->nmodels; i++)
        if (a->models[i].metric == ssim)
            *(a->models[i].run == 0 ? &mg : &mb) = &a->models[i];
    assert_non_null(mg);
    assert_non_null(mb);
    assert_int_equal(mg->families, 2);
    assert_close(mg->mean_degradation.estimate, 0.045, 1e-12);
    assert_close(mb->mean_degradation.estimate, 0.215, 1e-12);
    assert_close(mb->vs_reference.estimate, 0.17, 1e-12);
    assert_true(isnan(mg->vs_reference.lo));
    assert_close(mg->mce.estimate, 1.0, 1e-12);
    assert_true(mg->mce.lo == 1 && mg->mce.hi == 1);
    assert_close(mb->mce.estimate, (0.59 / 0.24 + 0.245 / 0.065) / 2, 1e-9);
    assert_close(mb->rel_mce.estimate, (0.50 / 0.15 + 10) / 2, 1e-9);
    assert_int_equal(mb->mce_families, 2);
    assert_int_equal(mb->rel_mce_families, 2);
    /* mCE: cases resampled jointly over (noise, blur); blur per case num =
     * 0.25 − d, den = 0.07 − d. Relative: noise 0.50 − e over 0.15, blur
     * 0.20 over 0.02. Checked against the exact joint distribution. */
    {
        const double num[8] = {0.60, 0.26, 0.62, 0.25, 0.57, 0.24, 0.57, 0.23};
        const double den[8] = {0.27, 0.08, 0.25, 0.07, 0.23, 0.06, 0.21, 0.05};
        check_exact(&mb->mce, num, den, 4, 2);
        const double rn[8] = {0.48, 0.20, 0.52, 0.20, 0.49, 0.20, 0.51, 0.20};
        const double rd[8] = {0.15, 0.02, 0.15, 0.02, 0.15, 0.02, 0.15, 0.02};
        check_exact(&mb->rel_mce, rn, rd, 4, 2);
    }
    assert_int_equal(mg->pass, 1);
    assert_int_equal(mb->pass, 0);
    assert_close(mg->clean.estimate, 0.955, 1e-12);
}

static void test_breakdown_and_lower_better(void **state)
{
    struct fx *f = *state;
    analyse(f, "ssim>=0.9");
    const struct mrv_analysis *a = f->a;
    /* good noise: 0.905 at 1 passes, 0.855 at 2 fails. */
    assert_int_equal(mrv_analysis_robust(a, 0, FAM(a, "noise"), MET(a, "ssim"))->breakdown, 2);
    /* No criterion for nmse. */
    const struct mrv_agg_robust *n = mrv_analysis_robust(a, 0, FAM(a, "noise"), MET(a, "nmse"));
    assert_int_equal(n->breakdown, MRV_BREAKDOWN_NO_CRITERION);
    /* Lower is better: D = sum w (m_s - m_0) / sum w over the 3 complete
     * cases = (a·0.01 + a²·0.03) / (a + a²) = 0.018. */
    assert_int_equal(a->direction[MET(a, "nmse")], -1);
    assert_close(n->degradation.estimate, 0.018, 1e-12);
    assert_int_equal(n->degradation.n, 3);
    /* A <= criterion: good noise nmse 0.01, 0.02, then 0.04 > 0.03 at 2. */
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    o.resamples = 100;
    assert_ok(mrv_report_options_add_criterion(&o, "nmse<=0.03", &f->err), &f->err);
    struct mrv_analysis *b = NULL;
    assert_ok(mrv_analysis_create(f->s, &o, &b, &f->err), &f->err);
    assert_int_equal(mrv_analysis_robust(b, 0, FAM(b, "noise"), MET(b, "nmse"))->breakdown, 2);
    mrv_analysis_destroy(b);
    assert_close(mrv_report_metric_error("nmse", 0.25), 0.25, 0);
    assert_close(mrv_report_metric_error("psnr", 20), 0.01, 1e-15);
    assert_true(isnan(mrv_report_metric_error("foo", 1)));
}

static void test_subgroups_worst_reliability(void **state)
{
    struct fx *f = *state;
    analyse(f, NULL);
    const struct mrv_analysis *a = f->a;
    int32_t ssim = MET(a, "ssim");
    int found = 0;
    for (size_t i = 0; i < a->nsubgroups; i++) {
        const struct mrv_agg_subgroup *g = &a->subgroups[i];
        if (g->run != 0 || g->metric != ssim)
            continue;
        assert_string_equal(g->key, "vendor"); /* "field" has one level */
        assert_int_equal(g->ncases, 2);
        assert_close(g->clean.estimate, !strcmp(g->value, "A") ? 0.945 : 0.965, 1e-12);
        assert_close(g->degradation.estimate, 0.045, 1e-12);
        found++;
    }
    assert_int_equal(found, 2);
    /* Worst bad ssim: case 1 at noise 2, 0.58; then 0.61. */
    const struct mrv_agg_worst *w = NULL;
    size_t nw = 0;
    for (size_t i = 0; i < a->nworst; i++)
        if (a->worst[i].run == 1 && a->worst[i].metric == ssim) {
            if (!w)
                w = &a->worst[i];
            nw++;
        }
    assert_non_null(w);
    assert_int_equal(nw, 10);
    assert_close(w[0].value, 0.58, 1e-12);
    assert_string_equal(a->cases[w[0].case_idx].case_key, "case-1");
    assert_int_equal(a->severities[w[0].sev], 2);
    assert_close(w[0].clean, 0.95, 1e-12);
    assert_close(w[1].value, 0.61, 1e-12);
    /* Pooled reliability bins. */
    assert_int_equal(a->nrel, 1);
    assert_int_equal(a->rel[0].nbins, 2);
    assert_close(a->rel[0].count[0], 40, 1e-12);
    assert_close(a->rel[0].conf[0], 0.275, 1e-12);
    assert_close(a->rel[0].acc[0], 0.25, 1e-12);
    assert_close(a->rel[0].conf[1], 0.775, 1e-12);
    assert_close(a->rel[0].acc[1], 0.825, 1e-12);
}

static void test_options(void **state)
{
    struct fx *f = *state;
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    assert_int_equal(mrv_report_options_add_criterion(&o, "ssim=0.9", &f->err), MRV_EINVAL);
    assert_non_null(strstr(f->err.msg, "ssim=0.9"));
    assert_int_equal(mrv_report_options_add_criterion(&o, "psnr<=x", &f->err), MRV_EINVAL);
    assert_ok(mrv_report_options_add_criterion(&o, "nmse<=0.05", &f->err), &f->err);
    assert_false(o.criteria[0].higher_better);
    assert_close(o.criteria[0].threshold, 0.05, 0);
    o.reference_run = 99;
    assert_int_equal(mrv_analysis_create(f->s, &o, &f->a, &f->err), MRV_EINVAL);
    assert_non_null(strstr(f->err.msg, "reference run 99"));
    o.reference_run = 2; /* bad as reference: good's CE = 0.24 / 0.59 */
    assert_ok(mrv_analysis_create(f->s, &o, &f->a, &f->err), &f->err);
    const struct mrv_analysis *a = f->a;
    assert_close(mrv_analysis_robust(a, 0, FAM(a, "noise"), MET(a, "ssim"))->ce.estimate,
                 0.24 / 0.59, 1e-9);
}

static void test_deterministic(void **state)
{
    struct fx *f = *state;
    analyse(f, NULL);
    struct mrv_analysis *first = f->a;
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    o.resamples = 500;
    o.threads = 1;
    assert_ok(mrv_analysis_create(f->s, &o, &f->a, &f->err), &f->err);
    const struct mrv_agg_robust *x = mrv_analysis_robust(first, 1, FAM(first, "noise"), MET(first, "ssim"));
    const struct mrv_agg_robust *y = mrv_analysis_robust(f->a, 1, FAM(f->a, "noise"), MET(f->a, "ssim"));
    assert_memory_equal(&x->degradation.lo, &y->degradation.lo, sizeof(double));
    assert_memory_equal(&x->degradation.hi, &y->degradation.hi, sizeof(double));
    mrv_analysis_destroy(first);
}

/* Every figure kind drawn from this analysis (two models, two families,
 * reliability bins, subgroups), in HTML and PDF, without a failure. */
static void test_render_all(void **state)
{
    struct fx *f = *state;
    analyse(f, "ssim>=0.82");
    char html[700], pdf[700];
    snprintf(html, sizeof html, "%s.html", f->db);
    snprintf(pdf, sizeof pdf, "%s.pdf", f->db);
    assert_ok(mrv_report_write_analysis(f->a, NULL, MRV_REPORT_HTML, html, &f->err), &f->err);
    assert_ok(mrv_report_write_analysis(f->a, NULL, MRV_REPORT_PDF, pdf, &f->err), &f->err);
    FILE *fp = fopen(html, "r");
    assert_non_null(fp);
    static char page[1 << 21];
    size_t n = fread(page, 1, sizeof page - 1, fp);
    page[n] = '\0';
    fclose(fp);
    int svgs = 0;
    for (const char *p = strstr(page, "<svg"); p; p = strstr(p + 1, "<svg"))
        svgs++;
    /* ssim and nmse: bars + curves per family (ssim: noise, blur; nmse:
     * noise), heat maps per model and metric (ssim 2, nmse 1), boxes
     * (3), one reliability diagram. */
    assert_int_equal(svgs, 2 + 3 + 3 + 3 + 1);
    assert_non_null(strstr(page, "id=\"calibration\""));
    assert_non_null(strstr(page, "<td class=\"fail\">fail</td>"));
    assert_non_null(strstr(page, "<td>vendor</td>"));
    unlink(html);
    unlink(pdf);
}

static void render_all(struct fx *f, struct mrv_store *s)
{
    static const enum mrv_report_format fmts[] = {MRV_REPORT_HTML, MRV_REPORT_PDF,
                                                  MRV_REPORT_MARKDOWN, MRV_REPORT_JSON};
    static const char *const ext[] = {"html", "pdf", "md", "json"};
    for (int i = 0; i < 4; i++) {
        char path[700];
        snprintf(path, sizeof path, "%s.edge.%s", f->db, ext[i]);
        assert_ok(mrv_report_write(s, NULL, fmts[i], path, &f->err), &f->err);
        if (fmts[i] == MRV_REPORT_JSON) {
            char cmd[900];
            snprintf(cmd, sizeof cmd,
                     "/usr/bin/python3 -c \"import json,sys; json.load(open(sys.argv[1], "
                     "encoding='utf-8'))\" %s", path);
            assert_int_equal(system(cmd), 0);
        }
        unlink(path);
    }
}

/* Stores a report must survive: empty; results but no clean input; a
 * metric of unknown direction; a run without results. */
static void test_edge_stores(void **state)
{
    struct fx *f = *state;
    char db[700];
    snprintf(db, sizeof db, "%s.edge.db", f->db);
    struct mrv_store *s = NULL;
    assert_ok(mrv_store_open(db, &s, &f->err), &f->err);
    render_all(f, s); /* empty */
    /* Not UTF-8 (SQLite stores any bytes): cairo and JSON need UTF-8. */
    struct mrv_run_info info = {.study = "e\xC3", .model = "bad\xFF\xFEname", .seed = 1};
    int64_t run = 0, run2 = 0, c = 0, p1 = 0, p2 = 0;
    assert_ok(mrv_store_run_begin(s, &info, &run, &f->err), &f->err);
    render_all(f, s); /* a run, no results */
    assert_ok(mrv_store_run_begin(s, &info, &run2, &f->err), &f->err);
    assert_ok(mrv_store_case(s, "d", "c", NULL, NULL, &c, &f->err), &f->err);
    assert_ok(mrv_store_perturbation(s, c, "noise", 1, 0, 1, NULL, &p1, &f->err), &f->err);
    assert_ok(mrv_store_perturbation(s, c, "noise", 2, 0, 2, NULL, &p2, &f->err), &f->err);
    assert_ok(mrv_store_result(s, run2, c, p1, "foo", 3.0, NULL, &f->err), &f->err);
    assert_ok(mrv_store_result(s, run2, c, p2, "foo", NAN, "empty mask", &f->err), &f->err);
    render_all(f, s);
    struct mrv_analysis *a = NULL;
    assert_ok(mrv_analysis_create(s, NULL, &a, &f->err), &f->err);
    assert_int_equal(a->direction[0], 0);
    assert_int_equal(a->nrobust, 1);
    assert_true(isnan(a->robust[0].degradation.estimate));
    assert_string_equal(a->robust[0].degradation.null_reason, "no clean results");
    assert_true(isnan(a->robust[0].ce.estimate) && isnan(a->robust[0].ce.lo));
    assert_string_equal(a->robust[0].ce.null_reason, "no error form for this metric");
    assert_true(isnan(a->models[0].mce.estimate));
    assert_string_equal(a->models[0].mce.null_reason, "no family has a CE");
    mrv_analysis_destroy(a);
    mrv_store_close(s);
    unlink(db);
}

/* More subgroups than any initial allocation (12 keys × 3 levels × 2
 * metrics = 72): their intervals are computed after all are made, so the
 * array holding them must not move (ASan watches). Each subgroup's clean
 * mean is worked by hand: case i has ssim 0.5 + i/100, key kK has level
 * (i + K) mod 3, so level L of key K holds the cases i ≡ L − K (mod 3). */
static void test_many_subgroups(void **state)
{
    struct fx *f = *state;
    char db[700];
    snprintf(db, sizeof db, "%s.sub.db", f->db);
    struct mrv_store *s = NULL;
    assert_ok(mrv_store_open(db, &s, &f->err), &f->err);
    struct mrv_run_info info = {.study = "s", .model = "m", .seed = 1};
    int64_t run = 0;
    assert_ok(mrv_store_run_begin(s, &info, &run, &f->err), &f->err);
    for (int i = 0; i < 30; i++) {
        char key[24], meta[400];
        size_t n = 0;
        snprintf(key, sizeof key, "c%02d", i);
        n += (size_t)snprintf(meta + n, sizeof meta - n, "{");
        for (int k = 0; k < 12; k++)
            n += (size_t)snprintf(meta + n, sizeof meta - n, "%s\"k%02d\":\"L%d\"", k ? "," : "",
                                  k, (i + k) % 3);
        snprintf(meta + n, sizeof meta - n, "}");
        int64_t c = 0, p0 = 0, p1 = 0;
        assert_ok(mrv_store_case(s, "d", key, NULL, meta, &c, &f->err), &f->err);
        assert_ok(mrv_store_perturbation(s, c, "none", 0, 0, 1, NULL, &p0, &f->err), &f->err);
        assert_ok(mrv_store_perturbation(s, c, "noise", 1, 0, 2, NULL, &p1, &f->err), &f->err);
        assert_ok(mrv_store_result(s, run, c, p0, "ssim", 0.5 + i / 100.0, NULL, &f->err), &f->err);
        assert_ok(mrv_store_result(s, run, c, p1, "ssim", 0.4 + i / 100.0, NULL, &f->err), &f->err);
        assert_ok(mrv_store_result(s, run, c, p0, "dice", 0.8, NULL, &f->err), &f->err);
        assert_ok(mrv_store_result(s, run, c, p1, "dice", 0.7, NULL, &f->err), &f->err);
    }
    struct mrv_analysis *a = NULL;
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    o.resamples = 200;
    assert_ok(mrv_analysis_create(s, &o, &a, &f->err), &f->err);
    assert_int_equal(a->nsubgroups, 72);
    for (size_t i = 0; i < a->nsubgroups; i++) {
        const struct mrv_agg_subgroup *g = &a->subgroups[i];
        assert_int_equal(g->ncases, 10);
        int K = atoi_safe(g->key + 1), L = g->value[1] - '0';
        double sum = 0;
        for (int c = 0; c < 30; c++)
            if ((c + K) % 3 == L)
                sum += 0.5 + c / 100.0;
        if (!strcmp(a->res.metrics[g->metric], "ssim")) {
            assert_close(g->clean.estimate, sum / 10, 1e-12);
            assert_close(g->degradation.estimate, 0.1, 1e-12);
        }
        assert_true(g->clean.lo <= g->clean.estimate && g->clean.estimate <= g->clean.hi);
    }
    mrv_analysis_destroy(a);
    mrv_store_close(s);
    unlink(db);
}

/* A synthetic store for the CE intervals: 40 cases, reference run A and run
 * B, families noise and blur at severities 1 and 2 plus clean, metric nmse
 * (E = nmse). A's error on case i is b_i s (1 + f/2) (b_i = 0.01 (1 + i/40),
 * s the severity, f the family index, clean s = 1/2); B's is 2 g_i times
 * A's. g_i = 1: every case has the ratio 2, so CE, relative CE, mCE and
 * relative mCE are 2 and every interval is the point. g_i = exp(0.3 z_i):
 * the intervals contain the estimate, and their width is that of the
 * normal approximation with the ratio estimator's delta-method variance
 * (Cochran 1977, eq. 6.9, plug-in form): se² = Σ_i (y_i − R x_i)² / (Σ x_i)²,
 * width ≈ 2 · 1.96 se. g_i is shared by the families, so both families'
 * CEs are the same ratio and mCE resampled jointly is as wide as one
 * family's CE (resampling families independently would be √2 narrower). */
static void ce_store(struct fx *f, const char *db, bool noisy, double *y, double *x)
{
    struct mrv_store *s = NULL;
    assert_ok(mrv_store_open(db, &s, &f->err), &f->err);
    struct mrv_run_info info = {.study = "s", .model = "A", .seed = 1};
    int64_t ra = 0, rb = 0;
    assert_ok(mrv_store_run_begin(s, &info, &ra, &f->err), &f->err);
    info.model = "B";
    assert_ok(mrv_store_run_begin(s, &info, &rb, &f->err), &f->err);
    uint64_t st = 99;
    static const char *const fam[2] = {"blur", "noise"};
    for (int i = 0; i < 40; i++) {
        char key[24];
        snprintf(key, sizeof key, "c%02d", i);
        int64_t c = 0, p = 0;
        assert_ok(mrv_store_case(s, "d", key, NULL, NULL, &c, &f->err), &f->err);
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        double u1 = ((double)(st >> 11) + 0.5) * 0x1.0p-53;
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        double u2 = ((double)(st >> 11) + 0.5) * 0x1.0p-53;
        double g = noisy ? exp(0.3 * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2)) : 1;
        double b = 0.01 * (1 + i / 40.0);
        assert_ok(mrv_store_perturbation(s, c, "none", 0, 0, 1, NULL, &p, &f->err), &f->err);
        put_store(f, s, ra, c, p, b * 0.5);
        put_store(f, s, rb, c, p, 2 * g * b * 0.5);
        x[i] = y[i] = 0;
        for (int q = 0; q < 2; q++)
            for (int sev = 1; sev <= 2; sev++) {
                assert_ok(mrv_store_perturbation(s, c, fam[q], sev, 0, (uint64_t)(10 * sev + q),
                                                 NULL, &p, &f->err),
                          &f->err);
                double e = b * sev * (1 + q / 2.0);
                put_store(f, s, ra, c, p, e);
                put_store(f, s, rb, c, p, 2 * g * e);
                if (q == 0) { /* blur: the family the delta method is computed for */
                    x[i] += e;
                    y[i] += 2 * g * e;
                }
            }
    }
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    o.resamples = 2000;
    assert_ok(mrv_analysis_create(s, &o, &f->a, &f->err), &f->err);
    mrv_store_close(s);
}

static void test_ce_intervals(void **state)
{
    struct fx *f = *state;
    char db[700];
    double y[40], x[40];
    for (int noisy = 0; noisy < 2; noisy++) {
        snprintf(db, sizeof db, "%s.ce%d.db", f->db, noisy);
        ce_store(f, db, noisy, y, x);
        const struct mrv_analysis *a = f->a;
        int32_t nmse = MET(a, "nmse");
        const struct mrv_agg_model *mb = NULL;
        for (size_t i = 0; i < a->nmodels; i++)
            if (a->models[i].run == 1 && a->models[i].metric == nmse)
                mb = &a->models[i];
        assert_non_null(mb);
        const struct mrv_ci *cis[6] = {
            &mrv_analysis_robust(a, 1, FAM(a, "blur"), nmse)->ce,
            &mrv_analysis_robust(a, 1, FAM(a, "noise"), nmse)->ce,
            &mrv_analysis_robust(a, 1, FAM(a, "blur"), nmse)->rel_ce,
            &mrv_analysis_robust(a, 1, FAM(a, "noise"), nmse)->rel_ce,
            &mb->mce, &mb->rel_mce};
        assert_int_equal(mb->mce_families, 2);
        double sy = 0, sx = 0;
        for (int i = 0; i < 40; i++) {
            sy += y[i];
            sx += x[i];
        }
        double r = sy / sx, ss = 0;
        for (int i = 0; i < 40; i++)
            ss += (y[i] - r * x[i]) * (y[i] - r * x[i]);
        double width = 2 * 1.959964 * sqrt(ss) / sx;
        for (int k = 0; k < 6; k++) {
            assert_int_equal(cis[k]->n, 40);
            assert_null(cis[k]->null_reason);
            if (!noisy) {
                assert_close(cis[k]->estimate, 2, 1e-12);
                assert_true(cis[k]->lo == cis[k]->estimate && cis[k]->hi == cis[k]->estimate);
                continue;
            }
            assert_true(cis[k]->lo < cis[k]->estimate && cis[k]->estimate < cis[k]->hi);
            if (k == 2 || k == 3 || k == 5)
                continue; /* relative: the clean error shifts the ratio */
            assert_close(cis[k]->estimate, r, 1e-12);
            double wk = cis[k]->hi - cis[k]->lo;
            if (wk < 0.8 * width || wk > 1.25 * width)
                fail_msg("interval %d: width %g, delta method %g", k, wk, width);
        }
        mrv_analysis_destroy(f->a);
        f->a = NULL;
        unlink(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rood_and_ce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breakdown_and_lower_better, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subgroups_worst_reliability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_stores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_subgroups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ce_intervals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
