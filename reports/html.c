/* reports/html.c — one self-contained HTML page from an analysis.
 *
 * Plain HTML with an inline style sheet and inline SVG figures drawn with
 * cairo: no scripts, fonts or images to fetch, so it opens the same on an
 * air-gapped review machine, prints, and can be archived as evidence.
 * Every string that came from the store is HTML-escaped (model, study,
 * case and metadata names are user input). Worst-case image panels, when
 * the store has artifacts for them, are PNG files beside the page.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "reports/plot.h"
#include "reports/render.h"

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "color:#1b1f24;margin:2em auto;max-width:80em;padding:0 1.5em}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.3em;margin-top:2em;"
    "border-bottom:1px solid #d0d7de}h3{font-size:1.1em;margin-top:1.5em}"
    ".note{color:#57606a;max-width:60em}"
    "table{border-collapse:collapse;margin:.6em 0 1.2em}"
    "th,td{border:1px solid #d0d7de;padding:.3em .6em;vertical-align:top}"
    "thead th{background:#f6f8fa;text-align:left}"
    "tbody th{text-align:left;font-weight:600}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.cell{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".v{display:block}.n{display:block;color:#57606a;font-size:.85em}"
    ".warn{color:#9a6700}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}"
    "tr.clean th,tr.clean td{background:#f3faf4}"
    "figure{margin:1em 0}svg{max-width:100%;height:auto}"
    "nav ul{columns:2;max-width:50em}"
    "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}"
    "@media print{body{margin:0;max-width:none}}";

/* ---- small helpers ------------------------------------------------------- */

static void esc(struct mrv_strbuf *b, const char *s)
{
    mrv_strbuf_html(b, s && *s ? s : "\xE2\x80\x94");
}

static void td(struct mrv_strbuf *b, const char *s)
{
    mrv_strbuf_append(b, "<td>");
    esc(b, s);
    mrv_strbuf_append(b, "</td>");
}

static void td_num(struct mrv_strbuf *b, const char *s)
{
    mrv_strbuf_append(b, "<td class=\"num\">");
    esc(b, s);
    mrv_strbuf_append(b, "</td>");
}

static void td_run(struct mrv_strbuf *b, const struct mrv_analysis *a, size_t run)
{
    char l[200];
    mrv_analysis_run_label(a, run, l, sizeof l);
    td(b, l);
}

static enum mrv_status figure(struct mrv_strbuf *b, const struct mrv_fig *f, const char *caption,
                              int *counter, struct mrv_error *err)
{
    double w, h;
    mrv_fig_size(f, &w, &h);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "f%d-", (*counter)++);
    mrv_strbuf_append(b, "<figure>");
    enum mrv_status st = mrv_plot_svg(b, w, h, mrv_fig_draw, (void *)f, prefix, err);
    if (caption) {
        mrv_strbuf_append(b, "<figcaption class=\"note\">");
        mrv_strbuf_html(b, caption);
        mrv_strbuf_append(b, "</figcaption>");
    }
    mrv_strbuf_append(b, "</figure>\n");
    return st;
}

/* ---- sections -------------------------------------------------------------- */

