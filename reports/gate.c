/* The regression gate (reports/gate.h): pairing, per-case aggregation, the
 * decision, and its JUnit / Markdown outputs. */
#include "reports/gate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/stats.h"
#include "core/strbuf.h"

const char *mrv_verdict_name(enum mrv_verdict v)
{
    switch (v) {
    case MRV_VERDICT_PASS: return "pass";
    case MRV_VERDICT_FAIL: return "FAIL";
    case MRV_VERDICT_INSUFFICIENT: return "INSUFFICIENT";
    }
    return "?";
}

size_t mrv_gate_min_cases(double confidence)
{
    if (!(confidence > 0 && confidence < 1))
        return 2;
    size_t n = (size_t)ceil(log2(1.0 / (1.0 - confidence)) - 1e-12);
    return n < 2 ? 2 : n;
}

enum mrv_status mrv_gate_decide(const struct mrv_gate_rule *rule,
                                const struct mrv_gate_config *cfg, const double *cand,
                                const double *base, size_t n, struct mrv_gate_outcome *out,
                                struct mrv_error *err)
{
    memset(out, 0, sizeof *out);
    out->n_cases = n;
    out->observed = out->lo = out->hi = out->baseline = out->wilcoxon_p = NAN;
    if (!(cfg->confidence > 0.5 && cfg->confidence < 1))
        return mrv_error_set(err, MRV_EINVAL, "gate: confidence %g, expected in (0.5, 1)",
                             cfg->confidence);
    double sign = rule->higher_is_better ? 1.0 : -1.0;
    double level = 2.0 * cfg->confidence - 1.0; /* one-sided c = two-sided 2c - 1 */
    uint64_t seed = mrv_seed_derive(cfg->seed, rule->name, "gate", 0, 0);
    size_t need = mrv_gate_min_cases(cfg->confidence);
    enum mrv_status s = MRV_OK;
    if (n > 0) {
        double sb = 0;
        for (size_t i = 0; i < n; i++)
            sb += base ? base[i] : 0;
        out->baseline = base ? sb / (double)n : NAN;
    }
    if (rule->kind == MRV_GATE_NONINFERIORITY) {
        out->limit = -rule->margin;
        double *d = malloc((n ? n : 1) * sizeof *d);
        if (!d)
            return mrv_error_set(err, MRV_ENOMEM, "gate: out of memory");
        for (size_t i = 0; i < n; i++)
            d[i] = sign * (cand[i] - base[i]);
        struct mrv_ci ci;
        s = mrv_stats_bootstrap_mean(d, n, level, cfg->resamples, MRV_CI_BCA, seed, &ci, err);
        if (s == MRV_OK) {
            out->observed = ci.estimate;
            out->lo = ci.lo;
            out->hi = ci.hi;
            struct mrv_test_result w;
            if (n >= 1 && mrv_stats_wilcoxon(d, NULL, n, MRV_TWO_SIDED, MRV_WILCOXON_AUTO, &w,
                                             NULL) == MRV_OK)
                out->wilcoxon_p = w.pvalue;
        }
        free(d);
        if (s != MRV_OK)
            return s;
        if (n < need || isnan(out->lo)) {
            out->verdict = MRV_VERDICT_INSUFFICIENT;
            snprintf(out->detail, sizeof out->detail,
                     "%zu paired cases; at least %zu are needed for %.0f %% confidence", n,
                     need, 100 * cfg->confidence);
        } else if (out->lo > out->limit) {
            out->verdict = MRV_VERDICT_PASS;
            snprintf(out->detail, sizeof out->detail,
                     "lower %.0f %% bound of the change %.4g is above -margin %.4g",
                     100 * cfg->confidence, out->lo, out->limit);
        } else {
            out->verdict = MRV_VERDICT_FAIL;
            snprintf(out->detail, sizeof out->detail,
                     "lower %.0f %% bound of the change %.4g is not above -margin %.4g "
                     "(mean change %.4g, %s is better)",
                     100 * cfg->confidence, out->lo, out->limit, out->observed,
                     rule->higher_is_better ? "higher" : "lower");
        }
        return MRV_OK;
    }
    if (rule->kind == MRV_GATE_FLOOR) {
        out->limit = rule->floor;
        struct mrv_ci ci;
        s = mrv_stats_bootstrap_mean(cand, n, level, cfg->resamples, MRV_CI_BCA, seed, &ci,
                                     err);
        if (s != MRV_OK)
            return s;
        out->observed = ci.estimate;
        out->lo = ci.lo;
        out->hi = ci.hi;
        double bound = rule->higher_is_better ? ci.lo : ci.hi;
        if (n < need || isnan(bound)) {
            out->verdict = MRV_VERDICT_INSUFFICIENT;
            snprintf(out->detail, sizeof out->detail,
                     "%zu cases; at least %zu are needed for %.0f %% confidence", n, need,
                     100 * cfg->confidence);
        } else if (rule->higher_is_better ? bound >= rule->floor : bound <= rule->floor) {
            out->verdict = MRV_VERDICT_PASS;
            snprintf(out->detail, sizeof out->detail, "%s %.0f %% bound %.4g is %s floor %.4g",
                     rule->higher_is_better ? "lower" : "upper", 100 * cfg->confidence, bound,
                     rule->higher_is_better ? "at or above" : "at or below", rule->floor);
        } else {
            out->verdict = MRV_VERDICT_FAIL;
            snprintf(out->detail, sizeof out->detail,
                     "%s %.0f %% bound %.4g is %s floor %.4g (mean %.4g)",
                     rule->higher_is_better ? "lower" : "upper", 100 * cfg->confidence, bound,
                     rule->higher_is_better ? "below" : "above", rule->floor, out->observed);
        }
        return MRV_OK;
    }
    return mrv_error_set(err, MRV_EINVAL, "gate: rule '%s' is not a paired rule", rule->name);
}

