/* core/case.h — one test case: what a dataset yields and a model is judged on.
 *
 * A case owns its arrays (each may be empty: ndim == 0). The reference is
 * what outputs are scored against; for reconstruction it is the root-sum-of-
 * squares of the fully sampled clean coil images, as in fastMRI.
 * Metadata is a short list of key/value strings (anatomy, contrast,
 * field strength, vendor, site, ...) used for subgroup analysis.
 */
#ifndef MRV_CORE_CASE_H
#define MRV_CORE_CASE_H

#include "core/array.h"

enum mrv_task {
    MRV_TASK_RECONSTRUCTION = 1,
    MRV_TASK_SYNTHESIS = 2,
    MRV_TASK_SEGMENTATION = 3,
    MRV_TASK_CLASSIFICATION = 4
};

#define MRV_CASE_ID_MAX 128
#define MRV_META_MAX 32
#define MRV_META_KEY_MAX 32
#define MRV_META_VAL_MAX 128

struct mrv_meta {
    char key[MRV_META_KEY_MAX];
    char value[MRV_META_VAL_MAX];
};

struct mrv_case {
    char id[MRV_CASE_ID_MAX];      /* unique within its dataset */
    enum mrv_task task;
    struct mrv_array reference;    /* (slices, y, x) f32 */
    struct mrv_array kspace;       /* (slices, coils, ky, kx) c64, may be empty */
    struct mrv_array mask;         /* (kx) u8, 1 = sampled, may be empty */
    struct mrv_array coil_maps;    /* (slices, coils, y, x) c64, may be empty */
    struct mrv_array labels;       /* (slices, y, x) u8, may be empty */
    double spacing[3];             /* (dz, dy, dx) in millimetres */
    int nmeta;
    struct mrv_meta meta[MRV_META_MAX];
};

/* Zero a case (all arrays empty, no metadata). */
void mrv_case_init(struct mrv_case *c);

/* Free every owned array of the case and zero it. NULL is a no-op. */
void mrv_case_free(struct mrv_case *c);

/* Set (or replace) a metadata key. Keys and values longer than the limits
 * are refused with MRV_EINVAL; more than MRV_META_MAX keys too. */
enum mrv_status mrv_case_set_meta(struct mrv_case *c, const char *key,
                                  const char *value, struct mrv_error *err);

/* The value of `key`, or NULL. */
const char *mrv_case_get_meta(const struct mrv_case *c, const char *key);

/* Name of a task ("reconstruction", ...), "unknown" otherwise. */
const char *mrv_task_name(enum mrv_task t);

#endif
