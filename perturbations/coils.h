/* perturbations/coils.h — coil count changes (acquisition shifts).
 *
 * A model trained on one receive array meets another: fewer elements, a
 * dead element, or data compressed to virtual coils. Shape-preserving
 * effects are the registered family `coil_dropout` (families.h). Changing
 * the coil count changes the shape of the k-space AND of the coil maps the
 * model is given, which the plan/execute contract (in place, no
 * allocation) cannot express: these two functions allocate new arrays and
 * are meant for the harness (see docs/perturbations/coils.md).
 *
 * Compression (Buehrer et al., MRM 2007; Huang et al., MRI 2008): the coil
 * covariance C = sum over all samples of k k^H (nc x nc, Hermitian) is
 * diagonalised, C = U diag(l) U^H, l descending; virtual coil v is
 * y_v = sum_c conj(U_cv) k_c for v < K, and the maps are compressed the
 * same way, S'_v = sum_c conj(U_cv) S_c, so S' m still equals the virtual
 * coil images. With K = nc the transform is unitary: RSS images are kept.
 */
#ifndef MRV_PERTURBATIONS_COILS_H
#define MRV_PERTURBATIONS_COILS_H

#include "core/array.h"

/* Compress k-space (slices, coils, ky, kx) c64 — and `maps` of the same
 * shape when non-NULL and non-empty — to `K` virtual coils (1..coils),
 * one transform for all slices. Fills new owned arrays k_out (and
 * maps_out). `energy` (may be NULL) receives the fraction of the k-space
 * energy kept. MRV_EINVAL naming the field; MRV_ENOMEM. */
enum mrv_status mrv_coils_compress(const struct mrv_array *k, const struct mrv_array *maps,
                                   size_t K, struct mrv_array *k_out, struct mrv_array *maps_out,
                                   double *energy, struct mrv_error *err);

/* Keep the coils keep[0..n-1] (distinct, < coils), in that order. */
enum mrv_status mrv_coils_subset(const struct mrv_array *k, const struct mrv_array *maps,
                                 const size_t *keep, size_t n, struct mrv_array *k_out,
                                 struct mrv_array *maps_out, struct mrv_error *err);

#endif
