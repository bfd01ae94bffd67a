/* Noise reaches its SNR, measured in the image domain as the definition
 * says; reproducible; monotone in severity; thread-independent. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "core/fft.h"
#include "core/rng.h"
#include "perturbations/noise.h"
#include "pert_fixture.h"

static struct mrv_case g_case;

static int setup(void **state)
{
    (void)state;
    pf_phantom(&g_case, 320, 8);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mrv_case_free(&g_case);
    return 0;
}

static void perturb(double snr, uint64_t seed, struct mrv_array *k, struct mrv_drawn *drawn)
{
    struct mrv_error err = {0};
    void *plan;
    double p[] = {snr, 0, 1};
    assert_ok(mrv_pert_noise.plan(&g_case.kspace, p, &plan, &err), &err);
    assert_ok(mrv_array_copy(k, &g_case.kspace, &err), &err);
    memset(drawn, 0, sizeof *drawn);
    assert_ok(mrv_pert_noise.execute(plan, seed, &g_case, k, drawn, &err), &err);
    mrv_pert_noise.destroy(plan);
}

/* SNR = foreground mean of the reference / per-component sigma of the
 * noise in each coil image. Measure sigma from the image-domain difference
 * (8 coils x 320 x 320 x 2 components: the standard error of the estimate
 * is 0.06 %), then compare with every severity's target to 3 %. */
static void test_snr_reached(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_fft *fft;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){320, 320}, &fft, &err), &err);
    double fg = mrv_foreground_mean(g_case.reference.data, 320 * 320, 0.1);
    for (int sev = 0; sev < MRV_SEVERITY_MAX; sev++) {
        double snr = mrv_pert_noise.severity[sev][0];
        struct mrv_array k;
        struct mrv_drawn drawn;
        perturb(snr, 1000 + (uint64_t)sev, &k, &drawn);
        float complex *d = k.data;
        const float complex *clean = g_case.kspace.data;
        size_t n = mrv_array_count(&k);
        for (size_t i = 0; i < n; i++)
            d[i] -= clean[i];
        mrv_fft_inverse(fft, d, 8);
        double s2 = 0;
        for (size_t i = 0; i < n; i++)
            s2 += (double)crealf(d[i]) * crealf(d[i]) + (double)cimagf(d[i]) * cimagf(d[i]);
        double sigma = sqrt(s2 / (2.0 * (double)n));
        assert_close(fg / sigma / snr, 1.0, 0.03);
        /* what was drawn is what is stored */
        assert_int_equal(drawn.n, 3);
        assert_string_equal(drawn.names[1], "sigma");
        assert_close(drawn.values[1], fg / snr, 1e-9 * fg);
        mrv_array_free(&k);
    }
    mrv_fft_destroy(fft);
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    struct mrv_array a, b, c;
    struct mrv_drawn d;
    perturb(10.0, 77, &a, &d);
    perturb(10.0, 77, &b, &d);
    perturb(10.0, 78, &c, &d);
    assert_memory_equal(a.data, b.data, mrv_array_nbytes(&a));
    assert_memory_not_equal(a.data, c.data, mrv_array_nbytes(&a));
    mrv_array_free(&a);
    mrv_array_free(&b);
    mrv_array_free(&c);
}

struct job {
    uint64_t seed;
    struct mrv_array out;
};

static void *thread_main(void *p)
{
    struct job *j = p;
    struct mrv_drawn d;
    perturb(5.0, j->seed, &j->out, &d);
    return NULL;
}

/* One plan, two threads at once: each gets what a lone call gets. */
static void test_thread_independent(void **state)
{
    (void)state;
    struct job jobs[2] = {{.seed = 11}, {.seed = 12}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, thread_main, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        struct mrv_array lone;
        struct mrv_drawn d;
        perturb(5.0, jobs[i].seed, &lone, &d);
        assert_memory_equal(lone.data, jobs[i].out.data, mrv_array_nbytes(&lone));
        mrv_array_free(&lone);
        mrv_array_free(&jobs[i].out);
    }
}

/* Higher severity, larger deviation from the clean k-space: the noise
 * energy scales as 1/SNR^2, so each step is 4x (checked to 10 %). */
static void test_severity_monotone(void **state)
{
    (void)state;
    double prev = 0;
    for (int sev = 0; sev < MRV_SEVERITY_MAX; sev++) {
        struct mrv_array k;
        struct mrv_drawn d;
        perturb(mrv_pert_noise.severity[sev][0], 5, &k, &d);
        const float complex *a = k.data, *b = g_case.kspace.data;
        double e = 0;
        for (size_t i = 0; i < mrv_array_count(&k); i++)
            e += (double)cabsf(a[i] - b[i]) * cabsf(a[i] - b[i]);
        if (sev > 0) {
            assert_true(e > prev);
            assert_close(e / prev, 4.0, 0.4);
        }
        prev = e;
        mrv_array_free(&k);
    }
}

