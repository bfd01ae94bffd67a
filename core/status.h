/* core/status.h — status codes and error messages shared by every module.
 *
 * Functions that can fail return an enum mrv_status (MRV_OK == 0) and, when
 * given a non-NULL struct mrv_error, write one human sentence into it that
 * names the file, the field and what was expected. An error is reported once,
 * where it is detected; callers propagate the code and leave the message
 * alone. Only main() turns a status into an exit code.
 *
 * Codes are never renumbered: they are stored and compared across versions.
 */
#ifndef MRV_CORE_STATUS_H
#define MRV_CORE_STATUS_H

#include <stddef.h>

enum mrv_status {
    MRV_OK = 0,
    MRV_ENOMEM = 1,   /* allocation failed */
    MRV_EINVAL = 2,   /* invalid argument or configuration value */
    MRV_EIO = 3,      /* a file or pipe could not be read or written */
    MRV_EFORMAT = 4,  /* a file exists but its content is not what was expected */
    MRV_EMODEL = 5,   /* the model failed, hung, or returned unusable output */
    MRV_ESTORE = 6,   /* the SQLite store refused an operation */
    MRV_EMISUSE = 7,  /* the API was called in a way its contract forbids */
    MRV_ENOTFOUND = 8,/* a named item (file, case, metric, ...) does not exist */
    MRV_EINTERNAL = 9 /* a bug in mrvet */
};

#define MRV_ERROR_MAX 1024

struct mrv_error {
    enum mrv_status code;
    char msg[MRV_ERROR_MAX];
};

/* A static, never-NULL English name for any status value (unknown values
 * included). Thread-safe. */
const char *mrv_strerror(enum mrv_status s);

/* Record `code` and a printf-style message in `err` (which may be NULL) and
 * return `code`, so a failing function can write `return mrv_error_set(...)`.
 * The message is truncated to MRV_ERROR_MAX-1 bytes. */
enum mrv_status mrv_error_set(struct mrv_error *err, enum mrv_status code,
                              const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#if defined(__clang_analyzer__) && !defined(MRV_STATUS_IMPL)
/* For clang-tidy's static analyzer only (docs/static-analysis.md): it looks
 * at one file at a time, so it cannot see that mrv_error_set returns `code`
 * and follows impossible paths where `return mrv_error_set(...)` gives
 * MRV_OK (then reports a NULL out-parameter as dereferenced). This macro
 * has exactly the function's meaning and is never seen by the compiler. */
#define mrv_error_set(err, code, ...) (mrv_error_set((err), (code), __VA_ARGS__), (code))
#endif

/* Reset `err` (may be NULL) to MRV_OK with an empty message. */
void mrv_error_clear(struct mrv_error *err);

#endif
