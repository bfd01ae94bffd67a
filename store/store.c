/* store/store.c — the statement cache, transactions and every write.
 *
 * All SQL is constant text in stmt_sql[]; values only ever travel through
 * sqlite3_bind_*. Statements are prepared once per handle and reset after
 * each use, so no statement holds a read snapshot open between calls
 * (a lingering one would keep WAL checkpoints from finishing).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/schema_internal.h"

static const char *const stmt_sql[STMT_COUNT_] = {
    [STMT_BEGIN] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_RUN_INSERT] =
        "INSERT INTO runs (uuid, study, model, model_version, adapter, config_json,"
        " config_sha256, software_version, git_commit, host, seed, started_at, status)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'running')",
    [STMT_RUN_END] = "UPDATE runs SET ended_at = ?2, status = ?3 WHERE id = ?1",
    [STMT_CASE_INSERT] =
        "INSERT INTO cases (dataset, case_key, sha256, metadata) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (dataset, case_key) DO NOTHING",
    [STMT_CASE_SELECT] = "SELECT id, sha256 FROM cases WHERE dataset = ?1 AND case_key = ?2",
    [STMT_PERT_INSERT] =
        "INSERT INTO perturbations (case_id, family, severity, repeat, seed, params)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (case_id, family, severity, repeat, seed) DO NOTHING",
    [STMT_PERT_SELECT] =
        "SELECT id FROM perturbations WHERE case_id = ?1 AND family = ?2"
        " AND severity = ?3 AND repeat = ?4 AND seed = ?5",
    [STMT_RESULT_UPSERT] =
        "INSERT INTO results (run_id, case_id, perturbation_id, metric, value, null_reason)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (run_id, case_id, perturbation_id, metric)"
        " DO UPDATE SET value = excluded.value, null_reason = excluded.null_reason",
    [STMT_PROV_UPSERT] =
        "INSERT INTO provenance (run_id, kind, name, sha256, detail)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (run_id, kind, name)"
        " DO UPDATE SET sha256 = excluded.sha256, detail = excluded.detail",
    [STMT_ARTIFACT_UPSERT] =
        "INSERT INTO artifacts (run_id, case_id, perturbation_id, kind, path, sha256)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (run_id, kind, path) DO UPDATE SET case_id = excluded.case_id,"
        " perturbation_id = excluded.perturbation_id, sha256 = excluded.sha256",
    [STMT_RUNS_SELECT] =
        "SELECT id, study, model, model_version, software_version, git_commit, host,"
        " started_at, ended_at, status, seed FROM runs ORDER BY id",
    /* Ordered so one pass groups the cells: run, the clean "none" family
     * first, severity, metric; then case and row id so the Welford sums
     * always see values in the same order (bit-identical reports). */
    [STMT_SUMMARY_SELECT] =
        "SELECT r.run_id, p.family, p.severity, r.metric, r.value"
        " FROM results AS r JOIN perturbations AS p ON p.id = r.perturbation_id"
        " ORDER BY r.run_id, p.family <> 'none', p.family, p.severity, r.metric,"
        " r.case_id, r.id",
};

/* ---- helpers shared with schema.c and query.c --------------------------- */

enum mrv_status mrv_store__fail(struct mrv_store *s, int rc, const char *what,
                                struct mrv_error *err)
{
    const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    enum mrv_status code;
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: code = MRV_EINVAL; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: code = MRV_EFORMAT; break;
    case SQLITE_NOMEM: code = MRV_ENOMEM; break;
    default: code = MRV_ESTORE;
    }
    if ((rc & 0xff) == SQLITE_NOTADB)
        return mrv_error_set(err, code, "%s: not an SQLite database (%s)", s->path, msg);
    /* SQLite rolls the failed transaction back; every earlier commit stays,
     * so the user only has to make room and resume */
    if ((rc & 0xff) == SQLITE_FULL)
        return mrv_error_set(err, code,
                             "%s: %s: %s (every result committed before is kept: free space "
                             "and run the same command again to resume)",
                             s->path, what, msg);
    return mrv_error_set(err, code, "%s: %s: %s", s->path, what, msg);
}