static void runs_table(struct mrv_strbuf *b, const struct mrv_analysis *a)
{
    mrv_strbuf_append(b, "<h2 id=\"runs\">Study and provenance</h2>\n<table class=\"runs\"><thead><tr>"
                         "<th>Run</th><th>Study</th><th>Model</th><th>Version</th>"
                         "<th>mrvet</th><th>Git commit</th><th>Host</th><th>Seed</th>"
                         "<th>Started (UTC)</th><th>Ended (UTC)</th><th>Status</th>"
                         "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < a->nruns; i++) {
        const struct mrv_run_row *r = &a->runs[i];
        mrv_strbuf_printf(b, "<tr><td class=\"num\"><a href=\"#run-%lld\">%lld</a></td>",
                          (long long)r->id, (long long)r->id);
        td(b, r->study);
        td(b, r->model);
        td(b, r->model_version);
        td(b, r->software_version);
        mrv_strbuf_append(b, "<td><code>");
        mrv_strbuf_html(b, r->git_commit);
        mrv_strbuf_append(b, "</code></td>");
        td(b, r->host);
        mrv_strbuf_printf(b, "<td class=\"num\">%llu</td>", (unsigned long long)r->seed);
        td(b, r->started_at);
        td(b, r->ended_at);
        td(b, r->status);
        mrv_strbuf_append(b, "</tr>\n");
    }
    mrv_strbuf_append(b, "</tbody></table>\n");
    if (a->nruns == 0)
        mrv_strbuf_append(b, "<p class=\"note\">The store holds no runs.</p>\n");
    /* Provenance: every fingerprint but the per-case ones, which are
     * counted (they are in the store and the JSON report). */
    size_t ncase = 0;
    bool any = false;
    for (size_t i = 0; i < a->nprov; i++) {
        const struct mrv_read_provenance *p = &a->prov[i];
        if (!strcmp(p->kind, "case")) {
            ncase++;
            continue;
        }
        if (!any)
            mrv_strbuf_append(b, "<h3>Fingerprints</h3>\n<table><thead><tr><th>Run</th><th>Kind"
                                 "</th><th>Name</th><th>SHA-256</th><th>Detail</th></tr>"
                                 "</thead><tbody>\n");
        any = true;
        mrv_strbuf_printf(b, "<tr><td class=\"num\">%lld</td>", (long long)p->run_id);
        td(b, p->kind);
        td(b, p->name);
        mrv_strbuf_append(b, "<td><code>");
        esc(b, p->sha256);
        mrv_strbuf_append(b, "</code></td>");
        td(b, p->detail);
        mrv_strbuf_append(b, "</tr>\n");
    }
    if (any)
        mrv_strbuf_append(b, "</tbody></table>\n");
    if (ncase)
        mrv_strbuf_printf(b, "<p class=\"note\">Plus %zu per-case fingerprints (table "
                             "<code>provenance</code>, kind <code>case</code>).</p>\n", ncase);
}

static void verdict(struct mrv_strbuf *b, const struct mrv_analysis *a)
{
    char ref[200], x[128];
    mrv_strbuf_append(b, "<h2 id=\"summary\">Robustness summary and acceptance</h2>\n");
    if (a->nruns)
        mrv_analysis_run_label(a, a->reference, ref, sizeof ref);
    mrv_strbuf_append(b, "<p class=\"note\">Per model and metric: the clean mean; the "
                         "ROOD-MRI degradation averaged over perturbation families (weights "
                         "\xCE\xB1<sup>s</sup>; positive = worse than clean); its paired "
                         "difference to the reference model; the ImageNet-C mean corruption "
                         "error (mCE) and relative mCE against the reference (1 = as robust as "
                         "the reference; below 1 = more robust). Brackets are bootstrap "
                         "confidence intervals over cases (for mCE, cases resampled jointly "
                         "across families). Reference model: ");
    esc(b, a->nruns ? ref : "");
    mrv_strbuf_append(b, ".</p>\n");
    if (a->opt.ncriteria) {
        mrv_strbuf_append(b, "<p>Acceptance criteria (pre-specified): ");
        for (size_t i = 0; i < a->opt.ncriteria; i++) {
            const struct mrv_criterion *c = &a->opt.criteria[i];
            mrv_strbuf_append(b, i ? ", <code>" : "<code>");
            mrv_strbuf_html(b, c->metric);
            mrv_strbuf_printf(b, " %s %g</code>", c->higher_better ? "\xE2\x89\xA5" : "\xE2\x89\xA4",
                              c->threshold);
        }
        mrv_strbuf_append(b, ". A model passes a metric when the clean mean and the mean at "
                             "every severity of every perturbation meet it.</p>\n");
    } else {
        mrv_strbuf_append(b, "<p class=\"note\">No acceptance criteria were given "
                             "(<code>mrvet report --accept METRIC&gt;=VALUE</code>), so no "
                             "pass/fail verdict and no breakdown severities.</p>\n");
    }
    mrv_strbuf_append(b, "<table><thead><tr><th>Model</th><th>Metric</th><th>Clean</th>"
                         "<th>Mean degradation</th><th>vs reference</th><th>mCE</th>"
                         "<th>Relative mCE</th><th>Families</th><th>Verdict</th></tr></thead>"
                         "<tbody>\n");
    for (size_t i = 0; i < a->nmodels; i++) {
        const struct mrv_agg_model *m = &a->models[i];
        const char *metric = a->res.metrics[m->metric];
        mrv_strbuf_append(b, "<tr>");
        td_run(b, a, m->run);
        td(b, metric);
        mrv_render_ci(x, sizeof x, metric, &m->clean);
        td_num(b, x);
        mrv_render_ci(x, sizeof x, metric, &m->mean_degradation);
        td_num(b, x);
        mrv_render_ci(x, sizeof x, metric, &m->vs_reference);
        td_num(b, m->run == a->reference ? "reference" : x);
        mrv_render_ci(x, sizeof x, NULL, &m->mce);
        td_num(b, x);
        mrv_render_ci(x, sizeof x, NULL, &m->rel_mce);
        td_num(b, x);
        mrv_strbuf_printf(b, "<td class=\"num\">%d</td>", m->families);
        mrv_strbuf_append(b, m->pass == 1   ? "<td class=\"pass\">pass</td>"
                             : m->pass == 0 ? "<td class=\"fail\">fail</td>"
                                            : "<td>\xE2\x80\x94</td>");
        mrv_strbuf_append(b, "</tr>\n");
    }
    mrv_strbuf_append(b, "</tbody></table>\n");
}

