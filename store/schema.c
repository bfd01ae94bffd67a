/* store/schema.c — opening a store: connection settings, the schema as a
 * list of migrations keyed on PRAGMA user_version, and the checks that keep
 * mrvet from writing into a file that is not its own.
 *
 * A store at version k is brought to MRV_STORE_SCHEMA_VERSION by running
 * steps k+1 .. N in order, each in its own IMMEDIATE transaction that also
 * sets user_version, so a crash mid-migration leaves the file at a whole
 * version and the next open carries on. Adding version 2 is one more row in
 * `steps` (and bumping MRV_STORE_SCHEMA_VERSION); a step never changes once
 * released, because stores in the field were made by it.
 *
 * Tables are plain (not STRICT) so readers older than SQLite 3.37 can still
 * open a store; CHECK constraints give the guarantees STRICT would
 * (value is REAL or NULL, seeds are non-negative integers, JSON is valid).
 * docs/db-schema.md documents every column; keep the two in step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "store/schema_internal.h"

/* The 64-hex-digit lowercase form written by core/sha256.h, or NULL. */
#define SHA256_CHECK(col)                                                      \
    "CHECK (" col " IS NULL OR (length(" col ") = 64 AND "                     \
    col " NOT GLOB '*[^0-9a-f]*'))"

/* A writer waits this long for another connection's lock before giving up
 * (a report reading while a run writes, two shards sharing a disk). */
#define BUSY_TIMEOUT_MS 5000

static const char v1_sql[] =
    "CREATE TABLE runs ("
    "  id               INTEGER PRIMARY KEY,"
    "  uuid             TEXT NOT NULL UNIQUE,"
    "  study            TEXT NOT NULL,"
    "  model            TEXT NOT NULL,"
    "  model_version    TEXT,"
    "  adapter          TEXT,"
    "  config_json      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config_json)),"
    "  config_sha256    TEXT " SHA256_CHECK("config_sha256") ","
    "  software_version TEXT,"
    "  git_commit       TEXT,"
    "  host             TEXT,"
    "  seed             INTEGER NOT NULL CHECK (typeof(seed) = 'integer' AND seed >= 0),"
    "  started_at       TEXT NOT NULL,"
    "  ended_at         TEXT,"
    "  status           TEXT NOT NULL CHECK (status IN"
    "                     ('running', 'completed', 'failed', 'interrupted'))"
    ");"
    "CREATE TABLE cases ("
    "  id       INTEGER PRIMARY KEY,"
    "  dataset  TEXT NOT NULL,"
    "  case_key TEXT NOT NULL,"
    "  sha256   TEXT " SHA256_CHECK("sha256") ","
    "  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),"
    "  UNIQUE (dataset, case_key)"
    ");"
    "CREATE TABLE perturbations ("
    "  id       INTEGER PRIMARY KEY,"
    "  case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
    "  family   TEXT NOT NULL,"
    "  severity INTEGER NOT NULL CHECK (typeof(severity) = 'integer' AND severity >= 0),"
    "  repeat   INTEGER NOT NULL DEFAULT 0 CHECK (typeof(repeat) = 'integer' AND repeat >= 0),"
    "  seed     INTEGER NOT NULL CHECK (typeof(seed) = 'integer' AND seed >= 0),"
    "  params   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),"
    "  UNIQUE (case_id, family, severity, repeat, seed)"
    ");"
    "CREATE TABLE results ("
    "  id              INTEGER PRIMARY KEY,"
    "  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  case_id         INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
    "  perturbation_id INTEGER NOT NULL REFERENCES perturbations(id) ON DELETE CASCADE,"
    "  metric          TEXT NOT NULL,"
    "  value           REAL CHECK (value IS NULL OR typeof(value) = 'real'),"
    "  null_reason     TEXT,"
    /* Undefined is stated, never silent; a defined value carries no reason. */
    "  CHECK (value IS NOT NULL OR null_reason IS NOT NULL),"
    "  CHECK (value IS NULL OR null_reason IS NULL),"
    "  UNIQUE (run_id, case_id, perturbation_id, metric)"
    ");"
    "CREATE TABLE artifacts ("
    "  id              INTEGER PRIMARY KEY,"
    "  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  case_id         INTEGER REFERENCES cases(id) ON DELETE CASCADE,"
    "  perturbation_id INTEGER REFERENCES perturbations(id) ON DELETE CASCADE,"
    "  kind            TEXT NOT NULL,"
    "  path            TEXT NOT NULL,"
    "  sha256          TEXT " SHA256_CHECK("sha256") ","
    "  UNIQUE (run_id, kind, path)"
    ");"
    "CREATE TABLE provenance ("
    "  id      INTEGER PRIMARY KEY,"
    "  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  kind    TEXT NOT NULL,"
    "  name    TEXT NOT NULL,"
    "  sha256  TEXT " SHA256_CHECK("sha256") ","
    "  detail  TEXT,"
    "  UNIQUE (run_id, kind, name)"
    ");"
    /* The UNIQUE constraints already index runs(uuid), cases(dataset,
     * case_key), perturbations(case_id, ...), results(run_id, ...),
     * artifacts(run_id, ...) and provenance(run_id, ...). The rest: child
     * keys SQLite scans when a parent row is deleted, and the columns
     * reports and users filter on. */
    "CREATE INDEX results_perturbation ON results(perturbation_id);"
    "CREATE INDEX results_case ON results(case_id);"
    "CREATE INDEX results_metric ON results(metric, run_id);"
    "CREATE INDEX results_undefined ON results(run_id) WHERE value IS NULL;"
    "CREATE INDEX perturbations_family ON perturbations(family, severity);"
    "CREATE INDEX artifacts_case ON artifacts(case_id);"
    "CREATE INDEX artifacts_perturbation ON artifacts(perturbation_id);"
    /* application_id is a fixed constant; pragmas cannot take bound values. */
    "PRAGMA application_id = 1297241684;"
    "PRAGMA user_version = 1;";

