/* store/runs.c — what resuming, sharding and exporting need from the store:
 * finding a study's run again, the work already done, merging shard files,
 * and the tidy export. These run once per command, so their statements are
 * prepared per call rather than cached. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/schema_internal.h"

static enum mrv_status prepare(struct mrv_store *s, const char *sql, sqlite3_stmt **st,
                               struct mrv_error *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? MRV_OK : mrv_store__fail(s, rc, "preparing a query", err);
}

static const char *text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

enum mrv_status mrv_store_find_run(struct mrv_store *s, const char *study, const char *model,
                                   int64_t *run_id, char config_sha256[65],
                                   struct mrv_error *err)
{
    sqlite3_stmt *st;
    enum mrv_status ret = prepare(s,
                                  "SELECT id, config_sha256 FROM runs WHERE study = ?1 AND "
                                  "model = ?2 ORDER BY id DESC LIMIT 1",
                                  &st, err);
    if (ret != MRV_OK)
        return ret;
    sqlite3_bind_text(st, 1, study, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, model, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(st, 0);
        mrv_store__copy(config_sha256, 65, text(st, 1));
    } else if (rc == SQLITE_DONE) {
        ret = MRV_ENOTFOUND;
    } else {
        ret = mrv_store__fail(s, rc, "finding a run", err);
    }
    sqlite3_finalize(st);
    return ret;
}

static enum mrv_status exec_bound(struct mrv_store *s, const char *sql, int64_t id,
                                  int64_t v, const char *t, const char *what,
                                  struct mrv_error *err)
{
    if (s->readonly)
        return mrv_error_set(err, MRV_EMISUSE, "%s: %s on a read-only store", s->path, what);
    sqlite3_stmt *st;
    enum mrv_status ret = prepare(s, sql, &st, err);
    if (ret != MRV_OK)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, v);
    if (t)
        sqlite3_bind_text(st, 3, t, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, what, err);
    else if (sqlite3_changes(s->db) != 1)
        ret = mrv_error_set(err, MRV_ENOTFOUND, "%s: no run with id %lld", s->path,
                            (long long)id);
    sqlite3_finalize(st);
    return ret;
}

enum mrv_status mrv_store_run_reopen(struct mrv_store *s, int64_t run_id,
                                     struct mrv_error *err)
{
    return exec_bound(s, "UPDATE runs SET status = 'running', ended_at = NULL WHERE id = ?1 "
                         "AND ?2 = ?2",
                      run_id, 0, NULL, "reopening a run", err);
}

enum mrv_status mrv_store_run_counts(struct mrv_store *s, int64_t run_id, const char *shard,
                                     struct mrv_error *err)
{
    return exec_bound(s,
                      "UPDATE runs SET shard = ?3, failed_items = (SELECT count(*) FROM"
                      " (SELECT DISTINCT case_id, perturbation_id FROM results WHERE"
                      " run_id = ?1 AND null_reason LIKE 'failed: %')) WHERE id = ?1"
                      " AND ?2 = ?2",
                      run_id, 0, shard, "recording run counts", err);
}

enum mrv_status mrv_store_done_items(struct mrv_store *s, int64_t run_id,
                                     void (*fn)(void *ctx, const char *dataset,
                                                const char *case_key, const char *family,
                                                int severity, int repeat),
                                     void *ctx, struct mrv_error *err)
{
    sqlite3_stmt *st;
    enum mrv_status ret = prepare(
        s,
        "SELECT DISTINCT c.dataset, c.case_key, p.family, p.severity, p.repeat"
        " FROM results AS r JOIN cases AS c ON c.id = r.case_id"
        " JOIN perturbations AS p ON p.id = r.perturbation_id WHERE r.run_id = ?1",
        &st, err);
    if (ret != MRV_OK)
        return ret;
    sqlite3_bind_int64(st, 1, run_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, text(st, 0), text(st, 1), text(st, 2), sqlite3_column_int(st, 3),
           sqlite3_column_int(st, 4));
    if (rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading finished work", err);
    sqlite3_finalize(st);
    return ret;
}

/* ---- merge ---------------------------------------------------------------- */

/* Each step is constant SQL over the attached file `src`; natural keys map
 * the source's row ids onto the destination's. */