static void families_table(struct mrv_strbuf *b, const struct mrv_analysis *a)
{
    char x[128], bs[16];
    mrv_strbuf_append(b, "<h3>Per perturbation family</h3>\n<table><thead><tr><th>Model</th>"
                         "<th>Perturbation</th><th>Metric</th><th>Breakdown severity</th>"
                         "<th>Degradation</th><th>vs reference</th><th>Overall</th><th>CE</th>"
                         "<th>Relative CE</th><th>n</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *r = &a->robust[i];
        const char *metric = a->res.metrics[r->metric];
        mrv_strbuf_append(b, "<tr>");
        td_run(b, a, r->run);
        td(b, a->res.families[r->family]);
        td(b, metric);
        td_num(b, mrv_render_breakdown(r->breakdown, bs, sizeof bs));
        mrv_render_ci(x, sizeof x, metric, &r->degradation);
        td_num(b, x);
        mrv_render_ci(x, sizeof x, metric, &r->vs_reference);
        td_num(b, r->run == a->reference ? "reference" : x);
        mrv_render_num(x, sizeof x, metric, r->overall);
        td_num(b, x);
        mrv_render_ci(x, sizeof x, NULL, &r->ce);
        td_num(b, x);
        mrv_render_ci(x, sizeof x, NULL, &r->rel_ce);
        td_num(b, x);
        mrv_strbuf_printf(b, "<td class=\"num\">%zu</td></tr>\n", r->degradation.n);
    }
    mrv_strbuf_append(b, "</tbody></table>\n");
}

/* What the severity axis means, from the stored parameters. */
static void severities(struct mrv_strbuf *b, const struct mrv_analysis *a)
{
    if (!a->nsevinfo)
        return;
    mrv_strbuf_append(b, "<h3>Perturbations and severities</h3>\n<p class=\"note\">The "
                         "parameters of each severity, as stored with its first instance "
                         "(drawn values can vary per case; see the perturbation's page in "
                         "docs/perturbations/).</p>\n<table><thead><tr><th>Perturbation</th>"
                         "<th>Severity</th><th>Parameters</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < a->nsevinfo; i++) {
        const struct mrv_read_severity *v = &a->sevinfo[i];
        mrv_strbuf_append(b, "<tr>");
        td(b, strcmp(v->family, "none") ? v->family : "none (clean)");
        mrv_strbuf_printf(b, "<td class=\"num\">%d</td><td><code>", v->severity);
        esc(b, v->params);
        mrv_strbuf_append(b, "</code></td></tr>\n");
    }
    mrv_strbuf_append(b, "</tbody></table>\n");
}

