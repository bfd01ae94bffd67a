/* Ghosting, spike, zipper and Gibbs against their laws (the DFT of a comb,
 * of a delta, of a tone with random line phases, of a box), plus severity
 * monotonicity and determinism for each. */
#include <stdlib.h>

#include "perturbations/families.h"
#include "perturbations/noise.h"
#include "pert_fixture.h"

#define NY 64
#define NX 48

static void blob_case(struct mrv_case *c, int coils, double cy, double cx, double sigma)
{
    float complex *obj = malloc(NY * NX * sizeof *obj);
    for (size_t y = 0; y < NY; y++)
        for (size_t x = 0; x < NX; x++)
            obj[y * NX + x] = (float)pf_blob((double)y, (double)x, cy, cx, sigma);
    pf_case(c, NY, NX, coils, obj, 1.0, 1.0);
    free(obj);
}

/* image = ifft2c(k) of a single-coil (1, ny, nx) k-space, in place copy */
static float complex *image_of(const struct mrv_array *k, size_t ny, size_t nx, size_t planes)
{
    struct mrv_error err = {0};
    float complex *img = malloc(planes * ny * nx * sizeof *img);
    memcpy(img, k->data, planes * ny * nx * sizeof *img);
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){ny, nx}, &f, &err), &err);
    mrv_fft_inverse(f, img, planes);
    mrv_fft_destroy(f);
    return img;
}

/* Every 4th line x0.4: the object keeps 1 - s/P of its amplitude and each
 * of the P-1 replicas, nx/P pixels apart, has s/P. */
static void test_ghosting_replicas(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 1, 32, 12, 1.5);
    double p[] = {0.6, 4};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_ghosting, p, 3, &c, &k, &d);
    float complex *img = image_of(&k, NY, NX, 1);
    assert_close(cabsf(img[32 * NX + 12]), 1.0 - 0.6 / 4, 1e-4);
    for (int j = 1; j < 4; j++)
        assert_close(cabsf(img[32 * NX + (12 + j * 12) % NX]), 0.6 / 4, 1e-4);
    assert_close(pf_drawn(&d, "ghost_amplitude"), 0.15, 1e-12);
    assert_close(pf_drawn(&d, "ghost_spacing_px"), 12, 1e-12);
    free(img);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* One spike: the image difference is a plane wave of constant modulus
 * r max|k| / sqrt(N) whose phase advances 2 pi f per pixel. */
static void test_spike_plane_wave(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 1, 30, 20, 3.0);
    double p[] = {0.3, 1};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_spike, p, 9, &c, &k, &d);
    double kmax = 0;
    const float complex *k0 = c.kspace.data;
    for (size_t i = 0; i < NY * NX; i++)
        kmax = fmax(kmax, cabsf(k0[i]));
    float complex *a = image_of(&k, NY, NX, 1), *b = image_of(&c.kspace, NY, NX, 1);
    double ky = pf_drawn(&d, "spike1_ky"), kx = pf_drawn(&d, "spike1_kx");
    assert_true(fabs(ky - NY / 2) > NY / 16 || fabs(kx - NX / 2) > NX / 16);
    double fy = (ky - NY / 2) / NY, fx = (kx - NX / 2) / NX;
    double amp = 0.3 * kmax / sqrt(NY * NX);
    for (size_t y = 0; y + 1 < NY; y++)
        for (size_t x = 0; x + 1 < NX; x++) {
            float complex dd = a[y * NX + x] - b[y * NX + x];
            float complex dx = a[y * NX + x + 1] - b[y * NX + x + 1];
            float complex dy = a[(y + 1) * NX + x] - b[(y + 1) * NX + x];
            assert_close(cabsf(dd), amp, 1e-4 * amp);
            assert_close(cabs(dx / dd - cexp(2 * M_PI * I * fx)), 0, 1e-3);
            assert_close(cabs(dy / dd - cexp(2 * M_PI * I * fy)), 0, 1e-3);
        }
    free(a);
    free(b);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* The zipper lies on one readout row: all the added energy is on row y0,
 * with an RMS of intensity x the foreground mean, in every coil. */
