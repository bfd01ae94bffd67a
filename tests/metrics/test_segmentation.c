/* tests/metrics/test_segmentation.c — segmentation metrics and the EDT
 * against independent oracles: DeepMind surface-distance's published test
 * vectors (REFERENCES.md), hand-worked shifts, a brute-force distance
 * transform, and a scipy.ndimage implementation of the MONAI and DeepMind
 * conventions run live on random shapes in 2D and 3D
 * (tests/metrics/oracle_segmentation.py; golden values when Debian's python3
 * lacks numpy, scipy or scikit-image). */
#include "tests_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "metrics/edt.h"
#include "metrics/metric.h"
#include "metrics/segmentation.h"
#include "metrics/golden_util.h"

struct lcg {
    uint64_t s;
};

static double lcg_uniform(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * 0x1.0p-53;
}

static struct mrv_seg_result eval(uint8_t *ref, uint8_t *out, size_t nz, size_t ny,
                                  size_t nx, const double sp[3], double tol,
                                  enum mrv_surface surf, int label)
{
    struct mrv_array r, o;
    size_t dims[3] = {nz, ny, nx};
    mrv_array_borrow(&r, MRV_U8, 3, dims, ref);
    mrv_array_borrow(&o, MRV_U8, 3, dims, out);
    struct mrv_metric_args a;
    mrv_metric_args_init(&a, &r, &o, sp);
    a.tolerance_mm = tol;
    a.surface = surf;
    a.label = label;
    struct mrv_seg_result res;
    struct mrv_error err = {0};
    assert_ok(mrv_seg_evaluate(&a, true, &res, &err), &err);
    return res;
}

/* DeepMind surface_distance_test.py: 2D 128x128, single pixels at (50, 70)
 * and (50, 72), spacing (2, 1). */
static void deepmind_vector_2d(void **state)
{
    (void)state;
    static uint8_t a[128 * 128], b[128 * 128];
    a[50 * 128 + 70] = 1;
    b[50 * 128 + 72] = 1;
    const double sp[3] = {1, 2, 1};
    struct mrv_seg_result r = eval(a, b, 1, 128, 128, sp, 1.0, MRV_SURFACE_DEEPMIND, 0);
    assert_close(r.hd.value, 2.0, 1e-12);
    assert_close(r.hd95.value, 2.0, 1e-12);
    assert_close(r.assd.value, 1.5, 1e-12);
    assert_close(r.nsd.value, 0.5, 1e-12);
    assert_close(r.dice.value, 0.0, 0);
    /* MONAI: the surfaces are the pixels themselves, 2 mm apart. */
    r = eval(a, b, 1, 128, 128, sp, 1.0, MRV_SURFACE_MONAI, 0);
    assert_close(r.hd.value, 2.0, 1e-12);
    assert_close(r.assd.value, 2.0, 1e-12);
    assert_close(r.nsd.value, 0.0, 0);
}

/* DeepMind 3D vector, 100^3, gt = [0:50], pred = [0:51], spacing (2, 1, 1):
 * HD 2, HD95 2, Dice 0.990 (= 100/101); with MONAI surfaces HD and HD95
 * are also 2 mm (the moved face is 2 mm away, it is < 95 % of the surface). */
static void deepmind_vector_3d_monai(void **state)
{
    (void)state;
    size_t n = 100 * 100 * 100;
    uint8_t *a = calloc(n, 1), *b = calloc(n, 1);
    assert_non_null(a);
    assert_non_null(b);
    memset(a, 1, 50 * 100 * 100);
    memset(b, 1, 51 * 100 * 100);
    const double sp[3] = {2, 1, 1};
    struct mrv_seg_result r = eval(a, b, 100, 100, 100, sp, 1.0, MRV_SURFACE_MONAI, 0);
    assert_close(r.dice.value, 100.0 / 101.0, 1e-15);
    assert_close(r.hd.value, 2.0, 1e-12);
    assert_close(r.hd95.value, 2.0, 1e-12);
    assert_close(r.rvd.value, 0.02, 1e-15);
    free(a);
    free(b);
}

