/* tests/fuzz/make_corpus.c — the seed corpus of the fuzz targets, made by
 * code with mrvet's own writers (so the seeds track the formats as they are
 * written today) plus slightly broken copies: truncations, flipped bytes,
 * hand-made headers declaring absurd shapes.
 *
 *   make_corpus OUTDIR     writes OUTDIR/<target>/<seed>, target one of
 *                          fastmri nifti cfl ismrmrd study json
 *
 * Seeds are small (the largest a few KB) so libFuzzer mutates them quickly. */
#include <complex.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/array.h"
#include "datasets/cfl.h"
#include "datasets/fastmri.h"
#include "datasets/ismrmrd.h"
#include "datasets/nifti.h"
#include "harness/study.h"

static const char *outdir;

static void die(const char *what, const struct mrv_error *err)
{
    fprintf(stderr, "make_corpus: %s: %s\n", what, err ? err->msg : strerror(errno));
    exit(1);
}

static void put(const char *target, const char *name, const void *data, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        die(path, NULL);
}

static void put_text(const char *target, const char *name, const char *s)
{
    put(target, name, s, strlen(s));
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, NULL);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
    if (!b || (len > 0 && fread(b, 1, (size_t)len, f) != (size_t)len))
        die(path, NULL);
    fclose(f);
    remove(path);
    *n = (size_t)len;
    return b;
}

/* The file itself, then copies cut short and copies with one byte flipped
 * at fixed fractions of the length (deterministic: same corpus every time). */
