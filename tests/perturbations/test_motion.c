/* Motion obeys the laws of rigid motion and of the phase-encode order:
 * a translation moves the image by exactly the millimetres asked (sub-pixel,
 * anisotropic pixels) and leaves |k| unchanged; rotation 0 is the identity;
 * a rotation turns an off-centre blob by the angle asked; after a sudden
 * jump exactly the columns acquired later are changed; severity monotone;
 * deterministic on 1 or 2 threads. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "perturbations/common.h"
#include "perturbations/motion.h"
#include "pert_fixture.h"

#define NY 64
#define NX 48

static void blob_case(struct mrv_case *c, int coils, double cy, double cx, double dy, double dx)
{
    float complex *obj = malloc(NY * NX * sizeof *obj);
    for (size_t y = 0; y < NY; y++)
        for (size_t x = 0; x < NX; x++)
            /* a smooth phase too: motion must carry complex objects */
            obj[y * NX + x] = (float)pf_blob((double)y, (double)x, cy, cx, 3.0) *
                              cexpf(I * 0.02f * (float)x);
    pf_case(c, NY, NX, coils, obj, dy, dx);
    free(obj);
}

/* Static pose, 3.7 mm in the drawn direction, pixels 1.0 x 1.5 mm: the RSS
 * centroid moves by (3.7 sin phi / 1.0, 3.7 cos phi / 1.5) pixels. */
static void test_translation_exact(void **state)
{
    (void)state;
    for (int coils = 1; coils <= 2; coils++) {
        struct mrv_case c;
        blob_case(&c, coils, 30.3, 22.6, 1.0, 1.5);
        double p[] = {3.7, 0.0, MRV_MOTION_STATIC, 0, 3};
        struct mrv_array k;
        struct mrv_drawn d;
        pf_run(&mrv_pert_motion, p, 3, &c, &k, &d);
        double phi = pf_drawn(&d, "direction_deg") * M_PI / 180.0;
        float a[NY * NX], b[NY * NX];
        pf_rss(&c.kspace, a);
        pf_rss(&k, b);
        double ay, ax, by, bx;
        pf_centroid(a, NY, NX, &ay, &ax);
        pf_centroid(b, NY, NX, &by, &bx);
        assert_close(by - ay, 3.7 * sin(phi) / 1.0, 2e-3);
        assert_close(bx - ax, 3.7 * cos(phi) / 1.5, 2e-3);
        /* a shift is a pure phase ramp: |k| is unchanged */
        const float complex *x0 = c.kspace.data, *x1 = k.data;
        for (size_t i = 0; i < mrv_array_count(&k); i++)
            assert_close(cabsf(x1[i]), cabsf(x0[i]), 1e-5 * (cabsf(x0[i]) + 1e-6));
        assert_close(pf_drawn(&d, "max_translation_mm"), 3.7, 1e-9);
        mrv_array_free(&k);
        mrv_case_free(&c);
    }
}

/* Zero motion is the identity, to the byte, for every trajectory. */
static void test_zero_is_identity(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 2, 30, 20, 1.0, 1.0);
    for (int traj = 0; traj <= 3; traj++) {
        double p[] = {0.0, 0.0, traj, 1, 3};
        struct mrv_array k;
        struct mrv_drawn d;
        pf_run(&mrv_pert_motion, p, 11, &c, &k, &d);
        assert_memory_equal(k.data, c.kspace.data, mrv_array_nbytes(&k));
        mrv_array_free(&k);
    }
    mrv_case_free(&c);
}

/* Rotation by R about the FOV centre, coil maps still: the blob centred
 * at (y, x) mm from the centre moves to (x sin + y cos, x cos - y sin),
 * measured on the coil-combined object, anisotropic pixels. */
