/* The bias field stays within [e^-a, e^a], reaches one end, is exactly a
 * polynomial of the stated order in log (finite differences of order
 * order+1 vanish), multiplies every coil alike; severity monotone;
 * deterministic. */
#include <stdlib.h>

#include "perturbations/families.h"
#include "pert_fixture.h"

#define NY 40
#define NX 32

/* ln b recovered from the ratio of perturbed to clean coil images on a
 * uniform object (so it is defined everywhere). */
static void log_field(double amp, int order, uint64_t seed, double *lb, struct mrv_drawn *d)
{
    float complex obj[NY * NX];
    for (size_t i = 0; i < NY * NX; i++)
        obj[i] = 1.0f;
    struct mrv_case c;
    pf_case(&c, NY, NX, 2, obj, 1.0, 1.0);
    double p[] = {amp, order};
    struct mrv_array k;
    pf_run(&mrv_pert_bias, p, seed, &c, &k, d);
    struct mrv_error err = {0};
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){NY, NX}, &f, &err), &err);
    mrv_fft_inverse(f, k.data, 2);
    mrv_fft_inverse(f, c.kspace.data, 2);
    mrv_fft_destroy(f);
    const float complex *a = c.kspace.data, *b = k.data;
    for (size_t i = 0; i < NY * NX; i++) {
        double r0 = cabsf(b[i]) / cabsf(a[i]), r1 = cabsf(b[NY * NX + i]) / cabsf(a[NY * NX + i]);
        assert_close(r0, r1, 1e-4 * r0); /* the same field in every coil */
        lb[i] = log(r0);
    }
    mrv_array_free(&k);
    mrv_case_free(&c);
}

static void test_amplitude(void **state)
{
    (void)state;
    double lb[NY * NX];
    for (uint64_t seed = 1; seed <= 5; seed++) {
        struct mrv_drawn d;
        log_field(0.4, 3, seed, lb, &d);
        double mx = 0;
        for (size_t i = 0; i < NY * NX; i++)
            mx = fmax(mx, fabs(lb[i]));
        assert_close(mx, 0.4, 1e-4);
        assert_true(pf_drawn(&d, "field_max") <= exp(0.4) + 1e-6);
        assert_true(pf_drawn(&d, "field_min") >= exp(-0.4) - 1e-6);
    }
}

/* Along any row or column, ln b is a polynomial of degree <= order: its
 * (order+1)-th finite differences vanish (to float precision), while the
 * order-th ones do not. */
static double max_difference(const double *lb, int n)
{
    double mx = 0, line[NY];
    for (int axis = 0; axis < 2; axis++) {
        int len = axis ? NX : NY, count = axis ? NY : NX;
        for (int j = 0; j < count; j++) {
            for (int i = 0; i < len; i++)
                line[i] = axis ? lb[j * NX + i] : lb[i * NX + j];
            for (int o = 0; o < n; o++)
                for (int i = 0; i + o + 1 < len; i++)
                    line[i] = line[i + 1] - line[i];
            for (int i = 0; i + n < len; i++)
                mx = fmax(mx, fabs(line[i]));
        }
    }
    return mx;
}

static void test_smooth_polynomial(void **state)
{
    (void)state;
    double lb[NY * NX];
    struct mrv_drawn d;
    for (int order = 1; order <= 3; order++) {
        log_field(0.5, order, 9, lb, &d);
        assert_true(max_difference(lb, order + 1) < 2e-5);
        assert_true(max_difference(lb, order) > 1e-4);
    }
}

static void test_severity_and_determinism(void **state)
{
    (void)state;
    struct mrv_case c;
    pf_phantom(&c, 64, 4);
    pf_severity_monotone(&mrv_pert_bias, &c, 4);
    pf_determinism(&mrv_pert_bias, mrv_pert_bias.severity[2], &c, 1);
    double p[] = {0.0, 3};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_bias, p, 3, &c, &k, &d);
    assert_memory_equal(k.data, c.kspace.data, mrv_array_nbytes(&k));
    mrv_array_free(&k);
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amplitude),
        cmocka_unit_test(test_smooth_polynomial),
        cmocka_unit_test(test_severity_and_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