static const char *const merge_checks[] = {
    /* a (study, model) whose configuration differs */
    "SELECT 'run ' || r.study || '/' || r.model || ' has configuration ' ||"
    " ifnull(r.config_sha256, '?') || ' in the shard but ' || ifnull(d.config_sha256, '?') ||"
    " ' here: the shards come from different studies'"
    " FROM src.runs AS r JOIN main.runs AS d ON d.study = r.study AND d.model = r.model"
    " WHERE d.config_sha256 IS NOT r.config_sha256 LIMIT 1",
    /* a case whose fingerprint differs */
    "SELECT 'case ' || c.dataset || '/' || c.case_key || ' has fingerprint ' ||"
    " ifnull(c.sha256, '?') || ' in the shard but ' || ifnull(d.sha256, '?') || ' here'"
    " FROM src.cases AS c JOIN main.cases AS d ON d.dataset = c.dataset AND"
    " d.case_key = c.case_key WHERE d.sha256 IS NOT c.sha256 LIMIT 1",
    /* the same result stored with another value */
    "SELECT 'result ' || sc.case_key || ' ' || sp.family || ' severity ' || sp.severity ||"
    " ' ' || sr.metric || ' differs between the shard and this store'"
    " FROM src.results AS sr JOIN src.runs AS su ON su.id = sr.run_id"
    " JOIN src.cases AS sc ON sc.id = sr.case_id"
    " JOIN src.perturbations AS sp ON sp.id = sr.perturbation_id"
    " JOIN main.runs AS du ON du.study = su.study AND du.model = su.model"
    " JOIN main.cases AS dc ON dc.dataset = sc.dataset AND dc.case_key = sc.case_key"
    " JOIN main.perturbations AS dp ON dp.case_id = dc.id AND dp.family = sp.family AND"
    "  dp.severity = sp.severity AND dp.repeat = sp.repeat AND dp.seed = sp.seed"
    " JOIN main.results AS dr ON dr.run_id = du.id AND dr.case_id = dc.id AND"
    "  dr.perturbation_id = dp.id AND dr.metric = sr.metric"
    " WHERE dr.value IS NOT sr.value LIMIT 1",
};

static const char *const merge_steps[] = {
    "INSERT INTO main.runs (uuid, study, model, model_version, adapter, config_json,"
    " config_sha256, software_version, git_commit, host, seed, started_at, ended_at, status,"
    " failed_items, shard)"
    " SELECT r.uuid, r.study, r.model, r.model_version, r.adapter, r.config_json,"
    " r.config_sha256, r.software_version, r.git_commit, r.host, r.seed, r.started_at,"
    " r.ended_at, r.status, r.failed_items, NULL FROM src.runs AS r"
    " WHERE NOT EXISTS (SELECT 1 FROM main.runs AS d WHERE d.study = r.study AND"
    " d.model = r.model) ORDER BY r.id",
    /* a run present in both: keep the widest time span, sum the failures */
    "UPDATE main.runs AS d SET"
    " started_at = min(d.started_at, r.started_at),"
    " ended_at = CASE WHEN d.ended_at IS NULL OR r.ended_at IS NULL THEN NULL"
    "  ELSE max(d.ended_at, r.ended_at) END,"
    " status = CASE WHEN d.status = r.status THEN d.status ELSE 'interrupted' END,"
    " failed_items = d.failed_items + r.failed_items, shard = NULL"
    " FROM src.runs AS r WHERE d.study = r.study AND d.model = r.model AND d.uuid <> r.uuid",
    "INSERT INTO main.cases (dataset, case_key, sha256, metadata)"
    " SELECT dataset, case_key, sha256, metadata FROM src.cases WHERE true"
    " ON CONFLICT (dataset, case_key) DO NOTHING",
    "INSERT INTO main.perturbations (case_id, family, severity, repeat, seed, params)"
    " SELECT dc.id, p.family, p.severity, p.repeat, p.seed, p.params"
    " FROM src.perturbations AS p JOIN src.cases AS c ON c.id = p.case_id"
    " JOIN main.cases AS dc ON dc.dataset = c.dataset AND dc.case_key = c.case_key WHERE true"
    " ON CONFLICT (case_id, family, severity, repeat, seed) DO NOTHING",
    "INSERT INTO main.results (run_id, case_id, perturbation_id, metric, value, null_reason)"
    " SELECT du.id, dc.id, dp.id, r.metric, r.value, r.null_reason"
    " FROM src.results AS r JOIN src.runs AS u ON u.id = r.run_id"
    " JOIN src.cases AS c ON c.id = r.case_id JOIN src.perturbations AS p ON"
    " p.id = r.perturbation_id"
    " JOIN main.runs AS du ON du.study = u.study AND du.model = u.model"
    " JOIN main.cases AS dc ON dc.dataset = c.dataset AND dc.case_key = c.case_key"
    " JOIN main.perturbations AS dp ON dp.case_id = dc.id AND dp.family = p.family AND"
    "  dp.severity = p.severity AND dp.repeat = p.repeat AND dp.seed = p.seed WHERE true"
    " ON CONFLICT (run_id, case_id, perturbation_id, metric) DO NOTHING",
    "INSERT INTO main.provenance (run_id, kind, name, sha256, detail)"
    " SELECT du.id, v.kind, v.name, v.sha256, v.detail FROM src.provenance AS v"
    " JOIN src.runs AS u ON u.id = v.run_id"
    " JOIN main.runs AS du ON du.study = u.study AND du.model = u.model WHERE true"
    " ON CONFLICT (run_id, kind, name) DO NOTHING",
    "INSERT INTO main.artifacts (run_id, case_id, perturbation_id, kind, path, sha256)"
    " SELECT du.id, dc.id, dp.id, a.kind, a.path, a.sha256 FROM src.artifacts AS a"
    " JOIN src.runs AS u ON u.id = a.run_id"
    " JOIN main.runs AS du ON du.study = u.study AND du.model = u.model"
    " LEFT JOIN src.cases AS c ON c.id = a.case_id"
    " LEFT JOIN main.cases AS dc ON dc.dataset = c.dataset AND dc.case_key = c.case_key"
    " LEFT JOIN src.perturbations AS p ON p.id = a.perturbation_id"
    " LEFT JOIN main.perturbations AS dp ON dp.case_id = dc.id AND dp.family = p.family AND"
    "  dp.severity = p.severity AND dp.repeat = p.repeat AND dp.seed = p.seed WHERE true"
    " ON CONFLICT (run_id, kind, path) DO NOTHING",
};

