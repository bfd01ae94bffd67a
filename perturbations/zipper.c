/* Zipper: a narrow-band RF interferer (a leaking door, an unshielded
 * device) picked up during every readout (Haacke et al., ch. 13;
 * Zhuo & Gullapalli, RadioGraphics 2006 "MR artifacts, safety, and quality
 * control"). A tone at offset f0 from the receiver frequency adds, in every
 * phase-encode line x, a sinusoid along the readout ky whose phase phi_x is
 * unrelated from line to line (the interferer is not locked to TR):
 *   k'(ky, x) = k(ky, x) + a e^{i (phi_x + psi_c)} e^{-i 2 pi fy(ky) (y0 - ny/2)}.
 * Along readout it is a delta at row y0 = ny/2 + f0 / BW_px; along phase
 * encode the random phases spread it over the whole row: a bright dotted
 * line across the image ("zipper") at one readout position.
 * The amplitude is set so the line's RMS in the coil image equals
 * intensity x the foreground mean of the clean reference: a = I S / sqrt(ny)
 * (the line's energy ny nx a^2 spread over nx pixels). y0 is drawn as a
 * whole pixel within the central 80 % of the readout FOV (an off-grid
 * tone would spread as a sinc along readout).
 */
#include <gsl/gsl_rng.h>
#include <math.h>

#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"

static const struct mrv_param zipper_params[] = {
    {"intensity", "", 0.2, 0.0, 10.0, "RMS of the zipper line / foreground mean of the image"},
    {NULL, NULL, 0, 0, 0, NULL},
};

static const double zipper_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.05}, {0.1}, {0.2}, {0.4}, {0.8},
};

static enum mrv_status zipper_plan(const struct mrv_array *shape, const double *p, void **plan,
                                   struct mrv_error *err)
{
    return mrv_simple_plan_create(&mrv_pert_zipper, shape, p, plan, err);
}

static enum mrv_status zipper_execute(const void *plan, uint64_t seed,
                                      const struct mrv_case *clean, struct mrv_array *data,
                                      struct mrv_drawn *drawn, struct mrv_error *err)
{
    const struct mrv_simple_plan *sp = plan;
    enum mrv_status s = mrv_pert_same_shape("zipper", &sp->shape, data, err);
    if (s != MRV_OK)
        return s;
    double signal = mrv_pert_signal(clean);
    if (signal <= 0.0)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation zipper: case %s has no reference image to scale "
                             "the interference to", clean->id);
    struct mrv_kview v;
    mrv_pert_kview("zipper", data, &v, err);
    size_t np = v.ny * v.nx;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    size_t lo = v.ny / 10, span = v.ny - 2 * lo;
    size_t y0 = lo + (size_t)gsl_rng_uniform_int(rng, span ? span : 1);
    double a = sp->p[0] * signal / sqrt((double)v.ny);
    double off = (double)y0 - (double)(v.ny / 2);
    for (size_t sl = 0; sl < v.slices; sl++) {
        for (size_t c = 0; c < v.coils; c++) {
            float complex *k = v.k + (sl * v.coils + c) * np;
            double psi = 2.0 * M_PI * gsl_rng_uniform(rng);
            for (size_t x = 0; x < v.nx; x++) {
                /* phi_x: one draw per line, shared by the coils (one tone) */
                struct mrv_rng line;
                double phi = 2.0 * M_PI *
                             gsl_rng_uniform(mrv_rng_init(&line, seed ^ (0x9e3779b97f4a7c15ULL *
                                                                       (sl * v.nx + x + 1))));
                /* linear phase along readout: a recurrence in double */
                double complex z = a * cexp(I * (phi + psi - 2.0 * M_PI *
                                                 mrv_pert_freq(0, v.ny) * off));
                double complex w = cexp(-2.0 * M_PI * I * off / (double)v.ny);
                for (size_t y = 0; y < v.ny; y++) {
                    k[y * v.nx + x] += (float complex)z;
                    z *= w;
                }
            }
        }
    }
    mrv_drawn_add(drawn, "row", (double)y0);
    mrv_drawn_add(drawn, "amplitude", a);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_zipper = {
    .name = "zipper",
    .summary = "RF interference: a dotted line across phase encode at one readout position",
    .domain = MRV_DOMAIN_KSPACE,
    .params = zipper_params,
    .severity = zipper_severity,
    .plan = zipper_plan,
    .execute = zipper_execute,
    .destroy = mrv_simple_plan_destroy,
};
