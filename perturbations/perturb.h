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
 */
#ifndef MRV_PERTURBATIONS_PERTURB_H
#define MRV_PERTURBATIONS_PERTURB_H

#include <stdint.h>

#include "core/case.h"

#define MRV_PERT_MAX_PARAMS 8
#define MRV_PERT_MAX_DRAWN 8
#define MRV_SEVERITY_MAX 5

enum mrv_domain { MRV_DOMAIN_KSPACE = 1, MRV_DOMAIN_IMAGE = 2 };

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
