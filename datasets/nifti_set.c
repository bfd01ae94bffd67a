/* The `nifti` dataset kind: image/label pairs for segmentation
 * (docs/datasets/nifti.md), one case per volume.
 *
 *  - a folder in the Medical Segmentation Decathlon / nnU-Net layout:
 *    imagesTs/CASE_0000.nii.gz with labelsTs/CASE.nii.gz (imagesTr/ and
 *    labelsTr/ when there is no imagesTs/). nnU-Net's _XXXX suffix names
 *    the input channel; channel 0000 is the case's image, other channels
 *    are counted in the metadata key `channels`. MSD's own names without
 *    the suffix work too.
 *  - a CSV file with a header row holding `image` and `label` columns
 *    (paths relative to the CSV's folder), an optional `id` column, and any
 *    other columns, which become case metadata (site, vendor, ...).
 *
 * The case's reference holds the image (f32, scl_slope applied) — the
 * segmentation model's input — and labels the ground truth (u8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datasets/dataset_internal.h"
#include "datasets/nifti.h"

#define CSV_MAX_COLS 16

struct nii_case {
    char id[MRV_CASE_ID_MAX];
    size_t image_file, label_file;
    int channels;
    int nmeta;
    struct mrv_meta meta[CSV_MAX_COLS];
};

struct nii_state {
    struct nii_case *cases;
    size_t cap;
};

static void nii_close(void *state)
{
    struct nii_state *st = state;
    if (!st)
        return;
    free(st->cases);
    free(st);
}

static void strip_nii(const char *name, char *buf, size_t size)
{
    size_t n = strlen(name);
    if (mrv_ds_has_suffix(name, ".nii.gz"))
        n -= 7;
    else if (mrv_ds_has_suffix(name, ".nii"))
        n -= 4;
    snprintf(buf, size, "%.*s", (int)n, name);
}

/* Validate one pair (headers only) and add it as a case. */
static enum mrv_status add_pair(struct mrv_dataset *ds, const char *id, const char *image,
                                const char *label, struct nii_case **out,
                                struct mrv_error *err)
{
    struct nii_state *st = ds->state;
    struct mrv_error e = {0};
    size_t di[3], dl[3];
    enum mrv_status s = mrv_nifti_read_shape(image, di, &e);
    if (s == MRV_OK)
        s = mrv_nifti_read_shape(label, dl, &e);
    if (s == MRV_OK && memcmp(di, dl, sizeof di) != 0)
        s = mrv_error_set(&e, MRV_EFORMAT,
                          "%s: label shape (%zu, %zu, %zu) differs from image %s (%zu, %zu, "
                          "%zu), expected the same grid", label, dl[2], dl[1], dl[0], image,
                          di[2], di[1], di[0]);
    *out = NULL;
    if (s != MRV_OK)
        return mrv_ds_bad_file(ds, &e, err);
    if (ds->count == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 16;
        struct nii_case *c = realloc(st->cases, cap * sizeof *c);
        if (!c)
            return mrv_error_set(err, MRV_ENOMEM, "nifti: out of memory");
        st->cases = c;
        st->cap = cap;
    }
    struct nii_case *c = &st->cases[ds->count];
    // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): count < cap, so cases was allocated
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", id);
    c->channels = 1;
    c->image_file = mrv_ds_add_file(ds, image);
    c->label_file = mrv_ds_add_file(ds, label);
    if (c->image_file == (size_t)-1 || c->label_file == (size_t)-1)
        return mrv_error_set(err, MRV_ENOMEM, "nifti: out of memory");
    ds->count++;
    *out = c;
    return MRV_OK;
}

