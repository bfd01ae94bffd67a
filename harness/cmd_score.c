/* mrvet score — score saved model outputs against their references, file
 * by file, the way the field's own scripts do (docs/score.md):
 *
 *  - fastMRI HDF5 (facebookresearch/fastMRI, fastmri/evaluate.py): target
 *    files hold reconstruction_rss (multi-coil) or reconstruction_esc
 *    (single-coil); prediction files of the same names hold
 *    "reconstruction" (slices, y, x). Both volumes are centre-cropped to
 *    (W, W), W = the target's last dimension (fastmri.data.transforms.
 *    center_crop), then PSNR, SSIM and NMSE are computed per VOLUME with
 *    data_range = the cropped target volume's maximum. The summary is the
 *    mean +/- 2 SD over volumes, SD with n - 1 (runstats.Statistics, which
 *    evaluate.py prints).
 *  - NIfTI label maps (nnU-Net / Decathlon): same file names in both
 *    folders; label metrics per label with the target's voxel spacing.
 *
 * A file that cannot be scored (prediction missing, wrong shape, NaN, ...)
 * is reported, the others are scored, and the exit code is 2.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/strbuf.h"
#include "datasets/prediction.h"
#include "harness/cli.h"
#include "metrics/metric.h"

static const char score_help[] =
    "usage: mrvet score --target PATH --predictions PATH [--metrics m1,m2,...] [--json]\n"
    "\n"
    "Scores saved model outputs against their references, file by file. PATH is a\n"
    "file or a folder; in a folder every target file is paired with the prediction\n"
    "of the same name (a target file may also be paired with a predictions folder).\n"
    "\n"
    "  fastMRI (.h5, .hdf5), as fastMRI's evaluate.py: the target's\n"
    "    reconstruction_rss (multi-coil) or reconstruction_esc (single-coil) against\n"
    "    the prediction's 'reconstruction' (slices, y, x); both centre-cropped to\n"
    "    (W, W), W = the target's width; PSNR, SSIM (7x7) and NMSE per volume with\n"
    "    data_range = the target volume's maximum. Default metrics: psnr,ssim,nmse.\n"
    "  NIfTI label maps (.nii, .nii.gz): label metrics per label present in either\n"
    "    map, with the target's voxel spacing in mm. Default metrics: every label\n"
    "    metric (dice,iou,hd,hd95,assd,nsd,rvd).\n"
    "\n"
    "Prints a table per file and a summary per metric (and label): mean +/- 2 SD over\n"
    "files (SD with n - 1, as evaluate.py prints). A file that cannot be scored\n"
    "(missing prediction, shape mismatch, NaN/Inf) is named on stderr, the others are\n"
    "scored, and the exit code is 2. See docs/score.md.\n"
    "\n"
    "options:\n"
    "  -t, --target PATH         reference file or folder (required)\n"
    "  -p, --predictions PATH    prediction file or folder (required)\n"
    "  -m, --metrics LIST        comma-separated metric names (`mrvet list metrics`)\n"
    "      --json                JSON instead of the table (infinities as \"+inf\",\n"
    "                            undefined values null with a reason)\n"
    "  fastMRI:\n"
    "      --challenge C         multicoil (reconstruction_rss) or singlecoil\n"
    "                            (reconstruction_esc); default: per file, esc for\n"
    "                            single-coil k-space, else rss\n"
    "      --acquisition A       only targets whose 'acquisition' attribute is A\n"
    "      --acceleration R      only targets whose 'acceleration' attribute is R\n"
    "  label maps:\n"
    "      --labels LIST         score these labels (1..255) in every file, e.g. 1,2,3\n"
    "      --tolerance MM        NSD tolerance in mm (default 1)\n"
    "      --surface S           monai (default) or deepmind (2D and 3D)\n"
    "  -h, --help                this text\n";

#define MAX_COLS 32

enum kind { K_NONE, K_H5, K_NII };

struct opts {
    const char *target, *pred, *key, *acquisition;
    double acceleration; /* NAN = no filter */
    bool json;
    int nmet;
    const struct mrv_metric *met[MAX_COLS];
    int nlabels;
    uint8_t labels[255];
    double tolerance;
    enum mrv_surface surface;
};

struct result {
    size_t file;
    int label;  /* 0 for image metrics */
    int metric; /* index into opts.met */
    double value;
    const char *reason;
};

