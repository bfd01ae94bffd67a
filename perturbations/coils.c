/* Coil count changes: compression, subset (coils.h); the shape-keeping
 * `coil_dropout` family: `count` receive elements fail (their channels
 * read zero, as a dead preamplifier), drawn without replacement; and the
 * shape-changing families `coil_compress` and `coil_subset` (reshape.h). */
#include "perturbations/coils.h"

#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "perturbations/common.h"
#include "perturbations/families.h"
#include "perturbations/reshape.h"

static enum mrv_status check4(const char *what, const struct mrv_array *k,
                              const struct mrv_array *maps, struct mrv_error *err)
{
    if (!k || k->dtype != MRV_C64 || k->ndim != 4)
        return mrv_error_set(err, MRV_EINVAL,
                             "coils %s: needs multi-coil k-space (slices, coils, ky, kx) c64",
                             what);
    if (maps && maps->ndim != 0 && !mrv_array_same_shape(k, maps))
        return mrv_error_set(err, MRV_EINVAL,
                             "coils %s: coil maps must have the k-space's shape", what);
    return MRV_OK;
}

static enum mrv_status alloc_like(const struct mrv_array *k, size_t coils, struct mrv_array *out,
                                  struct mrv_error *err)
{
    size_t d[4] = {k->dims[0], coils, k->dims[2], k->dims[3]};
    return mrv_array_alloc(out, MRV_C64, 4, d, err);
}

/* out[s, v] = sum_c W[v * nc + c] in[s, c], for v < K. In blocks of
 * samples (the block of every coil stays in cache across the K x nc
 * passes) with real arithmetic: C's complex multiply carries a NaN/Inf
 * slow path that keeps compilers from vectorising it. Float accumulation
 * of at most nc terms per sample: relative error ~ nc * 2^-24. */
static void mix(const struct mrv_array *in, const double complex *W, size_t K,
                struct mrv_array *out)
{
    enum { BLOCK = 1024 };
    size_t S = in->dims[0], nc = in->dims[1], np = in->dims[2] * in->dims[3];
    const float *x = in->data;
    float *y = out->data;
    for (size_t s = 0; s < S; s++)
        for (size_t i0 = 0; i0 < np; i0 += BLOCK) {
            size_t n = np - i0 < BLOCK ? np - i0 : BLOCK;
            for (size_t v = 0; v < K; v++) {
                float *o = y + 2 * ((s * K + v) * np + i0);
                memset(o, 0, 2 * n * sizeof *o);
                for (size_t c = 0; c < nc; c++) {
                    const float *xc = x + 2 * ((s * nc + c) * np + i0);
                    float wr = (float)creal(W[v * nc + c]), wi = (float)cimag(W[v * nc + c]);
                    if (wr == 0 && wi == 0)
                        continue;
                    for (size_t i = 0; i < n; i++) {
                        float xr = xc[2 * i], xi = xc[2 * i + 1];
                        o[2 * i] += wr * xr - wi * xi;
                        o[2 * i + 1] += wr * xi + wi * xr;
                    }
                }
            }
        }
}

/* The coil covariance C[a * nc + b] = sum k_a conj(k_b) over every slice
 * and sample of the acquired columns (mask NULL: all); returns its trace.
 * In double (the weakest eigenvectors are sensitive to its rounding:
 * delta u_v ~ delta C / (l_v - l_w)), real arithmetic (see mix); in blocks
 * of rows so every coil's block stays in cache across the nc^2/2 pairs. */