/* DeepMind surface_distance_test.py, SurfaceDistance3DTest: single voxels
 * at (50, 60, 70) and (50, 60, 72) in 128^3, spacing (3, 2, 1): HD 2,
 * HD95 2, ASD 1.5 both ways, NSD@1mm 0.5, Dice 0; and
 * test_two_cubes_shifted_by_one_pixel: 100^3, gt [0:50], pred [0:51],
 * spacing (2, 1, 1): HD 2, HD95 2, NSD@1mm 0.836, Dice 0.990, ASD 0.322
 * (gt to pred) and 0.339 (pred to gt), all to the 3 places the library's
 * test asserts. Our ASSD pools both directions, weighted by area:
 * (A_gt 0.322 + A_pred 0.339) / (A_gt + A_pred). */
static void deepmind_vectors_3d(void **state)
{
    (void)state;
    size_t n = 128 * 128 * 128;
    uint8_t *a = calloc(n, 1), *b = calloc(n, 1);
    assert_non_null(a);
    assert_non_null(b);
    a[(50 * 128 + 60) * 128 + 70] = 1;
    b[(50 * 128 + 60) * 128 + 72] = 1;
    const double sp1[3] = {3, 2, 1};
    struct mrv_seg_result r = eval(a, b, 128, 128, 128, sp1, 1.0, MRV_SURFACE_DEEPMIND, 0);
    assert_close(r.hd.value, 2.0, 1e-12);
    assert_close(r.hd95.value, 2.0, 1e-12);
    assert_close(r.assd.value, 1.5, 1e-12);
    assert_close(r.nsd.value, 0.5, 1e-12);
    assert_true(r.dice.value == 0);
    free(a);
    free(b);

    n = 100 * 100 * 100;
    a = calloc(n, 1);
    b = calloc(n, 1);
    assert_non_null(a);
    assert_non_null(b);
    memset(a, 1, 50 * 100 * 100);
    memset(b, 1, 51 * 100 * 100);
    const double sp2[3] = {2, 1, 1};
    r = eval(a, b, 100, 100, 100, sp2, 1.0, MRV_SURFACE_DEEPMIND, 0);
    assert_close(r.hd.value, 2.0, 1e-12);
    assert_close(r.hd95.value, 2.0, 1e-12);
    assert_close(r.nsd.value, 0.836, 5e-4);
    assert_close(r.dice.value, 0.990, 5e-4);
    double pooled = (r.ref_surface_size * 0.322 + r.out_surface_size * 0.339) /
                    (r.ref_surface_size + r.out_surface_size);
    assert_close(r.assd.value, pooled, 1e-3);
    free(a);
    free(b);
}

/* Surfel areas against geometry. A box of n0 x n1 x n2 voxels: the
 * marching-cubes surface runs through the midpoints between inside and
 * outside voxel centres, i.e. on the box's faces, with the 12 edges
 * chamfered at 45 degrees in index space and the 8 corners cut by one
 * triangle. By hand, with spacing s:
 *   faces    2 [(n1-1)s1 (n2-1)s2 + (n0-1)s0 (n2-1)s2 + (n0-1)s0 (n1-1)s1]
 *   edges    4 (n2-1)s2 |(s0, s1)|/2 + 4 (n1-1)s1 |(s0, s2)|/2
 *            + 4 (n0-1)s0 |(s1, s2)|/2
 *   corners  8 |(s1 s2, s0 s2, s0 s1)| / 8
 * A ball of radius R: 4 pi R^2 up to the known bias of marching cubes on a
 * binary volume (it overestimates the area of digitized smooth surfaces by
 * a few per cent: Lindblad, Image Vis Comput 23:111, 2005, Table 3). */
