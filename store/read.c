/* store/read.c — bulk reads for reports and the evidence bundle (read.h).
 *
 * These statements run once per report, so they are prepared per call
 * rather than cached on the handle (the cache in store.c is keyed by an
 * enum that other store files own). Values only ever travel through
 * sqlite3_bind_*.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/read.h"
#include "store/schema_internal.h"

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

static enum mrv_status prepare(struct mrv_store *s, const char *sql, sqlite3_stmt **st,
                               struct mrv_error *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
        return mrv_store__fail(s, rc, "preparing a report query", err);
    }
    return MRV_OK;
}

static enum mrv_status oom(struct mrv_store *s, const char *what, struct mrv_error *err)
{
    return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory reading %s", s->path, what);
}

/* Grow *data (elements of `size` bytes) to hold at least n + 1. */
static int grow(void **data, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    size_t c = *cap ? 2 * *cap : 64;
    void *d = realloc(*data, c * size);
    if (!d)
        return 0;
    *data = d;
    *cap = c;
    return 1;
}

/* Index of `name` in names[0..*n), appending it when new; -1 on OOM. A
 * study has a handful of families and metrics, so a scan (starting from the
 * last hit, the usual case in row order) is cheaper than hashing. */
static int32_t intern(char ***names, size_t *n, size_t *cap, int32_t *last,
                      const unsigned char *text)
{
    const char *t = text ? (const char *)text : "";
    if (*last >= 0 && strcmp((*names)[*last], t) == 0)
        return *last;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], t) == 0)
            return *last = (int32_t)i;
    if (*n >= INT32_MAX || !grow((void **)names, cap, *n, sizeof **names))
        return -1;
    char *d = strdup(t);
    if (!d)
        return -1;
    (*names)[*n] = d;
    return *last = (int32_t)(*n)++;
}

void mrv_store_read_results_free(struct mrv_read_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfamilies; i++)
        free(r->families[i]);
    for (size_t i = 0; i < r->nmetrics; i++)
        free(r->metrics[i]);
    free(r->families);
    free(r->metrics);
    free(r->v);
    memset(r, 0, sizeof *r);
}

enum mrv_status mrv_store_read_results(struct mrv_store *s, struct mrv_read_results *out,
                                       struct mrv_error *err)
{
    if (!s || !out)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_read_results: NULL argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    enum mrv_status ret = prepare(
        s,
        "SELECT r.run_id, r.case_id, r.perturbation_id, p.family, p.severity, p.repeat,"
        " r.metric, r.value FROM results AS r JOIN perturbations AS p"
        " ON p.id = r.perturbation_id ORDER BY r.id",
        &st, err);
    if (ret != MRV_OK)
        return ret;
    size_t cap = 0, fcap = 0, mcap = 0;
    int32_t flast = -1, mlast = -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)&out->v, &cap, out->n, sizeof *out->v)) {
            ret = oom(s, "results", err);
            break;
        }
        struct mrv_read_value *v = &out->v[out->n];
        v->run_id = sqlite3_column_int64(st, 0);
        v->case_id = sqlite3_column_int64(st, 1);
        v->perturbation_id = sqlite3_column_int64(st, 2);
        v->family = intern(&out->families, &out->nfamilies, &fcap, &flast,
                           sqlite3_column_text(st, 3));
        v->severity = sqlite3_column_int(st, 4);
        v->repeat = sqlite3_column_int(st, 5);
        v->metric = intern(&out->metrics, &out->nmetrics, &mcap, &mlast,
                           sqlite3_column_text(st, 6));
        if (v->family < 0 || v->metric < 0) {
            ret = oom(s, "results", err);
            break;
        }
        if (sqlite3_column_type(st, 7) == SQLITE_NULL) {
            v->value = NAN;
            v->kind = MRV_VALUE_NULL;
        } else {
            v->value = sqlite3_column_double(st, 7);
            v->kind = isinf(v->value) ? (v->value > 0 ? MRV_VALUE_POSINF : MRV_VALUE_NEGINF)
                                      : MRV_VALUE_FINITE;
        }
        out->n++;
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading results", err);
    sqlite3_finalize(st);
    if (ret != MRV_OK)
        mrv_store_read_results_free(out);
    return ret;
}

/* ---- cases ---------------------------------------------------------------- */

void mrv_store_read_cases_free(struct mrv_read_case *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].dataset);
        free(rows[i].case_key);
        free(rows[i].sha256);
        for (size_t k = 0; k < rows[i].nmeta; k++) {
            free(rows[i].meta_keys[k]);
            free(rows[i].meta_values[k]);
        }
        free(rows[i].meta_keys);
        free(rows[i].meta_values);
    }
    free(rows);
}

