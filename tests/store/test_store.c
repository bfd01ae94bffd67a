/* tests/store/test_store.c — the SQLite store, checked from outside.
 *
 * What the store wrote is read back twice: through store.h, and with raw
 * sqlite3 calls on a separate connection (the independent reader outside
 * tools will be), so a bug shared by writer and reader cannot hide.
 */
#include "tests_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HOSTILE "'); DROP TABLE results; --"

struct fx {
    char dir[512];
    char path[600];
    struct mrv_store *s;
    struct mrv_error err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir());
    snprintf(f->path, sizeof f->path, "%s/study.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mrv_store_close(f->s);
    char p[700];
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- raw reader --------------------------------------------------------- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("raw open %s: %s", path, sqlite3_errmsg(db));
    return db;
}

/* First column of the first row of `sql`, with optional int64 parameter ?1. */
static sqlite3_stmt *raw_row(sqlite3 *db, const char *sql, int64_t p1)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("raw prepare '%s': %s", sql, sqlite3_errmsg(db));
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, p1);
    if (sqlite3_step(st) != SQLITE_ROW)
        fail_msg("raw '%s': no row", sql);
    return st;
}

static int64_t raw_int(sqlite3 *db, const char *sql, int64_t p1)
{
    sqlite3_stmt *st = raw_row(db, sql, p1);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void raw_text(sqlite3 *db, const char *sql, int64_t p1, char *out, size_t size)
{
    sqlite3_stmt *st = raw_row(db, sql, p1);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, size, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(st);
}

/* ---- a small study ------------------------------------------------------ */

static int64_t add_run(struct fx *f, const char *model)
{
    struct mrv_run_info info = {
        .study = "knee-robustness", .model = model, .model_version = "1.2",
        .adapter = "builtin", .config_json = "{\"seed\": 42}", .config_sha256 = SHA_A,
        .software_version = "0.1.0", .git_commit = "abc123", .host = "testhost",
        .seed = 42};
    int64_t id = 0;
    assert_ok(mrv_store_run_begin(f->s, &info, &id, &f->err), &f->err);
    assert_true(id > 0);
    return id;
}

static int64_t add_case(struct fx *f, const char *key)
{
    int64_t id = 0;
    assert_ok(mrv_store_case(f->s, "phantom", key, SHA_A, "{\"anatomy\": \"knee\"}", &id,
                             &f->err),
              &f->err);
    return id;
}

static int64_t add_pert(struct fx *f, int64_t case_id, const char *family, int sev)
{
    int64_t id = 0;
    assert_ok(mrv_store_perturbation(f->s, case_id, family, sev, 0, 7 + (uint64_t)sev,
                                     "{\"sigma\": 0.05}", &id, &f->err),
              &f->err);
    return id;
}

static void open_store(struct fx *f)
{
    assert_ok(mrv_store_open(f->path, &f->s, &f->err), &f->err);
}

/* ---- tests -------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    struct fx *f = *state;
    open_store(f);
    int64_t run = add_run(f, "unet");
    int64_t c = add_case(f, "case-001");
    int64_t p = add_pert(f, c, "noise", 2);
    assert_ok(mrv_store_result(f->s, run, c, p, "psnr", 31.25, NULL, &f->err), &f->err);
    assert_ok(mrv_store_provenance(f->s, run, "model", "unet.pt", SHA_B, "weights", &f->err),
              &f->err);
    assert_ok(mrv_store_artifact(f->s, run, c, p, "output", "out/case-001.h5", SHA_A,
                                 &f->err),
              &f->err);
    assert_ok(mrv_store_run_end(f->s, run, "completed", &f->err), &f->err);

    struct mrv_run_row *rows = NULL;
    size_t n = 0;
    assert_ok(mrv_store_runs(f->s, &rows, &n, &f->err), &f->err);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, run);
    assert_string_equal(rows[0].study, "knee-robustness");
    assert_string_equal(rows[0].model, "unet");
    assert_string_equal(rows[0].model_version, "1.2");
    assert_string_equal(rows[0].software_version, "0.1.0");
    assert_string_equal(rows[0].git_commit, "abc123");
    assert_string_equal(rows[0].host, "testhost");
    assert_string_equal(rows[0].status, "completed");
    assert_int_equal(rows[0].seed, 42);
    /* ISO 8601 UTC: 2024-05-01T12:34:56.789Z */
    assert_int_equal(strlen(rows[0].started_at), 24);
    assert_int_equal(rows[0].started_at[10], 'T');
    assert_int_equal(rows[0].started_at[23], 'Z');
    assert_true(strcmp(rows[0].ended_at, rows[0].started_at) >= 0);
    free(rows);

    sqlite3 *db = raw_open(f->path);
    char buf[256];
    sqlite3_stmt *st = raw_row(db, "SELECT value, typeof(value), null_reason, metric "
                                   "FROM results WHERE run_id = ?1", run);
    assert_close(sqlite3_column_double(st, 0), 31.25, 0);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "real");
    assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
    assert_string_equal((const char *)sqlite3_column_text(st, 3), "psnr");
    sqlite3_finalize(st);
    raw_text(db, "SELECT json_extract(params, '$.sigma') || '/' || family || '/' || "
                 "severity || '/' || seed FROM perturbations WHERE id = ?1", p, buf,
             sizeof buf);
    assert_string_equal(buf, "0.05/noise/2/9");
    raw_text(db, "SELECT kind || '/' || name || '/' || sha256 || '/' || detail "
                 "FROM provenance WHERE run_id = ?1", run, buf, sizeof buf);
    assert_string_equal(buf, "model/unet.pt/" SHA_B "/weights");
    raw_text(db, "SELECT json_extract(metadata, '$.anatomy') FROM cases WHERE id = ?1", c,
             buf, sizeof buf);
    assert_string_equal(buf, "knee");
    raw_text(db, "SELECT uuid FROM runs WHERE id = ?1", run, buf, sizeof buf);
    assert_int_equal(strlen(buf), 36);
    assert_int_equal(buf[14], '4');
    assert_int_equal(raw_int(db, "SELECT count(*) FROM artifacts WHERE run_id = ?1", run), 1);
    sqlite3_close(db);
}