static void put_variants(const char *target, const char *stem, const uint8_t *b, size_t n)
{
    char name[128];
    snprintf(name, sizeof name, "%s", stem);
    put(target, name, b, n);
    const size_t cuts[] = {0, 8, 64, 512, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        if (cuts[i] < n) {
            snprintf(name, sizeof name, "%s.cut%zu", stem, cuts[i]);
            put(target, name, b, cuts[i]);
        }
    uint8_t *c = malloc(n);
    if (!c)
        die("flip", NULL);
    for (int k = 1; k <= 6; k++) {
        memcpy(c, b, n);
        size_t at = n * (size_t)k / 7;
        c[at] ^= 0xff;
        snprintf(name, sizeof name, "%s.flip%zu", stem, at);
        put(target, name, c, n);
    }
    free(c);
}

static void c64(struct mrv_array *a, int nd, const size_t *d)
{
    struct mrv_error err = {0};
    if (mrv_array_alloc(a, MRV_C64, nd, d, &err) != MRV_OK)
        die("alloc", &err);
    float complex *x = a->data;
    for (size_t i = 0; i < mrv_array_count(a); i++)
        x[i] = (float)(i % 7) - 3.0f * I * (float)(i % 3);
}

static void fastmri(void)
{
    struct mrv_error err = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/tmp.h5", outdir);
    struct mrv_array k = {0}, rss = {0}, mask = {0};
    c64(&k, 4, (size_t[]){2, 2, 4, 6});
    if (mrv_array_alloc(&rss, MRV_F32, 3, (size_t[]){2, 4, 4}, &err) ||
        mrv_array_alloc(&mask, MRV_U8, 1, (size_t[]){6}, &err))
        die("alloc", &err);
    ((uint8_t *)mask.data)[2] = 1;
    struct mrv_fastmri_attrs at = {.acquisition = "CORPD_FBK", .patient_id = "p1",
                                   .max = 1.5, .norm = 2.0, .acceleration = 4,
                                   .num_low_frequency = 2};
    const char *xml = "<ismrmrdHeader><encoding/></ismrmrdHeader>";
    struct mrv_fastmri_volume v = {.kspace = &k, .rss = &rss, .mask = &mask, .header = xml,
                                   .header_len = strlen(xml), .attrs = &at};
    if (mrv_fastmri_write(path, &v, &err))
        die("fastmri", &err);
    size_t n;
    uint8_t *b = slurp(path, &n);
    put_variants("fastmri", "multicoil.h5", b, n);
    free(b);
    mrv_array_free(&k);
    /* single-coil: (slices, H, W) with an ESC reconstruction */
    c64(&k, 3, (size_t[]){1, 4, 4});
    struct mrv_array esc = {0};
    if (mrv_array_alloc(&esc, MRV_F32, 3, (size_t[]){1, 4, 4}, &err))
        die("alloc", &err);
    struct mrv_fastmri_volume s = {.kspace = &k, .esc = &esc};
    if (mrv_fastmri_write(path, &s, &err))
        die("fastmri single", &err);
    b = slurp(path, &n);
    put_variants("fastmri", "singlecoil.h5", b, n);
    free(b);
    mrv_array_free(&k);
    mrv_array_free(&esc);
    mrv_array_free(&rss);
    mrv_array_free(&mask);
}

static void nifti(void)
{
    struct mrv_error err = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/tmp.nii", outdir);
    const double sp[3] = {2.0, 1.0, 0.5};
    static const enum mrv_dtype dts[] = {MRV_F32, MRV_U8};
    static const char *stems[] = {"image.nii", "label.nii"};
    uint8_t *good = NULL;
    size_t ngood = 0;
    for (int i = 0; i < 2; i++) {
        struct mrv_array a = {0};
        if (mrv_array_alloc(&a, dts[i], 3, (size_t[]){2, 3, 4}, &err))
            die("alloc", &err);
        if (mrv_nifti_write(path, &a, sp, &err))
            die("nifti", &err);
        mrv_array_free(&a);
        size_t n;
        uint8_t *b = slurp(path, &n);
        put_variants("nifti", stems[i], b, n);
        if (i == 0) {
            good = b;
            ngood = n;
        } else {
            free(b);
        }
    }
    /* Header fields at their NIfTI-1 offsets (nifti1.h): dim[8] int16 at 40,
     * datatype int16 at 70, bitpix at 72, vox_offset float at 108. */
    struct { const char *name; size_t off; int16_t v; } edits[] = {
        {"dim0_9.nii", 40, 9},        {"dim1_huge.nii", 42, 32767},
        {"dim3_neg.nii", 46, -5},     {"dtype_bogus.nii", 70, 12345},
        {"dtype_rgb.nii", 70, 128},   {"bitpix_0.nii", 72, 0},
        {"dim4_many.nii", 48, 300},
    };
    uint8_t *c = malloc(ngood);
    for (size_t i = 0; c && i < sizeof edits / sizeof *edits; i++) {
        memcpy(c, good, ngood);
        memcpy(c + edits[i].off, &edits[i].v, 2);
        if (edits[i].off == 42) { /* every spatial dim at the maximum */
            memcpy(c + 44, &edits[i].v, 2);
            memcpy(c + 46, &edits[i].v, 2);
        }
        put("nifti", edits[i].name, c, ngood);
    }
    if (c) {
        memcpy(c, good, ngood);
        float off = 1e9f;
        memcpy(c + 108, &off, 4);
        put("nifti", "voxoffset_far.nii", c, ngood);
    }
    free(c);
    free(good);
}

static void cfl(void)
{
    /* first byte: number of complex samples in the .cfl; the rest: .hdr */
    static const struct { const char *name; unsigned char n; const char *hdr; } s[] = {
        {"ok_4x3", 12, "# Dimensions\n4 3 1 1 1\n"},
        {"ok_16dims", 2, "# Dimensions\n1 1 1 2 1 1 1 1 1 1 1 1 1 1 1 1\n"},
        {"short_data", 3, "# Dimensions\n4 3 1 1 1\n"},
        {"zero_dim", 0, "# Dimensions\n4 0 1\n"},
        {"negative", 4, "# Dimensions\n-4 -1\n"},
        {"huge", 1, "# Dimensions\n2147483647 2147483647 2147483647\n"},
        {"too_many", 1, "# Dimensions\n1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"},
        {"no_dims_line", 1, "# Dimensions\n"},
        {"no_header", 1, "4 3\n"},
        {"garbage", 1, "# Dimensions\n4 x 3\n"},
        {"comment_after", 12, "# Dimensions\n4 3\n# Command\nbart phantom\n"},
        {"float", 1, "# Dimensions\n1.5 2\n"},
        {"overflow_digits", 1, "# Dimensions\n99999999999999999999999 1\n"},
    };
    for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
        size_t n = strlen(s[i].hdr);
        uint8_t *b = malloc(n + 1);
        if (!b)
            die("alloc", NULL);
        b[0] = s[i].n;
        memcpy(b + 1, s[i].hdr, n);
        put("cfl", s[i].name, b, n + 1);
        free(b);
    }
}

