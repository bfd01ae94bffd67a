/* bench/bench_metrics.c — SSIM and HD95 speed on fixed arrays (written to
 * DIR for the scikit-image/scipy peer, bench_metrics_peer.py), one thread.
 * Prints "name seconds value" per case. Not a test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/array.h"
#include "metrics/fidelity.h"
#include "metrics/metric.h"
#include "metrics/segmentation.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: robust to other load */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t state = 12345;
static double uni(void)
{
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(state >> 11) * 0x1.0p-53;
}

static int dump(const char *dir, const char *name, const void *p, size_t bytes)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "bench_metrics: cannot write %s\n", path);
        return -1;
    }
    return fclose(f);
}

/* An MRI-like image: smooth structure plus noise; b = a + noise. */
static void make_pair(float *a, float *b, size_t n, size_t nx)
{
    for (size_t i = 0; i < n; i++) {
        double y = (double)(i / nx), x = (double)(i % nx);
        a[i] = (float)(0.5 + 0.3 * sin(0.05 * x) * cos(0.07 * y) + 0.05 * uni());
        b[i] = (float)(a[i] + 0.05 * (uni() - 0.5));
    }
}

static void run_image(const char *name, const struct mrv_metric *m, float *a, float *b,
                      size_t nz, size_t ny, size_t nx, int reps)
{
    struct mrv_array r, o;
    size_t dims[3] = {nz, ny, nx};
    mrv_array_borrow(&r, MRV_F32, 3, dims, a);
    mrv_array_borrow(&o, MRV_F32, 3, dims, b);
    struct mrv_metric_value v = {0};
    double best = INFINITY;
    for (int k = 0; k < reps; k++) {
        double t0 = now();
        m->compute(&r, &o, NULL, &v, NULL);
        best = fmin(best, now() - t0);
    }
    printf("%s %.6g %.12f\n", name, best, v.value);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_metrics DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    static const struct {
        const char *name;
        size_t ny, nx;
    } slices[] = {{"s320", 320, 320}, {"s640", 640, 368}};
    char nm[64];
    for (int s = 0; s < 2; s++) {
        size_t n = slices[s].ny * slices[s].nx;
        float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        if (!a || !b)
            return 4;
        make_pair(a, b, n, slices[s].nx);
        snprintf(nm, sizeof nm, "%s_a.f32", slices[s].name);
        dump(dir, nm, a, n * sizeof *a);
        snprintf(nm, sizeof nm, "%s_b.f32", slices[s].name);
        dump(dir, nm, b, n * sizeof *b);
        snprintf(nm, sizeof nm, "ssim_%s", slices[s].name);
        run_image(nm, &mrv_metric_ssim, a, b, 1, slices[s].ny, slices[s].nx, 50);
        snprintf(nm, sizeof nm, "ssim_gauss_%s", slices[s].name);
        run_image(nm, &mrv_metric_ssim_gauss, a, b, 1, slices[s].ny, slices[s].nx, 50);
        free(a);
        free(b);
    }
    size_t vn = 16 * 320 * 320;
    float *va = malloc(vn * sizeof *va), *vb = malloc(vn * sizeof *vb);
    if (!va || !vb)
        return 4;
    make_pair(va, vb, vn, 320);
    dump(dir, "vol_a.f32", va, vn * sizeof *va);
    dump(dir, "vol_b.f32", vb, vn * sizeof *vb);
    run_image("ssim_volume_fastmri", &mrv_metric_ssim, va, vb, 16, 320, 320, 10);
    run_image("ssim3d_volume", &mrv_metric_ssim3d, va, vb, 16, 320, 320, 10);
    free(va);
    free(vb);

    /* HD95 on a 181 x 217 x 181 (MNI 1 mm) pair: an ellipsoidal "brain" with
     * a bumpy surface and a slightly shifted, resized prediction. */
    size_t NZ = 181, NY = 217, NX = 181, N = NZ * NY * NX;
    uint8_t *sa = malloc(N), *sb = malloc(N);
    if (!sa || !sb)
        return 4;
    for (size_t z = 0; z < NZ; z++)
        for (size_t y = 0; y < NY; y++)
            for (size_t x = 0; x < NX; x++) {
                double dz = ((double)z - 90) / 70, dy = ((double)y - 108) / 85,
                       dx = ((double)x - 90) / 65;
                double bump = 0.04 * sin(0.3 * (double)x) * sin(0.25 * (double)y);
                double ez = ((double)z - 91.5) / 69, ey = ((double)y - 107) / 86,
                       ex = ((double)x - 90.5) / 64.5;
                size_t i = (z * NY + y) * NX + x;
                sa[i] = dz * dz + dy * dy + dx * dx <= 1 + bump;
                sb[i] = ez * ez + ey * ey + ex * ex <= 1 - bump;
            }
    dump(dir, "seg_a.u8", sa, N);
    dump(dir, "seg_b.u8", sb, N);
    struct mrv_array r, o;
    size_t dims[3] = {NZ, NY, NX};
    mrv_array_borrow(&r, MRV_U8, 3, dims, sa);
    mrv_array_borrow(&o, MRV_U8, 3, dims, sb);
    struct mrv_metric_value v = {0};
    double best = INFINITY;
    for (int k = 0; k < 3; k++) {
        double t0 = now();
        mrv_metric_hd95.compute(&r, &o, NULL, &v, NULL);
        best = fmin(best, now() - t0);
    }
    /* one measurement, joined with both peers (cropped as MONAI, and scipy
     * on the whole volume) */
    printf("hd95_brain %.6g %.12f\n", best, v.value);
    printf("hd95_brain_fullvol %.6g %.12f\n", best, v.value);
    /* The same pair under DeepMind surface-distance's convention (corner
     * surfels weighted by marching-cubes area), through the full metric
     * arguments (compute() takes MONAI's defaults). */
    struct mrv_metric_args args;
    const double sp[3] = {1, 1, 1};
    mrv_metric_args_init(&args, &r, &o, sp);
    args.surface = MRV_SURFACE_DEEPMIND;
    best = INFINITY;
    for (int k = 0; k < 3; k++) {
        double t0 = now();
        mrv_metric_hd95.eval(&args, &v, NULL);
        best = fmin(best, now() - t0);
    }
    printf("hd95_brain_deepmind %.6g %.12f\n", best, v.value);
    free(sa);
    free(sb);
    return 0;
}
