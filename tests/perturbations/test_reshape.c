/* Shape-changing families (perturbations/reshape.h) against laws:
 * compression to all coils is lossless (RSS and the SENSE combination
 * sum_v conj(S'_v) x'_v / sum_v |S'_v|^2 give back the image); a subset
 * carries exactly the kept channels and their maps; resolution truncation
 * followed by Fourier interpolation reproduces a band-limited image, and
 * the coarse image is the function sampled on the coarser pixels
 * (sqrt(n/n') brighter per axis, the orthonormal convention); the Nyquist
 * split of Fourier interpolation matches a hand-worked cosine; zero-filled
 * resolution equals gibbs with axes = 1; maps keep their values; one plan
 * on two threads and a reused plan give a fresh plan's bytes; misuse. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "perturbations/families.h"
#include "perturbations/reshape.h"
#include "pert_fixture.h"

/* Plan `pert` at params p for c's k-space, run its reshape (allocating),
 * destroy the plan. */
static void reshape_run(const struct mrv_perturbation *pert, const double *p, uint64_t seed,
                        const struct mrv_case *c, const uint8_t *mask, struct mrv_array *k,
                        struct mrv_array *m, struct mrv_reshape_io *io, struct mrv_drawn *d)
{
    struct mrv_error err = {0};
    void *plan;
    assert_ok(pert->plan(&c->kspace, p, &plan, &err), &err);
    *io = (struct mrv_reshape_io){.kspace = &c->kspace, .maps = &c->coil_maps, .mask = mask,
                                  .kspace_out = k, .maps_out = m};
    *d = (struct mrv_drawn){0};
    assert_ok(mrv_reshape_run(pert, plan, seed, c, io, d, &err), &err);
    pert->destroy(plan);
}

static void test_compress_all_coils_lossless(void **state)
{
    (void)state;
    size_t n = 48, nc = 6, np = n * n;
    struct mrv_case c;
    pf_phantom(&c, n, (int)nc);
    struct mrv_array k, m;
    struct mrv_reshape_io io;
    struct mrv_drawn d;
    reshape_run(&mrv_pert_coil_compress, (double[]){1.0, 0, 0}, 1, &c, NULL, &k, &m, &io, &d);
    assert_int_equal(k.dims[1], nc);
    assert_close(pf_drawn(&d, "energy_kept"), 1.0, 1e-9);
    assert_close(pf_drawn(&d, "coils_out"), (double)nc, 0);
    float a[48 * 48] = {0}, b[48 * 48] = {0};
    pf_rss(&c.kspace, a);
    pf_rss(&k, b);
    for (size_t i = 0; i < np; i++)
        assert_close(b[i], a[i], 1e-5);
    /* SENSE combination with the compressed maps gives the object back */
    struct mrv_error err = {0};
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){n, n}, &f, &err), &err);
    mrv_fft_inverse(f, k.data, nc);
    mrv_fft_destroy(f);
    const float complex *x = k.data, *S = m.data;
    const float *obj = c.reference.data;
    for (size_t i = 0; i < np; i++) {
        double complex num = 0;
        double den = 0;
        for (size_t v = 0; v < nc; v++) {
            num += conj(S[v * np + i]) * x[v * np + i];
            den += (double)cabsf(S[v * np + i]) * cabsf(S[v * np + i]);
        }
        if (den > 1e-3)
            assert_close(cabs(num / den), obj[i], 1e-5);
    }
    mrv_array_free(&k);
    mrv_array_free(&m);
    mrv_case_free(&c);
}

/* Fewer virtual coils keep less energy, and the energies the family reports
 * are those of the columns the mask says were acquired. */
