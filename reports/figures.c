/* reports/figures.c — the figures of an analysis, for any cairo surface. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/plot.h"
#include "reports/render.h"

#define MAXRUNS 16 /* lines per figure; more runs than this are left out */

bool mrv_fig_metric_shown(const struct mrv_analysis *a, int32_t metric)
{
    return !a->is_bin[metric];
}

static size_t clean_sev(const struct mrv_analysis *a)
{
    for (size_t s = 0; s < a->nsev; s++)
        if (a->severities[s] == 0)
            return s;
    return SIZE_MAX;
}

static void curves(cairo_t *cr, double w, double h, const struct mrv_fig *f)
{
    const struct mrv_analysis *a = f->a;
    const char *metric = a->res.metrics[f->metric];
    size_t nr = a->nruns < MAXRUNS ? a->nruns : MAXRUNS, ns = a->nsev;
    double *buf = calloc(4 * nr * (ns + 1) + 1, sizeof *buf);
    char(*labels)[160] = calloc(nr + 1, sizeof *labels);
    struct mrv_plot_series s[MAXRUNS];
    if (!buf || !labels) {
        free(buf);
        free(labels);
        return;
    }
    size_t c0 = clean_sev(a);
    for (size_t r = 0; r < nr; r++) {
        double *x = buf + 4 * r * ns, *y = x + ns, *lo = y + ns, *hi = lo + ns;
        size_t n = 0;
        for (size_t k = 0; k < ns; k++) {
            const struct mrv_agg_cell *c = NULL;
            if (k == c0)
                c = mrv_analysis_cell(a, r, a->clean_family, k, f->metric);
            else if (a->severities[k] > 0)
                c = mrv_analysis_cell(a, r, f->family, k, f->metric);
            if (!c)
                continue;
            x[n] = a->severities[k];
            y[n] = c->ci.estimate;
            lo[n] = c->ci.lo;
            hi[n++] = c->ci.hi;
        }
        mrv_analysis_run_label(a, r, labels[r], sizeof labels[r]);
        s[r] = (struct mrv_plot_series){labels[r], n, x, y, lo, hi};
    }
    char title[200], ylabel[120];
    snprintf(title, sizeof title, "%s \xE2\x80\x94 %s (mean, %g %% CI)", a->res.families[f->family],
             metric, a->opt.level * 100);
    snprintf(ylabel, sizeof ylabel, "%s%s", metric, strncmp(metric, "psnr", 4) ? "" : " (dB)");
    const struct mrv_criterion *crit = mrv_analysis_criterion(a, metric);
    mrv_plot_curves(cr, w, h, title, "severity (0 = clean)", ylabel, s, nr,
                    crit ? crit->threshold : NAN);
    free(buf);
    free(labels);
}

/* Rows of the heat map: perturbed families with results for run/metric. */
static size_t heat_rows(const struct mrv_analysis *a, size_t run, int32_t metric, int32_t *rows)
{
    size_t n = 0;
    for (size_t fam = 0; fam < a->res.nfamilies; fam++) {
        if ((int32_t)fam == a->clean_family)
            continue;
        for (size_t k = 0; k < a->nsev; k++)
            if (mrv_analysis_cell(a, run, (int32_t)fam, k, metric)) {
                rows[n++] = (int32_t)fam;
                break;
            }
    }
    return n;
}

