/* perturbations/motion.h — rigid in-plane patient motion during the scan.
 *
 * Each phase-encode column kx is acquired at its own time t (ordering:
 * sequential, centric, interleaved; common.h) and sees the object in the
 * pose it had then (Bydder et al., MRI 2002; Shaw et al., MIDL 2019 "MRI
 * k-space motion artefact augmentation"): column x of the moved k-space is
 * column x of the k-space of the object in pose P(t_x).
 *
 * Rotation: applied to the object (coil maps stay still), by three Fourier
 * shears (Paeth; Unser, Thevenaz & Yaroslavsky, IEEE TIP 1995), which are
 * band-limited and exact for |angle| <= 45 deg. Angles are quantized to 17
 * levels j * R/8 (|j| <= 8), so one k-space per level is computed; the
 * quantization error is <= R/16 and is reported as rotation_step_deg.
 * Translation: the Fourier shift theorem, an exact sub-pixel phase ramp on
 * each column (coil sensitivities move with the object for translations,
 * an approximation whose error scales with shift x coil-map gradient).
 * Pose: rotate about the FOV centre, then translate.
 */
#ifndef MRV_PERTURBATIONS_MOTION_H
#define MRV_PERTURBATIONS_MOTION_H

#include "perturbations/perturb.h"

extern const struct mrv_perturbation mrv_pert_motion;

enum mrv_motion_trajectory {
    MRV_MOTION_SUDDEN = 0,   /* one jump at a random time in [0.2, 0.8) */
    MRV_MOTION_PERIODIC = 1, /* sinusoid, `cycles` periods per scan (breathing) */
    MRV_MOTION_RANDOM_WALK = 2,
    MRV_MOTION_STATIC = 3    /* whole scan in the moved pose: a pure rigid transform */
};

#endif