struct file_out {
    char *name, *error, *note;
    const char *key;     /* fastMRI: the target dataset scored */
    size_t dims[3];      /* scored grid */
    double spacing[3];   /* NIfTI: mm */
};

struct run {
    struct opts o;
    enum kind kind;
    struct file_out *files;
    size_t nfiles;
    struct result *res;
    size_t nres, capres;
    size_t failed, skipped;
};

static const char *const h5_sfx[] = {".h5", ".hdf5", NULL};
static const char *const nii_sfx[] = {".nii", ".nii.gz", NULL};

static bool ends_with(const char *s, const char *const *sfx)
{
    size_t n = strlen(s);
    for (int i = 0; sfx[i]; i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && strcmp(s + n - k, sfx[i]) == 0)
            return true;
    }
    return false;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int add_result(struct run *r, size_t file, int label, int metric,
                      const struct mrv_metric_value *v)
{
    if (r->nres == r->capres) {
        size_t cap = r->capres ? 2 * r->capres : 64;
        struct result *n = realloc(r->res, cap * sizeof *n);
        if (!n)
            return 0;
        r->res = n;
        r->capres = cap;
    }
    r->res[r->nres++] = (struct result){file, label, metric, v->value,
                                        isnan(v->value) ? v->null_reason : NULL};
    return 1;
}

/* One fastMRI volume. Returns MRV_OK, or an error for this file; *skip
 * true when the acquisition/acceleration filter leaves it out. */
static enum mrv_status score_h5(struct run *r, size_t fi, const char *tpath, const char *ppath,
                                bool *skip, struct mrv_error *err)
{
    struct mrv_array t = {0}, tc = {0}, pc = {0};
    struct mrv_fastmri_attrs at;
    const char *key = NULL;
    enum mrv_status s = mrv_prediction_read_target(tpath, r->o.key, &t, &at, &key, err);
    if (s == MRV_OK && r->o.acquisition && strcmp(at.acquisition, r->o.acquisition) != 0)
        *skip = true;
    if (s == MRV_OK && !isnan(r->o.acceleration) && !(at.acceleration == r->o.acceleration))
        *skip = true;
    if (s == MRV_OK && !*skip) {
        r->files[fi].key = key;
        s = mrv_prediction_crop_pair(tpath, key, &t, ppath, &tc, &pc, err);
    }
    if (s == MRV_OK && !*skip)
        memcpy(r->files[fi].dims, tc.dims, sizeof r->files[fi].dims);
    for (int m = 0; m < r->o.nmet && s == MRV_OK && !*skip; m++) {
        struct mrv_metric_args a;
        struct mrv_metric_value v = {NAN, NULL};
        mrv_metric_args_init(&a, &tc, &pc, NULL);
        s = r->o.met[m]->eval(&a, &v, err);
        if (s == MRV_OK && !add_result(r, fi, 0, m, &v))
            s = mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    mrv_array_free(&t);
    mrv_array_free(&tc);
    mrv_array_free(&pc);
    return s;
}

/* One pair of NIfTI label maps. */
static enum mrv_status score_nii(struct run *r, size_t fi, const char *tpath, const char *ppath,
                                 struct mrv_error *err)
{
    struct mrv_array t = {0}, p = {0};
    double spacing[3];
    enum mrv_status s = mrv_prediction_read_labels(tpath, ppath, &t, &p, spacing, err);
    if (s != MRV_OK)
        goto done;
    struct file_out *fo = &r->files[fi];
    for (int d = 0; d < 3; d++) {
        fo->dims[d] = t.dims[d];
        fo->spacing[d] = spacing[d];
    }
    uint8_t present[255];
    const uint8_t *labels = r->o.labels;
    int nl = r->o.nlabels;
    if (nl == 0) {
        nl = mrv_metric_labels_present(&t, &p, present);
        labels = present;
        if (nl == 0 && !(fo->note = strdup("target and prediction hold no label (all 0)")))
            s = mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    for (int k = 0; k < nl && s == MRV_OK; k++)
        for (int m = 0; m < r->o.nmet && s == MRV_OK; m++) {
            struct mrv_metric_args a;
            struct mrv_metric_value v = {NAN, NULL};
            mrv_metric_args_init(&a, &t, &p, spacing);
            a.label = labels[k];
            a.tolerance_mm = r->o.tolerance;
            a.surface = r->o.surface;
            s = r->o.met[m]->eval(&a, &v, err);
            if (s != MRV_OK) {
                char why[MRV_ERROR_MAX];
                snprintf(why, sizeof why, "%s", err->msg);
                mrv_error_set(err, s, "%s: %s of label %d: %s", ppath, r->o.met[m]->name,
                              labels[k], why);
            } else if (!add_result(r, fi, labels[k], m, &v))
                s = mrv_error_set(err, MRV_ENOMEM, "out of memory");
        }
done:
    mrv_array_free(&t);
    mrv_array_free(&p);
    return s;
}

/* ---- summary and output -------------------------------------------------- */

struct stat_out {
    size_t n, undefined;
    double mean, sd; /* sd NAN when n < 2 */
};

static struct stat_out summarize(const struct run *r, int metric, int label)
{
    struct stat_out st = {0, 0, NAN, NAN};
    double sum = 0;
    for (size_t i = 0; i < r->nres; i++) {
        const struct result *x = &r->res[i];
        if (x->metric != metric || x->label != label)
            continue;
        if (isnan(x->value)) {
            st.undefined++;
        } else {
            st.n++;
            sum += x->value;
        }
    }
    if (st.n == 0)
        return st;
    st.mean = sum / (double)st.n;
    if (st.n < 2 || isinf(st.mean))
        return st;
    double ss = 0;
    for (size_t i = 0; i < r->nres; i++) {
        const struct result *x = &r->res[i];
        if (x->metric == metric && x->label == label && !isnan(x->value))
            ss += (x->value - st.mean) * (x->value - st.mean);
    }
    st.sd = sqrt(ss / (double)(st.n - 1)); /* runstats: n - 1 */
    return st;
}

/* Labels that appear in any result, ascending; 0 alone for image metrics. */
static int result_labels(const struct run *r, int out[256])
{
    bool seen[256] = {false};
    for (size_t i = 0; i < r->nres; i++)
        seen[r->res[i].label] = true;
    int n = 0;
    for (int l = 0; l < 256; l++)
        if (seen[l])
            out[n++] = l;
    return n;
}

static void fmt_value(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "n/a");
    else if (isinf(v))
        snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, size, "%.6g", v);
}

