/* motion3dk (rigid 3D motion in 3D Cartesian k-space) against laws:
 * a pure translation moves the volume by exactly that many mm (sub-voxel,
 * centroid of a Gaussian blob) and leaves |k| unchanged; rotation by 0 is
 * the identity (same bytes); the rotation matches
 * scipy.ndimage.affine_transform (5th-order spline) of the object; with
 * coil maps the maps stay still (the coil-combined object is the turned
 * object); a jump after the last line changes nothing, one during the
 * last partition (kz outer) changes that partition only; severity
 * monotone; deterministic on 1 or 2 threads. */
#include <stdlib.h>
#include <unistd.h>

#include "perturbations/families.h"
#include "perturbations/motion.h"
#include "pert_fixture.h"

#define NZ 22
#define NY 32
#define NX 25
#define NV (NZ * NY * NX)

static const double SP[3] = {1.5, 1.0, 1.25};

/* The object: a Gaussian blob (sigma 3 mm: >= 2 voxels on every axis, so
 * it is band-limited to 1e-8 and a Fourier shift moves it as a continuous
 * Gaussian) off the rotation centre, its tails below 4e-6 at the borders
 * (shears and shifts are circular). */
static void object_at(float complex *obj, double cz, double cy, double cx)
{
    for (size_t z = 0; z < NZ; z++)
        for (size_t y = 0; y < NY; y++)
            for (size_t x = 0; x < NX; x++) {
                double u = ((double)z - cz) * SP[0], v = ((double)y - cy) * SP[1],
                       w = ((double)x - cx) * SP[2];
                obj[(z * NY + y) * NX + x] = (float)exp(-(u * u + v * v + w * w) / (2 * 3.0 * 3.0));
            }
}

/* A case with k-space (1, coils, NZ, NY, NX): coils 1 (no maps) or 2
 * (maps cos/sin of a smooth angle with a smooth phase: RSS exactly 1). */
static void object(float complex *obj)
{
    object_at(obj, 10, 15, 11);
}

static void case3d_at(struct mrv_case *c, int coils, int centred)
{
    struct mrv_error err = {0};
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "vol3d");
    memcpy(c->spacing, SP, sizeof SP);
    size_t kd[5] = {1, (size_t)coils, NZ, NY, NX};
    assert_ok(mrv_array_alloc(&c->kspace, MRV_C64, 5, kd, &err), &err);
    float complex *obj = malloc(NV * sizeof *obj), *k = c->kspace.data;
    if (centred) /* room for a translation on every side */
        object_at(obj, 11, 16, 12); /* (NZ/2, NY/2, NX/2) */
    else
        object(obj);
    if (coils == 2)
        assert_ok(mrv_array_alloc(&c->coil_maps, MRV_C64, 5, kd, &err), &err);
    float complex *S = c->coil_maps.data;
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(3, (size_t[]){NZ, NY, NX}, &f, &err), &err);
    for (int ci = 0; ci < coils; ci++) {
        for (size_t i = 0; i < NV; i++) {
            float complex s = 1.0f;
            if (coils == 2) {
                size_t z = i / (NX * NY), y = i / NX % NY, x = i % NX;
                double a = 0.25 * M_PI + 0.5 * ((double)x / NX - 0.5) +
                           0.3 * ((double)z / NZ - 0.5);
                double ph = 0.7 * ((double)y / NY - 0.5);
                s = (float)(ci ? sin(a) : cos(a)) * cexpf(I * (float)(ci ? -ph : ph));
                S[ci * NV + i] = s;
            }
            k[ci * NV + i] = s * obj[i];
        }
        mrv_fft_forward(f, k + ci * NV, 1);
    }
    mrv_fft_destroy(f);
    free(obj);
}

static void case3d(struct mrv_case *c, int coils)
{
    case3d_at(c, coils, 0);
}

static void image_of(const float complex *k, float complex *img)
{
    struct mrv_error err = {0};
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(3, (size_t[]){NZ, NY, NX}, &f, &err), &err);
    memcpy(img, k, NV * sizeof *img);
    mrv_fft_inverse(f, img, 1);
    mrv_fft_destroy(f);
}

static void centroid(const float complex *img, double c[3])
{
    double s = 0;
    c[0] = c[1] = c[2] = 0;
    for (size_t i = 0; i < NV; i++) {
        double m = cabsf(img[i]);
        s += m;
        size_t z = i / (NX * NY), y = i / NX % NY;
        c[0] += m * (double)z;
        c[1] += m * (double)y;
        c[2] += m * (double)(i % NX);
    }
    for (int a = 0; a < 3; a++)
        c[a] /= s;
}

