/* metrics/segmentation.h — overlap and boundary metrics of label maps.
 *
 * Per label, with voxel spacing in mm, on 2D slices or 3D volumes:
 *   dice  2|A n B| / (|A| + |B|)          iou  |A n B| / |A u B|
 *   hd    max surface distance (mm)       hd95 95th percentile (mm)
 *   assd  mean symmetric surface distance (mm)
 *   nsd   normalized surface Dice at tolerance tau (Nikolov et al. 2021)
 *   rvd   relative volume difference (|B| - |A|) / |A|  (A = reference)
 * Surfaces and percentiles follow MONAI or DeepMind surface-distance
 * (enum mrv_surface in metric.h); distances come from an exact linear-time
 * EDT (metrics/edt.h) over the bounding box of A u B.
 *
 * Empty masks (Metrics Reloaded, Maier-Hein et al., Nat Methods 2024):
 *   both empty         every metric NULL ("reference and output are both
 *                      empty": a true-negative case; whether it counts as
 *                      perfect or is excluded is a per-task decision the
 *                      report must state, not a number we invent)
 *   one empty          dice = iou = 0, nsd = 0; hd, hd95, assd NULL ("...
 *                      empty: distance undefined; Metrics Reloaded scores it
 *                      as the worst value in aggregation"); rvd = -1 when the
 *                      output is empty, NULL when the reference is.
 */
#ifndef MRV_METRICS_SEGMENTATION_H
#define MRV_METRICS_SEGMENTATION_H

#include <stddef.h>

#include "metrics/metric.h"

struct mrv_seg_result {
    struct mrv_metric_value dice, iou, hd, hd95, assd, nsd, rvd;
    size_t ref_voxels, out_voxels, overlap_voxels;
    size_t ref_surface, out_surface; /* surface points (voxels or corners) */
    /* total surface size: DeepMind contour length (mm, 2D) or surfel area
     * (mm^2, 3D); MONAI the point count */
    double ref_surface_size, out_surface_size;
};

/* All segmentation metrics of one label at once (args: reference and
 * output u8 label maps of one shape, spacing, label, tolerance_mm, surface).
 * `distances` false skips the surface work (dice, iou, rvd only; the
 * distance fields are then NULL with reason "not computed").
 * Errors: MRV_EINVAL for non-u8 or mismatched arrays, a label outside
 * 0..255, a non-positive spacing or tolerance; MRV_ENOMEM. Allocates
 * about 10 bytes per voxel of the union's bounding box (two crop masks and
 * one double grid, i.e. a little over one image-sized float64 buffer; for
 * DeepMind surfaces the grid is the (n + 1)^d corners) plus about 32 bytes
 * per surface point.
 * Thread-safe. */
enum mrv_status mrv_seg_evaluate(const struct mrv_metric_args *args, bool distances,
                                 struct mrv_seg_result *r, struct mrv_error *err);

extern const struct mrv_metric mrv_metric_dice;
extern const struct mrv_metric mrv_metric_iou;
extern const struct mrv_metric mrv_metric_hd;
extern const struct mrv_metric mrv_metric_hd95;
extern const struct mrv_metric mrv_metric_assd;
extern const struct mrv_metric mrv_metric_nsd;
extern const struct mrv_metric mrv_metric_rvd;

#endif
