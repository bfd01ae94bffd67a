/* store/store.h — the SQLite store: every number, with where it came from.
 *
 * One file per study. WAL journal, foreign keys on, schema versioned with
 * PRAGMA user_version and migrated forward on open. Every statement binds
 * its parameters; no SQL is ever built from values. Tables (docs/db-schema.md):
 *
 *   runs          one per (study, model) execution: config, versions, host, times, status
 *   cases         one per (dataset, case key): fingerprint, metadata JSON
 *   perturbations one per (case, family, severity, repeat, seed): drawn params JSON
 *   results       one per (run, case, perturbation, metric): value REAL, null_reason
 *   artifacts     optional saved outputs
 *   provenance    SHA-256 of inputs, model, config, per run
 *
 * A store handle is used by one thread at a time (the run engine funnels
 * writes through one writer); separate handles, in threads or processes,
 * may share a file (WAL; a writer waits up to 5 s for another's lock).
 *
 * Errors name the database path, say what was being done and quote SQLite:
 *   MRV_EINVAL   a value the store refuses: empty name, seed >= 2^63, NaN
 *                without a reason, invalid JSON, a SHA-256 that is not 64
 *                lowercase hex digits, an id that does not exist (foreign
 *                key), or any other constraint of the schema;
 *   MRV_EMISUSE  NULL arguments, writes on a read-only handle, commit
 *                without begin, begin inside a transaction;
 *   MRV_EFORMAT  the file is not an mrvet store (see mrv_store_open);
 *   MRV_ESTORE   everything else SQLite refused (disk full, lock timeout).
 * Strings are borrowed for the duration of the call. Names longer than the
 * mrv_*_row fields below are truncated on read (at a UTF-8 boundary).
 */
#ifndef MRV_STORE_STORE_H
#define MRV_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define MRV_STORE_SCHEMA_VERSION 2

struct mrv_store;

/* Open (creating if needed) the store at `path` and bring its schema to
 * MRV_STORE_SCHEMA_VERSION (journal mode WAL, foreign keys on). A file that
 * is not SQLite, an SQLite database of another application (tables but no
 * mrvet schema, or a foreign application_id), or a schema newer than this
 * mrvet knows is refused with MRV_EFORMAT naming the path, and left
 * untouched. MRV_EIO when the file cannot be opened or created. */
enum mrv_status mrv_store_open(const char *path, struct mrv_store **out,
                               struct mrv_error *err);
/* Open an existing store read-only (reports): no migration, so the schema
 * must be exactly MRV_STORE_SCHEMA_VERSION (MRV_EFORMAT otherwise, as for
 * mrv_store_open). MRV_ENOTFOUND if the file does not exist. Writes on the
 * handle fail with MRV_EMISUSE. Opened with SQLITE_OPEN_READONLY, it reads
 * a store another process is writing (WAL), but cannot remove the empty
 * -wal/-shm files SQLite may create beside it. */
enum mrv_status mrv_store_open_readonly(const char *path, struct mrv_store **out,
                                        struct mrv_error *err);
/* Close; NULL is a no-op. An open transaction is rolled back. */
void mrv_store_close(struct mrv_store *s);

/* Explicit transactions: the engine writes one batch of results per
 * transaction (BEGIN IMMEDIATE: the write lock is taken at begin, so a
 * commit never fails for a lock another writer took meanwhile). Without
 * one, each write commits by itself. Not nestable (MRV_EMISUSE). A failed
 * commit leaves the transaction open to retry or roll back. Rollback
 * without a transaction is a no-op. */
enum mrv_status mrv_store_begin(struct mrv_store *s, struct mrv_error *err);
enum mrv_status mrv_store_commit(struct mrv_store *s, struct mrv_error *err);
void mrv_store_rollback(struct mrv_store *s);

struct mrv_run_info {
    const char *study;            /* study name */
    const char *model;            /* model name */
    const char *model_version;    /* version label, may be NULL */
    const char *adapter;          /* adapter kind: "builtin", "exec", ... */
    const char *config_json;      /* the resolved study configuration */
    const char *config_sha256;    /* hex SHA-256 of the study file/config */
    const char *software_version; /* mrv_version() */
    const char *git_commit;       /* mrv_git_commit() */
    const char *host;             /* hostname */
    uint64_t seed;                /* study seed (< 2^63) */
};

/* Insert a run with status "running", start time now (UTC, ISO 8601 with
 * milliseconds, "2024-05-01T12:34:56.789Z") and a fresh random UUID.
 * `study` and `model` are required; other strings may be NULL (stored NULL;
 * config_json NULL -> "{}"). */