static void print_table(const struct run *r)
{
    const struct opts *o = &r->o;
    int fw = 4;
    for (size_t i = 0; i < r->nfiles; i++)
        if ((int)strlen(r->files[i].name) > fw)
            fw = (int)strlen(r->files[i].name);
    printf("%-*s", fw, "file");
    if (r->kind == K_NII)
        printf("  label");
    for (int m = 0; m < o->nmet; m++)
        printf("  %12s", o->met[m]->name);
    printf("\n");
    char b[64];
    for (size_t i = 0; i < r->nfiles; i++) {
        const struct file_out *f = &r->files[i];
        if (f->error || f->note) {
            printf("%-*s  %s%s\n", fw, f->name, f->error ? "error: " : "",
                   f->error ? f->error : f->note);
            continue;
        }
        int last = -1;
        for (size_t k = 0; k < r->nres; k++) {
            const struct result *x = &r->res[k];
            if (x->file != i || x->label == last)
                continue;
            last = x->label;
            printf("%-*s", fw, f->name);
            if (r->kind == K_NII)
                printf("  %5d", x->label);
            for (int m = 0; m < o->nmet; m++)
                for (size_t j = k; j < r->nres && r->res[j].file == i; j++)
                    if (r->res[j].label == x->label && r->res[j].metric == m) {
                        fmt_value(b, sizeof b, r->res[j].value);
                        printf("  %12s", b);
                    }
            printf("\n");
        }
    }
    bool head = false;
    for (size_t k = 0; k < r->nres; k++)
        if (r->res[k].reason) {
            if (!head)
                printf("\nundefined values (stored as NULL by `mrvet run`):\n");
            head = true;
            printf("  %s", r->files[r->res[k].file].name);
            if (r->kind == K_NII)
                printf(" label %d", r->res[k].label);
            printf(" %s: %s\n", o->met[r->res[k].metric]->name, r->res[k].reason);
        }
    size_t scored = r->nfiles - r->failed - r->skipped;
    printf("\nsummary over %zu file%s (mean +/- 2 SD, SD with n - 1%s)", scored,
           scored == 1 ? "" : "s", r->kind == K_H5 ? " as fastMRI's evaluate.py" : "");
    if (r->failed || r->skipped)
        printf("; %zu failed, %zu skipped", r->failed, r->skipped);
    printf("\n");
    int labels[256];
    int nl = result_labels(r, labels);
    for (int l = 0; l < nl; l++)
        for (int m = 0; m < o->nmet; m++) {
            struct stat_out st = summarize(r, m, labels[l]);
            char mean[64], sd2[64];
            fmt_value(mean, sizeof mean, st.mean);
            fmt_value(sd2, sizeof sd2, 2 * st.sd);
            if (r->kind == K_NII)
                printf("  label %3d ", labels[l]);
            else
                printf("  ");
            printf("%-10s %12s +/- %-12s (n %zu", o->met[m]->name, mean, sd2, st.n);
            if (st.undefined)
                printf(", %zu undefined", st.undefined);
            printf(")\n");
        }
    if (r->kind == K_H5 && nl == 1) {
        /* evaluate.py's own line: upper-case names sorted, %.4g. */
        printf("evaluate.py form:");
        static const char *const names[] = {"nmse", "psnr", "ssim"};
        for (int k = 0; k < 3; k++)
            for (int m = 0; m < o->nmet; m++)
                if (strcmp(o->met[m]->name, names[k]) == 0) {
                    struct stat_out st = summarize(r, m, 0);
                    printf(" %s = %.4g +/- %.4g", k == 0 ? "NMSE" : k == 1 ? "PSNR" : "SSIM",
                           st.mean, 2 * st.sd);
                }
        printf("\n");
    }
}