enum mrv_status mrv_store_read_cases(struct mrv_store *s, struct mrv_read_case **rows,
                                     size_t *n, struct mrv_error *err)
{
    if (!s || !rows || !n)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_read_cases: NULL argument");
    *rows = NULL;
    *n = 0;
    /* json_each flattens the metadata object; the LEFT JOIN keeps cases
     * whose metadata is {} (one row with a NULL key). A metadata value that
     * is not an object (another tool's store) yields its elements or
     * itself; only rows with a text key are kept as metadata. */
    sqlite3_stmt *st = NULL;
    enum mrv_status ret = prepare(
        s,
        "SELECT c.id, c.dataset, c.case_key, c.sha256, j.key, j.value"
        " FROM cases AS c LEFT JOIN json_each(c.metadata) AS j"
        " ORDER BY c.id, j.id",
        &st, err);
    if (ret != MRV_OK)
        return ret;
    struct mrv_read_case *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (cnt == 0 || v[cnt - 1].id != id) {
            if (!grow((void **)&v, &cap, cnt, sizeof *v)) {
                ret = oom(s, "cases", err);
                break;
            }
            struct mrv_read_case *c = &v[cnt++];
            memset(c, 0, sizeof *c);
            c->id = id;
            c->dataset = dup_col(st, 1);
            c->case_key = dup_col(st, 2);
            c->sha256 = dup_col(st, 3);
            if (!c->dataset || !c->case_key || !c->sha256) {
                ret = oom(s, "cases", err);
                break;
            }
        }
        if (sqlite3_column_type(st, 4) != SQLITE_TEXT)
            continue;
        struct mrv_read_case *c = &v[cnt - 1];
        char **k = realloc(c->meta_keys, (c->nmeta + 1) * sizeof *k);
        if (k)
            c->meta_keys = k;
        char **val = realloc(c->meta_values, (c->nmeta + 1) * sizeof *val);
        if (val)
            c->meta_values = val;
        if (!k || !val) {
            ret = oom(s, "case metadata", err);
            break;
        }
        c->meta_keys[c->nmeta] = dup_col(st, 4);
        c->meta_values[c->nmeta] = dup_col(st, 5);
        c->nmeta++;
        if (!c->meta_keys[c->nmeta - 1] || !c->meta_values[c->nmeta - 1]) {
            ret = oom(s, "case metadata", err);
            break;
        }
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading cases", err);
    sqlite3_finalize(st);
    if (ret != MRV_OK) {
        mrv_store_read_cases_free(v, cnt);
        return ret;
    }
    *rows = v;
    *n = cnt;
    return MRV_OK;
}

/* ---- provenance and artifacts -------------------------------------------- */

void mrv_store_read_provenance_free(struct mrv_read_provenance *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].kind);
        free(rows[i].name);
        free(rows[i].sha256);
        free(rows[i].detail);
    }
    free(rows);
}

enum mrv_status mrv_store_read_provenance(struct mrv_store *s,
                                          struct mrv_read_provenance **rows, size_t *n,
                                          struct mrv_error *err)
{
    if (!s || !rows || !n)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_read_provenance: NULL argument");
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    enum mrv_status ret = prepare(s,
                                  "SELECT run_id, kind, name, sha256, detail FROM provenance"
                                  " ORDER BY run_id, kind, name",
                                  &st, err);
    if (ret != MRV_OK)
        return ret;
    struct mrv_read_provenance *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)&v, &cap, cnt, sizeof *v)) {
            ret = oom(s, "provenance", err);
            break;
        }
        struct mrv_read_provenance *p = &v[cnt++];
        p->run_id = sqlite3_column_int64(st, 0);
        p->kind = dup_col(st, 1);
        p->name = dup_col(st, 2);
        p->sha256 = dup_col(st, 3);
        p->detail = dup_col(st, 4);
        if (!p->kind || !p->name || !p->sha256 || !p->detail) {
            ret = oom(s, "provenance", err);
            break;
        }
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading provenance", err);
    sqlite3_finalize(st);
    if (ret != MRV_OK) {
        mrv_store_read_provenance_free(v, cnt);
        return ret;
    }
    *rows = v;
    *n = cnt;
    return MRV_OK;
}

void mrv_store_read_artifacts_free(struct mrv_read_artifact *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].kind);
        free(rows[i].path);
        free(rows[i].sha256);
    }
    free(rows);
}

enum mrv_status mrv_store_read_artifacts(struct mrv_store *s, struct mrv_read_artifact **rows,
                                         size_t *n, struct mrv_error *err)
{
    if (!s || !rows || !n)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_read_artifacts: NULL argument");
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    enum mrv_status ret = prepare(s,
                                  "SELECT run_id, coalesce(case_id, 0),"
                                  " coalesce(perturbation_id, 0), kind, path, sha256"
                                  " FROM artifacts ORDER BY id",
                                  &st, err);
    if (ret != MRV_OK)
        return ret;
    struct mrv_read_artifact *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)&v, &cap, cnt, sizeof *v)) {
            ret = oom(s, "artifacts", err);
            break;
        }
        struct mrv_read_artifact *a = &v[cnt++];
        a->run_id = sqlite3_column_int64(st, 0);
        a->case_id = sqlite3_column_int64(st, 1);
        a->perturbation_id = sqlite3_column_int64(st, 2);
        a->kind = dup_col(st, 3);
        a->path = dup_col(st, 4);
        a->sha256 = dup_col(st, 5);
        if (!a->kind || !a->path || !a->sha256) {
            ret = oom(s, "artifacts", err);
            break;
        }
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading artifacts", err);
    sqlite3_finalize(st);
    if (ret != MRV_OK) {
        mrv_store_read_artifacts_free(v, cnt);
        return ret;
    }
    *rows = v;
    *n = cnt;
    return MRV_OK;
}

