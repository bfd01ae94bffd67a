/* datasets/dataset_internal.h — what a dataset kind implements (private to
 * datasets/). One file per kind, one row in dataset.c's table. */
#ifndef MRV_DATASETS_DATASET_INTERNAL_H
#define MRV_DATASETS_DATASET_INTERNAL_H

#include <pthread.h>

#include "datasets/dataset.h"

struct ds_file {
    char *path;
    char sha[MRV_SHA256_HEX]; /* "" until hashed */
};

struct mrv_dataset {
    const struct mrv_dataset_ops *ops;
    struct mrv_dataset_opts opts; /* path and cache_dir point at copies below */
    char *path, *cache_dir;
    size_t count;
    void *state;
    struct ds_file *files;
    size_t nfiles, capfiles;
    char **bad;
    size_t nbad, capbad;
    pthread_mutex_t lock; /* guards the lazily computed file hashes */
    struct ds_sidecar *sidecar; /* metadata.csv next to the data, or NULL */
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
extern const struct mrv_dataset_ops mrv_dataset_fastmri_ops;
extern const struct mrv_dataset_ops mrv_dataset_cfl_ops;
extern const struct mrv_dataset_ops mrv_dataset_nifti_ops;
extern const struct mrv_dataset_ops mrv_dataset_ismrmrd_ops;
extern const struct mrv_dataset_ops mrv_dataset_colin27_ops;
extern const struct mrv_dataset_ops mrv_dataset_colin27_3d_ops;

/* Record an input file (fingerprinted on request). Returns its index or
 * (size_t)-1 on allocation failure. */
size_t mrv_ds_add_file(struct mrv_dataset *ds, const char *path);

/* A file failed validation with `e`: strict mode returns e->code (the open
 * fails with that message); lenient mode records the message, logs a
 * warning and returns MRV_OK so the caller skips the file. */
enum mrv_status mrv_ds_bad_file(struct mrv_dataset *ds, const struct mrv_error *e,
                                struct mrv_error *err);

/* The dataset's path, or an MRV_EINVAL error naming the kind when unset. */
enum mrv_status mrv_ds_need_path(const struct mrv_dataset *ds, struct mrv_error *err);

/* Sorted list of regular files in `dir` whose names end with one of the
 * NULL-terminated `suffixes` (hidden files skipped). Caller frees with
 * mrv_ds_free_list. MRV_EIO naming the folder when it cannot be read. */
enum mrv_status mrv_ds_list_dir(const char *dir, const char *const *suffixes, char ***out,
                                size_t *n, struct mrv_error *err);
void mrv_ds_free_list(char **list, size_t n);
/* The input files of an on-disk set: when ds->path is a folder, its files
 * with one of `suffixes` (sorted; MRV_EFORMAT naming the folder when there
 * are none: "holds no <suffixes[0]> file, expected <what>"), else ds->path
 * itself. `*list` (n entries) is freed with mrv_ds_free_list. */
enum mrv_status mrv_ds_input_files(const struct mrv_dataset *ds, const char *const *suffixes,
                                   const char *what, char ***list, size_t *n,
                                   struct mrv_error *err);

/* True when `path` is a directory. */
bool mrv_ds_is_dir(const char *path);
bool mrv_ds_has_suffix(const char *s, const char *suffix);

/* Last path component (points into `path`). */
const char *mrv_ds_basename(const char *path);

/* First NaN or Inf in n complex values: its index, or (size_t)-1. */
size_t mrv_ds_find_nonfinite(const float complex *v, size_t n);

#endif
