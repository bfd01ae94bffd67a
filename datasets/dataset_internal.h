/* datasets/dataset_internal.h — what a dataset kind implements (private to
 * datasets/). One file per kind, one row in dataset.c's table. */
#ifndef MRV_DATASETS_DATASET_INTERNAL_H
#define MRV_DATASETS_DATASET_INTERNAL_H

#include "datasets/dataset.h"

struct mrv_dataset {
    const struct mrv_dataset_ops *ops;
    struct mrv_dataset_opts opts;
    size_t count;
    void *state;
};

struct mrv_dataset_ops {
    struct mrv_dataset_kind kind;
    /* fill ds->state and ds->count */
    enum mrv_status (*open)(struct mrv_dataset *ds, struct mrv_error *err);
    void (*close)(void *state);
    const char *(*case_id)(const struct mrv_dataset *ds, size_t i);
    enum mrv_status (*load)(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                            struct mrv_error *err);
};

extern const struct mrv_dataset_ops mrv_dataset_phantom_ops;

#endif
