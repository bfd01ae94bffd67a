/* BART cfl/hdr reader and writer, and the `cfl` dataset kind. */
#include "datasets/cfl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fft.h"
#include "datasets/dataset_internal.h"

/* base without extension into buf, then `ext` appended. */
static void with_ext(const char *base, const char *ext, char *buf, size_t size)
{
    size_t n = strlen(base);
    if (mrv_ds_has_suffix(base, ".cfl") || mrv_ds_has_suffix(base, ".hdr"))
        n -= 4;
    snprintf(buf, size, "%.*s%s", (int)n, base, ext);
}

enum mrv_status mrv_cfl_read_header(const char *base, long dims[MRV_CFL_DIMS],
                                    struct mrv_error *err)
{
    char path[4096];
    with_ext(base, ".hdr", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open (%s), expected a BART header",
                             path, strerror(errno));
    char line[4096];
    enum mrv_status s = MRV_OK;
    int lineno = 0;
    bool in_dims = false, found = false;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#') {
            in_dims = strncmp(line, "# Dimensions", 12) == 0;
            continue;
        }
        if (!in_dims)
            continue;
        char *p = line, *e;
        int d = 0;
        found = true;
        for (; d < MRV_CFL_DIMS; d++) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '\n' || *p == '\0')
                break;
            errno = 0;
            long v = strtol(p, &e, 10);
            if (e == p || errno || v < 1) {
                int tok = (int)strcspn(p, " \t\r\n"); /* the offending word only */
                s = mrv_error_set(err, MRV_EFORMAT,
                                  "%s: line %d: dimension %d is '%.*s', expected a positive "
                                  "integer", path, lineno, d, tok > 20 ? 20 : tok, p);
                break;
            }
            dims[d] = v;
            p = e;
        }
        while (s == MRV_OK && (*p == ' ' || *p == '\t' || *p == '\n'))
            p++;
        if (s == MRV_OK && (*p || d == 0))
            s = mrv_error_set(err, MRV_EFORMAT, "%s: line %d: %s, expected 1..%d sizes", path,
                              lineno, d == 0 ? "no sizes" : "too many sizes", MRV_CFL_DIMS);
        for (; s == MRV_OK && d < MRV_CFL_DIMS; d++)
            dims[d] = 1;
        break;
    }
    fclose(f);
    if (!found)
        s = mrv_error_set(err, MRV_EFORMAT, "%s: no '# Dimensions' line followed by sizes",
                          path);
    return s;
}

enum mrv_status mrv_cfl_read(const char *base, long dims[MRV_CFL_DIMS], float complex **data,
                             struct mrv_error *err)
{
    *data = NULL;
    enum mrv_status s = mrv_cfl_read_header(base, dims, err);
    if (s != MRV_OK)
        return s;
    size_t n = 1;
    for (int d = 0; d < MRV_CFL_DIMS; d++) {
        if ((size_t)dims[d] > ((size_t)1 << 40) / n)
            return mrv_error_set(err, MRV_EFORMAT, "%s: header sizes overflow", base);
        n *= (size_t)dims[d];
    }
    char path[4096];
    with_ext(base, ".cfl", path, sizeof path);
    struct stat st;
    if (stat(path, &st) != 0)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open (%s), expected BART data", path,
                             strerror(errno));
    if ((size_t)st.st_size != n * sizeof(float complex))
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: %lld bytes, expected %zu (complex64 x %zu elements from "
                             "the header)", path, (long long)st.st_size,
                             n * sizeof(float complex), n);
    float complex *buf = malloc(n * sizeof *buf);
    if (!buf)
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(buf, sizeof *buf, n, f) : 0;
    if (f)
        fclose(f);
    if (got != n) {
        free(buf);
        return mrv_error_set(err, MRV_EIO, "%s: read %zu of %zu elements", path, got, n);
    }
    *data = buf;
    return MRV_OK;
}

