#include "perturbations/b0.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"

static const struct mrv_param b0_params[] = {
    {"df_max_hz", "Hz", 100.0, 0.0, 2000.0, "largest off-resonance in the field of view"},
    {"map", "", 1, 0, 3,
     "field map: 0 constant, 1 smooth random, 2 2nd-order shim residual, 3 given as a file"},
    {"bw_px_hz", "Hz/px", 200.0, 10.0, 5000.0, "readout pixel bandwidth (dwell = 1/(ny BW))"},
    {"te_ms", "ms", 10.0, 0.0, 200.0, "echo time"},
    {"epi", "", 0, 0, 1, "0 spin-warp (shift along readout), 1 EPI (along phase encode)"},
    {"esp_ms", "ms", 0.5, 0.05, 5.0, "EPI echo spacing (per phase-encode line)"},
    {"gz_hz_mm", "Hz/mm", 0.0, 0.0, 50.0, "through-plane gradient (intravoxel dephasing)"},
    {"tolerance", "", 1e-3, 1e-6, 0.1, "bound on the segmentation error per unit |m|"},
    {"map_scale", "", 1.0, 0.0, 10.0, "factor on a field map given as a file (map 3)"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Spin-warp at 200 Hz/px with smooth random maps whose peak doubles:
 * 0.25 .. 4 pixel shifts. 25..400 Hz spans the 5th-95th percentile of
 * liver B0 at 1.5-3 T (Roberts et al., MRM 2021) up to the fat-water shift
 * at 3 T (428 Hz). TE 10 ms. Tolerance 1e-2 keeps severity 5 at ~100
 * segments (the bound is loose: measured errors are far below it). A map
 * given as a file keeps its shape and is scaled by the same doubling,
 * x0.25 .. x4 with severity 3 the map as measured (map_scale; df_max_hz
 * is then unused). */
static const double b0_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {50, 1, 200, 10, 0, 0.5, 0, 1e-2, 0.25},  {100, 1, 200, 10, 0, 0.5, 0, 1e-2, 0.5},
    {200, 1, 200, 10, 0, 0.5, 0, 1e-2, 1.0}, {400, 1, 200, 10, 0, 0.5, 0, 1e-2, 2.0},
    {800, 1, 200, 10, 0, 0.5, 0, 1e-2, 4.0},
};

#define B0_MAX_SEGMENTS 4096

struct b0_plan {
    double p[MRV_PERT_MAX_PARAMS];
    struct mrv_kview shape;
    int epi, L;
    size_t R, C;        /* working plane: R rows, segmented axis C contiguous */
    double t0, h, eps;  /* first segment time, spacing (s), bound */
    double df_max;      /* largest |df| of any map this plan draws (Hz) */
    double *tc;         /* time of each index of the segmented axis (s) */
    double *given;      /* map 3: the file's map x map_scale, (gslices, ny, nx) Hz */
    size_t gslices;     /* 1 (every slice) or the k-space's slices */
    struct mrv_fft *fft2, *fftC, *fftR;
    struct mrv_scratch_pool pool;
};

static void b0_destroy(void *plan)
{
    struct b0_plan *bp = plan;
    if (!bp)
        return;
    free(bp->tc);
    free(bp->given);
    mrv_fft_destroy(bp->fft2);
    mrv_fft_destroy(bp->fftC);
    mrv_fft_destroy(bp->fftR);
    mrv_scratch_destroy(&bp->pool);
    free(bp);
}

/* Scratch: field map (np doubles), phasor and step (2 np double complex),
 * two work planes (np float complex each) and the coil planes (nc np). */
static size_t scratch_bytes(const struct mrv_kview *v)
{
    size_t np = v->ny * v->nx;
    return np * sizeof(double) + 2 * np * sizeof(double complex) +
           (2 + v->coils) * np * sizeof(float complex);
}

/* The given map into bp->given (x map_scale) after checking it fits the
 * k-space `v`: (ny, nx) or (slices, ny, nx) with slices 1 or v's, finite. */
static enum mrv_status take_given(struct b0_plan *bp, const struct mrv_kview *v,
                                  const struct mrv_b0_given *g, struct mrv_error *err)
{
    const struct mrv_array *a = g->hz;
    const char *f = g->origin ? g->origin : "(given)";
    size_t sl = a->ndim == 3 ? a->dims[0] : 1;
    if (a->dtype != MRV_F32 || a->ndim < 2 || a->ndim > 3 || !a->data)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation b0: field_map %s: %s array of rank %d, expected "
                             "(y, x) or (slices, y, x) f32 in Hz", f, mrv_dtype_name(a->dtype),
                             a->ndim);
    if (a->dims[a->ndim - 2] != v->ny || a->dims[a->ndim - 1] != v->nx ||
        (sl != 1 && sl != v->slices))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation b0: field_map %s is %zu x %zu x %zu (slices, y, x), "
                             "expected the case's image matrix %s%zu x %zu (y = readout, x = "
                             "phase encode; no resampling)",
                             f, sl, a->dims[a->ndim - 2], a->dims[a->ndim - 1],
                             v->slices > 1 ? "1 or slices x " : "", v->ny, v->nx);
    size_t n = sl * v->ny * v->nx;
    const float *hz = a->data;
    if (!(bp->given = malloc(n * sizeof *bp->given)))
        return mrv_error_set(err, MRV_ENOMEM, "perturbation b0: out of memory");
    bp->gslices = sl;
    double mx = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(hz[i]))
            return mrv_error_set(err, MRV_EINVAL,
                                 "perturbation b0: field_map %s: value %zu (slice %zu, y %zu, "
                                 "x %zu) is %g, expected a finite frequency in Hz", f, i,
                                 i / (v->ny * v->nx), i / v->nx % v->ny, i % v->nx,
                                 (double)hz[i]);
        bp->given[i] = (double)hz[i] * bp->p[8];
        mx = fabs(bp->given[i]) > mx ? fabs(bp->given[i]) : mx;
    }
    if (mx > 2000.0)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation b0: field_map %s x map_scale %g reaches %g Hz, "
                             "expected at most 2000 Hz (df_max_hz's range; is it in Hz, not "
                             "rad/s?)", f, bp->p[8], mx);
    bp->df_max = mx;
    return MRV_OK;
}