static void heatmap(cairo_t *cr, double w, double h, const struct mrv_fig *f)
{
    const struct mrv_analysis *a = f->a;
    const char *metric = a->res.metrics[f->metric];
    size_t nf = a->res.nfamilies, ns = a->nsev;
    int32_t *rows = calloc(nf + 1, sizeof *rows);
    const char **rl = calloc(nf + 1, sizeof *rl), **cl = calloc(ns + 1, sizeof *cl);
    char(*cbuf)[16] = calloc(ns + 1, sizeof *cbuf);
    double *v = calloc((nf + 1) * (ns + 1), sizeof *v);
    if (!rows || !rl || !cl || !cbuf || !v)
        goto done;
    size_t nr = heat_rows(a, f->run, f->metric, rows), nc = 0;
    size_t *cols = (size_t *)calloc(ns + 1, sizeof *cols);
    if (!cols)
        goto done;
    for (size_t k = 0; k < ns; k++)
        if (a->severities[k] > 0) {
            snprintf(cbuf[nc], sizeof cbuf[nc], "%d", a->severities[k]);
            cl[nc] = cbuf[nc];
            cols[nc++] = k;
        }
    size_t c0 = clean_sev(a);
    const struct mrv_agg_cell *clean =
        c0 == SIZE_MAX ? NULL : mrv_analysis_cell(a, f->run, a->clean_family, c0, f->metric);
    int dir = a->direction[f->metric] < 0 ? -1 : 1;
    /* One colour scale for every model's map of this metric, so the maps
     * compare: the largest |degradation| of any run. */
    double vmax = 0;
    for (size_t ci = 0; ci < a->ncells; ci++) {
        const struct mrv_agg_cell *c = &a->cells[ci];
        if (c->metric != f->metric || c->family == a->clean_family || !c->n || c0 == SIZE_MAX)
            continue;
        const struct mrv_agg_cell *cc = mrv_analysis_cell(a, c->run, a->clean_family, c0, f->metric);
        if (cc && cc->n)
            vmax = fmax(vmax, fabs(cc->ci.estimate - c->ci.estimate));
    }
    for (size_t r = 0; r < nr; r++) {
        rl[r] = a->res.families[rows[r]];
        for (size_t c = 0; c < nc; c++) {
            const struct mrv_agg_cell *cell = mrv_analysis_cell(a, f->run, rows[r], cols[c], f->metric);
            v[r * nc + c] = cell && clean && cell->n && clean->n
                                ? dir * (clean->ci.estimate - cell->ci.estimate)
                                : NAN;
        }
    }
    char title[300], run[160], legend[200];
    mrv_analysis_run_label(a, f->run, run, sizeof run);
    snprintf(title, sizeof title, "%s: %s degradation (perturbation \xC3\x97 severity)", run,
             metric);
    snprintf(legend, sizeof legend,
             "clean mean \xE2\x88\x92 perturbed mean%s (%s units); red = worse, blue = better",
             dir < 0 ? ", sign flipped" : "", metric);
    mrv_plot_heatmap(cr, w, h, title, rl, nr, cl, nc, v, vmax, 1, legend);
    free(cols);
done:
    free(rows);
    free(rl);
    free(cl);
    free(cbuf);
    free(v);
}

static void boxes(cairo_t *cr, double w, double h, const struct mrv_fig *f)
{
    const struct mrv_analysis *a = f->a;
    size_t nr = a->nruns < MAXRUNS ? a->nruns : MAXRUNS, ns = a->nsev;
    struct mrv_plot_box *b = calloc(nr * ns + 1, sizeof *b);
    char(*lab)[16] = calloc(ns + 1, sizeof *lab);
    char(*runl)[160] = calloc(nr + 1, sizeof *runl);
    const char **rl = calloc(nr + 1, sizeof *rl);
    if (!b || !lab || !runl || !rl)
        goto done;
    size_t nb = 0, c0 = clean_sev(a);
    for (size_t k = 0; k < ns; k++) {
        int32_t fam = k == c0 ? a->clean_family : f->family;
        if (k != c0 && a->severities[k] <= 0)
            continue;
        snprintf(lab[k], sizeof lab[k], k == c0 ? "clean" : "%d", a->severities[k]);
        for (size_t r = 0; r < nr; r++) {
            const struct mrv_agg_cell *c = mrv_analysis_cell(a, r, fam, k, f->metric);
            if (!c)
                continue;
            b[nb] = (struct mrv_plot_box){lab[k], (int)r, {0}, c->n};
            memcpy(b[nb++].five, c->five, sizeof c->five);
        }
    }
    for (size_t r = 0; r < nr; r++) {
        mrv_analysis_run_label(a, r, runl[r], sizeof runl[r]);
        rl[r] = runl[r];
    }
    char title[200];
    snprintf(title, sizeof title, "%s \xE2\x80\x94 %s: per-case distribution by severity",
             a->res.families[f->family], a->res.metrics[f->metric]);
    mrv_plot_boxes(cr, w, h, title, a->res.metrics[f->metric], b, nb, rl, nr);
done:
    free(b);
    free(lab);
    free(runl);
    free(rl);
}