static void deepmind_areas_3d(void **state)
{
    (void)state;
    enum { NZ = 12, NY = 15, NX = 17 };
    static uint8_t a[NZ * NY * NX], b[NZ * NY * NX];
    const size_t n0 = 5, n1 = 9, n2 = 11;
    for (size_t z = 3; z < 3 + n0; z++)
        for (size_t y = 2; y < 2 + n1; y++)
            for (size_t x = 4; x < 4 + n2; x++)
                a[(z * NY + y) * NX + x] = b[(z * NY + y) * NX + x + 1] = 1;
    const double s[3] = {1.5, 0.9, 0.7};
    double l0 = (double)(n0 - 1) * s[0], l1 = (double)(n1 - 1) * s[1],
           l2 = (double)(n2 - 1) * s[2];
    double faces = 2 * (l1 * l2 + l0 * l2 + l0 * l1);
    double edges = 2 * l2 * hypot(s[0], s[1]) + 2 * l1 * hypot(s[0], s[2]) +
                   2 * l0 * hypot(s[1], s[2]);
    double corners = sqrt(pow(s[1] * s[2], 2) + pow(s[0] * s[2], 2) + pow(s[0] * s[1], 2));
    struct mrv_seg_result r = eval(a, b, NZ, NY, NX, s, 0.5, MRV_SURFACE_DEEPMIND, 0);
    assert_close(r.ref_surface_size, faces + edges + corners, 1e-9);
    assert_close(r.out_surface_size, faces + edges + corners, 1e-9);
    /* one-voxel shift along x: HD = dx */
    assert_close(r.hd.value, s[2], 1e-12);

    /* Ball of radius 12 mm at 0.5 mm spacing (24 voxels). */
    enum { N = 56 };
    uint8_t *ball = calloc((size_t)N * N * N, 1), *other = calloc((size_t)N * N * N, 1);
    assert_non_null(ball);
    assert_non_null(other);
    const double R = 12, h = 0.5, c = (N - 1) / 2.0;
    for (int z = 0; z < N; z++)
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                double dz = (z - c) * h, dy = (y - c) * h, dx = (x - c) * h;
                ball[((size_t)z * N + y) * N + x] = dz * dz + dy * dy + dx * dx <= R * R;
            }
    other[((size_t)(N / 2) * N + N / 2) * N + N / 2] = 1;
    const double sp[3] = {h, h, h};
    r = eval(ball, other, N, N, N, sp, 1.0, MRV_SURFACE_DEEPMIND, 0);
    double ratio = r.ref_surface_size / (4 * M_PI * R * R);
    print_message("ball R %g mm at %g mm: surfel area / 4 pi R^2 = %.5f\n", R, h, ratio);
    assert_true(ratio > 1.0 && ratio < 1.10);
    free(ball);
    free(other);
}

/* A box shifted by one voxel along x (dx = 0.7 mm): HD = 0.7 mm exactly,
 * Dice and IoU from the counts. */
static void one_voxel_shift(void **state)
{
    (void)state;
    enum { NZ = 6, NY = 12, NX = 14 };
    static uint8_t a[NZ * NY * NX], b[NZ * NY * NX];
    for (int z = 1; z < 5; z++)
        for (int y = 2; y < 9; y++)
            for (int x = 3; x < 10; x++) {
                a[(z * NY + y) * NX + x] = 3;
                b[(z * NY + y) * NX + x + 1] = 3;
            }
    const double sp[3] = {1.5, 0.9, 0.7};
    struct mrv_seg_result r = eval(a, b, NZ, NY, NX, sp, 0.5, MRV_SURFACE_MONAI, 3);
    assert_close(r.hd.value, 0.7, 1e-12);
    /* 4*7*7 = 196 voxels each, overlap 4*7*6 = 168. */
    assert_close(r.dice.value, 2.0 * 168 / 392, 1e-15);
    assert_close(r.iou.value, 168.0 / 224, 1e-15);
    r = eval(a, b, NZ, NY, NX, sp, 0.5, MRV_SURFACE_MONAI, 2); /* absent label */
    assert_true(isnan(r.dice.value) && r.dice.null_reason != NULL);
}

/* Two labels scored independently; labels_present lists both maps' labels;
 * an unknown surface convention is refused, naming it. */
