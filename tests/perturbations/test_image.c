/* Every k-space family on magnitude images through the adapter: the laws
 * survive the round trip (ghost replicas of amplitude s/P, translation by
 * the mm asked), every registered k-space family runs and returns a finite
 * non-negative image, deterministic, misuse refused. */
#include <stdlib.h>

#include "perturbations/families.h"
#include "perturbations/image.h"
#include "perturbations/motion.h"
#include "perturbations/noise.h"
#include "pert_fixture.h"

#define NY 48
#define NX 40

static void image_case(struct mrv_case *c, double cy, double cx, double sigma)
{
    struct mrv_error err = {0};
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "image");
    c->task = MRV_TASK_SEGMENTATION;
    c->spacing[0] = 5;
    c->spacing[1] = 1.0;
    c->spacing[2] = 1.25;
    assert_ok(mrv_array_alloc(&c->reference, MRV_F32, 3, (size_t[]){1, NY, NX}, &err), &err);
    float *v = c->reference.data;
    for (size_t y = 0; y < NY; y++)
        for (size_t x = 0; x < NX; x++)
            v[y * NX + x] = (float)pf_blob((double)y, (double)x, cy, cx, sigma);
}

static void run(const struct mrv_perturbation *pert, const double *p, uint64_t seed,
                const struct mrv_case *c, struct mrv_array *out, struct mrv_drawn *d)
{
    struct mrv_error err = {0};
    struct mrv_image_plan *ip;
    assert_ok(mrv_image_plan_create(pert, &c->reference, p, &ip, &err), &err);
    assert_ok(mrv_array_copy(out, &c->reference, &err), &err);
    memset(d, 0, sizeof *d);
    assert_ok(mrv_image_execute(ip, seed, c, out, d, &err), &err);
    mrv_image_plan_destroy(ip);
}

static void test_ghost_law(void **state)
{
    (void)state;
    struct mrv_case c;
    image_case(&c, 24, 10, 1.5);
    double p[] = {0.6, 4};
    struct mrv_array o;
    struct mrv_drawn d;
    run(&mrv_pert_ghosting, p, 2, &c, &o, &d);
    const float *v = o.data;
    assert_close(v[24 * NX + 10], 1 - 0.15, 1e-4);
    for (int j = 1; j < 4; j++)
        assert_close(v[24 * NX + (10 + j * 10) % NX], 0.15, 1e-4);
    mrv_array_free(&o);
    mrv_case_free(&c);
}

static void test_translation_law(void **state)
{
    (void)state;
    struct mrv_case c;
    image_case(&c, 22.4, 19.1, 3.0);
    double p[] = {2.9, 0, MRV_MOTION_STATIC, 0, 3};
    struct mrv_array o;
    struct mrv_drawn d;
    run(&mrv_pert_motion, p, 4, &c, &o, &d);
    double phi = pf_drawn(&d, "direction_deg") * M_PI / 180, ay, ax, by, bx;
    pf_centroid(c.reference.data, NY, NX, &ay, &ax);
    pf_centroid(o.data, NY, NX, &by, &bx);
    assert_close(by - ay, 2.9 * sin(phi) / 1.0, 2e-3);
    assert_close(bx - ax, 2.9 * cos(phi) / 1.25, 2e-3);
    mrv_array_free(&o);
    mrv_case_free(&c);
}

static void test_every_family(void **state)
{
    (void)state;
    struct mrv_case c;
    image_case(&c, 24, 20, 6.0);
    int n;
    const struct mrv_perturbation *const *list = mrv_perturbation_list(&n);
    int ran = 0;
    for (int i = 0; i < n; i++) {
        const struct mrv_perturbation *pert = list[i];
        if (pert->domain != MRV_DOMAIN_KSPACE || (pert->layouts & MRV_LAYOUT_IMAGE))
            continue;
        if (pert == &mrv_pert_coil_dropout) /* needs several coils: refused */
            continue;
        if (pert == &mrv_pert_motion3dk) /* 3D k-space only: refused on images */
            continue;
        if (pert->reshape) /* changes k-space shapes: not on images */
            continue;
        struct mrv_array a, b;
        struct mrv_drawn d;
        run(pert, pert->severity[2], 9, &c, &a, &d);
        run(pert, pert->severity[2], 9, &c, &b, &d);
        assert_memory_equal(a.data, b.data, mrv_array_nbytes(&a));
        const float *v = a.data;
        for (size_t j = 0; j < NY * NX; j++)
            assert_true(isfinite(v[j]) && v[j] >= 0);
        mrv_array_free(&a);
        mrv_array_free(&b);
        ran++;
    }
    assert_true(ran >= 12);
    mrv_case_free(&c);
}

static void test_misuse(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    image_case(&c, 24, 20, 6.0);
    struct mrv_image_plan *ip;
    double p[] = {10, 0, 1};
    assert_int_equal(mrv_image_plan_create(&mrv_pert_noise, &c.reference, p, &ip, &err),
                     MRV_EMISUSE);
    double g[] = {0.5, 4};
    struct mrv_case k;
    pf_phantom(&k, 16, 2);
    assert_int_equal(mrv_image_plan_create(&mrv_pert_ghosting, &k.kspace, g, &ip, &err),
                     MRV_EINVAL);
    assert_non_null(strstr(err.msg, "magnitude image"));
    assert_ok(mrv_image_plan_create(&mrv_pert_ghosting, &c.reference, g, &ip, &err), &err);
    struct mrv_drawn d = {0};
    assert_int_equal(mrv_image_execute(ip, 1, &c, &k.reference, &d, &err), MRV_EINVAL);
    mrv_image_plan_destroy(ip);
    mrv_image_plan_destroy(NULL);
    mrv_case_free(&k);
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ghost_law),
        cmocka_unit_test(test_translation_law),
        cmocka_unit_test(test_every_family),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
