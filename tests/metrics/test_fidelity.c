/* tests/metrics/test_fidelity.c — PSNR, NMSE, SSIM against independent
 * oracles: the hand-checked vectors of REFERENCES.md ("Fidelity metrics"),
 * the laws every metric obeys, a brute-force two-pass SSIM written here
 * from the definition, and fastMRI's evaluate.py run live through Debian's
 * python3 + scikit-image (tests/metrics/oracle_fidelity.py). */
#include "tests_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "metrics/fidelity.h"
#include "metrics/metric.h"

/* ---- fixtures made by code ---------------------------------------------- */

/* REFERENCES.md: x[i][j] = (16i + j) mod 256; y = x + 10 where i + j is odd,
 * else x - 10; R = 255. All values are exact in float32. */
static void make_xy(float x[256], float y[256])
{
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float v = (float)((16 * i + j) % 256);
            x[16 * i + j] = v;
            y[16 * i + j] = (i + j) % 2 ? v + 10.0f : v - 10.0f;
        }
}

/* A 64-bit LCG (Knuth's MMIX constants): deterministic on every platform,
 * independent of core/rng so a bug there cannot hide one here. */
struct lcg {
    uint64_t s;
};

static double lcg_uniform(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * 0x1.0p-53;
}

static void fill_uniform(float *a, size_t n, double lo, double hi, uint64_t seed)
{
    struct lcg g = {seed};
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(lo + (hi - lo) * lcg_uniform(&g));
}

static struct mrv_metric_value run_metric(const struct mrv_metric *m,
                                          const float *ref, const float *out,
                                          size_t slices, size_t ny, size_t nx)
{
    struct mrv_array r, o;
    size_t dims[3] = {slices, ny, nx};
    mrv_array_borrow(&r, MRV_F32, 3, dims, (void *)ref);
    mrv_array_borrow(&o, MRV_F32, 3, dims, (void *)out);
    struct mrv_error err = {0};
    struct mrv_metric_value v = {0};
    const double spacing[3] = {1, 1, 1};
    assert_ok(m->compute(&r, &o, spacing, &v, &err), &err);
    return v;
}

/* ---- REFERENCES.md test vectors ----------------------------------------- */

static void test_vectors_ssim2d(void **state)
{
    (void)state;
    float x[256], y[256];
    make_xy(x, y);
    assert_close(mrv_ssim2d(x, y, 16, 16, 255.0, 7), 0.9548351375, 1e-9);
    assert_close(mrv_ssim2d(x, y, 16, 16, 255.0, 3), 0.7997177555, 1e-9);

    float inv[256];
    for (int i = 0; i < 256; i++)
        inv[i] = 255.0f - x[i];
    assert_close(mrv_ssim2d(inv, x, 16, 16, 255.0, 7), -0.7443135345, 1e-9);

    /* x/255 is rounded to float32, so agreement is to float32 precision. */
    float xs[256], ys[256];
    for (int i = 0; i < 256; i++) {
        xs[i] = (float)(x[i] / 255.0);
        ys[i] = (float)(y[i] / 255.0);
    }
    assert_close(mrv_ssim2d(xs, ys, 16, 16, 1.0, 7), 0.9548351375, 1e-7);

    float c100[64], c110[64];
    for (int i = 0; i < 64; i++) {
        c100[i] = 100.0f;
        c110[i] = 110.0f;
    }
    assert_close(mrv_ssim2d(c100, c110, 8, 8, 255.0, 7), 0.9954764441, 1e-9);
}

static void test_vectors_volume(void **state)
{
    (void)state;
    float x[256], y[256];
    make_xy(x, y); /* max(x) = 255 = R, as REFERENCES.md assumes */
    struct mrv_metric_value v;
    v = run_metric(&mrv_metric_ssim, x, y, 1, 16, 16);
    assert_close(v.value, 0.9548351375, 1e-9);
    assert_null(v.null_reason);
    v = run_metric(&mrv_metric_psnr, x, y, 1, 16, 16);
    assert_close(v.value, 28.1308036087, 1e-9);
    assert_null(v.null_reason);
    v = run_metric(&mrv_metric_nmse, x, y, 1, 16, 16);
    assert_close(v.value, 0.0046045816, 1e-9);
    assert_null(v.null_reason);

    /* Volume = mean over slices: two copies of the pair give the same. */
    float x2[512], y2[512];
    memcpy(x2, x, sizeof x);
    memcpy(x2 + 256, x, sizeof x);
    memcpy(y2, y, sizeof y);
    memcpy(y2 + 256, y, sizeof y);
    assert_close(run_metric(&mrv_metric_ssim, x2, y2, 2, 16, 16).value,
                 0.9548351375, 1e-9);
    assert_close(run_metric(&mrv_metric_psnr, x2, y2, 2, 16, 16).value,
                 28.1308036087, 1e-9);
}

