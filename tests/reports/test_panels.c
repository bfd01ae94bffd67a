/* tests/reports/test_panels.c — worst-case image panels from stored .npy
 * artifacts, with pixel values worked by hand, and a hostile case key that
 * must not steer the panel file out of its folder.
 *
 * Reference 8×8 float32: 1.0 everywhere, 2.0 at (0, 0), so the grey window
 * is [0, 2] and the tile centre reads 1.0/2 → 127. Output = reference + 0.5
 * → 1.5/2 → 191. Error |out − ref| = 0.5 everywhere = its own maximum → the
 * top of the hot ramp, white. Input (float64) 0.0 → black.
 */
#include "tests_util.h"

#include <cairo.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/report.h"
#include "store/store.h"

static char dir[512];

/* A version-1 .npy file of an 8×8 array (numpy's format spec). */
static void write_npy(const char *path, int f64, double base, double corner)
{
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f%d', 'fortran_order': False, 'shape': (8, 8), }",
                     f64 ? 8 : 4);
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    unsigned short hl = (unsigned short)(n + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, fp);
    fputc(hl & 0xff, fp);
    fputc(hl >> 8, fp);
    fwrite(hdr, 1, (size_t)n, fp);
    for (int i = 0; i < pad; i++)
        fputc(' ', fp);
    fputc('\n', fp);
    for (int i = 0; i < 64; i++) {
        double v = i == 0 ? corner : base;
        if (f64) {
            fwrite(&v, 8, 1, fp);
        } else {
            float x = (float)v;
            fwrite(&x, 4, 1, fp);
        }
    }
    fclose(fp);
}

/* A store in `dir` with one case `key`: SSIM 0.9 clean and 0.5 under
 * noise/1 (the worst case), and ref.npy (1, corner 2), in.npy (float64 0)
 * and out.npy (1.5, corner 2.5) beside it. */
static struct mrv_store *one_worst_case(const char *db, const char *key, int64_t *run,
                                        int64_t *c, int64_t *p1)
{
    struct mrv_error err = {0};
    struct mrv_store *s = NULL;
    assert_ok(mrv_store_open(db, &s, &err), &err);
    struct mrv_run_info info = {.study = "t", .model = "m", .seed = 1};
    int64_t p0 = 0;
    assert_ok(mrv_store_run_begin(s, &info, run, &err), &err);
    assert_ok(mrv_store_case(s, "d", key, NULL, NULL, c, &err), &err);
    assert_ok(mrv_store_perturbation(s, *c, "none", 0, 0, 1, NULL, &p0, &err), &err);
    assert_ok(mrv_store_perturbation(s, *c, "noise", 1, 0, 2, NULL, p1, &err), &err);
    assert_ok(mrv_store_result(s, *run, *c, p0, "ssim", 0.9, NULL, &err), &err);
    assert_ok(mrv_store_result(s, *run, *c, *p1, "ssim", 0.5, NULL, &err), &err);
    char p[1200];
    snprintf(p, sizeof p, "%s/ref.npy", dir);
    write_npy(p, 0, 1.0, 2.0);
    snprintf(p, sizeof p, "%s/in.npy", dir);
    write_npy(p, 1, 0.0, 0.0);
    snprintf(p, sizeof p, "%s/out.npy", dir);
    write_npy(p, 0, 1.5, 2.5);
    return s;
}

static void pixel(cairo_surface_t *s, int x, int y, int rgb[3])
{
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t p;
    memcpy(&p, d + (size_t)y * (size_t)stride + 4 * (size_t)x, 4);
    rgb[0] = (int)(p >> 16 & 0xff);
    rgb[1] = (int)(p >> 8 & 0xff);
    rgb[2] = (int)(p & 0xff);
}