static void reliability(cairo_t *cr, double w, double h, const struct mrv_fig *f)
{
    const struct mrv_analysis *a = f->a;
    const struct mrv_agg_reliability *r = &a->rel[f->run];
    char title[300], run[160];
    mrv_analysis_run_label(a, r->run, run, sizeof run);
    snprintf(title, sizeof title, "%s, %s %d", run, a->res.families[r->family],
             a->severities[r->sev]);
    mrv_plot_reliability(cr, w, h, title, r->conf, r->acc, r->count, r->nbins);
}

static void bars(cairo_t *cr, double w, double h, const struct mrv_fig *f)
{
    const struct mrv_analysis *a = f->a;
    size_t n = 0;
    const char *labels[MAXRUNS];
    char lab[MAXRUNS][160];
    double v[MAXRUNS], lo[MAXRUNS], hi[MAXRUNS];
    for (size_t i = 0; i < a->nmodels && n < MAXRUNS; i++) {
        const struct mrv_agg_model *m = &a->models[i];
        if (m->metric != f->metric)
            continue;
        mrv_analysis_run_label(a, m->run, lab[n], sizeof lab[n]);
        labels[n] = lab[n];
        v[n] = m->mean_degradation.estimate;
        lo[n] = m->mean_degradation.lo;
        hi[n++] = m->mean_degradation.hi;
    }
    char title[200], xl[200];
    snprintf(title, sizeof title, "%s: mean degradation over perturbations (ROOD-MRI, \xCE\xB1 = %.3g)",
             a->res.metrics[f->metric], a->opt.alpha);
    snprintf(xl, sizeof xl, "degradation (%s units; higher = less robust), %g %% CI",
             a->res.metrics[f->metric], a->opt.level * 100);
    mrv_plot_bars(cr, w, h, title, xl, labels, v, lo, hi, n);
}

void mrv_fig_draw(cairo_t *cr, double w, double h, void *fig)
{
    const struct mrv_fig *f = fig;
    switch (f->kind) {
    case MRV_FIG_CURVES: curves(cr, w, h, f); break;
    case MRV_FIG_HEATMAP: heatmap(cr, w, h, f); break;
    case MRV_FIG_BOXES: boxes(cr, w, h, f); break;
    case MRV_FIG_RELIABILITY: reliability(cr, w, h, f); break;
    case MRV_FIG_BARS: bars(cr, w, h, f); break;
    }
}

void mrv_fig_size(const struct mrv_fig *f, double *w, double *h)
{
    const struct mrv_analysis *a = f->a;
    *w = 640;
    switch (f->kind) {
    case MRV_FIG_HEATMAP: {
        int32_t *rows = calloc(a->res.nfamilies + 1, sizeof *rows);
        size_t nr = rows ? heat_rows(a, f->run, f->metric, rows) : 1;
        free(rows);
        *h = 90 + 30 * (double)(nr ? nr : 1);
        break;
    }
    case MRV_FIG_RELIABILITY: *w = 360; *h = 330; break;
    case MRV_FIG_BARS: {
        size_t n = a->nruns < MAXRUNS ? a->nruns : MAXRUNS;
        *h = 90 + 30 * (double)(n ? n : 1);
        break;
    }
    default: *h = 300;
    }
}