static void test_translation(void **state)
{
    (void)state;
    struct mrv_case c;
    case3d_at(&c, 1, 1);
    /* static 3.7 mm along a drawn direction, no rotation */
    double p[] = {3.7, 0, MRV_MOTION_STATIC, 0, 3, 0};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_motion3dk, p, 11, &c, &k, &d);
    double t[3] = {pf_drawn(&d, "t_z_mm"), pf_drawn(&d, "t_y_mm"), pf_drawn(&d, "t_x_mm")};
    assert_close(sqrt(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]), 3.7, 1e-9);
    const float complex *a = c.kspace.data, *b = k.data;
    double peak = 0;
    for (size_t i = 0; i < NV; i++)
        peak = fmax(peak, cabsf(a[i]));
    for (size_t i = 0; i < NV; i++)
        assert_close(cabsf(b[i]), cabsf(a[i]), 2e-6 * peak);
    float complex *ia = malloc(NV * sizeof *ia), *ib = malloc(NV * sizeof *ib);
    image_of(a, ia);
    image_of(b, ib);
    double ca[3], cb[3];
    centroid(ia, ca);
    centroid(ib, cb);
    for (int ax = 0; ax < 3; ax++)
        assert_close((cb[ax] - ca[ax]) * SP[ax], t[ax], 2e-3 * SP[ax]);
    free(ia);
    free(ib);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

