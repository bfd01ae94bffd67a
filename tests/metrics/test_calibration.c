/* tests/metrics/test_calibration.c — calibration and classification metrics
 * against independent oracles: torchmetrics' published binary vectors and
 * the edge-convention example of REFERENCES.md, the Brier/NLL vector, the
 * law that a perfectly calibrated predictor has ECE -> 0, hand-worked
 * AUROC/sensitivity values, and DeLong's variance from its O(mn)
 * structural-component definition written here. */
#include "tests_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "metrics/calibration.h"
#include "metrics/classification.h"
#include "metrics/metric.h"

struct lcg {
    uint64_t s;
};

static double lcg_uniform(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * 0x1.0p-53;
}

/* torchmetrics BinaryCalibrationError docs: preds [.25,.25,.55,.75,.75],
 * target [0,0,1,1,1], 2 bins: l1 0.2900, l2 0.2918, max 0.3167. */
static void torchmetrics_vectors(void **state)
{
    (void)state;
    const double p[5] = {.25, .25, .55, .75, .75};
    const uint8_t y[5] = {0, 0, 1, 1, 1};
    struct mrv_calibration r;
    struct mrv_error err = {0};
    for (int e = 0; e < 2; e++) {
        assert_ok(mrv_calibration_compute(p, y, 5, 2, (enum mrv_bin_edges)e, &r, &err), &err);
        assert_close(r.ece, 0.29, 1e-12);
        assert_close(r.rmsce, 0.2918, 5e-5);
        assert_close(r.mce, 0.3167, 5e-5);
        assert_int_equal(r.bin[0].count, 2);
        assert_close(r.bin[1].confidence, (0.55 + 1.5) / 3, 1e-15);
        assert_close(r.bin[1].accuracy, 1, 0);
    }
    /* REFERENCES.md: conf [0.5, 0.9], correct [1, 0], 2 bins: Guo's
     * (lower, upper] gives 0.7, torchmetrics' [lower, upper) gives 0.2. */
    const double c2[2] = {0.5, 0.9};
    const uint8_t k2[2] = {1, 0};
    assert_ok(mrv_calibration_compute(c2, k2, 2, 2, MRV_BINS_UPPER_CLOSED, &r, &err), &err);
    assert_close(r.ece, 0.7, 1e-12);
    assert_ok(mrv_calibration_compute(c2, k2, 2, 2, MRV_BINS_LOWER_CLOSED, &r, &err), &err);
    assert_close(r.ece, 0.2, 1e-12);
    /* Adaptive: 5 samples in 2 equal-mass bins of 3 and 2 (array_split):
     * {.25,.25,.55} conf .35 acc 1/3; {.75,.75} conf .75 acc 1. */
    assert_ok(mrv_calibration_compute(p, y, 5, 2, MRV_BINS_UPPER_CLOSED, &r, &err), &err);
    assert_close(r.aece, 0.6 * fabs(1.0 / 3 - 0.35) + 0.4 * 0.25, 1e-12);
    const double bad[1] = {1.5};
    assert_int_equal(mrv_calibration_compute(bad, y, 1, 15, 0, &r, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "confidence[0]"));
}

static void brier_nll_vector(void **state)
{
    (void)state;
    /* p = (0.7, 0.3), y = 0: Brier 0.3^2 + 0.3^2 = 0.18, NLL -log 0.7. */
    const double p[2] = {0.7, 0.3};
    const uint8_t y[1] = {0};
    double b, l;
    struct mrv_error err = {0};
    assert_ok(mrv_brier_nll(p, y, 1, 2, &b, &l, &err), &err);
    assert_close(b, 0.18, 1e-15);
    assert_close(l, 0.356675, 5e-7);
    /* Binary form: p = 0.3 of class 1, y = 0: Brier 0.09, NLL -log 0.7. */
    assert_ok(mrv_brier_nll(&p[1], y, 1, 1, &b, &l, &err), &err);
    assert_close(b, 0.09, 1e-15);
    assert_close(l, 0.356675, 5e-7);
}

/* y ~ Bernoulli(p): ECE shrinks like 1/sqrt(n). */
static void perfectly_calibrated(void **state)
{
    (void)state;
    enum { N = 200000 };
    double *p = malloc(N * sizeof *p);
    uint8_t *y = malloc(N);
    assert_non_null(p);
    assert_non_null(y);
    struct lcg g = {5};
    for (int i = 0; i < N; i++) {
        p[i] = lcg_uniform(&g);
        y[i] = lcg_uniform(&g) < p[i];
    }
    struct mrv_calibration r;
    struct mrv_error err = {0};
    assert_ok(mrv_calibration_compute(p, y, 1000, 15, 0, &r, &err), &err);
    double small = r.ece;
    assert_ok(mrv_calibration_compute(p, y, N, 15, 0, &r, &err), &err);
    assert_true(r.ece < 0.01);
    assert_true(r.ece < small);
    assert_true(r.aece < 0.01);
    free(p);
    free(y);
}

