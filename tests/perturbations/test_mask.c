/* fastMRI RandomMaskFunc: centre lines, half-to-even rounding, the
 * expected acceleration, determinism, refusals. */
#include <math.h>
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

/* EquispacedMaskFunc: W 368, R 4, cf 0.08 -> N_lf round(29.44) = 29,
 * pad (368 - 29 + 1) // 2 = 170; columns offset::4 plus the centre. */
static void test_equispaced(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[368];
    for (uint64_t seed = 0; seed < 8; seed++) {
        struct mrv_mask_info info;
        assert_ok(mrv_mask_make(MRV_MASK_EQUISPACED, 368, 4, 0.08, seed, m, &info, &err), &err);
        assert_int_equal(info.low_frequency, 29);
        assert_int_equal(info.pad, 170);
        assert_true(info.offset < 4);
        for (size_t i = 0; i < 368; i++) {
            int want = (i >= 170 && i < 199) || (i >= info.offset && (i - info.offset) % 4 == 0);
            assert_int_equal(m[i], want);
        }
    }
}

/* EquispacedMaskFractionFunc: R' = 4 (29 - 368) / (29 * 4 - 368) =
 * 5.380952..., columns round(offset + j R') < 367 plus the centre:
 * W / R = 92 columns within the rounding overlap. */
static void test_equispaced_fraction(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[368];
    double adj = 4.0 * (29.0 - 368.0) / (29.0 * 4.0 - 368.0);
    assert_close(adj, 5.380952380952381, 1e-12);
    for (uint64_t seed = 0; seed < 8; seed++) {
        struct mrv_mask_info info;
        assert_ok(mrv_mask_make(MRV_MASK_EQUISPACED_FRACTION, 368, 4, 0.08, seed, m, &info,
                                &err), &err);
        assert_true(info.offset < 5);
        uint8_t want[368] = {0};
        for (int i = 170; i < 199; i++)
            want[i] = 1;
        for (double x = (double)info.offset; x < 367; x += adj)
            want[(size_t)nearbyint(x)] = 1;
        assert_memory_equal(m, want, 368);
        assert_true(info.sampled >= 88 && info.sampled <= 94);
    }
}

/* numpy's arange, not a running sum: W 18, R 2, N_lf round(1.8) = 2 gives
 * R' = 2 (2 - 18) / (4 - 18) = 16/7 and, from fastMRI's code run in numpy
 * (np.around(np.arange(offset, 17, 16/7)) plus the centre columns 8-9),
 * these masks; adding 16/7 seven times to 1 lands below 17 and would keep
 * column 17 too. */
static void test_equispaced_fraction_numpy(void **state)
{
    (void)state;
    static const char *const want[2] = {"101001011101001010", "010100101110100100"};
    struct mrv_error err = {0};
    int seen[2] = {0, 0};
    for (uint64_t seed = 0; seed < 16; seed++) {
        uint8_t m[18];
        struct mrv_mask_info info;
        assert_ok(mrv_mask_make(MRV_MASK_EQUISPACED_FRACTION, 18, 2, 0.1, seed, m, &info, &err),
                  &err);
        assert_true(info.offset < 2);
        seen[info.offset] = 1;
        for (int i = 0; i < 18; i++)
            assert_int_equal(m[i], want[info.offset][i] - '0');
    }
    assert_true(seen[0] && seen[1]);
}

/* Poisson disc: exactly round(W/R) columns, the centre kept, every kept
 * column at least min(r(a), r(b)) from its neighbour (r grows 4x to the
 * edge), denser in the middle than at the edges. */
static void test_poisson(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[368];
    const double accel[] = {2, 4, 6, 8};
    for (int a = 0; a < 4; a++)
        for (uint64_t seed = 0; seed < 5; seed++) {
            struct mrv_mask_info info;
            double cf = 0.32 / accel[a];
            assert_ok(mrv_mask_make(MRV_MASK_POISSON, 368, accel[a], cf, seed, m, &info, &err),
                      &err);
            assert_int_equal(info.sampled, (size_t)nearbyint(368 / accel[a]));
            for (size_t i = info.pad; i < info.pad + info.low_frequency; i++)
                assert_int_equal(m[i], 1);
            double s = info.radius;
            assert_true(s > 0);
            long prev = -1;
            size_t inner = 0, outer = 0;
            for (long x = 0; x < 368; x++) {
                if (!m[x])
                    continue;
                if (x >= 122 && x < 246)
                    inner++;
                else
                    outer++;
                int in_centre = x >= (long)info.pad && x < (long)(info.pad + info.low_frequency);
                int prev_centre = prev >= (long)info.pad &&
                                  prev < (long)(info.pad + info.low_frequency);
                if (prev >= 0 && !(in_centre && prev_centre)) {
                    double ra = s * (1 + 3 * fabs((double)prev - 184) / 184.0);
                    double rb = s * (1 + 3 * fabs((double)x - 184) / 184.0);
                    assert_true((double)(x - prev) >= fmin(ra, rb) - 1e-9);
                }
                prev = x;
            }
            assert_true(inner > outer / 2); /* 1/3 of the width holds > 1/3 */
        }
}

static void test_kinds_refuse(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    uint8_t m[64];
    assert_int_equal(mrv_mask_make((enum mrv_mask_kind)9, 64, 4, 0.08, 1, m, NULL, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "kind"));
    assert_string_equal(mrv_mask_kind_name(MRV_MASK_POISSON), "poisson");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_centre_lines),
        cmocka_unit_test(test_python_rounding),
        cmocka_unit_test(test_expected_acceleration),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_equispaced),
        cmocka_unit_test(test_equispaced_fraction),
        cmocka_unit_test(test_equispaced_fraction_numpy),
        cmocka_unit_test(test_poisson),
        cmocka_unit_test(test_kinds_refuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
