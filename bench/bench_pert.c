/* bench/bench_pert.c — speed of the perturbation families (not a test).
 *
 * Prints one line per measurement: "name milliseconds fft_sets", where
 * fft_sets is how many full sets of 2D FFTs (one per coil) the family needs
 * by design, so run_pert.sh can print time / (fft_sets x time of one set).
 *   3D: motion3d on a 181 x 217 x 181 volume, 4 segments (3 transforms).
 *   2D: every k-space family at severity 3 on a 15-coil 640 x 368 slice.
 * Times are the median of several executes on a plan made once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/array.h"
#include "core/case.h"
#include "core/fft.h"
#include "datasets/coils.h"
#include "datasets/phantom.h"
#include "perturbations/b0.h"
#include "perturbations/families.h"
#include "perturbations/motion.h"
#include "perturbations/noise.h"
#include "perturbations/reshape.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

static int die(const struct mrv_error *err)
{
    fprintf(stderr, "bench_pert: %s\n", err->msg);
    return 1;
}

/* Time `pert` at parameters p on c: median of `reps` executes. */
static int time_family(const struct mrv_perturbation *pert, const double *p,
                       const struct mrv_case *c, const struct mrv_array *in, int reps,
                       double *ms, struct mrv_drawn *drawn)
{
    struct mrv_error err = {0};
    void *plan;
    if (pert->plan(in, p, &plan, &err) != MRV_OK)
        return die(&err);
    struct mrv_array work;
    if (mrv_array_copy(&work, in, &err) != MRV_OK)
        return die(&err);
    double t[16];
    for (int r = 0; r < reps; r++) {
        memcpy(work.data, in->data, mrv_array_nbytes(in));
        memset(drawn, 0, sizeof *drawn);
        double t0 = now_ms();
        if (pert->execute(plan, 1000 + (uint64_t)r, c, &work, drawn, &err) != MRV_OK)
            return die(&err);
        t[r] = now_ms() - t0;
    }
    *ms = median(t, reps);
    pert->destroy(plan);
    mrv_array_free(&work);
    return 0;
}

/* A family that changes the shapes (perturbations/reshape.h): outputs
 * allocated once, the median of `reps` reshape executes. */
static int time_reshape(const struct mrv_perturbation *pert, const double *p,
                        const struct mrv_case *c, int reps, double *ms, struct mrv_drawn *drawn)
{
    struct mrv_error err = {0};
    void *plan;
    if (pert->plan(&c->kspace, p, &plan, &err) != MRV_OK)
        return die(&err);
    size_t d[MRV_MAX_DIMS] = {0};
    pert->reshape->dims(plan, d);
    struct mrv_array k2, m2;
    if (mrv_array_alloc(&k2, MRV_C64, c->kspace.ndim, d, &err) != MRV_OK ||
        mrv_array_alloc(&m2, MRV_C64, c->kspace.ndim, d, &err) != MRV_OK)
        return die(&err);
    double t[16];
    for (int r = 0; r < reps; r++) {
        struct mrv_reshape_io io = {.kspace = &c->kspace, .maps = &c->coil_maps,
                                    .kspace_out = &k2, .maps_out = &m2};
        memset(drawn, 0, sizeof *drawn);
        double t0 = now_ms();
        if (pert->reshape->execute(plan, 1000 + (uint64_t)r, c, &io, drawn, &err) != MRV_OK)
            return die(&err);
        t[r] = now_ms() - t0;
    }
    *ms = median(t, reps);
    pert->destroy(plan);
    mrv_array_free(&k2);
    mrv_array_free(&m2);
    return 0;
}

static int bench_3d(void)
{
    struct mrv_error err = {0};
    size_t nz = 181, ny = 217, nx = 181;
    struct mrv_case c;
    mrv_case_init(&c);
    snprintf(c.id, sizeof c.id, "bench3d");
    c.spacing[0] = c.spacing[1] = c.spacing[2] = 1.0;
    if (mrv_array_alloc(&c.reference, MRV_F32, 3, (size_t[]){nz, ny, nx}, &err) != MRV_OK)
        return die(&err);
    float *v = c.reference.data;
    for (size_t z = 0; z < nz; z++)
        mrv_phantom_shepp_logan_3d_slice(ny, nx, 2.0 * ((double)z + 0.5) / (double)nz - 1.0,
                                         v + z * ny * nx);
    double p[] = {5.0, 5.0, 3}, ms;
    struct mrv_drawn d;
    if (time_family(&mrv_pert_motion3d, p, &c, &c.reference, 3, &ms, &d))
        return 1;
    printf("motion3d %.3f 0\n", ms);
    mrv_case_free(&c);
    return 0;
}

