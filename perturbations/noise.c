#include "perturbations/noise.h"

#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

static const struct mrv_param noise_params[] = {
    {"snr", "", 20.0, 0.1, 1.0e5,
     "mean foreground signal / noise standard deviation per real component, coil image"},
    {"coil_correlation", "", 0.0, 0.0, 0.95,
     "rho: noise correlation of coils i, j is rho^|i-j| (0 = white)"},
    {"rician", "", 1, 0, 1, "magnitude images: 1 Rician (noise before |.|), 0 Gaussian"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Each step halves the SNR (+6 dB noise power): barely visible at 1,
 * diagnostic quality clearly lost at 5. */
static const double noise_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {40.0, 0, 1}, {20.0, 0, 1}, {10.0, 0, 1}, {5.0, 0, 1}, {2.5, 0, 1},
};

#define NOISE_MAX_COILS 64

/* The standard normal sampler: the ziggurat of Marsaglia & Tsang (2000,
 * J. Stat. Softw. 5(8)) with 128 layers in the form of Doornik (2005,
 * "An improved ziggurat method to generate normal random samples",
 * ZIGNOR): exact, and one 64-bit draw per sample in ~99 % of cases. The
 * layer and the uniform come from disjoint bits of that draw (0-6 and
 * 11-63), which avoids the correlation Doornik found in the original's
 * shared 32-bit word. Noise on 8 coils of 320 x 320 (1.6 M samples) takes
 * 8 ms instead of 11 ms with gsl_ran_gaussian_ziggurat, and an item of a
 * noise study spends most of its CPU time here (bench/run_harness.sh).
 * R is the start of the tail, V the area of each layer. */
#define ZIG_C 128
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3

struct zig {
    double x[ZIG_C + 1], ratio[ZIG_C];
};

static void zig_tables(struct zig *z)
{
    double f = exp(-0.5 * ZIG_R * ZIG_R);
    z->x[0] = ZIG_V / f; /* the base layer with the tail folded in */
    z->x[1] = ZIG_R;
    z->x[ZIG_C] = 0.0;
    for (int i = 2; i < ZIG_C; i++) {
        z->x[i] = sqrt(-2.0 * log(ZIG_V / z->x[i - 1] + f));
        f = exp(-0.5 * z->x[i] * z->x[i]);
    }
    for (int i = 0; i < ZIG_C; i++)
        z->ratio[i] = z->x[i + 1] / z->x[i];
}

/* gsl_rng_get() without the library call (it is out of line unless GSL's
 * HAVE_INLINE is defined): the generator's own get, as gsl_rng.h does. */
static inline uint64_t zig_bits(gsl_rng *r)
{
    return (uint64_t)r->type->get(r->state);
}

/* Uniform on (0, 1], 53 bits, never 0 (logarithms are taken). */
static inline double zig_open01(gsl_rng *r)
{
    return ((double)(zig_bits(r) >> 11) + 1.0) * 0x1.0p-53;
}

/* One N(0, 1) sample. */
static inline double zig_normal(const struct zig *z, gsl_rng *r)
{
    for (;;) {
        uint64_t w = zig_bits(r);
        int i = (int)(w & (ZIG_C - 1));
        double u = (double)(w >> 11) * 0x1.0p-52 - 1.0; /* [-1, 1) */
        if (fabs(u) < z->ratio[i])
            return u * z->x[i]; /* inside the layer's rectangle: accept */
        if (i == 0) {
            /* the tail beyond R (Marsaglia 1964) */
            double x, y;
            do {
                x = log(zig_open01(r)) / ZIG_R;
                y = log(zig_open01(r));
            } while (-2.0 * y < x * x);
            return u < 0 ? x - ZIG_R : ZIG_R - x;
        }
        /* the wedge between the rectangle and the density */
        double x = u * z->x[i];
        double f0 = exp(-0.5 * (z->x[i] * z->x[i] - x * x));
        double f1 = exp(-0.5 * (z->x[i + 1] * z->x[i + 1] - x * x));
        if (f1 + zig_open01(r) * (f0 - f1) < 1.0)
            return x;
    }
}

struct noise_plan {
    double snr, rho;
    int rician, image; /* image: data is a magnitude image (f32) */
    size_t coils, plane;
    /* Cholesky factor of the coil correlation matrix C_ij = rho^|i-j|
     * (lower triangular, row-major nc x nc): correlated noise = L w. */
    double *chol;
    struct zig zig;
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

static void noise_destroy(void *plan)
{
    struct noise_plan *np = plan;
    if (np)
        free(np->chol);
    free(np);
}

static enum mrv_status noise_plan_create(const struct mrv_array *shape, const double *p,
                                         void **plan, struct mrv_error *err)
{
    *plan = NULL;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_noise, p, err);
    if (s != MRV_OK)
        return s;
    int image = shape->dtype == MRV_F32 && shape->ndim >= 2;
    if (!image && (shape->dtype != MRV_C64 || shape->ndim < 2))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation noise: needs complex k-space or a magnitude image "
                             "(f32), got %s data of rank %d",
                             mrv_dtype_name(shape->dtype), shape->ndim);
    struct noise_plan *np = calloc(1, sizeof *np);
    if (!np)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation noise: out of memory");
    np->snr = p[0];
    np->rho = p[1];
    np->rician = lround(p[2]) == 1;
    np->image = image;
    np->coils = !image && shape->ndim == 4 ? shape->dims[1] : 1;
    np->plane = shape->ndim >= 2 ? shape->dims[shape->ndim - 2] * shape->dims[shape->ndim - 1] : 1;
    zig_tables(&np->zig);
    if (np->rho > 0 && !image) {
        size_t n = np->coils;
        if (n > NOISE_MAX_COILS) {
            noise_destroy(np);
            return mrv_error_set(err, MRV_EINVAL,
                                 "perturbation noise: %zu coils with coil_correlation, expected "
                                 "<= %d", n, NOISE_MAX_COILS);
        }
        np->chol = calloc(n * n, sizeof *np->chol);
        if (!np->chol) {
            noise_destroy(np);
            return mrv_error_set(err, MRV_ENOMEM, "perturbation noise: out of memory");
        }
        /* Cholesky-Banachiewicz of C_ij = rho^|i-j| (positive definite for
         * |rho| < 1: the AR(1) correlation matrix) */
        double *L = np->chol;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) {
                double sum = pow(np->rho, (double)(i - j));
                for (size_t q = 0; q < j; q++)
                    sum -= L[i * n + q] * L[j * n + q];
                L[i * n + j] = i == j ? sqrt(sum) : sum / L[j * n + j];
            }
    }
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
    size_t n = mrv_array_count(data);
    const struct zig *z = &np->zig;
    if (np->image) {
        /* Magnitude data: complex Gaussian noise added before the
         * magnitude gives the Rician distribution (Gudbjartsson & Patz
         * 1995; MONAI RandRicianNoise); or additive Gaussian. */
        if (data->dtype != MRV_F32 || mrv_array_count(data) % np->plane)
            return mrv_error_set(err, MRV_EINVAL, "perturbation noise: the plan was made for "
                                                  "a magnitude image, got %s data",
                                 mrv_dtype_name(data->dtype));
        float *m = data->data;
        for (size_t i = 0; i < n; i++) {
            double re = m[i] + sigma * zig_normal(z, rng);
            if (np->rician) {
                double im = sigma * zig_normal(z, rng);
                m[i] = (float)sqrt(re * re + im * im);
            } else {
                m[i] = (float)re;
            }
        }
    } else if (np->chol) {
        if (data->dtype != MRV_C64 || n % (np->coils * np->plane))
            return mrv_error_set(err, MRV_EINVAL,
                                 "perturbation noise: k-space does not match the plan's %zu coils",
                                 np->coils);
        float complex *k = data->data;
        size_t nc = np->coils, block = nc * np->plane;
        double wr[NOISE_MAX_COILS], wi[NOISE_MAX_COILS];
        for (size_t b = 0; b < n; b += block)
            for (size_t i = 0; i < np->plane; i++) {
                for (size_t c = 0; c < nc; c++) {
                    wr[c] = sigma * zig_normal(z, rng);
                    wi[c] = sigma * zig_normal(z, rng);
                }
                for (size_t c = 0; c < nc; c++) {
                    double re = 0, im = 0;
                    for (size_t q = 0; q <= c; q++) {
                        re += np->chol[c * nc + q] * wr[q];
                        im += np->chol[c * nc + q] * wi[q];
                    }
                    k[b + c * np->plane + i] += (float)re + I * (float)im;
                }
            }
    } else {
        if (data->dtype != MRV_C64)
            return mrv_error_set(err, MRV_EINVAL, "perturbation noise: the plan was made for "
                                                  "k-space, got %s data",
                                 mrv_dtype_name(data->dtype));
        float *k = data->data; /* complex64 as (re, im) pairs (C17 6.2.5) */
        for (size_t i = 0; i < 2 * n; i++)
            k[i] += (float)(sigma * zig_normal(z, rng));
    }
    mrv_drawn_add(drawn, "snr", np->snr);
    mrv_drawn_add(drawn, "sigma", sigma);
    mrv_drawn_add(drawn, "signal_mean", signal);
    if (np->chol)
        mrv_drawn_add(drawn, "coil_correlation", np->rho);
    return MRV_OK;
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
    .layouts = MRV_LAYOUT_KSPACE | MRV_LAYOUT_IMAGE,
};
