/* Models: an adapter kind plus settings, and the output checks every kind
 * shares (task contract, expected shape, NaN/Inf). */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"
#include "core/strbuf.h"

static const struct mrv_adapter_kind *const kinds[] = {
    &mrv_adapter_builtin,
    &mrv_adapter_exec,
    &mrv_adapter_plugin,
    &mrv_adapter_bart,
    NULL,
};

struct mrv_model {
    const struct mrv_adapter_kind *kind;
    void *state;
    char name[128];
    pthread_mutex_t lock; /* serializes infer() for non-concurrent kinds */
};

const struct mrv_adapter_kind *const *mrv_adapter_kinds(int *n)
{
    int i = 0;
    while (kinds[i])
        i++;
    *n = i;
    return kinds;
}

const struct mrv_adapter_kind *mrv_adapter_kind_find(const char *name)
{
    for (int i = 0; name && kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

static enum mrv_status check_settings(const struct mrv_adapter_kind *k, const char *model,
                                      const struct mrv_kv *s, int n, struct mrv_error *err)
{
    for (int i = 0; i < n; i++) {
        if (!s[i].key || !s[i].value)
            return mrv_error_set(err, MRV_EINVAL, "model %s: setting %d has no key or value",
                                 model, i);
        bool known = false;
        for (const struct mrv_setting_doc *d = k->settings; d && d->key; d++)
            known = known || strcmp(d->key, s[i].key) == 0 || strcmp(d->key, "*") == 0;
        if (!known) {
            struct mrv_strbuf b;
            mrv_strbuf_init(&b);
            for (const struct mrv_setting_doc *d = k->settings; d && d->key; d++)
                mrv_strbuf_printf(&b, "%s%s", b.len ? ", " : "", d->key);
            mrv_error_set(err, MRV_EINVAL,
                          "model %s: adapter %s has no setting '%s' (expected one of: %s)",
                          model, k->name, s[i].key, b.len ? mrv_strbuf_str(&b) : "none");
            mrv_strbuf_free(&b);
            return MRV_EINVAL;
        }
    }
    return MRV_OK;
}

enum mrv_status mrv_model_create_with(const char *kind, const char *model,
                                      const struct mrv_kv *settings, int nsettings,
                                      struct mrv_model **out, struct mrv_error *err)
{
    *out = NULL;
    const struct mrv_adapter_kind *k = mrv_adapter_kind_find(kind);
    if (!k)
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "adapter kind '%s' is unknown (see `mrvet list adapters`)",
                             kind ? kind : "(null)");
    if (!model || !*model)
        return mrv_error_set(err, MRV_EINVAL, "adapter %s: the model is empty", k->name);
    enum mrv_status s = check_settings(k, model, settings, nsettings, err);
    if (s != MRV_OK)
        return s;
    struct mrv_model *m = calloc(1, sizeof *m);
    if (!m)
        return mrv_error_set(err, MRV_ENOMEM, "adapter: out of memory");
    m->kind = k;
    snprintf(m->name, sizeof m->name, "%s", model);
    pthread_mutex_init(&m->lock, NULL);
    s = k->create(model, settings, nsettings, &m->state, err);
    if (s != MRV_OK) {
        pthread_mutex_destroy(&m->lock);
        free(m);
        return s;
    }
    *out = m;
    return MRV_OK;
}

enum mrv_status mrv_model_create(const char *kind, const char *model,
                                 struct mrv_model **out, struct mrv_error *err)
{
    return mrv_model_create_with(kind, model, NULL, 0, out, err);
}

/* True when no value is NaN or Inf: an IEEE-754 float is one of those
 * exactly when its exponent bits are all ones. Branch-free so the compiler
 * vectorizes it; the slow, informative pass runs only on failure. */
static bool all_finite(const float *v, size_t n)
{
    uint32_t hit = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], sizeof u);
        hit |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    return hit == 0;
}

