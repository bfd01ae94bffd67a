/* Resolution change: a protocol with a smaller acquired matrix over the same
 * FOV. Acquiring only the central n' of n k-space samples along an axis
 * (same FOV, so the same sample spacing 1/FOV) is the k-space truncation
 * of the clean acquisition; the pixel grows by n/n' and every edge is
 * convolved with a Dirichlet kernel (Haacke et al., "Magnetic Resonance
 * Imaging: Physical Principles and Sequence Design", ch. 12-13; Bernstein
 * et al., "Handbook of MRI Pulse Sequences", 13.1).
 *
 * Two ways to hand it to the model:
 *   zero_fill = 0  the matrix shrinks: the model receives (.., ny', nx')
 *                  k-space, the central window, and answers on that grid;
 *                  coil maps are resampled to it (below);
 *   zero_fill = 1  acquired at n', reconstructed on the full grid: the
 *                  window is zero-filled back to (ny, nx), as a scanner's
 *                  zero-filling interpolation (the same data as `gibbs`
 *                  with axes = 1, in this family's parameters). The
 *                  family `resolution_zf` is this mode at the same
 *                  severities, run in place (shape kept, so it chains).
 * The window is centred on the k-space centre of the centred FFT
 * (index n/2 stays the new index n'/2): [n/2 - n'/2, n/2 - n'/2 + n').
 *
 * Coil maps on the smaller grid are the same smooth functions sampled on
 * the coarser pixels: their spectrum truncated to the same window and
 * scaled by sqrt(n'/n) per axis, which keeps their values (a constant map
 * stays that constant; root-sum-of-squares 1 stays ~1 because maps are
 * band-limited). The images the model then sees are x'_c = sqrt(n/n')
 * lowpass(S_c m), so S' m' with m' = sqrt(n/n') lowpass(m) explains them
 * to the (small) error of lowpass(S m) ~ S lowpass(m).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "perturbations/common.h"
#include "perturbations/families.h"
#include "perturbations/reshape.h"

static const struct mrv_param res_params[] = {
    {"fraction", "", 0.5, 0.1, 1.0, "acquired matrix as a fraction n'/n of each resized axis"},
    {"axes", "", 0, 0, 1, "0 phase encode and readout, 1 phase encode only"},
    {"zero_fill", "", 0, 0, 1, "0 the matrix shrinks, 1 zero-filled back to the full matrix"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* Pixel width x1.25, 1.5, 2, 2.5, 3 along both axes (as `gibbs`): from a
 * routine lower-resolution protocol to a scout-like matrix. */
static const double res_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.8, 0, 0}, {0.667, 0, 0}, {0.5, 0, 0}, {0.4, 0, 0}, {0.333, 0, 0},
};

struct res_plan {
    struct mrv_kview in;       /* planned input (k = NULL) */
    int rank;
    size_t my, mx;             /* acquired window */
    size_t ylo, xlo;           /* its first index in the input */
    int zero_fill;
    struct mrv_fft *fin, *fout; /* maps: forward on (ny, nx), inverse on (my, mx) */
    struct mrv_scratch_pool pool;
};

static void res_destroy(void *plan)
{
    struct res_plan *rp = plan;
    if (!rp)
        return;
    mrv_fft_destroy(rp->fin);
    mrv_fft_destroy(rp->fout);
    mrv_scratch_destroy(&rp->pool);
    free(rp);
}

static size_t window(size_t n, double f)
{
    size_t m = (size_t)floor(f * (double)n + 0.5);
    return m < 2 ? 2 : m > n ? n : m;
}

