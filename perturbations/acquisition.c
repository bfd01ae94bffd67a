/* Acquisition shifts that need no new physics, only a protocol change:
 *   partial_fourier  only the last round(f n) lines of an axis acquired,
 *                    the rest zero (zero-filled; no homodyne): blurring and
 *                    ringing along that axis (McGibney et al., MRM 1993)
 *   fov_shift        the FOV centred (dy, dx) mm away: the object moves,
 *                    circularly (wrap-around), by the Fourier shift theorem
 *   scale            a receiver gain change: every sample times `factor`
 *   gamma            a contrast change: object magnitude |m| -> M (|m|/M)^g,
 *                    phase kept, M = the slice's max |m| (TorchIO
 *                    RandomGamma / ROOD-MRI on magnitude images); the
 *                    object is m = sum_c conj(S_c) x_c (coil maps with RSS 1)
 *                    and coil images are rebuilt as S_c m'. Without coil
 *                    maps each coil image is transformed on its own.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "perturbations/common.h"
#include "perturbations/families.h"

/* ---- partial Fourier ---------------------------------------------------- */

static const struct mrv_param pf_params[] = {
    {"fraction", "", 0.625, 0.5, 1.0, "fraction of lines acquired (5/8 = 0.625 is common)"},
    {"axis", "", 0, 0, 1, "0 phase encode (partial Fourier), 1 readout (partial echo)"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Scanner settings 7/8, 6/8, 5/8, 9/16, 1/2 of the phase-encode lines. */
static const double pf_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.875, 0}, {0.75, 0}, {0.625, 0}, {0.5625, 0}, {0.5, 0},
};

static enum mrv_status pf_plan(const struct mrv_array *shape, const double *p, void **plan,
                               struct mrv_error *err)
{
    return mrv_simple_plan_create(&mrv_pert_partial_fourier, shape, p, plan, err);
}

