/* BART cfl/hdr: write -> read round trip; compatibility with the real
 * `bart` (Debian package): we read its phantom, it reads our files
 * (`bart nrmse -t 0` as the comparator, as BART's own tests do), and our
 * `cfl` dataset reference equals BART's `fft -u -i 3` + `rss 8`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/cfl.h"
#include "datasets/dataset.h"
#include "tests_util.h"

static int have_bart(void)
{
    return access("/usr/bin/bart", X_OK) == 0;
}

static int sh(const char *fmt, const char *a, const char *b, const char *c)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, fmt, a, b, c);
    return system(cmd);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    char base[600];
    snprintf(base, sizeof base, "%s/x", tu_tmpdir());
    long dims[14] = {5, 4, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2};
    size_t n = 5 * 4 * 3 * 2;
    float complex *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = (float)i - 0.5f * I * (float)(i % 7);
    assert_ok(mrv_cfl_write(base, 14, dims, d, &err), &err);
    long got[MRV_CFL_DIMS];
    float complex *back;
    char cflname[620];
    snprintf(cflname, sizeof cflname, "%s.cfl", base); /* extension optional */
    assert_ok(mrv_cfl_read(cflname, got, &back, &err), &err);
    for (int k = 0; k < MRV_CFL_DIMS; k++)
        assert_int_equal(got[k], k < 14 ? dims[k] : 1);
    assert_memory_equal(back, d, n * sizeof *d);
    free(back);

    /* the dataset kind: one case per slice, (1, coils, READ, PHS1) */
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = base;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("cfl", &o, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 2);
    assert_string_equal(mrv_dataset_case_id(ds, 1), "x_s001");
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 1, &c, &err), &err);
    assert_int_equal(c.kspace.dims[1], 3);
    assert_int_equal(c.kspace.dims[2], 5);
    assert_int_equal(c.kspace.dims[3], 4);
    const float complex *k = c.kspace.data;
    /* coil 2, READ 4, PHS1 1 of slice 1 is element 4 + 5*(1 + 4*(2 + 3*1)) */
    assert_true(k[(2 * 5 + 4) * 4 + 1] == d[4 + 5 * (1 + 4 * (2 + 3 * 1))]);
    mrv_case_free(&c);
    mrv_dataset_close(ds);
    free(d);
}

static void test_bart_reads_and_writes(void **state)
{
    (void)state;
    if (!have_bart())
        skip();
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char ph[600], copy[600], img[600], rss[600];
    snprintf(ph, sizeof ph, "%s/ph", dir);
    snprintf(copy, sizeof copy, "%s/copy", dir);
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(rss, sizeof rss, "%s/rss", dir);
    assert_int_equal(sh("bart phantom -k -x 24 -s 4 %s >/dev/null%s%s", ph, "", ""), 0);
    long dims[MRV_CFL_DIMS];
    float complex *k;
    assert_ok(mrv_cfl_read(ph, dims, &k, &err), &err);
    assert_int_equal(dims[0], 24);
    assert_int_equal(dims[1], 24);
    assert_int_equal(dims[3], 4);
    /* bart reads what we write: identical to its own file */
    assert_ok(mrv_cfl_write(copy, MRV_CFL_DIMS, dims, k, &err), &err);
    assert_int_equal(sh("bart nrmse -t 0 %s %s >/dev/null 2>&1%s", ph, copy, ""), 0);
    k[100] += 1.0f; /* and the comparator can fail */
    assert_ok(mrv_cfl_write(copy, MRV_CFL_DIMS, dims, k, &err), &err);
    assert_int_not_equal(sh("bart nrmse -t 0 %s %s >/dev/null 2>&1%s", ph, copy, ""), 0);
    free(k);

    /* our reference = BART's unitary centred inverse FFT and RSS over coils */
    assert_int_equal(sh("bart fft -u -i 3 %s %s >/dev/null%s", ph, img, ""), 0);
    assert_int_equal(sh("bart rss 8 %s %s >/dev/null%s", img, rss, ""), 0);
    float complex *r;
    assert_ok(mrv_cfl_read(rss, dims, &r, &err), &err);
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = ph;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("cfl", &o, &ds, &err), &err);
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    const float *ref = c.reference.data;
    double peak = 0;
    for (size_t i = 0; i < 24 * 24; i++)
        peak = fmax(peak, crealf(r[i]));
    for (size_t x = 0; x < 24; x++)     /* READ */
        for (size_t y = 0; y < 24; y++) /* PHS1 */
            assert_close(ref[x * 24 + y], crealf(r[x + 24 * y]), 1e-5 * peak);
    free(r);
    mrv_case_free(&c);
    mrv_dataset_close(ds);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_bad_files(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char p[600];
    long dims[MRV_CFL_DIMS];
    float complex *d;
    snprintf(p, sizeof p, "%s/garbage.hdr", dir);
    write_text(p, "# Dimensions\n4 four 1\n");
    assert_int_equal(mrv_cfl_read(p, dims, &d, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "garbage.hdr: line 2: dimension 1 is 'four"));
    snprintf(p, sizeof p, "%s/nodims.hdr", dir);
    write_text(p, "# Command\nphantom\n");
    assert_int_equal(mrv_cfl_read(p, dims, &d, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "nodims.hdr: no '# Dimensions'"));

    snprintf(p, sizeof p, "%s/short", dir);
    long two[2] = {4, 4};
    float complex z[16] = {0};
    assert_ok(mrv_cfl_write(p, 2, two, z, &err), &err);
    snprintf(p, sizeof p, "%s/short.cfl", dir);
    assert_int_equal(truncate(p, 100), 0);
    assert_int_equal(mrv_cfl_read(p, dims, &d, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "short.cfl: 100 bytes, expected 128"));

    /* a 3D file in the 2D dataset kind, skipped in lenient mode */
    snprintf(p, sizeof p, "%s/vol3d", dir);
    long d3[3] = {2, 2, 4};
    assert_ok(mrv_cfl_write(p, 3, d3, z, &err), &err);
    snprintf(p, sizeof p, "%s/good", dir);
    assert_ok(mrv_cfl_write(p, 2, two, z, &err), &err);
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = dir;
    assert_string_equal(mrv_dataset_guess_kind(dir), "cfl");
    assert_null(mrv_dataset_guess_kind("/nonexistent/x.txt"));
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("cfl", &o, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 1);
    assert_int_equal(mrv_dataset_bad_count(ds), 2); /* short.cfl and vol3d.cfl */
    assert_non_null(strstr(mrv_dataset_bad(ds, 1), "vol3d.cfl: dimension 2 has size 4"));
    mrv_dataset_close(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bart_reads_and_writes),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