enum mrv_status mrv_cfl_write(const char *base, int D, const long dims[], const float complex *data,
                              struct mrv_error *err)
{
    if (D < 1 || D > MRV_CFL_DIMS)
        return mrv_error_set(err, MRV_EINVAL, "%s: %d dimensions, expected 1..%d", base, D,
                             MRV_CFL_DIMS);
    size_t n = 1;
    for (int d = 0; d < D; d++) {
        if (dims[d] < 1)
            return mrv_error_set(err, MRV_EINVAL, "%s: dimension %d is %ld, expected >= 1",
                                 base, d, dims[d]);
        n *= (size_t)dims[d];
    }
    char path[4096];
    with_ext(base, ".hdr", path, sizeof path);
    FILE *f = fopen(path, "w");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot create (%s)", path, strerror(errno));
    fputs("# Dimensions\n", f);
    for (int d = 0; d < MRV_CFL_DIMS; d++)
        fprintf(f, "%ld ", d < D ? dims[d] : 1L);
    fputs("\n# Creator\nmrvet\n", f);
    bool ok = fclose(f) == 0;
    with_ext(base, ".cfl", path, sizeof path);
    f = ok ? fopen(path, "wb") : NULL;
    ok = f && fwrite(data, sizeof *data, n, f) == n;
    if (f)
        ok = (fclose(f) == 0) && ok;
    if (!ok)
        return mrv_error_set(err, MRV_EIO, "%s: cannot write", path);
    return MRV_OK;
}

/* ---- the `cfl` dataset kind ---------------------------------------------
 * Each .cfl file (or the one given) holds 2D Cartesian k-space
 * (READ, PHS1, 1, COIL, 1, ..., SLICE); one case per slice. The case's
 * k-space is (1, coils, READ, PHS1): the phase-encode direction PHS1 is the
 * last axis, where undersampling masks act, as W is in fastMRI files. The
 * reference is the RSS of the centred orthonormal inverse FFT (BART's
 * `fft -u -i 3` followed by `rss 8`), so k-space must be fully sampled.
 */

struct cfl_case {
    size_t file, slice;
    char id[MRV_CASE_ID_MAX];
};

struct cfl_state {
    long (*dims)[MRV_CFL_DIMS];
    size_t nfiles;
    struct cfl_case *cases;
};

static void cfl_close(void *state)
{
    struct cfl_state *st = state;
    if (!st)
        return;
    free(st->dims);
    free(st->cases);
    free(st);
}

static enum mrv_status check_2d(const char *path, const long dims[], struct mrv_error *err)
{
    for (int d = 0; d < MRV_CFL_DIMS; d++)
        if (d != MRV_CFL_READ && d != MRV_CFL_PHS1 && d != MRV_CFL_COIL && d != MRV_CFL_SLICE &&
            dims[d] != 1)
            return mrv_error_set(err, MRV_EFORMAT,
                                 "%s: dimension %d has size %ld, expected 1 (2D Cartesian "
                                 "k-space: READ, PHS1, COIL, SLICE only)", path, d, dims[d]);
    return MRV_OK;
}

static enum mrv_status cfl_open(struct mrv_dataset *ds, struct mrv_error *err)
{
    enum mrv_status s = MRV_OK;
    if (!ds->path || !*ds->path)
        return mrv_ds_need_path(ds, err);
    static const char *const sfx[] = {".cfl", NULL};
    char **list = NULL;
    size_t n = 0;
    if ((s = mrv_ds_input_files(ds, sfx, "BART cfl/hdr pairs", &list, &n, err)) != MRV_OK)
        return s;
    struct cfl_state *st = calloc(1, sizeof *st);
    if (!st || !(st->dims = calloc(n, sizeof *st->dims))) {
        free(st);
        mrv_ds_free_list(list, n);
        return mrv_error_set(err, MRV_ENOMEM, "cfl: out of memory");
    }
    ds->state = st;
    size_t ncases = 0, cap = 0;
    for (size_t i = 0; i < n && s == MRV_OK; i++) {
        struct mrv_error e = {0};
        long *dims = st->dims[st->nfiles];
        char cflpath[4096]; /* the set names its files by their .cfl */
        with_ext(list[i], ".cfl", cflpath, sizeof cflpath);
        enum mrv_status fs = mrv_cfl_read_header(cflpath, dims, &e);
        struct stat sb;
        size_t want = sizeof(float complex);
        for (int d = 0; d < MRV_CFL_DIMS && fs == MRV_OK; d++)
            want *= (size_t)dims[d];
        if (fs == MRV_OK)
            fs = check_2d(cflpath, dims, &e);
        if (fs == MRV_OK && stat(cflpath, &sb) != 0)
            fs = mrv_error_set(&e, MRV_EIO, "%s: missing (%s); the .hdr needs its .cfl data "
                               "(%zu bytes)", cflpath, strerror(errno), want);
        else if (fs == MRV_OK && (size_t)sb.st_size != want)
            fs = mrv_error_set(&e, MRV_EFORMAT, "%s: %lld bytes, expected %zu from the header",
                               cflpath, (long long)sb.st_size, want);
        if (fs != MRV_OK) {
            s = mrv_ds_bad_file(ds, &e, err);
            continue;
        }
        size_t fi = st->nfiles++;
        if (mrv_ds_add_file(ds, cflpath) == (size_t)-1) {
            s = mrv_error_set(err, MRV_ENOMEM, "cfl: out of memory");
            break;
        }
        size_t ns = (size_t)dims[MRV_CFL_SLICE];
        if (ncases + ns > cap) {
            cap = 2 * (ncases + ns);
            struct cfl_case *c = realloc(st->cases, cap * sizeof *c);
            if (!c) {
                s = mrv_error_set(err, MRV_ENOMEM, "cfl: out of memory");
                break;
            }
            st->cases = c;
        }
        const char *b = mrv_ds_basename(cflpath);
        for (size_t k = 0; k < ns; k++) {
            struct cfl_case *c = &st->cases[ncases++];
            c->file = fi;
            c->slice = k;
            snprintf(c->id, sizeof c->id, "%.*s_s%03zu", (int)(strlen(b) - 4), b, k);
        }
    }
    mrv_ds_free_list(list, n);
    ds->count = ncases;
    return s;
}