sqlite3_stmt *mrv_store__stmt(struct mrv_store *s, enum mrv_stmt id,
                              struct mrv_error *err)
{
    sqlite3_stmt *st = s->stmt[id];
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                &st, NULL);
    if (rc != SQLITE_OK) {
        mrv_store__fail(s, rc, "preparing a statement", err);
        return NULL;
    }
    s->stmt[id] = st;
    return st;
}

void mrv_store__copy(char *dst, size_t size, const char *src)
{
    if (size == 0) /* no room even for the terminator */
        return;
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        /* Back off continuation bytes (10xxxxxx) to the start of the
         * character that did not fit. */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- local helpers ------------------------------------------------------ */

/* Strings are borrowed for the duration of one step: SQLITE_STATIC is safe
 * because every statement is reset before the function returns. */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* Seeds are uint64_t in C but SQLite's INTEGER is signed 64-bit; mrvet's
 * seeds are < 2^63 (core/rng.h keeps 63 bits), so they store unchanged. */
static enum mrv_status check_seed(const struct mrv_store *s, uint64_t seed,
                                  struct mrv_error *err)
{
    if (seed > (uint64_t)INT64_MAX)
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: seed %llu does not fit a signed 64-bit INTEGER "
                             "(must be < 2^63)",
                             s->path, (unsigned long long)seed);
    return MRV_OK;
}

static enum mrv_status check_name(const struct mrv_store *s, const char *field,
                                  const char *v, size_t max, struct mrv_error *err)
{
    if (!v || !*v)
        return mrv_error_set(err, MRV_EINVAL, "%s: %s must be a non-empty string",
                             s->path, field);
    if (max && strlen(v) >= max)
        return mrv_error_set(err, MRV_EINVAL, "%s: %s '%.40s...' is longer than %zu bytes",
                             s->path, field, v, max - 1);
    return MRV_OK;
}

static enum mrv_status check_writable(const struct mrv_store *s, const char *fn,
                                      struct mrv_error *err)
{
    if (!s)
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL store", fn);
    if (s->readonly)
        return mrv_error_set(err, MRV_EMISUSE, "%s: %s: store opened read-only", s->path,
                             fn);
    return MRV_OK;
}