static enum mrv_status plan_common(const struct mrv_array *shape, const double *p,
                                   const struct mrv_b0_given *given, void **plan,
                                   struct mrv_error *err)
{
    *plan = NULL;
    struct mrv_kview v;
    enum mrv_status s = mrv_perturbation_check(&mrv_pert_b0, p, err);
    if (s == MRV_OK)
        s = mrv_pert_kview("b0", shape, &v, err);
    if (s != MRV_OK)
        return s;
    if (!given && lround(p[1]) == MRV_B0_GIVEN)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation b0: map 3 needs a field map file (`field_map:` in a "
                             "study, --field-map for mrvet perturb)");
    struct b0_plan *bp = calloc(1, sizeof *bp);
    if (!bp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation b0: out of memory");
    memcpy(bp->p, p, (size_t)mrv_perturbation_nparams(&mrv_pert_b0) * sizeof *p);
    bp->shape = v;
    bp->shape.k = NULL;
    bp->df_max = p[0];
    if (given) {
        bp->p[1] = MRV_B0_GIVEN;
        if ((s = take_given(bp, &v, given, err)) != MRV_OK) {
            b0_destroy(bp);
            return s;
        }
    }
    bp->epi = lround(p[4]) == 1;
    bp->R = bp->epi ? v.ny : v.nx;
    bp->C = bp->epi ? v.nx : v.ny;
    bp->tc = malloc(bp->C * sizeof *bp->tc);
    if (!bp->tc) {
        b0_destroy(bp);
        return mrv_error_set(err, MRV_ENOMEM, "perturbation b0: out of memory");
    }
    double te = p[3] * 1e-3, step = bp->epi ? p[5] * 1e-3 : 1.0 / ((double)v.ny * p[2]);
    for (size_t i = 0; i < bp->C; i++)
        bp->tc[i] = te + ((double)i - (double)(bp->C / 2)) * step;
    double t0 = bp->tc[0], t1 = bp->tc[bp->C - 1];
    bp->t0 = t0;
    /* L is fixed per plan from the parameters alone; the slice thickness
     * enters a = g dz, so the bound uses dz_max = 10 mm (checked at
     * execute). */
    double weff = 2.0 * M_PI * bp->df_max + M_PI * p[6] * 10.0;
    int L = 2;
    double span = t1 - t0;
    while (L < B0_MAX_SEGMENTS) {
        double h = span / (L - 1);
        if (M_SQRT2 * weff * weff * h * h / 8.0 <= p[7])
            break;
        L++;
    }
    if (L >= B0_MAX_SEGMENTS) {
        int epi = bp->epi;
        double dfm = bp->df_max;
        b0_destroy(bp);
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation b0: df_max_hz %g over a %.3g ms %s needs more than "
                             "%d segments for tolerance %g; raise tolerance",
                             dfm, span * 1e3, epi ? "echo train" : "readout",
                             B0_MAX_SEGMENTS, p[7]);
    }
    bp->L = L;
    bp->h = span / (L - 1);
    bp->eps = M_SQRT2 * weff * weff * bp->h * bp->h / 8.0;
    size_t n2[2] = {v.ny, v.nx};
    if ((s = mrv_fft_plan_create(2, n2, &bp->fft2, err)) != MRV_OK ||
        (s = mrv_fft_plan_create(1, &bp->C, &bp->fftC, err)) != MRV_OK ||
        (s = mrv_fft_plan_create(1, &bp->R, &bp->fftR, err)) != MRV_OK ||
        (s = mrv_scratch_create(&bp->pool, scratch_bytes(&v), "b0", err)) != MRV_OK) {
        b0_destroy(bp);
        return s;
    }
    *plan = bp;
    return MRV_OK;
}

