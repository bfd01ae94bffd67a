/* The bad-input corpus, made here by code: truncated and non-HDF5 files,
 * missing datasets, wrong rank or dtype, mismatched shapes, NaN/Inf in
 * k-space, an empty folder. Each must fail with a message naming the file,
 * the dataset and what was expected; a folder mixing good and bad files
 * opens in lenient mode (bad files reported) and fails in strict mode. */
#include <float.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/dataset.h"
#include "datasets/dataset_internal.h"
#include "datasets/fastmri.h"
#include "datasets/h5util.h"
#include "tests_util.h"

static void good_file(const char *path, size_t S, float complex poison, size_t at)
{
    struct mrv_error err = {0};
    struct mrv_array k = {0};
    size_t kd[4] = {S, 2, 4, 6};
    assert_ok(mrv_array_alloc(&k, MRV_C64, 4, kd, &err), &err);
    float complex *d = k.data;
    for (size_t i = 0; i < mrv_array_count(&k); i++)
        d[i] = (float)i;
    if (at != (size_t)-1)
        d[at] = poison;
    struct mrv_fastmri_volume v = {.kspace = &k};
    assert_ok(mrv_fastmri_write(path, &v, &err), &err);
    mrv_array_free(&k);
}

/* A file with one dataset `name` of the given HDF5 type and shape. */
static void raw_file(const char *path, const char *name, hid_t type, int rank,
                     const hsize_t *dims)
{
    mrv_h5_lock();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0 && d >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    mrv_h5_unlock();
}

/* Open `path` as fastmri (strict) and check every fragment is in the message. */
static void expect_error(const char *path, enum mrv_status code, const char *const *frags)
{
    struct mrv_error err = {0};
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = path;
    o.strict = true;
    struct mrv_dataset *ds = NULL;
    enum mrv_status s = mrv_dataset_open("fastmri", &o, &ds, &err);
    if (s != code)
        fail_msg("%s: status %s, expected %s (%s)", path, mrv_strerror(s), mrv_strerror(code),
                 err.msg);
    assert_null(ds);
    for (int i = 0; frags[i]; i++)
        if (!strstr(err.msg, frags[i]))
            fail_msg("message '%s' lacks '%s'", err.msg, frags[i]);
}

