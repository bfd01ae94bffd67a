#include "core/case.h"

#include <string.h>

void mrv_case_init(struct mrv_case *c)
{
    memset(c, 0, sizeof *c);
}

void mrv_case_free(struct mrv_case *c)
{
    if (!c)
        return;
    mrv_array_free(&c->reference);
    mrv_array_free(&c->kspace);
    mrv_array_free(&c->mask);
    mrv_array_free(&c->coil_maps);
    mrv_array_free(&c->labels);
    mrv_case_init(c);
}

enum mrv_status mrv_case_set_meta(struct mrv_case *c, const char *key,
                                  const char *value, struct mrv_error *err)
{
    if (strlen(key) >= MRV_META_KEY_MAX || strlen(value) >= MRV_META_VAL_MAX)
        return mrv_error_set(err, MRV_EINVAL,
                             "case %s: metadata '%s' too long (key < %d, value < %d bytes)",
                             c->id, key, MRV_META_KEY_MAX, MRV_META_VAL_MAX);
    int i;
    for (i = 0; i < c->nmeta; i++)
        if (strcmp(c->meta[i].key, key) == 0)
            break;
    if (i == MRV_META_MAX)
        return mrv_error_set(err, MRV_EINVAL,
                             "case %s: more than %d metadata keys", c->id, MRV_META_MAX);
    strncpy(c->meta[i].key, key, MRV_META_KEY_MAX - 1);
    strncpy(c->meta[i].value, value, MRV_META_VAL_MAX - 1);
    if (i == c->nmeta)
        c->nmeta++;
    return MRV_OK;
}

const char *mrv_case_get_meta(const struct mrv_case *c, const char *key)
{
    for (int i = 0; i < c->nmeta; i++)
        if (strcmp(c->meta[i].key, key) == 0)
            return c->meta[i].value;
    return NULL;
}

const char *mrv_task_name(enum mrv_task t)
{
    switch (t) {
    case MRV_TASK_RECONSTRUCTION: return "reconstruction";
    case MRV_TASK_SYNTHESIS: return "synthesis";
    case MRV_TASK_SEGMENTATION: return "segmentation";
    case MRV_TASK_CLASSIFICATION: return "classification";
    }
    return "unknown";
}
