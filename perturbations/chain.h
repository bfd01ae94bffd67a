/* perturbations/chain.h — composition: a chain of perturbations is itself a
 * perturbation (ImageNet-C composes none; scanners compose all: a patient
 * moves AND the receiver adds noise).
 *
 * A chain plan is made from its links (family + parameters, or family +
 * severity); mrv_pert_chain.execute() then runs the links in order on the
 * same buffer, link i with the seed splitmix64(seed + i) so links draw
 * independent streams, and appends every link's drawn values to `drawn`
 * (names may repeat; they appear in link order). Plan/execute, determinism
 * and thread safety are those of the links. mrv_pert_chain.plan() cannot
 * know the links and refuses with MRV_EMISUSE: use mrv_chain_plan*().
 */
#ifndef MRV_PERTURBATIONS_CHAIN_H
#define MRV_PERTURBATIONS_CHAIN_H

#include "perturbations/perturb.h"

#define MRV_CHAIN_MAX 8

struct mrv_chain_link {
    const struct mrv_perturbation *pert;
    const double *params; /* one per parameter of pert, in table order */
};

extern const struct mrv_perturbation mrv_pert_chain;

/* Plan `n` (1..MRV_CHAIN_MAX) links for data of `shape`. Errors are the
 * links' own (naming the family), or MRV_EINVAL for a bad n. */
enum mrv_status mrv_chain_plan(const struct mrv_chain_link *links, int n,
                               const struct mrv_array *shape, void **plan,
                               struct mrv_error *err);

/* The families called names[0..n-1], each at its severity-table row
 * `severity` (1..5). MRV_ENOTFOUND for an unknown name. */
enum mrv_status mrv_chain_plan_severity(const char *const *names, int n, int severity,
                                        const struct mrv_array *shape, void **plan,
                                        struct mrv_error *err);

/* The seed link `i` of a chain run with `seed` receives. */
uint64_t mrv_chain_link_seed(uint64_t seed, int i);

#endif
