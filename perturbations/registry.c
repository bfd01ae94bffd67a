#include <string.h>

#include "perturbations/families.h"
#include "perturbations/motion.h"
#include "perturbations/noise.h"
#include "perturbations/perturb.h"

static const struct mrv_perturbation *const table[] = {
    &mrv_pert_noise,
    &mrv_pert_motion,
    &mrv_pert_ghosting,
    &mrv_pert_spike,
    &mrv_pert_zipper,
    &mrv_pert_gibbs,
    &mrv_pert_b0,
    &mrv_pert_bias,
    &mrv_pert_undersample,
    &mrv_pert_partial_fourier,
    &mrv_pert_fov_shift,
    &mrv_pert_scale,
    &mrv_pert_gamma,
    &mrv_pert_coil_dropout,
    &mrv_pert_coil_compress,
    &mrv_pert_coil_subset,
    &mrv_pert_resolution,
    &mrv_pert_resolution_zf,
    &mrv_pert_motion3d,
    &mrv_pert_motion3dk,
    NULL,
};

const struct mrv_perturbation *const *mrv_perturbation_list(int *n)
{
    int i = 0;
    while (table[i])
        i++;
    *n = i;
    return table;
}

const struct mrv_perturbation *mrv_perturbation_find(const char *name)
{
    for (int i = 0; table[i]; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

int mrv_perturbation_nparams(const struct mrv_perturbation *p)
{
    int n = 0;
    while (p->params[n].name)
        n++;
    return n;
}

void mrv_drawn_add(struct mrv_drawn *d, const char *name, double value)
{
    if (d->n >= MRV_PERT_MAX_DRAWN)
        return;
    d->names[d->n] = name;
    d->values[d->n] = value;
    d->n++;
}

enum mrv_status mrv_perturbation_check(const struct mrv_perturbation *pert, const double *p,
                                       struct mrv_error *err)
{
    for (int i = 0; pert->params[i].name; i++) {
        const struct mrv_param *q = &pert->params[i];
        if (!(p[i] >= q->min && p[i] <= q->max))
            return mrv_error_set(err, MRV_EINVAL,
                                 "perturbation %s: parameter %s = %g%s%s, expected %g..%g",
                                 pert->name, q->name, p[i], *q->unit ? " " : "", q->unit,
                                 q->min, q->max);
    }
    return MRV_OK;
}
