/* The built-in colin27 sets (Debian mricron-data). The slice images and
 * brain masks are compared with an independent resampling by scipy
 * (tests/datasets/oracle_colin27.py); the k-space with Parseval's law
 * through coil maps of unit root-sum-of-squares; the cache is made once,
 * reused, and byte-identical when made again elsewhere (same SHA-256). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha256.h"
#include "datasets/dataset.h"
#include "tests_util.h"

#define TEMPLATES "/usr/share/mricron/templates"
#define ORACLE MRV_SOURCE_DIR "/tests/datasets/oracle_colin27.py"

static int have_data(void)
{
    return access(TEMPLATES "/ch2.nii.gz", R_OK) == 0;
}

static struct mrv_dataset *open_colin(const char *cache, size_t n, int coils)
{
    struct mrv_error err = {0};
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.matrix = n;
    o.ncoils = coils;
    o.cache_dir = cache;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("colin27", &o, &ds, &err), &err);
    return ds;
}

static void test_slices_against_scipy(void **state)
{
    (void)state;
    if (!have_data())
        skip();
    struct mrv_error err = {0};
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache/sub", tu_tmpdir()); /* created on first use */
    const size_t n = 64;
    struct mrv_dataset *ds = open_colin(cache, n, 4);
    assert_int_equal(mrv_dataset_count(ds), 12);
    assert_int_equal(mrv_dataset_file_count(ds), 3); /* ch2, ch2bet, cache */
    const char *cpath = mrv_dataset_file_path(ds, 2);
    assert_non_null(strstr(cpath, "/cache/sub/colin27-v1-n64-c4.h5"));

    for (size_t i = 2; i < 12; i += 7) {
        struct mrv_case c;
        assert_ok(mrv_dataset_load(ds, i, &c, &err), &err);
        assert_int_equal(c.kspace.dims[1], 4);
        assert_string_equal(mrv_case_get_meta(&c, "anatomy"), "brain");
        assert_close(c.spacing[1], 224.0 / 64, 1e-12);
        /* Parseval through unit-RSS maps: sum over coils of |k|^2 = sum |object|^2,
         * and the reference is |object| */
        double ek = 0, eo = 0;
        const float complex *k = c.kspace.data;
        const float *ref = c.reference.data;
        for (size_t p = 0; p < 4 * n * n; p++)
            ek += (double)cabsf(k[p]) * cabsf(k[p]);
        for (size_t p = 0; p < n * n; p++)
            eo += (double)ref[p] * ref[p];
        assert_close(ek / eo, 1.0, 1e-4);
        if (tu_python_has("numpy,scipy")) {
            char args[2048], out[256], img[700], msk[700];
            const char *dir = tu_tmpdir();
            snprintf(img, sizeof img, "%s/img.raw", dir);
            snprintf(msk, sizeof msk, "%s/mask.raw", dir);
            snprintf(args, sizeof args, "%s %zu %s %s %s", TEMPLATES, n,
                     mrv_case_get_meta(&c, "slice_z_mm"), img, msk);
            int rc = tu_python_run(ORACLE, args, out, sizeof out);
            if (rc != 0)
                fail_msg("oracle: rc %d: %s", rc, out);
            float *want = malloc(n * n * sizeof *want);
            uint8_t *wm = malloc(n * n);
            FILE *f = fopen(img, "rb");
            assert_int_equal(fread(want, sizeof *want, n * n, f), n * n);
            fclose(f);
            f = fopen(msk, "rb");
            assert_int_equal(fread(wm, 1, n * n, f), n * n);
            fclose(f);
            size_t nmask = 0;
            for (size_t p = 0; p < n * n; p++) {
                assert_close(ref[p], want[p], 2e-5);
                assert_int_equal(((uint8_t *)c.labels.data)[p], wm[p]);
                nmask += wm[p];
            }
            assert_true(nmask > 100); /* a real brain section, not an empty plane */
            free(want);
            free(wm);
        }
        mrv_case_free(&c);
    }
    char h1[MRV_SHA256_HEX], h2[MRV_SHA256_HEX];
    assert_ok(mrv_dataset_file_sha256(ds, 2, h1, &err), &err);
    struct stat st1;
    assert_int_equal(stat(cpath, &st1), 0);
    mrv_dataset_close(ds);

    /* reused: a second open does not rewrite the cache */
    ds = open_colin(cache, n, 4);
    struct stat st2;
    assert_int_equal(stat(mrv_dataset_file_path(ds, 2), &st2), 0);
    assert_true(st1.st_mtim.tv_sec == st2.st_mtim.tv_sec &&
                st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);
    mrv_dataset_close(ds);

    /* deterministic: made again in another folder, byte-identical */
    char other[600];
    snprintf(other, sizeof other, "%s", tu_tmpdir());
    ds = open_colin(other, n, 4);
    assert_ok(mrv_dataset_file_sha256(ds, 2, h2, &err), &err);
    assert_string_equal(h1, h2);
    mrv_dataset_close(ds);
}

static void test_volume_with_aal(void **state)
{
    (void)state;
    if (!have_data())
        skip();
    struct mrv_error err = {0};
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("colin27_3d", NULL, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 1);
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    assert_int_equal(c.task, MRV_TASK_SEGMENTATION);
    assert_int_equal(c.reference.dims[0], 181);
    assert_int_equal(c.reference.dims[1], 217);
    assert_int_equal(c.reference.dims[2], 181);
    uint8_t mx = 0;
    const uint8_t *l = c.labels.data;
    for (size_t p = 0; p < mrv_array_count(&c.labels); p++)
        mx = l[p] > mx ? l[p] : mx;
    assert_int_equal(mx, 116); /* AAL's 116 regions */
    assert_string_equal(mrv_case_get_meta(&c, "orientation"), "RAS");
    assert_true(c.spacing[0] == 1.0 && c.spacing[1] == 1.0 && c.spacing[2] == 1.0);
    mrv_case_free(&c);
    mrv_dataset_close(ds);
}

static void test_missing_templates(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    setenv("MRV_COLIN27_DIR", "/nonexistent/templates", 1);
    struct mrv_dataset *ds;
    assert_int_equal(mrv_dataset_open("colin27", NULL, &ds, &err), MRV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/templates/ch2.nii.gz not found"));
    assert_non_null(strstr(err.msg, "mricron-data"));
    unsetenv("MRV_COLIN27_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slices_against_scipy),
        cmocka_unit_test(test_volume_with_aal),
        cmocka_unit_test(test_missing_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
