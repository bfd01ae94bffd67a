/* store/query.c — the reads reports need: runs, and per-cell summaries.
 *
 * The summary is aggregated here in C, not with SQL's avg(): SQLite has no
 * standard deviation, avg() would fold infinities into the mean, and
 * Welford's update (Welford 1962; Knuth TAOCP vol. 2, 4.2.2) stays accurate
 * where the textbook sum-of-squares formula cancels catastrophically
 * (e.g. PSNR values near 40 dB differing in the 4th decimal).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/schema_internal.h"

/* A growable array of rows of `size` bytes. */
struct vec {
    void *data;
    size_t n, cap;
};

static void *vec_push(struct vec *v, size_t size)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 16;
        void *d = realloc(v->data, cap * size);
        if (!d)
            return NULL;
        v->data = d;
        v->cap = cap;
    }
    void *row = (char *)v->data + v->n++ * size;
    memset(row, 0, size);
    return row;
}

static enum mrv_status check_args(struct mrv_store *s, void *rows, size_t *n,
                                  const char *fn, struct mrv_error *err)
{
    if (!s || !rows || !n)
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL argument", fn);
    return MRV_OK;
}

enum mrv_status mrv_store_runs(struct mrv_store *s, struct mrv_run_row **rows,
                               size_t *n, struct mrv_error *err)
{
    enum mrv_status ret = check_args(s, rows, n, "mrv_store_runs", err);
    if (ret != MRV_OK)
        return ret;
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_RUNS_SELECT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    struct vec v = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mrv_run_row *r = vec_push(&v, sizeof *r);
        if (!r) {
            ret = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory reading runs", s->path);
            break;
        }
        r->id = sqlite3_column_int64(st, 0);
#define COL(i, field)                                                                  \
    mrv_store__copy(r->field, sizeof r->field, (const char *)sqlite3_column_text(st, i))
        COL(1, study);
        COL(2, model);
        COL(3, model_version);
        COL(4, software_version);
        COL(5, git_commit);
        COL(6, host);
        COL(7, started_at);
        COL(8, ended_at);
        COL(9, status);
#undef COL
        r->seed = (uint64_t)sqlite3_column_int64(st, 10);
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "reading runs", err);
    sqlite3_reset(st);
    if (ret != MRV_OK) {
        free(v.data);
        return ret;
    }
    *rows = v.data;
    *n = v.n;
    return MRV_OK;
}

/* Running aggregate of one cell; m2 is Welford's sum of squared deviations. */
struct cell {
    struct mrv_summary_row *row;
    double m2;
};

static void cell_finish(struct cell *c)
{
    struct mrv_summary_row *r = c->row;
    if (!r)
        return;
    if (r->n == 0) {
        r->mean = NAN;
        r->std = NAN;
    } else {
        r->std = r->n > 1 ? sqrt(c->m2 / (double)(r->n - 1)) : 0.0;
    }
}

static void cell_add(struct cell *c, int type, double x)
{
    struct mrv_summary_row *r = c->row;
    if (type == SQLITE_NULL) {
        r->n_null++;
    } else if (isinf(x)) {
        if (x > 0)
            r->n_posinf++;
        else
            r->n_neginf++;
    } else {
        r->n++;
        double d = x - r->mean;
        r->mean += d / (double)r->n;
        c->m2 += d * (x - r->mean);
    }
}

static bool same_text(const char *a, const unsigned char *b)
{
    return strcmp(a, b ? (const char *)b : "") == 0;
}

enum mrv_status mrv_store_summary(struct mrv_store *s, struct mrv_summary_row **rows,
                                  size_t *n, struct mrv_error *err)
{
    enum mrv_status ret = check_args(s, rows, n, "mrv_store_summary", err);
    if (ret != MRV_OK)
        return ret;
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *st = mrv_store__stmt(s, STMT_SUMMARY_SELECT, err);
    if (!st)
        return err ? err->code : MRV_ESTORE;
    struct vec v = {0};
    struct cell c = {0};
    /* The group key is compared on the full strings SQLite returns, not on
     * the truncated copies in the row, so two long names sharing a prefix
     * never merge. Writers cap family and metric to fit, but a store may
     * have been written by another tool. */
    char *key_family = NULL, *key_metric = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t run = sqlite3_column_int64(st, 0);
        const unsigned char *family = sqlite3_column_text(st, 1);
        int severity = sqlite3_column_int(st, 2);
        const unsigned char *metric = sqlite3_column_text(st, 3);
        bool same = c.row && c.row->run_id == run && c.row->severity == severity &&
                    same_text(key_family, family) && same_text(key_metric, metric);
        if (!same) {
            /* Finish the open cell before vec_push, which may move the array
             * c.row points into. */
            cell_finish(&c);
            free(key_family);
            free(key_metric);
            key_family = strdup(family ? (const char *)family : "");
            key_metric = strdup(metric ? (const char *)metric : "");
            struct mrv_summary_row *r = vec_push(&v, sizeof *r);
            if (!r || !key_family || !key_metric) {
                ret = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory summarising",
                                    s->path);
                break;
            }
            r->run_id = run;
            r->severity = severity;
            mrv_store__copy(r->family, sizeof r->family, key_family);
            mrv_store__copy(r->metric, sizeof r->metric, key_metric);
            c.row = r;
            c.m2 = 0.0;
        }
        /* Type first: sqlite3_column_type is only meaningful before any
         * conversion of the value. */
        int type = sqlite3_column_type(st, 4);
        cell_add(&c, type, sqlite3_column_double(st, 4));
    }
    if (ret == MRV_OK && rc != SQLITE_DONE)
        ret = mrv_store__fail(s, rc, "summarising results", err);
    sqlite3_reset(st);
    free(key_family);
    free(key_metric);
    if (ret != MRV_OK) {
        free(v.data);
        return ret;
    }
    cell_finish(&c);
    *rows = v.data;
    *n = v.n;
    return MRV_OK;
}
