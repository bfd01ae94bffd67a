/* The built-in phantom set: Toft's intensities at hand-picked points, coil
 * maps with unit root-sum-of-squares, and a reference that is the object. */
#include <math.h>
#include <string.h>

#include "datasets/coils.h"
#include "datasets/dataset.h"
#include "datasets/phantom.h"
#include "tests_util.h"

/* Pixel nearest to (x, y) with MATLAB phantom's coordinates:
 * x = (col - (n-1)/2) / ((n-1)/2), y up. */
static float at(const float *img, size_t n, double x, double y)
{
    double h = (double)(n - 1) / 2.0;
    long col = lround(x * h + h), row = lround(-y * h + h);
    return img[(size_t)row * n + (size_t)col];
}

static void test_toft_intensities(void **state)
{
    (void)state;
    static float img[320 * 320];
    mrv_phantom_shepp_logan_2d(320, 320, img);
    assert_close(at(img, 320, 0.0, 0.0), 1.0 - 0.8, 1e-6);        /* brain */
    assert_close(at(img, 320, 0.0, 0.9), 1.0, 1e-6);              /* skull */
    assert_close(at(img, 320, 0.22, 0.0), 1.0 - 0.8 - 0.2, 1e-6); /* right ventricle */
    assert_close(at(img, 320, -0.22, 0.2), 0.0, 1e-6);            /* left ventricle */
    assert_close(at(img, 320, 0.0, 0.35), 0.3, 1e-6);             /* ellipse 5 */
    assert_close(at(img, 320, 0.0, -0.1), 0.3, 1e-6);             /* ellipse 7 */
    assert_close(at(img, 320, 0.95, 0.95), 0.0, 1e-6);            /* air */
    /* symmetric about x = 0 where the table is (rows through y = 0.35) */
    assert_close(at(img, 320, 0.1, 0.35), at(img, 320, -0.1, 0.35), 1e-6);
}

static void test_3d_sections(void **state)
{
    (void)state;
    static float img[64 * 64];
    mrv_phantom_shepp_logan_3d_slice(64, 64, 0.0, img);
    assert_close(at(img, 64, 0.0, 0.0), 0.2, 1e-6);
    mrv_phantom_shepp_logan_3d_slice(64, 64, 0.85, img); /* above the skull (c = 0.81) */
    for (int i = 0; i < 64 * 64; i++)
        assert_true(img[i] == 0.0f);
}

static void test_coil_maps_unit_rss(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const size_t n = 64;
    static float complex maps[8 * 64 * 64];
    assert_ok(mrv_coils_simulate(8, n, n, maps, &err), &err);
    for (size_t p = 0; p < n * n; p++) {
        double ss = 0;
        for (int c = 0; c < 8; c++)
            ss += cabsf(maps[c * n * n + p]) * cabsf(maps[c * n * n + p]);
        assert_close(sqrt(ss), 1.0, 1e-5);
    }
    /* coil 0 sits at angle 0 (right side): it sees the right edge more */
    float right = cabsf(maps[32 * n + 62]), left = cabsf(maps[32 * n + 1]);
    assert_true(right > 3 * left);
    assert_int_equal(mrv_coils_simulate(0, n, n, maps, &err), MRV_EINVAL);
}

/* fastMRI layout, and the RSS reference equals |object|: the coil maps
 * have unit RSS and the FFT pair is orthonormal. */
static void test_phantom_case(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("phantom", NULL, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 5);
    assert_string_equal(mrv_dataset_case_id(ds, 0), "shepp_logan_2d");
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    assert_int_equal(c.kspace.ndim, 4);
    assert_int_equal(c.kspace.dims[0], 1);
    assert_int_equal(c.kspace.dims[1], 8);
    assert_int_equal(c.kspace.dims[2], 320);
    assert_int_equal(c.kspace.dims[3], 320);
    assert_int_equal(c.kspace.dtype, MRV_C64);
    assert_int_equal(c.reference.dtype, MRV_F32);
    static float obj[320 * 320];
    mrv_phantom_shepp_logan_2d(320, 320, obj);
    const float *ref = c.reference.data;
    double kenergy = 0, oenergy = 0;
    for (size_t p = 0; p < 320 * 320; p++) {
        assert_close(ref[p], obj[p], 1e-5);
        oenergy += (double)obj[p] * obj[p];
    }
    const float complex *k = c.kspace.data;
    for (size_t i = 0; i < mrv_array_count(&c.kspace); i++)
        kenergy += (double)cabsf(k[i]) * cabsf(k[i]);
    assert_close(kenergy / oenergy, 1.0, 1e-4); /* Parseval through the coils */
    assert_non_null(mrv_case_get_meta(&c, "anatomy"));
    assert_close(c.spacing[1], 220.0 / 320.0, 1e-12);
    mrv_case_free(&c);
    assert_int_equal(mrv_dataset_load(ds, 5, &c, &err), MRV_EINVAL);
    mrv_dataset_close(ds);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_dataset *ds;
    assert_int_equal(mrv_dataset_open("nosuchset", NULL, &ds, &err), MRV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "nosuchset"));
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.matrix = 4;
    assert_int_equal(mrv_dataset_open("phantom", &o, &ds, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "matrix"));
    assert_null(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toft_intensities),
        cmocka_unit_test(test_3d_sections),
        cmocka_unit_test(test_coil_maps_unit_rss),
        cmocka_unit_test(test_phantom_case),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
