/* B0 off-resonance against its laws: a constant offset df shifts the image
 * by df/BW_px pixels along readout (spin-warp) and by df nx ESP pixels
 * along phase encode (EPI); the time-segmented result stays within its
 * stated bound of the exact per-sample sum (evaluated here in double, on a
 * small image, straight from the signal equation); the through-plane
 * dephasing attenuates the echo by |sinc(g dz TE)|; severity monotone;
 * deterministic. */
#include <stdlib.h>

#include "perturbations/b0.h"
#include "perturbations/families.h"
#include "pert_fixture.h"

static void blob_case(struct mrv_case *c, size_t ny, size_t nx, double cy, double cx,
                      double sigma)
{
    float complex *obj = malloc(ny * nx * sizeof *obj);
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++)
            obj[y * nx + x] = (float)pf_blob((double)y, (double)x, cy, cx, sigma) *
                              cexpf(I * 0.05f * (float)(x + y));
    pf_case(c, ny, nx, 1, obj, 1.0, 1.0);
    free(obj);
}

static void centroid_shift(const struct mrv_case *c, const double *p, double *sy, double *sx)
{
    size_t ny = c->kspace.dims[1], nx = c->kspace.dims[2];
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_b0, p, 1, c, &k, &d);
    float *a = malloc(ny * nx * sizeof *a), *b = malloc(ny * nx * sizeof *b);
    pf_rss(&c->kspace, a);
    pf_rss(&k, b);
    double ay, ax, by, bx;
    pf_centroid(a, ny, nx, &ay, &ax);
    pf_centroid(b, ny, nx, &by, &bx);
    *sy = by - ay;
    *sx = bx - ax;
    free(a);
    free(b);
    mrv_array_free(&k);
}

static void test_readout_shift(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 64, 48, 30, 22, 3.0);
    /* df 130 Hz at 200 Hz/px: +0.65 px along readout (y), none along x */
    double p[] = {130, MRV_B0_CONSTANT, 200, 12, 0, 0.5, 0, 1e-4, 1};
    double sy, sx;
    centroid_shift(&c, p, &sy, &sx);
    assert_close(sy, 130.0 / 200.0, 2e-3);
    assert_close(sx, 0.0, 2e-3);
    /* the opposite offset shifts the other way */
    p[0] = 70;
    p[2] = 50;
    centroid_shift(&c, p, &sy, &sx);
    assert_close(sy, 70.0 / 50.0, 2e-3);
    mrv_case_free(&c);
}

static void test_epi_shift(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 64, 48, 30, 22, 3.0);
    /* df 30 Hz, 48 lines, ESP 0.5 ms: 30 * 48 * 0.0005 = 0.72 px along x */
    double p[] = {30, MRV_B0_CONSTANT, 200, 30, 1, 0.5, 0, 1e-4, 1};
    double sy, sx;
    centroid_shift(&c, p, &sy, &sx);
    assert_close(sx, 0.72, 2e-3);
    assert_close(sy, 0.0, 2e-3);
    mrv_case_free(&c);
}

/* The exact signal equation, in double, for every k-space sample. */
static double max_error_vs_exact(const struct mrv_case *c, const double *p, double *bound)
{
    struct mrv_error err = {0};
    size_t ny = c->kspace.dims[1], nx = c->kspace.dims[2], np = ny * nx;
    void *plan;
    assert_ok(mrv_pert_b0.plan(&c->kspace, p, &plan, &err), &err);
    float *map = malloc(np * sizeof *map);
    mrv_b0_field_map(plan, 5, map);
    int L;
    double eps;
    mrv_b0_segments(plan, &L, &eps);
    struct mrv_array k;
    assert_ok(mrv_array_copy(&k, &c->kspace, &err), &err);
    struct mrv_drawn d = {0};
    assert_ok(mrv_pert_b0.execute(plan, 5, c, &k, &d, &err), &err);
    mrv_pert_b0.destroy(plan);
    /* m = the (single) coil image */
    float complex *m = malloc(np * sizeof *m);
    memcpy(m, c->kspace.data, np * sizeof *m);
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){ny, nx}, &f, &err), &err);
    mrv_fft_inverse(f, m, 1);
    mrv_fft_destroy(f);
    double l1 = 0;
    for (size_t i = 0; i < np; i++)
        l1 += cabsf(m[i]);
    double a = p[6] * c->spacing[0], te = p[3] * 1e-3, emax = 0;
    const float complex *got = k.data;
    for (size_t ky = 0; ky < ny; ky++)
        for (size_t kx = 0; kx < nx; kx++) {
            double t = p[4] == 1 ? te + ((double)kx - (double)(nx / 2)) * p[5] * 1e-3
                                 : te + ((double)ky - (double)(ny / 2)) / ((double)ny * p[2]);
            double fy = ((double)ky - (double)(ny / 2)) / (double)ny;
            double fx = ((double)kx - (double)(nx / 2)) / (double)nx;
            double sn = a * t == 0 ? 1 : sin(M_PI * a * t) / (M_PI * a * t);
            double complex s = 0;
            for (size_t y = 0; y < ny; y++)
                for (size_t x = 0; x < nx; x++) {
                    double ph = -2 * M_PI * ((double)map[y * nx + x] * t +
                                             fy * ((double)y - (double)(ny / 2)) +
                                             fx * ((double)x - (double)(nx / 2)));
                    s += (double complex)m[y * nx + x] * sn * cexp(I * ph);
                }
            s /= sqrt((double)np);
            emax = fmax(emax, cabs(s - (double complex)got[ky * nx + kx]));
        }
    *bound = eps * l1 / sqrt((double)np);
    free(map);
    free(m);
    mrv_array_free(&k);
    return emax;
}