static enum mrv_status open_msd(struct mrv_dataset *ds, const char *images, const char *labels,
                                struct mrv_error *err)
{
    static const char *const sfx[] = {".nii", ".nii.gz", NULL};
    char **list;
    size_t n;
    enum mrv_status s = mrv_ds_list_dir(images, sfx, &list, &n, err);
    if (s != MRV_OK)
        return s;
    for (size_t i = 0; i < n && s == MRV_OK; i++) {
        const char *b = mrv_ds_basename(list[i]);
        char id[MRV_CASE_ID_MAX];
        strip_nii(b, id, sizeof id);
        size_t len = strlen(id);
        bool chan = len > 5 && id[len - 5] == '_' && strspn(id + len - 4, "0123456789") == 4;
        if (chan && strcmp(id + len - 4, "0000") != 0) {
            /* another channel: names sort, so its case (if valid) was just added */
            struct nii_state *st = ds->state;
            struct nii_case *prev = ds->count ? &st->cases[ds->count - 1] : NULL;
            if (prev && strlen(prev->id) == len - 5 && strncmp(prev->id, id, len - 5) == 0)
                prev->channels++;
            continue;
        }
        if (chan)
            id[len - 5] = '\0';
        char label[4096];
        struct nii_case *c;
        if (snprintf(label, sizeof label, "%s/%s%s", labels, id,
                     mrv_ds_has_suffix(b, ".nii.gz") ? ".nii.gz" : ".nii") >= (int)sizeof label)
            s = mrv_error_set(err, MRV_EINVAL, "%s: path too long", labels);
        else
            s = add_pair(ds, id, list[i], label, &c, err);
    }
    mrv_ds_free_list(list, n);
    return s;
}

/* Split a CSV line in place (no quoting: paths and plain values). */
static int split_csv(char *line, char **cols, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        cols[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    for (int i = 0; i < n; i++) { /* trim spaces */
        while (*cols[i] == ' ')
            cols[i]++;
        size_t l = strlen(cols[i]);
        while (l && cols[i][l - 1] == ' ')
            cols[i][--l] = '\0';
    }
    return n;
}

static enum mrv_status open_csv(struct mrv_dataset *ds, struct mrv_error *err)
{
    FILE *f = fopen(ds->path, "r");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open the CSV list", ds->path);
    char head[4096], line[4096], *hc[CSV_MAX_COLS], *lc[CSV_MAX_COLS];
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(mrv_ds_basename(ds->path) - ds->path), ds->path);
    if (!*dir)
        snprintf(dir, sizeof dir, "./");
    enum mrv_status s = MRV_OK;
    int nh = fgets(head, sizeof head, f) ? split_csv(head, hc, CSV_MAX_COLS) : 0;
    int ci = -1, cl = -1, cid = -1;
    for (int i = 0; i < nh; i++) {
        if (strcasecmp(hc[i], "image") == 0)
            ci = i;
        else if (strcasecmp(hc[i], "label") == 0)
            cl = i;
        else if (strcasecmp(hc[i], "id") == 0)
            cid = i;
    }
    if (ci < 0 || cl < 0)
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: line 1: header lacks '%s', expected columns image,label[,id,"
                          "metadata...]", ds->path, ci < 0 ? "image" : "label");
    for (int lineno = 2; s == MRV_OK && fgets(line, sizeof line, f); lineno++) {
        if (strspn(line, " \r\n") == strlen(line))
            continue;
        int nl = split_csv(line, lc, CSV_MAX_COLS);
        if (nl != nh) {
            struct mrv_error e = {0};
            mrv_error_set(&e, MRV_EFORMAT, "%s: line %d: %d columns, expected %d as the header",
                          ds->path, lineno, nl, nh);
            s = mrv_ds_bad_file(ds, &e, err);
            continue;
        }
        char image[4096], label[4096], id[MRV_CASE_ID_MAX];
        if (snprintf(image, sizeof image, "%s%s", lc[ci][0] == '/' ? "" : dir, lc[ci]) >=
                (int)sizeof image ||
            snprintf(label, sizeof label, "%s%s", lc[cl][0] == '/' ? "" : dir, lc[cl]) >=
                (int)sizeof label) {
            s = mrv_error_set(err, MRV_EINVAL, "%s: line %d: path too long", ds->path, lineno);
            break;
        }
        if (cid >= 0)
            snprintf(id, sizeof id, "%s", lc[cid]);
        else
            strip_nii(mrv_ds_basename(image), id, sizeof id);
        struct nii_case *c;
        s = add_pair(ds, id, image, label, &c, err);
        for (int i = 0; c && s == MRV_OK && i < nh; i++) {
            if (i == ci || i == cl || i == cid || c->nmeta == CSV_MAX_COLS)
                continue;
            snprintf(c->meta[c->nmeta].key, MRV_META_KEY_MAX, "%s", hc[i]);
            snprintf(c->meta[c->nmeta].value, MRV_META_VAL_MAX, "%s", lc[i]);
            c->nmeta++;
        }
    }
    fclose(f);
    return s;
}