enum mrv_status mrv_store_merge(struct mrv_store *s, const char *src_path,
                                struct mrv_error *err)
{
    if (s->readonly || s->in_tx)
        return mrv_error_set(err, MRV_EMISUSE, "%s: merge needs a writable store outside a "
                             "transaction", s->path);
    /* Open the shard through the store API first: it must be an mrvet store
     * at this schema version (a read-only open migrates nothing). */
    struct mrv_store *probe;
    enum mrv_status ret = mrv_store_open_readonly(src_path, &probe, err);
    if (ret != MRV_OK)
        return ret;
    mrv_store_close(probe);

    sqlite3_stmt *st;
    if ((ret = prepare(s, "ATTACH DATABASE ?1 AS src", &st, err)) != MRV_OK)
        return ret;
    sqlite3_bind_text(st, 1, src_path, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mrv_store__fail(s, rc, "attaching the shard", err);

    rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        ret = mrv_store__fail(s, rc, "starting the merge", err);
    for (size_t i = 0; ret == MRV_OK && i < sizeof merge_checks / sizeof *merge_checks; i++) {
        if ((ret = prepare(s, merge_checks[i], &st, err)) != MRV_OK)
            break;
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            ret = mrv_error_set(err, MRV_EINVAL, "%s: cannot merge %s: %s", s->path, src_path,
                                text(st, 0));
        else if (rc != SQLITE_DONE)
            ret = mrv_store__fail(s, rc, "checking the shard", err);
        sqlite3_finalize(st);
    }
    for (size_t i = 0; ret == MRV_OK && i < sizeof merge_steps / sizeof *merge_steps; i++) {
        rc = sqlite3_exec(s->db, merge_steps[i], NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            ret = mrv_store__fail(s, rc, "merging the shard", err);
    }
    if (ret == MRV_OK) {
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            ret = mrv_store__fail(s, rc, "committing the merge", err);
    }
    if (ret != MRV_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL);
    return ret;
}

/* ---- export --------------------------------------------------------------- */

enum mrv_status mrv_store_export(struct mrv_store *s,
                                 int (*fn)(void *ctx, const struct mrv_export_row *row),
                                 void *ctx, struct mrv_error *err)
{
    sqlite3_stmt *st;
    enum mrv_status ret = prepare(
        s,
        "SELECT u.id, u.study, u.model, ifnull(u.model_version, ''), c.dataset, c.case_key,"
        " p.family, p.severity, p.repeat, p.seed, r.metric, r.value, r.null_reason, p.params,"
        " c.metadata"
        " FROM results AS r JOIN runs AS u ON u.id = r.run_id"
        " JOIN cases AS c ON c.id = r.case_id JOIN perturbations AS p ON p.id = r.perturbation_id"
        " ORDER BY u.id, c.dataset, c.case_key, p.family <> 'none', p.family, p.severity,"
        " p.repeat, r.metric",
        &st, err);
    if (ret != MRV_OK)
        return ret;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mrv_export_row row = {
            .run_id = sqlite3_column_int64(st, 0),
            .study = text(st, 1),
            .model = text(st, 2),
            .model_version = text(st, 3),
            .dataset = text(st, 4),
            .case_key = text(st, 5),
            .family = text(st, 6),
            .severity = sqlite3_column_int(st, 7),
            .repeat = sqlite3_column_int(st, 8),
            .seed = (uint64_t)sqlite3_column_int64(st, 9),
            .metric = text(st, 10),
            .value = sqlite3_column_type(st, 11) == SQLITE_NULL ? NAN
                                                                 : sqlite3_column_double(st, 11),
            .null_reason = sqlite3_column_type(st, 12) == SQLITE_NULL ? NULL : text(st, 12),
            .params = text(st, 13),
            .metadata = text(st, 14),
        };
        if (fn(ctx, &row) != 0) {
            ret = mrv_error_set(err, MRV_EIO, "%s: export stopped: the output could not be "
                                "written", s->path);
            break;
        }
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "exporting results", err);
    sqlite3_finalize(st);
    return ret;
}

/* ---- values of one run (paired comparisons) -------------------------------- */

enum mrv_status mrv_store_values(struct mrv_store *s, int64_t run_id, const char *metric,
                                 void (*fn)(void *ctx, const struct mrv_value_row *row),
                                 void *ctx, struct mrv_error *err)
{
    sqlite3_stmt *st;
    enum mrv_status ret = prepare(
        s,
        "SELECT c.dataset, c.case_key, p.family, p.severity, p.repeat, p.seed, r.value,"
        " c.metadata FROM results AS r JOIN cases AS c ON c.id = r.case_id"
        " JOIN perturbations AS p ON p.id = r.perturbation_id"
        " WHERE r.run_id = ?1 AND r.metric = ?2"
        " ORDER BY c.dataset, c.case_key, p.family, p.severity, p.repeat",
        &st, err);
    if (ret != MRV_OK)
        return ret;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, metric, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mrv_value_row row = {
            .dataset = text(st, 0),
            .case_key = text(st, 1),
            .family = text(st, 2),
            .severity = sqlite3_column_int(st, 3),
            .repeat = sqlite3_column_int(st, 4),
            .seed = (uint64_t)sqlite3_column_int64(st, 5),
            .value = sqlite3_column_type(st, 6) == SQLITE_NULL ? NAN
                                                                : sqlite3_column_double(st, 6),
            .metadata = text(st, 7),
        };
        fn(ctx, &row);
    }
    if (rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading values", err);
    sqlite3_finalize(st);
    return ret;
}

enum mrv_status mrv_store_resolve_run(struct mrv_store *s, const char *run, int64_t *run_id,
                                      char study[128], char **config_json,
                                      struct mrv_error *err)
{
    sqlite3_stmt *st;
    enum mrv_status ret = prepare(s,
                                  "SELECT id, study, config_json FROM runs WHERE model = ?1"
                                  " OR CAST(id AS TEXT) = ?1 ORDER BY CAST(id AS TEXT) = ?1"
                                  " DESC, id DESC LIMIT 1",
                                  &st, err);
    if (ret != MRV_OK)
        return ret;
    sqlite3_bind_text(st, 1, run, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(st, 0);
        mrv_store__copy(study, 128, text(st, 1));
        if (config_json && !(*config_json = strdup(text(st, 2))))
            ret = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", s->path);
        sqlite3_finalize(st);
        return ret;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mrv_store__fail(s, rc, "finding a run", err);
    /* name what is there, so a typo is easy to fix */
    char names[512] = "";
    size_t used = 0;
    if (prepare(s, "SELECT id, model FROM runs ORDER BY id", &st, NULL) == MRV_OK) {
        while (sqlite3_step(st) == SQLITE_ROW && used < sizeof names - 64)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%lld (%s)",
                                     used ? ", " : "", (long long)sqlite3_column_int64(st, 0),
                                     text(st, 1));
        sqlite3_finalize(st);
    }
    return mrv_error_set(err, MRV_ENOTFOUND, "%s: no run '%s'; runs here: %s", s->path, run,
                         used ? names : "none");
}