static double covariance(const struct mrv_array *k, const uint8_t *mask, double complex *C)
{
    size_t S = k->dims[0], nc = k->dims[1], ny = k->dims[2], nx = k->dims[3], np = ny * nx;
    size_t rows = nx >= 1024 ? 1 : 1024 / nx;
    const float *x = k->data;
    for (size_t i = 0; i < nc * nc; i++)
        C[i] = 0;
    for (size_t sl = 0; sl < S; sl++)
        for (size_t y0 = 0; y0 < ny; y0 += rows) {
            size_t y1 = y0 + rows < ny ? y0 + rows : ny;
            for (size_t a = 0; a < nc; a++)
                for (size_t b = 0; b <= a; b++) {
                    const float *xa = x + 2 * (sl * nc + a) * np, *xb = x + 2 * (sl * nc + b) * np;
                    double re = 0, im = 0;
                    for (size_t y = y0; y < y1; y++) {
                        const float *ra = xa + 2 * y * nx, *rb = xb + 2 * y * nx;
                        for (size_t i = 0; i < nx; i++) {
                            if (mask && !mask[i])
                                continue;
                            double ar = ra[2 * i], ai = ra[2 * i + 1];
                            double br = rb[2 * i], bi = rb[2 * i + 1];
                            re += ar * br + ai * bi;
                            im += ai * br - ar * bi;
                        }
                    }
                    C[a * nc + b] += re + I * im;
                }
        }
    double total = 0;
    for (size_t a = 0; a < nc; a++) {
        for (size_t b = 0; b < a; b++)
            C[b * nc + a] = conj(C[a * nc + b]);
        total += creal(C[a * nc + a]);
    }
    return total;
}

/* Eigen-decompose the Hermitian C (destroyed; nc x nc) into l (descending)
 * and the compression W[v * nc + c] = conj(U_cv). Eigenvectors are defined
 * up to a phase; each is turned so that its largest component (the first
 * such) is real and positive, so virtual coils do not depend on the
 * solver's choice. `U` is nc * nc scratch. */
static void eig_desc(double complex *C, size_t nc, gsl_eigen_hermv_workspace *ws, double *l,
                     double complex *U, double complex *W)
{
    gsl_matrix_complex_view A = gsl_matrix_complex_view_array((double *)C, nc, nc);
    gsl_matrix_complex_view V = gsl_matrix_complex_view_array((double *)U, nc, nc);
    gsl_vector_view L = gsl_vector_view_array(l, nc);
    gsl_eigen_hermv(&A.matrix, &L.vector, &V.matrix, ws);
    gsl_eigen_hermv_sort(&L.vector, &V.matrix, GSL_EIGEN_SORT_VAL_DESC);
    for (size_t v = 0; v < nc; v++) {
        size_t best = 0;
        for (size_t c = 1; c < nc; c++)
            if (cabs(U[c * nc + v]) > cabs(U[best * nc + v]))
                best = c;
        double complex u = U[best * nc + v];
        double complex ph = cabs(u) > 0 ? conj(u) / cabs(u) : 1.0;
        for (size_t c = 0; c < nc; c++)
            W[v * nc + c] = conj(U[c * nc + v] * ph);
    }
}

/* Kept energy fraction of the K largest eigenvalues (negatives from
 * rounding count as 0). */
static double kept_fraction(const double *l, size_t nc, size_t K)
{
    double kept = 0, total = 0;
    for (size_t v = 0; v < nc; v++) {
        double x = l[v] > 0 ? l[v] : 0;
        total += x;
        if (v < K)
            kept += x;
    }
    return total > 0 ? kept / total : 1.0;
}

enum mrv_status mrv_coils_compress(const struct mrv_array *k, const struct mrv_array *maps,
                                   size_t K, struct mrv_array *k_out, struct mrv_array *maps_out,
                                   double *energy, struct mrv_error *err)
{
    enum mrv_status s = check4("compress", k, maps, err);
    if (s != MRV_OK)
        return s;
    size_t nc = k->dims[1];
    if (K < 1 || K > nc)
        return mrv_error_set(err, MRV_EINVAL, "coils compress: %zu virtual coils, expected 1..%zu",
                             K, nc);
    double complex *C = malloc(3 * nc * nc * sizeof *C);
    double *l = malloc(nc * sizeof *l);
    gsl_eigen_hermv_workspace *ws = gsl_eigen_hermv_alloc(nc);
    if (!C || !l || !ws) {
        s = mrv_error_set(err, MRV_ENOMEM, "coils compress: out of memory");
        goto done;
    }
    double complex *U = C + nc * nc, *W = U + nc * nc;
    covariance(k, NULL, C);
    eig_desc(C, nc, ws, l, U, W);
    if ((s = alloc_like(k, K, k_out, err)) != MRV_OK)
        goto done;
    mix(k, W, K, k_out);
    if (maps && maps->ndim != 0 && maps_out) {
        if ((s = alloc_like(maps, K, maps_out, err)) != MRV_OK) {
            mrv_array_free(k_out);
            goto done;
        }
        mix(maps, W, K, maps_out);
    }
    if (energy)
        *energy = kept_fraction(l, nc, K);
done:
    free(C);
    free(l);
    if (ws)
        gsl_eigen_hermv_free(ws);
    return s;
}