/* ---- collecting values from the store -------------------------------------- */

struct value {
    char *key;     /* dataset \x1f case \x1f family \x1f severity \x1f repeat \x1f seed */
    char *casekey; /* dataset \x1f case */
    int severity;
    double v;
};

struct values {
    const struct mrv_gate_rule *rule;
    struct value *a;
    size_t n, cap;
    int oom;
};

static int meta_matches(const char *json, const char *key, const char *value)
{
    if (!*key)
        return 1;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_json_string(&b, key);
    mrv_strbuf_append(&b, ":");
    mrv_strbuf_json_string(&b, value);
    int hit = mrv_strbuf_ok(&b) && strstr(json, mrv_strbuf_str(&b)) != NULL;
    mrv_strbuf_free(&b);
    return hit;
}

static int selected(const struct mrv_gate_rule *r, const struct mrv_value_row *row)
{
    int is_clean = strcmp(row->family, "none") == 0;
    if (*r->family && strcmp(row->family, r->family) != 0 && !(is_clean && r->sev_min == 0))
        return 0;
    if (row->severity < r->sev_min || row->severity > r->sev_max)
        return 0;
    return meta_matches(row->metadata, r->subgroup_key, r->subgroup_value);
}

static void collect(void *ctx, const struct mrv_value_row *row)
{
    struct values *vs = ctx;
    if (vs->oom || !isfinite(row->value) || !selected(vs->rule, row))
        return;
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 256;
        struct value *a = realloc(vs->a, cap * sizeof *a);
        if (!a) {
            vs->oom = 1;
            return;
        }
        vs->a = a;
        vs->cap = cap;
    }
    char key[1024], ck[600];
    snprintf(ck, sizeof ck, "%s\x1f%s", row->dataset, row->case_key);
    snprintf(key, sizeof key, "%s\x1f%s\x1f%02d\x1f%06d\x1f%020llu", ck, row->family,
             row->severity, row->repeat, (unsigned long long)row->seed);
    struct value *v = &vs->a[vs->n];
    v->key = strdup(key);
    v->casekey = strdup(ck);
    v->severity = row->severity;
    v->v = vs->rule->absolute ? fabs(row->value) : row->value;
    if (!v->key || !v->casekey) {
        free(v->key);
        free(v->casekey);
        vs->oom = 1;
        return;
    }
    vs->n++;
}

static void values_free(struct values *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->a[i].key);
        free(vs->a[i].casekey);
    }
    free(vs->a);
}

static int by_key(const void *x, const void *y)
{
    return strcmp(((const struct value *)x)->key, ((const struct value *)y)->key);
}

static enum mrv_status load(struct mrv_store *db, int64_t run, const struct mrv_gate_rule *r,
                            struct values *vs, struct mrv_error *err)
{
    memset(vs, 0, sizeof *vs);
    vs->rule = r;
    enum mrv_status s = mrv_store_values(db, run, r->metric, collect, vs, err);
    if (s == MRV_OK && vs->oom)
        s = mrv_error_set(err, MRV_ENOMEM, "gate: out of memory");
    if (s == MRV_OK)
        qsort(vs->a, vs->n, sizeof *vs->a, by_key);
    return s;
}

/* Breakdown severity of one run: the lowest severity whose per-case mean
 * is on the wrong side of the threshold; 6 when none is. */