static enum mrv_status nii_open(struct mrv_dataset *ds, struct mrv_error *err)
{
    enum mrv_status s = mrv_ds_need_path(ds, err);
    if (s != MRV_OK)
        return s;
    if (!(ds->state = calloc(1, sizeof(struct nii_state))))
        return mrv_error_set(err, MRV_ENOMEM, "nifti: out of memory");
    if (!mrv_ds_is_dir(ds->path)) {
        if (!mrv_ds_has_suffix(ds->path, ".csv"))
            return mrv_error_set(err, MRV_EINVAL,
                                 "dataset nifti: %s is neither a folder (imagesTs/, labelsTs/) "
                                 "nor a .csv list of image,label pairs", ds->path);
        return open_csv(ds, err);
    }
    static const char *const pairs[][2] = {{"imagesTs", "labelsTs"}, {"imagesTr", "labelsTr"}};
    for (int k = 0; k < 2; k++) {
        char im[4096], lb[4096];
        if (snprintf(im, sizeof im, "%s/%s", ds->path, pairs[k][0]) >= (int)sizeof im ||
            snprintf(lb, sizeof lb, "%s/%s", ds->path, pairs[k][1]) >= (int)sizeof lb)
            return mrv_error_set(err, MRV_EINVAL, "%s: path too long", ds->path);
        if (mrv_ds_is_dir(im))
            return open_msd(ds, im, lb, err);
    }
    return mrv_error_set(err, MRV_EFORMAT,
                         "dataset nifti: folder %s has no imagesTs/ or imagesTr/, expected the "
                         "Medical Segmentation Decathlon / nnU-Net layout", ds->path);
}

static const char *nii_case_id(const struct mrv_dataset *ds, size_t i)
{
    const struct nii_state *st = ds->state;
    return st->cases[i].id;
}

static enum mrv_status nii_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                struct mrv_error *err)
{
    const struct nii_state *st = ds->state;
    const struct nii_case *nc = &st->cases[i];
    const char *image = mrv_dataset_file_path(ds, nc->image_file);
    const char *label = mrv_dataset_file_path(ds, nc->label_file);
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "%s", nc->id);
    c->task = MRV_TASK_SEGMENTATION;
    struct mrv_nifti_geom gi, gl;
    enum mrv_status s = mrv_nifti_read(image, MRV_F32, &c->reference, &gi, err);
    if (s == MRV_OK)
        s = mrv_nifti_read(label, MRV_U8, &c->labels, &gl, err);
    if (s == MRV_OK && memcmp(c->reference.dims, c->labels.dims, sizeof c->labels.dims) != 0)
        s = mrv_error_set(err, MRV_EFORMAT, "%s: label shape differs from image %s, expected "
                          "the same grid", label, image);
    if (s == MRV_OK) {
        memcpy(c->spacing, gi.spacing, sizeof c->spacing);
        char ch[16];
        snprintf(ch, sizeof ch, "%d", nc->channels > gi.channels ? nc->channels : gi.channels);
        s = mrv_case_set_meta(c, "orientation", gi.orientation, err);
        if (s == MRV_OK)
            s = mrv_case_set_meta(c, "channels", ch, err);
    }
    for (int k = 0; s == MRV_OK && k < nc->nmeta; k++)
        s = mrv_case_set_meta(c, nc->meta[k].key, nc->meta[k].value, err);
    if (s != MRV_OK)
        mrv_case_free(c);
    return s;
}

const struct mrv_dataset_ops mrv_dataset_nifti_ops = {
    .kind = {"nifti", "NIfTI image/label pairs: MSD/nnU-Net folder or CSV list (path)"},
    .open = nii_open,
    .close = nii_close,
    .case_id = nii_case_id,
    .load = nii_load,
};
