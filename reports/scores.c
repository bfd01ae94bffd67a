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

/* Mean over cases in `idx` of E(m) of `cell` (case indices, positions found
 * by search). */
static double mean_error(const struct mrv_agg_cell *cell, const char *metric,
                         const uint32_t *idx, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += mrv_report_metric_error(metric, cell->values[case_pos(cell, idx[i])]);
    return sum / (double)n;
}

/* CE and relative CE of `run` against the reference on family f. */
static void corruption_error(const struct mrv_analysis *a, struct mrv_agg_robust *rb,
                             const size_t *sevs, size_t ns, uint32_t *scratch)
{
    const char *name = a->res.metrics[rb->metric];
    rb->ce = rb->rel_ce = NAN;
    rb->ce_reason = rb->rel_reason = NULL;
    if (isnan(mrv_report_metric_error(name, 0.5))) {
        rb->ce_reason = rb->rel_reason = "no error form for this metric";
        return;
    }
    size_t ref = a->reference;
    const struct mrv_agg_cell *first = mrv_analysis_cell(a, rb->run, rb->family, sevs[0], rb->metric);
    bool complete = first != NULL;
    for (size_t k = 0; k < ns && complete; k++)
        complete = mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric) &&
                   mrv_analysis_cell(a, ref, rb->family, sevs[k], rb->metric);
    if (!complete) {
        rb->ce_reason = rb->rel_reason = "a severity is missing in this run or the reference";
        return;
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
        rb->ce_reason = rb->rel_reason = "no case scored in both runs";
        return;
    }
    double e = 0, eref = 0;
    for (size_t k = 0; k < ns; k++) {
        e += mean_error(mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric), name,
                        scratch, n);
        eref += mean_error(mrv_analysis_cell(a, ref, rb->family, sevs[k], rb->metric), name,
                           scratch, n);
    }
    if (eref > 0)
        rb->ce = e / eref;
    else
        rb->ce_reason = "the reference makes no error";
    /* Relative CE needs the clean error of both runs on the same cases. */
    const struct mrv_agg_cell *c0 = clean_cell(a, rb->run, rb->metric);
    const struct mrv_agg_cell *r0 = clean_cell(a, ref, rb->metric);
    if (!c0 || !r0) {
        rb->rel_reason = "no clean results";
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (case_pos(c0, scratch[i]) >= 0 && case_pos(r0, scratch[i]) >= 0)
            scratch[m++] = scratch[i];
    if (m == 0) {
        rb->rel_reason = "no case with clean results in both runs";
        return;
    }
    double num = 0, den = 0, e0 = mean_error(c0, name, scratch, m),
           r0e = mean_error(r0, name, scratch, m);
    for (size_t k = 0; k < ns; k++) {
        num += mean_error(mrv_analysis_cell(a, rb->run, rb->family, sevs[k], rb->metric), name,
                          scratch, m) - e0;
        den += mean_error(mrv_analysis_cell(a, ref, rb->family, sevs[k], rb->metric), name,
                          scratch, m) - r0e;
    }
    if (den > 0)
        rb->rel_ce = num / den;
    else
        rb->rel_reason = "the reference does not degrade";
}

/* One robustness row: breakdown, per-case D, overall, CE. */
static enum mrv_status robust_row(struct mrv_analysis *a, struct mrv_agg_robust *rb,
                                  const size_t *sevs, size_t ns, uint32_t *scratch,
                                  struct mrv_ci_jobs *jobs, struct mrv_error *err)
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
    corruption_error(a, rb, sevs, ns, scratch);
    return MRV_OK;
}

/* Per-case mean of D over the run's families (cases having D in all). */
static enum mrv_status model_row(struct mrv_analysis *a, struct mrv_agg_model *m,
                                 struct mrv_ci_jobs *jobs, struct mrv_error *err)
{
    const struct mrv_agg_robust *fam[512];
    size_t nf = 0;
    double ce = 0, rce = 0;
    int nce = 0, nrce = 0;
    bool pass = true;
    const struct mrv_criterion *crit = mrv_analysis_criterion(a, a->res.metrics[m->metric]);
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *rb = &a->robust[i];
        if (rb->run != m->run || rb->metric != m->metric)
            continue;
        if (rb->breakdown != MRV_BREAKDOWN_NONE)
            pass = false;
        if (isfinite(rb->ce)) {
            ce += rb->ce;
            nce++;
        }
        if (isfinite(rb->rel_ce)) {
            rce += rb->rel_ce;
            nrce++;
        }
        if (rb->case_d && rb->degradation.n && nf < 512)
            fam[nf++] = rb;
    }
    const struct mrv_agg_cell *c0 = clean_cell(a, m->run, m->metric);
    if (crit && c0 && c0->n && !meets(crit, c0->ci.estimate))
        pass = false;
    m->pass = crit ? pass : -1;
    m->mce = nce ? ce / nce : NAN;
    m->rel_mce = nrce ? rce / nrce : NAN;
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
    size_t maxkeep = 2 * a->nruns * nm + 2 * a->nruns * nf * nm +
                     2 * 64 * (MAX_LEVELS + 1) * a->nruns * nm + 2;
    double **keep = calloc(maxkeep, sizeof *keep);
    size_t nkeep = 0;
    struct mrv_ci_jobs jobs = {0};
    enum mrv_status st = MRV_OK;
    if (!sevs || !scratch || !a->robust || !a->models || !keep)
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
                st = robust_row(a, rb, sevs, ns, scratch, &jobs, err);
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
    free(keep);
    free(sevs);
    free(scratch);
    return st;
}