/* ISO 8601 UTC with milliseconds, e.g. 2024-05-01T12:34:56.789Z. */
static void utc_now(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* A random (version 4) UUID from SQLite's CSPRNG, so runs from shards
 * merged into one store keep distinct identities. */
static void make_uuid(char out[37])
{
    unsigned char b[16];
    sqlite3_randomness(sizeof b, b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
}

/* Step a write statement to completion and reset it. */
static enum mrv_status step_done(struct mrv_store *s, sqlite3_stmt *st, const char *what,
                                 struct mrv_error *err)
{
    int rc = sqlite3_step(st);
    enum mrv_status ret = rc == SQLITE_DONE ? MRV_OK : mrv_store__fail(s, rc, what, err);
    sqlite3_reset(st);
    return ret;
}

/* ---- transactions ------------------------------------------------------- */

enum mrv_status mrv_store_begin(struct mrv_store *s, struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_begin", err);
    if (ret != MRV_OK)
        return ret;
    if (s->in_tx)
        return mrv_error_set(err, MRV_EMISUSE, "%s: a transaction is already open",
                             s->path);
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_BEGIN, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    if ((ret = step_done(s, st, "beginning a transaction", err)) == MRV_OK)
        s->in_tx = true;
    return ret;
}

enum mrv_status mrv_store_commit(struct mrv_store *s, struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_commit", err);
    if (ret != MRV_OK)
        return ret;
    if (!s->in_tx)
        return mrv_error_set(err, MRV_EMISUSE, "%s: commit without a transaction",
                             s->path);
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_COMMIT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    ret = step_done(s, st, "committing", err);
    /* A failed COMMIT (e.g. busy) leaves the transaction open, to retry or
     * roll back; some errors make SQLite roll back by itself. */
    s->in_tx = !sqlite3_get_autocommit(s->db);
    return ret;
}

void mrv_store_rollback(struct mrv_store *s)
{
    if (!s || !s->in_tx)
        return;
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_stmt *st = mrv_store__stmt(s, STMT_ROLLBACK, NULL);
        if (!st || step_done(s, st, "rolling back", NULL) != MRV_OK)
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    s->in_tx = false;
}

/* ---- writes ------------------------------------------------------------- */

enum mrv_status mrv_store_run_begin(struct mrv_store *s, const struct mrv_run_info *info,
                                    int64_t *run_id, struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_run_begin", err);
    if (ret != MRV_OK)
        return ret;
    if (!info || !run_id)
        return mrv_error_set(err, MRV_EMISUSE, "%s: mrv_store_run_begin: NULL argument",
                             s->path);
    if ((ret = check_name(s, "run study", info->study, 0, err)) != MRV_OK ||
        (ret = check_name(s, "run model", info->model, 0, err)) != MRV_OK ||
        (ret = check_seed(s, info->seed, err)) != MRV_OK)
        return ret;
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_RUN_INSERT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    char uuid[37], now[32];
    make_uuid(uuid);
    utc_now(now);
    int rc;
    if ((rc = bind_text(st, 1, uuid)) || (rc = bind_text(st, 2, info->study)) ||
        (rc = bind_text(st, 3, info->model)) || (rc = bind_text(st, 4, info->model_version)) ||
        (rc = bind_text(st, 5, info->adapter)) ||
        (rc = bind_text(st, 6, info->config_json ? info->config_json : "{}")) ||
        (rc = bind_text(st, 7, info->config_sha256)) ||
        (rc = bind_text(st, 8, info->software_version)) ||
        (rc = bind_text(st, 9, info->git_commit)) || (rc = bind_text(st, 10, info->host)) ||
        (rc = sqlite3_bind_int64(st, 11, (sqlite3_int64)info->seed)) ||
        (rc = bind_text(st, 12, now)))
        return mrv_store__fail(s, rc, "binding run", err);
    if ((ret = step_done(s, st, "inserting run", err)) == MRV_OK)
        *run_id = sqlite3_last_insert_rowid(s->db);
    return ret;
}

enum mrv_status mrv_store_run_end(struct mrv_store *s, int64_t run_id, const char *status,
                                  struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_run_end", err);
    if (ret != MRV_OK)
        return ret;
    if (!status || (strcmp(status, "completed") && strcmp(status, "failed") &&
                    strcmp(status, "interrupted")))
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: run status '%s' is not completed, failed or interrupted",
                             s->path, status ? status : "(null)");
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_RUN_END, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    char now[32];
    utc_now(now);
    int rc;
    if ((rc = sqlite3_bind_int64(st, 1, run_id)) || (rc = bind_text(st, 2, now)) ||
        (rc = bind_text(st, 3, status)))
        return mrv_store__fail(s, rc, "binding run end", err);
    if ((ret = step_done(s, st, "ending run", err)) != MRV_OK)
        return ret;
    if (sqlite3_changes(s->db) != 1)
        return mrv_error_set(err, MRV_ENOTFOUND, "%s: no run with id %lld", s->path,
                             (long long)run_id);
    return MRV_OK;
}

enum mrv_status mrv_store_case(struct mrv_store *s, const char *dataset,
                               const char *case_key, const char *sha256,
                               const char *metadata_json, int64_t *case_id,
                               struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_case", err);
    if (ret != MRV_OK)
        return ret;
    if (!case_id)
        return mrv_error_set(err, MRV_EMISUSE, "%s: mrv_store_case: NULL case_id", s->path);
    if ((ret = check_name(s, "dataset", dataset, 0, err)) != MRV_OK ||
        (ret = check_name(s, "case key", case_key, 0, err)) != MRV_OK)
        return ret;
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_CASE_INSERT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    int rc;
    if ((rc = bind_text(st, 1, dataset)) || (rc = bind_text(st, 2, case_key)) ||
        (rc = bind_text(st, 3, sha256)) ||
        (rc = bind_text(st, 4, metadata_json ? metadata_json : "{}")))
        return mrv_store__fail(s, rc, "binding case", err);
    if ((ret = step_done(s, st, "inserting case", err)) != MRV_OK)
        return ret;

    if (!(st = mrv_store__stmt(s, STMT_CASE_SELECT, err)))
        return err ? err->code : MRV_ESTORE;
    if ((rc = bind_text(st, 1, dataset)) || (rc = bind_text(st, 2, case_key)))
        return mrv_store__fail(s, rc, "binding case", err);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        ret = rc == SQLITE_DONE ? mrv_error_set(err, MRV_EINTERNAL,
                                                "%s: case %s/%s vanished after insert",
                                                s->path, dataset, case_key)
                                : mrv_store__fail(s, rc, "looking up case", err);
        sqlite3_reset(st);
        return ret;
    }
    *case_id = sqlite3_column_int64(st, 0);
    /* Same key, different bytes: the dataset changed since the store was
     * written, and mixing the two would put unrelated numbers side by side. */
    const char *stored = (const char *)sqlite3_column_text(st, 1);
    if (stored && sha256 && strcmp(stored, sha256) != 0)
        ret = mrv_error_set(err, MRV_EINVAL,
                            "%s: case '%s' of dataset '%s' has SHA-256 %s in the store "
                            "but %s now; the dataset changed since the store was written",
                            s->path, case_key, dataset, stored, sha256);
    sqlite3_reset(st);
    return ret;
}

