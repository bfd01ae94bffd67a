/* perturbations/mask.h — Cartesian undersampling masks along the last axis.
 *
 * fastMRI's RandomMaskFunc (fastmri/data/subsample.py): of W phase-encode
 * columns, N_lf = round(W * center_fraction) central columns are always
 * kept, from pad = (W - N_lf + 1) / 2; every other column is kept with
 * probability p = (W / acceleration - N_lf) / (W - N_lf), so W/acceleration
 * columns are sampled on average. round() is Python's (half to even).
 * One mask per case, seeded per case, as fastMRI seeds one per file.
 */
#ifndef MRV_PERTURBATIONS_MASK_H
#define MRV_PERTURBATIONS_MASK_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct mrv_mask_info {
    size_t low_frequency;  /* N_lf: fully sampled centre columns */
    size_t pad;            /* first centre column */
    size_t sampled;        /* columns kept in all */
    double probability;    /* p for the outer columns */
};

/* Fill mask[ncols] with 1 (sampled) / 0. MRV_EINVAL (naming the parameter)
 * when acceleration < 1, center_fraction outside (0, 1], or the centre
 * alone already exceeds W / acceleration. */
enum mrv_status mrv_mask_random(size_t ncols, double acceleration, double center_fraction,
                                uint64_t seed, uint8_t *mask, struct mrv_mask_info *info,
                                struct mrv_error *err);

#endif