enum mrv_status mrv_store_run_begin(struct mrv_store *s, const struct mrv_run_info *info,
                                    int64_t *run_id, struct mrv_error *err);
/* Set end time now and status ("completed", "failed", "interrupted"; any
 * other status is MRV_EINVAL). MRV_ENOTFOUND if no run has that id. */
enum mrv_status mrv_store_run_end(struct mrv_store *s, int64_t run_id,
                                  const char *status, struct mrv_error *err);

/* Insert the case or return the id of the existing (dataset, case_key) row.
 * `sha256` (lowercase hex, may be NULL) fingerprints the case's data; an
 * existing row with a different fingerprint is MRV_EINVAL, because the
 * dataset changed since the store was written. `metadata_json` is a JSON
 * object (may be NULL -> "{}"); an existing row keeps its metadata. */
enum mrv_status mrv_store_case(struct mrv_store *s, const char *dataset,
                               const char *case_key, const char *sha256,
                               const char *metadata_json, int64_t *case_id,
                               struct mrv_error *err);

/* Insert the perturbation instance or return the existing row's id for the
 * same (case, family, severity, repeat, seed). `params_json` holds the
 * parameters actually drawn (NULL -> "{}"; an existing row keeps its own).
 * Severity 0 with family "none" is the clean input. `family` is at most 63
 * bytes (it must fit mrv_summary_row); severity, repeat >= 0; seed < 2^63. */
enum mrv_status mrv_store_perturbation(struct mrv_store *s, int64_t case_id,
                                       const char *family, int severity, int repeat,
                                       uint64_t seed, const char *params_json,
                                       int64_t *perturbation_id, struct mrv_error *err);

/* Store one scored number. A NaN value is stored as NULL and then needs a
 * non-empty `null_reason` (MRV_EINVAL otherwise); +/-inf are stored as is
 * (SQLite REAL infinities). `null_reason` is ignored for any other value,
 * so a row has a value or a reason, never both. `metric` is at most 63
 * bytes. Replaces an existing row for the same (run, case, perturbation,
 * metric), which makes a resumed run's rewrites harmless. */
enum mrv_status mrv_store_result(struct mrv_store *s, int64_t run_id, int64_t case_id,
                                 int64_t perturbation_id, const char *metric,
                                 double value, const char *null_reason,
                                 struct mrv_error *err);

/* Record a fingerprint: kind is "dataset", "case", "model", "config",
 * "software"; `name` says which (a path, a case key); `sha256` lowercase
 * hex or NULL; `detail` free text or NULL. One row per (run, kind, name):
 * recording the same again replaces sha256 and detail. */
enum mrv_status mrv_store_provenance(struct mrv_store *s, int64_t run_id,
                                     const char *kind, const char *name,
                                     const char *sha256, const char *detail,
                                     struct mrv_error *err);

/* Record a saved output (image, probability map, log): `kind` says what it
 * is ("output", "panel", ...), `path` where it is, relative to the store's
 * folder when possible. `case_id` / `perturbation_id` <= 0 when the
 * artifact belongs to the whole run. One row per (run, kind, path):
 * recording the same again replaces the rest. */
enum mrv_status mrv_store_artifact(struct mrv_store *s, int64_t run_id, int64_t case_id,
                                   int64_t perturbation_id, const char *kind,
                                   const char *path, const char *sha256,
                                   struct mrv_error *err);

/* ---- reads for reports --------------------------------------------------- */

struct mrv_run_row {
    int64_t id;
    char study[128];
    char model[128];
    char model_version[64];
    char software_version[32];
    char git_commit[64];
    char host[128];
    char started_at[32];
    char ended_at[32];
    char status[16];
    uint64_t seed;
};

/* All runs, by id. NULL columns read as "". `*rows` is malloc'd (free());
 * `*n` may be 0 (then `*rows` is NULL). */
enum mrv_status mrv_store_runs(struct mrv_store *s, struct mrv_run_row **rows,
                               size_t *n, struct mrv_error *err);

/* Aggregate of one (run, family, severity, metric) cell. Mean and sample
 * standard deviation (n-1; 0 when one value) are over the finite values;
 * NULLs and infinities are counted apart, never averaged in. */
struct mrv_summary_row {
    int64_t run_id;
    char family[64];
    int severity;
    char metric[64];
    size_t n;        /* finite values */
    size_t n_null;   /* undefined (stored NULL) */
    size_t n_posinf;
    size_t n_neginf;
    double mean;     /* NaN when n == 0 */
    double std;      /* NaN when n == 0 */
};