enum mrv_status mrv_coils_subset(const struct mrv_array *k, const struct mrv_array *maps,
                                 const size_t *keep, size_t n, struct mrv_array *k_out,
                                 struct mrv_array *maps_out, struct mrv_error *err)
{
    enum mrv_status s = check4("subset", k, maps, err);
    if (s != MRV_OK)
        return s;
    size_t nc = k->dims[1];
    if (n < 1 || n > nc)
        return mrv_error_set(err, MRV_EINVAL, "coils subset: %zu coils kept, expected 1..%zu", n,
                             nc);
    for (size_t i = 0; i < n; i++) {
        if (keep[i] >= nc)
            return mrv_error_set(err, MRV_EINVAL, "coils subset: coil %zu, expected < %zu",
                                 keep[i], nc);
        for (size_t j = 0; j < i; j++)
            if (keep[j] == keep[i])
                return mrv_error_set(err, MRV_EINVAL, "coils subset: coil %zu listed twice",
                                     keep[i]);
    }
    double complex *W = calloc(n * nc, sizeof *W);
    if (!W)
        return mrv_error_set(err, MRV_ENOMEM, "coils subset: out of memory");
    for (size_t v = 0; v < n; v++)
        W[v * nc + keep[v]] = 1.0;
    if ((s = alloc_like(k, n, k_out, err)) == MRV_OK) {
        mix(k, W, n, k_out);
        if (maps && maps->ndim != 0 && maps_out) {
            if ((s = alloc_like(maps, n, maps_out, err)) == MRV_OK)
                mix(maps, W, n, maps_out);
            else
                mrv_array_free(k_out);
        }
    }
    free(W);
    return s;
}

/* ---- coil_dropout: the shape-keeping family ----------------------------- */

static const struct mrv_param dropout_params[] = {
    {"count", "", 1, 1, 63, "receive elements that fail (read zero)"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* 1..5 dead elements: on an 8- to 16-element array, one is a common field
 * failure, five is an array the model has never seen. */
static const double dropout_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {1}, {2}, {3}, {4}, {5},
};

static enum mrv_status dropout_plan(const struct mrv_array *shape, const double *p, void **plan,
                                    struct mrv_error *err)
{
    enum mrv_status s = mrv_simple_plan_create(&mrv_pert_coil_dropout, shape, p, plan, err);
    if (s != MRV_OK)
        return s;
    const struct mrv_simple_plan *sp = *plan;
    if (sp->shape.coils > 64) {
        size_t nc = sp->shape.coils;
        mrv_simple_plan_destroy(*plan);
        *plan = NULL;
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation coil_dropout: %zu coils, expected at most 64", nc);
    }
    if ((size_t)lround(p[0]) >= sp->shape.coils) {
        size_t nc = sp->shape.coils;
        mrv_simple_plan_destroy(*plan);
        *plan = NULL;
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation coil_dropout: count %g of %zu coils, expected at "
                             "most %zu (one must remain)", p[0], nc, nc ? nc - 1 : 0);
    }
    return MRV_OK;
}

static enum mrv_status dropout_execute(const void *plan, uint64_t seed,
                                       const struct mrv_case *clean, struct mrv_array *data,
                                       struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)clean;
    const struct mrv_simple_plan *sp = plan;
    enum mrv_status s = mrv_pert_same_shape("coil_dropout", &sp->shape, data, err);
    if (s != MRV_OK)
        return s;
    struct mrv_kview v;
    mrv_pert_kview("coil_dropout", data, &v, err);
    size_t count = (size_t)lround(sp->p[0]), np = v.ny * v.nx;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    /* partial Fisher-Yates over coil indices, without a buffer: draw the
     * j-th failing coil among those not yet drawn */
    uint64_t dead = 0; /* bit set (coils <= 64) */
    for (size_t j = 0; j < count; j++) {
        size_t r = (size_t)gsl_rng_uniform_int(rng, v.coils - j), c = 0;
        for (;; c++)
            if (!(dead >> c & 1) && r-- == 0)
                break;
        dead |= 1ULL << c;
        if (j < 8) {
            static const char *const names[] = {"dead1", "dead2", "dead3", "dead4",
                                                "dead5", "dead6", "dead7", "dead8"};
            mrv_drawn_add(drawn, names[j], (double)c);
        }
    }
    for (size_t sl = 0; sl < v.slices; sl++)
        for (size_t c = 0; c < v.coils; c++)
            if (dead >> c & 1)
                memset(v.k + (sl * v.coils + c) * np, 0, np * sizeof *v.k);
    return MRV_OK;
}