static enum mrv_status figures(struct mrv_strbuf *b, const struct mrv_analysis *a, int *cnt,
                               struct mrv_error *err)
{
    enum mrv_status st = MRV_OK;
    mrv_strbuf_append(b, "<h2 id=\"curves\">Robustness curves</h2>\n<p class=\"note\">Mean over "
                         "cases at each severity (0 = the clean input), one line per model; "
                         "the band is the bootstrap confidence interval of the mean. A dashed "
                         "red line is the acceptance threshold; the breakdown severity is "
                         "where a model's line first crosses it.</p>\n");
    for (size_t m = 0; m < a->res.nmetrics && st == MRV_OK; m++) {
        if (!mrv_fig_metric_shown(a, (int32_t)m))
            continue;
        struct mrv_fig bars = {a, MRV_FIG_BARS, 0, -1, (int32_t)m};
        if (a->nrobust)
            st = figure(b, &bars, NULL, cnt, err);
        for (size_t f = 0; f < a->res.nfamilies && st == MRV_OK; f++) {
            if (!mrv_analysis_has_robust(a, SIZE_MAX, (int32_t)f, (int32_t)m))
                continue;
            struct mrv_fig fig = {a, MRV_FIG_CURVES, 0, (int32_t)f, (int32_t)m};
            st = figure(b, &fig, NULL, cnt, err);
        }
    }
    mrv_strbuf_append(b, "<h2 id=\"heatmaps\">Degradation heat maps</h2>\n<p class=\"note\">"
                         "Clean mean minus perturbed mean, per perturbation and severity "
                         "(sign flipped for lower-is-better metrics, so red is always worse).</p>\n");
    for (size_t r = 0; r < a->nruns && st == MRV_OK; r++)
        for (size_t m = 0; m < a->res.nmetrics && st == MRV_OK; m++) {
            if (!mrv_analysis_has_robust(a, r, -1, (int32_t)m))
                continue;
            struct mrv_fig fig = {a, MRV_FIG_HEATMAP, r, -1, (int32_t)m};
            st = figure(b, &fig, NULL, cnt, err);
        }
    mrv_strbuf_append(b, "<h2 id=\"distributions\">Per-case distributions</h2>\n<p class=\"note\">"
                         "Box: quartiles of the per-case means; line: median; whiskers: "
                         "minimum and maximum.</p>\n");
    for (size_t m = 0; m < a->res.nmetrics && st == MRV_OK; m++)
        for (size_t f = 0; f < a->res.nfamilies && st == MRV_OK; f++) {
            if ((int32_t)f == a->clean_family || !mrv_fig_metric_shown(a, (int32_t)m))
                continue;
            if (!mrv_analysis_has_robust(a, SIZE_MAX, (int32_t)f, (int32_t)m))
                continue;
            struct mrv_fig fig = {a, MRV_FIG_BOXES, 0, (int32_t)f, (int32_t)m};
            st = figure(b, &fig, NULL, cnt, err);
        }
    if (a->nrel && st == MRV_OK) {
        mrv_strbuf_append(b, "<h2 id=\"calibration\">Calibration</h2>\n<p class=\"note\">"
                             "Reliability diagrams from the stored bins, pooled over cases "
                             "(weighted by bin counts); the dashed diagonal is perfect "
                             "calibration, grey bars the bin counts.</p>\n");
        for (size_t i = 0; i < a->nrel && st == MRV_OK; i++) {
            struct mrv_fig fig = {a, MRV_FIG_RELIABILITY, i, -1, -1};
            st = figure(b, &fig, NULL, cnt, err);
        }
    }
    return st;
}

