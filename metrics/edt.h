/* metrics/edt.h — exact Euclidean distance transform, anisotropic spacing.
 *
 * Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions",
 * Theory of Computing 8 (2012) 415-428: the squared EDT is separable, and
 * along one axis it is the lower envelope of parabolas (s (q - p))^2 + f(p),
 * found in linear time. Applied axis by axis it gives the exact squared
 * distance (in mm^2, with the spacing of each axis) from every grid point to
 * the nearest feature point, in O(N) for N points — the same values as
 * scipy.ndimage.distance_transform_edt(~features, sampling=spacing)^2.
 */
#ifndef MRV_METRICS_EDT_H
#define MRV_METRICS_EDT_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* In-place squared EDT of a C-order grid of `ndim` (1..3) dimensions:
 * on input f[i] = 0 at feature points and +INFINITY elsewhere; on output
 * f[i] = squared distance in mm^2 to the nearest feature (+INFINITY when
 * there is no feature at all). spacing[d] > 0 is the step along axis d in
 * mm. Allocates O(max dim) scratch (MRV_ENOMEM); MRV_EINVAL for a bad
 * ndim, a zero dimension or a non-positive spacing. Thread-safe. */
enum mrv_status mrv_edt_squared(int ndim, const size_t dims[], const double spacing[],
                                double *f, struct mrv_error *err);

/* The same transform, but only its values at nq query points are wanted:
 * d2[i] = squared distance at flat index qidx[i] (strictly ascending, each
 * < the grid size). Faster than the full transform (the first axis is
 * evaluated only on lines holding queries, only at the queries; in 3D a
 * bounded search near each query usually replaces the middle axis); `f` is
 * overwritten with partial results. Errors as mrv_edt_squared, plus
 * MRV_EINVAL for unsorted or out-of-range queries. Thread-safe. */
enum mrv_status mrv_edt_squared_at(int ndim, const size_t dims[], const double spacing[],
                                   double *f, size_t nq, const size_t *qidx, double *d2,
                                   struct mrv_error *err);

/* The same from a list of feature points: fidx[0..nf-1] strictly ascending
 * flat indices (no grid to fill), d2 at the queries as mrv_edt_squared_at.
 * `scratch` holds one double per grid point. Errors as above. */
enum mrv_status mrv_edt_points_at(int ndim, const size_t dims[], const double spacing[],
                                  size_t nf, const size_t *fidx, size_t nq,
                                  const size_t *qidx, double *d2, double *scratch,
                                  struct mrv_error *err);

#endif