/* ---- laws ----------------------------------------------------------------- */

static void test_identity(void **state)
{
    (void)state;
    enum { S = 2, NY = 23, NX = 31 };
    static float a[S * NY * NX];
    fill_uniform(a, S * NY * NX, 0.0, 3.0, 7);
    struct mrv_metric_value v;
    v = run_metric(&mrv_metric_ssim, a, a, S, NY, NX);
    assert_true(v.value == 1.0); /* exactly, not approximately */
    assert_null(v.null_reason);
    v = run_metric(&mrv_metric_psnr, a, a, S, NY, NX);
    assert_true(isinf(v.value) && v.value > 0);
    assert_null(v.null_reason);
    v = run_metric(&mrv_metric_nmse, a, a, S, NY, NX);
    assert_true(v.value == 0.0);
    assert_null(v.null_reason);
    for (int win = 3; win <= 11; win += 2)
        assert_true(mrv_ssim2d(a, a, NY, NX, 3.0, win) == 1.0);
}

static void test_symmetry_and_range(void **state)
{
    (void)state;
    enum { NY = 40, NX = 29 };
    static float a[NY * NX], b[NY * NX];
    for (uint64_t seed = 1; seed <= 5; seed++) {
        fill_uniform(a, NY * NX, -1.0, 2.0, seed);
        fill_uniform(b, NY * NX, -1.0, 2.0, seed + 100);
        for (int win = 3; win <= 9; win += 2) {
            double ab = mrv_ssim2d(a, b, NY, NX, 2.0, win);
            double ba = mrv_ssim2d(b, a, NY, NX, 2.0, win);
            assert_true(ab == ba);
            assert_true(ab >= -1.0 && ab <= 1.0);
        }
    }
    float x[256], y[256];
    make_xy(x, y);
    assert_true(mrv_ssim2d(x, y, 16, 16, 255.0, 7) ==
                mrv_ssim2d(y, x, 16, 16, 255.0, 7));
}

static void test_scale_invariance(void **state)
{
    (void)state;
    /* Scaling x, y and R together by a power of two is exact in float32,
     * so SSIM and PSNR must not move beyond round-off. */
    enum { NY = 30, NX = 30 };
    static float a[NY * NX], b[NY * NX], as[NY * NX], bs[NY * NX];
    fill_uniform(a, NY * NX, 0.0, 1.0, 11);
    fill_uniform(b, NY * NX, 0.0, 1.0, 12);
    for (int i = 0; i < NY * NX; i++) {
        as[i] = a[i] * 0x1.0p-12f;
        bs[i] = b[i] * 0x1.0p-12f;
    }
    assert_close(mrv_ssim2d(as, bs, NY, NX, 0x1.0p-12, 7),
                 mrv_ssim2d(a, b, NY, NX, 1.0, 7), 1e-12);
    assert_close(run_metric(&mrv_metric_psnr, as, bs, 1, NY, NX).value,
                 run_metric(&mrv_metric_psnr, a, b, 1, NY, NX).value, 1e-10);
    assert_close(run_metric(&mrv_metric_nmse, as, bs, 1, NY, NX).value,
                 run_metric(&mrv_metric_nmse, a, b, 1, NY, NX).value, 1e-14);
}

/* ---- undefined cases and errors ----------------------------------------- */