void mrv_store_read_severities_free(struct mrv_read_severity *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].family);
        free(rows[i].params);
    }
    free(rows);
}

/* Append "key = value" to *text (malloc'd, grown). */
static bool append_param(char **text, const char *key, sqlite3_stmt *st, int col)
{
    char val[64];
    if (sqlite3_column_type(st, col) == SQLITE_FLOAT)
        snprintf(val, sizeof val, "%.4g", sqlite3_column_double(st, col));
    else
        snprintf(val, sizeof val, "%.60s", (const char *)sqlite3_column_text(st, col));
    size_t old = *text ? strlen(*text) : 0, add = strlen(key) + strlen(val) + 6;
    char *t = realloc(*text, old + add);
    if (!t)
        return false;
    snprintf(t + old, add, "%s%s = %s", old ? ", " : "", key, val);
    *text = t;
    return true;
}

enum mrv_status mrv_store_read_severities(struct mrv_store *s, struct mrv_read_severity **rows,
                                          size_t *n, struct mrv_error *err)
{
    if (!s || !rows || !n)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_read_severities: NULL argument");
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    enum mrv_status ret = prepare(
        s,
        "SELECT p.family, p.severity, j.key, j.value FROM perturbations AS p"
        " LEFT JOIN json_each(p.params) AS j ON j.type NOT IN ('object', 'array')"
        " WHERE p.id IN (SELECT min(id) FROM perturbations GROUP BY family, severity)"
        " ORDER BY p.family <> 'none', p.family, p.severity, j.id",
        &st, err);
    if (ret != MRV_OK)
        return ret;
    struct mrv_read_severity *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *fam = sqlite3_column_text(st, 0);
        int sev = sqlite3_column_int(st, 1);
        if (cnt == 0 || v[cnt - 1].severity != sev ||
            strcmp(v[cnt - 1].family, fam ? (const char *)fam : "") != 0) {
            if (!grow((void **)&v, &cap, cnt, sizeof *v)) {
                ret = oom(s, "perturbation parameters", err);
                break;
            }
            v[cnt] = (struct mrv_read_severity){dup_col(st, 0), sev, NULL};
            if (!v[cnt++].family) {
                ret = oom(s, "perturbation parameters", err);
                break;
            }
        }
        const unsigned char *key = sqlite3_column_text(st, 2);
        if (key && !append_param(&v[cnt - 1].params, (const char *)key, st, 3)) {
            ret = oom(s, "perturbation parameters", err);
            break;
        }
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading perturbation parameters", err);
    sqlite3_finalize(st);
    for (size_t i = 0; ret == MRV_OK && i < cnt; i++)
        if (!v[i].params && !(v[i].params = strdup("")))
            ret = oom(s, "perturbation parameters", err);
    if (ret != MRV_OK) {
        mrv_store_read_severities_free(v, cnt);
        return ret;
    }
    *rows = v;
    *n = cnt;
    return MRV_OK;
}

enum mrv_status mrv_store_read_run_config(struct mrv_store *s, int64_t run_id,
                                          char **config_json, char sha256[65],
                                          struct mrv_error *err)
{
    if (!s || !config_json || !sha256)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_read_run_config: NULL argument");
    *config_json = NULL;
    sha256[0] = '\0';
    sqlite3_stmt *st = NULL;
    enum mrv_status ret =
        prepare(s, "SELECT config_json, config_sha256 FROM runs WHERE id = ?1", &st, err);
    if (ret != MRV_OK)
        return ret;
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *config_json = dup_col(st, 0);
        mrv_store__copy(sha256, 65, (const char *)sqlite3_column_text(st, 1));
        if (!*config_json)
            ret = oom(s, "run configuration", err);
        else if (!**config_json) {
            free(*config_json);
            if (!(*config_json = strdup("{}")))
                ret = oom(s, "run configuration", err);
        }
    } else if (rc == SQLITE_DONE) {
        ret = mrv_error_set(err, MRV_ENOTFOUND, "%s: no run with id %lld", s->path,
                            (long long)run_id);
    } else {
        ret = mrv_store__fail(s, rc, "reading a run's configuration", err);
    }
    sqlite3_finalize(st);
    return ret;
}

enum mrv_status mrv_store_copy_to(struct mrv_store *s, const char *path,
                                  struct mrv_error *err)
{
    if (!s || !path || !*path)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_copy_to: NULL store or empty path");
    struct stat sb;
    if (stat(path, &sb) == 0)
        return mrv_error_set(err, MRV_EIO, "%s: already exists; not overwriting it with a "
                                           "copy of %s", path, s->path);
    sqlite3_stmt *st = NULL;
    enum mrv_status ret = prepare(s, "VACUUM INTO ?1", &st, err);
    if (ret != MRV_OK)
        return ret;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        ret = mrv_error_set(err, MRV_EIO, "%s: cannot copy store %s: %s", path, s->path,
                            sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    return ret;
}