static void test_compress_energy_and_mask(void **state)
{
    (void)state;
    size_t n = 32, nc = 8;
    struct mrv_case c;
    pf_phantom(&c, n, (int)nc);
    double prev = 1.0 + 1e-12;
    for (size_t K = nc; K >= 1; K--) {
        struct mrv_array k, m;
        struct mrv_reshape_io io;
        struct mrv_drawn d;
        reshape_run(&mrv_pert_coil_compress, (double[]){0.5, (double)K}, 1, &c, NULL, &k, &m,
                    &io, &d);
        double e = pf_drawn(&d, "energy_kept"), kept = 0, total = 0;
        const float complex *y = k.data, *x = c.kspace.data;
        for (size_t i = 0; i < K * n * n; i++)
            kept += (double)cabsf(y[i]) * cabsf(y[i]);
        for (size_t i = 0; i < nc * n * n; i++)
            total += (double)cabsf(x[i]) * cabsf(x[i]);
        assert_close(e, kept / total, 1e-5); /* energy carried = energy reported */
        assert_true(e <= prev);
        prev = e;
        mrv_array_free(&k);
        mrv_array_free(&m);
    }
    /* a mask: the covariance comes from the acquired columns only */
    uint8_t mask[32] = {0};
    for (size_t x = 12; x < 20; x++)
        mask[x] = 1;
    struct mrv_array k, m;
    struct mrv_reshape_io io;
    struct mrv_drawn d;
    reshape_run(&mrv_pert_coil_compress, (double[]){0.5, 3}, 1, &c, mask, &k, &m, &io, &d);
    double kept = 0, total = 0;
    const float complex *y = k.data, *x = c.kspace.data;
    for (size_t i = 0; i < 3 * n * n; i++)
        kept += mask[i % n] ? (double)cabsf(y[i]) * cabsf(y[i]) : 0;
    for (size_t i = 0; i < nc * n * n; i++)
        total += mask[i % n] ? (double)cabsf(x[i]) * cabsf(x[i]) : 0;
    assert_close(pf_drawn(&d, "energy_kept"), kept / total, 1e-5);
    mrv_array_free(&k);
    mrv_array_free(&m);
    mrv_case_free(&c);
}

static void test_subset_exact_coils(void **state)
{
    (void)state;
    size_t n = 24, nc = 8, np = n * n;
    struct mrv_case c;
    pf_phantom(&c, n, (int)nc);
    for (int block = 0; block <= 1; block++)
        for (uint64_t seed = 1; seed <= 6; seed++) {
            struct mrv_array k, m, k2, m2;
            struct mrv_reshape_io io, io2;
            struct mrv_drawn d, d2;
            const double p[] = {0.5, 0, block};
            reshape_run(&mrv_pert_coil_subset, p, seed, &c, NULL, &k, &m, &io, &d);
            reshape_run(&mrv_pert_coil_subset, p, seed, &c, NULL, &k2, &m2, &io2, &d2);
            assert_int_equal(io.nkept, 4);
            assert_int_equal(k.dims[1], 4);
            assert_memory_equal(k.data, k2.data, mrv_array_nbytes(&k)); /* same seed */
            for (size_t v = 0; v < io.nkept; v++) {
                assert_true(io.kept[v] < nc);
                if (v)
                    assert_true(io.kept[v] > io.kept[v - 1]); /* distinct, in array order */
                assert_memory_equal((float complex *)k.data + v * np,
                                    (float complex *)c.kspace.data + io.kept[v] * np,
                                    np * sizeof(float complex));
                assert_memory_equal((float complex *)m.data + v * np,
                                    (float complex *)c.coil_maps.data + io.kept[v] * np,
                                    np * sizeof(float complex));
            }
            if (block) { /* adjacent indices (mod nc) from first_coil */
                size_t first = (size_t)pf_drawn(&d, "first_coil"), hits = 0;
                for (size_t v = 0; v < 4; v++)
                    for (size_t j = 0; j < 4; j++)
                        hits += io.kept[v] == (first + j) % nc;
                assert_int_equal(hits, 4);
            }
            mrv_array_free(&k);
            mrv_array_free(&m);
            mrv_array_free(&k2);
            mrv_array_free(&m2);
        }
    mrv_case_free(&c);
}

/* f(y, x) = sum of cosines with frequencies below the Nyquist of the
 * coarse grid; positions in pixels of the full grid from its centre. */
static double bandlimited(double y, double x, double n)
{
    const double w = 2 * M_PI / n;
    return 1.0 + 0.5 * cos(w * 3 * x + 0.3) + 0.25 * cos(w * (5 * y - 7 * x) + 1.1) +
           0.2 * sin(w * 9 * y);
}