static void test_zero_reference(void **state)
{
    (void)state;
    enum { NY = 12, NX = 12 };
    static float zero[2 * NY * NX], out[2 * NY * NX], neg[2 * NY * NX];
    fill_uniform(out, 2 * NY * NX, 0.0, 1.0, 3);
    for (int i = 0; i < 2 * NY * NX; i++)
        neg[i] = -1.0f - out[i];
    const struct mrv_metric *all[] = {&mrv_metric_psnr, &mrv_metric_ssim,
                                      &mrv_metric_nmse};
    for (int k = 0; k < 3; k++) {
        struct mrv_metric_value v = run_metric(all[k], zero, out, 2, NY, NX);
        assert_true(isnan(v.value));
        assert_non_null(v.null_reason);
        assert_true(strlen(v.null_reason) > 0);
    }
    /* An all-negative reference has R < 0: PSNR and SSIM are undefined,
     * NMSE is not. */
    assert_true(isnan(run_metric(&mrv_metric_psnr, neg, out, 2, NY, NX).value));
    assert_true(isnan(run_metric(&mrv_metric_ssim, neg, out, 2, NY, NX).value));
    assert_true(isfinite(run_metric(&mrv_metric_nmse, neg, out, 2, NY, NX).value));
    /* Even a zero output against a zero reference is undefined, not 1. */
    struct mrv_metric_value v = run_metric(&mrv_metric_ssim, zero, zero, 2, NY, NX);
    assert_true(isnan(v.value));
    assert_non_null(v.null_reason);
}

static void test_nonfinite(void **state)
{
    (void)state;
    enum { NY = 10, NX = 10 };
    static float ref[NY * NX], out[NY * NX];
    fill_uniform(ref, NY * NX, 0.0, 1.0, 5);
    fill_uniform(out, NY * NX, 0.0, 1.0, 6);
    const struct mrv_metric *all[] = {&mrv_metric_psnr, &mrv_metric_ssim,
                                      &mrv_metric_nmse};
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (int b = 0; b < 3; b++) {
        out[37] = bad[b];
        for (int k = 0; k < 3; k++) {
            struct mrv_metric_value v = run_metric(all[k], ref, out, 1, NY, NX);
            assert_true(isnan(v.value));
            assert_non_null(v.null_reason);
            assert_string_equal(v.null_reason, "output contains NaN or Inf");
        }
    }
    out[37] = 0.5f;
    ref[99] = NAN;
    for (int k = 0; k < 3; k++) {
        struct mrv_metric_value v = run_metric(all[k], ref, out, 1, NY, NX);
        assert_true(isnan(v.value));
        assert_string_equal(v.null_reason, "reference contains NaN or Inf");
    }
}

static void test_small_slice(void **state)
{
    (void)state;
    static float a[6 * 20], b[6 * 20];
    fill_uniform(a, 6 * 20, 0.0, 1.0, 8);
    fill_uniform(b, 6 * 20, 0.0, 1.0, 9);
    struct mrv_metric_value v = run_metric(&mrv_metric_ssim, a, b, 1, 6, 20);
    assert_true(isnan(v.value));
    assert_non_null(v.null_reason);
    assert_true(isfinite(run_metric(&mrv_metric_psnr, a, b, 1, 6, 20).value));
    /* Exactly the window size: one window, still defined. */
    assert_true(isfinite(mrv_ssim2d(a, b, 6, 20, 1.0, 5)));
}

static void test_ssim2d_bad_args(void **state)
{
    (void)state;
    static float a[16 * 16], b[16 * 16];
    fill_uniform(a, 256, 0.0, 1.0, 1);
    fill_uniform(b, 256, 0.0, 1.0, 2);
    assert_true(isnan(mrv_ssim2d(a, b, 16, 16, 1.0, 6)));   /* even */
    assert_true(isnan(mrv_ssim2d(a, b, 16, 16, 1.0, 1)));   /* < 3 */
    assert_true(isnan(mrv_ssim2d(a, b, 16, 16, 1.0, -7)));  /* negative */
    assert_true(isnan(mrv_ssim2d(a, b, 16, 16, 1.0, 17)));  /* > size */
    assert_true(isnan(mrv_ssim2d(a, b, 16, 5, 1.0, 7)));    /* > nx */
    assert_true(isnan(mrv_ssim2d(a, b, 16, 16, 0.0, 7)));   /* R = 0 */
    assert_true(isnan(mrv_ssim2d(a, b, 16, 16, -1.0, 7)));  /* R < 0 */
    assert_true(isnan(mrv_ssim2d(a, b, 16, 16, NAN, 7)));
    assert_true(isfinite(mrv_ssim2d(a, b, 16, 16, 1.0, 15)));
    assert_true(isnan(mrv_psnr(a, b, 256, 0.0)));
    assert_true(isnan(mrv_nmse(b, a, 0)));
}

