/* datasets/dataset.h — a test set: an ordered list of cases loaded on demand.
 *
 * Open a dataset by name, ask how many cases it has and their ids, load any
 * case by index. Loading is thread-safe: the run engine loads cases from
 * several threads at once. The built-in `phantom` set needs no files.
 */
#ifndef MRV_DATASETS_DATASET_H
#define MRV_DATASETS_DATASET_H

#include <stddef.h>

#include "core/case.h"

struct mrv_dataset_opts {
    size_t matrix;   /* image side in pixels (phantom: default 320) */
    int ncoils;      /* simulated receive coils (phantom: default 8) */
};

/* Defaults: matrix 320, 8 coils. */
void mrv_dataset_opts_default(struct mrv_dataset_opts *o);

struct mrv_dataset;

struct mrv_dataset_kind {
    const char *name;     /* "phantom" */
    const char *summary;  /* one line for `mrvet list datasets` */
};

/* The dataset kinds this build knows, `*n` receives the count. */
const struct mrv_dataset_kind *const *mrv_dataset_kinds(int *n);

/* Open the built-in or on-disk dataset `name`. MRV_ENOTFOUND for an unknown
 * name, MRV_EINVAL for options out of range (naming the option). */
enum mrv_status mrv_dataset_open(const char *name, const struct mrv_dataset_opts *opts,
                                 struct mrv_dataset **out, struct mrv_error *err);
void mrv_dataset_close(struct mrv_dataset *ds);

const char *mrv_dataset_name(const struct mrv_dataset *ds);
size_t mrv_dataset_count(const struct mrv_dataset *ds);
/* Id of case `i` (< count), stable across runs. */
const char *mrv_dataset_case_id(const struct mrv_dataset *ds, size_t i);

/* Load case `i` into `c` (initialized here; free with mrv_case_free).
 * For reconstruction sets the case holds k-space, coil maps and the RSS
 * reference; see each kind's docs page. Thread-safe. */
enum mrv_status mrv_dataset_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                 struct mrv_error *err);

#endif