static void test_truncate_then_interpolate(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    size_t n = 64, h = 32, np = n * n;
    float complex *obj = malloc(np * sizeof *obj);
    for (size_t y = 0; y < n; y++)
        for (size_t x = 0; x < n; x++)
            obj[y * n + x] = (float)bandlimited((double)y - 32, (double)x - 32, (double)n);
    struct mrv_case c;
    pf_case(&c, n, n, 1, obj, 1.0, 1.0);
    struct mrv_array k, m;
    struct mrv_reshape_io io;
    struct mrv_drawn d;
    reshape_run(&mrv_pert_resolution, (double[]){0.5, 0, 0}, 1, &c, NULL, &k, &m, &io, &d);
    assert_int_equal(k.ndim, 3);
    assert_int_equal(k.dims[1], h);
    assert_int_equal(k.dims[2], h);
    assert_close(pf_drawn(&d, "dx_mm"), 2.0, 1e-12);
    struct mrv_fft *f;
    assert_ok(mrv_fft_plan_create(2, (size_t[]){h, h}, &f, &err), &err);
    mrv_fft_inverse(f, k.data, 1);
    mrv_fft_destroy(f);
    /* the coarse image is f on pixels twice as wide, times sqrt(2) per axis */
    struct mrv_array coarse, fine;
    assert_ok(mrv_array_alloc(&coarse, MRV_F32, 3, (size_t[]){1, h, h}, &err), &err);
    assert_ok(mrv_array_alloc(&fine, MRV_F32, 3, (size_t[]){1, n, n}, &err), &err);
    const float complex *z = k.data;
    float *cv = coarse.data;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < h; x++) {
            double want = 2.0 * bandlimited(2.0 * ((double)y - 16), 2.0 * ((double)x - 16),
                                            (double)n);
            assert_close(crealf(z[y * h + x]), want, 1e-4);
            assert_close(cimagf(z[y * h + x]), 0, 1e-4);
            cv[y * h + x] = crealf(z[y * h + x]);
        }
    struct mrv_resize *r;
    assert_ok(mrv_resize_plan_create(h, h, n, n, &r, &err), &err);
    assert_ok(mrv_resize_execute(r, &coarse, &fine, &err), &err);
    const float *fv = fine.data;
    for (size_t i = 0; i < np; i++)
        assert_close(fv[i], crealf(obj[i]), 1e-5);
    /* wrong shapes are refused */
    assert_int_equal(mrv_resize_execute(r, &fine, &coarse, &err), MRV_EINVAL);
    mrv_resize_destroy(r);
    assert_int_equal(mrv_resize_plan_create(8, 8, 4, 8, &r, &err), MRV_EINVAL);
    mrv_array_free(&coarse);
    mrv_array_free(&fine);
    mrv_array_free(&k);
    mrv_case_free(&c);
    free(obj);
}

/* (-1)^x on 8 columns (all energy in the Nyquist bin), constant over 4
 * rows, to 16 x 8: the Nyquist bin split in halves at +-4 cycles gives
 * cos(pi (k - 8) / 2) on the fine columns (as scipy.signal.resample), and
 * the orthonormal scale sqrt(4/8) sqrt(8/16) = 1/2. */
static void test_interpolation_nyquist(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_array in, out;
    assert_ok(mrv_array_alloc(&in, MRV_F32, 3, (size_t[]){2, 4, 8}, &err), &err);
    assert_ok(mrv_array_alloc(&out, MRV_F32, 3, (size_t[]){2, 8, 16}, &err), &err);
    float *x = in.data;
    for (size_t i = 0; i < 2 * 4 * 8; i++)
        x[i] = (i % 8) % 2 ? -1.0f : 1.0f;
    struct mrv_resize *r;
    assert_ok(mrv_resize_plan_create(4, 8, 8, 16, &r, &err), &err);
    assert_ok(mrv_resize_execute(r, &in, &out, &err), &err);
    const float *o = out.data;
    for (size_t i = 0; i < 2 * 8 * 16; i++)
        assert_close(o[i], 0.5 * cos(M_PI * ((double)(i % 16) - 8) / 2), 1e-6);
    mrv_resize_destroy(r);
    mrv_array_free(&in);
    mrv_array_free(&out);
}