/* One row per (run, family, severity, metric) that has results, ordered by
 * run, family (the clean "none" first, then by name), severity, metric.
 * Values are summed in a fixed order (case, row id), so the same store
 * always gives the same bits. `*rows` is malloc'd (free()); NULL if `*n`
 * is 0. */
enum mrv_status mrv_store_summary(struct mrv_store *s, struct mrv_summary_row **rows,
                                  size_t *n, struct mrv_error *err);

/* ---- resumable and sharded runs (store/runs.c) ---------------------------- */

/* The most recent run of (study, model): its id and configuration hash
 * (hex, "" if none was stored). MRV_ENOTFOUND when there is none. */
enum mrv_status mrv_store_find_run(struct mrv_store *s, const char *study, const char *model,
                                   int64_t *run_id, char config_sha256[65],
                                   struct mrv_error *err);

/* Mark a run as running again (a resume): status 'running', no end time. */
enum mrv_status mrv_store_run_reopen(struct mrv_store *s, int64_t run_id,
                                     struct mrv_error *err);

/* Record the shard ("K/N", NULL for the whole grid) and count the run's
 * failed items from its results: items whose null_reason starts with
 * "failed: " (the case, the perturbation or the model failed; a metric that
 * is merely undefined never uses that prefix). Counting from the store keeps
 * the number right across interruptions and resumes. */
enum mrv_status mrv_store_run_counts(struct mrv_store *s, int64_t run_id, const char *shard,
                                     struct mrv_error *err);

/* Call `fn` once for each (case, perturbation instance) that has results in
 * `run_id` — the work already done, which a resumed run skips. A work item
 * is written in one transaction, so one result row means the whole item. */
enum mrv_status mrv_store_done_items(struct mrv_store *s, int64_t run_id,
                                     void (*fn)(void *ctx, const char *dataset,
                                                const char *case_key, const char *family,
                                                int severity, int repeat),
                                     void *ctx, struct mrv_error *err);

/* Copy every run, case, perturbation, result, artifact and provenance row of
 * the store file `src_path` into `s` (one transaction). Runs are matched by
 * (study, model, config_sha256): rows of a run already in `s` join it.
 * Refused (MRV_EINVAL, nothing written): a run whose (study, model) exists
 * in `s` with a different configuration hash; a case whose fingerprint
 * differs; a value that differs from one already stored for the same key. */
enum mrv_status mrv_store_merge(struct mrv_store *s, const char *src_path,
                                struct mrv_error *err);

/* One row of the tidy export: case x perturbation x model x metric. */
struct mrv_export_row {
    const char *study, *model, *model_version, *dataset, *case_key, *family;
    int severity, repeat;
    uint64_t seed;
    const char *metric;
    double value;            /* NaN when stored NULL */
    const char *null_reason; /* NULL when value is defined */
    const char *params;      /* drawn parameters, JSON */
    const char *metadata;    /* case metadata, JSON */
    int64_t run_id;
};

/* Call `fn` for every result, ordered by run, case, family, severity,
 * repeat, metric. A non-zero return from `fn` stops with MRV_EIO. */
enum mrv_status mrv_store_export(struct mrv_store *s,
                                 int (*fn)(void *ctx, const struct mrv_export_row *row),
                                 void *ctx, struct mrv_error *err);

/* Resolve a run given as its id ("12") or as a model name (the most recent
 * run of that model): its id, study name and configuration JSON (malloc'd,
 * free()). MRV_ENOTFOUND naming the store and the runs it holds when none
 * matches. */
enum mrv_status mrv_store_resolve_run(struct mrv_store *s, const char *run, int64_t *run_id,
                                      char study[128], char **config_json,
                                      struct mrv_error *err);

/* One stored value of a run, for paired comparisons (the gate). */
struct mrv_value_row {
    const char *dataset, *case_key, *family;
    int severity, repeat;
    uint64_t seed;
    double value;         /* NaN when stored NULL */
    const char *metadata; /* the case's metadata JSON */
};

/* Call `fn` for every result of `metric` in run `run_id`, ordered by
 * dataset, case, family, severity, repeat. */
enum mrv_status mrv_store_values(struct mrv_store *s, int64_t run_id, const char *metric,
                                 void (*fn)(void *ctx, const struct mrv_value_row *row),
                                 void *ctx, struct mrv_error *err);

/* The path the store was opened with, owned by the handle; NULL for NULL. */
const char *mrv_store_path(const struct mrv_store *s);

#endif
