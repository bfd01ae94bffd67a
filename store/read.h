/* store/read.h — bulk reads for reports and the evidence bundle.
 *
 * store.h's mrv_store_summary gives mean ± SD per cell; the robustness
 * report needs more: every scored number with its case (bootstrap over
 * cases, paired between models), case metadata (subgroups), provenance and
 * artifacts (bundle, image panels), and a consistent copy of the file.
 *
 * Same conventions as store.h: the handle may be read-only, strings are
 * copied into memory the caller frees with the matching _free(), NULL
 * columns read as "" (or NaN for values), errors name the store path.
 * A handle is used by one thread at a time.
 */
#ifndef MRV_STORE_READ_H
#define MRV_STORE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "store/store.h"

/* What a stored value is; SQLite keeps NaN as NULL (with a reason). */
enum mrv_value_kind {
    MRV_VALUE_FINITE = 0,
    MRV_VALUE_NULL = 1,   /* undefined: value is NaN, the row has a null_reason */
    MRV_VALUE_POSINF = 2,
    MRV_VALUE_NEGINF = 3
};

/* One row of `results` joined with its perturbation. Names are interned:
 * `family` and `metric` index mrv_read_results.families / .metrics. */
struct mrv_read_value {
    int64_t run_id;
    int64_t case_id;
    int64_t perturbation_id;
    int32_t family;
    int32_t severity;
    int32_t repeat;
    int32_t metric;
    double value;      /* NaN when kind is MRV_VALUE_NULL */
    int32_t kind;      /* enum mrv_value_kind */
};

struct mrv_read_results {
    char **families;   /* distinct family names, in order of first appearance */
    size_t nfamilies;
    char **metrics;    /* distinct metric names, in order of first appearance */
    size_t nmetrics;
    struct mrv_read_value *v;
    size_t n;
};

/* Every result row, in row-id order (the order rows were written). Empty
 * stores give n == 0. MRV_ENOMEM, MRV_ESTORE. `out` is zeroed first, and
 * is left empty (nothing to free) on error. */
enum mrv_status mrv_store_read_results(struct mrv_store *s, struct mrv_read_results *out,
                                       struct mrv_error *err);
void mrv_store_read_results_free(struct mrv_read_results *r);

/* One case, with its metadata flattened to key/value text pairs (top-level
 * keys of the metadata JSON object; numbers as SQLite prints them, nested
 * values as JSON text). */
struct mrv_read_case {
    int64_t id;
    char *dataset;
    char *case_key;
    char *sha256;      /* "" when not recorded */
    size_t nmeta;
    char **meta_keys;
    char **meta_values;
};

/* All cases, by id. `*rows` (with every string) is freed by
 * mrv_store_read_cases_free(rows, n). */
enum mrv_status mrv_store_read_cases(struct mrv_store *s, struct mrv_read_case **rows,
                                     size_t *n, struct mrv_error *err);
void mrv_store_read_cases_free(struct mrv_read_case *rows, size_t n);

/* provenance and artifacts rows; strings owned by the row array. */
struct mrv_read_provenance {
    int64_t run_id;
    char *kind, *name, *sha256, *detail;
};
struct mrv_read_artifact {
    int64_t run_id;
    int64_t case_id;         /* 0 when the artifact belongs to the whole run */
    int64_t perturbation_id; /* 0 likewise */
    char *kind, *path, *sha256;
};

/* All provenance rows, by (run, kind, name). */
enum mrv_status mrv_store_read_provenance(struct mrv_store *s,
                                          struct mrv_read_provenance **rows, size_t *n,
                                          struct mrv_error *err);
void mrv_store_read_provenance_free(struct mrv_read_provenance *rows, size_t n);

/* All artifact rows, by id. */
enum mrv_status mrv_store_read_artifacts(struct mrv_store *s, struct mrv_read_artifact **rows,
                                         size_t *n, struct mrv_error *err);
void mrv_store_read_artifacts_free(struct mrv_read_artifact *rows, size_t n);

/* What each (family, severity) means: the scalar top-level parameters of
 * its first stored instance (lowest perturbation id), e.g. "snr = 40,
 * sigma = 0.00736" (numbers to 4 significant digits; nested objects such
 * as the undersampling left out). Drawn values may vary per case; this is
 * one instance, to read the severity axis by. Ordered by family (the clean
 * "none" first), severity.
 * Freed with mrv_store_read_severities_free. */
struct mrv_read_severity {
    char *family;
    int severity;
    char *params;
};
enum mrv_status mrv_store_read_severities(struct mrv_store *s, struct mrv_read_severity **rows,
                                          size_t *n, struct mrv_error *err);
void mrv_store_read_severities_free(struct mrv_read_severity *rows, size_t n);

/* The stored configuration of run `run_id`: `*config_json` (malloc'd, "{}"
 * when empty) and `sha256` ("" when not recorded). MRV_ENOTFOUND when no
 * such run. */
enum mrv_status mrv_store_read_run_config(struct mrv_store *s, int64_t run_id,
                                          char **config_json, char sha256[65],
                                          struct mrv_error *err);

/* Write a consistent, compact copy of the whole store to `path` (SQLite's
 * VACUUM INTO: includes what is still in the -wal file, works on a
 * read-only handle). `path` must not exist (MRV_EIO otherwise, naming it). */
enum mrv_status mrv_store_copy_to(struct mrv_store *s, const char *path,
                                  struct mrv_error *err);

#endif