static void subgroups(struct mrv_strbuf *b, const struct mrv_analysis *a)
{
    if (!a->nsubgroups)
        return;
    char x[128];
    mrv_strbuf_append(b, "<h2 id=\"subgroups\">Subgroups</h2>\n<p class=\"note\">By case "
                         "metadata (keys with 2 to 12 distinct values): clean mean and mean "
                         "degradation of the cases in each subgroup.</p>\n<table><thead><tr>"
                         "<th>Model</th><th>Metric</th><th>Key</th><th>Value</th><th>Cases</th>"
                         "<th>Clean</th><th>Mean degradation</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < a->nsubgroups; i++) {
        const struct mrv_agg_subgroup *g = &a->subgroups[i];
        const char *metric = a->res.metrics[g->metric];
        mrv_strbuf_append(b, "<tr>");
        td_run(b, a, g->run);
        td(b, metric);
        td(b, g->key);
        td(b, g->value);
        mrv_strbuf_printf(b, "<td class=\"num\">%zu</td>", g->ncases);
        mrv_render_ci(x, sizeof x, metric, &g->clean);
        td_num(b, x);
        mrv_render_ci(x, sizeof x, metric, &g->degradation);
        td_num(b, x);
        mrv_strbuf_append(b, "</tr>\n");
    }
    mrv_strbuf_append(b, "</tbody></table>\n");
}

static void worst(struct mrv_strbuf *b, const struct mrv_analysis *a, char *const *panels,
                  const char *panel_dir)
{
    if (!a->nworst)
        return;
    char x[64], y[64];
    mrv_strbuf_append(b, "<h2 id=\"worst\">Worst cases</h2>\n<p class=\"note\">The lowest "
                         "per-case values under perturbation (highest for lower-is-better "
                         "metrics), per model and metric, with the same case's clean value. "
                         "Image panels (reference | perturbed input | output | error) are "
                         "linked when the run saved the images.</p>\n<table><thead><tr>"
                         "<th>Model</th><th>Metric</th><th>Case</th><th>Perturbation</th>"
                         "<th>Severity</th><th>Value</th><th>Clean</th><th>Panel</th></tr>"
                         "</thead><tbody>\n");
    for (size_t i = 0; i < a->nworst; i++) {
        const struct mrv_agg_worst *w = &a->worst[i];
        const char *metric = a->res.metrics[w->metric];
        mrv_strbuf_append(b, "<tr>");
        td_run(b, a, w->run);
        td(b, metric);
        td(b, a->cases[w->case_idx].case_key);
        td(b, a->res.families[w->family]);
        mrv_strbuf_printf(b, "<td class=\"num\">%d</td>", a->severities[w->sev]);
        mrv_render_num(x, sizeof x, metric, w->value);
        mrv_render_num(y, sizeof y, metric, w->clean);
        td_num(b, x);
        td_num(b, y);
        if (panels && panels[i]) {
            mrv_strbuf_append(b, "<td><a href=\"");
            mrv_strbuf_html(b, panel_dir);
            mrv_strbuf_append(b, "/");
            mrv_strbuf_html(b, panels[i]);
            mrv_strbuf_append(b, "\">panel</a></td>");
        } else {
            mrv_strbuf_append(b, "<td>\xE2\x80\x94</td>");
        }
        mrv_strbuf_append(b, "</tr>\n");
    }
    mrv_strbuf_append(b, "</tbody></table>\n");
}

/* "<td>" for one cell of the full table: mean ± SD of the stored values,
 * then n and what was set apart. */