/* zero_fill = 1 is gibbs with axes = 1 at the same fraction (even sizes),
 * and so is resolution_zf in place;
 * coil maps keep their values on the smaller grid. */
static void test_zero_fill_and_maps(void **state)
{
    (void)state;
    size_t n = 40;
    struct mrv_case c;
    pf_phantom(&c, n, 4);
    const double f = 0.45;
    struct mrv_array k, m, g;
    struct mrv_reshape_io io;
    struct mrv_drawn d;
    reshape_run(&mrv_pert_resolution, (double[]){f, 0, 1}, 1, &c, NULL, &k, &m, &io, &d);
    pf_run(&mrv_pert_gibbs, (double[]){f, 1}, 1, &c, &g, &d);
    assert_true(mrv_array_same_shape(&k, &c.kspace));
    assert_memory_equal(k.data, g.data, mrv_array_nbytes(&g));
    assert_memory_equal(m.data, c.coil_maps.data, mrv_array_nbytes(&m));
    mrv_array_free(&g);
    /* resolution_zf: the same, in place */
    pf_run(&mrv_pert_resolution_zf, (double[]){f, 0}, 1, &c, &g, &d);
    assert_memory_equal(k.data, g.data, mrv_array_nbytes(&g));
    assert_close(pf_drawn(&d, "nx_acquired"), 18, 0); /* round(0.45 * 40) */
    pf_determinism(&mrv_pert_resolution_zf, mrv_pert_resolution_zf.severity[2], &c, 0);
    mrv_array_free(&k);
    mrv_array_free(&m);
    mrv_array_free(&g);
    /* truncation: a constant map stays that constant */
    float complex *S = c.coil_maps.data;
    for (size_t coil = 0; coil < 4; coil++)
        for (size_t i = 0; i < n * n; i++)
            S[coil * n * n + i] = (0.3f + 0.1f * (float)coil) * cexpf(0.7f * I);
    reshape_run(&mrv_pert_resolution, (double[]){0.5, 1, 0}, 1, &c, NULL, &k, &m, &io, &d);
    assert_int_equal(m.dims[2], n);      /* axes = 1: readout kept */
    assert_int_equal(m.dims[3], n / 2);
    const float complex *s2 = m.data;
    size_t half = n * (n / 2);
    for (size_t coil = 0; coil < 4; coil++)
        for (size_t i = 0; i < half; i++)
            assert_close(cabsf(s2[coil * half + i] - (0.3f + 0.1f * (float)coil) *
                                                         cexpf(0.7f * I)),
                         0, 1e-5);
    mrv_array_free(&k);
    mrv_array_free(&m);
    mrv_case_free(&c);
}

struct shared {
    const struct mrv_perturbation *pert;
    const void *plan;
    const struct mrv_case *c;
    struct mrv_array k, m;
    enum mrv_status st;
};

static void *run_shared(void *arg)
{
    struct shared *sh = arg;
    struct mrv_error err = {0};
    struct mrv_drawn d = {0};
    for (int r = 0; r < 4 && sh->st == MRV_OK; r++) {
        struct mrv_reshape_io io = {.kspace = &sh->c->kspace, .maps = &sh->c->coil_maps,
                                    .kspace_out = &sh->k, .maps_out = &sh->m};
        sh->st = sh->pert->reshape->execute(sh->plan, 5, sh->c, &io, &d, &err);
    }
    return NULL;
}

/* One plan shared by two threads, and a plan reused after another seed,
 * give the bytes of a fresh plan (each family, severity 3). */
