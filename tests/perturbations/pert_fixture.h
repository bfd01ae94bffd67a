/* tests/perturbations/pert_fixture.h — synthetic cases with known physics
 * for the perturbation tests (header-only: each test is one executable). */
#ifndef MRV_TESTS_PERT_FIXTURE_H
#define MRV_TESTS_PERT_FIXTURE_H

#include <complex.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case.h"
#include "core/fft.h"
#include "datasets/coils.h"
#include "datasets/phantom.h"
#include "perturbations/perturb.h"
#include "tests_util.h"

/* A Gaussian blob of width sigma (px) centred at (cy, cx) (pixel indices). */
static inline double pf_blob(double y, double x, double cy, double cx, double sigma)
{
    double r2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
    return exp(-r2 / (2.0 * sigma * sigma));
}

/* Two coils with RSS exactly 1: S0 = cos(a) e^{i p}, S1 = sin(a) e^{-i p},
 * a and p smooth in the image; coil 0 bright on the left, coil 1 right. */
static inline void pf_maps(size_t ny, size_t nx, float complex *maps)
{
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
            double a = 0.25 * M_PI + 0.6 * ((double)x / (double)nx - 0.5);
            double p = 0.8 * ((double)y / (double)ny - 0.5);
            maps[y * nx + x] = (float)(cos(a) * cos(p)) + I * (float)(cos(a) * sin(p));
            maps[ny * nx + y * nx + x] =
                (float)(sin(a) * cos(p)) - I * (float)(sin(a) * sin(p));
        }
}

/* A case holding `obj` (ny x nx complex) seen by `coils` (1: no maps, the
 * k-space is single-coil (1, ny, nx); 2: pf_maps, (1, 2, ny, nx)).
 * Reference = RSS of the coil images; spacing (5, dy, dx). */
static inline void pf_case(struct mrv_case *c, size_t ny, size_t nx, int coils,
                           const float complex *obj, double dy, double dx)
{
    struct mrv_error err = {0};
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "synthetic");
    c->task = MRV_TASK_RECONSTRUCTION;
    c->spacing[0] = 5.0;
    c->spacing[1] = dy;
    c->spacing[2] = dx;
    size_t np = ny * nx;
    size_t rd[3] = {1, ny, nx};
    assert_ok(mrv_array_alloc(&c->reference, MRV_F32, 3, rd, &err), &err);
    if (coils == 1) {
        size_t kd[3] = {1, ny, nx};
        assert_ok(mrv_array_alloc(&c->kspace, MRV_C64, 3, kd, &err), &err);
        memcpy(c->kspace.data, obj, np * sizeof *obj);
    } else {
        size_t kd[4] = {1, 2, ny, nx};
        assert_ok(mrv_array_alloc(&c->kspace, MRV_C64, 4, kd, &err), &err);
        assert_ok(mrv_array_alloc(&c->coil_maps, MRV_C64, 4, kd, &err), &err);
        float complex *S = c->coil_maps.data, *k = c->kspace.data;
        pf_maps(ny, nx, S);
        for (size_t i = 0; i < 2 * np; i++)
            k[i] = S[i] * obj[i % np];
    }
    float *ref = c->reference.data;
    for (size_t i = 0; i < np; i++)
        ref[i] = cabsf(obj[i]);
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){ny, nx}, &f, &err), &err);
    mrv_fft_forward(f, c->kspace.data, coils == 1 ? 1 : 2);
    mrv_fft_destroy(f);
}

/* The 2D modified Shepp-Logan phantom (n x n, 220 mm FOV) seen by
 * `coils` simulated coils (datasets/coils.h), like the phantom data set. */
