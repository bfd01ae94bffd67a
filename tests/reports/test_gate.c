/* The gate against known truth: synthetic stores where the candidate is
 * equal, uniformly worse, or worse only under one perturbation; and the
 * decision's error rates over many seeds. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "reports/gate.h"
#include "store/store.h"
#include "tests_util.h"

#define NCASES 20

/* baseline SSIM of (case, family, severity): falls with severity */
static double truth(int c, int sev)
{
    return 0.95 - 0.05 * sev - 0.002 * c;
}

/* A store with runs "baseline" and "candidate": noise 1..5 and motion 1..5,
 * 2 repeats, plus the clean input. The candidate is the baseline plus
 * `shift(family, severity)` plus small per-value noise (sd 0.002). */
static struct mrv_store *make_store(const char *path, double (*shift)(const char *, int),
                                    int64_t *base, int64_t *cand)
{
    struct mrv_error err = {0};
    struct mrv_store *s;
    assert_ok(mrv_store_open(path, &s, &err), &err);
    struct mrv_run_info info = {.study = "gate-test", .seed = 1, .config_json = "{}"};
    info.model = "baseline";
    assert_ok(mrv_store_run_begin(s, &info, base, &err), &err);
    info.model = "candidate";
    assert_ok(mrv_store_run_begin(s, &info, cand, &err), &err);
    struct mrv_rng st;
    gsl_rng *rng = mrv_rng_init(&st, 99);
    const char *families[] = {"none", "noise", "motion"};
    assert_ok(mrv_store_begin(s, &err), &err);
    for (int c = 0; c < NCASES; c++) {
        char key[32], meta[64];
        snprintf(key, sizeof key, "case%02d", c);
        snprintf(meta, sizeof meta, "{\"vendor\":\"%s\"}", c % 2 ? "A" : "B");
        int64_t cid;
        assert_ok(mrv_store_case(s, "synthetic", key, NULL, meta, &cid, &err), &err);
        for (int f = 0; f < 3; f++)
            for (int sev = f ? 1 : 0; sev <= (f ? 5 : 0); sev++)
                for (int rep = 0; rep < (f ? 2 : 1); rep++) {
                    int64_t pid;
                    assert_ok(mrv_store_perturbation(s, cid, families[f], sev, rep,
                                                     (uint64_t)(c * 100 + sev * 10 + rep), "{}",
                                                     &pid, &err),
                              &err);
                    double b = truth(c, sev) + gsl_ran_gaussian(rng, 0.002);
                    double d = shift(families[f], sev) + gsl_ran_gaussian(rng, 0.002);
                    assert_ok(mrv_store_result(s, *base, cid, pid, "ssim", b, NULL, &err), &err);
                    assert_ok(mrv_store_result(s, *cand, cid, pid, "ssim", b + d, NULL, &err),
                              &err);
                }
    }
    assert_ok(mrv_store_commit(s, &err), &err);
    return s;
}

static double no_shift(const char *f, int sev)
{
    (void)f, (void)sev;
    return 0;
}

static double worse_002(const char *f, int sev)
{
    (void)f, (void)sev;
    return -0.02;
}

static double worse_motion5(const char *f, int sev)
{
    return strcmp(f, "motion") == 0 && sev == 5 ? -0.05 : 0;
}

static struct mrv_gate_rule rule(const char *name, const char *family, int lo, int hi,
                                 double margin)
{
    struct mrv_gate_rule r = {.kind = MRV_GATE_NONINFERIORITY, .higher_is_better = true,
                              .sev_min = lo, .sev_max = hi, .margin = margin};
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(r.metric, sizeof r.metric, "ssim");
    snprintf(r.family, sizeof r.family, "%s", family);
    return r;
}

static const struct mrv_gate_config cfg = {.confidence = 0.95, .resamples = 1999, .seed = 5};

static void run_rules(double (*shift)(const char *, int), const struct mrv_gate_rule *rules,
                      size_t n, struct mrv_gate_outcome *out)
{
    char path[600];
    snprintf(path, sizeof path, "%s/gate.db", tu_tmpdir());
    int64_t base, cand;
    struct mrv_store *s = make_store(path, shift, &base, &cand);
    struct mrv_error err = {0};
    assert_ok(mrv_gate_evaluate(s, base, s, cand, &cfg, rules, n, out, &err), &err);
    mrv_store_close(s);
}