/* A probability map as a registered metric: 2 classes, 4 voxels. */
static void probability_map(void **state)
{
    (void)state;
    const uint8_t lab[4] = {0, 1, 1, 0};
    const float pr[8] = {0.8f, 0.4f, 0.1f, 0.3f, /* class 0 */
                         0.2f, 0.6f, 0.9f, 0.7f}; /* class 1 */
    struct mrv_array L, P;
    size_t ld[3] = {1, 2, 2}, pd[4] = {2, 1, 2, 2};
    mrv_array_borrow(&L, MRV_U8, 3, ld, (void *)lab);
    mrv_array_borrow(&P, MRV_F32, 4, pd, (void *)pr);
    struct mrv_metric_value v;
    struct mrv_error err = {0};
    assert_ok(mrv_metric_brier.compute(&L, &P, NULL, &v, &err), &err);
    /* per voxel 2 (p_wrong)^2: 2(.04 + .16 + .01 + .49) / 4 = 0.35 */
    assert_close(v.value, 0.35, 1e-6);
    assert_ok(mrv_metric_nll.compute(&L, &P, NULL, &v, &err), &err);
    assert_close(v.value, -(log(0.8) + log(0.6) + log(0.9) + log(0.3)) / 4, 1e-6);
    assert_int_equal(mrv_metric_ece.compute(&P, &L, NULL, &v, &err), MRV_EINVAL);
}

static void auroc_hand_and_delong(void **state)
{
    (void)state;
    struct mrv_auroc r;
    struct mrv_error err = {0};
    /* positives {0.9, 0.6, 0.4}, negatives {0.5, 0.4, 0.1}: pairs won
     * 3 + 3 + (0 + 0.5 + 1) = 7.5 of 9. */
    const double s[6] = {0.9, 0.6, 0.4, 0.5, 0.4, 0.1};
    const uint8_t y[6] = {1, 1, 1, 0, 0, 0};
    assert_ok(mrv_auroc_compute(s, y, 6, MRV_AUC_DELONG, 0.95, 0, 0, &r, &err), &err);
    assert_close(r.auc, 7.5 / 9, 1e-15);

    /* DeLong's variance from the structural components' definition:
     * V10_i = mean_j psi(X_i, Y_j), V01_j = mean_i psi(X_i, Y_j). */
    enum { N = 120 };
    double sc[N];
    uint8_t lb[N];
    struct lcg g = {8};
    for (int i = 0; i < N; i++) {
        lb[i] = lcg_uniform(&g) < 0.4;
        sc[i] = round(10 * (lcg_uniform(&g) + 0.5 * lb[i])) / 10; /* ties */
    }
    assert_ok(mrv_auroc_compute(sc, lb, N, MRV_AUC_DELONG, 0.95, 0, 0, &r, &err), &err);
    double v10[N], v01[N], auc = 0;
    int m = 0, n = 0;
    for (int i = 0; i < N; i++)
        m += lb[i];
    n = N - m;
    int a = 0, b = 0;
    for (int i = 0; i < N; i++) {
        if (!lb[i])
            continue;
        double t = 0;
        for (int j = 0; j < N; j++)
            if (!lb[j])
                t += sc[i] > sc[j] ? 1 : sc[i] == sc[j] ? 0.5 : 0;
        v10[a++] = t / n;
        auc += t;
    }
    auc /= (double)m * n;
    for (int j = 0; j < N; j++) {
        if (lb[j])
            continue;
        double t = 0;
        for (int i = 0; i < N; i++)
            if (lb[i])
                t += sc[i] > sc[j] ? 1 : sc[i] == sc[j] ? 0.5 : 0;
        v01[b++] = t / m;
    }
    double s10 = 0, s01 = 0;
    for (int i = 0; i < m; i++)
        s10 += (v10[i] - auc) * (v10[i] - auc);
    for (int j = 0; j < n; j++)
        s01 += (v01[j] - auc) * (v01[j] - auc);
    double se = sqrt(s10 / (m - 1) / m + s01 / (n - 1) / n);
    assert_close(r.auc, auc, 1e-12);
    assert_close(r.se, se, 1e-12);
    assert_close(r.lo, auc - 1.959963985 * se, 1e-8);
    /* Bootstrap: near the DeLong interval for this sample size, seeded. */
    struct mrv_auroc rb, rb2;
    assert_ok(mrv_auroc_compute(sc, lb, N, MRV_AUC_BOOTSTRAP, 0.95, 2000, 4, &rb, &err), &err);
    assert_ok(mrv_auroc_compute(sc, lb, N, MRV_AUC_BOOTSTRAP, 0.95, 2000, 4, &rb2, &err), &err);
    assert_true(rb.lo == rb2.lo && rb.hi == rb2.hi);
    assert_close(rb.lo, r.lo, 0.3 * se);
    assert_close(rb.hi, r.hi, 0.3 * se);

    const uint8_t one[3] = {1, 1, 1};
    assert_ok(mrv_auroc_compute(s, one, 3, MRV_AUC_DELONG, 0.95, 0, 0, &r, &err), &err);
    assert_true(isnan(r.auc) && r.null_reason);
}

static void rates_at_threshold(void **state)
{
    (void)state;
    const double s[6] = {0.9, 0.6, 0.4, 0.5, 0.4, 0.1};
    const uint8_t y[6] = {1, 1, 1, 0, 0, 0};
    struct mrv_binary_rates r;
    struct mrv_error err = {0};
    assert_ok(mrv_binary_rates_compute(s, y, 6, 0.5, &r, &err), &err);
    /* >= 0.5: TP 2 (0.9, 0.6), FN 1, FP 1 (0.5), TN 2. */
    assert_close(r.sensitivity, 2.0 / 3, 1e-15);
    assert_close(r.specificity, 2.0 / 3, 1e-15);
    assert_close(r.accuracy, 4.0 / 6, 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torchmetrics_vectors), cmocka_unit_test(brier_nll_vector),
        cmocka_unit_test(perfectly_calibrated), cmocka_unit_test(probability_map),
        cmocka_unit_test(auroc_hand_and_delong), cmocka_unit_test(rates_at_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