static void labels_and_conventions(void **state)
{
    (void)state;
    enum { NZ = 3, NY = 8, NX = 8, N = NZ * NY * NX };
    static uint8_t a[N], b[N];
    for (int i = 0; i < N; i++) {
        int x = i % NX;
        a[i] = x < 3 ? 1 : x < 6 ? 2 : 0;
        b[i] = x < 4 ? 1 : x < 6 ? 2 : 5;
    }
    const double sp[3] = {1, 1, 1};
    /* label 1: |A| = 3 columns, |B| = 4 columns, overlap 3 -> Dice 6/7. */
    struct mrv_seg_result r = eval(a, b, NZ, NY, NX, sp, 1, MRV_SURFACE_MONAI, 1);
    assert_close(r.dice.value, 6.0 / 7, 1e-15);
    /* label 2: |A| = 3, |B| = 2, overlap 2 -> Dice 4/5, RVD -1/3. */
    r = eval(a, b, NZ, NY, NX, sp, 1, MRV_SURFACE_MONAI, 2);
    assert_close(r.dice.value, 0.8, 1e-15);
    assert_close(r.rvd.value, -1.0 / 3, 1e-15);
    struct mrv_array ra, rb;
    size_t dims[3] = {NZ, NY, NX};
    mrv_array_borrow(&ra, MRV_U8, 3, dims, a);
    mrv_array_borrow(&rb, MRV_U8, 3, dims, b);
    uint8_t labels[255];
    assert_int_equal(mrv_metric_labels_present(&ra, &rb, labels), 3);
    assert_int_equal(labels[0], 1);
    assert_int_equal(labels[1], 2);
    assert_int_equal(labels[2], 5);
    struct mrv_metric_args args;
    mrv_metric_args_init(&args, &ra, &rb, sp);
    args.surface = MRV_SURFACE_DEEPMIND;
    struct mrv_seg_result res;
    struct mrv_error err = {0};
    assert_ok(mrv_seg_evaluate(&args, true, &res, &err), &err);
    args.surface = (enum mrv_surface)7;
    assert_int_equal(mrv_seg_evaluate(&args, true, &res, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "surface convention"));
    args.surface = MRV_SURFACE_MONAI;
    args.spacing[1] = 0;
    assert_int_equal(mrv_seg_evaluate(&args, true, &res, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "spacing[1]"));
}

static void empty_cases(void **state)
{
    (void)state;
    static uint8_t a[16 * 16], b[16 * 16];
    const double sp[3] = {1, 1, 1};
    struct mrv_seg_result r = eval(a, b, 1, 16, 16, sp, 1, MRV_SURFACE_MONAI, 0);
    assert_true(isnan(r.dice.value) && isnan(r.hd.value) && isnan(r.nsd.value));
    assert_non_null(strstr(r.dice.null_reason, "both empty"));
    a[40] = 1;
    r = eval(a, b, 1, 16, 16, sp, 1, MRV_SURFACE_MONAI, 0);
    assert_close(r.dice.value, 0, 0);
    assert_close(r.nsd.value, 0, 0);
    assert_close(r.rvd.value, -1, 0);
    assert_true(isnan(r.hd95.value));
    assert_non_null(strstr(r.hd95.null_reason, "output is empty"));
    r = eval(b, a, 1, 16, 16, sp, 1, MRV_SURFACE_MONAI, 0);
    assert_true(isnan(r.rvd.value) && isnan(r.hd.value));
    assert_non_null(strstr(r.hd.null_reason, "reference is empty"));
    /* Wrong dtype: an error naming the shapes. */
    float fa[4] = {0};
    struct mrv_array x, y;
    size_t dims[2] = {2, 2};
    mrv_array_borrow(&x, MRV_F32, 2, dims, fa);
    mrv_array_borrow(&y, MRV_F32, 2, dims, fa);
    struct mrv_metric_value v;
    struct mrv_error err = {0};
    assert_int_equal(mrv_metric_dice.compute(&x, &y, sp, &v, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "u8"));
}