static void test_pragmas(void **state)
{
    struct fx *f = *state;
    open_store(f);
    sqlite3 *db = raw_open(f->path);
    assert_int_equal(raw_int(db, "PRAGMA user_version", 0), MRV_STORE_SCHEMA_VERSION);
    char mode[32];
    raw_text(db, "PRAGMA journal_mode", 0, mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_int_equal(raw_int(db, "PRAGMA application_id", 0), 0x4D525654);
    /* The column outside tools rely on, by name and declared type. */
    char type[32];
    raw_text(db, "SELECT type FROM pragma_table_info('results') WHERE name = 'value'", 0,
             type, sizeof type);
    assert_string_equal(type, "REAL");
    sqlite3_close(db);
}

static void test_reopen_idempotent(void **state)
{
    struct fx *f = *state;
    open_store(f);
    int64_t run = add_run(f, "unet");
    int64_t c = add_case(f, "case-001");
    int64_t p = add_pert(f, c, "noise", 1);
    mrv_store_close(f->s);
    f->s = NULL;

    sqlite3 *db = raw_open(f->path);
    int64_t objects = raw_int(db, "SELECT count(*) FROM sqlite_master", 0);
    sqlite3_close(db);

    for (int i = 0; i < 2; i++) {
        open_store(f);
        assert_int_equal(add_case(f, "case-001"), c);
        assert_int_equal(add_pert(f, c, "noise", 1), p);
        mrv_store_close(f->s);
        f->s = NULL;
    }
    db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master", 0), objects);
    assert_int_equal(raw_int(db, "PRAGMA user_version", 0), MRV_STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM runs WHERE id = ?1", run), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM cases", 0), 1);
    sqlite3_close(db);
}