static void test_equal_candidate_passes(void **state)
{
    (void)state;
    struct mrv_gate_rule rules[] = {rule("all", "", 0, 5, 0.01), rule("noise", "noise", 1, 5, 0.01)};
    struct mrv_gate_outcome out[2];
    run_rules(no_shift, rules, 2, out);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(out[i].verdict, MRV_VERDICT_PASS);
        assert_int_equal(out[i].n_cases, NCASES); /* the unit is the case */
        assert_close(out[i].observed, 0.0, 0.002);
    }
    assert_int_equal(out[0].n_values, NCASES * 21); /* clean + 2 families x 5 x 2 */
}

static void test_uniformly_worse_fails(void **state)
{
    (void)state;
    struct mrv_gate_rule r = rule("all", "", 0, 5, 0.01);
    struct mrv_gate_outcome out;
    run_rules(worse_002, &r, 1, &out);
    assert_int_equal(out.verdict, MRV_VERDICT_FAIL);
    assert_close(out.observed, -0.02, 0.002);
    assert_true(out.lo < -0.01);
    assert_non_null(strstr(out.detail, "not above -margin"));
}

/* Worse only under motion at severity 5: only the rule covering it fails. */
static void test_worse_only_under_motion_5(void **state)
{
    (void)state;
    struct mrv_gate_rule rules[] = {
        rule("noise", "noise", 1, 5, 0.01),
        rule("motion 1-4", "motion", 1, 4, 0.01),
        rule("motion 5", "motion", 5, 5, 0.01),
    };
    struct mrv_gate_outcome out[3];
    run_rules(worse_motion5, rules, 3, out);
    assert_int_equal(out[0].verdict, MRV_VERDICT_PASS);
    assert_int_equal(out[1].verdict, MRV_VERDICT_PASS);
    assert_int_equal(out[2].verdict, MRV_VERDICT_FAIL);
    assert_close(out[2].observed, -0.05, 0.003);
}

/* Subgroups select by case metadata; breakdown severity by hand:
 * mean baseline SSIM at severity s is 0.95 - 0.05 s - 0.019 (mean of
 * 0.002 c, c = 0..19), below 0.78 first at s = 4 (0.731; s = 3: 0.781);
 * the motion-5 candidate is 0.05 lower at 5 only: still 4. */
static void test_subgroup_and_breakdown(void **state)
{
    (void)state;
    struct mrv_gate_rule rules[3] = {rule("vendor A", "", 0, 5, 0.01)};
    snprintf(rules[0].subgroup_key, sizeof rules[0].subgroup_key, "vendor");
    snprintf(rules[0].subgroup_value, sizeof rules[0].subgroup_value, "A");
    rules[1] = (struct mrv_gate_rule){.kind = MRV_GATE_BREAKDOWN, .higher_is_better = true,
                                      .sev_min = 0, .sev_max = 5, .threshold = 0.78,
                                      .max_drop = 0};
    snprintf(rules[1].metric, sizeof rules[1].metric, "ssim");
    snprintf(rules[1].family, sizeof rules[1].family, "motion");
    snprintf(rules[1].name, sizeof rules[1].name, "breakdown");
    rules[2] = rules[1];
    rules[2].threshold = 0.71; /* baseline 0.681 at 5 -> breaks at 5; candidate too */
    struct mrv_gate_outcome out[3];
    run_rules(worse_motion5, rules, 3, out);
    assert_int_equal(out[0].n_cases, NCASES / 2);
    assert_int_equal(out[1].baseline, 4);
    assert_int_equal(out[1].observed, 4);
    assert_int_equal(out[1].verdict, MRV_VERDICT_PASS);
    assert_int_equal(out[2].baseline, 5);
    assert_int_equal(out[2].verdict, MRV_VERDICT_PASS);
}

static void test_min_cases_and_insufficient(void **state)
{
    (void)state;
    /* 2^-n <= 1 - c: n >= log2(20) = 4.32 -> 5; log2(100) = 6.64 -> 7 */
    assert_int_equal(mrv_gate_min_cases(0.95), 5);
    assert_int_equal(mrv_gate_min_cases(0.99), 7);
    struct mrv_gate_rule r = rule("few", "", 0, 5, 0.01);
    double a[4] = {0.9, 0.91, 0.92, 0.93}, b[4] = {0.9, 0.91, 0.92, 0.93};
    struct mrv_gate_outcome out;
    struct mrv_error err = {0};
    assert_ok(mrv_gate_decide(&r, &cfg, a, b, 4, &out, &err), &err);
    assert_int_equal(out.verdict, MRV_VERDICT_INSUFFICIENT);
    assert_non_null(strstr(out.detail, "at least 5"));
    assert_ok(mrv_gate_decide(&r, &cfg, a, b, 0, &out, &err), &err);
    assert_int_equal(out.verdict, MRV_VERDICT_INSUFFICIENT);
}