static int breakdown(const struct values *vs, const struct mrv_gate_rule *r)
{
    for (int sev = 0; sev <= 5; sev++) {
        double sum = 0, case_sum = 0;
        size_t cases = 0, in_case = 0;
        const char *cur = NULL;
        for (size_t i = 0; i <= vs->n; i++) {
            const struct value *v = i < vs->n ? &vs->a[i] : NULL;
            if (v && v->severity != sev)
                continue;
            if (cur && (!v || strcmp(v->casekey, cur) != 0)) {
                sum += case_sum / (double)in_case;
                cases++;
                case_sum = 0;
                in_case = 0;
            }
            if (!v)
                break;
            cur = v->casekey;
            case_sum += v->v;
            in_case++;
        }
        if (!cases)
            continue;
        double mean = sum / (double)cases;
        if (r->higher_is_better ? mean < r->threshold : mean > r->threshold)
            return sev;
    }
    return 6;
}

enum mrv_status mrv_gate_evaluate(struct mrv_store *base_db, int64_t base_run,
                                  struct mrv_store *cand_db, int64_t cand_run,
                                  const struct mrv_gate_config *cfg,
                                  const struct mrv_gate_rule *rules, size_t nrules,
                                  struct mrv_gate_outcome *out, struct mrv_error *err)
{
    for (size_t k = 0; k < nrules; k++) {
        const struct mrv_gate_rule *r = &rules[k];
        struct values b, c;
        enum mrv_status s = load(base_db, base_run, r, &b, err);
        if (s == MRV_OK)
            s = load(cand_db, cand_run, r, &c, err);
        else
            memset(&c, 0, sizeof c);
        if (s == MRV_OK && r->kind == MRV_GATE_BREAKDOWN) {
            memset(&out[k], 0, sizeof out[k]);
            int bb = breakdown(&b, r), cb = breakdown(&c, r);
            out[k].baseline = bb;
            out[k].observed = cb;
            out[k].limit = bb - r->max_drop;
            out[k].lo = out[k].hi = out[k].wilcoxon_p = NAN;
            out[k].n_values = c.n;
            for (size_t i = 0; i < c.n; i++) /* sorted: a case's values are adjacent */
                out[k].n_cases += i == 0 || strcmp(c.a[i].casekey, c.a[i - 1].casekey) != 0;
            out[k].verdict = !c.n || !b.n ? MRV_VERDICT_INSUFFICIENT
                             : cb >= bb - r->max_drop ? MRV_VERDICT_PASS
                                                      : MRV_VERDICT_FAIL;
            snprintf(out[k].detail, sizeof out[k].detail,
                     "breakdown severity %d (candidate) vs %d (baseline), at most %d level(s) "
                     "lower allowed; 6 = never below %.4g",
                     cb, bb, r->max_drop, r->threshold);
        } else if (s == MRV_OK) {
            /* merge-join the sorted values, then average per case */
            double *cv = malloc((c.n ? c.n : 1) * sizeof *cv);
            double *bv = malloc((c.n ? c.n : 1) * sizeof *bv);
            size_t i = 0, j = 0, ncase = 0, npair = 0, in_case = 0;
            double cs = 0, bs = 0;
            const char *cur = NULL;
            if (!cv || !bv)
                s = mrv_error_set(err, MRV_ENOMEM, "gate: out of memory");
            while (s == MRV_OK && i < c.n && j < b.n) {
                int cmp = strcmp(c.a[i].key, b.a[j].key);
                if (cmp < 0) {
                    i++;
                } else if (cmp > 0) {
                    j++;
                } else {
                    if (cur && strcmp(cur, c.a[i].casekey) != 0) {
                        cv[ncase] = cs / (double)in_case;
                        bv[ncase++] = bs / (double)in_case;
                        cs = bs = 0;
                        in_case = 0;
                    }
                    cur = c.a[i].casekey;
                    cs += c.a[i].v;
                    bs += b.a[j].v;
                    in_case++;
                    npair++;
                    i++;
                    j++;
                }
            }
            if (s == MRV_OK && in_case) {
                cv[ncase] = cs / (double)in_case;
                bv[ncase++] = bs / (double)in_case;
            }
            if (s == MRV_OK)
                s = mrv_gate_decide(r, cfg, cv, bv, ncase, &out[k], err);
            out[k].n_values = npair;
            free(cv);
            free(bv);
        }
        values_free(&b);
        values_free(&c);
        if (s != MRV_OK)
            return s;
    }
    return MRV_OK;
}

/* ---- outputs ---------------------------------------------------------------- */

static void xml(struct mrv_strbuf *b, const char *s)
{
    mrv_strbuf_html(b, s); /* &, <, >, ", ' escaped: valid in XML text and attributes */
}

