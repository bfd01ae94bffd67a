/* tests/tests_util.h — helpers shared by the cmocka tests. */
#ifndef MRV_TESTS_UTIL_H
#define MRV_TESTS_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/status.h"

/* Assert a status is MRV_OK, printing the error message otherwise. */
#define assert_ok(call, errp)                                                   \
    do {                                                                        \
        enum mrv_status s_ = (call);                                            \
        if (s_ != MRV_OK)                                                       \
            fail_msg("%s -> %s: %s", #call, mrv_strerror(s_), (errp)->msg);     \
    } while (0)

/* Assert |a - b| <= tol, printing both values. */
#define assert_close(a, b, tol)                                                 \
    do {                                                                        \
        double a_ = (a), b_ = (b);                                              \
        if (!(fabs(a_ - b_) <= (tol)))                                          \
            fail_msg("%s = %.12g, expected %.12g (tol %g)", #a, a_, b_,         \
                     (double)(tol));                                            \
    } while (0)

/* A fresh private directory under $TMPDIR (or /tmp); the returned path
 * is static storage, valid until the next call. */
const char *tu_tmpdir(void);

/* Remove `dir` and everything below it (symlinks are removed, not followed). */
void tu_rm_rf(const char *dir);

/* Debian's python3 with numpy/scikit-image, the independent oracle. Returns
 * true when /usr/bin/python3 can import every module listed (comma-separated). */
int tu_python_has(const char *modules);

/* Run /usr/bin/python3 on `script` (a file path) with `args`, capturing
 * stdout into buf. Returns the exit status (0 = success). */
int tu_python_run(const char *script, const char *args, char *buf, size_t size);

#endif