/* Error rates of the decision over 200 seeds, 30 cases, margin 0.01:
 * pure noise (sd 0.01 per case) passes >= 95 % of the time; a true drop
 * of 0.02 fails >= 95 % of the time; a lower-is-better metric is signed
 * the other way. */
static void test_error_rates_over_seeds(void **state)
{
    (void)state;
    struct mrv_gate_config c = {.confidence = 0.95, .resamples = 999};
    struct mrv_gate_rule r = rule("rate", "", 0, 5, 0.01);
    struct mrv_gate_rule lower = r;
    lower.higher_is_better = false;
    int pass_null = 0, fail_drop = 0, pass_lower = 0;
    struct mrv_error err = {0};
    for (int seed = 0; seed < 200; seed++) {
        struct mrv_rng st;
        gsl_rng *g = mrv_rng_init(&st, (uint64_t)seed + 1000);
        double base[30], same[30], drop[30], rise[30];
        for (int i = 0; i < 30; i++) {
            base[i] = 0.8 + gsl_ran_gaussian(g, 0.05);
            same[i] = base[i] + gsl_ran_gaussian(g, 0.01);
            drop[i] = base[i] - 0.02 + gsl_ran_gaussian(g, 0.01);
            rise[i] = base[i] - 0.005 + gsl_ran_gaussian(g, 0.002); /* better if lower */
        }
        c.seed = (uint64_t)seed;
        struct mrv_gate_outcome o;
        assert_ok(mrv_gate_decide(&r, &c, same, base, 30, &o, &err), &err);
        pass_null += o.verdict == MRV_VERDICT_PASS;
        assert_ok(mrv_gate_decide(&r, &c, drop, base, 30, &o, &err), &err);
        fail_drop += o.verdict == MRV_VERDICT_FAIL;
        assert_ok(mrv_gate_decide(&lower, &c, rise, base, 30, &o, &err), &err);
        pass_lower += o.verdict == MRV_VERDICT_PASS && o.observed > 0;
    }
    assert_true(pass_null >= 190);
    assert_true(fail_drop >= 190);
    assert_true(pass_lower >= 190);
}

static void test_junit_and_markdown(void **state)
{
    (void)state;
    struct mrv_gate_rule rules[2] = {rule("a <b> & \"c\"", "", 0, 5, 0.01),
                                     rule("second", "", 0, 5, 0.01)};
    struct mrv_gate_outcome out[2] = {{.verdict = MRV_VERDICT_PASS},
                                      {.verdict = MRV_VERDICT_FAIL, .detail = "x < y"}};
    char path[600], md[600];
    const char *dir = tu_tmpdir();
    snprintf(path, sizeof path, "%s/junit.xml", dir);
    snprintf(md, sizeof md, "%s/gate.md", dir);
    struct mrv_error err = {0};
    assert_ok(mrv_gate_write_junit(path, "suite", rules, out, 2, 0.5, &err), &err);
    assert_ok(mrv_gate_write_markdown(md, "title | x", rules, out, 2, &err), &err);
    FILE *f = fopen(path, "r");
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "tests=\"2\" failures=\"1\""));
    assert_non_null(strstr(buf, "name=\"a &lt;b&gt; &amp; &quot;c&quot;\""));
    assert_non_null(strstr(buf, "<failure type=\"regression\" message=\"x &lt; y\">"));
    assert_int_equal(mrv_gate_write_junit("/nonexistent/dir/j.xml", "s", rules, out, 2, 0, &err),
                     MRV_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/j.xml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_candidate_passes),
        cmocka_unit_test(test_uniformly_worse_fails),
        cmocka_unit_test(test_worse_only_under_motion_5),
        cmocka_unit_test(test_subgroup_and_breakdown),
        cmocka_unit_test(test_min_cases_and_insufficient),
        cmocka_unit_test(test_error_rates_over_seeds),
        cmocka_unit_test(test_junit_and_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