static enum mrv_status pf_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                  struct mrv_array *data, struct mrv_drawn *drawn,
                                  struct mrv_error *err)
{
    (void)seed;
    (void)clean;
    const struct mrv_simple_plan *sp = plan;
    enum mrv_status s = mrv_pert_same_shape("partial_fourier", &sp->shape, data, err);
    if (s != MRV_OK)
        return s;
    struct mrv_kview v;
    mrv_pert_kview("partial_fourier", data, &v, err);
    int readout = lround(sp->p[1]) == 1;
    size_t n = readout ? v.ny : v.nx;
    size_t K = (size_t)nearbyint(sp->p[0] * (double)n);
    if (K < n / 2 + 1)
        K = n / 2 + 1; /* the centre is always acquired */
    if (K > n)
        K = n;
    size_t first = n - K, planes = v.slices * v.coils;
    for (size_t p = 0; p < planes; p++)
        for (size_t y = 0; y < v.ny; y++) {
            float complex *row = v.k + (p * v.ny + y) * v.nx;
            if (readout) {
                if (y < first)
                    memset(row, 0, v.nx * sizeof *row);
            } else {
                memset(row, 0, first * sizeof *row);
            }
        }
    mrv_drawn_add(drawn, "lines_acquired", (double)K);
    mrv_drawn_add(drawn, "first_line", (double)first);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_partial_fourier = {
    .name = "partial_fourier",
    .summary = "partial Fourier / partial echo: one side of k-space not acquired",
    .domain = MRV_DOMAIN_KSPACE,
    .params = pf_params,
    .severity = pf_severity,
    .plan = pf_plan,
    .execute = pf_execute,
    .destroy = mrv_simple_plan_destroy,
};

/* ---- FOV shift ---------------------------------------------------------- */

static const struct mrv_param fov_params[] = {
    {"dy_mm", "mm", 0.0, -500.0, 500.0, "shift along readout"},
    {"dx_mm", "mm", 20.0, -500.0, 500.0, "shift along phase encode"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Off-centre planning errors of 5..40 mm along phase encode, where an
 * object near the FOV edge wraps around. */
static const double fov_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0, 5}, {0, 10}, {0, 20}, {0, 30}, {0, 40},
};

struct fov_plan {
    struct mrv_simple_plan base;
    struct mrv_scratch_pool pool; /* ramp plane + 2 nx doubles */
};

static void fov_destroy(void *plan)
{
    struct fov_plan *fp = plan;
    if (!fp)
        return;
    mrv_scratch_destroy(&fp->pool);
    free(fp);
}

static enum mrv_status fov_plan(const struct mrv_array *shape, const double *p, void **plan,
                                struct mrv_error *err)
{
    *plan = NULL;
    void *base;
    enum mrv_status s = mrv_simple_plan_create(&mrv_pert_fov_shift, shape, p, &base, err);
    if (s != MRV_OK)
        return s;
    struct fov_plan *fp = calloc(1, sizeof *fp);
    if (!fp) {
        free(base);
        return mrv_error_set(err, MRV_ENOMEM, "perturbation fov_shift: out of memory");
    }
    fp->base = *(struct mrv_simple_plan *)base;
    free(base);
    const struct mrv_kview *v = &fp->base.shape;
    size_t bytes = v->ny * v->nx * sizeof(float complex) + 2 * v->nx * sizeof(double);
    if ((s = mrv_scratch_create(&fp->pool, bytes, "fov_shift", err)) != MRV_OK) {
        fov_destroy(fp);
        return s;
    }
    *plan = fp;
    return MRV_OK;
}

static enum mrv_status fov_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                   struct mrv_array *data, struct mrv_drawn *drawn,
                                   struct mrv_error *err)
{
    (void)seed;
    const struct fov_plan *fp = plan;
    enum mrv_status s = mrv_pert_same_shape("fov_shift", &fp->base.shape, data, err);
    if (s != MRV_OK)
        return s;
    const double *sp = clean->spacing;
    if (!(sp[1] > 0 && sp[2] > 0))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation fov_shift: case %s has pixel spacing %g x %g mm, "
                             "expected positive", clean->id, sp[1], sp[2]);
    struct mrv_kview v;
    mrv_pert_kview("fov_shift", data, &v, err);
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&fp->pool);
    float complex *ramp = (float complex *)buf;
    double *dy = (double *)(ramp + v.ny * v.nx), *dx = dy + v.nx;
    for (size_t x = 0; x < v.nx; x++) {
        dy[x] = fp->base.p[0] / sp[1];
        dx[x] = fp->base.p[1] / sp[2];
    }
    mrv_pert_shift_columns(&v, dy, dx, ramp);
    mrv_scratch_give((struct mrv_scratch_pool *)&fp->pool, buf);
    mrv_drawn_add(drawn, "dy_px", fp->base.p[0] / sp[1]);
    mrv_drawn_add(drawn, "dx_px", fp->base.p[1] / sp[2]);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_fov_shift = {
    .name = "fov_shift",
    .summary = "field-of-view shift in mm: the object moves and wraps around",
    .domain = MRV_DOMAIN_KSPACE,
    .params = fov_params,
    .severity = fov_severity,
    .plan = fov_plan,
    .execute = fov_execute,
    .destroy = fov_destroy,
};

/* ---- intensity scale ---------------------------------------------------- */

static const struct mrv_param scale_params[] = {
    {"factor", "", 0.5, 1e-3, 1e3, "receiver gain: every sample multiplied by this"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Gain drops of x0.8 .. x0.1 (-1.9 .. -20 dB): models normalising by a
 * fixed constant instead of per case are hit hardest. */
static const double scale_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.8}, {0.6}, {0.4}, {0.2}, {0.1},
};

static enum mrv_status scale_plan(const struct mrv_array *shape, const double *p, void **plan,
                                  struct mrv_error *err)
{
    return mrv_simple_plan_create(&mrv_pert_scale, shape, p, plan, err);
}

static enum mrv_status scale_execute(const void *plan, uint64_t seed,
                                     const struct mrv_case *clean, struct mrv_array *data,
                                     struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)seed;
    (void)clean;
    const struct mrv_simple_plan *sp = plan;
    enum mrv_status s = mrv_pert_same_shape("scale", &sp->shape, data, err);
    if (s != MRV_OK)
        return s;
    float f = (float)sp->p[0];
    float complex *k = data->data;
    size_t n = mrv_array_count(data);
    for (size_t i = 0; i < n; i++)
        k[i] *= f;
    mrv_drawn_add(drawn, "factor", sp->p[0]);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_scale = {
    .name = "scale",
    .summary = "intensity scale (receiver gain change)",
    .domain = MRV_DOMAIN_KSPACE,
    .params = scale_params,
    .severity = scale_severity,
    .plan = scale_plan,
    .execute = scale_execute,
    .destroy = mrv_simple_plan_destroy,
};

/* ---- gamma -------------------------------------------------------------- */