static void expect_einval(const struct mrv_array *r, const struct mrv_array *o,
                          const char *want_r, const char *want_o)
{
    const struct mrv_metric *all[] = {&mrv_metric_psnr, &mrv_metric_ssim,
                                      &mrv_metric_nmse};
    const double spacing[3] = {1, 1, 1};
    for (int k = 0; k < 3; k++) {
        struct mrv_error err = {0};
        struct mrv_metric_value v = {0};
        assert_int_equal(all[k]->compute(r, o, spacing, &v, &err), MRV_EINVAL);
        assert_int_equal(err.code, MRV_EINVAL);
        if (!strstr(err.msg, want_r) || !strstr(err.msg, want_o))
            fail_msg("message \"%s\" should name %s and %s", err.msg, want_r,
                     want_o);
    }
}

static void test_shape_errors(void **state)
{
    (void)state;
    static float a[2 * 16 * 17], b[2 * 16 * 17];
    static double d[2 * 16 * 16];
    struct mrv_array r, o;
    size_t da[3] = {2, 16, 16}, db[3] = {2, 16, 17};
    mrv_array_borrow(&r, MRV_F32, 3, da, a);
    mrv_array_borrow(&o, MRV_F32, 3, db, b);
    expect_einval(&r, &o, "(2, 16, 16) f32", "(2, 16, 17) f32");
    expect_einval(&o, &r, "(2, 16, 17) f32", "(2, 16, 16) f32");

    /* Same dims, wrong dtype on either side or both. */
    mrv_array_borrow(&o, MRV_F64, 3, da, d);
    expect_einval(&r, &o, "(2, 16, 16) f32", "(2, 16, 16) f64");
    mrv_array_borrow(&r, MRV_F64, 3, da, d);
    expect_einval(&r, &o, "(2, 16, 16) f64", "(2, 16, 16) f64");

    /* Rank 4 is not a volume. */
    size_t d4[4] = {1, 2, 16, 16};
    mrv_array_borrow(&r, MRV_F32, 4, d4, a);
    mrv_array_borrow(&o, MRV_F32, 4, d4, b);
    expect_einval(&r, &o, "(1, 2, 16, 16) f32", "(1, 2, 16, 16) f32");

    /* NULL arguments are misuse, not a crash. */
    struct mrv_error err = {0};
    struct mrv_metric_value v;
    assert_int_equal(mrv_metric_ssim.compute(NULL, &o, NULL, &v, &err), MRV_EMISUSE);
}

/* ---- brute-force oracle: SSIM from its definition ----------------------- */

/* Every window summed from scratch, variances by the two-pass formula: a
 * different computation (O(N*win^2), no running sums, no E[x^2] - mu^2
 * cancellation) of the same quantity. */
static double ssim_brute(const float *x, const float *y, size_t ny, size_t nx,
                         double R, int win)
{
    size_t w = (size_t)win, np_ = w * w;
    double c1 = (0.01 * R) * (0.01 * R), c2 = (0.03 * R) * (0.03 * R);
    double total = 0;
    for (size_t i = 0; i + w <= ny; i++)
        for (size_t j = 0; j + w <= nx; j++) {
            double mx = 0, my = 0;
            for (size_t u = 0; u < w; u++)
                for (size_t k = 0; k < w; k++) {
                    mx += x[(i + u) * nx + j + k];
                    my += y[(i + u) * nx + j + k];
                }
            mx /= (double)np_;
            my /= (double)np_;
            double vx = 0, vy = 0, vxy = 0;
            for (size_t u = 0; u < w; u++)
                for (size_t k = 0; k < w; k++) {
                    double dx = x[(i + u) * nx + j + k] - mx;
                    double dy = y[(i + u) * nx + j + k] - my;
                    vx += dx * dx;
                    vy += dy * dy;
                    vxy += dx * dy;
                }
            vx /= (double)(np_ - 1);
            vy /= (double)(np_ - 1);
            vxy /= (double)(np_ - 1);
            total += ((2 * mx * my + c1) * (2 * vxy + c2)) /
                     ((mx * mx + my * my + c1) * (vx + vy + c2));
        }
    return total / ((double)(ny - w + 1) * (double)(nx - w + 1));
}