static void test_panel(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    char db[700], html[700], p[1200];
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(html, sizeof html, "%s/rep.html", dir);
    struct mrv_error err = {0};
    int64_t run, c, p1;
    struct mrv_store *s = one_worst_case(db, "../../escape/<b>", &run, &c, &p1);
    /* Relative to the store's folder, as the harness records them. */
    assert_ok(mrv_store_artifact(s, run, c, 0, "reference", "ref.npy", NULL, &err), &err);
    assert_ok(mrv_store_artifact(s, run, c, p1, "input", "in.npy", NULL, &err), &err);
    assert_ok(mrv_store_artifact(s, run, c, p1, "output", "out.npy", NULL, &err), &err);
    assert_ok(mrv_report_html(s, html, &err), &err);
    mrv_store_close(s);

    /* Exactly one file in <dir>/rep_panels, linked from the page. */
    char pdir[800];
    snprintf(pdir, sizeof pdir, "%s/rep_panels", dir);
    DIR *d = opendir(pdir);
    assert_non_null(d);
    struct dirent *e;
    char name[256] = "";
    int n = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(name, sizeof name, "%s", e->d_name);
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
    assert_null(strstr(name, ".."));
    assert_true(strncmp(name, "______escape__b_", 16) == 0);
    FILE *fp = fopen(html, "r");
    char *page = calloc(1, 1 << 22);
    assert_true(fread(page, 1, (1 << 22) - 1, fp) > 0);
    fclose(fp);
    char link[400];
    snprintf(link, sizeof link, "href=\"rep_panels/%s\"", name);
    assert_non_null(strstr(page, link));
    assert_non_null(strstr(page, "../../escape/&lt;b&gt;"));
    free(page);

    snprintf(p, sizeof p, "%s/%s", pdir, name);
    cairo_surface_t *img = cairo_image_surface_create_from_png(p);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 4 * 256 + 30);
    assert_int_equal(cairo_image_surface_get_height(img), 256 + 26);
    int rgb[3];
    /* Tile k's centre: x = 6 + k·262 + 128, y = 20 + 128 (off the corner). */
    pixel(img, 6 + 0 * 262 + 160, 20 + 160, rgb);
    assert_int_equal(rgb[0], 127);
    assert_int_equal(rgb[1], 127);
    pixel(img, 6 + 1 * 262 + 160, 20 + 160, rgb);
    assert_int_equal(rgb[0], 0);
    pixel(img, 6 + 2 * 262 + 160, 20 + 160, rgb);
    assert_int_equal(rgb[0], 191);
    pixel(img, 6 + 3 * 262 + 160, 20 + 160, rgb);
    assert_int_equal(rgb[0], 255);
    assert_int_equal(rgb[1], 255);
    assert_int_equal(rgb[2], 255);
    cairo_surface_destroy(img);
    cairo_debug_reset_static_data();
    tu_rm_rf(dir);
}

/* A store is untrusted: artifact paths that are absolute or climb out of
 * the store's folder draw nothing, even when the file exists. */
static void test_paths_outside_the_store_are_refused(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    char db[700], html[700], abs_ref[1200];
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(html, sizeof html, "%s/rep.html", dir);
    struct mrv_error err = {0};
    int64_t run, c, p1;
    struct mrv_store *s = one_worst_case(db, "case", &run, &c, &p1);
    snprintf(abs_ref, sizeof abs_ref, "%s/ref.npy", dir);
    assert_ok(mrv_store_artifact(s, run, c, 0, "reference", abs_ref, NULL, &err), &err);
    assert_ok(mrv_store_artifact(s, run, c, p1, "input", "in.npy", NULL, &err), &err);
    assert_ok(mrv_store_artifact(s, run, c, p1, "output", "out.npy", NULL, &err), &err);
    assert_ok(mrv_report_html(s, html, &err), &err);
    mrv_store_close(s);
    char pdir[800];
    snprintf(pdir, sizeof pdir, "%s/rep_panels", dir);
    DIR *d = opendir(pdir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    assert_int_equal(n, 0);
    cairo_debug_reset_static_data();
    tu_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_outside_the_store_are_refused),
        cmocka_unit_test(test_panel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