const struct mrv_perturbation mrv_pert_coil_dropout = {
    .name = "coil_dropout",
    .summary = "receive-coil element failure: some channels read zero",
    .domain = MRV_DOMAIN_KSPACE,
    .params = dropout_params,
    .severity = dropout_severity,
    .plan = dropout_plan,
    .execute = dropout_execute,
    .destroy = mrv_simple_plan_destroy,
};

/* ---- coil_compress and coil_subset: the coil count changes -------------
 *
 * Shape-changing families (perturbations/reshape.h): the model receives
 * K of the case's nc coils and coil maps transformed by the same matrix,
 * so the SENSE model y = S' m holds exactly for the coils it is given: y_v =
 * sum_c W_vc S_c m = S'_v m. Maps are not re-estimated, which would mix
 * an estimation error into the coil-count effect. K = round(fraction nc)
 * (at least 1), or `coils` when given. Compression estimates C from the
 * samples the model receives (the acquired columns), as Buehrer et al.
 * compress from the acquired data. */

static const struct mrv_param cc_params[] = {
    {"fraction", "", 0.5, 0.01, 1.0, "coils kept, as a fraction of the case's (K = round(f nc))"},
    {"coils", "", 0, 0, 1024, "coils kept when not 0 (overrides fraction; at most the case's)"},
    {NULL, NULL, 0, 0, 0, NULL},
};

static const struct mrv_param cs_params[] = {
    {"fraction", "", 0.5, 0.01, 1.0, "coils kept, as a fraction of the case's (K = round(f nc))"},
    {"coils", "", 0, 0, 64, "coils kept when not 0 (overrides fraction; at most the case's)"},
    {"block", "", 0, 0, 1, "0 coils drawn at random, 1 adjacent indices from a random start"},
    {NULL, NULL, 0, 0, 0, NULL},
};

/* 15 coils -> 12, 10, 8, 6, 4 virtual coils (8 -> 6, 5, 4, 3, 2): from a
 * routine compression (Buehrer: ~8 of 32 keep > 95 % of the energy) to a
 * model receiving far fewer channels than it was trained on. */
static const double count_severity[MRV_SEVERITY_MAX][MRV_PERT_MAX_PARAMS] = {
    {0.8, 0, 0}, {0.65, 0, 0}, {0.5, 0, 0}, {0.4, 0, 0}, {0.25, 0, 0},
};

#define COUNT_MAX_SLOTS 16

struct count_plan {
    int subset, block;
    struct mrv_kview in; /* planned input (k = NULL) */
    size_t K;
    struct mrv_scratch_pool pool; /* compress: C, U, W (nc^2 complex each), l (nc) */
    gsl_eigen_hermv_workspace *ws[COUNT_MAX_SLOTS];
};

static void count_destroy(void *plan)
{
    struct count_plan *cp = plan;
    if (!cp)
        return;
    for (int i = 0; i < COUNT_MAX_SLOTS; i++)
        if (cp->ws[i])
            gsl_eigen_hermv_free(cp->ws[i]);
    mrv_scratch_destroy(&cp->pool);
    free(cp);
}