static int bench_2d(void)
{
    struct mrv_error err = {0};
    size_t ny = 640, nx = 368, nc = 15, np = ny * nx;
    struct mrv_case c;
    mrv_case_init(&c);
    snprintf(c.id, sizeof c.id, "bench2d");
    c.spacing[0] = 5.0;
    c.spacing[1] = 0.5;
    c.spacing[2] = 0.5;
    size_t kd[4] = {1, nc, ny, nx};
    if (mrv_array_alloc(&c.kspace, MRV_C64, 4, kd, &err) != MRV_OK ||
        mrv_array_alloc(&c.coil_maps, MRV_C64, 4, kd, &err) != MRV_OK ||
        mrv_array_alloc(&c.reference, MRV_F32, 3, (size_t[]){1, ny, nx}, &err) != MRV_OK)
        return die(&err);
    float *obj = c.reference.data;
    mrv_phantom_shepp_logan_2d(ny, nx, obj);
    float complex *S = c.coil_maps.data, *k = c.kspace.data;
    if (mrv_coils_simulate((int)nc, ny, nx, S, &err) != MRV_OK)
        return die(&err);
    for (size_t i = 0; i < nc * np; i++)
        k[i] = S[i] * obj[i % np];
    struct mrv_fft *f;
    if (mrv_fft_plan_create(2, (size_t[]){ny, nx}, &f, &err) != MRV_OK)
        return die(&err);
    mrv_fft_forward(f, k, nc);
    /* one set of FFTs: all 15 coils, forward */
    double t[9];
    struct mrv_array tmp;
    if (mrv_array_copy(&tmp, &c.kspace, &err) != MRV_OK)
        return die(&err);
    for (int r = 0; r < 9; r++) {
        double t0 = now_ms();
        mrv_fft_forward(f, tmp.data, nc);
        t[r] = now_ms() - t0;
    }
    printf("fft_set %.3f 1\n", median(t, 9));
    mrv_array_free(&tmp);
    mrv_fft_destroy(f);

    int n;
    const struct mrv_perturbation *const *list = mrv_perturbation_list(&n);
    for (int i = 0; i < n; i++) {
        const struct mrv_perturbation *pert = list[i];
        if (pert->domain != MRV_DOMAIN_KSPACE)
            continue;
        if (pert->layouts && !(pert->layouts & MRV_LAYOUT_KSPACE))
            continue; /* 3D k-space only (motion3dk): not a 2D slice family */
        double ms;
        struct mrv_drawn d;
        if (pert->reshape ? time_reshape(pert, pert->severity[2], &c, 5, &ms, &d)
                          : time_family(pert, pert->severity[2], &c, &c.kspace, 5, &ms, &d))
            return 1;
        /* FFT sets each family needs by design (docs: bench/bench_pert.md) */
        double sets = 0;
        if (pert == &mrv_pert_bias || pert == &mrv_pert_gamma || pert == &mrv_pert_resolution)
            sets = 2; /* inverse + forward per coil (resolution: of the coil maps) */
        else if (pert == &mrv_pert_motion)
            sets = 2.0 + 3.0 / (double)nc; /* coil inverse + one level forward + 3 shears */
        else if (pert == &mrv_pert_b0) {
            double L = 0;
            for (int j = 0; j < d.n; j++)
                if (strcmp(d.names[j], "segments") == 0)
                    L = d.values[j];
            sets = 1.0 + 0.5 * L + 0.5; /* inverse, L half-FFTs, one half-FFT */
        }
        printf("%s %.3f %.3f\n", pert->name, ms, sets);
    }
    mrv_case_free(&c);
    return 0;
}

int main(int argc, char **argv)
{
    int only3d = argc > 1 && strcmp(argv[1], "3d") == 0;
    int only2d = argc > 1 && strcmp(argv[1], "2d") == 0;
    if (!only2d && bench_3d())
        return 1;
    if (!only3d && bench_2d())
        return 1;
    return 0;
}
