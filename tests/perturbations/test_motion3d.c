/* motion3d against an independent implementation of its definition
 * (TorchIO's stitched spectra): one rigid transform, resampled here
 * trilinearly in double, full 3D FFTs, stitched at the drawn boundary,
 * inverse FFT, magnitude; zero motion returns the volume; deterministic. */
#include <stdlib.h>

#include "perturbations/families.h"
#include "pert_fixture.h"

#define NZ 12
#define NY 14
#define NX 16

static void volume(struct mrv_case *c)
{
    struct mrv_error err = {0};
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "vol");
    c->spacing[0] = 2.0;
    c->spacing[1] = 1.0;
    c->spacing[2] = 1.5;
    assert_ok(mrv_array_alloc(&c->reference, MRV_F32, 3, (size_t[]){NZ, NY, NX}, &err), &err);
    float *v = c->reference.data;
    for (size_t z = 0; z < NZ; z++)
        for (size_t y = 0; y < NY; y++)
            for (size_t x = 0; x < NX; x++) {
                double r2 = pow((double)z - 6, 2) / 9 + pow((double)y - 7, 2) / 12 +
                            pow((double)x - 8, 2) / 16;
                /* zero background outside the ellipsoid r2 < 2.5, so
                 * the resampler's bounding-box skip is exercised */
                v[(z * NY + y) * NX + x] = r2 < 2.5 ? (float)exp(-r2) : 0.0f;
            }
}

static double trilinear(const float *v, double z, double y, double x)
{
    if (!(z >= 0 && y >= 0 && x >= 0 && z <= NZ - 1 && y <= NY - 1 && x <= NX - 1))
        return 0;
    double fz = fmin(floor(z), NZ - 2), fy = fmin(floor(y), NY - 2), fx = fmin(floor(x), NX - 2);
    long iz = (long)fz, iy = (long)fy, ix = (long)fx;
    double s = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++) {
                double w = (a ? z - fz : 1 - (z - fz)) * (b ? y - fy : 1 - (y - fy)) *
                           (c ? x - fx : 1 - (x - fx));
                s += w * v[((iz + a) * NY + iy + b) * NX + ix + c];
            }
    return s;
}

