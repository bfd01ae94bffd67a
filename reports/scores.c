/* reports/scores.c — the robustness scores built on the cells: breakdown
 * severity, ROOD-MRI degradation and overall scores, ImageNet-C corruption
 * errors against a reference run, per-model summaries, subgroups by case
 * metadata, worst cases and pooled reliability bins. Definitions and
 * references are in analysis.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/analysis_internal.h"

#define OOM(a, err) mrv_error_set(err, MRV_ENOMEM, "%s: out of memory computing scores", (a)->db_path)

/* Position of case `c` in a cell's ascending case list, or -1. */
static long case_pos(const struct mrv_agg_cell *cell, uint32_t c)
{
    size_t lo = 0, hi = cell->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cell->cases[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cell->n && cell->cases[lo] == c ? (long)lo : -1;
}

static bool meets(const struct mrv_criterion *c, double mean)
{
    return c->higher_better ? mean >= c->threshold : mean <= c->threshold;
}

/* Severity indices (> 0) at which `family` has `metric` in any run: the
 * common grid every run of the family is scored on. */
static size_t family_sevs(const struct mrv_analysis *a, int32_t family, int32_t metric,
                          size_t *out)
{
    size_t k = 0;
    for (size_t s = 0; s < a->nsev; s++) {
        if (a->severities[s] <= 0)
            continue;
        for (size_t r = 0; r < a->nruns; r++)
            if (mrv_analysis_cell(a, r, family, s, metric)) {
                out[k++] = s;
                break;
            }
    }
    return k;
}

static const struct mrv_agg_cell *clean_cell(const struct mrv_analysis *a, size_t run,
                                             int32_t metric)
{
    if (a->clean_family < 0)
        return NULL;
    for (size_t s = 0; s < a->nsev; s++)
        if (a->severities[s] == 0)
            return mrv_analysis_cell(a, run, a->clean_family, s, metric);
    return NULL;
}

/* Per-case numerators and denominators of one family's (relative) CE,
 * kept until the bootstrap jobs have run (the mCE matrix is built from
 * them). `queued`: a CI job was queued, i.e. the CE is defined. */
struct ce_cases {
    uint32_t *cas; /* ascending case indices */
    double *num, *den;
    size_t n;
    bool queued;
};

static void ce_cases_free(struct ce_cases *c)
{
    free(c->cas);
    free(c->num);
    free(c->den);
    memset(c, 0, sizeof *c);
}

/* E(m) of `case` in the cell of (run, family, severity index, metric); the
 * caller has checked the case is there. */
static double case_error(const struct mrv_analysis *a, size_t run, int32_t family, size_t sev,
                         int32_t metric, uint32_t c)
{
    const struct mrv_agg_cell *cell = mrv_analysis_cell(a, run, family, sev, metric);
    return mrv_report_metric_error(a->res.metrics[metric], cell->values[case_pos(cell, c)]);
}

/* Fill `cc` with cases idx[0..n) and queue the ratio CI into `out` when
 * sum(den) > 0 (a CE needs a reference that errs / degrades); else `out`
 * is undefined with `why_den`. `rel`: subtract the clean errors (relative CE). */
static enum mrv_status ce_job(struct mrv_analysis *a, const struct mrv_agg_robust *rb,
                              const size_t *sevs, size_t ns, const uint32_t *idx, size_t n,
                              int rel, const char *what, const char *why_den,
                              struct ce_cases *cc, struct mrv_ci *out, struct mrv_ci_jobs *jobs,
                              struct mrv_error *err)
{
    size_t ref = a->reference;
    cc->cas = malloc(n * sizeof *cc->cas);
    cc->num = malloc(n * sizeof *cc->num);
    cc->den = malloc(n * sizeof *cc->den);
    if (!cc->cas || !cc->num || !cc->den)
        return OOM(a, err);
    double sden = 0;
    size_t s0 = 0;
    for (size_t s = 0; s < a->nsev; s++)
        if (a->severities[s] == 0)
            s0 = s;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = idx[i];
        double e0 = rel ? case_error(a, rb->run, a->clean_family, s0, rb->metric, c) : 0;
        double r0 = rel ? case_error(a, ref, a->clean_family, s0, rb->metric, c) : 0;
        double u = 0, v = 0;
        for (size_t k = 0; k < ns; k++) {
            u += case_error(a, rb->run, rb->family, sevs[k], rb->metric, c) - e0;
            v += case_error(a, ref, rb->family, sevs[k], rb->metric, c) - r0;
        }
        cc->cas[i] = c;
        cc->num[i] = u;
        cc->den[i] = v;
        sden += v;
    }
    cc->n = n;
    if (!(sden > 0)) {
        mrv_analysis__ci_undefined(out, a, why_den);
        out->n = n;
        return MRV_OK;
    }
    cc->queued = true;
    uint64_t seed = mrv_analysis__seed(a, what, rb->run, rb->family, rb->metric, 0);
    if (!mrv_analysis__job_ratio(jobs, cc->num, cc->den, n, 1, seed, out))
        return OOM(a, err);
    return MRV_OK;
}