static void ismrmrd(void)
{
    struct mrv_error err = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/tmp_ismrmrd.h5", outdir);
    struct mrv_array k = {0};
    c64(&k, 4, (size_t[]){1, 2, 8, 6});
    const double fov[3] = {200, 150, 5};
    if (mrv_ismrmrd_write(path, &k, fov, "<systemVendor>GE</systemVendor>", &err))
        die("ismrmrd", &err);
    mrv_array_free(&k);
    size_t n;
    uint8_t *b = slurp(path, &n);
    put_variants("ismrmrd", "small.h5", b, n);
    free(b);
}

static void study(void)
{
    put_text("study", "demo.yaml", mrv_study_demo_text());
    put_text("study", "chain.yaml",
             "study: c\nseed: 1\ndataset: {kind: phantom, matrix: 32, coils: 2}\n"
             "models:\n  - {name: zf, adapter: builtin, model: zero_filled}\n"
             "perturbations:\n  - chain: [motion, noise]\n    severities: [1, 3]\n"
             "metrics: [psnr, ssim]\n");
    put_text("study", "exec.yaml",
             "study: e\nseed: 2\ndataset: {kind: phantom, matrix: 16}\n"
             "models:\n  - name: w\n    adapter: exec\n    command: [/bin/false]\n"
             "    timeout: 1\n    settings: {a: 1, b: [1, 2]}\n"
             "perturbations: []\nmetrics: [psnr]\n");
    put_text("study", "anchors.yaml",
             "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\n"
             "study: *c\n");
    put_text("study", "tabs.yaml", "study:\tdemo\n\tseed: 1\n");
    put_text("study", "unclosed.yaml", "study: \"demo\nmodels: [\n");
    put_text("study", "types.yaml",
             "study: [1]\nseed: -1\ndataset: 7\nmodels: {}\nperturbations: x\n"
             "metrics: [psnr, nope]\n");
    put_text("study", "empty.yaml", "");
    put_text("study", "nul.yaml", "study: a\0b\n");
}

static void json(void)
{
    static const char *lines[] = {
        "{\"type\":\"hello\",\"protocol\":\"mrvet-exec\",\"version\":1}",
        "{\"type\":\"result\",\"id\":3,\"ok\":true,\"seconds\":0.25}",
        "{\"type\":\"result\",\"id\":4,\"ok\":false,\"error\":\"bad \\\"shape\\\" \\u00e9\"}",
        "{\"type\":\"result\",\"id\":1e999,\"ok\":tru}",
        "{\"type\":\"res",
        "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"type\":\"result\"}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "{\"error\":\"\\",
        "{\"id\":-0.0e-5,\"seconds\":NaN,\"ok\":false}",
        "",
        "   {}   ",
        "{\"type\":\"result\",\"type\":\"hello\"}",
    };
    char name[32];
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        snprintf(name, sizeof name, "line%02zu", i);
        put_text("json", name, lines[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0755);
    fastmri();
    nifti();
    cfl();
    ismrmrd();
    study();
    json();
    return 0;
}