/* The added noise is Gaussian, not just of the right variance: over
 * 8 x 320 x 320 x 2 components, the fractions beyond 2 and 3 sigma equal
 * the normal law's 4.550 % and 0.2700 % (within 5 binomial standard
 * errors) and the kurtosis is 3 (within 0.02). */
static void test_noise_is_gaussian(void **state)
{
    (void)state;
    struct mrv_array k;
    struct mrv_drawn d;
    perturb(10.0, 4242, &k, &d);
    double sigma = d.values[1];
    const float *a = k.data, *b = g_case.kspace.data;
    size_t n = 2 * mrv_array_count(&k), over2 = 0, over3 = 0;
    double m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double z = ((double)a[i] - (double)b[i]) / sigma;
        over2 += fabs(z) > 2;
        over3 += fabs(z) > 3;
        m2 += z * z;
        m4 += z * z * z * z;
    }
    double p2 = 0.04550026389635842, p3 = 0.0026997960632601866;
    assert_close((double)over2 / (double)n, p2, 5 * sqrt(p2 * (1 - p2) / (double)n));
    assert_close((double)over3 / (double)n, p3, 5 * sqrt(p3 * (1 - p3) / (double)n));
    m2 /= (double)n;
    assert_close((m4 / (double)n) / (m2 * m2), 3.0, 0.02);
    mrv_array_free(&k);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    void *plan;
    double p[] = {0.0, 0, 1};
    assert_int_equal(mrv_pert_noise.plan(&g_case.kspace, p, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "snr"));
    p[0] = 10.0;
    struct mrv_array labels;
    assert_ok(mrv_array_alloc(&labels, MRV_U8, 2, (size_t[]){4, 4}, &err), &err);
    assert_int_equal(mrv_pert_noise.plan(&labels, p, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "k-space"));
    mrv_array_free(&labels);
    p[1] = 0.99;
    assert_int_equal(mrv_pert_noise.plan(&g_case.kspace, p, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "coil_correlation"));
    assert_ptr_equal(mrv_perturbation_find("noise"), &mrv_pert_noise);
    assert_null(mrv_perturbation_find("nope"));
}

/* Correlated coils: the noise of coils i and j has correlation
 * rho^|i-j| and every coil keeps sigma (4 coils x 128^2 samples x 2:
 * standard error of a correlation ~0.006). */
static void test_coil_correlation(void **state)
{
    (void)state;
    struct mrv_case c;
    pf_phantom(&c, 128, 4);
    double p[] = {10.0, 0.6, 1};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_noise, p, 5, &c, &k, &d);
    double sigma = pf_drawn(&d, "sigma");
    assert_close(pf_drawn(&d, "coil_correlation"), 0.6, 0);
    float complex *a = k.data;
    const float complex *b = c.kspace.data;
    size_t np = 128 * 128;
    for (size_t i = 0; i < 4 * np; i++)
        a[i] -= b[i];
    for (size_t ci = 0; ci < 4; ci++)
        for (size_t cj = 0; cj <= ci; cj++) {
            double s = 0;
            for (size_t i = 0; i < np; i++)
                s += crealf(a[ci * np + i] * conjf(a[cj * np + i]));
            double corr = s / (2.0 * (double)np * sigma * sigma);
            assert_close(corr, pow(0.6, (double)(ci - cj)), 0.03);
        }
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* Magnitude images: on a zero background Rician noise has mean
 * sigma sqrt(pi/2) and second moment 2 sigma^2; Gaussian noise has mean 0
 * and variance sigma^2. */
static void test_image_noise(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    pf_phantom(&c, 128, 1);
    for (int rician = 0; rician <= 1; rician++) {
        double p[] = {20.0, 0, rician};
        void *plan;
        assert_ok(mrv_pert_noise.plan(&c.reference, p, &plan, &err), &err);
        struct mrv_array img;
        assert_ok(mrv_array_alloc(&img, MRV_F32, 3, (size_t[]){1, 128, 128}, &err), &err);
        struct mrv_drawn d = {0};
        assert_ok(mrv_pert_noise.execute(plan, 9, &c, &img, &d, &err), &err); /* zeros */
        double sigma = pf_drawn(&d, "sigma"), m1 = 0, m2 = 0;
        const float *v = img.data;
        for (size_t i = 0; i < 128 * 128; i++) {
            m1 += v[i];
            m2 += (double)v[i] * v[i];
        }
        m1 /= 128 * 128;
        m2 /= 128 * 128;
        if (rician) {
            assert_close(m1 / sigma, sqrt(M_PI / 2), 0.02);
            assert_close(m2 / (sigma * sigma), 2.0, 0.05);
        } else {
            assert_close(m1 / sigma, 0.0, 0.03);
            assert_close(m2 / (sigma * sigma), 1.0, 0.03);
        }
        mrv_array_free(&img);
        mrv_pert_noise.destroy(plan);
    }
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snr_reached),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_thread_independent),
        cmocka_unit_test(test_severity_monotone),
        cmocka_unit_test(test_noise_is_gaussian),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_coil_correlation),
        cmocka_unit_test(test_image_noise),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
