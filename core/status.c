#define MRV_STATUS_IMPL /* defines mrv_error_set: no analyzer macro here (status.h) */
#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>

const char *mrv_strerror(enum mrv_status s)
{
    switch (s) {
    case MRV_OK: return "success";
    case MRV_ENOMEM: return "out of memory";
    case MRV_EINVAL: return "invalid argument";
    case MRV_EIO: return "input/output error";
    case MRV_EFORMAT: return "malformed input";
    case MRV_EMODEL: return "model failure";
    case MRV_ESTORE: return "store error";
    case MRV_EMISUSE: return "API misuse";
    case MRV_ENOTFOUND: return "not found";
    case MRV_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

enum mrv_status mrv_error_set(struct mrv_error *err, enum mrv_status code,
                              const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void mrv_error_clear(struct mrv_error *err)
{
    if (err) {
        err->code = MRV_OK;
        err->msg[0] = '\0';
    }
}