static enum mrv_status b0_plan_create(const struct mrv_array *shape, const double *p,
                                      void **plan, struct mrv_error *err)
{
    return plan_common(shape, p, NULL, plan, err);
}

enum mrv_status mrv_b0_plan_given(const struct mrv_array *shape, const double *p,
                                  const struct mrv_b0_given *given, void **plan,
                                  struct mrv_error *err)
{
    if (!given || !given->hz) {
        *plan = NULL;
        return mrv_error_set(err, MRV_EMISUSE, "perturbation b0: no given field map");
    }
    return plan_common(shape, p, given, plan, err);
}

/* The map in Hz into map[ny*nx] (double); `work` is one complex plane. */
static void draw_map(const struct b0_plan *bp, uint64_t seed, double *map, float complex *work)
{
    size_t ny = bp->shape.ny, nx = bp->shape.nx, np = ny * nx;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    int kind = (int)lround(bp->p[1]);
    if (kind == MRV_B0_GIVEN) { /* the first slice of the given map */
        memcpy(map, bp->given, np * sizeof *map);
        return;
    }
    if (kind == MRV_B0_CONSTANT) {
        for (size_t i = 0; i < np; i++)
            map[i] = bp->p[0];
        return;
    }
    if (kind == MRV_B0_POLY2) {
        /* c1 x + c2 y + c3 x^2 + c4 y^2 + c5 xy, x, y in [-1, 1]: what a
         * second-order shim leaves behind */
        double c[5];
        for (int j = 0; j < 5; j++)
            c[j] = 2.0 * gsl_rng_uniform(rng) - 1.0;
        for (size_t y = 0; y < ny; y++)
            for (size_t x = 0; x < nx; x++) {
                double u = 2.0 * mrv_pert_freq(x, nx), w = 2.0 * mrv_pert_freq(y, ny);
                map[y * nx + x] = c[0] * u + c[1] * w + c[2] * u * u + c[3] * w * w +
                                  c[4] * u * w;
            }
    } else {
        /* Smooth random: Gaussian coefficients on the spatial frequencies
         * up to 3 cycles per FOV, weighted exp(-f^2/4), real part of the
         * inverse FFT: a field varying over ~1/6 of the FOV. */
        memset(work, 0, np * sizeof *work);
        for (long fy = -3; fy <= 3; fy++)
            for (long fx = -3; fx <= 3; fx++) {
                double wgt = exp(-(double)(fy * fy + fx * fx) / 4.0);
                double re = gsl_ran_gaussian_ziggurat(rng, 1.0) * wgt;
                double im = gsl_ran_gaussian_ziggurat(rng, 1.0) * wgt;
                size_t iy = (size_t)((long)(ny / 2) + fy) % ny;
                size_t ix = (size_t)((long)(nx / 2) + fx) % nx;
                work[iy * nx + ix] += (float)re + I * (float)im;
            }
        mrv_fft_inverse(bp->fft2, work, 1);
        for (size_t i = 0; i < np; i++)
            map[i] = crealf(work[i]);
    }
    double mx = 0;
    for (size_t i = 0; i < np; i++)
        mx = fabs(map[i]) > mx ? fabs(map[i]) : mx;
    /* rounded to float: the map mrv_b0_field_map returns (and a file can
     * hold) is exactly the one execute uses */
    double scale = mx > 0 ? bp->p[0] / mx : 0;
    for (size_t i = 0; i < np; i++)
        map[i] = (double)(float)(map[i] * scale);
}