static inline void pf_phantom(struct mrv_case *c, size_t n, int coils)
{
    struct mrv_error err = {0};
    float *img = malloc(n * n * sizeof *img);
    float complex *obj = malloc(n * n * sizeof *obj);
    mrv_phantom_shepp_logan_2d(n, n, img);
    for (size_t i = 0; i < n * n; i++)
        obj[i] = img[i];
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "phantom");
    c->spacing[0] = 5.0;
    c->spacing[1] = c->spacing[2] = 220.0 / (double)n;
    size_t kd[4] = {1, (size_t)coils, n, n}, rd[3] = {1, n, n};
    assert_ok(mrv_array_alloc(&c->kspace, MRV_C64, 4, kd, &err), &err);
    assert_ok(mrv_array_alloc(&c->coil_maps, MRV_C64, 4, kd, &err), &err);
    assert_ok(mrv_array_alloc(&c->reference, MRV_F32, 3, rd, &err), &err);
    float complex *S = c->coil_maps.data, *k = c->kspace.data;
    assert_ok(mrv_coils_simulate(coils, n, n, S, &err), &err);
    for (size_t i = 0; i < (size_t)coils * n * n; i++)
        k[i] = S[i] * obj[i % (n * n)];
    memcpy(c->reference.data, img, n * n * sizeof *img);
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){n, n}, &f, &err), &err);
    mrv_fft_forward(f, k, (size_t)coils);
    mrv_fft_destroy(f);
    free(img);
    free(obj);
}

/* RSS image of k-space (slices=1) into out[ny*nx]. */
static inline void pf_rss(const struct mrv_array *k, float *out)
{
    struct mrv_error err = {0};
    size_t ny = k->dims[k->ndim - 2], nx = k->dims[k->ndim - 1], np = ny * nx;
    size_t nc = k->ndim == 4 ? k->dims[1] : 1;
    struct mrv_array t;
    assert_ok(mrv_array_copy(&t, k, &err), &err);
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){ny, nx}, &f, &err), &err);
    mrv_fft_inverse(f, t.data, nc * k->dims[0]);
    mrv_fft_destroy(f);
    const float complex *d = t.data;
    for (size_t i = 0; i < np; i++) {
        double s = 0;
        for (size_t c = 0; c < nc; c++)
            s += (double)crealf(d[c * np + i]) * crealf(d[c * np + i]) +
                 (double)cimagf(d[c * np + i]) * cimagf(d[c * np + i]);
        out[i] = (float)sqrt(s);
    }
    mrv_array_free(&t);
}

/* Centroid (cy, cx) of w = img^2. */
static inline void pf_centroid(const float *img, size_t ny, size_t nx, double *cy, double *cx)
{
    double s = 0, sy = 0, sx = 0;
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
            double w = (double)img[y * nx + x] * img[y * nx + x];
            s += w;
            sy += w * (double)y;
            sx += w * (double)x;
        }
    *cy = sy / s;
    *cx = sx / s;
}

/* Plan, copy the case's k-space, execute, destroy: the perturbed copy. */
static inline void pf_run(const struct mrv_perturbation *pert, const double *p, uint64_t seed,
                          const struct mrv_case *c, struct mrv_array *out,
                          struct mrv_drawn *drawn)
{
    struct mrv_error err = {0};
    void *plan;
    assert_ok(pert->plan(&c->kspace, p, &plan, &err), &err);
    assert_ok(mrv_array_copy(out, &c->kspace, &err), &err);
    memset(drawn, 0, sizeof *drawn);
    assert_ok(pert->execute(plan, seed, c, out, drawn, &err), &err);
    pert->destroy(plan);
}

/* The value a family drew under `name` (fails the test if absent). */
static inline double pf_drawn(const struct mrv_drawn *d, const char *name)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->names[i], name) == 0)
            return d->values[i];
    fail_msg("drawn value %s missing", name);
    return NAN;
}

/* Relative L2 distance of two k-spaces. */
static inline double pf_rel_dist(const struct mrv_array *a, const struct mrv_array *b)
{
    const float complex *x = a->data, *y = b->data;
    double num = 0, den = 0;
    for (size_t i = 0; i < mrv_array_count(a); i++) {
        num += (double)cabsf(x[i] - y[i]) * cabsf(x[i] - y[i]);
        den += (double)cabsf(y[i]) * cabsf(y[i]);
    }
    return sqrt(num / den);
}