/* CE and relative CE of `run` against the reference on family f, with
 * their CIs (queued); cc[0] and cc[1] keep the per-case sums. */
static enum mrv_status corruption_error(struct mrv_analysis *a, struct mrv_agg_robust *rb,
                                        const size_t *sevs, size_t ns, uint32_t *scratch,
                                        struct ce_cases *cc, struct mrv_ci_jobs *jobs,
                                        struct mrv_error *err)
{
    const char *name = a->res.metrics[rb->metric];
    mrv_analysis__ci_undefined(&rb->ce, a, NULL);
    mrv_analysis__ci_undefined(&rb->rel_ce, a, NULL);
    if (isnan(mrv_report_metric_error(name, 0.5))) {
        rb->ce.null_reason = rb->rel_ce.null_reason = "no error form for this metric";
        return MRV_OK;
    }
    size_t ref = a->reference;
    const struct mrv_agg_cell *first = mrv_analysis_cell(a, rb->run, rb->family, sevs[0], rb->metric);
    bool complete = first != NULL;
    for (size_t k = 0; k < ns && complete; k++)
        complete = mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric) &&
                   mrv_analysis_cell(a, ref, rb->family, sevs[k], rb->metric);
    if (!complete) {
        rb->ce.null_reason = rb->rel_ce.null_reason =
            "a severity is missing in this run or the reference";
        return MRV_OK;
    }
    /* Cases scored at every severity in both runs (paired). */
    size_t n = 0;
    for (size_t i = 0; i < first->n; i++) {
        uint32_t c = first->cases[i];
        bool all = true;
        for (size_t k = 0; k < ns && all; k++)
            all = case_pos(mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric), c) >= 0 &&
                  case_pos(mrv_analysis_cell(a, ref, rb->family, sevs[k], rb->metric), c) >= 0;
        if (all)
            scratch[n++] = c;
    }
    if (n == 0) {
        rb->ce.null_reason = rb->rel_ce.null_reason = "no case scored in both runs";
        return MRV_OK;
    }
    enum mrv_status st = ce_job(a, rb, sevs, ns, scratch, n, 0, "ce",
                                "the reference makes no error", &cc[0], &rb->ce, jobs, err);
    if (st != MRV_OK)
        return st;
    /* Relative CE needs the clean error of both runs on the same cases. */
    const struct mrv_agg_cell *c0 = clean_cell(a, rb->run, rb->metric);
    const struct mrv_agg_cell *r0 = clean_cell(a, ref, rb->metric);
    if (!c0 || !r0) {
        rb->rel_ce.null_reason = "no clean results";
        return MRV_OK;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (case_pos(c0, scratch[i]) >= 0 && case_pos(r0, scratch[i]) >= 0)
            scratch[m++] = scratch[i];
    if (m == 0) {
        rb->rel_ce.null_reason = "no case with clean results in both runs";
        return MRV_OK;
    }
    return ce_job(a, rb, sevs, ns, scratch, m, 1, "rel-ce", "the reference does not degrade",
                  &cc[1], &rb->rel_ce, jobs, err);
}

/* mCE (rel = 0) or relative mCE (rel = 1) of model row `m`: the families
 * whose CE was queued, their per-case sums laid out as an n × k matrix over
 * the union of their cases (0 / 0 where a case is not in a family, which
 * leaves that family's sums as they are), bootstrapped jointly. The
 * matrices go to keep[0..1]. */
