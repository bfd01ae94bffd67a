/* Spike (herringbone, "corduroy"): isolated corrupt k-space samples from
 * electrostatic discharge or arcing (Zhang et al., "Spike noise in MRI",
 * MRM 2001). A spike of amplitude a at frequency (fy, fx) adds the plane
 * wave (a / sqrt(N)) e^{i 2 pi (fy y + fx x)} to the image (orthonormal FFT):
 * stripes of period 1/|f| pixels, perpendicular to f.
 * Amplitude a = r * max|k| of the coil, as TorchIO's RandomSpike
 * (r x max of the spectrum); the phase is random per coil (each receiver
 * couples the discharge differently). Positions are uniform over k-space
 * outside the central eighth of each axis (a spike at the centre is an
 * offset, not a herringbone); all slices share the spike positions.
 */
#include <gsl/gsl_rng.h>
#include <math.h>

#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"

static const struct mrv_param spike_params[] = {
    {"intensity", "", 0.2, 0.0, 10.0, "spike amplitude / max |k| of the coil"},
    {"count", "", 1, 1, 16, "number of spikes"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* r = stripe amplitude relative to the image mean (max|k| is the DC term,
 * sqrt(N) x the image mean): 5 %..80 %, doubling. TorchIO draws 1..3. */
static const double spike_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.05, 1}, {0.1, 1}, {0.2, 1}, {0.4, 1}, {0.8, 1},
};

static enum mrv_status spike_plan(const struct mrv_array *shape, const double *p, void **plan,
                                  struct mrv_error *err)
{
    return mrv_simple_plan_create(&mrv_pert_spike, shape, p, plan, err);
}

/* A uniform index of an n-point axis outside its central eighth. */
static size_t draw_off_centre(gsl_rng *rng, size_t n)
{
    size_t half = n / 16, c = n / 2;
    for (;;) {
        size_t i = (size_t)gsl_rng_uniform_int(rng, n);
        if (i + half < c || i > c + half)
            return i;
    }
}

static enum mrv_status spike_execute(const void *plan, uint64_t seed,
                                     const struct mrv_case *clean, struct mrv_array *data,
                                     struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)clean;
    const struct mrv_simple_plan *sp = plan;
    enum mrv_status s = mrv_pert_same_shape("spike", &sp->shape, data, err);
    if (s != MRV_OK)
        return s;
    struct mrv_kview v;
    mrv_pert_kview("spike", data, &v, err);
    size_t np = v.ny * v.nx, count = (size_t)lround(sp->p[1]);
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    size_t py[16], px[16];
    for (size_t j = 0; j < count; j++) {
        py[j] = draw_off_centre(rng, v.ny);
        px[j] = draw_off_centre(rng, v.nx);
    }
    for (size_t sl = 0; sl < v.slices; sl++)
        for (size_t c = 0; c < v.coils; c++) {
            float complex *k = v.k + (sl * v.coils + c) * np;
            double a = sp->p[0] * mrv_pert_plane_max(k, np); /* before any spike */
            for (size_t j = 0; j < count; j++) {
                double ph = 2.0 * M_PI * gsl_rng_uniform(rng);
                k[py[j] * v.nx + px[j]] += (float)(a * cos(ph)) + I * (float)(a * sin(ph));
            }
        }
    static const char *const names[8] = {"spike1_ky", "spike1_kx", "spike2_ky", "spike2_kx",
                                         "spike3_ky", "spike3_kx", "spike4_ky", "spike4_kx"};
    for (size_t j = 0; j < count && j < 4; j++) {
        mrv_drawn_add(drawn, names[2 * j], (double)py[j]);
        mrv_drawn_add(drawn, names[2 * j + 1], (double)px[j]);
    }
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_spike = {
    .name = "spike",
    .summary = "k-space spikes: herringbone stripes across the image",
    .domain = MRV_DOMAIN_KSPACE,
    .params = spike_params,
    .severity = spike_severity,
    .plan = spike_plan,
    .execute = spike_execute,
    .destroy = mrv_simple_plan_destroy,
};
