/* The builtin adapter: reference models that ship with mrvet, so a study
 * runs with no model at hand. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"
#include "core/fft.h"

static const struct mrv_builtin_model builtin_models[] = {
    {"zero_filled", "inverse FFT of the masked k-space, root-sum-of-squares over coils",
     MRV_TASK_RECONSTRUCTION},
};

const struct mrv_builtin_model *mrv_builtin_models(int *n)
{
    *n = (int)(sizeof builtin_models / sizeof builtin_models[0]);
    return builtin_models;
}

/* FFT plans are made once per image shape and kept for the process, so
 * inference never plans in the hot path. */
#define PLAN_CACHE 8
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    size_t ny, nx;
    struct mrv_fft *fft;
} plan_cache[PLAN_CACHE];

static enum mrv_status plan_for(size_t ny, size_t nx, const struct mrv_fft **out,
                                struct mrv_error *err)
{
    enum mrv_status s = MRV_OK;
    pthread_mutex_lock(&cache_lock);
    int i;
    for (i = 0; i < PLAN_CACHE && plan_cache[i].fft; i++)
        if (plan_cache[i].ny == ny && plan_cache[i].nx == nx)
            break;
    if (i == PLAN_CACHE) {
        s = mrv_error_set(err, MRV_EINTERNAL, "zero_filled: more than %d image shapes",
                          PLAN_CACHE);
    } else if (!plan_cache[i].fft) {
        size_t shape[2] = {ny, nx};
        s = mrv_fft_plan_create(2, shape, &plan_cache[i].fft, err);
        plan_cache[i].ny = ny;
        plan_cache[i].nx = nx;
    }
    if (s == MRV_OK)
        *out = plan_cache[i].fft;
    pthread_mutex_unlock(&cache_lock);
    return s;
}

enum mrv_status mrv_recon_zero_filled(const struct mrv_array *kspace, struct mrv_array *out,
                                      struct mrv_error *err)
{
    if (kspace->dtype != MRV_C64 || kspace->ndim != 4)
        return mrv_error_set(err, MRV_EINVAL,
                             "zero_filled: k-space must be (slices, coils, ky, kx) c64, "
                             "got rank %d %s", kspace->ndim, mrv_dtype_name(kspace->dtype));
    size_t ns = kspace->dims[0], nc = kspace->dims[1];
    size_t ny = kspace->dims[2], nx = kspace->dims[3], npix = ny * nx;
    const struct mrv_fft *fft;
    enum mrv_status s = plan_for(ny, nx, &fft, err);
    if (s != MRV_OK)
        return s;
    size_t odims[3] = {ns, ny, nx};
    if ((s = mrv_array_alloc(out, MRV_F32, 3, odims, err)) != MRV_OK)
        return s;
    float complex *coil = malloc(npix * sizeof *coil);
    double *ss = malloc(npix * sizeof *ss);
    if (!coil || !ss) {
        free(coil);
        free(ss);
        mrv_array_free(out);
        return mrv_error_set(err, MRV_ENOMEM, "zero_filled: out of memory");
    }
    const float complex *k = kspace->data;
    float *img = out->data;
    for (size_t sl = 0; sl < ns; sl++) {
        memset(ss, 0, npix * sizeof *ss);
        for (size_t c = 0; c < nc; c++) {
            memcpy(coil, k + (sl * nc + c) * npix, npix * sizeof *coil);
            mrv_fft_inverse(fft, coil, 1);
            for (size_t p = 0; p < npix; p++)
                ss[p] += (double)crealf(coil[p]) * crealf(coil[p]) +
                         (double)cimagf(coil[p]) * cimagf(coil[p]);
        }
        for (size_t p = 0; p < npix; p++)
            img[sl * npix + p] = (float)sqrt(ss[p]);
    }
    free(coil);
    free(ss);
    return MRV_OK;
}

static enum mrv_status builtin_create(const char *model, void **state, struct mrv_error *err)
{
    int n;
    const struct mrv_builtin_model *list = mrv_builtin_models(&n);
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].name, model) == 0) {
            *state = (void *)&list[i];
            return MRV_OK;
        }
    return mrv_error_set(err, MRV_ENOTFOUND,
                         "adapter builtin: no model '%s' (see `mrvet list adapters`)", model);
}

static enum mrv_status builtin_infer(void *state, const struct mrv_model_input *in,
                                     struct mrv_array *output, struct mrv_error *err)
{
    const struct mrv_builtin_model *m = state;
    if (in->task != m->task || !in->kspace)
        return mrv_error_set(err, MRV_EINVAL, "builtin %s: expects a %s input", m->name,
                             mrv_task_name(m->task));
    return mrv_recon_zero_filled(in->kspace, output, err);
}

static void builtin_destroy(void *state)
{
    (void)state; /* points into a static table */
}

const struct mrv_adapter_kind mrv_adapter_builtin = {
    .name = "builtin",
    .summary = "reference models shipped with mrvet (zero-filled reconstruction)",
    .create = builtin_create,
    .infer = builtin_infer,
    .destroy = builtin_destroy,
    .concurrent = true,
};
