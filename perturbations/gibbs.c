/* Gibbs ringing: k-space truncation. Acquiring only the central K of n
 * lines is multiplying k-space by a box, so the image is convolved with a
 * Dirichlet kernel: every edge rings at the cut-off frequency
 * fc = K / (2 n) cycles/pixel, extrema n/K pixels apart, with the
 * Wilbraham-Gibbs overshoot of 8.95 % of the step (Gibbs 1899; Haacke et
 * al., ch. 13; Kellner et al., MRM 2016). Samples outside the central K are
 * set to zero (the image keeps its matrix: zero-filled, as scanners
 * interpolate). Along phase encode only (fewer lines: the common case), or
 * along both axes. MONAI's RandGibbsNoise uses a spherical cut instead.
 */
#include <math.h>

#include "perturbations/common.h"
#include "perturbations/families.h"

static const struct mrv_param gibbs_params[] = {
    {"keep_fraction", "", 0.5, 0.05, 1.0, "fraction K/n of central lines kept"},
    {"axes", "", 0, 0, 1, "0 phase encode only, 1 phase encode and readout"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Calibrated by the resolution loss 1/f: pixel width x1.25, 1.5, 2, 2.5, 3. */
static const double gibbs_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.8, 0}, {0.667, 0}, {0.5, 0}, {0.4, 0}, {0.333, 0},
};

static enum mrv_status gibbs_plan(const struct mrv_array *shape, const double *p, void **plan,
                                  struct mrv_error *err)
{
    return mrv_simple_plan_create(&mrv_pert_gibbs, shape, p, plan, err);
}

/* [lo, lo + K) kept of n, K = round(f n) >= 1, centred on n/2 as fastMRI
 * centres its low-frequency band: lo = (n - K + 1) / 2. */
static void kept_band(size_t n, double f, size_t *lo, size_t *hi)
{
    size_t K = (size_t)nearbyint(f * (double)n);
    if (K < 1)
        K = 1;
    if (K > n)
        K = n;
    *lo = (n - K + 1) / 2;
    *hi = *lo + K;
}

static enum mrv_status gibbs_execute(const void *plan, uint64_t seed,
                                     const struct mrv_case *clean, struct mrv_array *data,
                                     struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)seed;
    (void)clean;
    const struct mrv_simple_plan *sp = plan;
    enum mrv_status s = mrv_pert_same_shape("gibbs", &sp->shape, data, err);
    if (s != MRV_OK)
        return s;
    struct mrv_kview v;
    mrv_pert_kview("gibbs", data, &v, err);
    size_t xlo, xhi, ylo = 0, yhi = v.ny;
    kept_band(v.nx, sp->p[0], &xlo, &xhi);
    if (lround(sp->p[1]) == 1)
        kept_band(v.ny, sp->p[0], &ylo, &yhi);
    size_t planes = v.slices * v.coils;
    for (size_t p = 0; p < planes; p++)
        for (size_t y = 0; y < v.ny; y++) {
            float complex *row = v.k + (p * v.ny + y) * v.nx;
            for (size_t x = 0; x < v.nx; x++)
                if (y < ylo || y >= yhi || x < xlo || x >= xhi)
                    row[x] = 0.0f;
        }
    mrv_drawn_add(drawn, "kept_pe_lines", (double)(xhi - xlo));
    mrv_drawn_add(drawn, "kept_readout_samples", (double)(yhi - ylo));
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_gibbs = {
    .name = "gibbs",
    .summary = "k-space truncation: ringing at every edge, at the cut-off frequency",
    .domain = MRV_DOMAIN_KSPACE,
    .params = gibbs_params,
    .severity = gibbs_severity,
    .plan = gibbs_plan,
    .execute = gibbs_execute,
    .destroy = mrv_simple_plan_destroy,
};
