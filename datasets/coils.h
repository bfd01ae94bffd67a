/* datasets/coils.h — simulated receive-coil sensitivities.
 *
 * Model (docs/datasets/phantom.md): `ncoils` small surface loops evenly
 * spaced on a circle of radius 1.5 (image half-widths) around the field of
 * view, each facing the centre. A loop of radius a seen at distance d along
 * its axis has the Biot–Savart field B ∝ a^2 / (a^2 + d^2)^{3/2}; we use
 * that fall-off with d the distance to the loop centre (a = 0.5), and give
 * each coil the phase of the in-plane angle under which it sees the point
 * plus a fixed per-coil offset — smooth, loop-like, with realistic phase
 * wraps near each coil. Maps are then normalized so that their
 * root-sum-of-squares is exactly 1 at every pixel: the RSS of the coil
 * images equals |object| and the reference carries no coil shading.
 */
#ifndef MRV_DATASETS_COILS_H
#define MRV_DATASETS_COILS_H

#include <complex.h>
#include <stddef.h>

#include "core/status.h"

/* Fill maps[ncoils*ny*nx] (C order: coil, y, x). ncoils >= 1. */
enum mrv_status mrv_coils_simulate(int ncoils, size_t ny, size_t nx,
                                   float complex *maps, struct mrv_error *err);

#endif
