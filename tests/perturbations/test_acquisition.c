/* Acquisition shifts: the undersampling family applies exactly the mask its
 * hook reports; partial Fourier drops exactly the first n - round(f n)
 * lines; an FOV shift moves the image by the mm asked; scale is linear;
 * gamma maps the object magnitude to M (|m|/M)^g with coil maps still;
 * severity monotone; deterministic. */
#include <stdlib.h>

#include "perturbations/families.h"
#include "perturbations/mask.h"
#include "pert_fixture.h"

#define NY 48
#define NX 40

static void blob_case(struct mrv_case *c, int coils)
{
    float complex *obj = malloc(NY * NX * sizeof *obj);
    for (size_t y = 0; y < NY; y++)
        for (size_t x = 0; x < NX; x++)
            obj[y * NX + x] = (float)(pf_blob((double)y, (double)x, 22, 17, 4.0) +
                                      0.5 * pf_blob((double)y, (double)x, 30, 25, 2.0));
    pf_case(c, NY, NX, coils, obj, 1.2, 0.9);
    free(obj);
}

static void test_undersample_mask_hook(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 2);
    struct mrv_error err = {0};
    for (int kind = 0; kind <= 3; kind++) {
        double p[] = {kind, 4, 0.1};
        void *plan;
        assert_ok(mrv_pert_undersample.plan(&c.kspace, p, &plan, &err), &err);
        uint8_t m[NX];
        assert_ok(mrv_pert_undersample.mask(plan, 42, NX, m, &err), &err);
        struct mrv_array k;
        assert_ok(mrv_array_copy(&k, &c.kspace, &err), &err);
        struct mrv_drawn d = {0};
        assert_ok(mrv_pert_undersample.execute(plan, 42, &c, &k, &d, &err), &err);
        const float complex *a = c.kspace.data, *b = k.data;
        size_t ones = 0;
        for (size_t x = 0; x < NX; x++)
            ones += m[x];
        for (size_t i = 0; i < mrv_array_count(&k); i++)
            assert_true(m[i % NX] ? b[i] == a[i] : b[i] == 0.0f);
        assert_close(pf_drawn(&d, "lines_sampled"), (double)ones, 0);
        uint8_t ref[NX];
        assert_ok(mrv_mask_make((enum mrv_mask_kind)kind, NX, 4, 0.1, 42, ref, NULL, &err), &err);
        assert_memory_equal(ref, m, NX);
        mrv_array_free(&k);
        mrv_pert_undersample.destroy(plan);
    }
    mrv_case_free(&c);
}

static void test_partial_fourier_lines(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 1);
    const double f[] = {0.625, 0.5, 1.0};
    for (int axis = 0; axis <= 1; axis++)
        for (int j = 0; j < 3; j++) {
            double p[] = {f[j], axis};
            struct mrv_array k;
            struct mrv_drawn d;
            pf_run(&mrv_pert_partial_fourier, p, 0, &c, &k, &d);
            size_t n = axis ? NY : NX;
            size_t K = (size_t)nearbyint(f[j] * (double)n);
            if (K < n / 2 + 1)
                K = n / 2 + 1;
            assert_close(pf_drawn(&d, "lines_acquired"), (double)K, 0);
            const float complex *a = c.kspace.data, *b = k.data;
            for (size_t y = 0; y < NY; y++)
                for (size_t x = 0; x < NX; x++) {
                    size_t line = axis ? y : x;
                    size_t i = y * NX + x;
                    assert_true(line < n - K ? b[i] == 0.0f : b[i] == a[i]);
                }
            mrv_array_free(&k);
        }
    mrv_case_free(&c);
}

static void test_fov_shift_mm(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 2);
    double p[] = {-2.3, 3.1};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_fov_shift, p, 0, &c, &k, &d);
    float a[NY * NX], b[NY * NX];
    pf_rss(&c.kspace, a);
    pf_rss(&k, b);
    double ay, ax, by, bx;
    pf_centroid(a, NY, NX, &ay, &ax);
    pf_centroid(b, NY, NX, &by, &bx);
    assert_close(by - ay, -2.3 / 1.2, 2e-3);
    assert_close(bx - ax, 3.1 / 0.9, 2e-3);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

static void test_scale_linear(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 2);
    double p[] = {0.37};
    struct mrv_array k;
    struct mrv_drawn d;
    pf_run(&mrv_pert_scale, p, 0, &c, &k, &d);
    const float complex *a = c.kspace.data, *b = k.data;
    for (size_t i = 0; i < mrv_array_count(&k); i++)
        assert_true(b[i] == a[i] * 0.37f);
    mrv_array_free(&k);
    mrv_case_free(&c);
}

/* Real positive object, two coils with maps: RSS' = M (RSS/M)^g. */
static void test_gamma_law(void **state)
{
    (void)state;
    struct mrv_case c;
    blob_case(&c, 2);
    for (int j = 0; j < 2; j++) {
        double g = j ? 0.5 : 2.5;
        double p[] = {g};
        struct mrv_array k;
        struct mrv_drawn d;
        pf_run(&mrv_pert_gamma, p, 0, &c, &k, &d);
        float a[NY * NX], b[NY * NX];
        pf_rss(&c.kspace, a);
        pf_rss(&k, b);
        double M = 0;
        for (size_t i = 0; i < NY * NX; i++)
            M = fmax(M, a[i]);
        for (size_t i = 0; i < NY * NX; i++)
            assert_close(b[i], M * pow(a[i] / M, g), 2e-4 * M);
        mrv_array_free(&k);
    }
    mrv_case_free(&c);
}

static void test_severity_and_determinism(void **state)
{
    (void)state;
    struct mrv_case c;
    pf_phantom(&c, 64, 4);
    const struct mrv_perturbation *fam[] = {&mrv_pert_undersample, &mrv_pert_partial_fourier,
                                            &mrv_pert_fov_shift, &mrv_pert_scale,
                                            &mrv_pert_gamma};
    for (int f = 0; f < 5; f++) {
        pf_severity_monotone(fam[f], &c, f == 0 ? 6 : 1);
        pf_determinism(fam[f], fam[f]->severity[2], &c, f == 0);
        assert_ptr_equal(mrv_perturbation_find(fam[f]->name), fam[f]);
    }
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_undersample_mask_hook),
        cmocka_unit_test(test_partial_fourier_lines),
        cmocka_unit_test(test_fov_shift_mm),
        cmocka_unit_test(test_scale_linear),
        cmocka_unit_test(test_gamma_law),
        cmocka_unit_test(test_severity_and_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