static enum mrv_status mean_ce(struct mrv_analysis *a, struct mrv_agg_model *m,
                               const struct ce_cases *side, int rel, double **keep,
                               struct mrv_ci_jobs *jobs, struct mrv_error *err)
{
    struct mrv_ci *out = rel ? &m->rel_mce : &m->mce;
    int *nfam = rel ? &m->rel_mce_families : &m->mce_families;
    size_t k = 0;
    int32_t fam1 = -1;
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct ce_cases *c = &side[2 * i + (size_t)rel];
        if (a->robust[i].run == m->run && a->robust[i].metric == m->metric && c->queued) {
            k++;
            fam1 = a->robust[i].family;
        }
    }
    *nfam = (int)k;
    if (k == 0) {
        mrv_analysis__ci_undefined(out, a, rel ? "no family has a relative CE"
                                               : "no family has a CE");
        return MRV_OK;
    }
    /* The union of case indices, by marking (cases are few next to results). */
    unsigned char *mark = calloc(a->ncases + 1, 1);
    uint32_t *pos = malloc((a->ncases + 1) * sizeof *pos);
    if (!mark || !pos) {
        free(mark);
        free(pos);
        return OOM(a, err);
    }
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct ce_cases *c = &side[2 * i + (size_t)rel];
        if (a->robust[i].run == m->run && a->robust[i].metric == m->metric && c->queued)
            for (size_t q = 0; q < c->n; q++)
                mark[c->cas[q]] = 1;
    }
    size_t n = 0;
    for (size_t c = 0; c < a->ncases; c++)
        if (mark[c])
            pos[c] = (uint32_t)n++;
    double *num = calloc(n * k + 1, sizeof *num), *den = calloc(n * k + 1, sizeof *den);
    keep[0] = num;
    keep[1] = den;
    if (!num || !den) {
        free(mark);
        free(pos);
        return OOM(a, err);
    }
    size_t j = 0;
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct ce_cases *c = &side[2 * i + (size_t)rel];
        if (a->robust[i].run != m->run || a->robust[i].metric != m->metric || !c->queued)
            continue;
        for (size_t q = 0; q < c->n; q++) {
            num[pos[c->cas[q]] * k + j] = c->num[q];
            den[pos[c->cas[q]] * k + j] = c->den[q];
        }
        j++;
    }
    free(mark);
    free(pos);
    /* One family: its own seed, so the model's interval is the family's. */
    uint64_t seed = k == 1 ? mrv_analysis__seed(a, rel ? "rel-ce" : "ce", m->run, fam1,
                                                m->metric, 0)
                           : mrv_analysis__seed(a, rel ? "rel-mce" : "mce", m->run, -1,
                                                m->metric, 0);
    if (!mrv_analysis__job_ratio(jobs, num, den, n, k, seed, out))
        return OOM(a, err);
    return MRV_OK;
}

/* One robustness row: breakdown, per-case D, overall, CE. */
static enum mrv_status robust_row(struct mrv_analysis *a, struct mrv_agg_robust *rb,
                                  const size_t *sevs, size_t ns, uint32_t *scratch,
                                  struct ce_cases *cc, struct mrv_ci_jobs *jobs,
                                  struct mrv_error *err)
{
    const char *name = a->res.metrics[rb->metric];
    int dir = a->direction[rb->metric] < 0 ? -1 : 1;
    const struct mrv_criterion *crit = mrv_analysis_criterion(a, name);
    const struct mrv_agg_cell *c0 = clean_cell(a, rb->run, rb->metric);