static void cell_html(struct mrv_strbuf *b, const struct mrv_analysis *a,
                      const struct mrv_agg_cell *c)
{
    char mean[64], sd[64];
    if (!c) {
        mrv_strbuf_append(b, "<td class=\"cell\">\xE2\x80\x94</td>");
        return;
    }
    const char *metric = a->res.metrics[c->metric];
    mrv_strbuf_append(b, "<td class=\"cell\"><span class=\"v\">");
    if (c->raw_n > 0) {
        mrv_render_num(mean, sizeof mean, metric, c->raw_mean);
        mrv_render_num(sd, sizeof sd, metric, c->raw_sd);
        if (c->raw_n > 1)
            mrv_strbuf_printf(b, "%s \xC2\xB1 %s", mean, sd);
        else
            mrv_strbuf_append(b, mean);
    } else if (c->n_posinf && !c->n_neginf) {
        mrv_strbuf_append(b, "+\xE2\x88\x9E");
    } else if (c->n_neginf && !c->n_posinf) {
        mrv_strbuf_append(b, "\xE2\x88\x92\xE2\x88\x9E");
    } else {
        mrv_strbuf_append(b, "\xE2\x80\x94");
    }
    mrv_strbuf_printf(b, "</span><span class=\"n\">n = %zu", c->raw_n);
    if (c->n_undefined)
        mrv_strbuf_printf(b, " \xC2\xB7 <span class=\"warn\">%zu undefined</span>",
                          c->n_undefined);
    if (c->n_posinf)
        mrv_strbuf_printf(b, " \xC2\xB7 %zu \xC3\x97 +\xE2\x88\x9E", c->n_posinf);
    if (c->n_neginf)
        mrv_strbuf_printf(b, " \xC2\xB7 %zu \xC3\x97 \xE2\x88\x92\xE2\x88\x9E", c->n_neginf);
    mrv_strbuf_append(b, "</span></td>");
}

/* Every stored value, as mean ± SD per (family, severity, metric) per run:
 * the numbers behind everything above, before any case averaging. */
static void all_results(struct mrv_strbuf *b, const struct mrv_analysis *a)
{
    mrv_strbuf_append(b, "<h2 id=\"results\">All results</h2>\n<p class=\"note\">Each cell is "
                         "the mean \xC2\xB1 sample standard deviation (n\xE2\x88\x92" "1) over the "
                         "finite stored values of one metric (repeats not averaged), with n "
                         "their count. Undefined values (stored as NULL with a reason) and "
                         "infinities are counted apart and never averaged in.</p>\n");
    for (size_t i = 0; i < a->nruns; i++) {
        const struct mrv_run_row *run = &a->runs[i];
        mrv_strbuf_printf(b, "<section id=\"run-%lld\">\n<h3>Run %lld: ", (long long)run->id,
                          (long long)run->id);
        mrv_strbuf_html(b, run->model);
        if (run->model_version[0]) {
            mrv_strbuf_append(b, " ");
            mrv_strbuf_html(b, run->model_version);
        }
        mrv_strbuf_append(b, " \xE2\x80\x94 ");
        mrv_strbuf_html(b, run->study);
        mrv_strbuf_append(b, "</h3>\n");
        bool any = false;
        for (size_t c = 0; c < a->ncells && !any; c++)
            any = a->cells[c].run == i;
        if (!any) {
            mrv_strbuf_append(b, "<p class=\"note\">No results stored for this run.</p>\n"
                                 "</section>\n");
            continue;
        }
        mrv_strbuf_append(b, "<table class=\"results\"><thead><tr><th>Perturbation</th>"
                             "<th>Severity</th>");
        for (size_t m = 0; m < a->res.nmetrics; m++) {
            if (!mrv_fig_metric_shown(a, (int32_t)m))
                continue;
            mrv_strbuf_append(b, "<th>");
            mrv_strbuf_html(b, a->res.metrics[m]);
            mrv_strbuf_append(b, "</th>");
        }
        mrv_strbuf_append(b, "</tr></thead>\n<tbody>\n");
        for (size_t f = 0; f < a->res.nfamilies; f++)
            for (size_t k = 0; k < a->nsev; k++) {
                bool row = false;
                for (size_t m = 0; m < a->res.nmetrics && !row; m++)
                    row = mrv_analysis_cell(a, i, (int32_t)f, k, (int32_t)m) != NULL;
                if (!row)
                    continue;
                bool clean = (int32_t)f == a->clean_family;
                mrv_strbuf_printf(b, "<tr%s><th>", clean ? " class=\"clean\"" : "");
                mrv_strbuf_html(b, clean ? "none (clean)" : a->res.families[f]);
                mrv_strbuf_printf(b, "</th><td class=\"num\">%d</td>", a->severities[k]);
                for (size_t m = 0; m < a->res.nmetrics; m++)
                    if (mrv_fig_metric_shown(a, (int32_t)m))
                        cell_html(b, a, mrv_analysis_cell(a, i, (int32_t)f, k, (int32_t)m));
                mrv_strbuf_append(b, "</tr>\n");
            }
        mrv_strbuf_append(b, "</tbody></table>\n</section>\n");
    }
}

