#include "harness/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int mrv_exit_code(enum mrv_status s)
{
    switch (s) {
    case MRV_OK: return MRV_EXIT_OK;
    case MRV_EINVAL:
    case MRV_EIO:
    case MRV_EFORMAT:
    case MRV_ENOTFOUND:
    case MRV_ESTORE:
        return MRV_EXIT_USAGE;
    case MRV_EMODEL: return MRV_EXIT_MODEL;
    case MRV_ENOMEM:
    case MRV_EMISUSE:
    case MRV_EINTERNAL:
        break;
    }
    return MRV_EXIT_INTERNAL;
}

int mrv_cli_fail(const char *cmd, const struct mrv_error *err)
{
    fprintf(stderr, "mrvet %s: %s\n", cmd, err->msg[0] ? err->msg : mrv_strerror(err->code));
    return mrv_exit_code(err->code);
}

int mrv_cli_parse_u64(const char *cmd, const char *opt, const char *text,
                      unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > max) {
        fprintf(stderr, "mrvet %s: %s '%s': expected an integer 0..%llu\n", cmd, opt, text, max);
        return 0;
    }
    *out = v;
    return 1;
}

int mrv_cli_parse_double(const char *cmd, const char *opt, const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v)) {
        fprintf(stderr, "mrvet %s: %s expects a number, got '%s'\n", cmd, opt, text);
        return 0;
    }
    *out = v;
    return 1;
}
