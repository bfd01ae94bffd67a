/* Helpers the adapter kinds share: settings, command lines, temp folders. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/adapter_internal.h"

const char *mrv_ad_setting(const struct mrv_kv *s, int n, const char *key, const char *def)
{
    for (int i = n - 1; i >= 0; i--) /* the last one given wins */
        if (s[i].key && strcmp(s[i].key, key) == 0)
            return s[i].value;
    return def;
}

enum mrv_status mrv_ad_setting_double(const struct mrv_kv *s, int n, const char *key, double def,
                                      double min, double max, const char *model, double *out,
                                      struct mrv_error *err)
{
    const char *v = mrv_ad_setting(s, n, key, NULL);
    if (!v) {
        *out = def;
        return MRV_OK;
    }
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    while (*end == ' ' || *end == '\t') /* strtod always sets end */
        end++;
    if (errno || end == v || *end || !isfinite(d) || d < min || d > max)
        return mrv_error_set(err, MRV_EINVAL,
                             "model %s: setting %s = '%s', expected a number in [%g, %g]", model,
                             key, v, min, max);
    *out = d;
    return MRV_OK;
}

enum mrv_status mrv_ad_split_command(const char *cmd, char ***argv_out, int *argc_out,
                                     struct mrv_error *err)
{
    size_t len = strlen(cmd);
    /* Worst case: every other character starts a word. */
    size_t nptr = len / 2 + 2;
    char **argv = malloc(nptr * sizeof *argv + len + 1);
    if (!argv)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    char *buf = (char *)(argv + nptr), *w = buf;
    int argc = 0;
    const char *p = cmd;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        argv[argc++] = w;
        char quote = 0;
        for (; *p; p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
                else if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    *w++ = *++p;
                else
                    *w++ = *p;
            } else if (*p == '\'' || *p == '"') {
                quote = *p;
            } else if (*p == '\\' && p[1]) {
                *w++ = *++p;
            } else if (*p == ' ' || *p == '\t' || *p == '\n') {
                break;
            } else {
                *w++ = *p;
            }
        }
        *w++ = 0;
        if (quote) {
            free(argv);
            return mrv_error_set(err, MRV_EINVAL, "command '%s': unterminated %c quote", cmd,
                                 quote);
        }
    }
    argv[argc] = NULL;
    if (argc == 0) {
        free(argv);
        return mrv_error_set(err, MRV_EINVAL, "command is empty, expected a program and its "
                                              "arguments");
    }
    *argv_out = argv;
    *argc_out = argc;
    return MRV_OK;
}

enum mrv_status mrv_ad_mkdtemp(const char *base, const char *prefix, char *buf, size_t size,
                               struct mrv_error *err)
{
    const char *t = base && *base ? base : getenv("TMPDIR");
    if (!t || !*t)
        t = "/tmp";
    if ((size_t)snprintf(buf, size, "%s/%s-XXXXXX", t, prefix) >= size)
        return mrv_error_set(err, MRV_EIO, "temporary folder path under %s too long", t);
    if (!mkdtemp(buf))
        return mrv_error_set(err, MRV_EIO, "cannot create a temporary folder in %s: %s", t,
                             strerror(errno));
    return MRV_OK;
}

void mrv_ad_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(dir);
}

enum mrv_status mrv_ad_center_crop(struct mrv_array *img, size_t ny, size_t nx,
                                   struct mrv_error *err)
{
    if (img->ndim != 3 || img->dtype != MRV_F32)
        return MRV_OK;
    size_t iy = img->dims[1], ix = img->dims[2];
    if ((iy == ny && ix == nx) || ny > iy || nx > ix || !ny || !nx)
        return MRV_OK;
    struct mrv_array o;
    enum mrv_status s = mrv_array_center_crop(img, ny, nx, &o, err);
    if (s != MRV_OK)
        return s;
    mrv_array_free(img);
    *img = o;
    return MRV_OK;
}

enum mrv_status mrv_ad_check_recon_input(const char *model, const struct mrv_model_input *in,
                                         struct mrv_error *err)
{
    const struct mrv_array *k = in->kspace;
    if (in->task != MRV_TASK_RECONSTRUCTION)
        return mrv_error_set(err, MRV_EINVAL, "model %s: reconstructs k-space, got a %s input",
                             model, mrv_task_name(in->task));
    if (!k || k->dtype != MRV_C64 || k->ndim != 4) {
        char got[96] = "none";
        if (k)
            mrv_array_describe(k, got, sizeof got);
        return mrv_error_set(err, MRV_EINVAL,
                             "model %s: kspace %s, expected (slices, coils, ky, kx) c64", model,
                             got);
    }
    if (in->mask && in->mask->ndim &&
        (in->mask->dtype != MRV_U8 || in->mask->ndim != 1 || in->mask->dims[0] != k->dims[3]))
        return mrv_error_set(err, MRV_EINVAL, "model %s: mask must be (kx = %zu) u8", model,
                             k->dims[3]);
    const struct mrv_array *c = in->coil_maps;
    if (c && c->ndim && (c->dtype != MRV_C64 || c->ndim != 4 || c->dims[0] != k->dims[0] ||
                         c->dims[1] != k->dims[1]))
        return mrv_error_set(err, MRV_EINVAL,
                             "model %s: coil maps must be (slices, coils, y, x) c64 matching "
                             "the k-space's slices and coils", model);
    return MRV_OK;
}