/* The EDT against brute force on random sparse features, anisotropic. */
static void edt_brute_force(void **state)
{
    (void)state;
    enum { NZ = 7, NY = 9, NX = 11, N = NZ * NY * NX };
    double f[N];
    int feat[N], nf = 0;
    struct lcg g = {11};
    for (int i = 0; i < N; i++) {
        f[i] = lcg_uniform(&g) < 0.03 ? 0 : INFINITY;
        if (f[i] == 0)
            feat[nf++] = i;
    }
    assert_true(nf > 0);
    const size_t dims[3] = {NZ, NY, NX};
    const double sp[3] = {2.2, 0.8, 1.3};
    struct mrv_error err = {0};
    /* The query form on every third point first (it overwrites its input). */
    double g2[N], d2[N];
    size_t q[N], nq = 0;
    memcpy(g2, f, sizeof f);
    for (size_t i = 0; i < N; i += 3)
        q[nq++] = i;
    assert_ok(mrv_edt_squared_at(3, dims, sp, g2, nq, q, d2, &err), &err);
    assert_ok(mrv_edt_squared(3, dims, sp, f, &err), &err);
    for (size_t i = 0; i < nq; i++)
        assert_close(d2[i], f[q[i]], 1e-9);
    for (int i = 0; i < N; i++) {
        double best = INFINITY;
        for (int k = 0; k < nf; k++) {
            int j = feat[k];
            double dz = sp[0] * (i / (NY * NX) - j / (NY * NX));
            double dy = sp[1] * ((i / NX) % NY - (j / NX) % NY);
            double dx = sp[2] * (i % NX - j % NX);
            best = fmin(best, dz * dz + dy * dy + dx * dx);
        }
        assert_close(f[i], best, 1e-9);
    }
}

/* Queries up to 40 planes from the nearest feature: beyond the 3D search's
 * reach (16 voxels), so the middle-axis pass and the envelope answer them;
 * against brute force. */
static void edt_far_queries(void **state)
{
    (void)state;
    enum { NZ = 48, NY = 5, NX = 6, N = NZ * NY * NX };
    double f[N], d2[N];
    int feat[N], nf = 0;
    size_t q[N], nq = 0;
    struct lcg g = {5};
    for (int i = 0; i < N; i++) {
        f[i] = i < 8 * NY * NX && lcg_uniform(&g) < 0.05 ? 0 : INFINITY;
        if (f[i] == 0)
            feat[nf++] = i;
        q[nq++] = (size_t)i;
    }
    assert_true(nf > 0);
    const size_t dims[3] = {NZ, NY, NX};
    const double sp[3] = {0.7, 1.9, 1.1};
    struct mrv_error err = {0};
    assert_ok(mrv_edt_squared_at(3, dims, sp, f, nq, q, d2, &err), &err);
    for (int i = 0; i < N; i++) {
        double best = INFINITY;
        for (int k = 0; k < nf; k++) {
            int j = feat[k];
            double dz = sp[0] * (i / (NY * NX) - j / (NY * NX));
            double dy = sp[1] * ((i / NX) % NY - (j / NX) % NY);
            double dx = sp[2] * (i % NX - j % NX);
            best = fmin(best, dz * dz + dy * dy + dx * dx);
        }
        assert_close(d2[i], best, 1e-9);
    }
}

/* Random blobs: a union of random ellipsoids; the output moves and resizes
 * them a little. */
static void make_blobs(uint8_t *a, uint8_t *b, size_t nz, size_t ny, size_t nx,
                       struct lcg *g)
{
    memset(a, 0, nz * ny * nx);
    memset(b, 0, nz * ny * nx);
    for (int k = 0; k < 3; k++) {
        double c[3] = {nz * lcg_uniform(g), ny * lcg_uniform(g), nx * lcg_uniform(g)};
        double r[3] = {1 + nz * 0.3 * lcg_uniform(g), 2 + ny * 0.25 * lcg_uniform(g),
                       2 + nx * 0.25 * lcg_uniform(g)};
        double s[3] = {lcg_uniform(g) - 0.5, 2 * lcg_uniform(g) - 1, 2 * lcg_uniform(g) - 1};
        double grow = 0.8 + 0.4 * lcg_uniform(g);
        for (size_t z = 0; z < nz; z++)
            for (size_t y = 0; y < ny; y++)
                for (size_t x = 0; x < nx; x++) {
                    double p[3] = {(double)z, (double)y, (double)x}, ea = 0, eb = 0;
                    for (int d = 0; d < 3; d++) {
                        double u = (p[d] - c[d]) / r[d];
                        double w = (p[d] - c[d] - s[d]) / (r[d] * grow);
                        ea += u * u;
                        eb += w * w;
                    }
                    size_t i = (z * ny + y) * nx + x;
                    a[i] |= ea <= 1;
                    b[i] |= eb <= 1;
                }
    }
}