/* p: fraction, axes (checked against `pert`'s table); zero_fill given. */
static enum mrv_status plan_impl(const struct mrv_perturbation *pert,
                                 const struct mrv_array *shape, const double *p, int zero_fill,
                                 void **plan, struct mrv_error *err)
{
    *plan = NULL;
    struct mrv_kview v;
    enum mrv_status s = mrv_pert_plan_kview(pert, p, shape, &v, err);
    if (s != MRV_OK)
        return s;
    struct res_plan *rp = calloc(1, sizeof *rp);
    if (!rp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation resolution: out of memory");
    rp->in = v;
    rp->in.k = NULL;
    rp->rank = shape->ndim;
    rp->mx = window(v.nx, p[0]);
    rp->my = lround(p[1]) == 1 ? v.ny : window(v.ny, p[0]);
    rp->ylo = v.ny / 2 - rp->my / 2;
    rp->xlo = v.nx / 2 - rp->mx / 2;
    rp->zero_fill = zero_fill;
    if (!rp->zero_fill &&
        ((s = mrv_fft_plan_create(2, (size_t[]){v.ny, v.nx}, &rp->fin, err)) != MRV_OK ||
         (s = mrv_fft_plan_create(2, (size_t[]){rp->my, rp->mx}, &rp->fout, err)) != MRV_OK ||
         (s = mrv_scratch_create(&rp->pool, v.ny * v.nx * sizeof(float complex), "resolution",
                                 err)) != MRV_OK)) {
        res_destroy(rp);
        return s;
    }
    *plan = rp;
    return MRV_OK;
}

static enum mrv_status res_plan(const struct mrv_array *shape, const double *p, void **plan,
                                struct mrv_error *err)
{
    return plan_impl(&mrv_pert_resolution, shape, p, lround(p[2]) == 1, plan, err);
}

static enum mrv_status zf_plan(const struct mrv_array *shape, const double *p, void **plan,
                               struct mrv_error *err)
{
    return plan_impl(&mrv_pert_resolution_zf, shape, p, 1, plan, err);
}

static void res_dims(const void *plan, size_t *out)
{
    const struct res_plan *rp = plan;
    size_t ny = rp->zero_fill ? rp->in.ny : rp->my, nx = rp->zero_fill ? rp->in.nx : rp->mx;
    if (rp->rank == 4) {
        out[0] = rp->in.slices;
        out[1] = rp->in.coils;
        out[2] = ny;
        out[3] = nx;
    } else {
        out[0] = rp->in.slices;
        out[1] = ny;
        out[2] = nx;
    }
}

static enum mrv_status check_out(const struct res_plan *rp, const struct mrv_array *a,
                                 const char *what, struct mrv_error *err)
{
    size_t d[MRV_MAX_DIMS] = {0};
    res_dims(rp, d);
    int ok = a->dtype == MRV_C64 && a->ndim == rp->rank;
    for (int i = 0; ok && i < rp->rank; i++)
        ok = a->dims[i] == d[i];
    if (ok)
        return MRV_OK;
    char got[96];
    mrv_array_describe(a, got, sizeof got);
    return mrv_error_set(err, MRV_EINVAL,
                         "perturbation resolution: %s output %s, expected (%zu, .., %zu, %zu) "
                         "c64", what, got, d[0], d[rp->rank - 2], d[rp->rank - 1]);
}

/* Copy the window of every (ny, nx) plane of `in` to (my, mx) planes of
 * `out` (zero_fill: into a zeroed full plane at the same place). */
static void copy_window(const struct res_plan *rp, const float complex *in, float complex *out,
                        size_t planes)
{
    size_t ny = rp->in.ny, nx = rp->in.nx;
    for (size_t p = 0; p < planes; p++) {
        const float complex *src = in + p * ny * nx;
        if (rp->zero_fill) {
            float complex *dst = out + p * ny * nx;
            memset(dst, 0, ny * nx * sizeof *dst);
            for (size_t y = 0; y < rp->my; y++)
                memcpy(dst + (rp->ylo + y) * nx + rp->xlo, src + (rp->ylo + y) * nx + rp->xlo,
                       rp->mx * sizeof *dst);
        } else {
            float complex *dst = out + p * rp->my * rp->mx;
            for (size_t y = 0; y < rp->my; y++)
                memcpy(dst + y * rp->mx, src + (rp->ylo + y) * nx + rp->xlo,
                       rp->mx * sizeof *dst);
        }
    }
}

static void add_drawn(const struct res_plan *rp, const struct mrv_case *clean,
                      struct mrv_drawn *drawn)
{
    size_t ny = rp->in.ny, nx = rp->in.nx;
    mrv_drawn_add(drawn, "ny_in", (double)ny);
    mrv_drawn_add(drawn, "nx_in", (double)nx);
    mrv_drawn_add(drawn, "ny_acquired", (double)rp->my);
    mrv_drawn_add(drawn, "nx_acquired", (double)rp->mx);
    mrv_drawn_add(drawn, "zero_fill", rp->zero_fill);
    if (clean && clean->spacing[1] > 0 && clean->spacing[2] > 0) {
        /* the acquired pixel: FOV / n' */
        mrv_drawn_add(drawn, "dy_mm", clean->spacing[1] * (double)ny / (double)rp->my);
        mrv_drawn_add(drawn, "dx_mm", clean->spacing[2] * (double)nx / (double)rp->mx);
    }
}

static enum mrv_status res_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                   struct mrv_reshape_io *io, struct mrv_drawn *drawn,
                                   struct mrv_error *err)
{
    (void)seed;
    const struct res_plan *rp = plan;
    enum mrv_status s = mrv_pert_same_shape("resolution", &rp->in, io->kspace, err);
    if (s == MRV_OK)
        s = check_out(rp, io->kspace_out, "k-space", err);
    int maps = io->maps && io->maps->ndim != 0 && io->maps_out;
    if (s == MRV_OK && maps && (s = mrv_pert_same_shape("resolution", &rp->in, io->maps, err)) ==
                                   MRV_OK)
        s = check_out(rp, io->maps_out, "coil maps", err);
    if (s != MRV_OK)
        return s;
    size_t planes = rp->in.slices * rp->in.coils, ny = rp->in.ny, nx = rp->in.nx;
    copy_window(rp, io->kspace->data, io->kspace_out->data, planes);
    if (maps && rp->zero_fill) {
        memcpy(io->maps_out->data, io->maps->data, mrv_array_nbytes(io->maps));
    } else if (maps) {
        unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&rp->pool);
        float complex *spec = (float complex *)buf;
        const float complex *src = io->maps->data;
        float complex *dst = io->maps_out->data;
        /* sqrt(n'/n) per axis keeps the values of the sampled function */
        float g = (float)sqrt((double)(rp->my * rp->mx) / (double)(ny * nx));
        for (size_t p = 0; p < planes; p++) {
            memcpy(spec, src + p * ny * nx, ny * nx * sizeof *spec);
            mrv_fft_forward(rp->fin, spec, 1);
            float complex *o = dst + p * rp->my * rp->mx;
            for (size_t y = 0; y < rp->my; y++)
                for (size_t x = 0; x < rp->mx; x++)
                    o[y * rp->mx + x] = g * spec[(rp->ylo + y) * nx + rp->xlo + x];
            mrv_fft_inverse(rp->fout, o, 1);
        }
        mrv_scratch_give((struct mrv_scratch_pool *)&rp->pool, buf);
    }
    add_drawn(rp, clean, drawn);
    return MRV_OK;
}

