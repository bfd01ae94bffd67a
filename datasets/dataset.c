/* Dataset registry, options, and what every kind shares: the list of input
 * files with their fingerprints, the list of bad files skipped in lenient
 * mode, folder listing. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "datasets/dataset_internal.h"
#include "datasets/h5util.h"

static const struct mrv_dataset_ops *const kinds[] = {
    &mrv_dataset_phantom_ops, &mrv_dataset_colin27_ops, &mrv_dataset_colin27_3d_ops,
    &mrv_dataset_fastmri_ops, &mrv_dataset_nifti_ops,   &mrv_dataset_cfl_ops,
    &mrv_dataset_ismrmrd_ops, NULL,
};

static const struct mrv_dataset_kind *const kind_list[] = {
    &mrv_dataset_phantom_ops.kind, &mrv_dataset_colin27_ops.kind,
    &mrv_dataset_colin27_3d_ops.kind,
    &mrv_dataset_fastmri_ops.kind, &mrv_dataset_nifti_ops.kind,
    &mrv_dataset_cfl_ops.kind,     &mrv_dataset_ismrmrd_ops.kind,
    NULL,
};

const struct mrv_dataset_kind *const *mrv_dataset_kinds(int *n)
{
    int i = 0;
    while (kind_list[i])
        i++;
    *n = i;
    return kind_list;
}

void mrv_dataset_opts_default(struct mrv_dataset_opts *o)
{
    memset(o, 0, sizeof *o);
    o->matrix = 320;
    o->ncoils = 8;
}

static char *dup_or_null(const char *s, bool *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = true;
    return d;
}

/* ---- sidecar metadata: <folder>/metadata.csv ------------------------------
 * A header row `file,key1,key2,...` then one row per file. A row applies to
 * a case whose id equals its `file` value or starts with it followed by '_'
 * (ids are "<file stem>_s<slice>"), with the value's extension (.h5, .cfl,
 * .nii.gz, ...) ignored. Its other columns become case metadata (site,
 * vendor, field strength, ...), after the kind's own keys. */

#define SIDECAR_COLS 16

struct ds_sidecar {
    size_t nrows;
    int ncols;
    char *head[SIDECAR_COLS];
    char *(*rows)[SIDECAR_COLS];
};

static void sidecar_free(struct ds_sidecar *sc)
{
    if (!sc)
        return;
    for (int c = 0; c < sc->ncols; c++)
        free(sc->head[c]);
    for (size_t r = 0; r < sc->nrows; r++)
        for (int c = 0; c < sc->ncols; c++)
            free(sc->rows[r][c]);
    free(sc->rows);
    free(sc);
}

static int split_cells(char *line, char **cells)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < SIDECAR_COLS;) {
        while (*p == ' ')
            p++;
        cells[n++] = p;
        char *comma = strchr(p, ',');
        char *end = comma ? comma : p + strlen(p);
        while (end > p && end[-1] == ' ')
            end--;
        if (!comma) {
            *end = '\0';
            break;
        }
        *comma = '\0';
        *end = '\0';
        p = comma + 1;
    }
    return n;
}