static void test_segmentation_bound(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 16, 12, 7.5, 5.5, 2.5);
    /* smooth map 150 Hz at 100 Hz/px, TE 5 ms, 2 Hz/mm through-plane */
    double p[] = {150, MRV_B0_SMOOTH, 100, 5, 0, 0.5, 2.0, 1e-3, 1};
    double bound, e = max_error_vs_exact(&c, p, &bound);
    assert_true(e <= bound + 2e-6);
    /* a looser tolerance gives a larger (still bounded) error: the test
     * can see segmentation error at all */
    double q[] = {150, MRV_B0_SMOOTH, 100, 5, 0, 0.5, 2.0, 5e-2, 1};
    double bound2, e2 = max_error_vs_exact(&c, q, &bound2);
    assert_true(e2 <= bound2 + 2e-6);
    assert_true(e2 > 5 * e);
    /* EPI timing, second-order shim map */
    double r[] = {40, MRV_B0_POLY2, 100, 20, 1, 0.6, 0, 1e-3, 1};
    e = max_error_vs_exact(&c, r, &bound);
    assert_true(e <= bound + 2e-6);
    mrv_case_free(&c);
}

/* No off-resonance, through-plane gradient g: the centre of k-space
 * (acquired at TE) is scaled by sinc(g dz TE): 5 Hz/mm x 5 mm x 20 ms =
 * 0.5 -> 2/pi. */
static void test_intravoxel_dephasing(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 32, 32, 16, 16, 3.0);
    double p[] = {0, MRV_B0_CONSTANT, 200, 20, 0, 0.5, 5.0, 1e-4, 1};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_b0, p, 1, &c, &k, &d);
    const float complex *a = c.kspace.data, *b = k.data;
    size_t dc = 16 * 32 + 16;
    assert_close(cabsf(b[dc]) / cabsf(a[dc]), 2.0 / M_PI, 1e-3);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

static void test_severity_and_determinism(void **state)
{
    (void)state;
    struct mrv_case c;
    pf_phantom(&c, 64, 4);
    pf_severity_monotone(&mrv_pert_b0, &c, 3);
    pf_determinism(&mrv_pert_b0, mrv_pert_b0.severity[1], &c, 1);
    /* zero offset is the identity to the byte */
    double p[] = {0, MRV_B0_SMOOTH, 200, 10, 0, 0.5, 0, 1e-3, 1};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_b0, p, 3, &c, &k, &d);
    assert_memory_equal(k.data, c.kspace.data, mrv_array_nbytes(&k));
    mrv_array_free(&k);
    mrv_case_free(&c);
}

static void test_refusals(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 64, 48, 30, 22, 3.0);
    struct mrv_error err = {0};
    void *plan;
    double p[] = {2000, MRV_B0_SMOOTH, 10, 10, 1, 5, 0, 1e-6, 1};
    assert_int_equal(mrv_pert_b0.plan(&c.kspace, p, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "tolerance"));
    double q[] = {100, 7, 200, 10, 0, 0.5, 0, 1e-3, 1};
    assert_int_equal(mrv_pert_b0.plan(&c.kspace, q, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "map"));
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readout_shift),
        cmocka_unit_test(test_epi_shift),
        cmocka_unit_test(test_segmentation_bound),
        cmocka_unit_test(test_intravoxel_dephasing),
        cmocka_unit_test(test_severity_and_determinism),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