    rb->breakdown = crit ? MRV_BREAKDOWN_NONE : MRV_BREAKDOWN_NO_CRITERION;
    if (crit && c0 && c0->n && !meets(crit, c0->ci.estimate))
        rb->breakdown = 0;
    for (size_t k = 0; crit && rb->breakdown == MRV_BREAKDOWN_NONE && k < ns; k++) {
        const struct mrv_agg_cell *c = mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric);
        if (c && c->n && !meets(crit, c->ci.estimate))
            rb->breakdown = a->severities[sevs[k]];
    }

    double wsum = 0, wm = 0;
    bool complete = c0 && c0->n;
    for (size_t k = 0; k < ns; k++) {
        const struct mrv_agg_cell *c = mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric);
        double w = pow(a->opt.alpha, a->severities[sevs[k]]);
        wsum += w;
        if (c && c->n)
            wm += w * c->ci.estimate;
        else
            complete = false;
    }
    rb->overall = complete ? (c0->ci.estimate + wm) / (1 + wsum) : NAN;

    uint64_t seed = mrv_analysis__seed(a, "degradation", rb->run, rb->family, rb->metric, 0);
    if (!complete) {
        mrv_analysis__ci_undefined(&rb->degradation, a,
                                   c0 ? "a severity is missing" : "no clean results");
    } else {
        rb->case_d = malloc(c0->n * sizeof *rb->case_d);
        rb->case_idx = malloc(c0->n * sizeof *rb->case_idx);
        if (!rb->case_d || !rb->case_idx)
            return OOM(a, err);
        size_t n = 0;
        for (size_t i = 0; i < c0->n; i++) {
            double d = 0;
            bool all = true;
            for (size_t k = 0; k < ns && all; k++) {
                const struct mrv_agg_cell *c =
                    mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric);
                long p = case_pos(c, c0->cases[i]);
                if (p < 0)
                    all = false;
                else
                    d += pow(a->opt.alpha, a->severities[sevs[k]]) *
                         (c0->values[i] - c->values[p]);
            }
            if (all) {
                rb->case_idx[n] = c0->cases[i];
                rb->case_d[n++] = dir * d / wsum;
            }
        }
        rb->degradation.n = n;
        if (!mrv_analysis__job(jobs, rb->case_d, NULL, n, seed, &rb->degradation))
            return OOM(a, err);
    }
    return corruption_error(a, rb, sevs, ns, scratch, cc, jobs, err);
}

/* Per-case mean of D over the run's families (cases having D in all). */
static enum mrv_status model_row(struct mrv_analysis *a, struct mrv_agg_model *m,
                                 struct mrv_ci_jobs *jobs, struct mrv_error *err)
{
    const struct mrv_agg_robust *fam[512];
    size_t nf = 0;
    bool pass = true;
    const struct mrv_criterion *crit = mrv_analysis_criterion(a, a->res.metrics[m->metric]);
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *rb = &a->robust[i];
        if (rb->run != m->run || rb->metric != m->metric)
            continue;
        if (rb->breakdown != MRV_BREAKDOWN_NONE)
            pass = false;
        if (rb->case_d && rb->degradation.n && nf < 512)
            fam[nf++] = rb;
    }
    const struct mrv_agg_cell *c0 = clean_cell(a, m->run, m->metric);
    if (crit && c0 && c0->n && !meets(crit, c0->ci.estimate))
        pass = false;
    m->pass = crit ? pass : -1;
    m->families = (int)nf;
    if (c0)
        m->clean = c0->ci;
    else
        mrv_analysis__ci_undefined(&m->clean, a, "no clean results");
    if (nf == 0) {
        mrv_analysis__ci_undefined(&m->mean_degradation, a, "no degradation");
        return MRV_OK;
    }
    m->md = malloc(fam[0]->degradation.n * sizeof *m->md);
    m->md_case = malloc(fam[0]->degradation.n * sizeof *m->md_case);
    if (!m->md || !m->md_case)
        return OOM(a, err);
    for (size_t i = 0; i < fam[0]->degradation.n; i++) {
        uint32_t c = fam[0]->case_idx[i];
        double sum = fam[0]->case_d[i];
        bool all = true;
        for (size_t f = 1; f < nf && all; f++) {
            /* case_idx is ascending within a row, as the clean cell's cases. */
            const uint32_t *v = fam[f]->case_idx;
            size_t lo = 0, hi = fam[f]->degradation.n;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (v[mid] < c)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < fam[f]->degradation.n && v[lo] == c)
                sum += fam[f]->case_d[lo];
            else
                all = false;
        }
        if (all) {
            m->md_case[m->n_md] = c;
            m->md[m->n_md++] = sum / (double)nf;
        }
    }
    /* One family: the same per-case values, so the same seed and interval
     * as its row (a reader comparing the two tables sees one number). */
    uint64_t seed = nf == 1 ? mrv_analysis__seed(a, "degradation", m->run, fam[0]->family,
                                                 m->metric, 0)
                            : mrv_analysis__seed(a, "model", m->run, -1, m->metric, 0);
    if (!mrv_analysis__job(jobs, m->md, NULL, m->n_md, seed, &m->mean_degradation))
        return OOM(a, err);
    return MRV_OK;
}

