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
    {"cg_sense", "CG-SENSE (Pruessmann 2001) with the case's coil maps, or maps estimated "
                 "from the calibration centre", MRV_TASK_RECONSTRUCTION},
    {"otsu_segmenter", "Otsu threshold + largest component + hole filling, as 2-class "
                       "probabilities", MRV_TASK_SEGMENTATION},
    {"intensity_classifier", "2-class probabilities from the mean intensity of the Otsu "
                             "foreground (a baseline)", MRV_TASK_CLASSIFICATION},
};

const struct mrv_builtin_model *mrv_builtin_models(int *n)
{
    *n = (int)(sizeof builtin_models / sizeof builtin_models[0]);
    return builtin_models;
}

/* FFT plans are made once per image shape and kept for the process, so
 * inference never plans in the hot path. */
#define PLAN_CACHE 16
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    size_t ny, nx;
    struct mrv_fft *fft;
} plan_cache[PLAN_CACHE];

enum mrv_status mrv_ad_fft_plan(size_t ny, size_t nx, const struct mrv_fft **out,
                                struct mrv_error *err)
{
    enum mrv_status s = MRV_OK;
    pthread_mutex_lock(&cache_lock);
    int i;
    for (i = 0; i < PLAN_CACHE && plan_cache[i].fft; i++)
        if (plan_cache[i].ny == ny && plan_cache[i].nx == nx)
            break;
    if (i == PLAN_CACHE) {
        s = mrv_error_set(err, MRV_EINTERNAL, "builtin models: more than %d image shapes",
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
    enum mrv_status s = mrv_ad_fft_plan(ny, nx, &fft, err);
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

struct builtin {
    const struct mrv_builtin_model *m;
    double iters, tol;     /* cg_sense */
    int maps;              /* cg_sense: 0 auto, 1 given, 2 estimate */
    double thr, scale;     /* intensity_classifier */
};

static const struct mrv_setting_doc builtin_settings[] = {
    {"iterations", "50", "cg_sense: at most this many conjugate-gradient iterations"},
    {"tolerance", "1e-6", "cg_sense: stop when the residual norm falls below this fraction"},
    {"maps", "auto", "cg_sense: given (the case's), estimate (from the calibration centre), "
                     "auto (given if the input has them)"},
    {"threshold", "0.5", "intensity_classifier: foreground mean at which p(class 1) = 0.5"},
    {"scale", "0.05", "intensity_classifier: logistic width, in intensity units"},
    {NULL, NULL, NULL},
};

static enum mrv_status builtin_create(const char *model, const struct mrv_kv *set, int nset,
                                      void **state, struct mrv_error *err)
{
    int n;
    const struct mrv_builtin_model *list = mrv_builtin_models(&n);
    const struct mrv_builtin_model *found = NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].name, model) == 0)
            found = &list[i];
    if (!found)
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "adapter builtin: no model '%s' (see `mrvet list adapters`)", model);
    struct builtin *b = calloc(1, sizeof *b);
    if (!b)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    b->m = found;
    enum mrv_status s = mrv_ad_setting_double(set, nset, "iterations", 50, 1, 10000, model,
                                              &b->iters, err);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "tolerance", 1e-6, 0, 1, model, &b->tol, err);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "threshold", 0.5, -1e30, 1e30, model, &b->thr, err);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "scale", 0.05, 1e-30, 1e30, model, &b->scale, err);
    const char *maps = mrv_ad_setting(set, nset, "maps", "auto");
    if (s == MRV_OK) {
        if (strcmp(maps, "auto") == 0)
            b->maps = 0;
        else if (strcmp(maps, "given") == 0)
            b->maps = 1;
        else if (strcmp(maps, "estimate") == 0)
            b->maps = 2;
        else
            s = mrv_error_set(err, MRV_EINVAL, "model %s: setting maps = '%s', expected auto, "
                              "given or estimate", model, maps);
    }
    if (s != MRV_OK) {
        free(b);
        return s;
    }
    *state = b;
    return MRV_OK;
}