static void test_rotation_angle(void **state)
{
    (void)state;
    const double dy = 1.0, dx = 1.25, R = 12.0;
    struct mrv_case c;
    double cy = NY / 2 + 9.0, cx = NX / 2 + 6.0;
    blob_case(&c, 2, cy, cx, dy, dx);
    double p[] = {0.0, R, MRV_MOTION_STATIC, 0, 3};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_motion, p, 5, &c, &k, &d);
    double th = pf_drawn(&d, "rotation_sign") * R * M_PI / 180.0;
    assert_close(pf_drawn(&d, "max_rotation_deg"), R, 1e-9);
    /* coil-combine with the still maps */
    struct mrv_error err = {0};
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){NY, NX}, &f, &err), &err);
    mrv_fft_inverse(f, k.data, 2);
    mrv_fft_destroy(f);
    const float complex *img = k.data, *S = c.coil_maps.data;
    float m[NY * NX];
    for (size_t i = 0; i < NY * NX; i++)
        m[i] = cabsf(conjf(S[i]) * img[i] + conjf(S[NY * NX + i]) * img[NY * NX + i]);
    double my, mx;
    pf_centroid(m, NY, NX, &my, &mx);
    double y0 = (cy - NY / 2) * dy, x0 = (cx - NX / 2) * dx;
    double ey = x0 * sin(th) + y0 * cos(th), ex = x0 * cos(th) - y0 * sin(th);
    assert_close((my - NY / 2) * dy, ey, 0.02);
    assert_close((mx - NX / 2) * dx, ex, 0.02);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* Against scipy: the Fourier-shear rotation of a smooth object equals
 * scipy.ndimage.affine_transform (5th-order spline) to 0.1 % of the peak
 * (measured: 2e-5). */
static void test_rotation_vs_scipy(void **state)
{
    (void)state;
    if (!tu_python_has("numpy, scipy.ndimage")) {
        skip();
        return;
    }
    const double dy = 1.0, dx = 1.3, R = 17.0;
    float complex obj[NY * NX];
    float in[NY * NX], out[NY * NX];
    for (size_t y = 0; y < NY; y++)
        for (size_t x = 0; x < NX; x++) {
            double v = pf_blob((double)y, (double)x, 40, 26, 3.0) +
                       0.6 * pf_blob((double)y, (double)x, 25, 18, 4.0) +
                       0.3 * pf_blob((double)y, (double)x, 30, 30, 2.5);
            obj[y * NX + x] = (float)v;
            in[y * NX + x] = (float)v;
        }
    struct mrv_case c;
    pf_case(&c, NY, NX, 2, obj, dy, dx);
    double p[] = {0.0, R, MRV_MOTION_STATIC, 0, 3};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_motion, p, 5, &c, &k, &d);
    double th = pf_drawn(&d, "rotation_sign") * R;
    struct mrv_error err = {0};
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){NY, NX}, &f, &err), &err);
    mrv_fft_inverse(f, k.data, 2);
    mrv_fft_destroy(f);
    const float complex *img = k.data, *S = c.coil_maps.data;
    for (size_t i = 0; i < NY * NX; i++)
        out[i] = crealf(conjf(S[i]) * img[i] + conjf(S[NY * NX + i]) * img[NY * NX + i]);
    const char *dir = tu_tmpdir();
    char a[600], b[600], args[1400], buf[256];
    snprintf(a, sizeof a, "%s/in.f32", dir);
    snprintf(b, sizeof b, "%s/out.f32", dir);
    FILE *fa = fopen(a, "wb"), *fb = fopen(b, "wb");
    assert_non_null(fa);
    assert_non_null(fb);
    assert_int_equal(fwrite(in, sizeof in, 1, fa), 1);
    assert_int_equal(fwrite(out, sizeof out, 1, fb), 1);
    fclose(fa);
    fclose(fb);
    snprintf(args, sizeof args, "%s %s %d %d %g %g %.17g", a, b, NY, NX, dy, dx, th);
    assert_int_equal(tu_python_run(MRV_SOURCE_DIR "/tests/perturbations/oracle_rotate.py", args,
                                   buf, sizeof buf), 0);
    double diff, peak;
    assert_int_equal(sscanf(buf, "%lf %lf", &diff, &peak), 2);
    assert_true(peak > 0.5);
    print_message("scipy vs mrvet rotation: max diff %g, peak %g\n", diff, peak);
    if (!(diff < 1e-3 * peak))
        fail_msg("rotation differs from scipy by %g (peak %g)", diff, peak);
    remove(a);
    remove(b);
    rmdir(dir);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* A sudden translation at time t0: columns acquired before t0 are the
 * clean ones to the byte, every column acquired after differs — under
 * each ordering. */
static void test_phase_encode_order(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 1, 30, 20, 1.0, 1.0);
    for (int order = 0; order <= 2; order++) {
        double p[] = {2.5, 0.0, MRV_MOTION_SUDDEN, order, 3};
        struct mrv_array k;
        struct mrv_drawn d;
        pf_run(&mrv_pert_motion, p, 21 + (uint64_t)order, &c, &k, &d);
        double t0 = pf_drawn(&d, "jump_time");
        double t[NX];
        mrv_pert_pe_times((enum mrv_pe_order)order, NX, t);
        const float complex *a = c.kspace.data, *b = k.data;
        for (size_t x = 0; x < NX; x++) {
            int same = 1;
            for (size_t y = 0; y < NY; y++)
                if (y != NY / 2 && a[y * NX + x] != b[y * NX + x])
                    same = 0;
            if (t[x] < t0)
                assert_true(same);
            else
                assert_false(same);
        }
        mrv_array_free(&k);
    }
    mrv_case_free(&c);
}