static enum mrv_status sidecar_load(struct mrv_dataset *ds, struct mrv_error *err)
{
    if (!ds->path)
        return MRV_OK;
    char p[4096];
    int n = mrv_ds_is_dir(ds->path)
                ? snprintf(p, sizeof p, "%s/metadata.csv", ds->path)
                : snprintf(p, sizeof p, "%.*smetadata.csv",
                           (int)(mrv_ds_basename(ds->path) - ds->path), ds->path);
    if (n >= (int)sizeof p)
        return MRV_OK;
    FILE *f = fopen(p, "r");
    if (!f)
        return MRV_OK;
    struct ds_sidecar *sc = calloc(1, sizeof *sc);
    char line[4096], *cells[SIDECAR_COLS];
    enum mrv_status s = MRV_OK;
    if (!sc)
        s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", p);
    else if (!fgets(line, sizeof line, f) || (sc->ncols = split_cells(line, cells)) < 2 ||
             strcmp(cells[0], "file") != 0)
        s = mrv_error_set(err, MRV_EFORMAT, "%s: line 1: expected a header 'file,key,...'", p);
    for (int c = 0; s == MRV_OK && c < sc->ncols; c++)
        if (!(sc->head[c] = strdup(cells[c])))
            s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", p);
    for (int ln = 2; s == MRV_OK && fgets(line, sizeof line, f); ln++) {
        if (strspn(line, " \r\n") == strlen(line))
            continue;
        if (split_cells(line, cells) != sc->ncols) {
            s = mrv_error_set(err, MRV_EFORMAT, "%s: line %d: expected %d columns as the header",
                              p, ln, sc->ncols);
            break;
        }
        void *r = realloc(sc->rows, (sc->nrows + 1) * sizeof *sc->rows);
        if (!r) {
            s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", p);
            break;
        }
        sc->rows = r;
        for (int c = 0; c < sc->ncols; c++) {
            const char *v = cells[c];
            size_t len = strlen(v);
            static const char *const ext[] = {".nii.gz", ".h5", ".hdf5", ".cfl", ".nii", ".mrd"};
            for (size_t e = 0; c == 0 && e < sizeof ext / sizeof ext[0]; e++)
                if (mrv_ds_has_suffix(v, ext[e])) {
                    len -= strlen(ext[e]);
                    break;
                }
            sc->rows[sc->nrows][c] = strndup(v, len);
        }
        sc->nrows++;
        for (int c = 0; c < sc->ncols; c++)
            if (!sc->rows[sc->nrows - 1][c])
                s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", p);
    }
    fclose(f);
    if (s != MRV_OK) {
        sidecar_free(sc);
        return s;
    }
    ds->sidecar = sc;
    return mrv_ds_add_file(ds, p) == (size_t)-1
               ? mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", p)
               : MRV_OK;
}

static enum mrv_status sidecar_apply(const struct ds_sidecar *sc, struct mrv_case *c,
                                     struct mrv_error *err)
{
    for (size_t r = 0; r < sc->nrows; r++) {
        const char *key = sc->rows[r][0];
        size_t n = strlen(key);
        if (strcmp(c->id, key) != 0 && !(strncmp(c->id, key, n) == 0 && c->id[n] == '_'))
            continue;
        for (int k = 1; k < sc->ncols; k++) {
            enum mrv_status s = mrv_case_set_meta(c, sc->head[k], sc->rows[r][k], err);
            if (s != MRV_OK)
                return s;
        }
    }
    return MRV_OK;
}

static void ds_free(struct mrv_dataset *ds)
{
    sidecar_free(ds->sidecar);
    for (size_t i = 0; i < ds->nfiles; i++)
        free(ds->files[i].path);
    free(ds->files);
    for (size_t i = 0; i < ds->nbad; i++)
        free(ds->bad[i]);
    free(ds->bad);
    free(ds->path);
    free(ds->cache_dir);
    pthread_mutex_destroy(&ds->lock);
    free(ds);
}

enum mrv_status mrv_dataset_open(const char *name, const struct mrv_dataset_opts *opts,
                                 struct mrv_dataset **out, struct mrv_error *err)
{
    *out = NULL;
    const struct mrv_dataset_ops *ops = NULL;
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->kind.name, name) == 0)
            ops = kinds[i];
    if (!ops)
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "dataset '%s' is unknown (see `mrvet list datasets`)", name);
    struct mrv_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return mrv_error_set(err, MRV_ENOMEM, "dataset: out of memory");
    pthread_mutex_init(&ds->lock, NULL);
    ds->ops = ops;
    if (opts)
        ds->opts = *opts;
    else
        mrv_dataset_opts_default(&ds->opts);
    bool fail = false;
    ds->path = dup_or_null(ds->opts.path, &fail);
    ds->cache_dir = dup_or_null(ds->opts.cache_dir, &fail);
    ds->opts.path = ds->path;
    ds->opts.cache_dir = ds->cache_dir;
    enum mrv_status s = fail ? mrv_error_set(err, MRV_ENOMEM, "dataset: out of memory")
                             : ops->open(ds, err);
    if (s == MRV_OK && ops != &mrv_dataset_nifti_ops) /* nifti: CSV columns are metadata */
        s = sidecar_load(ds, err);
    if (s == MRV_OK && ds->count == 0 && ds->path)
        s = mrv_error_set(err, MRV_EFORMAT,
                          "dataset %s: %s holds no usable case (%zu bad file%s skipped%s%s)",
                          name, ds->path, ds->nbad, ds->nbad == 1 ? "" : "s",
                          ds->nbad ? "; first: " : "", ds->nbad ? ds->bad[0] : "");
    if (s != MRV_OK) {
        if (ds->state)
            ops->close(ds->state);
        ds_free(ds);
        return s;
    }
    *out = ds;
    return MRV_OK;
}