_Static_assert(MRV_STORE_APPLICATION_ID == 1297241684,
               "v1_sql spells out the application id");

/* Version 2: resumable, sharded runs. A run records how many work items
 * failed (their results are NULL with the reason) and which shard of the
 * grid it covers; runs are looked up by (study, model) when a study
 * resumes. */
static const char v2_sql[] =
    "ALTER TABLE runs ADD COLUMN failed_items INTEGER NOT NULL DEFAULT 0"
    "  CHECK (typeof(failed_items) = 'integer' AND failed_items >= 0);"
    "ALTER TABLE runs ADD COLUMN shard TEXT;"
    "CREATE INDEX runs_study_model ON runs(study, model);"
    "PRAGMA user_version = 2;";

struct migration {
    int version; /* user_version once `sql` has run */
    const char *sql;
};

static const struct migration steps[] = {
    {1, v1_sql},
    {2, v2_sql},
};

#define N_STEPS (sizeof steps / sizeof steps[0])

_Static_assert(N_STEPS == MRV_STORE_SCHEMA_VERSION,
               "one migration step per schema version");

/* Run a one-integer-result PRAGMA (constant text). */
static enum mrv_status pragma_int(struct mrv_store *s, const char *sql, int *out,
                                  struct mrv_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        enum mrv_status ret = mrv_store__fail(s, rc, sql, err);
        sqlite3_finalize(st);
        return ret;
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return MRV_OK;
}

/* user_version and application_id, refusing a file that is not an mrvet
 * store or comes from a newer mrvet. `*fresh` is set for an empty file. */
static enum mrv_status inspect(struct mrv_store *s, int *version, bool *fresh,
                               struct mrv_error *err)
{
    int app = 0, objects = 0;
    enum mrv_status st;
    /* The first read of the file: a non-SQLite file fails here (NOTADB). */
    if ((st = pragma_int(s, "PRAGMA user_version", version, err)) != MRV_OK ||
        (st = pragma_int(s, "PRAGMA application_id", &app, err)) != MRV_OK ||
        (st = pragma_int(s, "SELECT count(*) FROM sqlite_master "
                            "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                         &objects, err)) != MRV_OK)
        return st;
    if (*version > MRV_STORE_SCHEMA_VERSION)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: store schema version %d is newer than this mrvet "
                             "understands (%d); use a newer mrvet",
                             s->path, *version, MRV_STORE_SCHEMA_VERSION);
    if (app != 0 && app != MRV_STORE_APPLICATION_ID)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: SQLite database of another application "
                             "(application_id %d), not an mrvet store",
                             s->path, app);
    if (*version == 0 && objects > 0)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: SQLite database with %d tables/indexes but no mrvet "
                             "schema version; not an mrvet store",
                             s->path, objects);
    if (*version > 0 && app != MRV_STORE_APPLICATION_ID)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: SQLite database with user_version %d but without "
                             "mrvet's application_id; not an mrvet store",
                             s->path, *version);
    *fresh = *version == 0;
    return MRV_OK;
}

