/* Undersampling as an acquisition shift: the model meets a mask family,
 * acceleration or centre fraction other than the one it was trained with
 * (mask.h; fastMRI subsample.py). Unsampled phase-encode columns are set to
 * zero. The mask depends on the seed only (not on the data), and the
 * descriptor's mask() hook returns the very mask execute() applied, so a
 * harness can hand the model the same mask.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "perturbations/common.h"
#include "perturbations/families.h"
#include "perturbations/mask.h"

static const struct mrv_param undersample_params[] = {
    {"mask", "", 0, 0, 3, "0 random, 1 equispaced, 2 equispaced_fraction, 3 poisson"},
    {"acceleration", "", 4, 1, 32, "R: W/R phase-encode columns kept"},
    {"center_fraction", "", 0.08, 0.01, 1.0, "fraction of central columns always kept"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* fastMRI's pairs (R 4, cf 0.08) and (R 8, cf 0.04) bracket the middle;
 * severity = acceleration, random masks as fastMRI's knee challenge. */
static const double undersample_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0, 2, 0.16}, {0, 3, 0.11}, {0, 4, 0.08}, {0, 6, 0.06}, {0, 8, 0.04},
};

struct us_plan {
    struct mrv_simple_plan base;
    struct mrv_scratch_pool pool; /* one mask */
};

static void us_destroy(void *plan)
{
    struct us_plan *up = plan;
    if (!up)
        return;
    mrv_scratch_destroy(&up->pool);
    free(up);
}

static enum mrv_status us_plan(const struct mrv_array *shape, const double *p, void **plan,
                               struct mrv_error *err)
{
    *plan = NULL;
    void *base;
    enum mrv_status s = mrv_simple_plan_create(&mrv_pert_undersample, shape, p, &base, err);
    if (s != MRV_OK)
        return s;
    struct us_plan *up = calloc(1, sizeof *up);
    if (!up) {
        free(base);
        return mrv_error_set(err, MRV_ENOMEM, "perturbation undersample: out of memory");
    }
    up->base = *(struct mrv_simple_plan *)base;
    free(base);
    /* validate the mask parameters against the width once, here */
    size_t nx = up->base.shape.nx;
    if ((s = mrv_scratch_create(&up->pool, nx, "undersample", err)) != MRV_OK) {
        us_destroy(up);
        return s;
    }
    uint8_t *m = mrv_scratch_take(&up->pool);
    s = mrv_mask_make((enum mrv_mask_kind)lround(p[0]), nx, p[1], p[2], 0, m, NULL, err);
    mrv_scratch_give(&up->pool, m);
    if (s != MRV_OK) {
        us_destroy(up);
        return s;
    }
    *plan = up;
    return MRV_OK;
}

static enum mrv_status us_mask(const void *plan, uint64_t seed, size_t ncols, uint8_t *mask,
                               struct mrv_error *err)
{
    const struct us_plan *up = plan;
    if (ncols != up->base.shape.nx)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation undersample: mask of %zu columns asked, plan made "
                             "for %zu", ncols, up->base.shape.nx);
    const double *p = up->base.p;
    return mrv_mask_make((enum mrv_mask_kind)lround(p[0]), ncols, p[1], p[2], seed, mask, NULL,
                         err);
}

static enum mrv_status us_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                  struct mrv_array *data, struct mrv_drawn *drawn,
                                  struct mrv_error *err)
{
    (void)clean;
    const struct us_plan *up = plan;
    enum mrv_status s = mrv_pert_same_shape("undersample", &up->base.shape, data, err);
    if (s != MRV_OK)
        return s;
    struct mrv_kview v;
    mrv_pert_kview("undersample", data, &v, err);
    uint8_t *m = mrv_scratch_take((struct mrv_scratch_pool *)&up->pool);
    struct mrv_mask_info info;
    const double *p = up->base.p;
    s = mrv_mask_make((enum mrv_mask_kind)lround(p[0]), v.nx, p[1], p[2], seed, m, &info, err);
    if (s == MRV_OK) {
        size_t lines = v.slices * v.coils * v.ny;
        for (size_t l = 0; l < lines; l++)
            for (size_t x = 0; x < v.nx; x++)
                if (!m[x])
                    v.k[l * v.nx + x] = 0.0f;
        mrv_drawn_add(drawn, "lines_sampled", (double)info.sampled);
        mrv_drawn_add(drawn, "low_frequency_lines", (double)info.low_frequency);
        mrv_drawn_add(drawn, "true_acceleration", (double)v.nx / (double)info.sampled);
        mrv_drawn_add(drawn, "offset", (double)info.offset);
    }
    mrv_scratch_give((struct mrv_scratch_pool *)&up->pool, m);
    return s;
}

const struct mrv_perturbation mrv_pert_undersample = {
    .name = "undersample",
    .summary = "undersampling mask shift: family, acceleration, centre fraction",
    .domain = MRV_DOMAIN_KSPACE,
    .params = undersample_params,
    .severity = undersample_severity,
    .plan = us_plan,
    .execute = us_execute,
    .destroy = us_destroy,
    .mask = us_mask,
};
