/* tests/metrics/test_fidelity_ext.c — SSIM (Wang 2004 Gaussian form, 3D,
 * masked), MAE, HFEN and 3D HFEN against independent oracles: REFERENCES.md's
 * Gaussian-SSIM vector, the laws every metric obeys, and scikit-image /
 * scipy.ndimage live (tests/metrics/oracle_fidelity_ext.py; skipped cleanly
 * when Debian's python3 lacks them). */
#include "tests_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "metrics/fidelity.h"
#include "metrics/metric.h"
#include "metrics/golden_util.h"

struct lcg {
    uint64_t s;
};

static double lcg_uniform(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * 0x1.0p-53;
}

static struct mrv_metric_value run(const struct mrv_metric *m, const float *ref,
                                   const float *out, const uint8_t *mask, size_t nz,
                                   size_t ny, size_t nx)
{
    struct mrv_array r, o, k;
    size_t dims[3] = {nz, ny, nx};
    mrv_array_borrow(&r, MRV_F32, 3, dims, (void *)ref);
    mrv_array_borrow(&o, MRV_F32, 3, dims, (void *)out);
    mrv_array_borrow(&k, MRV_U8, 3, dims, (void *)mask);
    struct mrv_metric_args a;
    mrv_metric_args_init(&a, &r, &o, NULL);
    a.mask = mask ? &k : NULL;
    struct mrv_error err = {0};
    struct mrv_metric_value v = {0};
    assert_ok(m->eval(&a, &v, &err), &err);
    return v;
}

/* REFERENCES.md: x[i][j] = (16i + j) mod 256, y = x +- 10, R = 255:
 * Gaussian sigma 1.5, population covariance: 0.9237616742. */
static void gaussian_vector(void **state)
{
    (void)state;
    float x[256], y[256];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float v = (float)((16 * i + j) % 256);
            x[16 * i + j] = v;
            y[16 * i + j] = (i + j) % 2 ? v + 10.0f : v - 10.0f;
        }
    struct mrv_metric_value v = run(&mrv_metric_ssim_gauss, x, y, NULL, 1, 16, 16);
    assert_close(v.value, 0.9237616742, 1e-9);
    v = run(&mrv_metric_ssim_gauss, x, x, NULL, 1, 16, 16);
    assert_true(v.value == 1.0);
    v = run(&mrv_metric_mae, x, y, NULL, 1, 16, 16);
    assert_close(v.value, 10.0, 0);
    v = run(&mrv_metric_hfen, x, x, NULL, 1, 16, 16);
    assert_close(v.value, 0.0, 0);
    v = run(&mrv_metric_hfen3d, x, x, NULL, 1, 16, 16);
    assert_close(v.value, 0.0, 0);
}

static void laws(void **state)
{
    (void)state;
    enum { NZ = 9, NY = 20, NX = 24, N = NZ * NY * NX };
    static float a[N], b[N];
    struct lcg g = {3};
    for (int i = 0; i < N; i++) {
        a[i] = (float)(lcg_uniform(&g) * 2);
        b[i] = (float)(a[i] + 0.3 * (lcg_uniform(&g) - 0.5));
    }
    a[0] = b[0] = 5; /* same maximum, so R is the same both ways round */
    const struct mrv_metric *ms[] = {&mrv_metric_ssim_gauss, &mrv_metric_ssim3d};
    for (int m = 0; m < 2; m++) {
        assert_true(run(ms[m], a, a, NULL, NZ, NY, NX).value == 1.0);
        assert_true(run(ms[m], a, b, NULL, NZ, NY, NX).value ==
                    run(ms[m], b, a, NULL, NZ, NY, NX).value);
    }
    /* A mask of every voxel = no mask for psnr/nmse/mae/hfen/hfen3d. */
    static uint8_t all[N];
    memset(all, 1, N);
    const struct mrv_metric *pm[] = {&mrv_metric_psnr, &mrv_metric_nmse, &mrv_metric_mae,
                                     &mrv_metric_hfen, &mrv_metric_hfen3d};
    for (int m = 0; m < 5; m++)
        assert_close(run(pm[m], a, b, all, NZ, NY, NX).value,
                     run(pm[m], a, b, NULL, NZ, NY, NX).value, 1e-12);
    /* Empty mask: NULL with a reason. */
    static uint8_t none[N];
    struct mrv_metric_value v = run(&mrv_metric_mae, a, b, none, NZ, NY, NX);
    assert_true(isnan(v.value));
    assert_non_null(v.null_reason);
    /* Too few slices for a 7x7x7 window. */
    v = run(&mrv_metric_ssim3d, a, b, NULL, 5, NY, NX);
    assert_true(isnan(v.value));
    assert_non_null(v.null_reason);
}

