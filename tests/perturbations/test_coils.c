/* Coil count changes: compression to all coils is unitary (RSS kept),
 * data of rank K compress to K virtual coils without loss, compressed maps
 * still explain the virtual coil images (S' m), energy fractions add up;
 * subsets pick exact channels; coil_dropout zeroes exactly `count`
 * channels; severity monotone; deterministic; misuse refused. */
#include <stdlib.h>

#include "perturbations/coils.h"
#include "perturbations/families.h"
#include "pert_fixture.h"

static void test_compress_unitary(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    pf_phantom(&c, 48, 6);
    struct mrv_array k, m;
    double energy;
    assert_ok(mrv_coils_compress(&c.kspace, &c.coil_maps, 6, &k, &m, &energy, &err), &err);
    assert_close(energy, 1.0, 1e-9);
    float a[48 * 48], b[48 * 48];
    pf_rss(&c.kspace, a);
    pf_rss(&k, b);
    for (size_t i = 0; i < 48 * 48; i++)
        assert_close(b[i], a[i], 1e-5);
    /* the maps follow: virtual coil image v = S'_v * m (m = the phantom) */
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){48, 48}, &f, &err), &err);
    mrv_fft_inverse(f, k.data, 6);
    mrv_fft_destroy(f);
    const float complex *img = k.data, *S = m.data;
    const float *obj = c.reference.data;
    for (size_t i = 0; i < 6 * 48 * 48; i++)
        assert_close(cabsf(img[i] - S[i] * obj[i % (48 * 48)]), 0, 1e-5);
    /* virtual coils come in decreasing energy */
    double prev = INFINITY;
    const float complex *kk = k.data;
    for (size_t v = 0; v < 6; v++) {
        double e = 0;
        for (size_t i = 0; i < 48 * 48; i++)
            e += (double)cabsf(kk[v * 48 * 48 + i]) * cabsf(kk[v * 48 * 48 + i]);
        assert_true(e <= prev * (1 + 1e-6));
        prev = e;
    }
    mrv_array_free(&k);
    mrv_array_free(&m);
    mrv_case_free(&c);
}

/* Four channels that are mixtures of two signals: K = 2 keeps all the
 * energy (and the RSS image), K = 1 does not. */
static void test_compress_rank(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    size_t np = 32 * 32;
    struct mrv_array k;
    assert_ok(mrv_array_alloc(&k, MRV_C64, 4, (size_t[]){1, 4, 32, 32}, &err), &err);
    float complex *x = k.data;
    const double complex A[4][2] = {{1, 0.5 * I}, {0.3, 1}, {-0.7 * I, 0.2}, {0.4, -0.9}};
    for (size_t i = 0; i < np; i++) {
        double y0 = sin(0.3 * (double)i), y1 = cos(0.011 * (double)(i * i % 97));
        for (size_t c = 0; c < 4; c++)
            x[c * np + i] = (float complex)(A[c][0] * y0 + A[c][1] * y1);
    }
    struct mrv_array o, none = {0};
    double e2, e1;
    assert_ok(mrv_coils_compress(&k, &none, 2, &o, NULL, &e2, &err), &err);
    assert_close(e2, 1.0, 1e-6);
    float a[32 * 32], b[32 * 32];
    pf_rss(&k, a);
    pf_rss(&o, b);
    for (size_t i = 0; i < np; i++)
        assert_close(b[i], a[i], 1e-4 * (a[i] + 1e-3));
    mrv_array_free(&o);
    assert_ok(mrv_coils_compress(&k, NULL, 1, &o, NULL, &e1, &err), &err);
    assert_true(e1 < 0.99);
    assert_int_equal(o.dims[1], 1);
    mrv_array_free(&o);
    assert_int_equal(mrv_coils_compress(&k, NULL, 5, &o, NULL, NULL, &err), MRV_EINVAL);
    mrv_array_free(&k);
}

static void test_subset(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    pf_phantom(&c, 16, 5);
    size_t keep[] = {3, 0};
    struct mrv_array k, m;
    assert_ok(mrv_coils_subset(&c.kspace, &c.coil_maps, keep, 2, &k, &m, &err), &err);
    size_t np = 16 * 16;
    const float complex *a = c.kspace.data, *b = k.data, *sa = c.coil_maps.data, *sb = m.data;
    for (size_t v = 0; v < 2; v++) {
        assert_memory_equal(b + v * np, a + keep[v] * np, np * sizeof *a);
        assert_memory_equal(sb + v * np, sa + keep[v] * np, np * sizeof *a);
    }
    mrv_array_free(&k);
    mrv_array_free(&m);
    size_t dup[] = {1, 1}, far[] = {7};
    assert_int_equal(mrv_coils_subset(&c.kspace, NULL, dup, 2, &k, NULL, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "twice"));
    assert_int_equal(mrv_coils_subset(&c.kspace, NULL, far, 1, &k, NULL, &err), MRV_EINVAL);
    mrv_case_free(&c);
}

static void test_dropout(void **state)
{
    (void)state;
    struct mrv_case c;
    pf_phantom(&c, 32, 8);
    double p[] = {3};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_coil_dropout, p, 12, &c, &k, &d);
    size_t np = 32 * 32;
    int dead[8] = {0};
    for (int j = 0; j < 3; j++) {
        char name[16];
        snprintf(name, sizeof name, "dead%d", j + 1);
        dead[(int)pf_drawn(&d, name)] = 1;
    }
    int ndead = 0;
    const float complex *a = c.kspace.data, *b = k.data;
    for (size_t coil = 0; coil < 8; coil++) {
        ndead += dead[coil];
        for (size_t i = 0; i < np; i++)
            assert_true(dead[coil] ? b[coil * np + i] == 0.0f
                                   : b[coil * np + i] == a[coil * np + i]);
    }
    assert_int_equal(ndead, 3);
    mrv_array_free(&k);
    pf_severity_monotone(&mrv_pert_coil_dropout, &c, 6);
    pf_determinism(&mrv_pert_coil_dropout, p, &c, 1);
    struct mrv_error err = {0};
    void *plan;
    double all[] = {8};
    assert_int_equal(mrv_pert_coil_dropout.plan(&c.kspace, all, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "one must remain"));
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compress_unitary),
        cmocka_unit_test(test_compress_rank),
        cmocka_unit_test(test_subset),
        cmocka_unit_test(test_dropout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