/* Paired D(run) − D(reference) on common cases; arrays are left in `keep`
 * (two per model) so they outlive the jobs. */
static enum mrv_status vs_reference(struct mrv_analysis *a, struct mrv_agg_model *m,
                                    const struct mrv_agg_model *ref, double **keep,
                                    struct mrv_ci_jobs *jobs, struct mrv_error *err)
{
    if (m->run == a->reference) {
        mrv_analysis__ci_undefined(&m->vs_reference, a, "is the reference");
        return MRV_OK;
    }
    if (!ref || !m->n_md || !ref->n_md) {
        mrv_analysis__ci_undefined(&m->vs_reference, a, "no degradation to compare");
        return MRV_OK;
    }
    double *x = malloc(m->n_md * sizeof *x), *y = malloc(m->n_md * sizeof *y);
    keep[0] = x;
    keep[1] = y;
    if (!x || !y)
        return OOM(a, err);
    size_t n = 0, j = 0;
    for (size_t i = 0; i < m->n_md; i++) {
        while (j < ref->n_md && ref->md_case[j] < m->md_case[i])
            j++;
        if (j < ref->n_md && ref->md_case[j] == m->md_case[i]) {
            x[n] = m->md[i];
            y[n++] = ref->md[j];
        }
    }
    uint64_t seed = mrv_analysis__seed(a, "vs-reference", m->run, -1, m->metric, 0);
    if (!mrv_analysis__job(jobs, x, y, n, seed, &m->vs_reference))
        return OOM(a, err);
    return MRV_OK;
}

/* Paired D(run) − D(reference) of one family, on the cases both have. */
static enum mrv_status family_vs_reference(struct mrv_analysis *a, struct mrv_agg_robust *rb,
                                           double **keep, struct mrv_ci_jobs *jobs,
                                           struct mrv_error *err)
{
    if (rb->run == a->reference) {
        mrv_analysis__ci_undefined(&rb->vs_reference, a, "is the reference");
        return MRV_OK;
    }
    const struct mrv_agg_robust *ref = NULL;
    for (size_t i = 0; i < a->nrobust && !ref; i++)
        if (a->robust[i].run == a->reference && a->robust[i].family == rb->family &&
            a->robust[i].metric == rb->metric)
            ref = &a->robust[i];
    if (!ref || !ref->case_d || !rb->case_d) {
        mrv_analysis__ci_undefined(&rb->vs_reference, a, "no degradation to compare");
        return MRV_OK;
    }
    size_t nx = rb->degradation.n, ny = ref->degradation.n;
    double *x = malloc((nx + 1) * sizeof *x), *y = malloc((nx + 1) * sizeof *y);
    keep[0] = x;
    keep[1] = y;
    if (!x || !y)
        return OOM(a, err);
    size_t n = 0, j = 0;
    for (size_t i = 0; i < nx; i++) {
        while (j < ny && ref->case_idx[j] < rb->case_idx[i])
            j++;
        if (j < ny && ref->case_idx[j] == rb->case_idx[i]) {
            x[n] = rb->case_d[i];
            y[n++] = ref->case_d[j];
        }
    }
    uint64_t seed = mrv_analysis__seed(a, "family-vs-reference", rb->run, rb->family,
                                       rb->metric, 0);
    if (!mrv_analysis__job(jobs, x, y, n, seed, &rb->vs_reference))
        return OOM(a, err);
    return MRV_OK;
}

/* ---- subgroups ------------------------------------------------------------ */

/* Subgroup keys are metadata keys with 2..MAX_LEVELS distinct values:
 * vendor, field strength, anatomy; a per-case id would make one row per
 * case, which is the worst-case list's job. */
#define MAX_LEVELS 12

