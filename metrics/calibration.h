/* metrics/calibration.h — calibration of probabilities.
 *
 * Guo et al., "On Calibration of Modern Neural Networks", ICML 2017:
 *   ECE = sum_m (|B_m| / n) |acc_m - conf_m| over M equal-width bins
 *   (default 15), MCE = max over non-empty bins, RMS-CE = sqrt(sum_m
 *   (|B_m|/n)(acc_m - conf_m)^2). Bin edges: Guo's (lower, upper], the first
 *   bin also holding 0 (MRV_BINS_UPPER_CLOSED, default), or torchmetrics'
 *   [lower, upper), the last bin also holding 1 (MRV_BINS_LOWER_CLOSED): a
 *   confidence exactly on an edge changes bins (REFERENCES.md example: 0.7
 *   vs 0.2), so the convention is stated with every result.
 * Adaptive ECE (Nixon et al. 2019, equal mass): samples sorted by
 *   confidence and split into M bins of n/M (numpy array_split sizes: the
 *   first n mod M bins one larger); ties are split by sorted order.
 * Brier: binary (1/N) sum (p - y)^2; multi-class (1/N) sum_i sum_k
 *   (p_ik - y_ik)^2 in [0, 2]. NLL: -mean log max(p_true, 1e-10) (binary:
 *   p_true = p when y = 1, 1 - p when y = 0).
 * For probability maps (MRV_METRIC_PROBS) voxels are pooled per case;
 * label 0 scores the top label (confidence = max_k p_k, correct = argmax is
 * the label; background class included), label k >= 1 scores class k one
 * vs rest (confidence = p_k, accuracy = fraction of voxels of class k, the
 * torchmetrics binary convention). A single-class map is P(foreground).
 */
#ifndef MRV_METRICS_CALIBRATION_H
#define MRV_METRICS_CALIBRATION_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/metric.h"

#define MRV_CALIB_MAX_BINS 100
#define MRV_NLL_EPS 1e-10

enum mrv_bin_edges {
    MRV_BINS_UPPER_CLOSED = 0, /* Guo 2017: (lower, upper] */
    MRV_BINS_LOWER_CLOSED = 1  /* torchmetrics: [lower, upper) */
};

struct mrv_calib_bin {       /* one row of the reliability diagram */
    double lo, hi;           /* bin edges (adaptive: min/max confidence inside) */
    size_t count;
    double confidence;       /* mean confidence, NaN when empty */
    double accuracy;         /* mean correctness, NaN when empty */
};

struct mrv_calibration {
    int bins;
    enum mrv_bin_edges edges;
    double ece, mce, rmsce, aece;
    size_t n;
    struct mrv_calib_bin bin[MRV_CALIB_MAX_BINS];    /* equal width */
    struct mrv_calib_bin abin[MRV_CALIB_MAX_BINS];   /* equal mass */
};

/* Calibration of n (confidence, correct) pairs: conf[i] in [0, 1], correct[i]
 * 0 or 1 (binary one-vs-rest: correct = the label). 1 <= bins <=
 * MRV_CALIB_MAX_BINS. Errors: MRV_EMISUSE for NULL; MRV_EINVAL for n == 0,
 * a confidence outside [0, 1] or NaN (naming the index), bad bins; MRV_ENOMEM
 * (adaptive ECE sorts a copy). Thread-safe. */
enum mrv_status mrv_calibration_compute(const double *conf, const uint8_t *correct,
                                        size_t n, int bins, enum mrv_bin_edges edges,
                                        struct mrv_calibration *r, struct mrv_error *err);

/* Brier score and NLL of n samples of `classes` probabilities (row i at
 * p[i * classes]) against labels y[i] in 0..classes-1; classes == 1 means
 * p is P(y = 1) (binary). NaN outputs never; errors as above. */
enum mrv_status mrv_brier_nll(const double *p, const uint8_t *y, size_t n, int classes,
                              double *brier, double *nll, struct mrv_error *err);

extern const struct mrv_metric mrv_metric_ece;
extern const struct mrv_metric mrv_metric_aece;
extern const struct mrv_metric mrv_metric_mce;
extern const struct mrv_metric mrv_metric_brier;
extern const struct mrv_metric mrv_metric_nll;

#endif