static enum mrv_status run_step(struct mrv_store *s, const struct migration *m,
                                struct mrv_error *err)
{
    /* IMMEDIATE takes the write lock up front: of two processes opening a
     * fresh store together, the second waits (busy timeout), then sees the
     * version the first wrote and skips the step. */
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return mrv_store__fail(s, rc, "starting schema migration", err);
    int now = 0;
    enum mrv_status st = pragma_int(s, "PRAGMA user_version", &now, err);
    if (st == MRV_OK && now < m->version) {
        rc = sqlite3_exec(s->db, m->sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            char what[64];
            snprintf(what, sizeof what, "migrating schema to version %d", m->version);
            st = mrv_store__fail(s, rc, what, err);
        } else if ((st = pragma_int(s, "PRAGMA user_version", &now, err)) == MRV_OK &&
                   now != m->version) {
            st = mrv_error_set(err, MRV_EINTERNAL,
                               "%s: migration step %d left user_version at %d",
                               s->path, m->version, now);
        }
    }
    if (st != MRV_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st = mrv_store__fail(s, rc, "committing schema migration", err);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return st;
}

/* WAL lets reports read while a run writes, and makes a killed writer
 * lose at most its open transaction. Returns the mode SQLite settled on. */
static enum mrv_status set_wal(struct mrv_store *s, struct mrv_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        enum mrv_status ret = mrv_store__fail(s, rc, "setting WAL journal mode", err);
        sqlite3_finalize(st);
        return ret;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    /* Some file systems (network mounts) cannot hold the WAL index; the
     * store still works in rollback-journal mode, only slower to read. */
    if (!mode || strcmp(mode, "wal") != 0)
        mrv_log_warn("%s: journal mode is '%s', not WAL", s->path, mode ? mode : "?");
    sqlite3_finalize(st);
    return MRV_OK;
}

static enum mrv_status migrate(struct mrv_store *s, struct mrv_error *err)
{
    int version = 0;
    bool fresh = false;
    enum mrv_status st = inspect(s, &version, &fresh, err);
    if (st != MRV_OK)
        return st;
    if ((st = set_wal(s, err)) != MRV_OK)
        return st;
    for (size_t i = 0; i < N_STEPS; i++) {
        if (steps[i].version <= version)
            continue;
        if ((st = run_step(s, &steps[i], err)) != MRV_OK)
            return st;
        if (!fresh)
            mrv_log_info("%s: store schema migrated to version %d", s->path,
                         steps[i].version);
    }
    return MRV_OK;
}

/* A read-only handle cannot migrate: the file must already be at exactly
 * MRV_STORE_SCHEMA_VERSION. */
static enum mrv_status check_readonly(struct mrv_store *s, struct mrv_error *err)
{
    int version = 0;
    bool fresh = false;
    enum mrv_status st = inspect(s, &version, &fresh, err);
    if (st != MRV_OK)
        return st;
    if (fresh)
        return mrv_error_set(err, MRV_EFORMAT, "%s: empty file, not an mrvet store",
                             s->path);
    if (version < MRV_STORE_SCHEMA_VERSION)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: store schema version %d is older than %d; open it "
                             "once for writing (e.g. mrvet run) to migrate it",
                             s->path, version, MRV_STORE_SCHEMA_VERSION);
    return MRV_OK;
}

/* ---- open / close ------------------------------------------------------- */

static enum mrv_status open_store(const char *path, bool readonly, struct mrv_store **out,
                                  struct mrv_error *err)
{
    if (!out)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_store_open: NULL out");
    *out = NULL;
    if (!path || !*path)
        return mrv_error_set(err, MRV_EINVAL, "store path is empty");
    struct stat sb;
    if (readonly && stat(path, &sb) != 0)
        return mrv_error_set(err, errno == ENOENT ? MRV_ENOTFOUND : MRV_EIO, "%s: %s",
                             path, strerror(errno));

    struct mrv_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory opening store", path);
    }
    s->readonly = readonly;
    /* NOMUTEX: the handle is used by one thread at a time (store.h). */
    int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    enum mrv_status st = MRV_OK;
    if (rc != SQLITE_OK) {
        st = (rc & 0xff) == SQLITE_CANTOPEN
                 ? mrv_error_set(err, MRV_EIO, "%s: cannot open store: %s", path,
                                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc))
                 : mrv_store__fail(s, rc, "opening store", err);
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);

    if (readonly) {
        st = check_readonly(s, err);
    } else {
        /* foreign_keys is per connection and off by default in SQLite;
         * synchronous=NORMAL is crash-safe in WAL mode (a power cut may lose
         * the last commits, which a resumed run redoes). */
        rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            st = mrv_store__fail(s, rc, "enabling foreign keys", err);
        else if ((st = migrate(s, err)) == MRV_OK &&
                 (rc = sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
                                    NULL)) != SQLITE_OK)
            st = mrv_store__fail(s, rc, "setting synchronous mode", err);
    }
    if (st != MRV_OK)
        goto fail;
    *out = s;
    return MRV_OK;
fail:
    mrv_store_close(s);
    return st;
}

enum mrv_status mrv_store_open(const char *path, struct mrv_store **out,
                               struct mrv_error *err)
{
    return open_store(path, false, out, err);
}

enum mrv_status mrv_store_open_readonly(const char *path, struct mrv_store **out,
                                        struct mrv_error *err)
{
    return open_store(path, true, out, err);
}

void mrv_store_close(struct mrv_store *s)
{
    if (!s)
        return;
    if (s->db && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < STMT_COUNT_; i++)
        sqlite3_finalize(s->stmt[i]);
    if (s->db && sqlite3_close(s->db) != SQLITE_OK)
        mrv_log_warn("%s: closing store: %s", s->path, sqlite3_errmsg(s->db));
    free(s->path);
    free(s);
}

const char *mrv_store_path(const struct mrv_store *s)
{
    return s ? s->path : NULL;
}
