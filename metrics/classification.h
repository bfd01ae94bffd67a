/* metrics/classification.h — image-level classification over a test set
 * (one score and one 0/1 label per case).
 *
 *   AUROC: the Mann-Whitney probability P(score_pos > score_neg), ties
 *   counting one half (= sklearn roc_auc_score). CI at `level`:
 *     MRV_AUC_DELONG    DeLong, DeLong & Clarke-Pearson 1988 (Biometrics
 *                       44:837) variance from structural components,
 *                       computed with midranks in O(n log n) (Sun & Xu
 *                       2014); Wald interval auc +- z se, clipped to [0, 1].
 *     MRV_AUC_BOOTSTRAP percentile interval over `resamples` case
 *                       resamples (seeded; resamples missing a class are
 *                       redrawn).
 *   Sensitivity TP/(TP+FN), specificity TN/(TN+FP), accuracy, at "positive
 *   when score >= threshold".
 * Undefined results (no positive or no negative case) are NaN with a
 * static null_reason. Thread-safe.
 */
#ifndef MRV_METRICS_CLASSIFICATION_H
#define MRV_METRICS_CLASSIFICATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

enum mrv_auc_ci { MRV_AUC_DELONG = 0, MRV_AUC_BOOTSTRAP = 1 };

struct mrv_auroc {
    double auc, se, lo, hi, level; /* se: DeLong standard error (both methods) */
    size_t positives, negatives;
    const char *null_reason;
};

/* Errors: MRV_EMISUSE for NULL; MRV_EINVAL for a non-finite score, a label
 * other than 0/1, level outside (0, 1), resamples < 1; MRV_ENOMEM. */
enum mrv_status mrv_auroc_compute(const double *score, const uint8_t *label, size_t n,
                                  enum mrv_auc_ci method, double level, int resamples,
                                  uint64_t seed, struct mrv_auroc *r, struct mrv_error *err);

struct mrv_binary_rates {
    size_t tp, fp, tn, fn;
    double sensitivity, specificity, accuracy; /* NaN when the denominator is 0 */
};

enum mrv_status mrv_binary_rates_compute(const double *score, const uint8_t *label,
                                         size_t n, double threshold,
                                         struct mrv_binary_rates *r, struct mrv_error *err);

#endif