/* The task contract of docs/adapters.md, checked after every call. */
static enum mrv_status check_output(const struct mrv_model *m, const struct mrv_model_input *in,
                                    struct mrv_array *o, struct mrv_error *err)
{
    char got[96];
    mrv_array_describe(o, got, sizeof got);
    const struct mrv_array *src = in->task == MRV_TASK_RECONSTRUCTION ? in->kspace : in->image;
    size_t slices = src && src->ndim >= 3 ? src->dims[0] : 0;
    const char *want = NULL;
    switch (in->task) {
    case MRV_TASK_RECONSTRUCTION:
    case MRV_TASK_SYNTHESIS:
        if (o->dtype != MRV_F32 || o->ndim != 3 || (slices && o->dims[0] != slices))
            want = "(slices, y, x) f32 with the input's slices";
        break;
    case MRV_TASK_SEGMENTATION:
        if (!((o->dtype == MRV_F32 && o->ndim == 4 && o->dims[0] >= 2 &&
               (!slices || o->dims[1] == slices)) ||
              (o->dtype == MRV_U8 && o->ndim == 3 && (!slices || o->dims[0] == slices))))
            want = "probabilities (classes >= 2, slices, y, x) f32 or labels (slices, y, x) u8";
        break;
    case MRV_TASK_CLASSIFICATION:
        if (o->dtype != MRV_F32 || o->ndim != 1 || o->dims[0] < 2)
            want = "probabilities (classes >= 2) f32";
        break;
    }
    if (want)
        return mrv_error_set(err, MRV_EMODEL, "model %s: output %s, expected %s for %s",
                             m->name, got, want, mrv_task_name(in->task));
    /* An image larger than the k-space grid the model was given cannot be
     * its image (e.g. a model answering on the clean grid after a
     * perturbation shrank the matrix): it is not cropped, so it fails. */
    const struct mrv_array *k = in->task == MRV_TASK_RECONSTRUCTION ? in->kspace : NULL;
    bool within = !k || k->ndim < 3 ||
                  (o->ndim == 3 && o->dims[1] <= k->dims[k->ndim - 2] &&
                   o->dims[2] <= k->dims[k->ndim - 1]);
    if (in->out_ndim == 3 && o->ndim == 3 && o->dtype == MRV_F32 && within &&
        o->dims[0] == in->out_dims[0] && o->dims[1] >= in->out_dims[1] &&
        o->dims[2] >= in->out_dims[2]) {
        /* A larger image (a 640 x 368 k-space's image for a 320 x 320
         * reference) is centre-cropped, as fastMRI's center_crop. */
        enum mrv_status s = mrv_ad_center_crop(o, in->out_dims[1], in->out_dims[2], err);
        if (s != MRV_OK)
            return s;
    }
    if (in->out_ndim > 0) {
        bool same = in->out_ndim == o->ndim;
        for (int d = 0; same && d < o->ndim; d++)
            same = in->out_dims[d] == o->dims[d];
        if (!same) {
            struct mrv_array like = {.dtype = o->dtype, .ndim = in->out_ndim};
            memcpy(like.dims, in->out_dims, sizeof like.dims);
            char exp[96];
            mrv_array_describe(&like, exp, sizeof exp);
            return mrv_error_set(err, MRV_EMODEL, "model %s: output %s, expected %s", m->name,
                                 got, exp);
        }
    }
    if (o->dtype == MRV_F32 && !all_finite(o->data, mrv_array_count(o))) {
        const float *v = o->data;
        size_t n = mrv_array_count(o), bad = 0, first = 0;
        for (size_t i = 0; i < n; i++)
            if (!isfinite(v[i]) && bad++ == 0)
                first = i;
        if (bad)
            return mrv_error_set(err, MRV_EMODEL,
                                 "model %s: output has %zu NaN/Inf value(s) of %zu (first at "
                                 "flat index %zu: %g)", m->name, bad, n, first, (double)v[first]);
    }
    return MRV_OK;
}

enum mrv_status mrv_model_infer(struct mrv_model *m, const struct mrv_model_input *in,
                                struct mrv_array *output, struct mrv_error *err)
{
    *output = (struct mrv_array){0};
    enum mrv_status s;
    if (m->kind->concurrent ||
        (m->kind->instance_concurrent && m->kind->instance_concurrent(m->state))) {
        s = m->kind->infer(m->state, in, output, err);
    } else {
        pthread_mutex_lock(&m->lock);
        s = m->kind->infer(m->state, in, output, err);
        pthread_mutex_unlock(&m->lock);
    }
    if (s == MRV_OK)
        s = check_output(m, in, output, err);
    if (s != MRV_OK)
        mrv_array_free(output);
    return s;
}

void mrv_model_destroy(struct mrv_model *m)
{
    if (!m)
        return;
    m->kind->destroy(m->state);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void mrv_model_get_stats(const struct mrv_model *m, struct mrv_model_stats *st)
{
    *st = (struct mrv_model_stats){.last_seconds = -1};
    if (m->kind->stats)
        m->kind->stats(m->state, st);
}

const char *mrv_model_kind(const struct mrv_model *m)
{
    return m->kind->name;
}

const char *mrv_model_name(const struct mrv_model *m)
{
    return m->name;
}
