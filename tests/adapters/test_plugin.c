/* The plugin adapter with the example plugin CMake builds
 * (adapters/examples/plugin_example.c, a hand-written DFT): its output
 * must equal mrvet's FFTW zero-filled reconstruction; settings reach init;
 * failures are MRV_EMODEL naming the plugin and its message. */
#include <stdio.h>
#include <string.h>

#include "adapters/adapter.h"
#include "tests_util.h"

#define PLUGIN MRV_BINARY_DIR "/plugins/mrvet_plugin_example.so"

static void make_kspace(struct mrv_array *k)
{
    struct mrv_error err = {0};
    assert_ok(mrv_array_alloc(k, MRV_C64, 4, (size_t[]){2, 3, 12, 10}, &err), &err);
    float complex *d = k->data;
    for (size_t i = 0; i < mrv_array_count(k); i++)
        d[i] = (float)cos(0.3 * (double)i) + I * (float)sin(0.05 * (double)(i * i % 97));
}

static void test_matches_fftw(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_array k, ref, out;
    make_kspace(&k);
    assert_ok(mrv_recon_zero_filled(&k, &ref, &err), &err);
    const struct mrv_kv set[] = {{"scale", "2"}};
    struct mrv_model *m;
    assert_ok(mrv_model_create_with("plugin", PLUGIN, set, 1, &m, &err), &err);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &k};
    assert_ok(mrv_model_infer(m, &in, &out, &err), &err);
    assert_true(mrv_array_same_shape(&out, &ref));
    const float *a = out.data, *b = ref.data;
    for (size_t i = 0; i < mrv_array_count(&out); i++)
        assert_close(a[i], 2 * b[i], 1e-4 * (1 + fabs(b[i])));
    mrv_array_free(&out);
    /* a larger image is centre-cropped to the expected shape (fastMRI's
     * center_crop: rows 1..10 of 12), a smaller one refused */
    in.out_ndim = 3;
    memcpy(in.out_dims, (size_t[]){2, 10, 10}, 3 * sizeof(size_t));
    assert_ok(mrv_model_infer(m, &in, &out, &err), &err);
    a = out.data;
    for (size_t sl = 0; sl < 2; sl++)
        for (size_t y = 0; y < 10; y++)
            for (size_t x = 0; x < 10; x++) {
                double want = 2 * b[(sl * 12 + y + 1) * 10 + x];
                assert_close(a[(sl * 10 + y) * 10 + x], want, 1e-4 * (1 + fabs(want)));
            }
    mrv_array_free(&out);
    memcpy(in.out_dims, (size_t[]){2, 14, 10}, 3 * sizeof(size_t));
    assert_int_equal(mrv_model_infer(m, &in, &out, &err), MRV_EMODEL);
    assert_non_null(strstr(err.msg, "output (2, 12, 10) f32, expected (2, 14, 10) f32"));
    mrv_model_destroy(m);
    mrv_array_free(&k);
    mrv_array_free(&ref);
}

static void test_errors(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_model *m = NULL;
    assert_int_equal(mrv_model_create("plugin", "/nonexistent/plugin.so", &m, &err),
                     MRV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/plugin.so"));
    const struct mrv_kv bad[] = {{"mode", "sideways"}};
    assert_int_equal(mrv_model_create_with("plugin", PLUGIN, bad, 1, &m, &err), MRV_EMODEL);
    assert_non_null(strstr(err.msg, "init failed: mode 'sideways'"));
    /* a library that is not a plugin */
    assert_int_equal(mrv_model_create("plugin", "libm.so.6", &m, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "mrv_plugin_entry"));
    const struct mrv_kv fail[] = {{"mode", "fail"}};
    assert_ok(mrv_model_create_with("plugin", PLUGIN, fail, 1, &m, &err), &err);
    struct mrv_array k, out;
    make_kspace(&k);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &k};
    assert_int_equal(mrv_model_infer(m, &in, &out, &err), MRV_EMODEL);
    assert_non_null(strstr(err.msg, "failing on purpose"));
    assert_int_equal(out.ndim, 0);
    mrv_model_destroy(m);
    mrv_array_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_fftw),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