static const char *cfl_case_id(const struct mrv_dataset *ds, size_t i)
{
    const struct cfl_state *st = ds->state;
    return st->cases[i].id;
}

static enum mrv_status cfl_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                struct mrv_error *err)
{
    const struct cfl_state *st = ds->state;
    const struct cfl_case *cc = &st->cases[i];
    const char *path = mrv_dataset_file_path(ds, cc->file);
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "%s", cc->id);
    c->task = MRV_TASK_RECONSTRUCTION;
    long dims[MRV_CFL_DIMS];
    float complex *raw = NULL;
    struct mrv_fft *fft = NULL;
    enum mrv_status s = mrv_cfl_read(path, dims, &raw, err);
    if (s == MRV_OK)
        s = check_2d(path, dims, err);
    if (s != MRV_OK) {
        free(raw);
        return s;
    }
    size_t R = (size_t)dims[0], P = (size_t)dims[1], C = (size_t)dims[3];
    size_t kd[4] = {1, C, R, P}, rd[3] = {1, R, P};
    if ((s = mrv_array_alloc(&c->kspace, MRV_C64, 4, kd, err)) == MRV_OK &&
        (s = mrv_array_alloc(&c->reference, MRV_F32, 3, rd, err)) == MRV_OK)
        s = mrv_fft_plan_create(2, kd + 2, &fft, err);
    float complex *img = s == MRV_OK ? malloc(C * R * P * sizeof *img) : NULL;
    if (s == MRV_OK && !img)
        s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    if (s == MRV_OK) {
        /* column-major (r, p, 1, c, ..., slice) -> C order (c, r, p) */
        const float complex *src = raw + cc->slice * C * R * P;
        float complex *k = c->kspace.data;
        for (size_t q = 0; q < C; q++)
            for (size_t r = 0; r < R; r++)
                for (size_t p = 0; p < P; p++)
                    k[(q * R + r) * P + p] = src[r + R * (p + P * q)];
        size_t bad = mrv_ds_find_nonfinite(k, C * R * P);
        if (bad != (size_t)-1)
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: slice %zu holds NaN/Inf at (coil %zu, READ %zu, PHS1 %zu), "
                              "expected finite values", path, cc->slice, bad / (R * P),
                              bad % (R * P) / P, bad % P);
    }
    if (s == MRV_OK) {
        memcpy(img, c->kspace.data, C * R * P * sizeof *img);
        mrv_fft_inverse(fft, img, C);
        float *ref = c->reference.data;
        for (size_t p = 0; p < R * P; p++) {
            double ss = 0.0;
            for (size_t q = 0; q < C; q++) {
                float complex v = img[q * R * P + p];
                ss += (double)crealf(v) * crealf(v) + (double)cimagf(v) * cimagf(v);
            }
            ref[p] = (float)sqrt(ss);
        }
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", cc->slice);
        s = mrv_case_set_meta(c, "slice", buf, err);
    }
    free(img);
    free(raw);
    mrv_fft_destroy(fft);
    c->spacing[0] = c->spacing[1] = c->spacing[2] = 1.0; /* cfl carries no geometry */
    if (s != MRV_OK)
        mrv_case_free(c);
    return s;
}

const struct mrv_dataset_ops mrv_dataset_cfl_ops = {
    .kind = {"cfl", "BART cfl/hdr k-space file or folder (path), one case per slice"},
    .open = cfl_open,
    .close = cfl_close,
    .case_id = cfl_case_id,
    .load = cfl_load,
};