static enum mrv_status count_plan(const struct mrv_perturbation *pert, int subset,
                                  const struct mrv_array *shape, const double *p, void **plan,
                                  struct mrv_error *err)
{
    *plan = NULL;
    struct mrv_kview v;
    enum mrv_status s = mrv_pert_plan_kview(pert, p, shape, &v, err);
    if (s != MRV_OK)
        return s;
    if (shape->ndim != 4)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: needs multi-coil k-space (slices, coils, ky, kx)",
                             pert->name);
    size_t nc = v.coils, K = (size_t)floor(p[0] * (double)nc + 0.5);
    if (p[1] != 0)
        K = (size_t)lround(p[1]);
    if (K < 1)
        K = 1;
    if (K > nc)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: coils = %zu, but the case has %zu coils "
                             "(expected 1..%zu)", pert->name, K, nc, nc);
    if (subset && nc > MRV_RESHAPE_MAX_COILS)
        return mrv_error_set(err, MRV_EINVAL, "perturbation %s: %zu coils, expected at most %d",
                             pert->name, nc, MRV_RESHAPE_MAX_COILS);
    struct count_plan *cp = calloc(1, sizeof *cp);
    if (!cp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation %s: out of memory", pert->name);
    cp->subset = subset;
    cp->block = subset && lround(p[2]) == 1;
    cp->in = v;
    cp->in.k = NULL;
    cp->K = K;
    if (!subset) {
        s = mrv_scratch_create(&cp->pool, 3 * nc * nc * sizeof(double complex) +
                                              nc * sizeof(double), pert->name, err);
        for (int i = 0; s == MRV_OK && i < cp->pool.nslots && i < COUNT_MAX_SLOTS; i++)
            if (!(cp->ws[i] = gsl_eigen_hermv_alloc(nc)))
                s = mrv_error_set(err, MRV_ENOMEM, "perturbation %s: out of memory",
                                  pert->name);
        if (s != MRV_OK) {
            count_destroy(cp);
            return s;
        }
    }
    *plan = cp;
    return MRV_OK;
}

static void count_dims(const void *plan, size_t *out)
{
    const struct count_plan *cp = plan;
    out[0] = cp->in.slices;
    out[1] = cp->K;
    out[2] = cp->in.ny;
    out[3] = cp->in.nx;
}

static enum mrv_status count_check(const struct count_plan *cp, const char *name,
                                   const struct mrv_reshape_io *io, int maps,
                                   struct mrv_error *err)
{
    enum mrv_status s = mrv_pert_same_shape(name, &cp->in, io->kspace, err);
    if (s == MRV_OK && maps)
        s = mrv_pert_same_shape(name, &cp->in, io->maps, err);
    if (s != MRV_OK)
        return s;
    const struct mrv_array *outs[2] = {io->kspace_out, maps ? io->maps_out : NULL};
    for (int i = 0; i < 2; i++) {
        const struct mrv_array *o = outs[i];
        if (o && (o->dtype != MRV_C64 || o->ndim != 4 || o->dims[0] != cp->in.slices ||
                  o->dims[1] != cp->K || o->dims[2] != cp->in.ny || o->dims[3] != cp->in.nx))
            return mrv_error_set(err, MRV_EINVAL,
                                 "perturbation %s: %s output must be (%zu, %zu, %zu, %zu) c64",
                                 name, i ? "coil map" : "k-space", cp->in.slices, cp->K,
                                 cp->in.ny, cp->in.nx);
    }
    return MRV_OK;
}

static enum mrv_status compress_execute(const void *plan, uint64_t seed,
                                        const struct mrv_case *clean, struct mrv_reshape_io *io,
                                        struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)seed;
    (void)clean;
    const struct count_plan *cp = plan;
    int maps = io->maps && io->maps->ndim != 0 && io->maps_out;
    enum mrv_status s = count_check(cp, "coil_compress", io, maps, err);
    if (s != MRV_OK)
        return s;
    size_t nc = cp->in.coils;
    struct mrv_scratch_pool *pool = (struct mrv_scratch_pool *)&cp->pool;
    unsigned char *buf = mrv_scratch_take(pool);
    int slot = 0;
    while (slot < pool->nslots - 1 && pool->slot[slot] != buf)
        slot++;
    double complex *C = (double complex *)buf, *U = C + nc * nc, *W = U + nc * nc;
    double *l = (double *)(W + nc * nc);
    covariance(io->kspace, io->mask, C);
    eig_desc(C, nc, cp->ws[slot], l, U, W);
    mix(io->kspace, W, cp->K, io->kspace_out);
    if (maps)
        mix(io->maps, W, cp->K, io->maps_out);
    double energy = kept_fraction(l, nc, cp->K);
    mrv_scratch_give(pool, buf);
    mrv_drawn_add(drawn, "coils_in", (double)nc);
    mrv_drawn_add(drawn, "coils_out", (double)cp->K);
    mrv_drawn_add(drawn, "energy_kept", energy);
    return MRV_OK;
}

