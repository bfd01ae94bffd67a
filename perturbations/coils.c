/* Coil count changes: compression, subset (coils.h) and the shape-keeping
 * `coil_dropout` family: `count` receive elements fail (their channels
 * read zero, as a dead preamplifier), drawn without replacement. */
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

/* out[s, v] = sum_c W[v * nc + c] in[s, c], for v < K */
static void mix(const struct mrv_array *in, const double complex *W, size_t K,
                struct mrv_array *out)
{
    size_t S = in->dims[0], nc = in->dims[1], np = in->dims[2] * in->dims[3];
    const float complex *x = in->data;
    float complex *y = out->data;
    for (size_t s = 0; s < S; s++)
        for (size_t v = 0; v < K; v++) {
            float complex *o = y + (s * K + v) * np;
            for (size_t i = 0; i < np; i++) {
                double complex acc = 0;
                for (size_t c = 0; c < nc; c++)
                    acc += W[v * nc + c] * (double complex)x[(s * nc + c) * np + i];
                o[i] = (float complex)acc;
            }
        }
}

enum mrv_status mrv_coils_compress(const struct mrv_array *k, const struct mrv_array *maps,
                                   size_t K, struct mrv_array *k_out, struct mrv_array *maps_out,
                                   double *energy, struct mrv_error *err)
{
    enum mrv_status s = check4("compress", k, maps, err);
    if (s != MRV_OK)
        return s;
    size_t nc = k->dims[1], S = k->dims[0], np = k->dims[2] * k->dims[3];
    if (K < 1 || K > nc)
        return mrv_error_set(err, MRV_EINVAL, "coils compress: %zu virtual coils, expected 1..%zu",
                             K, nc);
    gsl_matrix_complex *C = gsl_matrix_complex_calloc(nc, nc);
    gsl_matrix_complex *U = gsl_matrix_complex_alloc(nc, nc);
    gsl_vector *l = gsl_vector_alloc(nc);
    gsl_eigen_hermv_workspace *ws = gsl_eigen_hermv_alloc(nc);
    double complex *W = malloc(nc * nc * sizeof *W);
    if (!C || !U || !l || !ws || !W) {
        s = mrv_error_set(err, MRV_ENOMEM, "coils compress: out of memory");
        goto done;
    }
    const float complex *x = k->data;
    double total = 0;
    for (size_t a = 0; a < nc; a++)
        for (size_t b = 0; b <= a; b++) {
            double complex acc = 0;
            for (size_t sl = 0; sl < S; sl++) {
                const float complex *xa = x + (sl * nc + a) * np, *xb = x + (sl * nc + b) * np;
                for (size_t i = 0; i < np; i++)
                    acc += (double complex)xa[i] * conj((double complex)xb[i]);
            }
            gsl_matrix_complex_set(C, a, b, gsl_complex_rect(creal(acc), cimag(acc)));
            gsl_matrix_complex_set(C, b, a, gsl_complex_rect(creal(acc), -cimag(acc)));
            if (a == b)
                total += creal(acc);
        }
    gsl_eigen_hermv(C, l, U, ws);
    gsl_eigen_hermv_sort(l, U, GSL_EIGEN_SORT_VAL_DESC);
    double kept = 0;
    for (size_t v = 0; v < K; v++)
        kept += gsl_vector_get(l, v);
    for (size_t v = 0; v < nc; v++)
        for (size_t c = 0; c < nc; c++) {
            gsl_complex u = gsl_matrix_complex_get(U, c, v);
            W[v * nc + c] = GSL_REAL(u) - I * GSL_IMAG(u); /* conj(U_cv) */
        }
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
        *energy = total > 0 ? kept / total : 1.0;
done:
    gsl_matrix_complex_free(C);
    gsl_matrix_complex_free(U);
    gsl_vector_free(l);
    if (ws)
        gsl_eigen_hermv_free(ws);
    free(W);
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