static enum mrv_status subgroups(struct mrv_analysis *a, struct mrv_ci_jobs *jobs,
                                 double **keep, size_t *nkeep, size_t maxkeep,
                                 struct mrv_error *err)
{
    /* Distinct keys, in order of first appearance. */
    const char *keys[64];
    size_t nk = 0;
    for (size_t c = 0; c < a->ncases; c++)
        for (size_t k = 0; k < a->cases[c].nmeta; k++) {
            bool seen = false;
            for (size_t i = 0; i < nk && !seen; i++)
                seen = strcmp(keys[i], a->cases[c].meta_keys[k]) == 0;
            if (!seen && nk < 64)
                keys[nk++] = a->cases[c].meta_keys[k];
        }
    /* Sized once for the most subgroups there can be: the jobs queued below
     * hold pointers into this array, so it must never move. */
    size_t cap = nk * MAX_LEVELS * a->nmodels;
    a->subgroups = calloc(cap + 1, sizeof *a->subgroups);
    if (!a->subgroups)
        return OOM(a, err);
    for (size_t k = 0; k < nk; k++) {
        const char *levels[MAX_LEVELS + 1];
        size_t nl = 0;
        for (size_t c = 0; c < a->ncases && nl <= MAX_LEVELS; c++)
            for (size_t i = 0; i < a->cases[c].nmeta; i++) {
                if (strcmp(a->cases[c].meta_keys[i], keys[k]) != 0)
                    continue;
                bool seen = false;
                for (size_t l = 0; l < nl && !seen; l++)
                    seen = strcmp(levels[l], a->cases[c].meta_values[i]) == 0;
                if (!seen && nl <= MAX_LEVELS)
                    levels[nl++] = a->cases[c].meta_values[i];
            }
        if (nl < 2 || nl > MAX_LEVELS)
            continue;
        for (size_t l = 0; l < nl; l++) {
            for (size_t mi = 0; mi < a->nmodels; mi++) {
                const struct mrv_agg_model *m = &a->models[mi];
                const struct mrv_agg_cell *c0 = clean_cell(a, m->run, m->metric);
                if (a->nsubgroups == cap || *nkeep + 2 > maxkeep)
                    return OOM(a, err);
                struct mrv_agg_subgroup *g = &a->subgroups[a->nsubgroups++];
                memset(g, 0, sizeof *g);
                g->run = m->run;
                g->metric = m->metric;
                g->key = keys[k];
                g->value = levels[l];
                size_t n0 = c0 ? c0->n : 0;
                double *x = malloc((n0 + 1) * sizeof *x), *d = malloc((m->n_md + 1) * sizeof *d);
                keep[(*nkeep)++] = x;
                keep[(*nkeep)++] = d;
                if (!x || !d)
                    return OOM(a, err);
                size_t nx = 0, nd = 0;
                for (size_t i = 0; i < n0; i++) {
                    const struct mrv_read_case *cs = &a->cases[c0->cases[i]];
                    for (size_t q = 0; q < cs->nmeta; q++)
                        if (!strcmp(cs->meta_keys[q], keys[k]) &&
                            !strcmp(cs->meta_values[q], levels[l]))
                            x[nx++] = c0->values[i];
                }
                for (size_t i = 0; i < m->n_md; i++) {
                    const struct mrv_read_case *cs = &a->cases[m->md_case[i]];
                    for (size_t q = 0; q < cs->nmeta; q++)
                        if (!strcmp(cs->meta_keys[q], keys[k]) &&
                            !strcmp(cs->meta_values[q], levels[l]))
                            d[nd++] = m->md[i];
                }
                g->ncases = nx > nd ? nx : nd;
                uint64_t s1 = mrv_analysis__seed(a, keys[k], m->run, -1, m->metric, (int)l);
                uint64_t s2 = mrv_analysis__seed(a, levels[l], m->run, -1, m->metric, (int)l + 1000);
                if (!mrv_analysis__job(jobs, x, NULL, nx, s1, &g->clean) ||
                    !mrv_analysis__job(jobs, d, NULL, nd, s2, &g->degradation))
                    return OOM(a, err);
            }
        }
    }
    return MRV_OK;
}

/* ---- worst cases and reliability bins --------------------------------------- */