/* The shared determinism laws for a family with parameters p on case c:
 * same seed -> same bytes, another seed -> other bytes (if `random`),
 * a plan reused for a second call equals a fresh plan, and two threads
 * sharing one plan each get what a lone call gets. */
struct pf_job {
    const struct mrv_perturbation *pert;
    const void *plan;
    const struct mrv_case *c;
    uint64_t seed;
    struct mrv_array out;
};

static inline void *pf_thread(void *arg)
{
    struct pf_job *j = arg;
    struct mrv_error err = {0};
    struct mrv_drawn d = {0};
    if (mrv_array_copy(&j->out, &j->c->kspace, &err) == MRV_OK)
        j->pert->execute(j->plan, j->seed, j->c, &j->out, &d, &err);
    return NULL;
}

static inline void pf_determinism(const struct mrv_perturbation *pert, const double *p,
                                  const struct mrv_case *c, int random)
{
    struct mrv_error err = {0};
    struct mrv_array a, b, x;
    struct mrv_drawn d;
    pf_run(pert, p, 7, c, &a, &d);
    pf_run(pert, p, 7, c, &b, &d);
    assert_memory_equal(a.data, b.data, mrv_array_nbytes(&a));
    if (random) {
        pf_run(pert, p, 8, c, &x, &d);
        assert_memory_not_equal(a.data, x.data, mrv_array_nbytes(&a));
        mrv_array_free(&x);
    }
    /* reused plan: run seed 8 first, then seed 7 must equal the fresh a */
    void *plan;
    assert_ok(pert->plan(&c->kspace, p, &plan, &err), &err);
    struct pf_job jobs[2] = {{pert, plan, c, 8, {0}}, {pert, plan, c, 7, {0}}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, pf_thread, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_memory_equal(a.data, jobs[1].out.data, mrv_array_nbytes(&a));
    mrv_array_free(&b);
    assert_ok(mrv_array_copy(&b, &c->kspace, &err), &err);
    memset(&d, 0, sizeof d);
    assert_ok(pert->execute(plan, 7, c, &b, &d, &err), &err);
    assert_memory_equal(a.data, b.data, mrv_array_nbytes(&a));
    pert->destroy(plan);
    for (int i = 0; i < 2; i++)
        mrv_array_free(&jobs[i].out);
    mrv_array_free(&a);
    mrv_array_free(&b);
}

/* Severity is monotone on average: the mean over `nseeds` seeds of the
 * relative distance of the RSS image from the clean RSS image (what a
 * reader sees; phase-only changes do not count) grows with every step.
 * Returns nothing; fails with the offending severities. */
static inline void pf_severity_monotone(const struct mrv_perturbation *pert,
                                        const struct mrv_case *c, int nseeds)
{
    size_t np = c->kspace.dims[c->kspace.ndim - 2] * c->kspace.dims[c->kspace.ndim - 1];
    float *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
    pf_rss(&c->kspace, a);
    double den = 0;
    for (size_t i = 0; i < np; i++)
        den += (double)a[i] * a[i];
    double prev = 0;
    for (int sev = 0; sev < MRV_SEVERITY_MAX; sev++) {
        double mean = 0;
        for (int r = 0; r < nseeds; r++) {
            struct mrv_array k;
            struct mrv_drawn d;
            pf_run(pert, pert->severity[sev], 1000 + (uint64_t)r * 7919, c, &k, &d);
            pf_rss(&k, b);
            double num = 0;
            for (size_t i = 0; i < np; i++)
                num += ((double)b[i] - a[i]) * ((double)b[i] - a[i]);
            mean += sqrt(num / den) / nseeds;
            mrv_array_free(&k);
        }
        if (!(mean > prev))
            fail_msg("%s: severity %d deviation %g not above severity %d's %g", pert->name,
                     sev + 1, mean, sev, prev);
        prev = mean;
    }
    free(a);
    free(b);
}

#endif