static enum mrv_status subset_execute(const void *plan, uint64_t seed,
                                      const struct mrv_case *clean, struct mrv_reshape_io *io,
                                      struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)clean;
    const struct count_plan *cp = plan;
    int maps = io->maps && io->maps->ndim != 0 && io->maps_out;
    enum mrv_status s = count_check(cp, "coil_subset", io, maps, err);
    if (s != MRV_OK)
        return s;
    size_t nc = cp->in.coils, K = cp->K, idx[MRV_RESHAPE_MAX_COILS] = {0}, start = 0;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    if (cp->block) {
        start = (size_t)gsl_rng_uniform_int(rng, nc);
        for (size_t i = 0; i < K; i++)
            idx[i] = (start + i) % nc;
    } else { /* partial Fisher-Yates: the first K of a random permutation */
        for (size_t i = 0; i < nc; i++)
            idx[i] = i;
        for (size_t i = 0; i < K; i++) {
            size_t j = i + (size_t)gsl_rng_uniform_int(rng, nc - i), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
    }
    for (size_t i = 1; i < K; i++) /* the array's order kept: ascending */
        for (size_t j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    size_t S = cp->in.slices, np = cp->in.ny * cp->in.nx, nx = cp->in.nx;
    const float complex *x = io->kspace->data;
    double kept = 0, total = 0;
    for (size_t sl = 0; sl < S; sl++)
        for (size_t c = 0; c < nc; c++) {
            double e = 0;
            const float complex *pl = x + (sl * nc + c) * np;
            for (size_t i = 0; i < np; i++)
                if (!io->mask || io->mask[i % nx])
                    e += (double)crealf(pl[i] * conjf(pl[i]));
            total += e;
            for (size_t v = 0; v < K; v++)
                kept += idx[v] == c ? e : 0;
        }
    for (size_t sl = 0; sl < S; sl++)
        for (size_t v = 0; v < K; v++) {
            size_t from = (sl * nc + idx[v]) * np, to = (sl * K + v) * np;
            memcpy((float complex *)io->kspace_out->data + to, x + from, np * sizeof *x);
            if (maps)
                memcpy((float complex *)io->maps_out->data + to,
                       (const float complex *)io->maps->data + from, np * sizeof *x);
        }
    memcpy(io->kept, idx, K * sizeof *idx);
    io->nkept = K;
    mrv_drawn_add(drawn, "coils_in", (double)nc);
    mrv_drawn_add(drawn, "coils_out", (double)K);
    mrv_drawn_add(drawn, "energy_kept", total > 0 ? kept / total : 1.0);
    if (cp->block)
        mrv_drawn_add(drawn, "first_coil", (double)start);
    return MRV_OK;
}

static enum mrv_status compress_plan(const struct mrv_array *shape, const double *p, void **plan,
                                     struct mrv_error *err)
{
    return count_plan(&mrv_pert_coil_compress, 0, shape, p, plan, err);
}

static enum mrv_status subset_plan(const struct mrv_array *shape, const double *p, void **plan,
                                   struct mrv_error *err)
{
    return count_plan(&mrv_pert_coil_subset, 1, shape, p, plan, err);
}

static const struct mrv_reshape_ops compress_ops = {.dims = count_dims,
                                                    .execute = compress_execute};
static const struct mrv_reshape_ops subset_ops = {.dims = count_dims, .execute = subset_execute};

const struct mrv_perturbation mrv_pert_coil_compress = {
    .name = "coil_compress",
    .summary = "PCA/SVD coil compression to fewer virtual coils (shape changes)",
    .domain = MRV_DOMAIN_KSPACE,
    .params = cc_params,
    .severity = count_severity,
    .plan = compress_plan,
    .execute = mrv_reshape_refuse_inplace,
    .destroy = count_destroy,
    .reshape = &compress_ops,
};

const struct mrv_perturbation mrv_pert_coil_subset = {
    .name = "coil_subset",
    .summary = "fewer receive elements: a subset of the coils (shape changes)",
    .domain = MRV_DOMAIN_KSPACE,
    .params = cs_params,
    .severity = count_severity,
    .plan = subset_plan,
    .execute = mrv_reshape_refuse_inplace,
    .destroy = count_destroy,
    .reshape = &subset_ops,
};
