/* metrics/metric.h — the contract every metric implements.
 *
 * A metric is a pure function of (reference, output, spacing). Arrays are
 * volumes (slices, y, x) of MRV_F32 with identical shapes; conventions are
 * those of the field's reference implementations (docs/metrics/). A metric
 * that is undefined for its inputs (e.g. SSIM with an all-zero reference,
 * whose data range is 0) returns MRV_OK with value NaN and a static
 * `null_reason`; the store keeps it as NULL with that reason, never as a
 * silent number. +inf (PSNR of identical images) is a value, not undefined.
 */
#ifndef MRV_METRICS_METRIC_H
#define MRV_METRICS_METRIC_H

#include <stdbool.h>

#include "core/array.h"

struct mrv_metric_value {
    double value;             /* NaN when undefined */
    const char *null_reason;  /* static string when value is NaN, else NULL */
};

struct mrv_metric {
    const char *name;         /* "psnr" */
    const char *summary;      /* one line, for `mrvet list metrics` */
    const char *unit;         /* "dB", "" */
    bool higher_is_better;
    /* Thread-safe and reentrant. Errors (MRV_EINVAL) for mismatched shapes
     * or dtypes, naming both shapes. */
    enum mrv_status (*compute)(const struct mrv_array *reference,
                               const struct mrv_array *output,
                               const double spacing[3],
                               struct mrv_metric_value *v,
                               struct mrv_error *err);
};

/* The registered metrics, in a fixed order (psnr, ssim, nmse, ...): a static
 * table ending in a NULL sentinel. `*n` (n may be NULL) receives the count,
 * sentinel excluded. Thread-safe. */
const struct mrv_metric *const *mrv_metric_list(int *n);

/* The metric called `name` (exact, case-sensitive), or NULL (also for a NULL
 * name). Thread-safe. */
const struct mrv_metric *mrv_metric_find(const char *name);

#endif