static const struct mrv_param gamma_params[] = {
    {"gamma", "", 1.5, 0.1, 10.0, "exponent g of |m| -> M (|m|/M)^g"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* ROOD-MRI moves gamma from 1 to 3 (and to 0.3) over 5 levels. */
static const double gamma_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {1.25}, {1.5}, {2.0}, {2.5}, {3.0},
};

struct gamma_plan {
    double g;
    struct mrv_kview shape;
    struct mrv_fft *fft2;
    struct mrv_scratch_pool pool; /* object + coil planes */
};

static void gamma_destroy(void *plan)
{
    struct gamma_plan *gp = plan;
    if (!gp)
        return;
    mrv_fft_destroy(gp->fft2);
    mrv_scratch_destroy(&gp->pool);
    free(gp);
}

static enum mrv_status gamma_plan(const struct mrv_array *shape, const double *p, void **plan,
                                  struct mrv_error *err)
{
    *plan = NULL;
    struct mrv_kview v;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_gamma, p, err);
    if (s == MRV_OK)
        s = mrv_pert_kview("gamma", shape, &v, err);
    if (s != MRV_OK)
        return s;
    struct gamma_plan *gp = calloc(1, sizeof *gp);
    if (!gp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation gamma: out of memory");
    gp->g = p[0];
    gp->shape = v;
    gp->shape.k = NULL;
    size_t n2[2] = {v.ny, v.nx};
    if ((s = mrv_fft_plan_create(2, n2, &gp->fft2, err)) != MRV_OK ||
        (s = mrv_scratch_create(&gp->pool, (1 + v.coils) * v.ny * v.nx * sizeof(float complex),
                                "gamma", err)) != MRV_OK) {
        gamma_destroy(gp);
        return s;
    }
    *plan = gp;
    return MRV_OK;
}

/* |z| -> M (|z|/M)^g in place, phase kept. */
static void apply_gamma(float complex *z, size_t n, double g)
{
    double M = 0;
    for (size_t i = 0; i < n; i++)
        M = fmax(M, cabsf(z[i]));
    if (M <= 0)
        return;
    for (size_t i = 0; i < n; i++) {
        double a = cabsf(z[i]);
        if (a > 0)
            z[i] *= (float)(M * pow(a / M, g) / a);
    }
}

static enum mrv_status gamma_execute(const void *plan, uint64_t seed,
                                     const struct mrv_case *clean, struct mrv_array *data,
                                     struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)seed;
    const struct gamma_plan *gp = plan;
    enum mrv_status s = mrv_pert_same_shape("gamma", &gp->shape, data, err);
    if (s != MRV_OK)
        return s;
    if (gp->g == 1.0)
        return MRV_OK;
    struct mrv_kview v;
    mrv_pert_kview("gamma", data, &v, err);
    size_t np = v.ny * v.nx, nc = v.coils;
    const float complex *maps = mrv_pert_coil_maps(clean, &v);
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&gp->pool);
    float complex *obj = (float complex *)buf, *img = obj + np;
    for (size_t sl = 0; sl < v.slices; sl++) {
        float complex *k = v.k + sl * nc * np;
        memcpy(img, k, nc * np * sizeof *img);
        mrv_fft_inverse(gp->fft2, img, nc);
        if (maps) {
            const float complex *S = maps + sl * nc * np;
            memset(obj, 0, np * sizeof *obj);
            for (size_t c = 0; c < nc; c++)
                for (size_t i = 0; i < np; i++)
                    obj[i] += conjf(S[c * np + i]) * img[c * np + i];
            apply_gamma(obj, np, gp->g);
            for (size_t c = 0; c < nc; c++)
                for (size_t i = 0; i < np; i++)
                    img[c * np + i] = S[c * np + i] * obj[i];
        } else {
            for (size_t c = 0; c < nc; c++)
                apply_gamma(img + c * np, np, gp->g);
        }
        mrv_fft_forward(gp->fft2, img, nc);
        memcpy(k, img, nc * np * sizeof *k);
    }
    mrv_scratch_give((struct mrv_scratch_pool *)&gp->pool, buf);
    mrv_drawn_add(drawn, "gamma", gp->g);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_gamma = {
    .name = "gamma",
    .summary = "contrast change: object magnitude raised to a power, phase kept",
    .domain = MRV_DOMAIN_KSPACE,
    .params = gamma_params,
    .severity = gamma_severity,
    .plan = gamma_plan,
    .execute = gamma_execute,
    .destroy = gamma_destroy,
};