static void test_brute_force(void **state)
{
    (void)state;
    const size_t shapes[][2] = {{7, 7}, {7, 30}, {25, 9}, {48, 37}, {64, 64}};
    static float a[64 * 64], b[64 * 64];
    double worst = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t ny = shapes[s][0], nx = shapes[s][1];
        fill_uniform(a, ny * nx, 0.0, 100.0, 20 + s);
        /* b = a + noise: a realistic, highly similar pair. */
        struct lcg g = {40 + s};
        for (size_t i = 0; i < ny * nx; i++)
            b[i] = a[i] + (float)(20.0 * (lcg_uniform(&g) - 0.5));
        for (int win = 3; win <= 7; win += 2) {
            if ((size_t)win > ny || (size_t)win > nx)
                continue;
            double got = mrv_ssim2d(a, b, ny, nx, 100.0, win);
            double want = ssim_brute(a, b, ny, nx, 100.0, win);
            double diff = fabs(got - want);
            if (diff > worst)
                worst = diff;
            assert_close(got, want, 1e-12);
        }
    }
    print_message("brute-force SSIM: max |diff| = %.3g\n", worst);
}

/* ---- registry ----------------------------------------------------------- */

static void test_registry(void **state)
{
    (void)state;
    int n = -1;
    const struct mrv_metric *const *list = mrv_metric_list(&n);
    assert_true(n >= 7);
    assert_ptr_equal(list[0], &mrv_metric_psnr);
    assert_ptr_equal(list[1], &mrv_metric_ssim);
    assert_ptr_equal(list[2], &mrv_metric_nmse);
    assert_null(list[n]);
    assert_ptr_equal(mrv_metric_list(NULL), list);
    for (int i = 0; i < n; i++) {
        assert_ptr_equal(mrv_metric_find(list[i]->name), list[i]);
        assert_non_null(list[i]->summary);
        assert_non_null(list[i]->compute);
        assert_non_null(list[i]->eval);
        assert_non_null(list[i]->definition);
        assert_true(list[i]->higher_is_better ==
                    (list[i]->direction == MRV_HIGHER_IS_BETTER));
    }
    assert_null(mrv_metric_find("SSIM"));
    assert_null(mrv_metric_find("Dice"));
    assert_null(mrv_metric_find(""));
    assert_null(mrv_metric_find(NULL));
    assert_string_equal(mrv_metric_psnr.unit, "dB");
    assert_string_equal(mrv_metric_ssim.unit, "");
    assert_string_equal(mrv_metric_nmse.unit, "");
    assert_true(mrv_metric_psnr.higher_is_better);
    assert_true(mrv_metric_ssim.higher_is_better);
    assert_false(mrv_metric_nmse.higher_is_better);
}

/* ---- live oracle: fastMRI evaluate.py through scikit-image ------------- */

static void write_f32le(const char *path, const float *a, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &a[i], sizeof u);
        unsigned char le[4] = {(unsigned char)u, (unsigned char)(u >> 8),
                               (unsigned char)(u >> 16), (unsigned char)(u >> 24)};
        if (fwrite(le, 1, 4, f) != 4)
            fail_msg("short write to %s", path);
    }
    if (fclose(f) != 0)
        fail_msg("cannot close %s", path);
}

/* out = |3x3 box blur of ref + noise|: a plausible, imperfect reconstruction
 * (magnitude, so background noise stays non-negative as in real MRI). */
static void degrade(float *out, const float *ref, size_t slices, size_t ny,
                    size_t nx, double noise, uint64_t seed)
{
    struct lcg g = {seed};
    for (size_t s = 0; s < slices; s++)
        for (size_t i = 0; i < ny; i++)
            for (size_t j = 0; j < nx; j++) {
                double sum = 0;
                int cnt = 0;
                for (int di = -1; di <= 1; di++)
                    for (int dj = -1; dj <= 1; dj++) {
                        long ii = (long)i + di, jj = (long)j + dj;
                        if (ii < 0 || jj < 0 || ii >= (long)ny || jj >= (long)nx)
                            continue;
                        sum += ref[(s * ny + (size_t)ii) * nx + (size_t)jj];
                        cnt++;
                    }
                double v = sum / cnt + noise * (lcg_uniform(&g) - 0.5);
                out[(s * ny + i) * nx + j] = (float)fabs(v);
            }
}

/* An elliptical "anatomy" with texture on a zero background, at fastMRI's
 * magnitude scale (~1e-4): exercises tiny R and flat regions. */