static void json_value(struct mrv_strbuf *b, double v)
{
    if (isinf(v))
        mrv_strbuf_append(b, v > 0 ? "\"+inf\"" : "\"-inf\"");
    else
        mrv_strbuf_json_number(b, v);
}

static void json_key(struct mrv_strbuf *b, const struct run *r, int metric, int label)
{
    char k[64];
    if (r->kind == K_NII)
        snprintf(k, sizeof k, "%s:%d", r->o.met[metric]->name, label);
    else
        snprintf(k, sizeof k, "%s", r->o.met[metric]->name);
    mrv_strbuf_json_string(b, k);
    mrv_strbuf_append(b, ":");
}

static int print_json(const struct run *r)
{
    const struct opts *o = &r->o;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_printf(&b, "{\"kind\":\"%s\",\"target\":", r->kind == K_NII ? "labels" : "fastmri");
    mrv_strbuf_json_string(&b, o->target);
    mrv_strbuf_append(&b, ",\"predictions\":");
    mrv_strbuf_json_string(&b, o->pred);
    mrv_strbuf_append(&b, ",\"metrics\":[");
    for (int m = 0; m < o->nmet; m++) {
        mrv_strbuf_append(&b, m ? "," : "");
        mrv_strbuf_json_string(&b, o->met[m]->name);
    }
    mrv_strbuf_append(&b, "],\"files\":[");
    for (size_t i = 0; i < r->nfiles; i++) {
        const struct file_out *f = &r->files[i];
        mrv_strbuf_append(&b, i ? ",\n{\"file\":" : "\n{\"file\":");
        mrv_strbuf_json_string(&b, f->name);
        if (f->error || (f->note && !f->dims[0])) {
            mrv_strbuf_append(&b, f->error ? ",\"error\":" : ",\"skipped\":");
            mrv_strbuf_json_string(&b, f->error ? f->error : f->note);
            mrv_strbuf_append(&b, "}");
            continue;
        }
        if (f->key) {
            mrv_strbuf_append(&b, ",\"target_dataset\":");
            mrv_strbuf_json_string(&b, f->key);
        }
        mrv_strbuf_printf(&b, ",\"shape\":[%zu,%zu,%zu]", f->dims[0], f->dims[1], f->dims[2]);
        if (r->kind == K_NII)
            mrv_strbuf_printf(&b, ",\"spacing_mm\":[%.17g,%.17g,%.17g]", f->spacing[0],
                              f->spacing[1], f->spacing[2]);
        if (f->note) {
            mrv_strbuf_append(&b, ",\"note\":");
            mrv_strbuf_json_string(&b, f->note);
        }
        for (int pass = 0; pass < 2; pass++) {
            mrv_strbuf_append(&b, pass ? ",\"reasons\":{" : ",\"values\":{");
            bool first = true;
            for (size_t k = 0; k < r->nres; k++) {
                const struct result *x = &r->res[k];
                if (x->file != i || (pass && !x->reason))
                    continue;
                mrv_strbuf_append(&b, first ? "" : ",");
                first = false;
                json_key(&b, r, x->metric, x->label);
                if (pass)
                    mrv_strbuf_json_string(&b, x->reason);
                else
                    json_value(&b, x->value);
            }
            mrv_strbuf_append(&b, "}");
        }
        mrv_strbuf_append(&b, "}");
    }
    mrv_strbuf_append(&b, "],\n\"summary\":{");
    int labels[256];
    int nl = result_labels(r, labels);
    for (int l = 0; l < nl; l++)
        for (int m = 0; m < o->nmet; m++) {
            struct stat_out st = summarize(r, m, labels[l]);
            mrv_strbuf_append(&b, l || m ? ",\n" : "\n");
            json_key(&b, r, m, labels[l]);
            mrv_strbuf_printf(&b, "{\"n\":%zu,\"undefined\":%zu,\"mean\":", st.n, st.undefined);
            json_value(&b, st.mean);
            mrv_strbuf_append(&b, ",\"sd\":");
            json_value(&b, st.sd);
            mrv_strbuf_append(&b, ",\"two_sd\":");
            json_value(&b, 2 * st.sd);
            mrv_strbuf_append(&b, "}");
        }
    mrv_strbuf_printf(&b, "},\n\"scored\":%zu,\"failed\":%zu,\"skipped\":%zu}\n",
                      r->nfiles - r->failed - r->skipped, r->failed, r->skipped);
    int ok = mrv_strbuf_ok(&b);
    if (ok)
        fputs(mrv_strbuf_str(&b), stdout);
    mrv_strbuf_free(&b);
    return ok;
}