void mrv_dataset_close(struct mrv_dataset *ds)
{
    if (!ds)
        return;
    ds->ops->close(ds->state);
    ds_free(ds);
}

const char *mrv_dataset_name(const struct mrv_dataset *ds)
{
    return ds->ops->kind.name;
}

size_t mrv_dataset_count(const struct mrv_dataset *ds)
{
    return ds->count;
}

const char *mrv_dataset_case_id(const struct mrv_dataset *ds, size_t i)
{
    return i < ds->count ? ds->ops->case_id(ds, i) : NULL;
}

enum mrv_status mrv_dataset_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                 struct mrv_error *err)
{
    if (i >= ds->count) {
        mrv_case_init(c);
        return mrv_error_set(err, MRV_EINVAL, "dataset %s: case index %zu, expected < %zu",
                             ds->ops->kind.name, i, ds->count);
    }
    enum mrv_status s = ds->ops->load(ds, i, c, err);
    if (s == MRV_OK && ds->sidecar && (s = sidecar_apply(ds->sidecar, c, err)) != MRV_OK)
        mrv_case_free(c);
    return s;
}

/* ---- input files and their fingerprints --------------------------------- */

size_t mrv_dataset_file_count(const struct mrv_dataset *ds)
{
    return ds->nfiles;
}

const char *mrv_dataset_file_path(const struct mrv_dataset *ds, size_t i)
{
    return i < ds->nfiles ? ds->files[i].path : NULL;
}

enum mrv_status mrv_dataset_file_sha256(const struct mrv_dataset *ds, size_t i,
                                        char hex[MRV_SHA256_HEX], struct mrv_error *err)
{
    if (i >= ds->nfiles)
        return mrv_error_set(err, MRV_EINVAL, "dataset %s: file index %zu, expected < %zu",
                             ds->ops->kind.name, i, ds->nfiles);
    struct mrv_dataset *m = (struct mrv_dataset *)ds; /* the cache is not observable state */
    pthread_mutex_lock(&m->lock);
    bool have = m->files[i].sha[0] != '\0';
    if (have)
        memcpy(hex, m->files[i].sha, MRV_SHA256_HEX);
    pthread_mutex_unlock(&m->lock);
    if (have)
        return MRV_OK;
    enum mrv_status s = mrv_sha256_file(ds->files[i].path, hex, err);
    if (s != MRV_OK)
        return s;
    pthread_mutex_lock(&m->lock);
    memcpy(m->files[i].sha, hex, MRV_SHA256_HEX);
    pthread_mutex_unlock(&m->lock);
    return MRV_OK;
}

enum mrv_status mrv_dataset_fingerprint(const struct mrv_dataset *ds, char hex[MRV_SHA256_HEX],
                                        struct mrv_error *err)
{
    struct mrv_sha256 *all;
    enum mrv_status s = mrv_sha256_create(&all, err);
    for (size_t i = 0; s == MRV_OK && i < ds->nfiles; i++) {
        char one[MRV_SHA256_HEX];
        s = mrv_dataset_file_sha256(ds, i, one, err);
        if (s != MRV_OK)
            break;
        const char *name = mrv_ds_basename(ds->files[i].path);
        mrv_sha256_update(all, one, 64);
        mrv_sha256_update(all, "  ", 2);
        mrv_sha256_update(all, name, strlen(name));
        mrv_sha256_update(all, "\n", 1);
    }
    if (s == MRV_OK)
        mrv_sha256_final(all, NULL, hex);
    mrv_sha256_destroy(all);
    return s;
}