static void test_upserts(void **state)
{
    struct fx *f = *state;
    open_store(f);
    int64_t c1 = add_case(f, "case-001");
    int64_t c2 = add_case(f, "case-002");
    assert_int_not_equal(c1, c2);
    assert_int_equal(add_case(f, "case-001"), c1);
    int64_t id = 0;
    /* NULL fingerprint: no comparison possible, same row. */
    assert_ok(mrv_store_case(f->s, "phantom", "case-001", NULL, NULL, &id, &f->err), &f->err);
    assert_int_equal(id, c1);
    /* A changed fingerprint under the same key is refused. */
    assert_int_equal(mrv_store_case(f->s, "phantom", "case-001", SHA_B, NULL, &id, &f->err),
                     MRV_EINVAL);
    assert_non_null(strstr(f->err.msg, "case-001"));

    int64_t p1 = add_pert(f, c1, "noise", 3);
    assert_int_equal(add_pert(f, c1, "noise", 3), p1);
    assert_int_not_equal(add_pert(f, c1, "noise", 4), p1);
    assert_int_not_equal(add_pert(f, c2, "noise", 3), p1);
    int64_t p_rep = 0;
    assert_ok(mrv_store_perturbation(f->s, c1, "noise", 3, 1, 10, NULL, &p_rep, &f->err),
              &f->err);
    assert_int_not_equal(p_rep, p1);

    /* A result written twice keeps one row with the last value. */
    int64_t run = add_run(f, "unet");
    assert_ok(mrv_store_result(f->s, run, c1, p1, "ssim", 0.5, NULL, &f->err), &f->err);
    assert_ok(mrv_store_result(f->s, run, c1, p1, "ssim", 0.75, NULL, &f->err), &f->err);
    sqlite3 *db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM results", 0), 1);
    sqlite3_stmt *st = raw_row(db, "SELECT value FROM results", 0);
    assert_close(sqlite3_column_double(st, 0), 0.75, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_nan_and_inf(void **state)
{
    struct fx *f = *state;
    open_store(f);
    int64_t run = add_run(f, "unet");
    int64_t c = add_case(f, "case-001");
    int64_t p = add_pert(f, c, "none", 0);
    assert_ok(mrv_store_result(f->s, run, c, p, "dice", NAN, "empty reference and prediction",
                               &f->err),
              &f->err);
    assert_int_equal(mrv_store_result(f->s, run, c, p, "hd95", NAN, NULL, &f->err), MRV_EINVAL);
    assert_non_null(strstr(f->err.msg, "hd95"));
    assert_int_equal(mrv_store_result(f->s, run, c, p, "hd95", NAN, "", &f->err), MRV_EINVAL);
    assert_ok(mrv_store_result(f->s, run, c, p, "psnr", INFINITY, NULL, &f->err), &f->err);
    assert_ok(mrv_store_result(f->s, run, c, p, "logl", -INFINITY, NULL, &f->err), &f->err);
    /* A reason given with a defined value is dropped: value xor reason. */
    assert_ok(mrv_store_result(f->s, run, c, p, "ssim", 1.0, "ignored", &f->err), &f->err);

    sqlite3 *db = raw_open(f->path);
    sqlite3_stmt *st = raw_row(db, "SELECT value IS NULL, null_reason FROM results "
                                   "WHERE metric = 'dice'", 0);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 1),
                        "empty reference and prediction");
    sqlite3_finalize(st);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM results WHERE metric = 'hd95'", 0), 0);
    st = raw_row(db, "SELECT value, typeof(value) FROM results WHERE metric = 'psnr'", 0);
    assert_true(isinf(sqlite3_column_double(st, 0)) && sqlite3_column_double(st, 0) > 0);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "real");
    sqlite3_finalize(st);
    st = raw_row(db, "SELECT value FROM results WHERE metric = 'logl'", 0);
    assert_true(isinf(sqlite3_column_double(st, 0)) && sqlite3_column_double(st, 0) < 0);
    sqlite3_finalize(st);
    assert_int_equal(raw_int(db, "SELECT null_reason IS NULL FROM results "
                                 "WHERE metric = 'ssim'", 0), 1);
    /* The schema itself refuses an unexplained NULL from any writer. */
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO results (run_id, case_id, "
                                          "perturbation_id, metric, value) "
                                          "VALUES (1, 1, 1, 'x', NULL)", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);

    /* Overwriting an undefined value with a defined one clears the reason. */
    assert_ok(mrv_store_result(f->s, run, c, p, "dice", 0.5, NULL, &f->err), &f->err);
    db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT null_reason IS NULL FROM results "
                                 "WHERE metric = 'dice'", 0), 1);
    sqlite3_close(db);
}