/* ---- options and the file loop ------------------------------------------- */

static int parse_metrics(struct opts *o, const char *list)
{
    char name[64];
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ",");
        if (n == 0 || n >= sizeof name || o->nmet == MAX_COLS) {
            fprintf(stderr, "mrvet score: --metrics '%s': expected up to %d names separated "
                    "by commas\n", list, MAX_COLS);
            return 0;
        }
        memcpy(name, s, n);
        name[n] = '\0';
        const struct mrv_metric *m = mrv_metric_find(name);
        if (!m) {
            fprintf(stderr, "mrvet score: --metrics: no metric '%s' (see `mrvet list metrics`)\n",
                    name);
            return 0;
        }
        o->met[o->nmet++] = m;
        s += n + (s[n] == ',');
    }
    return 1;
}

static int parse_labels(struct opts *o, const char *list)
{
    for (const char *s = list; *s;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 255 || (*end && *end != ',') || o->nlabels == 255) {
            fprintf(stderr, "mrvet score: --labels '%s': expected labels 1..255 separated by "
                    "commas\n", list);
            return 0;
        }
        o->labels[o->nlabels++] = (uint8_t)v;
        s = end + (*end == ',');
    }
    return 1;
}

/* Default metrics, and every metric of the kind the files need. */
static int check_metrics(struct opts *o, enum kind k)
{
    enum mrv_metric_kind want = k == K_H5 ? MRV_METRIC_IMAGE : MRV_METRIC_LABELS;
    if (o->nmet == 0) {
        if (k == K_H5)
            return parse_metrics(o, "psnr,ssim,nmse");
        int n;
        const struct mrv_metric *const *all = mrv_metric_list(&n);
        for (int i = 0; i < n && o->nmet < MAX_COLS; i++)
            if (all[i]->kind == want)
                o->met[o->nmet++] = all[i];
        return 1;
    }
    for (int m = 0; m < o->nmet; m++)
        if (o->met[m]->kind != want) {
            fprintf(stderr, "mrvet score: metric '%s' does not score %s; use %s metrics (see "
                    "`mrvet list metrics`)\n", o->met[m]->name,
                    k == K_H5 ? "fastMRI reconstructions" : "label maps",
                    k == K_H5 ? "image" : "label");
            return 0;
        }
    return 1;
}

