#include "perturbations/chain.h"

#include <stdlib.h>

struct chain_plan {
    int n;
    const struct mrv_perturbation *pert[MRV_CHAIN_MAX];
    void *plan[MRV_CHAIN_MAX];
};

static void chain_destroy(void *plan)
{
    struct chain_plan *cp = plan;
    if (!cp)
        return;
    for (int i = 0; i < cp->n; i++)
        if (cp->plan[i])
            cp->pert[i]->destroy(cp->plan[i]);
    free(cp);
}

enum mrv_status mrv_chain_plan(const struct mrv_chain_link *links, int n,
                               const struct mrv_array *shape, void **plan,
                               struct mrv_error *err)
{
    *plan = NULL;
    if (n < 1 || n > MRV_CHAIN_MAX)
        return mrv_error_set(err, MRV_EINVAL, "perturbation chain: %d links, expected 1..%d", n,
                             MRV_CHAIN_MAX);
    struct chain_plan *cp = calloc(1, sizeof *cp);
    if (!cp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation chain: out of memory");
    for (int i = 0; i < n; i++) {
        if (!links[i].pert || !links[i].params) {
            chain_destroy(cp);
            return mrv_error_set(err, MRV_EINVAL, "perturbation chain: link %d is empty", i);
        }
        cp->pert[i] = links[i].pert;
        enum mrv_status s = links[i].pert->plan(shape, links[i].params, &cp->plan[i], err);
        cp->n = i + 1;
        if (s != MRV_OK) {
            chain_destroy(cp);
            return s;
        }
    }
    *plan = cp;
    return MRV_OK;
}

enum mrv_status mrv_chain_plan_severity(const char *const *names, int n, int severity,
                                        const struct mrv_array *shape, void **plan,
                                        struct mrv_error *err)
{
    *plan = NULL;
    if (n < 1 || n > MRV_CHAIN_MAX)
        return mrv_error_set(err, MRV_EINVAL, "perturbation chain: %d links, expected 1..%d", n,
                             MRV_CHAIN_MAX);
    if (severity < 1 || severity > MRV_SEVERITY_MAX)
        return mrv_error_set(err, MRV_EINVAL, "perturbation chain: severity %d, expected 1..%d",
                             severity, MRV_SEVERITY_MAX);
    struct mrv_chain_link links[MRV_CHAIN_MAX];
    for (int i = 0; i < n; i++) {
        links[i].pert = mrv_perturbation_find(names[i]);
        if (!links[i].pert)
            return mrv_error_set(err, MRV_ENOTFOUND,
                                 "perturbation chain: link %d '%s' is not a perturbation "
                                 "(see `mrvet list perturbations`)", i, names[i]);
        links[i].params = links[i].pert->severity[severity - 1];
    }
    return mrv_chain_plan(links, n, shape, plan, err);
}

uint64_t mrv_chain_link_seed(uint64_t seed, int i)
{
    /* splitmix64 (Steele, Lea & Flood 2014): distinct, well-mixed streams */
    uint64_t z = seed + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) & 0x7fffffffffffffffULL;
}

static enum mrv_status chain_plan_refuse(const struct mrv_array *shape, const double *p,
                                         void **plan, struct mrv_error *err)
{
    (void)shape;
    (void)p;
    *plan = NULL;
    return mrv_error_set(err, MRV_EMISUSE,
                         "perturbation chain: plan it with mrv_chain_plan(), "
                         "which takes the links");
}

static enum mrv_status chain_execute(const void *plan, uint64_t seed,
                                     const struct mrv_case *clean, struct mrv_array *data,
                                     struct mrv_drawn *drawn, struct mrv_error *err)
{
    const struct chain_plan *cp = plan;
    for (int i = 0; i < cp->n; i++) {
        enum mrv_status s = cp->pert[i]->execute(cp->plan[i], mrv_chain_link_seed(seed, i),
                                                 clean, data, drawn, err);
        if (s != MRV_OK)
            return s;
    }
    return MRV_OK;
}

static const struct mrv_param chain_params[] = {{NULL, NULL, 0, 0, 0, NULL}};
static const double chain_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {{0}};

const struct mrv_perturbation mrv_pert_chain = {
    .name = "chain",
    .summary = "links run in order on one buffer, each with its own seed",
    .domain = MRV_DOMAIN_KSPACE,
    .params = chain_params,
    .severity = chain_severity,
    .plan = chain_plan_refuse,
    .execute = chain_execute,
    .destroy = chain_destroy,
};
