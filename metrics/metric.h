/* metrics/metric.h — the contract every metric implements.
 *
 * A metric is a pure function of (reference, output, spacing, options).
 * Conventions are those of the field's reference implementations
 * (docs/metrics/). A metric that is undefined for its inputs (SSIM with an
 * all-zero reference, Hausdorff distance with an empty prediction, ...)
 * returns MRV_OK with value NaN and a static `null_reason`; the store keeps
 * it as NULL with that reason, never as a silent number. +inf (PSNR of
 * identical images) is a value, not undefined.
 *
 * Three kinds of metric, by what they compare (DESIGN.md layouts):
 *   MRV_METRIC_IMAGE   reference, output: f32 (slices, y, x) or (y, x);
 *                      optional u8 foreground mask of the same shape.
 *   MRV_METRIC_LABELS  reference, output: u8 label maps (slices, y, x) or
 *                      (y, x); one value per label (args.label), spacing
 *                      in mm. A volume with one slice is scored in 2D.
 *   MRV_METRIC_PROBS   reference: u8 labels (slices, y, x); output: f32
 *                      probabilities (classes, slices, y, x), voxels pooled
 *                      per case.
 * Per-test-set metrics (AUROC, ...) are not registered here: they live in
 * metrics/classification.h and take one score per case.
 */
#ifndef MRV_METRICS_METRIC_H
#define MRV_METRICS_METRIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/array.h"

struct mrv_metric_value {
    double value;             /* NaN when undefined */
    const char *null_reason;  /* static string when value is NaN, else NULL */
};

enum mrv_metric_kind {
    MRV_METRIC_IMAGE = 0,
    MRV_METRIC_LABELS = 1,
    MRV_METRIC_PROBS = 2
};

/* Which value is best, for `mrvet list metrics`, reports and gates. */
enum mrv_direction {
    MRV_HIGHER_IS_BETTER = 0,
    MRV_LOWER_IS_BETTER = 1,
    MRV_ZERO_IS_BEST = 2 /* signed errors, e.g. relative volume difference */
};

/* Boundary (surface) conventions, see docs/metrics/segmentation.md. */
enum mrv_surface {
    /* MONAI (get_mask_edges / compute_hausdorff_distance / compute_surface_
     * dice): surface voxels = mask XOR erosion(mask) with the face-connected
     * structuring element, outside the image counting as background;
     * distances voxel centre to voxel centre; HD95 = numpy linear
     * percentile per direction, max of the two; every surface voxel weighs 1. */
    MRV_SURFACE_MONAI = 0,
    /* DeepMind surface-distance (Nikolov et al. 2021): surface points on
     * voxel corners where the 2x2 (2D) or 2x2x2 (3D) neighbourhood is
     * mixed, weighted by the marching-squares contour length or the
     * marching-cubes surfel area; percentile without interpolation on the
     * weighted distribution. */
    MRV_SURFACE_DEEPMIND = 1
};

/* Everything a metric may read. Fill with mrv_metric_args_init() and
 * override what you need; fields a metric kind does not use are ignored. */
struct mrv_metric_args {
    const struct mrv_array *reference;
    const struct mrv_array *output;
    double spacing[3];             /* mm, (dz, dy, dx); default 1, 1, 1 */
    const struct mrv_array *mask;  /* IMAGE: u8 foreground (non-zero = in),
                                      same shape; NULL = every voxel. Only the
                                      metrics whose summary says "masked" use it */
    int label;                     /* LABELS: label scored, 1..255; 0 = every
                                      non-zero label as one foreground.
                                      PROBS: class k one-vs-rest (k >= 1);
                                      0 = top-label confidence (Guo 2017) */
    double tolerance_mm;           /* NSD tolerance; default 1 mm */
    enum mrv_surface surface;      /* default MRV_SURFACE_MONAI */
    int bins;                      /* calibration bins; default 15 */
};

struct mrv_metric {
    const char *name;         /* "psnr" */
    const char *summary;      /* one line, for `mrvet list metrics` */
    const char *definition;   /* the formula and convention, one or two lines */
    const char *unit;         /* "dB", "mm", "" */
    bool higher_is_better;    /* kept for existing callers; see direction */
    enum mrv_direction direction;
    enum mrv_metric_kind kind;
    /* Default options (args_init defaults, label 0). Thread-safe and
     * reentrant. Errors (MRV_EINVAL) for mismatched shapes or dtypes,
     * naming both shapes. */
    enum mrv_status (*compute)(const struct mrv_array *reference,
                               const struct mrv_array *output,
                               const double spacing[3],
                               struct mrv_metric_value *v,
                               struct mrv_error *err);
    /* Full options. Same contract as compute. */
    enum mrv_status (*eval)(const struct mrv_metric_args *args,
                            struct mrv_metric_value *v, struct mrv_error *err);
};

/* For metric implementations: defines `static ... field##_compute()` as
 * field##_eval() with the default arguments (mrv_metric_args_init), so a
 * family writes eval() once and gets the older compute() entry point. */
#define MRV_METRIC_COMPUTE_FROM_EVAL(field)                                             \
    static enum mrv_status field##_compute(const struct mrv_array *ref,                \
                                           const struct mrv_array *out,                \
                                           const double spacing[3],                    \
                                           struct mrv_metric_value *v,                 \
                                           struct mrv_error *err)                      \
    {                                                                                  \
        struct mrv_metric_args a;                                                      \
        mrv_metric_args_init(&a, ref, out, spacing);                                   \
        return field##_eval(&a, v, err);                                               \
    }

/* Defaults: spacing from `spacing` (NULL = 1 mm), no mask, label 0,
 * tolerance 1 mm, MONAI surfaces, 15 bins. */
void mrv_metric_args_init(struct mrv_metric_args *a, const struct mrv_array *reference,
                          const struct mrv_array *output, const double spacing[3]);

/* The registered metrics, in a fixed order (psnr, ssim, nmse, ...): a static
 * table ending in a NULL sentinel. `*n` (n may be NULL) receives the count,
 * sentinel excluded. Thread-safe. */
const struct mrv_metric *const *mrv_metric_list(int *n);

/* The metric called `name` (exact, case-sensitive), or NULL (also for a NULL
 * name). Thread-safe. */
const struct mrv_metric *mrv_metric_find(const char *name);

/* The labels present (non-zero) in either u8 label map, ascending, into
 * labels[0..254]; returns their count, or -1 when either array is not u8
 * or their shapes differ. Thread-safe. */
int mrv_metric_labels_present(const struct mrv_array *reference,
                              const struct mrv_array *output, uint8_t labels[255]);

#endif