static void test_identities_and_timing(void **state)
{
    (void)state;
    struct mrv_case c;
    case3d(&c, 2);
    struct mrv_array k;
    struct mrv_drawn d;
    /* rotation 0, translation 0: the same bytes */
    double p0[] = {0, 0, MRV_MOTION_STATIC, 0, 3, 0};
    pf_run(&mrv_pert_motion3dk, p0, 3, &c, &k, &d);
    assert_memory_equal(k.data, c.kspace.data, mrv_array_nbytes(&k));
    mrv_array_free(&k);
    /* a jump after the mid-time of the last line (kz outer): nothing */
    double nl = NZ * NX;
    double p1[] = {5, 8, MRV_MOTION_SUDDEN, 0, 3, (nl - 0.25) / nl};
    pf_run(&mrv_pert_motion3dk, p1, 3, &c, &k, &d);
    assert_memory_equal(k.data, c.kspace.data, mrv_array_nbytes(&k));
    mrv_array_free(&k);
    /* a jump during the last partition: partitions 0..NZ-2 untouched,
     * the last one changed */
    double p2[] = {5, 8, MRV_MOTION_SUDDEN, 0, 3, ((NZ - 1) * NX + 0.25) / nl};
    pf_run(&mrv_pert_motion3dk, p2, 3, &c, &k, &d);
    const float complex *a = c.kspace.data, *b = k.data;
    for (size_t ci = 0; ci < 2; ci++) {
        size_t part = NY * NX, last = (NZ - 1) * part;
        assert_memory_equal(b + ci * NV, a + ci * NV, last * sizeof *a);
        assert_memory_not_equal(b + ci * NV + last, a + ci * NV + last, part * sizeof *a);
    }
    mrv_array_free(&k);
    /* kz inner / kx outer: the same jump lands in the last kx column */
    double p3[] = {5, 8, MRV_MOTION_SUDDEN, 1, 3, ((NX - 1) * NZ + 0.25) / nl};
    pf_run(&mrv_pert_motion3dk, p3, 3, &c, &k, &d);
    b = k.data;
    for (size_t i = 0; i < 2 * NV; i++)
        if (i % NX != NX - 1 && b[i] != a[i])
            fail_msg("sample %zu (x %zu) changed; only x = %d was acquired after the jump", i,
                     i % NX, NX - 1);
    mrv_array_free(&k);
    /* elliptical centric, jump at mid-scan: exactly the outer half of the
     * lines (t = (rank + 0.5)/nl >= 0.5: 275 of 550) changed, none inside */
    double p4[] = {5, 8, MRV_MOTION_SUDDEN, 2, 3, 0.5};
    pf_run(&mrv_pert_motion3dk, p4, 3, &c, &k, &d);
    b = k.data;
    double r_still = 0, r_moved = 1e9;
    int moved = 0;
    for (size_t z = 0; z < NZ; z++)
        for (size_t x = 0; x < NX; x++) {
            int changed = 0;
            for (size_t ci = 0; ci < 2; ci++)
                for (size_t y = 0; y < NY; y++) {
                    size_t i = ci * NV + (z * NY + y) * NX + x;
                    changed |= b[i] != a[i];
                }
            size_t hz = NZ / 2, hx = NX / 2;
            double fz = ((double)z - (double)hz) / NZ, fx = ((double)x - (double)hx) / NX;
            double r = fz * fz + fx * fx;
            if (changed) {
                moved++;
                r_moved = fmin(r_moved, r);
            } else {
                r_still = fmax(r_still, r);
            }
        }
    assert_int_equal(moved, 275);
    assert_true(r_still <= r_moved);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* Rotation only (static pose): the image equals scipy's affine_transform
 * of the object; with coil maps, the coil-combined image equals the
 * single-coil result (maps stay still). */
static void test_rotation_vs_scipy(void **state)
{
    (void)state;
    if (!tu_python_has("numpy,scipy"))
        skip();
    struct mrv_case c1, c2;
    case3d(&c1, 1);
    case3d(&c2, 2);
    double p[] = {0, 12, MRV_MOTION_STATIC, 0, 3, 0};
    struct mrv_array k1, k2;
    struct mrv_drawn d;
    pf_run(&mrv_pert_motion3dk, p, 5, &c2, &k2, &d);
    pf_run(&mrv_pert_motion3dk, p, 5, &c1, &k1, &d);
    double ang[3] = {pf_drawn(&d, "angle_zy_deg"), pf_drawn(&d, "angle_zx_deg"),
                     pf_drawn(&d, "angle_yx_deg")};
    assert_close(sqrt(ang[0] * ang[0] + ang[1] * ang[1] + ang[2] * ang[2]), 12.0, 1e-9);
    float complex *img = malloc(NV * sizeof *img), *tmp = malloc(NV * sizeof *tmp),
                  *comb = calloc(NV, sizeof *comb);
    image_of(k1.data, img);
    const float complex *S = c2.coil_maps.data;
    for (size_t ci = 0; ci < 2; ci++) {
        image_of((const float complex *)k2.data + ci * NV, tmp);
        for (size_t i = 0; i < NV; i++)
            comb[i] += conjf(S[ci * NV + i]) * tmp[i];
    }
    for (size_t i = 0; i < NV; i++)
        assert_close(cabsf(comb[i] - img[i]), 0, 2e-5);
    const char *dir = tu_tmpdir();
    char a[4200], b[4200], args[9000], buf[256];
    snprintf(a, sizeof a, "%s/obj.f32", dir);
    snprintf(b, sizeof b, "%s/rot.f32", dir);
    float *re = malloc(NV * sizeof *re);
    float complex *obj = malloc(NV * sizeof *obj);
    object(obj);
    FILE *fa = fopen(a, "wb"), *fb = fopen(b, "wb");
    for (size_t i = 0; i < NV; i++)
        re[i] = crealf(obj[i]);
    fwrite(re, sizeof *re, NV, fa);
    for (size_t i = 0; i < NV; i++)
        re[i] = crealf(img[i]);
    fwrite(re, sizeof *re, NV, fb);
    fclose(fa);
    fclose(fb);
    snprintf(args, sizeof args, "%s %s %d %d %d %g %g %g %.17g %.17g %.17g", a, b, NZ, NY, NX,
             SP[0], SP[1], SP[2], ang[0], ang[1], ang[2]);
    assert_int_equal(tu_python_run(MRV_SOURCE_DIR "/tests/perturbations/oracle_rotate3d.py",
                                   args, buf, sizeof buf), 0);
    char *end;
    double diff = strtod(buf, &end), peak = strtod(end, &end);
    print_message("scipy vs mrvet 3D rotation: max diff %g, peak %g\n", diff, peak);
    assert_true(peak > 0.5);
    if (!(diff < 1e-4 * peak))
        fail_msg("3D rotation differs from scipy by %g (peak %g)", diff, peak);
    free(re);
    free(obj);
    free(img);
    free(tmp);
    free(comb);
    tu_rm_rf(dir);
    mrv_array_free(&k1);
    mrv_array_free(&k2);
    mrv_case_free(&c1);
    mrv_case_free(&c2);
}

static void test_severity_and_determinism(void **state)
{
    (void)state;
    struct mrv_case c;
    case3d(&c, 2);
    pf_determinism(&mrv_pert_motion3dk, mrv_pert_motion3dk.severity[2], &c, 1);
    double prev = 0;
    for (int sev = 0; sev < MRV_SEVERITY_MAX; sev++) {
        double mean = 0;
        for (uint64_t r = 0; r < 4; r++) {
            struct mrv_array k;
            struct mrv_drawn d;
            pf_run(&mrv_pert_motion3dk, mrv_pert_motion3dk.severity[sev], 40 + r, &c, &k, &d);
            mean += pf_rel_dist(&k, &c.kspace) / 4;
            mrv_array_free(&k);
        }
        assert_true(mean > prev);
        prev = mean;
    }
    /* 2D k-space is refused by name */
    struct mrv_case k2;
    pf_phantom(&k2, 16, 2);
    void *plan;
    struct mrv_error err = {0};
    assert_int_equal(mrv_pert_motion3dk.plan(&k2.kspace, mrv_pert_motion3dk.severity[0], &plan,
                                             &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "3D Cartesian"));
    mrv_case_free(&k2);
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translation),
        cmocka_unit_test(test_identities_and_timing),
        cmocka_unit_test(test_rotation_vs_scipy),
        cmocka_unit_test(test_severity_and_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