static void test_determinism_threads(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    pf_phantom(&c, 32, 6);
    const struct mrv_perturbation *fams[] = {&mrv_pert_coil_compress, &mrv_pert_coil_subset,
                                             &mrv_pert_resolution};
    for (int f = 0; f < 3; f++) {
        const struct mrv_perturbation *pert = fams[f];
        struct mrv_array k0, m0;
        struct mrv_reshape_io io;
        struct mrv_drawn d;
        reshape_run(pert, pert->severity[2], 5, &c, NULL, &k0, &m0, &io, &d);
        void *plan;
        assert_ok(pert->plan(&c.kspace, pert->severity[2], &plan, &err), &err);
        struct shared sh[2];
        pthread_t th[2];
        for (int t = 0; t < 2; t++) {
            sh[t] = (struct shared){.pert = pert, .plan = plan, .c = &c, .st = MRV_OK};
            assert_ok(mrv_array_alloc(&sh[t].k, MRV_C64, 4, k0.dims, &err), &err);
            assert_ok(mrv_array_alloc(&sh[t].m, MRV_C64, 4, m0.dims, &err), &err);
            /* a reused plan: another seed first */
            struct mrv_reshape_io o = {.kspace = &c.kspace, .maps = &c.coil_maps,
                                       .kspace_out = &sh[t].k, .maps_out = &sh[t].m};
            assert_ok(pert->reshape->execute(plan, 99, &c, &o, &d, &err), &err);
        }
        for (int t = 0; t < 2; t++)
            assert_int_equal(pthread_create(&th[t], NULL, run_shared, &sh[t]), 0);
        for (int t = 0; t < 2; t++) {
            pthread_join(th[t], NULL);
            assert_int_equal(sh[t].st, MRV_OK);
            assert_memory_equal(sh[t].k.data, k0.data, mrv_array_nbytes(&k0));
            assert_memory_equal(sh[t].m.data, m0.data, mrv_array_nbytes(&m0));
            mrv_array_free(&sh[t].k);
            mrv_array_free(&sh[t].m);
        }
        pert->destroy(plan);
        mrv_array_free(&k0);
        mrv_array_free(&m0);
    }
    mrv_case_free(&c);
}

static void test_misuse(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    pf_phantom(&c, 16, 4);
    void *plan;
    /* more coils than the case has */
    assert_int_equal(mrv_pert_coil_compress.plan(&c.kspace, (double[]){0.5, 5}, &plan, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "has 4 coils"));
    /* in place: refused, naming why */
    assert_ok(mrv_pert_coil_subset.plan(&c.kspace, (double[]){0.5, 0, 0}, &plan, &err), &err);
    struct mrv_drawn d = {0};
    assert_int_equal(mrv_pert_coil_subset.execute(plan, 1, &c, &c.kspace, &d, &err),
                     MRV_EMISUSE);
    assert_non_null(strstr(err.msg, "changes the array shapes"));
    /* an output of the wrong shape */
    struct mrv_array wrong;
    assert_ok(mrv_array_alloc(&wrong, MRV_C64, 4, (size_t[]){1, 3, 16, 16}, &err), &err);
    struct mrv_reshape_io io = {.kspace = &c.kspace, .kspace_out = &wrong};
    assert_int_equal(mrv_pert_coil_subset.reshape->execute(plan, 1, &c, &io, &d, &err),
                     MRV_EINVAL);
    mrv_pert_coil_subset.destroy(plan);
    mrv_array_free(&wrong);
    /* single-coil k-space: no coil count to change */
    struct mrv_array one;
    assert_ok(mrv_array_alloc(&one, MRV_C64, 3, (size_t[]){1, 16, 16}, &err), &err);
    assert_int_equal(mrv_pert_coil_compress.plan(&one, (double[]){0.5, 0}, &plan, &err),
                     MRV_EINVAL);
    mrv_array_free(&one);
    /* a family without reshape */
    assert_ok(mrv_pert_scale.plan(&c.kspace, (double[]){0.5}, &plan, &err), &err);
    struct mrv_array k = {0};
    io = (struct mrv_reshape_io){.kspace = &c.kspace, .kspace_out = &k};
    assert_int_equal(mrv_reshape_run(&mrv_pert_scale, plan, 1, &c, &io, &d, &err),
                     MRV_EMISUSE);
    mrv_pert_scale.destroy(plan);
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compress_all_coils_lossless),
        cmocka_unit_test(test_compress_energy_and_mask),
        cmocka_unit_test(test_subset_exact_coils),
        cmocka_unit_test(test_truncate_then_interpolate),
        cmocka_unit_test(test_interpolation_nyquist),
        cmocka_unit_test(test_zero_fill_and_maps),
        cmocka_unit_test(test_determinism_threads),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