/* With an undersampling mask, only sampled lines take scan time: the
 * sudden jump splits the sampled columns by their rank among sampled
 * columns, (r + 0.5)/m >= t0 (sequential order). */
static void test_mask_timing(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    blob_case(&c, 1, 30, 20, 1.0, 1.0);
    size_t nx = NX;
    assert_ok(mrv_array_alloc(&c.mask, MRV_U8, 1, &nx, &err), &err);
    uint8_t *m = c.mask.data;
    size_t msum = 0;
    for (size_t x = 0; x < NX; x++) {
        m[x] = x % 3 == 0 || (x > 20 && x < 28);
        msum += m[x];
    }
    double p[] = {2.5, 0.0, MRV_MOTION_SUDDEN, MRV_ORDER_SEQUENTIAL, 3};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_motion, p, 31, &c, &k, &d);
    double t0 = pf_drawn(&d, "jump_time");
    assert_close(pf_drawn(&d, "lines_timed"), (double)msum, 0);
    const float complex *a = c.kspace.data, *b = k.data;
    size_t r = 0;
    for (size_t x = 0; x < NX; x++) {
        if (!m[x])
            continue;
        int same = 1;
        for (size_t y = 0; y < NY; y++)
            if (y != NY / 2 && a[y * NX + x] != b[y * NX + x])
                same = 0;
        assert_int_equal(same, ((double)r + 0.5) / (double)msum < t0);
        r++;
    }
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* The orderings are permutations with the documented first lines. */
static void test_orderings(void **state)
{
    (void)state;
    double t[9];
    mrv_pert_pe_times(MRV_ORDER_CENTRIC, 9, t);
    assert_true(t[4] < t[3] && t[3] < t[5] && t[5] < t[2] && t[2] < t[6]);
    mrv_pert_pe_times(MRV_ORDER_INTERLEAVED, 9, t);
    assert_true(t[8] < t[1]); /* all even columns before any odd one */
    int seen[9] = {0};
    for (int order = 0; order <= 2; order++) {
        memset(seen, 0, sizeof seen);
        mrv_pert_pe_times((enum mrv_pe_order)order, 9, t);
        for (int x = 0; x < 9; x++)
            seen[(int)(t[x] * 9)]++;
        for (int r = 0; r < 9; r++)
            assert_int_equal(seen[r], 1);
    }
}

static void test_severity_and_determinism(void **state)
{
    (void)state;
    struct mrv_case c;
    pf_phantom(&c, 64, 4);
    pf_severity_monotone(&mrv_pert_motion, &c, 6);
    for (int traj = 0; traj <= 2; traj++) {
        double p[] = {5.0, 3.0, traj, 1, 3};
        pf_determinism(&mrv_pert_motion, p, &c, 1);
    }
    mrv_case_free(&c);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    blob_case(&c, 2, 30, 20, 1.0, 1.0);
    void *plan;
    double p[] = {5.0, 45.0, 0, 0, 3};
    assert_int_equal(mrv_pert_motion.plan(&c.kspace, p, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "rotation_deg"));
    p[1] = 2;
    assert_int_equal(mrv_pert_motion.plan(&c.reference, p, &plan, &err), MRV_EINVAL);
    assert_ok(mrv_pert_motion.plan(&c.kspace, p, &plan, &err), &err);
    struct mrv_case other;
    blob_case(&other, 1, 30, 20, 1.0, 1.0);
    struct mrv_drawn d = {0};
    assert_int_equal(mrv_pert_motion.execute(plan, 1, &other, &other.kspace, &d, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "plan was made for"));
    mrv_pert_motion.destroy(plan);
    mrv_case_free(&other);
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translation_exact),
        cmocka_unit_test(test_zero_is_identity),
        cmocka_unit_test(test_rotation_angle),
        cmocka_unit_test(test_rotation_vs_scipy),
        cmocka_unit_test(test_phase_encode_order),
        cmocka_unit_test(test_orderings),
        cmocka_unit_test(test_mask_timing),
        cmocka_unit_test(test_severity_and_determinism),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
