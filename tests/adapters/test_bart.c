/* The bart adapter against Debian's real `bart`: with the true coil maps
 * and fully sampled noiseless data, pics (tiny l2 weight) must return the
 * reference (the RSS of the coil images; the maps have unit RSS), which
 * also pins the layout and FFT scaling; with R = 2 undersampling and maps
 * from `bart ecalib`, l1-wavelet pics must beat zero-filling; a failing
 * command is MRV_EMODEL quoting bart's own message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "adapter_fixture.h"

static void run_model(const char *cmd, const struct mrv_kv *set, int nset,
                      const struct mrv_model_input *in, struct mrv_array *out)
{
    struct mrv_error err = {0};
    struct mrv_model *m;
    assert_ok(mrv_model_create_with("bart", cmd, set, nset, &m, &err), &err);
    assert_ok(mrv_model_infer(m, in, out, &err), &err);
    mrv_model_destroy(m);
}

static void test_fully_sampled_given_maps(void **state)
{
    (void)state;
    struct mrv_case c;
    fx_phantom(64, 4, 0, &c);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &c.kspace,
                                 .coil_maps = &c.coil_maps, .out_ndim = 3};
    memcpy(in.out_dims, c.reference.dims, 3 * sizeof(size_t));
    struct mrv_array out;
    const struct mrv_kv set[] = {{"maps", "given"}};
    run_model("pics -S -l2 -r 0.0001", set, 1, &in, &out);
    double e = fx_nrmse(&out, &c.reference);
    printf("# bart pics, fully sampled, true maps: NRMSE %.2e\n", e);
    assert_true(e < 2e-3);
    mrv_array_free(&out);
    mrv_case_free(&c);
}

static void test_undersampled_ecalib(void **state)
{
    (void)state;
    struct mrv_case c;
    fx_phantom(64, 4, 0, &c);
    size_t nx = c.kspace.dims[3];
    uint8_t m[64];
    for (size_t x = 0; x < nx; x++) /* R = 2 with 16 calibration columns */
        m[x] = (uint8_t)(x % 2 == 0 || (x >= nx / 2 - 8 && x < nx / 2 + 8));
    struct mrv_array mask, zf, out;
    fx_apply_mask(&c.kspace, m, &mask);
    struct mrv_error err = {0};
    assert_ok(mrv_recon_zero_filled(&c.kspace, &zf, &err), &err);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &c.kspace,
                                 .mask = &mask};
    const struct mrv_kv set[] = {{"maps", "ecalib"}, {"ecalib", "-m1 -r 16"}};
    run_model("bart pics -S -l1 -r 0.01", set, 2, &in, &out);
    double e = fx_nrmse(&out, &c.reference), ez = fx_nrmse(&zf, &c.reference);
    printf("# bart pics l1, R=2, ecalib maps: NRMSE %.3f (zero-filled %.3f)\n", e, ez);
    assert_true(e < 0.5 * ez);
    mrv_array_free(&out);
    mrv_array_free(&zf);
    mrv_array_free(&mask);
    mrv_case_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    struct mrv_case c;
    fx_phantom(32, 2, 0, &c);
    struct mrv_error err = {0};
    struct mrv_model *m;
    const struct mrv_kv set[] = {{"maps", "given"}};
    assert_ok(mrv_model_create_with("bart", "pics --no-such-option", set, 1, &m, &err), &err);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &c.kspace,
                                 .coil_maps = &c.coil_maps};
    struct mrv_array out;
    assert_int_equal(mrv_model_infer(m, &in, &out, &err), MRV_EMODEL);
    assert_non_null(strstr(err.msg, "`bart pics` killed by signal 6"));  /* bart aborts */
    assert_non_null(strstr(err.msg, "unrecognized option '--no-such-option'"));
    assert_null(strstr(err.msg, "[31m")); /* terminal colours stripped */
    mrv_model_destroy(m);
    const struct mrv_kv bad[] = {{"maps", "guess"}};
    assert_int_equal(mrv_model_create_with("bart", "pics", bad, 1, &m, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "maps = 'guess'"));
    mrv_case_free(&c);
}

int main(void)
{
    if (access("/usr/bin/bart", X_OK) != 0 && system("command -v bart >/dev/null") != 0) {
        printf("# SKIP: bart is not installed (Debian package bart)\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fully_sampled_given_maps),
        cmocka_unit_test(test_undersampled_ecalib),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
