/* B1 / bias field: a smooth multiplicative intensity field, from receive
 * coil shading and transmit (B1+) inhomogeneity (Sled, Zijdenbos & Evans,
 * IEEE TMI 1998 "N3"; Belaroussi et al., Med Image Anal 2006).
 *
 * b(r) = exp(p(r)), p = sum_{1 <= i+j <= order} c_ij P_i(u) P_j(w), with
 * P_n the Legendre polynomials, (u, w) in [-1, 1] across the FOV (as MONAI's
 * RandBiasField; TorchIO uses monomials), c_ij ~ U(-1, 1), and p scaled so
 * that max |p| over the FOV is exactly `amplitude`: the field stays within
 * [e^-amplitude, e^amplitude] and reaches one of the two ends. The constant
 * term is left out (a global gain is the `scale` family). The object is
 * multiplied, coil sensitivities stay: every coil image is multiplied by b.
 */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"

static const struct mrv_param bias_params[] = {
    {"amplitude", "", 0.3, 0.0, 3.0, "max |log b| over the FOV: b in [e^-a, e^a]"},
    {"order", "", 3, 1, 3, "polynomial order"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* ROOD-MRI's bias levels are TorchIO coefficients 0.3..1.5; ours bound the
 * field itself: max gain x1.1, 1.22, 1.35, 1.65, 2.0 (e^0.1 .. e^0.7). */
static const double bias_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.1, 3}, {0.2, 3}, {0.3, 3}, {0.5, 3}, {0.7, 3},
};

struct bias_plan {
    double amplitude;
    int order;
    struct mrv_kview shape;
    struct mrv_fft *fft2;
    struct mrv_scratch_pool pool; /* field (np floats) + one plane */
};

static void bias_destroy(void *plan)
{
    struct bias_plan *bp = plan;
    if (!bp)
        return;
    mrv_fft_destroy(bp->fft2);
    mrv_scratch_destroy(&bp->pool);
    free(bp);
}

static enum mrv_status bias_plan_create(const struct mrv_array *shape, const double *p,
                                        void **plan, struct mrv_error *err)
{
    *plan = NULL;
    struct mrv_kview v;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_bias, p, err);
    if (s == MRV_OK)
        s = mrv_pert_kview("bias", shape, &v, err);
    if (s != MRV_OK)
        return s;
    struct bias_plan *bp = calloc(1, sizeof *bp);
    if (!bp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation bias: out of memory");
    bp->amplitude = p[0];
    bp->order = (int)lround(p[1]);
    bp->shape = v;
    bp->shape.k = NULL;
    size_t n2[2] = {v.ny, v.nx}, np = v.ny * v.nx;
    if ((s = mrv_fft_plan_create(2, n2, &bp->fft2, err)) != MRV_OK ||
        (s = mrv_scratch_create(&bp->pool, np * (sizeof(float) + sizeof(float complex)),
                                "bias", err)) != MRV_OK) {
        bias_destroy(bp);
        return s;
    }
    *plan = bp;
    return MRV_OK;
}

static double legendre(int n, double x)
{
    switch (n) {
    case 0: return 1.0;
    case 1: return x;
    case 2: return 0.5 * (3 * x * x - 1);
    default: return 0.5 * (5 * x * x * x - 3 * x);
    }
}

static enum mrv_status bias_execute(const void *plan, uint64_t seed,
                                    const struct mrv_case *clean, struct mrv_array *data,
                                    struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)clean;
    const struct bias_plan *bp = plan;
    enum mrv_status st = mrv_pert_same_shape("bias", &bp->shape, data, err);
    if (st != MRV_OK)
        return st;
    if (bp->amplitude == 0.0)
        return MRV_OK;
    struct mrv_kview v;
    mrv_pert_kview("bias", data, &v, err);
    size_t ny = v.ny, nx = v.nx, np = ny * nx;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    double c[4][4] = {{0}};
    for (int i = 0; i <= bp->order; i++)
        for (int j = 0; i + j <= bp->order; j++)
            if (i + j > 0)
                c[i][j] = 2.0 * gsl_rng_uniform(rng) - 1.0;
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&bp->pool);
    float *field = (float *)buf;
    float complex *img = (float complex *)(field + np);
    /* u, w: pixel centres mapped to [-1, 1] */
    double pmax = 0;
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
            double w = ny > 1 ? 2.0 * (double)y / (double)(ny - 1) - 1.0 : 0.0;
            double u = nx > 1 ? 2.0 * (double)x / (double)(nx - 1) - 1.0 : 0.0;
            double p = 0;
            for (int i = 0; i <= bp->order; i++)
                for (int j = 0; i + j <= bp->order; j++)
                    p += c[i][j] * legendre(i, w) * legendre(j, u);
            field[y * nx + x] = (float)p;
            pmax = fabs(p) > pmax ? fabs(p) : pmax;
        }
    double scale = pmax > 0 ? bp->amplitude / pmax : 0.0;
    double bmin = INFINITY, bmax = 0;
    for (size_t i = 0; i < np; i++) {
        double b = exp(scale * field[i]);
        field[i] = (float)b;
        bmin = b < bmin ? b : bmin;
        bmax = b > bmax ? b : bmax;
    }
    size_t planes = v.slices * v.coils;
    for (size_t p = 0; p < planes; p++) {
        float complex *k = v.k + p * np;
        memcpy(img, k, np * sizeof *img);
        mrv_fft_inverse(bp->fft2, img, 1);
        for (size_t i = 0; i < np; i++)
            img[i] *= field[i];
        mrv_fft_forward(bp->fft2, img, 1);
        memcpy(k, img, np * sizeof *k);
    }
    mrv_scratch_give((struct mrv_scratch_pool *)&bp->pool, buf);
    mrv_drawn_add(drawn, "field_min", bmin);
    mrv_drawn_add(drawn, "field_max", bmax);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_bias = {
    .name = "bias",
    .summary = "smooth multiplicative B1/receive bias field of bounded amplitude",
    .domain = MRV_DOMAIN_KSPACE,
    .params = bias_params,
    .severity = bias_severity,
    .plan = bias_plan_create,
    .execute = bias_execute,
    .destroy = bias_destroy,
};
