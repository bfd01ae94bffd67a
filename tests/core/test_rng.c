/* Seeded streams: published test vectors, independence of what is hashed,
 * and the moments of the normal draws. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "core/sha256.h"
#include "tests_util.h"

/* xoshiro256** reference outputs for the state {1, 2, 3, 4}
 * (Blackman & Vigna's xoshiro256starstar.c): 11520, 0, 1509978240,
 * 1215971899390074240. */
static void test_xoshiro_reference_vector(void **state)
{
    (void)state;
    gsl_rng *r;
    struct mrv_error err = {0};
    assert_ok(mrv_rng_create(0, &r, &err), &err);
    uint64_t *s = gsl_rng_state(r);
    s[0] = 1, s[1] = 2, s[2] = 3, s[3] = 4;
    assert_true(gsl_rng_get(r) == 11520UL);
    assert_true(gsl_rng_get(r) == 0UL);
    assert_true(gsl_rng_get(r) == 1509978240UL);
    assert_true(gsl_rng_get(r) == 1215971899390074240UL);
    gsl_rng_free(r);
}

static void test_sha256_vector(void **state)
{
    (void)state;
    char hex[MRV_SHA256_HEX];
    struct mrv_error err = {0};
    assert_ok(mrv_sha256_hex("abc", 3, hex, &err), &err);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(mrv_sha256_file("/nonexistent/x", hex, &err), MRV_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/x"));
}

static void test_seed_depends_on_every_field(void **state)
{
    (void)state;
    uint64_t base = mrv_seed_derive(7, "case1", "noise", 3, 0);
    assert_true(base == mrv_seed_derive(7, "case1", "noise", 3, 0));
    assert_true(base != mrv_seed_derive(8, "case1", "noise", 3, 0));
    assert_true(base != mrv_seed_derive(7, "case2", "noise", 3, 0));
    assert_true(base != mrv_seed_derive(7, "case1", "mask", 3, 0));
    assert_true(base != mrv_seed_derive(7, "case1", "noise", 4, 0));
    assert_true(base != mrv_seed_derive(7, "case1", "noise", 3, 1));
    /* field boundaries are part of the hash */
    assert_true(mrv_seed_derive(7, "ab", "c", 1, 0) != mrv_seed_derive(7, "a", "bc", 1, 0));
    assert_true(base < (1ULL << 63));
}

static void test_stack_stream_equals_heap_stream(void **state)
{
    (void)state;
    gsl_rng *heap;
    struct mrv_error err = {0};
    assert_ok(mrv_rng_create(99, &heap, &err), &err);
    struct mrv_rng st;
    gsl_rng *stack = mrv_rng_init(&st, 99);
    for (int i = 0; i < 1000; i++)
        assert_true(gsl_rng_get(heap) == gsl_rng_get(stack));
    gsl_rng_free(heap);
}

/* Normal draws: mean 0 and variance s^2 within 5 standard errors. */
static void test_gaussian_moments(void **state)
{
    (void)state;
    struct mrv_rng st;
    gsl_rng *r = mrv_rng_init(&st, mrv_seed_derive(1, "x", "noise", 1, 0));
    const int n = 1000000;
    const double s = 2.5;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        double v = gsl_ran_gaussian_ziggurat(r, s);
        sum += v;
        sum2 += v * v;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    assert_close(mean, 0.0, 5 * s / sqrt(n));
    assert_close(var, s * s, 5 * s * s * sqrt(2.0 / n));
    /* uniforms in [0, 1) */
    for (int i = 0; i < 100000; i++) {
        double u = gsl_rng_uniform(r);
        assert_true(u >= 0.0 && u < 1.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xoshiro_reference_vector),
        cmocka_unit_test(test_sha256_vector),
        cmocka_unit_test(test_seed_depends_on_every_field),
        cmocka_unit_test(test_stack_stream_equals_heap_stream),
        cmocka_unit_test(test_gaussian_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