static void test_hostile_strings(void **state)
{
    struct fx *f = *state;
    open_store(f);
    const char *model = "O'Brien \"net\" " HOSTILE;
    int64_t run = add_run(f, model);
    int64_t c = add_case(f, HOSTILE);
    int64_t p = add_pert(f, c, "none", 0);
    assert_ok(mrv_store_result(f->s, run, c, p, "psnr", 1.0, NULL, &f->err), &f->err);
    assert_ok(mrv_store_result(f->s, run, c, p, "x'y", NAN, HOSTILE, &f->err), &f->err);
    assert_ok(mrv_store_provenance(f->s, run, "case", HOSTILE, NULL, HOSTILE, &f->err),
              &f->err);

    struct mrv_run_row *rows = NULL;
    size_t n = 0;
    assert_ok(mrv_store_runs(f->s, &rows, &n, &f->err), &f->err);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].model, model);
    free(rows);

    sqlite3 *db = raw_open(f->path);
    char buf[256];
    raw_text(db, "SELECT case_key FROM cases WHERE id = ?1", c, buf, sizeof buf);
    assert_string_equal(buf, HOSTILE);
    raw_text(db, "SELECT null_reason FROM results WHERE metric = 'x''y'", 0, buf, sizeof buf);
    assert_string_equal(buf, HOSTILE);
    raw_text(db, "SELECT detail FROM provenance WHERE run_id = ?1", run, buf, sizeof buf);
    assert_string_equal(buf, HOSTILE);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM results", 0), 2);
    sqlite3_close(db);
}

static void test_foreign_keys(void **state)
{
    struct fx *f = *state;
    open_store(f);
    int64_t run = add_run(f, "unet");
    int64_t c = add_case(f, "case-001");
    int64_t p = add_pert(f, c, "none", 0);
    assert_int_equal(mrv_store_result(f->s, run + 99, c, p, "psnr", 1.0, NULL, &f->err),
                     MRV_EINVAL);
    assert_non_null(strstr(f->err.msg, "FOREIGN KEY"));
    assert_non_null(strstr(f->err.msg, f->path));
    assert_int_equal(mrv_store_result(f->s, run, c, p + 99, "psnr", 1.0, NULL, &f->err),
                     MRV_EINVAL);
    int64_t id = 0;
    assert_int_equal(mrv_store_perturbation(f->s, c + 99, "noise", 1, 0, 1, NULL, &id, &f->err),
                     MRV_EINVAL);
    assert_int_equal(mrv_store_provenance(f->s, run + 99, "model", "m", NULL, NULL, &f->err),
                     MRV_EINVAL);
    sqlite3 *db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM results", 0), 0);
    sqlite3_close(db);
}

static void test_refused_values(void **state)
{
    struct fx *f = *state;
    open_store(f);
    int64_t id = 0;
    assert_int_equal(mrv_store_case(f->s, "phantom", "c", NULL, "{not json", &id, &f->err),
                     MRV_EINVAL);
    assert_int_equal(mrv_store_case(f->s, "phantom", "c", "XYZ", NULL, &id, &f->err),
                     MRV_EINVAL);
    assert_int_equal(mrv_store_case(f->s, "", "c", NULL, NULL, &id, &f->err), MRV_EINVAL);
    int64_t c = add_case(f, "case-001");
    /* Seeds are < 2^63: the largest fits exactly, 2^63 is refused. */
    assert_ok(mrv_store_perturbation(f->s, c, "noise", 1, 0, (uint64_t)INT64_MAX, NULL, &id,
                                     &f->err),
              &f->err);
    sqlite3 *db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT seed FROM perturbations WHERE id = ?1", id),
                     INT64_MAX);
    sqlite3_close(db);
    assert_int_equal(mrv_store_perturbation(f->s, c, "noise", 1, 0, (uint64_t)1 << 63, NULL,
                                            &id, &f->err),
                     MRV_EINVAL);
    assert_int_equal(mrv_store_perturbation(f->s, c, "noise", -1, 0, 1, NULL, &id, &f->err),
                     MRV_EINVAL);
    int64_t run = add_run(f, "unet");
    assert_int_equal(mrv_store_run_end(f->s, run, "done", &f->err), MRV_EINVAL);
    assert_int_equal(mrv_store_run_end(f->s, run + 5, "failed", &f->err), MRV_ENOTFOUND);
    struct mrv_run_info info = {.study = "s", .model = "m", .seed = (uint64_t)1 << 63};
    assert_int_equal(mrv_store_run_begin(f->s, &info, &id, &f->err), MRV_EINVAL);
}