static void test_zipper_row(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 2, 30, 20, 6.0);
    double p[] = {0.3};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_zipper, p, 4, &c, &k, &d);
    size_t y0 = (size_t)pf_drawn(&d, "row");
    assert_true(y0 >= NY / 10 && y0 < NY - NY / 10);
    float complex *a = image_of(&k, NY, NX, 2), *b = image_of(&c.kspace, NY, NX, 2);
    double fg = mrv_foreground_mean(c.reference.data, NY * NX, MRV_FOREGROUND_FRACTION);
    for (size_t coil = 0; coil < 2; coil++) {
        double on = 0, all = 0;
        for (size_t y = 0; y < NY; y++)
            for (size_t x = 0; x < NX; x++) {
                size_t i = coil * NY * NX + y * NX + x;
                double e = (double)cabsf(a[i] - b[i]) * cabsf(a[i] - b[i]);
                all += e;
                on += y == y0 ? e : 0;
            }
        assert_true(on / all > 1 - 1e-6);
        assert_close(sqrt(on / NX) / fg, 0.3, 1e-3);
    }
    free(a);
    free(b);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* Truncating a box to K = n/8 lines: ringing maxima 2n/K = 16 px apart,
 * the first n/K = 8 px inside the edge, overshoot ~8.95 % (Gibbs). */
static void test_gibbs_frequency(void **state)
{
    (void)state;
    enum { GY = 8, GX = 256 };
    float complex *obj = calloc(GY * GX, sizeof *obj);
    for (size_t y = 0; y < GY; y++)
        for (size_t x = 40; x < 216; x++)
            obj[y * GX + x] = 1.0f;
    struct mrv_case c;
    pf_case(&c, GY, GX, 1, obj, 1.0, 1.0);
    double p[] = {0.125, 0};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_gibbs, p, 0, &c, &k, &d);
    assert_close(pf_drawn(&d, "kept_pe_lines"), 32, 0);
    assert_close(pf_drawn(&d, "kept_readout_samples"), GY, 0);
    float complex *img = image_of(&k, GY, GX, 1);
    double m[GX], peaks[4];
    int np = 0;
    for (size_t x = 0; x < GX; x++)
        m[x] = cabsf(img[x]);
    for (size_t x = 41; x < 110 && np < 4; x++)
        if (m[x] > m[x - 1] && m[x] >= m[x + 1]) {
            /* parabolic interpolation of the maximum */
            double den = m[x - 1] - 2 * m[x] + m[x + 1];
            peaks[np++] = (double)x + 0.5 * (m[x - 1] - m[x + 1]) / den;
            if (np == 1)
                assert_close(m[x], 1.0895, 0.012);
        }
    assert_int_equal(np, 4);
    assert_close(peaks[0], 39.5 + 8.0, 0.5);
    for (int j = 1; j < np; j++)
        assert_close(peaks[j] - peaks[j - 1], 16.0, 0.3);
    free(img);
    free(obj);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

static void test_severity_and_determinism(void **state)
{
    (void)state;
    struct mrv_case c;
    pf_phantom(&c, 64, 4);
    const struct mrv_perturbation *fam[] = {&mrv_pert_ghosting, &mrv_pert_spike,
                                            &mrv_pert_zipper, &mrv_pert_gibbs};
    for (int f = 0; f < 4; f++) {
        pf_severity_monotone(fam[f], &c, 4);
        pf_determinism(fam[f], fam[f]->severity[2], &c, f == 1 || f == 2);
        assert_ptr_equal(mrv_perturbation_find(fam[f]->name), fam[f]);
    }
    mrv_case_free(&c);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 1, 30, 20, 3.0);
    struct mrv_error err = {0};
    void *plan;
    double p[] = {0.5, 1};
    assert_int_equal(mrv_pert_ghosting.plan(&c.kspace, p, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "period_lines"));
    double g[] = {0.0, 0};
    assert_int_equal(mrv_pert_gibbs.plan(&c.kspace, g, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "keep_fraction"));
    /* no reference: zipper cannot scale to the signal */
    struct mrv_case bare;
    mrv_case_init(&bare);
    double z[] = {0.1};
    assert_ok(mrv_pert_zipper.plan(&c.kspace, z, &plan, &err), &err);
    struct mrv_drawn d = {0};
    assert_int_equal(mrv_pert_zipper.execute(plan, 1, &bare, &c.kspace, &d, &err), MRV_EINVAL);
    mrv_pert_zipper.destroy(plan);
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ghosting_replicas),
        cmocka_unit_test(test_spike_plane_wave),
        cmocka_unit_test(test_zipper_row),
        cmocka_unit_test(test_gibbs_frequency),
        cmocka_unit_test(test_severity_and_determinism),
        cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
