/* A chain is a perturbation: running it equals running its links one after
 * the other with the documented seeds, to the byte; it is deterministic and
 * reentrant like its links; bad links are refused by name. */
#include "perturbations/chain.h"
#include "perturbations/families.h"
#include "perturbations/motion.h"
#include "perturbations/noise.h"
#include "pert_fixture.h"

static void test_equals_sequence(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    pf_phantom(&c, 64, 4);
    const char *names[] = {"motion", "noise", "bias"};
    void *plan;
    assert_ok(mrv_chain_plan_severity(names, 3, 3, &c.kspace, &plan, &err), &err);
    struct mrv_array a, b;
    assert_ok(mrv_array_copy(&a, &c.kspace, &err), &err);
    struct mrv_drawn d = {0};
    assert_ok(mrv_pert_chain.execute(plan, 99, &c, &a, &d, &err), &err);
    /* by hand */
    assert_ok(mrv_array_copy(&b, &c.kspace, &err), &err);
    struct mrv_drawn e = {0};
    const struct mrv_perturbation *fam[] = {&mrv_pert_motion, &mrv_pert_noise, &mrv_pert_bias};
    for (int i = 0; i < 3; i++) {
        void *p;
        assert_ok(fam[i]->plan(&c.kspace, fam[i]->severity[2], &p, &err), &err);
        assert_ok(fam[i]->execute(p, mrv_chain_link_seed(99, i), &c, &b, &e, &err), &err);
        fam[i]->destroy(p);
    }
    assert_memory_equal(a.data, b.data, mrv_array_nbytes(&a));
    assert_int_equal(d.n, e.n);
    for (int i = 0; i < d.n; i++) {
        assert_string_equal(d.names[i], e.names[i]);
        assert_true(d.values[i] == e.values[i]);
    }
    pf_drawn(&d, "sigma");
    pf_drawn(&d, "max_translation_mm");
    pf_drawn(&d, "field_max");
    /* the links get different seeds */
    assert_true(mrv_chain_link_seed(99, 0) != mrv_chain_link_seed(99, 1));
    /* reused plan, same seed: same bytes */
    mrv_array_free(&b);
    assert_ok(mrv_array_copy(&b, &c.kspace, &err), &err);
    memset(&e, 0, sizeof e);
    assert_ok(mrv_pert_chain.execute(plan, 99, &c, &b, &e, &err), &err);
    assert_memory_equal(a.data, b.data, mrv_array_nbytes(&a));
    mrv_pert_chain.destroy(plan);
    mrv_array_free(&a);
    mrv_array_free(&b);
    mrv_case_free(&c);
}

static void test_refusals(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    pf_phantom(&c, 32, 2);
    void *plan;
    const char *bad[] = {"motion", "teleport"};
    assert_int_equal(mrv_chain_plan_severity(bad, 2, 1, &c.kspace, &plan, &err), MRV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "teleport"));
    assert_int_equal(mrv_chain_plan_severity(bad, 1, 6, &c.kspace, &plan, &err), MRV_EINVAL);
    double wrong[] = {-1.0, 0, 1};
    struct mrv_chain_link links[] = {{&mrv_pert_noise, wrong}};
    assert_int_equal(mrv_chain_plan(links, 1, &c.kspace, &plan, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "snr"));
    assert_int_equal(mrv_pert_chain.plan(&c.kspace, wrong, &plan, &err), MRV_EMISUSE);
    mrv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_sequence),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