static enum mrv_status worst_cases(struct mrv_analysis *a, struct mrv_error *err)
{
    size_t w = a->opt.worst_n;
    if (w == 0)
        return MRV_OK;
    a->worst = calloc(a->nmodels * w + 1, sizeof *a->worst);
    if (!a->worst)
        return OOM(a, err);
    for (size_t mi = 0; mi < a->nmodels; mi++) {
        const struct mrv_agg_model *m = &a->models[mi];
        int dir = a->direction[m->metric] < 0 ? -1 : 1;
        struct mrv_agg_worst *top = a->worst + a->nworst;
        size_t nt = 0;
        const struct mrv_agg_cell *c0 = clean_cell(a, m->run, m->metric);
        for (size_t ci = 0; ci < a->ncells; ci++) {
            const struct mrv_agg_cell *c = &a->cells[ci];
            if (c->run != m->run || c->metric != m->metric || c->family == a->clean_family)
                continue;
            for (size_t i = 0; i < c->n; i++) {
                double bad = dir * c->values[i]; /* lower is worse */
                if (nt == w && bad >= dir * top[nt - 1].value)
                    continue;
                size_t p = nt < w ? nt++ : w - 1;
                while (p > 0 && dir * top[p - 1].value > bad) {
                    top[p] = top[p - 1];
                    p--;
                }
                long q = c0 ? case_pos(c0, c->cases[i]) : -1;
                top[p] = (struct mrv_agg_worst){m->run, m->metric, c->family, c->sev,
                                                c->cases[i], c->values[i],
                                                q >= 0 ? c0->values[q] : NAN, c->pert[i]};
            }
        }
        a->nworst += nt;
    }
    return MRV_OK;
}

static enum mrv_status reliability(struct mrv_analysis *a, struct mrv_error *err)
{
    size_t cap = 0;
    for (size_t ci = 0; ci < a->ncells; ci++) {
        const struct mrv_agg_cell *c = &a->cells[ci];
        int field = -1;
        int bin = mrv_report_calib_bin(a->res.metrics[c->metric], &field);
        if (bin < 0 || field != 0)
            continue;
        struct mrv_agg_reliability *r = NULL;
        for (size_t i = 0; i < a->nrel && !r; i++)
            if (a->rel[i].run == c->run && a->rel[i].family == c->family && a->rel[i].sev == c->sev)
                r = &a->rel[i];
        if (!r) {
            if (a->nrel == cap) {
                cap = cap ? 2 * cap : 16;
                void *v = realloc(a->rel, cap * sizeof *a->rel);
                if (!v)
                    return OOM(a, err);
                a->rel = v;
            }
            r = &a->rel[a->nrel++];
            memset(r, 0, sizeof *r);
            r->run = c->run;
            r->family = c->family;
            r->sev = c->sev;
        }
        /* Pool per case: conf and acc are means within the bin, so they are
         * weighted by the case's bin count (Guo et al. 2017, eq. for ECE). */
        char name[64];
        const struct mrv_agg_cell *conf = NULL, *acc = NULL;
        snprintf(name, sizeof name, "calib_bin_%02d_conf", bin);
        for (size_t m = 0; m < a->res.nmetrics; m++)
            if (!strcmp(a->res.metrics[m], name))
                conf = mrv_analysis_cell(a, c->run, c->family, (size_t)c->sev, (int32_t)m);
        snprintf(name, sizeof name, "calib_bin_%02d_acc", bin);
        for (size_t m = 0; m < a->res.nmetrics; m++)
            if (!strcmp(a->res.metrics[m], name))
                acc = mrv_analysis_cell(a, c->run, c->family, (size_t)c->sev, (int32_t)m);
        double n = 0, sc = 0, sa = 0;
        for (size_t i = 0; conf && acc && i < c->n; i++) {
            long p = case_pos(conf, c->cases[i]), q = case_pos(acc, c->cases[i]);
            if (p < 0 || q < 0)
                continue;
            n += c->values[i];
            sc += c->values[i] * conf->values[p];
            sa += c->values[i] * acc->values[q];
        }
        if (bin + 1 > r->nbins)
            r->nbins = bin + 1;
        r->count[bin] = n;
        r->conf[bin] = n > 0 ? sc / n : NAN;
        r->acc[bin] = n > 0 ? sa / n : NAN;
    }
    return MRV_OK;
}

