/* The built-in zero-filled reconstruction against the inverse DFT and
 * root-sum-of-squares written out by hand, and against the reference. */
#include <math.h>
#include <string.h>

#include "adapters/adapter.h"
#include "datasets/dataset.h"
#include "tests_util.h"

/* Hand-written centred inverse DFT of one coil, then RSS over coils. */
static void test_matches_hand_dft(void **state)
{
    (void)state;
    enum { NC = 3, NY = 6, NX = 5 };
    struct mrv_error err = {0};
    struct mrv_array k, out;
    assert_ok(mrv_array_alloc(&k, MRV_C64, 4, (size_t[]){1, NC, NY, NX}, &err), &err);
    float complex *kd = k.data;
    for (int i = 0; i < NC * NY * NX; i++)
        kd[i] = (float)sin(1.3 * i) + I * (float)cos(0.7 * i * i);
    for (int c = 0; c < NC; c++) /* zero two phase-encode columns, as a mask does */
        for (int y = 0; y < NY; y++)
            kd[(c * NY + y) * NX + 1] = kd[(c * NY + y) * NX + 4] = 0;
    assert_ok(mrv_recon_zero_filled(&k, &out, &err), &err);
    assert_int_equal(out.ndim, 3);
    assert_int_equal(out.dtype, MRV_F32);
    const float *img = out.data;
    for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++) {
            double ss = 0;
            for (int c = 0; c < NC; c++) {
                double complex acc = 0;
                for (int v = 0; v < NY; v++)
                    for (int u = 0; u < NX; u++) {
                        double ph = (double)(v - NY / 2) * (y - NY / 2) / NY +
                                    (double)(u - NX / 2) * (x - NX / 2) / NX;
                        acc += kd[(c * NY + v) * NX + u] * cexp(2.0 * I * M_PI * ph);
                    }
                acc /= sqrt((double)NY * NX);
                ss += creal(acc) * creal(acc) + cimag(acc) * cimag(acc);
            }
            assert_close(img[y * NX + x], sqrt(ss), 1e-5);
        }
    mrv_array_free(&k);
    mrv_array_free(&out);
}

/* Fully sampled input: the zero-filled reconstruction is the RSS reference. */
static void test_fully_sampled_is_reference(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_dataset *ds;
    struct mrv_case c;
    assert_ok(mrv_dataset_open("phantom", NULL, &ds, &err), &err);
    assert_ok(mrv_dataset_load(ds, 2, &c, &err), &err);
    struct mrv_model *m;
    assert_ok(mrv_model_create("builtin", "zero_filled", &m, &err), &err);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &c.kspace};
    struct mrv_array out;
    assert_ok(mrv_model_infer(m, &in, &out, &err), &err);
    assert_true(mrv_array_same_shape(&out, &c.reference));
    const float *a = out.data, *b = c.reference.data;
    for (size_t i = 0; i < mrv_array_count(&out); i++)
        assert_close(a[i], b[i], 1e-5);
    mrv_array_free(&out);
    mrv_case_free(&c);
    mrv_model_destroy(m);
    mrv_dataset_close(ds);
}

static void test_errors(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_model *m;
    assert_int_equal(mrv_model_create("builtin", "unet", &m, &err), MRV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "unet"));
    assert_int_equal(mrv_model_create("nokind", "x", &m, &err), MRV_ENOTFOUND);
    struct mrv_array img, out;
    assert_ok(mrv_array_alloc(&img, MRV_F32, 3, (size_t[]){1, 4, 4}, &err), &err);
    assert_int_equal(mrv_recon_zero_filled(&img, &out, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "(slices, coils, ky, kx)"));
    mrv_array_free(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_hand_dft),
        cmocka_unit_test(test_fully_sampled_is_reference),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
