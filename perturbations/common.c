#include "perturbations/common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/array.h"
#include "perturbations/noise.h"

enum mrv_status mrv_pert_kview(const char *family, const struct mrv_array *a,
                               struct mrv_kview *v, struct mrv_error *err)
{
    memset(v, 0, sizeof *v);
    if (!a || a->dtype != MRV_C64 || (a->ndim != 3 && a->ndim != 4))
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: needs complex k-space (slices, coils, ky, kx) "
                             "or (slices, ky, kx) c64, got %s data of rank %d",
                             family, a ? mrv_dtype_name(a->dtype) : "no", a ? a->ndim : 0);
    v->slices = a->dims[0];
    v->coils = a->ndim == 4 ? a->dims[1] : 1;
    v->ny = a->dims[a->ndim - 2];
    v->nx = a->dims[a->ndim - 1];
    v->k = a->data;
    if (v->ny < 2 || v->nx < 2)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: k-space of %zu x %zu, expected at least 2 x 2",
                             family, v->ny, v->nx);
    return MRV_OK;
}

enum mrv_status mrv_pert_same_shape(const char *family, const struct mrv_kview *planned,
                                    const struct mrv_array *data, struct mrv_error *err)
{
    struct mrv_kview v;
    enum mrv_status s = mrv_pert_kview(family, data, &v, err);
    if (s != MRV_OK)
        return s;
    if (v.slices != planned->slices || v.coils != planned->coils || v.ny != planned->ny ||
        v.nx != planned->nx)
        return mrv_error_set(err, MRV_EINVAL,
                             "perturbation %s: k-space (%zu, %zu, %zu, %zu), but the plan was "
                             "made for (%zu, %zu, %zu, %zu)",
                             family, v.slices, v.coils, v.ny, v.nx, planned->slices,
                             planned->coils, planned->ny, planned->nx);
    return MRV_OK;
}

const float complex *mrv_pert_coil_maps(const struct mrv_case *clean, const struct mrv_kview *v)
{
    const struct mrv_array *m = &clean->coil_maps;
    if (!m->data || m->dtype != MRV_C64 || m->ndim != 4)
        return NULL;
    if (m->dims[0] != v->slices || m->dims[1] != v->coils || m->dims[2] != v->ny ||
        m->dims[3] != v->nx)
        return NULL;
    return m->data;
}

void mrv_pert_pe_times(enum mrv_pe_order order, size_t n, double *t)
{
    size_t c = n / 2, neven = (n + 1) / 2;
    for (size_t x = 0; x < n; x++) {
        size_t rank;
        switch (order) {
        case MRV_ORDER_CENTRIC:
            rank = x < c ? 2 * (c - x) - 1 : 2 * (x - c);
            break;
        case MRV_ORDER_INTERLEAVED:
            rank = x % 2 == 0 ? x / 2 : neven + x / 2;
            break;
        case MRV_ORDER_SEQUENTIAL:
        default:
            rank = x;
            break;
        }
        t[x] = ((double)rank + 0.5) / (double)n;
    }
}

double mrv_pert_signal(const struct mrv_case *clean)
{
    if (!clean || clean->reference.dtype != MRV_F32 || !clean->reference.data)
        return 0.0;
    return mrv_foreground_mean(clean->reference.data, mrv_array_count(&clean->reference),
                               MRV_FOREGROUND_FRACTION);
}

enum mrv_status mrv_scratch_create(struct mrv_scratch_pool *p, size_t bytes, const char *family,
                                   struct mrv_error *err)
{
    memset(p, 0, sizeof *p);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cpus < 1 ? 1 : cpus > 16 ? 16 : (int)cpus;
    p->slot = calloc((size_t)n, sizeof *p->slot);
    p->busy = calloc((size_t)n, 1);
    if (!p->slot || !p->busy) {
        mrv_scratch_destroy(p);
        return mrv_error_set(err, MRV_ENOMEM, "perturbation %s: out of memory", family);
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->nslots = n;
    p->bytes = bytes ? bytes : 1;
    for (int i = 0; i < n; i++) {
        p->slot[i] = malloc(p->bytes);
        if (!p->slot[i]) {
            mrv_scratch_destroy(p);
            return mrv_error_set(err, MRV_ENOMEM,
                                 "perturbation %s: cannot allocate %zu bytes of scratch",
                                 family, bytes);
        }
    }
    return MRV_OK;
}

void *mrv_scratch_take(struct mrv_scratch_pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (;;) {
        for (int i = 0; i < p->nslots; i++)
            if (!p->busy[i]) {
                p->busy[i] = 1;
                pthread_mutex_unlock(&p->lock);
                return p->slot[i];
            }
        pthread_cond_wait(&p->freed, &p->lock);
    }
}

void mrv_scratch_give(struct mrv_scratch_pool *p, void *buf)
{
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->nslots; i++)
        if (p->slot[i] == buf)
            p->busy[i] = 0;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

void mrv_scratch_destroy(struct mrv_scratch_pool *p)
{
    if (!p->slot && !p->busy)
        return;
    if (p->nslots) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->freed);
    }
    for (int i = 0; p->slot && i < p->nslots; i++)
        free(p->slot[i]);
    free(p->slot);
    free(p->busy);
    memset(p, 0, sizeof *p);
}

void mrv_pert_shift_columns(const struct mrv_kview *v, const double *dy, const double *dx,
                            float complex *ramp)
{
    size_t ny = v->ny, nx = v->nx;
    /* ramp laid out like a plane (ky, kx); phases in double, then rounded
     * once to float, so the ramp is exact to float precision. */
    for (size_t y = 0; y < ny; y++) {
        double fy = mrv_pert_freq(y, ny);
        for (size_t x = 0; x < nx; x++) {
            double ph = -2.0 * M_PI * (fy * dy[x] + mrv_pert_freq(x, nx) * dx[x]);
            ramp[y * nx + x] = (float)cos(ph) + I * (float)sin(ph);
        }
    }
    size_t planes = v->slices * v->coils, np = ny * nx;
    for (size_t p = 0; p < planes; p++) {
        float complex *k = v->k + p * np;
        for (size_t i = 0; i < np; i++)
            k[i] *= ramp[i];
    }
}

enum mrv_status mrv_pert_plan_kview(const struct mrv_perturbation *pert, const double *p,
                                    const struct mrv_array *shape, struct mrv_kview *v,
                                    struct mrv_error *err)
{
    enum mrv_status s = mrv_perturbation_check(pert, p, err);
    return s == MRV_OK ? mrv_pert_kview(pert->name, shape, v, err) : s;
}

enum mrv_status mrv_simple_plan_create(const struct mrv_perturbation *pert,
                                       const struct mrv_array *shape, const double *p,
                                       void **plan, struct mrv_error *err)
{
    *plan = NULL;
    struct mrv_kview v;
    enum mrv_status s = mrv_pert_plan_kview(pert, p, shape, &v, err);
    if (s != MRV_OK)
        return s;
    struct mrv_simple_plan *sp = calloc(1, sizeof *sp);
    if (!sp)
        return mrv_error_set(err, MRV_ENOMEM, "perturbation %s: out of memory", pert->name);
    memcpy(sp->p, p, (size_t)mrv_perturbation_nparams(pert) * sizeof *p);
    sp->shape = v;
    sp->shape.k = NULL;
    *plan = sp;
    return MRV_OK;
}

void mrv_simple_plan_destroy(void *plan)
{
    free(plan);
}

double mrv_pert_plane_max(const float complex *k, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double a = cabsf(k[i]);
        m = a > m ? a : m;
    }
    return m;
}