static void phantom(float *a, size_t slices, size_t ny, size_t nx, double scale,
                    uint64_t seed)
{
    struct lcg g = {seed};
    for (size_t s = 0; s < slices; s++)
        for (size_t i = 0; i < ny; i++)
            for (size_t j = 0; j < nx; j++) {
                double u = ((double)i - ny / 2.0) / (0.42 * ny);
                double v = ((double)j - nx / 2.0) / (0.35 * nx);
                double val = 0;
                if (u * u + v * v < 1.0)
                    val = 0.6 + 0.3 * sin(0.21 * (double)i) * cos(0.13 * (double)j) +
                          0.1 * lcg_uniform(&g);
                a[(s * ny + i) * nx + j] = (float)(scale * val);
            }
}

struct live_case {
    size_t slices, ny, nx;
    int kind;    /* 0 uniform texture, 1 phantom */
    double scale, noise;
};

static void test_live_oracle(void **state)
{
    (void)state;
    if (!tu_python_has("numpy, skimage")) {
        print_message("skipped: /usr/bin/python3 cannot import numpy and "
                      "skimage (Debian: apt-get install python3-skimage)\n");
        skip();
    }
    const struct live_case cases[] = {
        {2, 64, 80, 0, 1.0, 0.2},
        {1, 320, 320, 1, 3e-4, 2e-5},
        {3, 7, 9, 0, 50.0, 10.0},
        {2, 64, 80, 1, 1.0, 0.02}, /* a good reconstruction: SSIM near 1 */
    };
    const char *dir = tu_tmpdir();
    char dirbuf[512];
    snprintf(dirbuf, sizeof dirbuf, "%s", dir);
    const char *script = MRV_SOURCE_DIR "/tests/metrics/oracle_fidelity.py";
    double worst[3] = {0, 0, 0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct live_case *lc = &cases[c];
        size_t n = lc->slices * lc->ny * lc->nx;
        float *ref = malloc(n * sizeof *ref), *out = malloc(n * sizeof *out);
        assert_non_null(ref);
        assert_non_null(out);
        if (lc->kind == 0)
            fill_uniform(ref, n, 0.0, lc->scale, 1000 + c);
        else
            phantom(ref, lc->slices, lc->ny, lc->nx, lc->scale, 1000 + c);
        degrade(out, ref, lc->slices, lc->ny, lc->nx, lc->noise, 2000 + c);

        char rp[600], op[600], args[1400], buf[512];
        snprintf(rp, sizeof rp, "%s/ref%zu.f32", dirbuf, c);
        snprintf(op, sizeof op, "%s/out%zu.f32", dirbuf, c);
        write_f32le(rp, ref, n);
        write_f32le(op, out, n);
        snprintf(args, sizeof args, "'%s' '%s' %zu %zu %zu", rp, op, lc->slices,
                 lc->ny, lc->nx);
        int rc = tu_python_run(script, args, buf, sizeof buf);
        if (rc != 0)
            fail_msg("oracle_fidelity.py exited %d: %s", rc, buf);
        char *p = buf, *end;
        double want[3];
        for (int k = 0; k < 3; k++) {
            want[k] = strtod(p, &end);
            if (end == p)
                fail_msg("cannot parse oracle output \"%s\"", buf);
            p = end;
        }
        const struct mrv_metric *all[] = {&mrv_metric_psnr, &mrv_metric_nmse,
                                          &mrv_metric_ssim};
        for (int k = 0; k < 3; k++) {
            struct mrv_metric_value v =
                run_metric(all[k], ref, out, lc->slices, lc->ny, lc->nx);
            double diff = fabs(v.value - want[k]);
            print_message("live oracle case %zu (%zu, %zu, %zu) %s: mrvet %.12g "
                          "skimage %.12g |diff| %.3g\n",
                          c, lc->slices, lc->ny, lc->nx, all[k]->name, v.value,
                          want[k], diff);
            if (diff > worst[k])
                worst[k] = diff;
            assert_close(v.value, want[k], 1e-5);
        }
        free(ref);
        free(out);
        remove(rp);
        remove(op);
    }
    remove(dirbuf);
    print_message("live oracle max |diff|: psnr %.3g dB, nmse %.3g, ssim %.3g\n",
                  worst[0], worst[1], worst[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_ssim2d),
        cmocka_unit_test(test_vectors_volume),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_symmetry_and_range),
        cmocka_unit_test(test_scale_invariance),
        cmocka_unit_test(test_zero_reference),
        cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_small_slice),
        cmocka_unit_test(test_ssim2d_bad_args),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_live_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