enum mrv_status mrv_store_perturbation(struct mrv_store *s, int64_t case_id,
                                       const char *family, int severity, int repeat,
                                       uint64_t seed, const char *params_json,
                                       int64_t *perturbation_id, struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_perturbation", err);
    if (ret != MRV_OK)
        return ret;
    if (!perturbation_id)
        return mrv_error_set(err, MRV_EMISUSE,
                             "%s: mrv_store_perturbation: NULL perturbation_id", s->path);
    if ((ret = check_name(s, "perturbation family", family,
                          sizeof((struct mrv_summary_row *)0)->family, err)) != MRV_OK ||
        (ret = check_seed(s, seed, err)) != MRV_OK)
        return ret;
    if (severity < 0 || repeat < 0)
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: perturbation '%s': severity %d and repeat %d must be >= 0",
                             s->path, family, severity, repeat);
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_PERT_INSERT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    int rc;
    if ((rc = sqlite3_bind_int64(st, 1, case_id)) || (rc = bind_text(st, 2, family)) ||
        (rc = sqlite3_bind_int(st, 3, severity)) || (rc = sqlite3_bind_int(st, 4, repeat)) ||
        (rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)seed)) ||
        (rc = bind_text(st, 6, params_json ? params_json : "{}")))
        return mrv_store__fail(s, rc, "binding perturbation", err);
    if ((ret = step_done(s, st, "inserting perturbation", err)) != MRV_OK)
        return ret;

    if (!(st = mrv_store__stmt(s, STMT_PERT_SELECT, err)))
        return err ? err->code : MRV_ESTORE;
    if ((rc = sqlite3_bind_int64(st, 1, case_id)) || (rc = bind_text(st, 2, family)) ||
        (rc = sqlite3_bind_int(st, 3, severity)) || (rc = sqlite3_bind_int(st, 4, repeat)) ||
        (rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)seed)))
        return mrv_store__fail(s, rc, "binding perturbation", err);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *perturbation_id = sqlite3_column_int64(st, 0);
    else
        ret = rc == SQLITE_DONE ? mrv_error_set(err, MRV_EINTERNAL,
                                                "%s: perturbation vanished after insert",
                                                s->path)
                                : mrv_store__fail(s, rc, "looking up perturbation", err);
    sqlite3_reset(st);
    return ret;
}

