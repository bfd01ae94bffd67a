/* store/schema_internal.h — private to store/: the handle, its statement
 * cache and the helpers the three store files share.
 *
 * Names here are mrv_store__* (double underscore): visible to the linker
 * because store.c, schema.c and query.c share them, but not API. Nothing
 * outside store/ may include this file.
 */
#ifndef MRV_STORE_SCHEMA_INTERNAL_H
#define MRV_STORE_SCHEMA_INTERNAL_H

#include <stdbool.h>

#include <sqlite3.h>

#include "store/store.h"

/* mrvet's mark in the file header (PRAGMA application_id), "MRVT", so a
 * store is recognisable with `file(1)`-style tools and an unrelated SQLite
 * database passed by mistake is refused instead of being written into. */
#define MRV_STORE_APPLICATION_ID 0x4D525654

/* Every statement the store runs more than once, prepared on first use and
 * kept on the handle. The SQL texts are in store.c (stmt_sql[]), one row per
 * id, in this order. */
enum mrv_stmt {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_RUN_INSERT,
    STMT_RUN_END,
    STMT_CASE_INSERT,
    STMT_CASE_SELECT,
    STMT_PERT_INSERT,
    STMT_PERT_SELECT,
    STMT_RESULT_UPSERT,
    STMT_PROV_UPSERT,
    STMT_ARTIFACT_UPSERT,
    STMT_RUNS_SELECT,
    STMT_SUMMARY_SELECT,
    STMT_COUNT_
};

struct mrv_store {
    sqlite3 *db;
    char *path;                     /* as given to open, for messages */
    bool readonly;
    bool in_tx;                     /* between mrv_store_begin and commit/rollback */
    sqlite3_stmt *stmt[STMT_COUNT_];
};

/* The cached statement `id`, prepared on first use, reset and with no
 * bindings. NULL (and `err` set, MRV_ESTORE) if preparing failed. */
sqlite3_stmt *mrv_store__stmt(struct mrv_store *s, enum mrv_stmt id,
                              struct mrv_error *err);

/* Turn a failed SQLite call into a status and one message naming the store
 * path, what was being done and SQLite's words. Constraint violations
 * (foreign key, CHECK, NOT NULL) are the caller's values being refused:
 * MRV_EINVAL. "Not a database" and corruption: MRV_EFORMAT. Everything
 * else: MRV_ESTORE. */
enum mrv_status mrv_store__fail(struct mrv_store *s, int rc, const char *what,
                                struct mrv_error *err);

/* Copy `src` (NULL -> "") into dst[size], truncated at a UTF-8 character
 * boundary so a long name never ends in half a character. size 0 writes
 * nothing. */
void mrv_store__copy(char *dst, size_t size, const char *src);

#endif
