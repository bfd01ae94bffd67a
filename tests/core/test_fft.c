/* The centred orthonormal FFT against the DFT sum written out by hand. */
#include <math.h>
#include <stdlib.h>

#include "core/fft.h"
#include "tests_util.h"

/* X[k] = N^-1/2 sum_n x[n] exp(-+ i 2 pi (k - N/2)(n - N/2) / N) per axis,
 * integer division N/2: the definition of fftshift(fft(ifftshift(x))). */
static void naive(int rank, const size_t *n, const double complex *x, double complex *y,
                  int sign)
{
    size_t total = 1;
    for (int d = 0; d < rank; d++)
        total *= n[d];
    for (size_t k = 0; k < total; k++) {
        double complex acc = 0;
        for (size_t m = 0; m < total; m++) {
            double phase = 0;
            size_t kk = k, mm = m;
            for (int d = rank - 1; d >= 0; d--) {
                double kd = (double)(kk % n[d]) - (double)(n[d] / 2);
                double md = (double)(mm % n[d]) - (double)(n[d] / 2);
                phase += kd * md / (double)n[d];
                kk /= n[d];
                mm /= n[d];
            }
            acc += x[m] * cexp(sign * -2.0 * I * M_PI * phase);
        }
        y[k] = acc / sqrt((double)total);
    }
}

static void check_shape(int rank, const size_t *n)
{
    struct mrv_error err = {0};
    struct mrv_fft *p;
    assert_ok(mrv_fft_plan_create(rank, n, &p, &err), &err);
    size_t total = mrv_fft_size(p);
    float complex *f = malloc(2 * total * sizeof *f); /* two batched transforms */
    double complex *x = malloc(2 * total * sizeof *x), *y = malloc(total * sizeof *y);
    unsigned state = 12345;
    for (size_t i = 0; i < 2 * total; i++) {
        state = state * 1103515245u + 12345u;
        double re = (double)(state >> 8) / (1 << 24) - 0.5;
        state = state * 1103515245u + 12345u;
        double im = (double)(state >> 8) / (1 << 24) - 0.5;
        x[i] = re + I * im;
        f[i] = (float)re + I * (float)im;
    }
    mrv_fft_forward(p, f, 2);
    for (int b = 0; b < 2; b++) {
        naive(rank, n, x + b * total, y, 1);
        for (size_t i = 0; i < total; i++) {
            assert_close(crealf(f[b * total + i]), creal(y[i]), 1e-5);
            assert_close(cimagf(f[b * total + i]), cimag(y[i]), 1e-5);
        }
    }
    /* and back: the inverse of the forward is the identity */
    mrv_fft_inverse(p, f, 2);
    for (size_t i = 0; i < 2 * total; i++) {
        assert_close(crealf(f[i]), creal(x[i]), 1e-5);
        assert_close(cimagf(f[i]), cimag(x[i]), 1e-5);
    }
    /* inverse alone against the hand-written inverse DFT */
    for (size_t i = 0; i < total; i++)
        f[i] = (float complex)x[i];
    mrv_fft_inverse(p, f, 1);
    naive(rank, n, x, y, -1);
    for (size_t i = 0; i < total; i++)
        assert_close(cabs(f[i] - y[i]), 0.0, 1e-5);
    free(f);
    free(x);
    free(y);
    mrv_fft_destroy(p);
}

static void test_matches_dft_even(void **state)
{
    (void)state;
    check_shape(2, (size_t[]){8, 6});
    check_shape(2, (size_t[]){6, 10}); /* 6/2 + 10/2 odd: the sign factor */
}

static void test_matches_dft_odd_and_mixed(void **state)
{
    (void)state;
    check_shape(2, (size_t[]){5, 7});
    check_shape(2, (size_t[]){6, 5});
    check_shape(1, (size_t[]){9});
    check_shape(3, (size_t[]){4, 3, 5});
    check_shape(3, (size_t[]){4, 2, 6});
}

/* Parseval: the orthonormal transform keeps the energy, on a 320x320 image. */
static void test_parseval(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_fft *p;
    size_t n[2] = {320, 320};
    assert_ok(mrv_fft_plan_create(2, n, &p, &err), &err);
    float complex *x = malloc(320 * 320 * sizeof *x);
    double e_in = 0, e_out = 0;
    for (size_t i = 0; i < 320 * 320; i++) {
        x[i] = (float)sin(0.37 * (double)i) + I * (float)cos(0.011 * (double)i * (double)i);
        e_in += (double)crealf(x[i]) * crealf(x[i]) + (double)cimagf(x[i]) * cimagf(x[i]);
    }
    mrv_fft_forward(p, x, 1);
    for (size_t i = 0; i < 320 * 320; i++)
        e_out += (double)crealf(x[i]) * crealf(x[i]) + (double)cimagf(x[i]) * cimagf(x[i]);
    assert_close(e_out / e_in, 1.0, 1e-5);
    free(x);
    mrv_fft_destroy(p);
}

/* A point at the image centre has a flat spectrum of height N^-1/2, and a
 * flat image puts all its energy at the k-space centre (index n/2). */
static void test_centre_convention(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_fft *p;
    size_t n[2] = {16, 12};
    assert_ok(mrv_fft_plan_create(2, n, &p, &err), &err);
    float complex x[16 * 12] = {0};
    x[8 * 12 + 6] = 1.0f;
    mrv_fft_forward(p, x, 1);
    for (size_t i = 0; i < 16 * 12; i++)
        assert_close(cabsf(x[i] - (float)(1.0 / sqrt(192.0))), 0.0, 1e-6);
    for (size_t i = 0; i < 16 * 12; i++)
        x[i] = 1.0f;
    mrv_fft_forward(p, x, 1);
    for (size_t i = 0; i < 16 * 12; i++)
        assert_close(cabsf(x[i]), i == 8 * 12 + 6 ? sqrt(192.0) : 0.0, 1e-4);
    mrv_fft_destroy(p);
}

static void test_bad_plans(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_fft *p = (struct mrv_fft *)1;
    assert_int_equal(mrv_fft_plan_create(4, (size_t[]){2, 2, 2, 2}, &p, &err), MRV_EINVAL);
    assert_null(p);
    assert_int_equal(mrv_fft_plan_create(2, (size_t[]){0, 4}, &p, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "axis 0"));
    mrv_fft_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_dft_even),
        cmocka_unit_test(test_matches_dft_odd_and_mixed),
        cmocka_unit_test(test_parseval),
        cmocka_unit_test(test_centre_convention),
        cmocka_unit_test(test_bad_plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