/* The target files, and the kind they are. */
static int list_targets(const char *target, char ***paths, size_t *n, enum kind *k)
{
    struct mrv_error err = {0};
    *k = K_NONE;
    if (!mrv_prediction_is_dir(target)) {
        struct stat st;
        if (stat(target, &st) != 0) {
            fprintf(stderr, "mrvet score: --target %s: no such file or folder\n", target);
            return 0;
        }
        *k = ends_with(target, h5_sfx) ? K_H5 : ends_with(target, nii_sfx) ? K_NII : K_NONE;
        if (*k == K_NONE) {
            fprintf(stderr, "mrvet score: --target %s: expected a fastMRI .h5/.hdf5 file or "
                    "a NIfTI .nii/.nii.gz label map\n", target);
            return 0;
        }
        *paths = malloc(sizeof **paths);
        if (!*paths || !((*paths)[0] = strdup(target))) {
            free(*paths);
            return 0;
        }
        *n = 1;
        return 1;
    }
    char **h5 = NULL, **nii = NULL;
    size_t nh = 0, nn = 0;
    if (mrv_prediction_list_dir(target, h5_sfx, &h5, &nh, &err) != MRV_OK ||
        mrv_prediction_list_dir(target, nii_sfx, &nii, &nn, &err) != MRV_OK) {
        mrv_prediction_free_list(h5, nh);
        mrv_cli_fail("score", &err);
        return 0;
    }
    if ((nh == 0) == (nn == 0)) {
        fprintf(stderr, "mrvet score: --target %s: %s\n", target,
                nh ? "holds both fastMRI .h5 files and NIfTI label maps; score one kind at "
                     "a time"
                   : "holds no .h5/.hdf5 or .nii/.nii.gz file");
        mrv_prediction_free_list(h5, nh);
        mrv_prediction_free_list(nii, nn);
        return 0;
    }
    *k = nh ? K_H5 : K_NII;
    *paths = nh ? h5 : nii;
    *n = nh ? nh : nn;
    return 1;
}

static int score_all(struct run *r, char **targets)
{
    bool pred_dir = mrv_prediction_is_dir(r->o.pred);
    for (size_t i = 0; i < r->nfiles; i++) {
        struct file_out *f = &r->files[i];
        struct mrv_error err = {0};
        const char *name = base_name(targets[i]);
        if (!(f->name = strdup(name)))
            return 0;
        size_t len = strlen(r->o.pred) + strlen(name) + 2;
        char *pp = malloc(len);
        if (!pp)
            return 0;
        if (pred_dir)
            snprintf(pp, len, "%s/%s", r->o.pred, name);
        else
            snprintf(pp, len, "%s", r->o.pred);
        bool skip = false;
        enum mrv_status s;
        if (r->kind == K_H5)
            s = score_h5(r, i, targets[i], pp, &skip, &err);
        else
            s = score_nii(r, i, targets[i], pp, &err);
        free(pp);
        /* A file's partial results are dropped: its row is an error. */
        if (s != MRV_OK) {
            while (r->nres && r->res[r->nres - 1].file == i)
                r->nres--;
            f->error = strdup(err.msg[0] ? err.msg : mrv_strerror(s));
            fprintf(stderr, "mrvet score: %s\n", f->error ? f->error : mrv_strerror(s));
            r->failed++;
            if (s == MRV_ENOMEM || s == MRV_EINTERNAL || !f->error)
                return 0; /* not the file's fault: stop */
        } else if (skip) {
            r->skipped++;
            f->note = strdup("skipped (--acquisition/--acceleration filter)");
        }
    }
    return 1;
}