static void live_oracle(void **state)
{
    (void)state;
    int live = tu_python_has("numpy,scipy,skimage"), checked = 0;
    char script[1024], pa[600], pb[600], pm[600], args[2400], buf[1024];
    snprintf(script, sizeof script, "%s/tests/metrics/oracle_fidelity_ext.py",
             MRV_SOURCE_DIR);
    const char *dir = tu_tmpdir();
    snprintf(pa, sizeof pa, "%s/a.f32", dir);
    snprintf(pb, sizeof pb, "%s/b.f32", dir);
    snprintf(pm, sizeof pm, "%s/m.u8", dir);
    size_t shapes[3][3] = {{8, 40, 36}, {1, 64, 80}, {11, 23, 31}};
    struct lcg g = {99};
    for (int c = 0; c < 3; c++) {
        size_t nz = shapes[c][0], ny = shapes[c][1], nx = shapes[c][2], n = nz * ny * nx;
        float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        uint8_t *m = malloc(n);
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(m);
        for (size_t i = 0; i < n; i++) {
            size_t y = (i / nx) % ny, x = i % nx;
            a[i] = (float)(50 + 30 * sin(0.3 * (double)x) * cos(0.2 * (double)y) +
                           10 * lcg_uniform(&g));
            b[i] = (float)(a[i] + 8 * (lcg_uniform(&g) - 0.5));
            m[i] = (x - nx / 2) * (x - nx / 2) + (y - ny / 2) * (y - ny / 2) < ny * nx / 6;
        }
        double o[7];
        if (live) {
            FILE *f = fopen(pa, "wb");
            fwrite(a, sizeof *a, n, f);
            fclose(f);
            f = fopen(pb, "wb");
            fwrite(b, sizeof *b, n, f);
            fclose(f);
            f = fopen(pm, "wb");
            fwrite(m, 1, n, f);
            fclose(f);
            snprintf(args, sizeof args, "%s %s %s %zu %zu %zu", pa, pb, pm, nz, ny, nx);
            int rc = tu_python_run(script, args, buf, sizeof buf);
            if (rc != 0 || sscanf(buf, "%lf %lf %lf %lf %lf %lf %lf", &o[0], &o[1], &o[2],
                                  &o[3], &o[4], &o[5], &o[6]) != 7)
                fail_msg("oracle failed (rc %d): %s", rc, buf);
        }
        char id[32];
        snprintf(id, sizeof id, "case%d", c);
        if (!golden_resolve("metrics", "fidelity_ext", id, live, o, 7, 1e-12)) {
            free(a);
            free(b);
            free(m);
            continue;
        }
        checked++;
        assert_close(run(&mrv_metric_ssim_gauss, a, b, NULL, nz, ny, nx).value, o[0], 1e-10);
        if (nz >= 7)
            assert_close(run(&mrv_metric_ssim3d, a, b, NULL, nz, ny, nx).value, o[1], 1e-10);
        assert_close(run(&mrv_metric_mae, a, b, NULL, nz, ny, nx).value, o[2], 1e-10);
        assert_close(run(&mrv_metric_hfen, a, b, NULL, nz, ny, nx).value, o[3], 1e-10);
        assert_close(run(&mrv_metric_ssim, a, b, m, nz, ny, nx).value, o[4], 1e-10);
        assert_close(run(&mrv_metric_hfen3d, a, b, NULL, nz, ny, nx).value, o[5], 1e-10);
        assert_close(run(&mrv_metric_hfen3d, a, b, m, nz, ny, nx).value, o[6], 1e-10);
        free(a);
        free(b);
        free(m);
    }
    if (!checked)
        skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gaussian_vector),
        cmocka_unit_test(laws),
        cmocka_unit_test(live_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