size_t mrv_ds_add_file(struct mrv_dataset *ds, const char *path)
{
    if (ds->nfiles == ds->capfiles) {
        size_t cap = ds->capfiles ? 2 * ds->capfiles : 16;
        struct ds_file *f = realloc(ds->files, cap * sizeof *f);
        if (!f)
            return (size_t)-1;
        ds->files = f;
        ds->capfiles = cap;
    }
    char *p = strdup(path);
    if (!p)
        return (size_t)-1;
    ds->files[ds->nfiles].path = p;
    ds->files[ds->nfiles].sha[0] = '\0';
    return ds->nfiles++;
}

/* ---- bad files ---------------------------------------------------------- */

size_t mrv_dataset_bad_count(const struct mrv_dataset *ds)
{
    return ds->nbad;
}

const char *mrv_dataset_bad(const struct mrv_dataset *ds, size_t i)
{
    return i < ds->nbad ? ds->bad[i] : NULL;
}

enum mrv_status mrv_ds_bad_file(struct mrv_dataset *ds, const struct mrv_error *e,
                                struct mrv_error *err)
{
    if (e->code == MRV_ENOMEM || ds->opts.strict) {
        if (err && err != e)
            *err = *e;
        return e->code;
    }
    if (ds->nbad == ds->capbad) {
        size_t cap = ds->capbad ? 2 * ds->capbad : 8;
        char **b = realloc(ds->bad, cap * sizeof *b);
        if (!b)
            return mrv_error_set(err, MRV_ENOMEM, "dataset: out of memory");
        ds->bad = b;
        ds->capbad = cap;
    }
    if (!(ds->bad[ds->nbad] = strdup(e->msg)))
        return mrv_error_set(err, MRV_ENOMEM, "dataset: out of memory");
    ds->nbad++;
    mrv_log_warn("skipped: %s", e->msg);
    return MRV_OK;
}

enum mrv_status mrv_ds_need_path(const struct mrv_dataset *ds, struct mrv_error *err)
{
    if (!ds->path || !*ds->path)
        return mrv_error_set(err, MRV_EINVAL,
                             "dataset %s: no path given, expected a file or folder",
                             ds->ops->kind.name);
    struct stat st;
    if (stat(ds->path, &st) != 0)
        return mrv_error_set(err, MRV_ENOTFOUND, "dataset %s: %s does not exist",
                             ds->ops->kind.name, ds->path);
    return MRV_OK;
}

/* ---- files and folders -------------------------------------------------- */

bool mrv_ds_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool mrv_ds_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