enum mrv_status mrv_store_result(struct mrv_store *s, int64_t run_id, int64_t case_id,
                                 int64_t perturbation_id, const char *metric,
                                 double value, const char *null_reason,
                                 struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_result", err);
    if (ret != MRV_OK)
        return ret;
    if ((ret = check_name(s, "metric", metric, sizeof((struct mrv_summary_row *)0)->metric,
                          err)) != MRV_OK)
        return ret;
    bool undefined = isnan(value);
    if (undefined && (!null_reason || !*null_reason))
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: metric '%s' is undefined (NaN) for run %lld, case %lld, "
                             "perturbation %lld but no null_reason says why",
                             s->path, metric, (long long)run_id, (long long)case_id,
                             (long long)perturbation_id);
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_RESULT_UPSERT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    int rc;
    if ((rc = sqlite3_bind_int64(st, 1, run_id)) || (rc = sqlite3_bind_int64(st, 2, case_id)) ||
        (rc = sqlite3_bind_int64(st, 3, perturbation_id)) ||
        (rc = bind_text(st, 4, metric)) ||
        (rc = undefined ? sqlite3_bind_null(st, 5) : sqlite3_bind_double(st, 5, value)) ||
        (rc = bind_text(st, 6, undefined ? null_reason : NULL)))
        return mrv_store__fail(s, rc, "binding result", err);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        /* Name the row: "FOREIGN KEY constraint failed" alone does not say
         * which of the three ids is wrong, but the ids let one look. */
        char what[192];
        snprintf(what, sizeof what, "storing %.63s for run %lld, case %lld, perturbation %lld",
                 metric, (long long)run_id, (long long)case_id, (long long)perturbation_id);
        ret = mrv_store__fail(s, rc, what, err);
    }
    sqlite3_reset(st);
    return ret;
}

enum mrv_status mrv_store_provenance(struct mrv_store *s, int64_t run_id,
                                     const char *kind, const char *name,
                                     const char *sha256, const char *detail,
                                     struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_provenance", err);
    if (ret != MRV_OK)
        return ret;
    if ((ret = check_name(s, "provenance kind", kind, 0, err)) != MRV_OK ||
        (ret = check_name(s, "provenance name", name, 0, err)) != MRV_OK)
        return ret;
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_PROV_UPSERT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    int rc;
    if ((rc = sqlite3_bind_int64(st, 1, run_id)) || (rc = bind_text(st, 2, kind)) ||
        (rc = bind_text(st, 3, name)) || (rc = bind_text(st, 4, sha256)) ||
        (rc = bind_text(st, 5, detail)))
        return mrv_store__fail(s, rc, "binding provenance", err);
    return step_done(s, st, "storing provenance", err);
}

enum mrv_status mrv_store_artifact(struct mrv_store *s, int64_t run_id, int64_t case_id,
                                   int64_t perturbation_id, const char *kind,
                                   const char *path, const char *sha256,
                                   struct mrv_error *err)
{
    enum mrv_status ret = check_writable(s, "mrv_store_artifact", err);
    if (ret != MRV_OK)
        return ret;
    if ((ret = check_name(s, "artifact kind", kind, 0, err)) != MRV_OK ||
        (ret = check_name(s, "artifact path", path, 0, err)) != MRV_OK)
        return ret;
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_ARTIFACT_UPSERT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    int rc;
    if ((rc = sqlite3_bind_int64(st, 1, run_id)) ||
        (rc = case_id > 0 ? sqlite3_bind_int64(st, 2, case_id) : sqlite3_bind_null(st, 2)) ||
        (rc = perturbation_id > 0 ? sqlite3_bind_int64(st, 3, perturbation_id)
                                  : sqlite3_bind_null(st, 3)) ||
        (rc = bind_text(st, 4, kind)) || (rc = bind_text(st, 5, path)) ||
        (rc = bind_text(st, 6, sha256)))
        return mrv_store__fail(s, rc, "binding artifact", err);
    return step_done(s, st, "storing artifact", err);
}
