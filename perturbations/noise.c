#include "perturbations/noise.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

static const struct mrv_param noise_params[] = {
    {"snr", "", 20.0, 0.1, 1.0e5,
     "mean foreground signal / noise standard deviation per real component, coil image"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Each step halves the SNR (+6 dB noise power): barely visible at 1,
 * diagnostic quality clearly lost at 5. */
static const double noise_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {40.0}, {20.0}, {10.0}, {5.0}, {2.5},
};

struct noise_plan {
    double snr;
};

double mrv_foreground_mean(const float *ref, size_t count, double frac)
{
    float mx = 0.0f;
    for (size_t i = 0; i < count; i++)
        if (ref[i] > mx)
            mx = ref[i];
    if (mx <= 0.0f)
        return 0.0;
    double thr = frac * mx, sum = 0.0;
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (ref[i] >= thr) {
            sum += ref[i];
            n++;
        }
    return sum / (double)n;
}

static enum mrv_status noise_plan_create(const struct mrv_array *shape, const double *p,
                                         void **plan, struct mrv_error *err)
{
    *plan = NULL;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_noise, p, err);
    if (s != MRV_OK)
        return s;
    if (shape->dtype != MRV_C64 || shape->ndim < 2)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation noise: needs complex k-space, got %s data of rank %d",
                             mrv_dtype_name(shape->dtype), shape->ndim);
    struct noise_plan *np = malloc(sizeof *np);
    if (!np)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation noise: out of memory");
    np->snr = p[0];
    *plan = np;
    return MRV_OK;
}

static enum mrv_status noise_execute(const void *plan, uint64_t seed,
                                     const struct mrv_case *clean, struct mrv_array *data,
                                     struct mrv_drawn *drawn, struct mrv_error *err)
{
    const struct noise_plan *np = plan;
    double signal = mrv_foreground_mean(clean->reference.data,
                                        mrv_array_count(&clean->reference),
                                        MRV_FOREGROUND_FRACTION);
    if (signal <= 0.0)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation noise: case %s has an all-zero reference, "
                             "SNR is undefined", clean->id);
    double sigma = signal / np->snr;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    float complex *k = data->data;
    size_t n = mrv_array_count(data);
    for (size_t i = 0; i < n; i++) {
        double re = gsl_ran_gaussian_ziggurat(rng, sigma);
        double im = gsl_ran_gaussian_ziggurat(rng, sigma);
        k[i] += (float)re + I * (float)im;
    }
    mrv_drawn_add(drawn, "snr", np->snr);
    mrv_drawn_add(drawn, "sigma", sigma);
    mrv_drawn_add(drawn, "signal_mean", signal);
    return MRV_OK;
}

static void noise_destroy(void *plan)
{
    free(plan);
}

const struct mrv_perturbation mrv_pert_noise = {
    .name = "noise",
    .summary = "complex Gaussian thermal noise in k-space at a target image SNR",
    .domain = MRV_DOMAIN_KSPACE,
    .params = noise_params,
    .severity = noise_severity,
    .plan = noise_plan_create,
    .execute = noise_execute,
    .destroy = noise_destroy,
};