static void test_transactions(void **state)
{
    struct fx *f = *state;
    open_store(f);
    assert_int_equal(mrv_store_commit(f->s, &f->err), MRV_EMISUSE);
    mrv_store_rollback(f->s); /* no-op */
    assert_ok(mrv_store_begin(f->s, &f->err), &f->err);
    assert_int_equal(mrv_store_begin(f->s, &f->err), MRV_EMISUSE);
    add_case(f, "rolled-back");
    mrv_store_rollback(f->s);
    assert_ok(mrv_store_begin(f->s, &f->err), &f->err);
    add_case(f, "committed");
    /* A reader on its own connection sees the last commit while the writer
     * holds its transaction (WAL). */
    struct mrv_store *ro = NULL;
    assert_ok(mrv_store_open_readonly(f->path, &ro, &f->err), &f->err);
    struct mrv_run_row *rows = NULL;
    size_t n = 9;
    assert_ok(mrv_store_runs(ro, &rows, &n, &f->err), &f->err);
    assert_int_equal(n, 0);
    assert_null(rows);
    assert_ok(mrv_store_commit(f->s, &f->err), &f->err);
    int64_t id = 0;
    assert_int_equal(mrv_store_case(ro, "phantom", "x", NULL, NULL, &id, &f->err),
                     MRV_EMISUSE);
    mrv_store_close(ro);

    sqlite3 *db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM cases WHERE case_key = 'rolled-back'",
                             0), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM cases WHERE case_key = 'committed'",
                             0), 1);
    sqlite3_close(db);
    /* Closing with an open transaction rolls it back. */
    assert_ok(mrv_store_begin(f->s, &f->err), &f->err);
    add_case(f, "closed-open");
    mrv_store_close(f->s);
    f->s = NULL;
    db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM cases WHERE case_key = 'closed-open'",
                             0), 0);
    sqlite3_close(db);
}

static const struct mrv_summary_row *find(const struct mrv_summary_row *rows, size_t n,
                                          const char *family, int sev, const char *metric)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].family, family) && rows[i].severity == sev &&
            !strcmp(rows[i].metric, metric))
            return &rows[i];
    fail_msg("no summary row %s/%d/%s", family, sev, metric);
    return NULL;
}

static void test_summary(void **state)
{
    struct fx *f = *state;
    open_store(f);
    int64_t run = add_run(f, "unet");
    /* noise/1/psnr: 1, 2, 3, 4, NULL, +inf, -inf over seven cases. */
    const double v[] = {1, 2, 3, 4, NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 7; i++) {
        char key[16];
        snprintf(key, sizeof key, "case-%d", i);
        int64_t c = add_case(f, key);
        int64_t p = add_pert(f, c, "noise", 1);
        assert_ok(mrv_store_result(f->s, run, c, p, "psnr", v[i], "undefined", &f->err),
                  &f->err);
        if (i == 0) {
            int64_t clean = add_pert(f, c, "none", 0);
            assert_ok(mrv_store_result(f->s, run, c, clean, "psnr", 40.0, NULL, &f->err),
                      &f->err);
            assert_ok(mrv_store_result(f->s, run, c, clean, "ssim", NAN, "why", &f->err),
                      &f->err);
            int64_t blur = add_pert(f, c, "blur", 2);
            assert_ok(mrv_store_result(f->s, run, c, blur, "psnr", 20.0, NULL, &f->err),
                      &f->err);
        }
    }
    struct mrv_summary_row *rows = NULL;
    size_t n = 0;
    assert_ok(mrv_store_summary(f->s, &rows, &n, &f->err), &f->err);
    assert_int_equal(n, 4);
    /* Order: the clean family first, then families by name, then metric. */
    assert_string_equal(rows[0].family, "none");
    assert_string_equal(rows[0].metric, "psnr");
    assert_string_equal(rows[1].family, "none");
    assert_string_equal(rows[1].metric, "ssim");
    assert_string_equal(rows[2].family, "blur");
    assert_string_equal(rows[3].family, "noise");

    const struct mrv_summary_row *r = find(rows, n, "noise", 1, "psnr");
    assert_int_equal(r->run_id, run);
    assert_int_equal(r->n, 4);
    assert_int_equal(r->n_null, 1);
    assert_int_equal(r->n_posinf, 1);
    assert_int_equal(r->n_neginf, 1);
    assert_close(r->mean, 2.5, 1e-12);
    assert_close(r->std, 1.2909944487358056, 1e-12); /* sqrt(5/3) */

    r = find(rows, n, "none", 0, "psnr");
    assert_int_equal(r->n, 1);
    assert_close(r->mean, 40.0, 0);
    assert_close(r->std, 0.0, 0);
    r = find(rows, n, "none", 0, "ssim");
    assert_int_equal(r->n, 0);
    assert_int_equal(r->n_null, 1);
    assert_true(isnan(r->mean) && isnan(r->std));
    free(rows);
}