/* resolution_zf runs in place: the window kept, the rest zero (as gibbs). */
static enum mrv_status zf_execute(const void *plan, uint64_t seed, const struct mrv_case *clean,
                                  struct mrv_array *data, struct mrv_drawn *drawn,
                                  struct mrv_error *err)
{
    (void)seed;
    const struct res_plan *rp = plan;
    enum mrv_status s = mrv_pert_same_shape("resolution_zf", &rp->in, data, err);
    if (s != MRV_OK)
        return s;
    size_t planes = rp->in.slices * rp->in.coils, ny = rp->in.ny, nx = rp->in.nx;
    float complex *k = data->data;
    for (size_t p = 0; p < planes; p++)
        for (size_t y = 0; y < ny; y++) {
            float complex *row = k + (p * ny + y) * nx;
            if (y < rp->ylo || y >= rp->ylo + rp->my) {
                memset(row, 0, nx * sizeof *row);
                continue;
            }
            memset(row, 0, rp->xlo * sizeof *row);
            memset(row + rp->xlo + rp->mx, 0, (nx - rp->xlo - rp->mx) * sizeof *row);
        }
    add_drawn(rp, clean, drawn);
    return MRV_OK;
}

static const struct mrv_reshape_ops res_ops = {
    .dims = res_dims,
    .execute = res_execute,
};

const struct mrv_perturbation mrv_pert_resolution = {
    .name = "resolution",
    .summary = "lower acquired matrix, same FOV: k-space truncated to its centre (shape changes)",
    .domain = MRV_DOMAIN_KSPACE,
    .params = res_params,
    .severity = res_severity,
    .plan = res_plan,
    .execute = mrv_reshape_refuse_inplace,
    .destroy = res_destroy,
    .reshape = &res_ops,
};

static const struct mrv_param zf_params[] = {
    {"fraction", "", 0.5, 0.1, 1.0, "acquired matrix as a fraction n'/n of each resized axis"},
    {"axes", "", 0, 0, 1, "0 phase encode and readout, 1 phase encode only"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* The same protocols as `resolution`, zero-filled back to the full grid. */
static const double zf_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.8, 0}, {0.667, 0}, {0.5, 0}, {0.4, 0}, {0.333, 0},
};

const struct mrv_perturbation mrv_pert_resolution_zf = {
    .name = "resolution_zf",
    .summary = "lower acquired matrix, zero-filled back to the full grid (shape kept)",
    .domain = MRV_DOMAIN_KSPACE,
    .params = zf_params,
    .severity = zf_severity,
    .plan = zf_plan,
    .execute = zf_execute,
    .destroy = res_destroy,
};
