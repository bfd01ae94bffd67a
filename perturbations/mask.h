/* perturbations/mask.h — Cartesian undersampling masks along the last axis
 * (the phase-encode columns), following fastMRI's fastmri/data/subsample.py.
 *
 * Every family keeps N_lf = round(W * center_fraction) central columns,
 * from pad = (W - N_lf + 1) / 2 (round() is Python's: half to even).
 *   random               every other column kept with probability
 *                        p = (W/R - N_lf) / (W - N_lf): W/R columns on
 *                        average (RandomMaskFunc)
 *   equispaced           offset ~ U{0..round(R)-1}, columns offset::round(R)
 *                        plus the centre (EquispacedMaskFunc; fewer than
 *                        W/R lines are skipped: true acceleration < R)
 *   equispaced_fraction  R' = R (N_lf - W) / (N_lf R - W), columns
 *                        round(arange(offset, W - 1, R')), offset ~
 *                        U{0..round(R')-1}, plus the centre, so ~W/R in all
 *                        (EquispacedMaskFractionFunc)
 *   poisson              1D variable-density Poisson disc (Lustig, Donoho &
 *                        Pauly, MRM 2007; BART `poisson` in 2D): columns in
 *                        a random order are kept unless a kept column lies
 *                        closer than s (1 + 3 |x - W/2| / (W/2)); s is the
 *                        largest found by bisection giving >= W/R columns,
 *                        then random outer columns are dropped until exactly
 *                        round(W/R) remain (dropping keeps the disc property)
 * One mask per case, seeded per case, as fastMRI seeds one per file.
 */
#ifndef MRV_PERTURBATIONS_MASK_H
#define MRV_PERTURBATIONS_MASK_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

enum mrv_mask_kind {
    MRV_MASK_RANDOM = 0,
    MRV_MASK_EQUISPACED = 1,
    MRV_MASK_EQUISPACED_FRACTION = 2,
    MRV_MASK_POISSON = 3
};

struct mrv_mask_info {
    size_t low_frequency;  /* N_lf: fully sampled centre columns */
    size_t pad;            /* first centre column */
    size_t sampled;        /* columns kept in all */
    double probability;    /* p for the outer columns (random only) */
    size_t offset;         /* first outer column (equispaced kinds) */
    double radius;         /* poisson: s, the disc radius at the centre */
};

/* Fill mask[ncols] with 1 (sampled) / 0. MRV_EINVAL (naming the parameter)
 * when acceleration < 1, center_fraction outside (0, 1], or the centre
 * alone already exceeds W / acceleration. */
enum mrv_status mrv_mask_random(size_t ncols, double acceleration, double center_fraction,
                                uint64_t seed, uint8_t *mask, struct mrv_mask_info *info,
                                struct mrv_error *err);

/* Any kind; same contract. Poisson needs ncols <= 16384. */
enum mrv_status mrv_mask_make(enum mrv_mask_kind kind, size_t ncols, double acceleration,
                              double center_fraction, uint64_t seed, uint8_t *mask,
                              struct mrv_mask_info *info, struct mrv_error *err);

/* Name of a kind ("random", ...), "unknown" otherwise. */
const char *mrv_mask_kind_name(enum mrv_mask_kind kind);

#endif
