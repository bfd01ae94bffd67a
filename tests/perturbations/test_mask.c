/* fastMRI RandomMaskFunc: centre lines, half-to-even rounding, the
 * expected acceleration, determinism, refusals. */
#include <string.h>

#include "perturbations/mask.h"
#include "tests_util.h"

static void test_centre_lines(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[320];
    struct mrv_mask_info info;
    assert_ok(mrv_mask_random(320, 4.0, 0.08, 42, m, &info, &err), &err);
    /* round(320 * 0.08) = round(25.6) = 26; pad = (320 - 26 + 1) // 2 = 147 */
    assert_int_equal(info.low_frequency, 26);
    assert_int_equal(info.pad, 147);
    for (int i = 147; i < 147 + 26; i++)
        assert_int_equal(m[i], 1);
    /* p = (320/4 - 26) / (320 - 26) */
    assert_close(info.probability, 54.0 / 294.0, 1e-12);
    size_t kept = 0;
    for (int i = 0; i < 320; i++)
        kept += m[i];
    assert_int_equal(kept, info.sampled);
}

static void test_python_rounding(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[325];
    struct mrv_mask_info info;
    /* 325 * 0.1 = 32.5: Python's round() gives 32 (half to even) */
    assert_ok(mrv_mask_random(325, 8.0, 0.1, 1, m, &info, &err), &err);
    assert_int_equal(info.low_frequency, 32);
    assert_int_equal(info.pad, (325 - 32 + 1) / 2);
}

/* Over many seeds the mean number of sampled columns is W / R: the
 * binomial standard error of the mean over 400 masks is 0.33 column. */
static void test_expected_acceleration(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[368];
    double total = 0;
    for (uint64_t seed = 0; seed < 400; seed++) {
        struct mrv_mask_info info;
        assert_ok(mrv_mask_random(320, 4.0, 0.08, seed * 7919 + 3, m, &info, &err), &err);
        total += (double)info.sampled;
    }
    assert_close(total / 400.0, 80.0, 1.5);
    /* and at R = 8, cf 0.04 */
    total = 0;
    for (uint64_t seed = 0; seed < 400; seed++) {
        struct mrv_mask_info info;
        assert_ok(mrv_mask_random(368, 8.0, 0.04, seed, m, &info, &err), &err);
        total += (double)info.sampled;
    }
    assert_close(total / 400.0, 46.0, 1.5);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t a[320], b[320], c[320];
    assert_ok(mrv_mask_random(320, 4.0, 0.08, 5, a, NULL, &err), &err);
    assert_ok(mrv_mask_random(320, 4.0, 0.08, 5, b, NULL, &err), &err);
    assert_ok(mrv_mask_random(320, 4.0, 0.08, 6, c, NULL, &err), &err);
    assert_memory_equal(a, b, 320);
    assert_memory_not_equal(a, c, 320);
}

static void test_refusals(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[320];
    assert_int_equal(mrv_mask_random(320, 4.0, 0.5, 1, m, NULL, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "center_fraction"));
    assert_int_equal(mrv_mask_random(320, 0.5, 0.08, 1, m, NULL, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "acceleration"));
    assert_int_equal(mrv_mask_random(320, 4.0, 0.0, 1, m, NULL, &err), MRV_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_centre_lines),
        cmocka_unit_test(test_python_rounding),
        cmocka_unit_test(test_expected_acceleration),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
