/* tests/metrics/golden_util.h — golden values from the live oracles, so the
 * oracle comparisons still run where Debian's python3/scipy/skimage are
 * absent.
 *
 * A golden file tests/<folder>/golden/<name>.txt holds one line per oracle
 * case: "<case-id> v1 v2 ...". tests/metrics/make_golden.sh regenerates
 * them by running the test executables with MRV_GOLDEN_WRITE=1 while the
 * oracles are installed. At test time:
 *   - oracle present: its values are used, and the golden line (if any)
 *     must agree with them to `tol` (a stale golden fails loudly);
 *   - oracle absent: the golden line is used; no golden -> the case skips.
 */
#ifndef MRV_TESTS_GOLDEN_UTIL_H
#define MRV_TESTS_GOLDEN_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void golden_path(char *buf, size_t size, const char *folder, const char *name)
{
    snprintf(buf, size, "%s/tests/%s/golden/%s.txt", MRV_SOURCE_DIR, folder, name);
}

/* Read the n values of case `id`; returns 1 when found. */
static int golden_read(const char *folder, const char *name, const char *id, double *v,
                       int n)
{
    char path[1024], line[4096];
    golden_path(path, sizeof path, folder, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *p = line;
        size_t len = strcspn(p, " \n");
        if (len != strlen(id) || strncmp(p, id, len) != 0)
            continue;
        p += len;
        int k = 0;
        for (; k < n; k++) {
            char *end;
            v[k] = strtod(p, &end);
            if (end == p)
                break;
            p = end;
        }
        found = k == n;
    }
    fclose(f);
    return found;
}

/* Append a case when MRV_GOLDEN_WRITE is set (make_golden.sh truncates the
 * files first). */
static void golden_write(const char *folder, const char *name, const char *id,
                         const double *v, int n)
{
    if (!getenv("MRV_GOLDEN_WRITE"))
        return;
    char path[1024];
    golden_path(path, sizeof path, folder, name);
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s", id);
    for (int k = 0; k < n; k++)
        fprintf(f, " %.17g", v[k]);
    fputc('\n', f);
    fclose(f);
}

/* The oracle's values for case `id`: from the live oracle when `live` is
 * non-zero (then checked against the golden line), else from the golden
 * file. Returns 0 when neither is available (the caller skips). */
static int golden_resolve(const char *folder, const char *name, const char *id, int live,
                          double *v, int n, double tol)
{
    double g[64];
    if (n > 64)
        return 0;
    int have = golden_read(folder, name, id, g, n);
    if (live) {
        golden_write(folder, name, id, v, n);
        for (int k = 0; have && k < n && !getenv("MRV_GOLDEN_WRITE"); k++)
            if (!(fabs(g[k] - v[k]) <= tol) && !(isnan(g[k]) && isnan(v[k])))
                fail_msg("golden %s/%s case %s value %d: file %.17g, live oracle %.17g; "
                         "regenerate with tests/metrics/make_golden.sh",
                         folder, name, id, k, g[k], v[k]);
        return 1;
    }
    if (!have)
        return 0;
    memcpy(v, g, (size_t)n * sizeof *v);
    return 1;
}

#endif