static void scipy_oracle(void **state)
{
    (void)state;
    /* skimage: the oracle derives the 3D surfel areas from its marching cubes */
    int live = tu_python_has("numpy,scipy,skimage"), checked = 0;
    char script[1024], ra[600], rb[600], args[2048], buf[1024];
    snprintf(script, sizeof script, "%s/tests/metrics/oracle_segmentation.py",
             MRV_SOURCE_DIR);
    const char *dir = tu_tmpdir();
    snprintf(ra, sizeof ra, "%s/a.u8", dir);
    snprintf(rb, sizeof rb, "%s/b.u8", dir);
    struct lcg g = {77};
    struct {
        size_t nz, ny, nx;
        double sp[3], tol;
        enum mrv_surface surf;
    } cases[] = {
        {20, 26, 24, {2.5, 0.9, 1.1}, 1.5, MRV_SURFACE_MONAI},
        {1, 70, 64, {1, 0.7, 1.3}, 1.0, MRV_SURFACE_MONAI},
        {1, 64, 58, {1, 1.7, 0.6}, 1.2, MRV_SURFACE_DEEPMIND},
        {12, 30, 40, {1, 1, 1}, 2.0, MRV_SURFACE_MONAI},
        {1, 50, 50, {1, 1, 1}, 1.0, MRV_SURFACE_DEEPMIND},
        {14, 26, 30, {2.2, 0.9, 1.1}, 1.5, MRV_SURFACE_DEEPMIND},
        {10, 20, 22, {1, 1, 1}, 1.0, MRV_SURFACE_DEEPMIND},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t n = cases[c].nz * cases[c].ny * cases[c].nx;
        uint8_t *a = malloc(n), *b = malloc(n);
        assert_non_null(a);
        assert_non_null(b);
        make_blobs(a, b, cases[c].nz, cases[c].ny, cases[c].nx, &g);
        double o[6];
        if (live) {
            FILE *f = fopen(ra, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(a, 1, n, f), n);
            fclose(f);
            f = fopen(rb, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(b, 1, n, f), n);
            fclose(f);
            snprintf(args, sizeof args, "%s %s %zu %zu %zu %.17g %.17g %.17g %.17g %s", ra, rb,
                     cases[c].nz, cases[c].ny, cases[c].nx, cases[c].sp[0], cases[c].sp[1],
                     cases[c].sp[2], cases[c].tol,
                     cases[c].surf == MRV_SURFACE_MONAI ? "monai" : "deepmind");
            int rc = tu_python_run(script, args, buf, sizeof buf);
            if (rc != 0 || sscanf(buf, "%lf %lf %lf %lf %lf %lf", &o[0], &o[1], &o[2], &o[3],
                                  &o[4], &o[5]) != 6)
                fail_msg("oracle failed (rc %d): %s", rc, buf);
        }
        char id[32];
        snprintf(id, sizeof id, "case%zu", c);
        if (!golden_resolve("metrics", "segmentation", id, live, o, 6, 1e-9)) {
            free(a);
            free(b);
            continue;
        }
        checked++;
        struct mrv_seg_result r = eval(a, b, cases[c].nz, cases[c].ny, cases[c].nx,
                                       cases[c].sp, cases[c].tol, cases[c].surf, 0);
        /* Dice and IoU are ratios of the same integers: exact. */
        assert_true(r.dice.value == o[0]);
        assert_true(r.iou.value == o[1]);
        assert_close(r.hd.value, o[2], 1e-4);
        assert_close(r.hd95.value, o[3], 1e-4);
        assert_close(r.assd.value, o[4], 1e-4);
        assert_close(r.nsd.value, o[5], 1e-9);
        free(a);
        free(b);
    }
    if (!checked)
        skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deepmind_vector_2d),   cmocka_unit_test(deepmind_vector_3d_monai),
        cmocka_unit_test(deepmind_vectors_3d),  cmocka_unit_test(deepmind_areas_3d),
        cmocka_unit_test(one_voxel_shift),      cmocka_unit_test(labels_and_conventions),
        cmocka_unit_test(empty_cases),
        cmocka_unit_test(edt_brute_force),      cmocka_unit_test(edt_far_queries),
        cmocka_unit_test(scipy_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