static void test_matches_definition(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    volume(&c);
    double p[] = {8.0, 3.0, 1};
    void *plan;
    assert_ok(mrv_pert_motion3d.plan(&c.reference, p, &plan, &err), &err);
    struct mrv_array out;
    assert_ok(mrv_array_copy(&out, &c.reference, &err), &err);
    struct mrv_drawn d = {0};
    assert_ok(mrv_pert_motion3d.execute(plan, 17, &c, &out, &d, &err), &err);
    mrv_pert_motion3d.destroy(plan);
    size_t b = (size_t)pf_drawn(&d, "boundary1");
    double t[3] = {pf_drawn(&d, "t1_z_mm"), pf_drawn(&d, "t1_y_mm"), pf_drawn(&d, "t1_x_mm")};
    double ang[3] = {pf_drawn(&d, "t1_a_deg"), pf_drawn(&d, "t1_b_deg"),
                     pf_drawn(&d, "t1_c_deg")};
    /* docs/perturbations/motion3d.md: R = Rc Rb Ra, a in the (z, y)
     * plane, b in (z, x), c in (y, x); out(r) = vol(R^T (r - t)) in mm */
    double R[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const int plane[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    for (int q = 0; q < 3; q++) {
        double th = ang[q] * M_PI / 180, G[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, T2[3][3];
        int i = plane[q][0], j = plane[q][1];
        G[i][i] = cos(th);
        G[j][j] = cos(th);
        G[i][j] = sin(th);
        G[j][i] = -sin(th);
        for (int u = 0; u < 3; u++)
            for (int w = 0; w < 3; w++) {
                T2[u][w] = 0;
                for (int k = 0; k < 3; k++)
                    T2[u][w] += G[u][k] * R[k][w];
            }
        memcpy(R, T2, sizeof R);
    }
    const double sp[3] = {2.0, 1.0, 1.5}, cen[3] = {NZ / 2, NY / 2, NX / 2};
    assert_true(b >= NX / 2 * 0.4 && b <= NX * 0.8);
    const float *v = c.reference.data;
    size_t nv = NZ * NY * NX;
    float complex *a = malloc(nv * sizeof *a), *m = malloc(nv * sizeof *m);
    for (size_t z = 0; z < NZ; z++)
        for (size_t y = 0; y < NY; y++)
            for (size_t x = 0; x < NX; x++) {
                size_t i = (z * NY + y) * NX + x;
                a[i] = v[i];
                double r[3] = {((double)z - cen[0]) * sp[0] - t[0],
                               ((double)y - cen[1]) * sp[1] - t[1],
                               ((double)x - cen[2]) * sp[2] - t[2]};
                double src[3];
                for (int q = 0; q < 3; q++)
                    src[q] = (R[0][q] * r[0] + R[1][q] * r[1] + R[2][q] * r[2]) / sp[q] + cen[q];
                m[i] = (float)trilinear(v, src[0], src[1], src[2]);
            }
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(3, (size_t[]){NZ, NY, NX}, &f, &err), &err);
    mrv_fft_forward(f, a, 1);
    mrv_fft_forward(f, m, 1);
    /* the segment holding the centre keeps the reference pose */
    int centre_first = NX / 2 < b;
    for (size_t i = 0; i < nv; i++) {
        size_t x = i % NX;
        int first = x < b;
        if (first != centre_first)
            a[i] = m[i];
    }
    mrv_fft_inverse(f, a, 1);
    mrv_fft_destroy(f);
    const float *o = out.data;
    for (size_t i = 0; i < nv; i++)
        assert_close(o[i], cabsf(a[i]), 2e-5);
    free(a);
    free(m);
    mrv_array_free(&out);
    mrv_case_free(&c);
}

static void test_zero_and_determinism(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    volume(&c);
    double p[] = {0.0, 0.0, 3};
    void *plan;
    assert_ok(mrv_pert_motion3d.plan(&c.reference, p, &plan, &err), &err);
    struct mrv_array out;
    assert_ok(mrv_array_copy(&out, &c.reference, &err), &err);
    struct mrv_drawn d = {0};
    assert_ok(mrv_pert_motion3d.execute(plan, 1, &c, &out, &d, &err), &err);
    mrv_pert_motion3d.destroy(plan);
    const float *a = out.data, *b = c.reference.data;
    for (size_t i = 0; i < NZ * NY * NX; i++)
        assert_close(a[i], b[i], 1e-5);
    mrv_array_free(&out);
    /* same seed, same bytes; other seed, other bytes */
    double q[] = {5.0, 4.0, 2};
    struct mrv_array r[3];
    for (int k = 0; k < 3; k++) {
        assert_ok(mrv_pert_motion3d.plan(&c.reference, q, &plan, &err), &err);
        assert_ok(mrv_array_copy(&r[k], &c.reference, &err), &err);
        memset(&d, 0, sizeof d);
        assert_ok(mrv_pert_motion3d.execute(plan, k == 2 ? 6 : 5, &c, &r[k], &d, &err), &err);
        mrv_pert_motion3d.destroy(plan);
    }
    assert_memory_equal(r[0].data, r[1].data, mrv_array_nbytes(&r[0]));
    assert_memory_not_equal(r[0].data, r[2].data, mrv_array_nbytes(&r[0]));
    for (int k = 0; k < 3; k++)
        mrv_array_free(&r[k]);
    /* k-space input is refused by name */
    struct mrv_case k2;
    pf_phantom(&k2, 16, 2);
    assert_int_equal(mrv_pert_motion3d.plan(&k2.kspace, q, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "magnitude volume"));
    mrv_case_free(&k2);
    mrv_case_free(&c);
}

/* Odd sizes (the mirrored column of a centred odd-length spectrum is
 * nx - 1 - x) and an odd row count (one row left unpaired): zero motion
 * still returns the volume, so both spectra split from one FFT are right. */
static void test_zero_odd_sizes(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    mrv_case_init(&c);
    snprintf(c.id, sizeof c.id, "odd");
    c.spacing[0] = c.spacing[1] = c.spacing[2] = 1.0;
    assert_ok(mrv_array_alloc(&c.reference, MRV_F32, 3, (size_t[]){7, 9, 11}, &err), &err);
    float *v = c.reference.data;
    for (size_t i = 0; i < 7 * 9 * 11; i++)
        v[i] = (float)(1.0 + sin(0.37 * (double)i * (double)i)); /* in [0, 2], irregular */
    double p[] = {0.0, 0.0, 3};
    void *plan;
    assert_ok(mrv_pert_motion3d.plan(&c.reference, p, &plan, &err), &err);
    struct mrv_array out;
    assert_ok(mrv_array_copy(&out, &c.reference, &err), &err);
    struct mrv_drawn d = {0};
    assert_ok(mrv_pert_motion3d.execute(plan, 3, &c, &out, &d, &err), &err);
    mrv_pert_motion3d.destroy(plan);
    const float *a = out.data;
    for (size_t i = 0; i < 7 * 9 * 11; i++)
        assert_close(a[i], v[i], 1e-5);
    mrv_array_free(&out);
    mrv_case_free(&c);
}

/* Severity monotone on average over seeds (relative distance from the
 * clean volume). */
static void test_severity(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    volume(&c);
    const float *v = c.reference.data;
    double den = 0, prev = 0;
    for (size_t i = 0; i < NZ * NY * NX; i++)
        den += (double)v[i] * v[i];
    for (int sev = 0; sev < MRV_SEVERITY_MAX; sev++) {
        double mean = 0;
        for (uint64_t r = 0; r < 6; r++) {
            void *plan;
            assert_ok(mrv_pert_motion3d.plan(&c.reference, mrv_pert_motion3d.severity[sev], &plan,
                                             &err), &err);
            struct mrv_array o;
            assert_ok(mrv_array_copy(&o, &c.reference, &err), &err);
            struct mrv_drawn d = {0};
            assert_ok(mrv_pert_motion3d.execute(plan, 100 + r, &c, &o, &d, &err), &err);
            mrv_pert_motion3d.destroy(plan);
            const float *w = o.data;
            double num = 0;
            for (size_t i = 0; i < NZ * NY * NX; i++)
                num += ((double)w[i] - v[i]) * ((double)w[i] - v[i]);
            mean += sqrt(num / den) / 6;
            mrv_array_free(&o);
        }
        assert_true(mean > prev);
        prev = mean;
    }
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_definition),
        cmocka_unit_test(test_zero_and_determinism),
        cmocka_unit_test(test_zero_odd_sizes),
        cmocka_unit_test(test_severity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