enum mrv_status mrv_report__html(const struct mrv_analysis *a, struct mrv_store *s,
                                 char *const *panels, const char *panel_dir_rel,
                                 struct mrv_strbuf *b, struct mrv_error *err)
{
    (void)s;
    enum mrv_status st = MRV_OK;
    const char *study = a->nruns ? a->runs[0].study : NULL;
    for (size_t i = 1; i < a->nruns && study; i++)
        if (strcmp(a->runs[i].study, study) != 0)
            study = NULL;
    char when[32];
    mrv_render_time(when);
    mrv_strbuf_append(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, "
                         "initial-scale=1\">\n<title>mrvet report");
    if (study) {
        mrv_strbuf_append(b, " \xE2\x80\x94 ");
        mrv_strbuf_html(b, study);
    }
    mrv_strbuf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>mrvet report", style);
    if (study) {
        mrv_strbuf_append(b, ": ");
        mrv_strbuf_html(b, study);
    }
    mrv_strbuf_append(b, "</h1>\n<p class=\"note\">Generated by mrvet ");
    mrv_strbuf_html(b, mrv_version());
    mrv_strbuf_printf(b, " at %s from <code>", when);
    mrv_strbuf_html(b, a->db_path);
    mrv_strbuf_printf(b, "</code>: %zu runs, %zu cases, %zu results. Confidence intervals: %g %% "
                         "%s bootstrap over cases, %d resamples, seed %llu.</p>\n",
                      a->nruns, a->ncases, a->nresults, a->opt.level * 100,
                      a->opt.method == MRV_CI_BCA ? "BCa" : "percentile", a->opt.resamples,
                      (unsigned long long)a->opt.seed);
    mrv_strbuf_append(b, "<nav><ul><li><a href=\"#summary\">Robustness summary and acceptance</a>"
                         "</li><li><a href=\"#curves\">Robustness curves</a></li>"
                         "<li><a href=\"#heatmaps\">Degradation heat maps</a></li>"
                         "<li><a href=\"#distributions\">Per-case distributions</a></li>"
                         "<li><a href=\"#subgroups\">Subgroups</a></li>"
                         "<li><a href=\"#worst\">Worst cases</a></li>"
                         "<li><a href=\"#runs\">Study and provenance</a></li>"
                         "<li><a href=\"#results\">All results</a></li></ul></nav>\n");
    for (size_t m = 0; m < a->res.nmetrics; m++)
        if (a->direction[m] == 0 && !a->is_bin[m]) {
            mrv_strbuf_append(b, "<p class=\"warn\">Metric <code>");
            mrv_strbuf_html(b, a->res.metrics[m]);
            mrv_strbuf_append(b, "</code> has no known direction; it is read as higher is "
                                 "better.</p>\n");
        }
    verdict(b, a);
    families_table(b, a);
    severities(b, a);
    int cnt = 0;
    st = figures(b, a, &cnt, err);
    if (st == MRV_OK) {
        subgroups(b, a);
        worst(b, a, panels, panel_dir_rel);
        runs_table(b, a);
        all_results(b, a);
        mrv_strbuf_append(b, "</body>\n</html>\n");
    }
    return st;
}