void mrv_b0_field_map(const void *plan, uint64_t seed, float *map)
{
    const struct b0_plan *bp = plan;
    size_t np = bp->shape.ny * bp->shape.nx;
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&bp->pool);
    double *m = (double *)buf;
    float complex *work = (float complex *)(buf + np * sizeof(double) +
                                            2 * np * sizeof(double complex));
    draw_map(bp, seed, m, work);
    for (size_t i = 0; i < np; i++)
        map[i] = (float)m[i];
    mrv_scratch_give((struct mrv_scratch_pool *)&bp->pool, buf);
}

void mrv_b0_segments(const void *plan, int *L, double *eps)
{
    const struct b0_plan *bp = plan;
    *L = bp->L;
    *eps = bp->eps;
}

static double sinc(double x)
{
    return x == 0.0 ? 1.0 : sin(M_PI * x) / (M_PI * x);
}

static void transpose(float complex *dst, const float complex *src, size_t nr, size_t nc)
{
    for (size_t r = 0; r < nr; r++)
        for (size_t c = 0; c < nc; c++)
            dst[c * nr + r] = src[r * nc + c];
}

static enum mrv_status b0_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                  struct mrv_array *data, struct mrv_drawn *drawn,
                                  struct mrv_error *err)
{
    const struct b0_plan *bp = plan;
    enum mrv_status st = mrv_pert_same_shape("b0", &bp->shape, data, err);
    if (st != MRV_OK)
        return st;
    double dz = clean->spacing[0];
    if (bp->p[6] > 0 && !(dz > 0 && dz <= 10.0))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation b0: case %s has slice thickness %g mm; the "
                             "through-plane dephasing model needs 0 < dz <= 10 mm",
                             clean->id, dz);
    if (bp->df_max == 0.0 && bp->p[6] == 0.0)
        return MRV_OK; /* no off-resonance, no dephasing: the identity, exactly */
    struct mrv_kview v;
    mrv_pert_kview("b0", data, &v, err);
    size_t np = v.ny * v.nx, R = bp->R, C = bp->C, nc = v.coils;
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&bp->pool);
    double *map = (double *)buf;
    double complex *G = (double complex *)(map + np), *W = G + np;
    float complex *work = (float complex *)(W + np), *acc = work + np, *T = acc + np;
    draw_map(bp, seed, map, work);

    double a = bp->p[6] * dz; /* Hz: through-plane dephasing rate */
    for (size_t sl = 0; sl < v.slices; sl++) {
        /* coil images in the working layout (R rows, timed axis C) */
        for (size_t c = 0; c < nc; c++) {
            float complex *k = v.k + (sl * nc + c) * np;
            memcpy(work, k, np * sizeof *work);
            mrv_fft_inverse(bp->fft2, work, 1);
            if (bp->epi)
                memcpy(T + c * np, work, np * sizeof *work);
            else
                transpose(T + c * np, work, v.ny, v.nx);
            memset(k, 0, np * sizeof *k); /* becomes the accumulator */
        }
        /* phasor G = exp(-i 2 pi df tau_l), advanced by W each segment;
         * the map in the working layout (a given map may differ by slice) */
        const double *ms = bp->gslices > 1 ? bp->given + sl * np : map;
        for (size_t r = 0; r < R; r++)
            for (size_t q = 0; q < C; q++) {
                double df = bp->epi ? ms[r * v.nx + q] : ms[q * v.nx + r];
                G[r * C + q] = cexp(-2.0 * M_PI * I * df * bp->t0);
                W[r * C + q] = cexp(-2.0 * M_PI * I * df * bp->h);
            }
        for (int l = 0; l < bp->L; l++) {
            double tau = bp->t0 + l * bp->h;
            float sn = (float)sinc(a * tau);
            /* indices of the timed axis whose hat weight b_l is non-zero */
            size_t q0 = C, q1 = 0;
            for (size_t q = 0; q < C; q++)
                if (fabs(bp->tc[q] - tau) < bp->h) {
                    q0 = q < q0 ? q : q0;
                    q1 = q + 1;
                }
            for (size_t c = 0; c < nc; c++) {
                if (q0 >= q1)
                    break;
                const float complex *Tc = T + c * np;
                for (size_t i = 0; i < np; i++)
                    work[i] = Tc[i] * (float complex)G[i] * sn;
                mrv_fft_forward(bp->fftC, work, R);
                float complex *out = v.k + (sl * nc + c) * np; /* working layout */
                for (size_t q = q0; q < q1; q++) {
                    float b = (float)(1.0 - fabs(bp->tc[q] - tau) / bp->h);
                    for (size_t r = 0; r < R; r++)
                        out[r * C + q] += b * work[r * C + q];
                }
            }
            for (size_t i = 0; i < np; i++)
                G[i] *= W[i];
        }
        /* finish the FFT along the other axis; back to (ky, kx) */
        for (size_t c = 0; c < nc; c++) {
            float complex *k = v.k + (sl * nc + c) * np;
            transpose(acc, k, R, C);
            mrv_fft_forward(bp->fftR, acc, C);
            if (bp->epi)
                transpose(k, acc, C, R);
            else
                memcpy(k, acc, np * sizeof *k);
        }
    }
    const double *all = bp->given ? bp->given : map;
    size_t nall = bp->given ? bp->gslices * np : np;
    double rms = 0;
    for (size_t i = 0; i < nall; i++)
        rms += all[i] * all[i];
    mrv_scratch_give((struct mrv_scratch_pool *)&bp->pool, buf);
    mrv_drawn_add(drawn, "map_rms_hz", sqrt(rms / (double)nall));
    mrv_drawn_add(drawn, "max_shift_px",
                  bp->epi ? bp->df_max * (double)v.nx * bp->p[5] * 1e-3 : bp->df_max / bp->p[2]);
    if (bp->given) {
        mrv_drawn_add(drawn, "map_max_hz", bp->df_max);
        mrv_drawn_add(drawn, "map_scale", bp->p[8]);
    }
    mrv_drawn_add(drawn, "segments", bp->L);
    mrv_drawn_add(drawn, "error_bound", bp->eps);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_b0 = {
    .name = "b0",
    .summary = "B0 off-resonance: geometric shift and dephasing from readout/EPI timing",
    .domain = MRV_DOMAIN_KSPACE,
    .params = b0_params,
    .severity = b0_severity,
    .plan = b0_plan_create,
    .execute = b0_execute,
    .destroy = b0_destroy,
};