static void test_garbage_file(void **state)
{
    struct fx *f = *state;
    const char junk[] = "not a database, just some bytes that are long enough to matter\n";
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fwrite(junk, 1, sizeof junk - 1, fp);
    fclose(fp);
    assert_int_equal(mrv_store_open(f->path, &f->s, &f->err), MRV_EFORMAT);
    assert_null(f->s);
    assert_non_null(strstr(f->err.msg, f->path));
    assert_int_equal(mrv_store_open_readonly(f->path, &f->s, &f->err), MRV_EFORMAT);
    assert_non_null(strstr(f->err.msg, f->path));
    /* Left as it was. */
    fp = fopen(f->path, "rb");
    char head[sizeof junk];
    assert_int_equal(fread(head, 1, sizeof junk - 1, fp), sizeof junk - 1);
    fclose(fp);
    assert_memory_equal(head, junk, sizeof junk - 1);
}

static void test_newer_schema(void **state)
{
    struct fx *f = *state;
    open_store(f);
    mrv_store_close(f->s);
    f->s = NULL;
    sqlite3 *db = raw_open(f->path);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mrv_store_open(f->path, &f->s, &f->err), MRV_EFORMAT);
    assert_non_null(strstr(f->err.msg, f->path));
    assert_non_null(strstr(f->err.msg, "99"));
    assert_int_equal(mrv_store_open_readonly(f->path, &f->s, &f->err), MRV_EFORMAT);
    db = raw_open(f->path);
    assert_int_equal(raw_int(db, "PRAGMA user_version", 0), 99);
    sqlite3_close(db);
}

static void test_foreign_database(void **state)
{
    struct fx *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE photos (id INTEGER)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mrv_store_open(f->path, &f->s, &f->err), MRV_EFORMAT);
    assert_non_null(strstr(f->err.msg, "not an mrvet store"));
    db = raw_open(f->path);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master", 0), 1);
    sqlite3_close(db);
}

static void test_readonly_missing(void **state)
{
    struct fx *f = *state;
    assert_int_equal(mrv_store_open_readonly(f->path, &f->s, &f->err), MRV_ENOTFOUND);
    assert_non_null(strstr(f->err.msg, f->path));
    assert_int_equal(access(f->path, F_OK), -1); /* not created */
    open_store(f);
    add_run(f, "unet");
    mrv_store_close(f->s);
    f->s = NULL;
    assert_ok(mrv_store_open_readonly(f->path, &f->s, &f->err), &f->err);
    struct mrv_run_row *rows = NULL;
    size_t n = 0;
    assert_ok(mrv_store_runs(f->s, &rows, &n, &f->err), &f->err);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].status, "running");
    assert_string_equal(rows[0].ended_at, "");
    free(rows);
    assert_int_equal(mrv_store_begin(f->s, &f->err), MRV_EMISUSE);
    mrv_store_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upserts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nan_and_inf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
