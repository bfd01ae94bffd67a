/* reports/gate.h — the regression gate: pre-stated acceptance rules checked
 * on a baseline and a candidate run, paired case by case.
 *
 * Pairing: a candidate value and a baseline value pair when they share
 * (dataset, case, perturbation family, severity, repeat, seed) — the same
 * input, perturbed identically — and both are finite. Each rule selects
 * values (metric, optional family, severity range, subgroup), averages them
 * per case, and decides on the per-case numbers: the case (patient,
 * volume) is the unit of analysis, never the slice or the noise draw.
 *
 * Rule kinds (docs/gate.md):
 *   non-inferiority  d_i = candidate_i - baseline_i, sign flipped for
 *                    lower-is-better metrics so d > 0 is always "better";
 *                    PASS when the one-sided lower confidence bound of
 *                    mean(d) (paired bootstrap, BCa, seeded) is > -margin.
 *   floor            PASS when the one-sided confidence bound of the
 *                    candidate's mean is on the good side of the floor
 *                    (lower bound >= floor, or upper bound <= floor for
 *                    lower-is-better metrics).
 *   breakdown        breakdown severity = the lowest severity of `family`
 *                    whose mean falls on the wrong side of `threshold`
 *                    (6 when none does); PASS when the candidate's is at
 *                    most `max_drop` levels below the baseline's.
 * A rule with fewer paired cases than ceil(log2(1 / (1 - confidence)))
 * (the fewest with which any paired test can reach the confidence: an
 * exact sign test with all n signs agreeing has p = 2^-n) is INSUFFICIENT,
 * which fails the gate: too little evidence never passes silently.
 * The Wilcoxon signed-rank p-value of d is reported beside every paired
 * rule.
 */
#ifndef MRV_REPORTS_GATE_H
#define MRV_REPORTS_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum mrv_gate_kind {
    MRV_GATE_NONINFERIORITY = 1,
    MRV_GATE_FLOOR = 2,
    MRV_GATE_BREAKDOWN = 3
};

struct mrv_gate_rule {
    char name[160];          /* shown in the table and as the JUnit test name */
    enum mrv_gate_kind kind;
    char metric[64];
    bool higher_is_better;   /* the metric's direction */
    bool absolute;           /* score |value| (metrics whose best is 0, e.g. a
                                signed volume difference), lower is better */
    char family[64];         /* "" = every family, the clean input included */
    int sev_min, sev_max;    /* severity range, inclusive (0..5 = all) */
    char subgroup_key[32];   /* "" = every case; else case metadata key ... */
    char subgroup_value[128];/* ... that must equal this */
    double margin;           /* non-inferiority: allowed worsening, >= 0 */
    double floor;            /* floor */
    double threshold;        /* breakdown */
    int max_drop;            /* breakdown: allowed drop in severity levels */
};

struct mrv_gate_config {
    double confidence;       /* one-sided, e.g. 0.95 */
    int resamples;           /* bootstrap resamples, e.g. 9999 */
    uint64_t seed;           /* bootstrap stream (< 2^63) */
};

enum mrv_verdict { MRV_VERDICT_PASS = 0, MRV_VERDICT_FAIL = 1, MRV_VERDICT_INSUFFICIENT = 2 };

struct mrv_gate_outcome {
    enum mrv_verdict verdict;
    size_t n_cases;          /* paired cases the rule used */
    size_t n_values;         /* paired values before per-case averaging */
    double observed;         /* mean(d), candidate mean, or candidate breakdown severity */
    double lo, hi;           /* one-sided bound's interval: [lo, hi] at 2c-1 two-sided */
    double limit;            /* -margin, the floor, or baseline breakdown - max_drop */
    double baseline;         /* baseline mean (paired cases) or breakdown severity */
    double wilcoxon_p;       /* two-sided p of d; NaN when not applicable */
    char detail[256];        /* one sentence: why */
};

/* Fewest paired cases for `confidence` (see above). */
size_t mrv_gate_min_cases(double confidence);

/* Decide a paired rule (non-inferiority or floor) on per-case values
 * cand[i], base[i] (i < n). Pure; for tests and for mrv_gate_evaluate. */
enum mrv_status mrv_gate_decide(const struct mrv_gate_rule *rule,
                                const struct mrv_gate_config *cfg, const double *cand,
                                const double *base, size_t n, struct mrv_gate_outcome *out,
                                struct mrv_error *err);

/* Evaluate every rule on run `base_run` of `base_db` against run
 * `cand_run` of `cand_db` (the two stores may be the same handle). */
enum mrv_status mrv_gate_evaluate(struct mrv_store *base_db, int64_t base_run,
                                  struct mrv_store *cand_db, int64_t cand_run,
                                  const struct mrv_gate_config *cfg,
                                  const struct mrv_gate_rule *rules, size_t nrules,
                                  struct mrv_gate_outcome *out, struct mrv_error *err);

/* Verdict name: "pass", "FAIL", "INSUFFICIENT". */
const char *mrv_verdict_name(enum mrv_verdict v);

/* JUnit XML (one testsuite, one testcase per rule, <failure> with the
 * numbers for FAIL and INSUFFICIENT), as GitLab, Jenkins and GitHub test
 * reporters read it. Written to a temp file and renamed. */
enum mrv_status mrv_gate_write_junit(const char *path, const char *suite,
                                     const struct mrv_gate_rule *rules,
                                     const struct mrv_gate_outcome *out, size_t n,
                                     double seconds, struct mrv_error *err);

/* A Markdown table for a merge-request comment. */
enum mrv_status mrv_gate_write_markdown(const char *path, const char *title,
                                        const struct mrv_gate_rule *rules,
                                        const struct mrv_gate_outcome *out, size_t n,
                                        struct mrv_error *err);

#endif
