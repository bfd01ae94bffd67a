/* perturbations/families.h — the descriptors of the registered families
 * (one file each; noise.h and motion.h hold their own). Physics, units and
 * references are in each file's header comment and in docs/perturbations/. */
#ifndef MRV_PERTURBATIONS_FAMILIES_H
#define MRV_PERTURBATIONS_FAMILIES_H

#include "perturbations/perturb.h"

extern const struct mrv_perturbation mrv_pert_ghosting;  /* ghosting.c */
extern const struct mrv_perturbation mrv_pert_spike;     /* spike.c */
extern const struct mrv_perturbation mrv_pert_zipper;    /* zipper.c */
extern const struct mrv_perturbation mrv_pert_gibbs;     /* gibbs.c */
extern const struct mrv_perturbation mrv_pert_b0;        /* b0.c */
extern const struct mrv_perturbation mrv_pert_bias;      /* bias.c */
extern const struct mrv_perturbation mrv_pert_undersample; /* undersample.c */
extern const struct mrv_perturbation mrv_pert_partial_fourier; /* acquisition.c */
extern const struct mrv_perturbation mrv_pert_fov_shift;  /* acquisition.c */
extern const struct mrv_perturbation mrv_pert_scale;      /* acquisition.c */
extern const struct mrv_perturbation mrv_pert_gamma;      /* acquisition.c */
extern const struct mrv_perturbation mrv_pert_coil_dropout; /* coils.c */
extern const struct mrv_perturbation mrv_pert_coil_compress; /* coils.c (reshape.h) */
extern const struct mrv_perturbation mrv_pert_coil_subset;   /* coils.c (reshape.h) */
extern const struct mrv_perturbation mrv_pert_resolution;    /* resolution.c (reshape.h) */
extern const struct mrv_perturbation mrv_pert_resolution_zf; /* resolution.c (in place) */
extern const struct mrv_perturbation mrv_pert_motion3d;   /* motion3d.c (image domain) */
extern const struct mrv_perturbation mrv_pert_motion3dk;  /* motion3dk.c (3D k-space) */

#endif