static enum mrv_status cg_sense(const struct builtin *b, const struct mrv_model_input *in,
                                struct mrv_array *output, struct mrv_error *err)
{
    enum mrv_status s = mrv_ad_check_recon_input(b->m->name, in, err);
    if (s != MRV_OK)
        return s;
    const struct mrv_array *k = in->kspace;
    bool have = in->coil_maps && in->coil_maps->ndim == 4 && in->coil_maps->dims[2] ==
                k->dims[2] && in->coil_maps->dims[3] == k->dims[3];
    struct mrv_array est = {0};
    const struct mrv_array *maps = in->coil_maps;
    if (b->maps == 1 && !have)
        return mrv_error_set(err, MRV_EINVAL, "model cg_sense: maps = given, but the input has "
                             "no coil maps of the k-space's size");
    if (b->maps == 2 || (b->maps == 0 && !have)) {
        if ((s = mrv_coil_maps_estimate(k, in->mask, &est, err)) != MRV_OK)
            return s;
        maps = &est;
    }
    s = mrv_recon_cg_sense(k, in->mask, maps, (int)b->iters, b->tol, output, err);
    mrv_array_free(&est);
    return s;
}

/* Baseline classifier: p(class 1) = logistic((mean of the Otsu foreground
 * - threshold) / scale); class 0 gets the rest. */
static enum mrv_status classify(const struct builtin *b, const struct mrv_model_input *in,
                                struct mrv_array *output, struct mrv_error *err)
{
    struct mrv_array lab = {0};
    enum mrv_status s = mrv_segment_otsu(in->image, &lab, NULL, NULL, err);
    if (s != MRV_OK)
        return s;
    const float *v = in->image->data;
    const uint8_t *m = lab.data;
    double sum = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < mrv_array_count(&lab); i++)
        if (m[i]) {
            sum += v[i];
            cnt++;
        }
    mrv_array_free(&lab);
    double mean = cnt ? sum / (double)cnt : 0;
    if ((s = mrv_array_alloc(output, MRV_F32, 1, (size_t[]){2}, err)) != MRV_OK)
        return s;
    double p1 = 1 / (1 + exp(-(mean - b->thr) / b->scale));
    float *o = output->data;
    o[0] = (float)(1 - p1);
    o[1] = (float)p1;
    return MRV_OK;
}

static enum mrv_status builtin_infer(void *state, const struct mrv_model_input *in,
                                     struct mrv_array *output, struct mrv_error *err)
{
    const struct builtin *b = state;
    const struct mrv_builtin_model *m = b->m;
    bool image_task = m->task != MRV_TASK_RECONSTRUCTION;
    if (in->task != m->task || (image_task ? !in->image : !in->kspace))
        return mrv_error_set(err, MRV_EINVAL, "builtin %s: expects a %s input", m->name,
                             mrv_task_name(m->task));
    if (strcmp(m->name, "cg_sense") == 0)
        return cg_sense(b, in, output, err);
    if (strcmp(m->name, "otsu_segmenter") == 0)
        return mrv_segment_otsu(in->image, NULL, output, NULL, err);
    if (strcmp(m->name, "intensity_classifier") == 0)
        return classify(b, in, output, err);
    enum mrv_status s = mrv_recon_zero_filled(in->kspace, output, err);
    return s;
}

static void builtin_destroy(void *state)
{
    free(state);
}

const struct mrv_adapter_kind mrv_adapter_builtin = {
    .name = "builtin",
    .summary = "reference models shipped with mrvet (zero-filled, CG-SENSE, Otsu segmenter, "
               "intensity classifier)",
    .create = builtin_create,
    .infer = builtin_infer,
    .destroy = builtin_destroy,
    .concurrent = true,
    .settings = builtin_settings,
};