enum mrv_status mrv_analysis__scores(struct mrv_analysis *a, struct mrv_error *err)
{
    size_t nf = a->res.nfamilies, nm = a->res.nmetrics;
    size_t *sevs = malloc((a->nsev + 1) * sizeof *sevs);
    uint32_t *scratch = malloc((a->ncases + 1) * sizeof *scratch);
    a->robust = calloc(a->nruns * nf * nm + 1, sizeof *a->robust);
    a->models = calloc(a->nruns * nm + 1, sizeof *a->models);
    size_t maxkeep = 2 * a->nruns * nm + 2 * a->nruns * nf * nm + 4 * a->nruns * nm +
                     2 * 64 * (MAX_LEVELS + 1) * a->nruns * nm + 2;
    double **keep = calloc(maxkeep, sizeof *keep);
    struct ce_cases *side = calloc(2 * (a->nruns * nf * nm + 1), sizeof *side);
    size_t nkeep = 0;
    struct mrv_ci_jobs jobs = {0};
    enum mrv_status st = MRV_OK;
    if (!sevs || !scratch || !a->robust || !a->models || !keep || !side)
        st = OOM(a, err);
    for (size_t r = 0; st == MRV_OK && r < a->nruns; r++)
        for (size_t f = 0; st == MRV_OK && f < nf; f++)
            for (size_t m = 0; st == MRV_OK && m < nm; m++) {
                if ((int32_t)f == a->clean_family || a->is_bin[m])
                    continue;
                size_t ns = family_sevs(a, (int32_t)f, (int32_t)m, sevs);
                bool any = false;
                for (size_t k = 0; k < ns && !any; k++)
                    any = mrv_analysis_cell(a, r, (int32_t)f, sevs[k], (int32_t)m) != NULL;
                if (!any)
                    continue;
                struct mrv_agg_robust *rb = &a->robust[a->nrobust++];
                rb->run = r;
                rb->family = (int32_t)f;
                rb->metric = (int32_t)m;
                st = robust_row(a, rb, sevs, ns, scratch, &side[2 * (a->nrobust - 1)], &jobs,
                                err);
            }
    for (size_t i = 0; st == MRV_OK && i < a->nrobust; i++) {
        st = family_vs_reference(a, &a->robust[i], keep + nkeep, &jobs, err);
        nkeep += 2;
    }
    for (size_t r = 0; st == MRV_OK && r < a->nruns; r++)
        for (size_t m = 0; st == MRV_OK && m < nm; m++) {
            bool any = false;
            for (size_t c = 0; c < a->ncells && !any; c++)
                any = a->cells[c].run == r && a->cells[c].metric == (int32_t)m;
            if (!any || a->is_bin[m])
                continue;
            struct mrv_agg_model *mo = &a->models[a->nmodels++];
            mo->run = r;
            mo->metric = (int32_t)m;
            st = model_row(a, mo, &jobs, err);
        }
    for (size_t i = 0; st == MRV_OK && i < a->nmodels; i++) {
        const struct mrv_agg_model *ref = NULL;
        for (size_t j = 0; j < a->nmodels; j++)
            if (a->models[j].run == a->reference && a->models[j].metric == a->models[i].metric)
                ref = &a->models[j];
        st = vs_reference(a, &a->models[i], ref, keep + nkeep, &jobs, err);
        nkeep += 2;
        for (int rel = 0; st == MRV_OK && rel < 2; rel++) {
            st = mean_ce(a, &a->models[i], side, rel, keep + nkeep, &jobs, err);
            nkeep += 2;
        }
    }
    if (st == MRV_OK)
        st = subgroups(a, &jobs, keep, &nkeep, maxkeep, err);
    if (st == MRV_OK)
        st = mrv_analysis__run_jobs(a, &jobs, err);
    else
        free(jobs.v);
    if (st == MRV_OK)
        st = worst_cases(a, err);
    if (st == MRV_OK)
        st = reliability(a, err);
    for (size_t i = 0; i < nkeep; i++)
        free(keep[i]);
    for (size_t i = 0; i < a->nmodels; i++) {
        free(a->models[i].md);
        free(a->models[i].md_case);
        a->models[i].md = NULL;
        a->models[i].md_case = NULL;
    }
    for (size_t i = 0; side && i < 2 * a->nrobust; i++)
        ce_cases_free(&side[i]);
    free(side);
    free(keep);
    free(sevs);
    free(scratch);
    return st;
}