int mrv_cmd_score(int argc, char **argv)
{
    enum { O_JSON = 256, O_CHALLENGE, O_ACQ, O_ACC, O_LABELS, O_TOL, O_SURF };
    static const struct option opts[] = {
        {"target", required_argument, NULL, 't'},
        {"predictions", required_argument, NULL, 'p'},
        {"metrics", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, O_JSON},
        {"challenge", required_argument, NULL, O_CHALLENGE},
        {"acquisition", required_argument, NULL, O_ACQ},
        {"acceleration", required_argument, NULL, O_ACC},
        {"labels", required_argument, NULL, O_LABELS},
        {"tolerance", required_argument, NULL, O_TOL},
        {"surface", required_argument, NULL, O_SURF},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct run r;
    memset(&r, 0, sizeof r);
    r.o.acceleration = NAN;
    r.o.tolerance = 1.0;
    r.o.surface = MRV_SURFACE_MONAI;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:p:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': r.o.target = optarg; break;
        case 'p': r.o.pred = optarg; break;
        case 'm':
            if (!parse_metrics(&r.o, optarg))
                return MRV_EXIT_USAGE;
            break;
        case O_JSON: r.o.json = true; break;
        case O_CHALLENGE:
            if (strcmp(optarg, "multicoil") != 0 && strcmp(optarg, "singlecoil") != 0) {
                fprintf(stderr, "mrvet score: --challenge expects multicoil or singlecoil\n");
                return MRV_EXIT_USAGE;
            }
            r.o.key = optarg[0] == 'm' ? "reconstruction_rss" : "reconstruction_esc";
            break;
        case O_ACQ: r.o.acquisition = optarg; break;
        case O_ACC:
            if (!mrv_cli_parse_double("score", "--acceleration", optarg,
                                      &r.o.acceleration))
                return MRV_EXIT_USAGE;
            break;
        case O_LABELS:
            if (!parse_labels(&r.o, optarg))
                return MRV_EXIT_USAGE;
            break;
        case O_TOL:
            if (!mrv_cli_parse_double("score", "--tolerance", optarg, &r.o.tolerance))
                return MRV_EXIT_USAGE;
            if (r.o.tolerance <= 0) {
                fprintf(stderr, "mrvet score: --tolerance expects a positive number of mm\n");
                return MRV_EXIT_USAGE;
            }
            break;
        case O_SURF:
            if (strcmp(optarg, "monai") != 0 && strcmp(optarg, "deepmind") != 0) {
                fprintf(stderr, "mrvet score: --surface expects monai or deepmind\n");
                return MRV_EXIT_USAGE;
            }
            r.o.surface = optarg[0] == 'm' ? MRV_SURFACE_MONAI : MRV_SURFACE_DEEPMIND;
            break;
        case 'h': fputs(score_help, stdout); return MRV_EXIT_OK;
        default: fputs(score_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (!r.o.target || !r.o.pred || optind != argc) {
        fprintf(stderr, "mrvet score: expected --target PATH and --predictions PATH and no "
                "other argument (see `mrvet score --help`)\n");
        return MRV_EXIT_USAGE;
    }
    char **targets = NULL;
    if (!list_targets(r.o.target, &targets, &r.nfiles, &r.kind))
        return MRV_EXIT_USAGE;
    int rc = MRV_EXIT_OK;
    if (!check_metrics(&r.o, r.kind)) {
        rc = MRV_EXIT_USAGE;
    } else if (mrv_prediction_is_dir(r.o.target) && !mrv_prediction_is_dir(r.o.pred)) {
        fprintf(stderr, "mrvet score: --predictions %s: expected a folder, as --target is one\n",
                r.o.pred);
        rc = MRV_EXIT_USAGE;
    } else if (!(r.files = calloc(r.nfiles, sizeof *r.files))) {
        rc = MRV_EXIT_INTERNAL;
    } else if (!score_all(&r, targets)) {
        if (r.o.nmet) /* messages already printed for a failed file */
            fprintf(stderr, "mrvet score: stopped: out of memory or an internal error\n");
        rc = MRV_EXIT_INTERNAL;
    } else {
        if (r.o.json ? !print_json(&r) : (print_table(&r), 0))
            rc = MRV_EXIT_INTERNAL;
        else if (r.failed)
            rc = MRV_EXIT_USAGE;
        if (r.failed)
            fprintf(stderr, "mrvet score: %zu of %zu file%s could not be scored\n", r.failed,
                    r.nfiles, r.nfiles == 1 ? "" : "s");
    }
    for (size_t i = 0; r.files && i < r.nfiles; i++) {
        free(r.files[i].name);
        free(r.files[i].error);
        free(r.files[i].note);
    }
    free(r.files);
    free(r.res);
    mrv_prediction_free_list(targets, r.nfiles);
    return rc;
}