const char *mrv_ds_basename(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mrv_ds_free_list(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

enum mrv_status mrv_ds_input_files(const struct mrv_dataset *ds, const char *const *suffixes,
                                   const char *what, char ***list, size_t *n,
                                   struct mrv_error *err)
{
    if (mrv_ds_is_dir(ds->path)) {
        enum mrv_status s = mrv_ds_list_dir(ds->path, suffixes, list, n, err);
        if (s == MRV_OK && *n == 0)
            s = mrv_error_set(err, MRV_EFORMAT, "dataset %s: folder %s holds no %s file, "
                              "expected %s", ds->ops->kind.name, ds->path, suffixes[0], what);
        return s;
    }
    *n = 0;
    *list = malloc(sizeof **list);
    if (!*list || !((*list)[0] = strdup(ds->path))) {
        free(*list);
        *list = NULL;
        return mrv_error_set(err, MRV_ENOMEM, "dataset %s: out of memory", ds->ops->kind.name);
    }
    *n = 1;
    return MRV_OK;
}

enum mrv_status mrv_ds_list_dir(const char *dir, const char *const *suffixes, char ***out,
                                size_t *n, struct mrv_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return mrv_error_set(err, MRV_EIO, "%s: cannot read the folder", dir);
    char **list = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    enum mrv_status s = MRV_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        bool match = false;
        for (int k = 0; suffixes[k] && !match; k++)
            match = mrv_ds_has_suffix(e->d_name, suffixes[k]);
        if (!match)
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (p)
            snprintf(p, len, "%s/%s", dir, e->d_name);
        if (p && mrv_ds_is_dir(p)) {
            free(p);
            continue;
        }
        if (p && cnt == cap) {
            cap = cap ? 2 * cap : 16;
            char **l = realloc(list, cap * sizeof *l);
            if (!l) {
                free(p);
                p = NULL;
            } else {
                list = l;
            }
        }
        if (!p) {
            s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory listing the folder", dir);
            break;
        }
        list[cnt++] = p;
    }
    closedir(d);
    if (s != MRV_OK) {
        mrv_ds_free_list(list, cnt);
        return s;
    }
    if (cnt)
        qsort(list, cnt, sizeof *list, cmp_str);
    *out = list;
    *n = cnt;
    return MRV_OK;
}

size_t mrv_ds_find_nonfinite(const float complex *v, size_t n)
{
    /* IEEE 754 binary32: NaN and Inf are exactly the values whose magnitude
     * bits are >= 0x7f800000 (exponent all ones). One complex value is two
     * floats in a 64-bit word: clear the sign bits, add 0x00800000 to each
     * half (no carry can cross halves, a half is <= 0x7fffffff) and a half
     * gets its top bit set exactly when it was non-finite. OR-ing the sums
     * over a block is branch-free, so checking every slice costs little
     * next to reading it; the slow exact search runs only on a hit. */
    const size_t block = 4096;
    const uint64_t mag = 0x7fffffff7fffffffull, add = 0x0080000000800000ull,
                   top = 0x8000000080000000ull;
    for (size_t b = 0; b < n; b += block) {
        size_t m = n - b < block ? n - b : block;
        uint64_t w[4096];
        memcpy(w, v + b, m * sizeof *v);
        uint64_t acc = 0;
        for (size_t i = 0; i < m; i++)
            acc |= (w[i] & mag) + add;
        if (!(acc & top))
            continue;
        for (size_t i = b; i < b + m; i++)
            if (!isfinite(crealf(v[i])) || !isfinite(cimagf(v[i])))
                return i;
    }
    return (size_t)-1;
}

/* ---- kind guessing ------------------------------------------------------ */

/* First file in `dir` with one of `suffixes` (caller frees), or NULL. */
static char *first_with(const char *dir, const char *const *suffixes)
{
    char **list = NULL;
    size_t n = 0;
    char *first = NULL;
    if (mrv_ds_list_dir(dir, suffixes, &list, &n, NULL) == MRV_OK && n) {
        first = list[0];
        list[0] = NULL;
    }
    mrv_ds_free_list(list, n);
    return first;
}

static bool has_subdir(const char *dir, const char *name)
{
    char sub[4096];
    return snprintf(sub, sizeof sub, "%s/%s", dir, name) < (int)sizeof sub && mrv_ds_is_dir(sub);
}

const char *mrv_dataset_guess_kind(const char *path)
{
    static const char *const h5[] = {".h5", ".hdf5", ".mrd", NULL};
    static const char *const cfl[] = {".cfl", NULL};
    static const char *const nii[] = {".nii", ".nii.gz", ".csv", NULL};
    if (mrv_ds_is_dir(path)) {
        if (has_subdir(path, "imagesTs") || has_subdir(path, "imagesTr"))
            return "nifti";
        char *probe = first_with(path, h5);
        if (probe) { /* ISMRMRD files hold a /dataset group; fastMRI's do not */
            const char *kind = mrv_h5_has_object(probe, "/dataset") ? "ismrmrd" : "fastmri";
            free(probe);
            return kind;
        }
        char *f;
        if ((f = first_with(path, cfl))) {
            free(f);
            return "cfl";
        }
        if ((f = first_with(path, nii))) {
            free(f);
            return "nifti";
        }
        return NULL;
    }
    if (mrv_ds_has_suffix(path, ".h5") || mrv_ds_has_suffix(path, ".hdf5") ||
        mrv_ds_has_suffix(path, ".mrd"))
        return mrv_h5_has_object(path, "/dataset") ? "ismrmrd" : "fastmri";
    if (mrv_ds_has_suffix(path, ".cfl") || mrv_ds_has_suffix(path, ".hdr"))
        return "cfl";
    if (mrv_ds_has_suffix(path, ".nii") || mrv_ds_has_suffix(path, ".nii.gz") ||
        mrv_ds_has_suffix(path, ".csv"))
        return "nifti";
    return NULL;
}
