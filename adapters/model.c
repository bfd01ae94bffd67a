#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"

static const struct mrv_adapter_kind *const kinds[] = {
    &mrv_adapter_builtin,
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

enum mrv_status mrv_model_create(const char *kind, const char *model,
                                 struct mrv_model **out, struct mrv_error *err)
{
    *out = NULL;
    const struct mrv_adapter_kind *k = NULL;
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, kind) == 0)
            k = kinds[i];
    if (!k)
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "adapter kind '%s' is unknown (see `mrvet list adapters`)", kind);
    struct mrv_model *m = calloc(1, sizeof *m);
    if (!m)
        return mrv_error_set(err, MRV_ENOMEM, "adapter: out of memory");
    m->kind = k;
    snprintf(m->name, sizeof m->name, "%s", model);
    pthread_mutex_init(&m->lock, NULL);
    enum mrv_status s = k->create(model, &m->state, err);
    if (s != MRV_OK) {
        pthread_mutex_destroy(&m->lock);
        free(m);
        return s;
    }
    *out = m;
    return MRV_OK;
}

enum mrv_status mrv_model_infer(struct mrv_model *m, const struct mrv_model_input *in,
                                struct mrv_array *output, struct mrv_error *err)
{
    if (m->kind->concurrent)
        return m->kind->infer(m->state, in, output, err);
    pthread_mutex_lock(&m->lock);
    enum mrv_status s = m->kind->infer(m->state, in, output, err);
    pthread_mutex_unlock(&m->lock);
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

const char *mrv_model_kind(const struct mrv_model *m)
{
    return m->kind->name;
}

const char *mrv_model_name(const struct mrv_model *m)
{
    return m->name;
}