static enum mrv_status write_atomic(const char *path, const struct mrv_strbuf *b,
                                    struct mrv_error *err)
{
    if (!mrv_strbuf_ok(b))
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot write: %s", path, strerror(errno));
    int ok = fputs(mrv_strbuf_str(b), f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return mrv_error_set(err, MRV_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    return MRV_OK;
}

static void numbers(struct mrv_strbuf *b, const struct mrv_gate_outcome *o)
{
    mrv_strbuf_printf(b, "observed %.6g, bound interval [%.6g, %.6g], limit %.6g, "
                         "baseline %.6g, Wilcoxon p %.4g, %zu cases (%zu paired values): %s",
                      o->observed, o->lo, o->hi, o->limit, o->baseline, o->wilcoxon_p,
                      o->n_cases, o->n_values, o->detail);
}

enum mrv_status mrv_gate_write_junit(const char *path, const char *suite,
                                     const struct mrv_gate_rule *rules,
                                     const struct mrv_gate_outcome *out, size_t n,
                                     double seconds, struct mrv_error *err)
{
    size_t failures = 0;
    for (size_t i = 0; i < n; i++)
        failures += out[i].verdict != MRV_VERDICT_PASS;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
    xml(&b, suite);
    mrv_strbuf_printf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
                      n, failures, seconds);
    mrv_strbuf_append(&b, "  <testsuite name=\"");
    xml(&b, suite);
    mrv_strbuf_printf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" "
                          "time=\"%.3f\">\n", n, failures, seconds);
    for (size_t i = 0; i < n; i++) {
        mrv_strbuf_append(&b, "    <testcase classname=\"mrvet.gate\" name=\"");
        xml(&b, rules[i].name);
        mrv_strbuf_append(&b, "\" time=\"0\"");
        if (out[i].verdict == MRV_VERDICT_PASS) {
            mrv_strbuf_append(&b, ">\n      <system-out>");
            struct mrv_strbuf t;
            mrv_strbuf_init(&t);
            numbers(&t, &out[i]);
            xml(&b, mrv_strbuf_str(&t));
            mrv_strbuf_free(&t);
            mrv_strbuf_append(&b, "</system-out>\n    </testcase>\n");
        } else {
            mrv_strbuf_printf(&b, ">\n      <failure type=\"%s\" message=\"",
                              out[i].verdict == MRV_VERDICT_FAIL ? "regression"
                                                                 : "insufficient-evidence");
            xml(&b, out[i].detail);
            mrv_strbuf_append(&b, "\">");
            struct mrv_strbuf t;
            mrv_strbuf_init(&t);
            numbers(&t, &out[i]);
            xml(&b, mrv_strbuf_str(&t));
            mrv_strbuf_free(&t);
            mrv_strbuf_append(&b, "</failure>\n    </testcase>\n");
        }
    }
    mrv_strbuf_append(&b, "  </testsuite>\n</testsuites>\n");
    enum mrv_status s = write_atomic(path, &b, err);
    mrv_strbuf_free(&b);
    return s;
}

static void md_cell(struct mrv_strbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            mrv_strbuf_append(b, "\\|");
        else if (*s == '\n')
            mrv_strbuf_append(b, " ");
        else
            mrv_strbuf_printf(b, "%c", *s);
    }
}

enum mrv_status mrv_gate_write_markdown(const char *path, const char *title,
                                        const struct mrv_gate_rule *rules,
                                        const struct mrv_gate_outcome *out, size_t n,
                                        struct mrv_error *err)
{
    size_t failures = 0;
    for (size_t i = 0; i < n; i++)
        failures += out[i].verdict != MRV_VERDICT_PASS;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_printf(&b, "### %s %s\n\n", failures ? ":x:" : ":white_check_mark:",
                      failures ? "mrvet gate: FAILED" : "mrvet gate: passed");
    md_cell(&b, title);
    mrv_strbuf_append(&b, "\n\n| rule | verdict | cases | observed | bound interval | limit "
                          "| Wilcoxon p |\n|---|---|---:|---:|---|---:|---:|\n");
    for (size_t i = 0; i < n; i++) {
        mrv_strbuf_append(&b, "| ");
        md_cell(&b, rules[i].name);
        mrv_strbuf_printf(&b, " | **%s** | %zu | %.4g | [%.4g, %.4g] | %.4g | %.3g |\n",
                          mrv_verdict_name(out[i].verdict), out[i].n_cases, out[i].observed,
                          out[i].lo, out[i].hi, out[i].limit, out[i].wilcoxon_p);
    }
    mrv_strbuf_printf(&b, "\n%zu of %zu rules passed.\n", n - failures, n);
    enum mrv_status s = write_atomic(path, &b, err);
    mrv_strbuf_free(&b);
    return s;
}