static void path_in(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static void test_truncated_and_garbage(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    char p[600];
    path_in(p, sizeof p, dir, "truncated.h5");
    good_file(p, 3, 0, (size_t)-1);
    FILE *f = fopen(p, "rb+");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    assert_int_equal(truncate(p, n / 2), 0);
    expect_error(p, MRV_EIO, (const char *[]){p, "HDF5", "expected a fastMRI", NULL});

    path_in(p, sizeof p, dir, "text.h5");
    f = fopen(p, "w");
    fputs("this is not HDF5\n", f);
    fclose(f);
    expect_error(p, MRV_EIO, (const char *[]){p, "cannot open as HDF5", NULL});

    path_in(p, sizeof p, dir, "nonexistent.h5");
    expect_error(p, MRV_ENOTFOUND, (const char *[]){p, "does not exist", NULL});
}

static void test_missing_and_wrong_datasets(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    char p[600];
    hsize_t d3[3] = {2, 4, 4}, d2[2] = {4, 4}, d4[4] = {2, 2, 4, 4};

    path_in(p, sizeof p, dir, "missing.h5");
    raw_file(p, "reconstruction_rss", H5T_IEEE_F32LE, 3, d3);
    expect_error(p, MRV_EFORMAT, (const char *[]){p, "'kspace'", "missing", "complex64", NULL});

    mrv_h5_lock();
    hid_t ct = mrv_h5_complex_type();
    mrv_h5_unlock();
    path_in(p, sizeof p, dir, "rank2.h5");
    raw_file(p, "kspace", ct, 2, d2);
    expect_error(p, MRV_EFORMAT,
                 (const char *[]){p, "'kspace'", "(4, 4) complex64", "rank 3", NULL});

    path_in(p, sizeof p, dir, "float.h5");
    raw_file(p, "kspace", H5T_IEEE_F32LE, 4, d4);
    expect_error(p, MRV_EFORMAT,
                 (const char *[]){p, "'kspace'", "(2, 2, 4, 4) float32", "expected complex64",
                                  NULL});
    mrv_h5_lock();
    H5Tclose(ct);
    mrv_h5_unlock();

    /* reconstruction with another slice count than kspace */
    path_in(p, sizeof p, dir, "slices.h5");
    good_file(p, 3, 0, (size_t)-1);
    mrv_h5_lock();
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(3, d3, NULL);
    hid_t d = H5Dcreate2(f, "reconstruction_rss", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    mrv_h5_unlock();
    expect_error(p, MRV_EFORMAT,
                 (const char *[]){p, "'reconstruction_rss'", "2 slices", "expected 3", NULL});
}

static void test_nonfinite_kspace(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char p[600];
    path_in(p, sizeof p, dir, "nan.h5");
    /* slice 1, coil 1, ky 2, kx 3: index 1*48 + 1*24 + 2*6 + 3 */
    good_file(p, 2, NAN, 48 + 24 + 12 + 3);
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = p;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("fastmri", &o, &ds, &err), &err); /* structure is fine */
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    mrv_case_free(&c);
    assert_int_equal(mrv_dataset_load(ds, 1, &c, &err), MRV_EFORMAT);
    const char *frags[] = {p, "'kspace'", "slice 1", "NaN", "coil 1, ky 2, kx 3",
                           "expected finite", NULL};
    for (int i = 0; frags[i]; i++)
        if (!strstr(err.msg, frags[i]))
            fail_msg("message '%s' lacks '%s'", err.msg, frags[i]);
    mrv_dataset_close(ds);

    path_in(p, sizeof p, dir, "inf.h5");
    good_file(p, 1, CMPLXF(0.0f, INFINITY), 5);
    o.path = p;
    o.verify = true; /* found at open */
    o.strict = true;
    assert_int_equal(mrv_dataset_open("fastmri", &o, &ds, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "Inf at (coil 0, ky 0, kx 5)"));
}

static void test_empty_folder(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    expect_error(dir, MRV_EFORMAT, (const char *[]){dir, "no .h5 file", NULL});
    struct mrv_error err = {0};
    struct mrv_dataset *ds;
    assert_int_equal(mrv_dataset_open("fastmri", NULL, &ds, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "no path"));
}

static void test_lenient_and_strict(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char p[600];
    path_in(p, sizeof p, dir, "a_good.h5");
    good_file(p, 2, 0, (size_t)-1);
    path_in(p, sizeof p, dir, "b_nan.h5");
    good_file(p, 2, NAN, 0);
    path_in(p, sizeof p, dir, "c_garbage.h5");
    FILE *f = fopen(p, "w");
    fputs("garbage", f);
    fclose(f);
    path_in(p, sizeof p, dir, "d_good.h5");
    good_file(p, 1, 0, (size_t)-1);

    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = dir;
    o.verify = true;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("fastmri", &o, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 3); /* 2 + 1 slices of the good files */
    assert_int_equal(mrv_dataset_file_count(ds), 2);
    assert_int_equal(mrv_dataset_bad_count(ds), 2);
    assert_non_null(strstr(mrv_dataset_bad(ds, 0), "b_nan.h5: dataset 'kspace' slice 0"));
    assert_non_null(strstr(mrv_dataset_bad(ds, 1), "c_garbage.h5: cannot open as HDF5"));
    assert_string_equal(mrv_dataset_case_id(ds, 2), "d_good_s000");
    mrv_dataset_close(ds);

    o.strict = true;
    ds = (struct mrv_dataset *)1;
    assert_int_equal(mrv_dataset_open("fastmri", &o, &ds, &err), MRV_EFORMAT);
    assert_null(ds);
    assert_non_null(strstr(err.msg, "b_nan.h5"));

    /* a folder of bad files only: lenient still fails, listing the first */
    for (const char *n = "a_good.h5"; n; n = strcmp(n, "a_good.h5") == 0 ? "d_good.h5" : NULL) {
        path_in(p, sizeof p, dir, n);
        unlink(p);
    }
    o.strict = false;
    assert_int_equal(mrv_dataset_open("fastmri", &o, &ds, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "no usable case (2 bad files skipped; first:"));
}

/* The bit-trick scan against the plain isfinite() loop, with specials at
 * block boundaries; FLT_MAX and subnormals are finite. */
static void test_nonfinite_scan(void **state)
{
    (void)state;
    const size_t n = 3 * 4096 + 17;
    float complex *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = CMPLXF(i % 2 ? FLT_MAX : -FLT_MAX, i % 3 ? FLT_TRUE_MIN : -0.0f);
    assert_true(mrv_ds_find_nonfinite(v, n) == (size_t)-1);
    const float specials[] = {NAN, -NAN, INFINITY, -INFINITY};
    const size_t at[] = {0, 4095, 4096, 8191, 8192, n - 1};
    for (size_t a = 0; a < sizeof at / sizeof at[0]; a++)
        for (size_t k = 0; k < 4; k++)
            for (int im = 0; im < 2; im++) {
                float complex keep = v[at[a]];
                v[at[a]] = im ? CMPLXF(1.0f, specials[k]) : CMPLXF(specials[k], 1.0f);
                size_t want = (size_t)-1;
                for (size_t i = 0; i < n && want == (size_t)-1; i++)
                    if (!isfinite(crealf(v[i])) || !isfinite(cimagf(v[i])))
                        want = i;
                assert_true(want == at[a]);
                assert_true(mrv_ds_find_nonfinite(v, n) == want);
                v[at[a]] = keep;
            }
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_and_garbage),
        cmocka_unit_test(test_missing_and_wrong_datasets),
        cmocka_unit_test(test_nonfinite_kspace),
        cmocka_unit_test(test_empty_folder),
        cmocka_unit_test(test_lenient_and_strict),
        cmocka_unit_test(test_nonfinite_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
