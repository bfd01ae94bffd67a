/* perturbations/perturb.h — the contract every perturbation family implements.
 *
 * A perturbation is a pure function of (clean case, parameters, seed). Its
 * descriptor declares its physical parameters (unit, default, valid range),
 * which drive validation, `mrvet list perturbations`, the docs page and the
 * stored provenance, and a table mapping severity 1..5 to parameter values
 * (severity 0 is the clean input).
 *
 * Plan/execute, as FFTW: plan() validates parameters against the input
 * shape and allocates everything; execute() allocates nothing, is reentrant
 * (one plan, many threads) and gives the same bytes for the same seed.
 * execute() works in place on `data`, which holds the clean data of the
 * family's domain on entry (for MRV_DOMAIN_KSPACE: the case's k-space
 * (slices, coils, ky, kx) c64), so families chain by running one after the
 * other on the same buffer. What was actually drawn is returned in `drawn`.
 * `clean` is read only: its reference (signal level), coil maps (the
 * object), spacing (mm -> pixels) and, when present, its undersampling mask
 * (motion times only the sampled lines).
 *
 * Axes (perturbations/common.h, docs/perturbations/README.md): the last
 * k-space axis kx is the phase-encode axis (one column = one acquired line,
 * the axis masks run along); ky is the readout. Single-coil k-space
 * (slices, ky, kx) c64 is accepted wherever multi-coil is. Enumerated
 * parameters (orderings, trajectories, map kinds) are whole numbers in the
 * double parameter vector; each family's docs page lists their meaning.
 */
#ifndef MRV_PERTURBATIONS_PERTURB_H
#define MRV_PERTURBATIONS_PERTURB_H

#include <stdint.h>

#include "core/case.h"

#define MRV_PERT_MAX_PARAMS 12
#define MRV_PERT_MAX_DRAWN 16
#define MRV_SEVERITY_MAX 5

enum mrv_domain { MRV_DOMAIN_KSPACE = 1, MRV_DOMAIN_IMAGE = 2 };

/* Data layouts a family's plan() accepts natively (descriptor `layouts`;
 * 0 means MRV_LAYOUT_KSPACE only). Any k-space family also runs on
 * magnitude images through perturbations/image.h. */
enum {
    MRV_LAYOUT_KSPACE = 1, /* (slices, coils, ky, kx) or (slices, ky, kx) c64 */
    MRV_LAYOUT_IMAGE = 2,  /* magnitude image (slices, y, x) f32 */
    MRV_LAYOUT_VOLUME = 4, /* magnitude volume (z, y, x) f32, 3D physics */
    MRV_LAYOUT_KSPACE3D = 8 /* 3D Cartesian k-space (1, coils, kz, ky, kx) c64 only */
};

struct mrv_param {
    const char *name;  /* "snr" */
    const char *unit;  /* "mm", "deg", "Hz", "" for ratios */
    double def, min, max;
    const char *doc;   /* one line */
};

/* Values a family actually used (drawn or derived), stored as JSON. */
struct mrv_drawn {
    int n;
    const char *names[MRV_PERT_MAX_DRAWN];
    double values[MRV_PERT_MAX_DRAWN];
};

struct mrv_reshape_ops; /* perturbations/reshape.h */

struct mrv_perturbation {
    const char *name;
    const char *summary;
    enum mrv_domain domain;
    const struct mrv_param *params;                       /* ends with {NULL} */
    const double (*severity)[MRV_PERT_MAX_PARAMS];        /* rows for severity 1..5 */
    /* Validate `p` (one value per param, in table order) for data of shape
     * `shape`; MRV_EINVAL naming the parameter, its value and range. */
    enum mrv_status (*plan)(const struct mrv_array *shape, const double *p,
                            void **plan, struct mrv_error *err);
    enum mrv_status (*execute)(const void *plan, uint64_t seed, const struct mrv_case *clean,
                               struct mrv_array *data, struct mrv_drawn *drawn,
                               struct mrv_error *err);
    void (*destroy)(void *plan);
    /* Optional (NULL for most families): for families that choose the
     * sampling pattern (undersampling), write the mask of `ncols` phase-
     * encode columns (1 = sampled) that execute() applies for this seed,
     * so a harness can hand the model the same mask. */
    enum mrv_status (*mask)(const void *plan, uint64_t seed, size_t ncols, uint8_t *mask,
                            struct mrv_error *err);
    unsigned layouts; /* MRV_LAYOUT_* bits; 0 = MRV_LAYOUT_KSPACE */
    /* Optional (NULL for most families): families that change the array
     * shapes (coil count, matrix size) cannot run in place; their execute()
     * refuses with MRV_EMISUSE and these operations run them instead. */
    const struct mrv_reshape_ops *reshape;
};

/* The registered families, in a fixed order; `*n` receives the count. */
const struct mrv_perturbation *const *mrv_perturbation_list(int *n);
/* The family called `name`, or NULL. */
const struct mrv_perturbation *mrv_perturbation_find(const char *name);
/* Number of parameters of `p` (entries before the {NULL} sentinel). */
int mrv_perturbation_nparams(const struct mrv_perturbation *p);

/* Record one drawn value (ignored beyond MRV_PERT_MAX_DRAWN). */
void mrv_drawn_add(struct mrv_drawn *d, const char *name, double value);

/* Check every value of `p` against the descriptor's ranges. */
enum mrv_status mrv_perturbation_check(const struct mrv_perturbation *pert, const double *p,
                                       struct mrv_error *err);

#endif
