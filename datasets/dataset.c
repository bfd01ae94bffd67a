#include <stdlib.h>
#include <string.h>

#include "datasets/dataset_internal.h"

static const struct mrv_dataset_ops *const kinds[] = {
    &mrv_dataset_phantom_ops,
    NULL,
};

static const struct mrv_dataset_kind *const kind_list[] = {
    &mrv_dataset_phantom_ops.kind,
    NULL,
};

const struct mrv_dataset_kind *const *mrv_dataset_kinds(int *n)
{
    int i = 0;
    while (kind_list[i])
        i++;
    *n = i;
    return kind_list;
}

void mrv_dataset_opts_default(struct mrv_dataset_opts *o)
{
    o->matrix = 320;
    o->ncoils = 8;
}

enum mrv_status mrv_dataset_open(const char *name, const struct mrv_dataset_opts *opts,
                                 struct mrv_dataset **out, struct mrv_error *err)
{
    *out = NULL;
    const struct mrv_dataset_ops *ops = NULL;
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->kind.name, name) == 0)
            ops = kinds[i];
    if (!ops)
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "dataset '%s' is unknown (see `mrvet list datasets`)", name);
    struct mrv_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return mrv_error_set(err, MRV_ENOMEM, "dataset: out of memory");
    ds->ops = ops;
    if (opts)
        ds->opts = *opts;
    else
        mrv_dataset_opts_default(&ds->opts);
    enum mrv_status s = ops->open(ds, err);
    if (s != MRV_OK) {
        free(ds);
        return s;
    }
    *out = ds;
    return MRV_OK;
}

void mrv_dataset_close(struct mrv_dataset *ds)
{
    if (!ds)
        return;
    ds->ops->close(ds->state);
    free(ds);
}

const char *mrv_dataset_name(const struct mrv_dataset *ds)
{
    return ds->ops->kind.name;
}

size_t mrv_dataset_count(const struct mrv_dataset *ds)
{
    return ds->count;
}

const char *mrv_dataset_case_id(const struct mrv_dataset *ds, size_t i)
{
    return i < ds->count ? ds->ops->case_id(ds, i) : NULL;
}

enum mrv_status mrv_dataset_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                 struct mrv_error *err)
{
    if (i >= ds->count)
        return mrv_error_set(err, MRV_EINVAL, "dataset %s: case index %zu, expected < %zu",
                             ds->ops->kind.name, i, ds->count);
    return ds->ops->load(ds, i, c, err);
}
