/* Ghosting: a periodic modulation of the phase-encode lines.
 *
 * Anything that repeats every P phase-encode lines (respiration or pulsation
 * synchronised with TR, an unstable gradient or receiver on every P-th shot)
 * scales those lines: k'(ky, x) = k(ky, x) (1 - s) for x = o (mod P). By the
 * DFT of a comb (Haacke et al., "Magnetic Resonance Imaging", ch. 13;
 * Wood & Henkelman, Med Phys 1985) the image becomes
 *   m'(x) = (1 - s/P) m(x) - (s/P) sum_{j=1..P-1} e^{i 2 pi j o / P} m(x - j nx/P),
 * P - 1 replicas of amplitude s/P, spaced nx/P pixels along phase encode.
 * TorchIO's RandomGhosting multiplies every P-th plane the same way but
 * restores the centre plane; we do not, so the law above holds exactly.
 */
#include <gsl/gsl_rng.h>
#include <math.h>

#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"

static const struct mrv_param ghosting_params[] = {
    {"intensity", "", 0.5, 0.0, 2.0, "modulation s: every P-th line is scaled by 1 - s"},
    {"period_lines", "lines", 4, 2, 64, "P: modulation period in phase-encode lines"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Calibrated by the replica amplitude s/P: 5, 10, 15, 20, 25 % of the object. */
static const double ghosting_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.2, 4}, {0.4, 4}, {0.6, 4}, {0.8, 4}, {1.0, 4},
};

static enum mrv_status ghosting_plan(const struct mrv_array *shape, const double *p,
                                     void **plan, struct mrv_error *err)
{
    return mrv_simple_plan_create(&mrv_pert_ghosting, shape, p, plan, err);
}

static enum mrv_status ghosting_execute(const void *plan, uint64_t seed,
                                        const struct mrv_case *clean, struct mrv_array *data,
                                        struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)clean;
    const struct mrv_simple_plan *sp = plan;
    enum mrv_status s = mrv_pert_same_shape("ghosting", &sp->shape, data, err);
    if (s != MRV_OK)
        return s;
    struct mrv_kview v;
    mrv_pert_kview("ghosting", data, &v, err);
    size_t P = (size_t)lround(sp->p[1]);
    float g = (float)(1.0 - sp->p[0]);
    struct mrv_rng stream;
    size_t o = (size_t)gsl_rng_uniform_int(mrv_rng_init(&stream, seed), P);
    size_t lines = v.slices * v.coils * v.ny;
    for (size_t l = 0; l < lines; l++)
        for (size_t x = o; x < v.nx; x += P)
            v.k[l * v.nx + x] *= g;
    mrv_drawn_add(drawn, "offset_line", (double)o);
    mrv_drawn_add(drawn, "ghost_amplitude", sp->p[0] / (double)P);
    mrv_drawn_add(drawn, "ghost_spacing_px", (double)v.nx / (double)P);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_ghosting = {
    .name = "ghosting",
    .summary = "periodic phase-encode line modulation: replicas nx/P pixels apart",
    .domain = MRV_DOMAIN_KSPACE,
    .params = ghosting_params,
    .severity = ghosting_severity,
    .plan = ghosting_plan,
    .execute = ghosting_execute,
    .destroy = mrv_simple_plan_destroy,
};
