/* reports/markdown.c — a summary short enough for a merge-request comment:
 * the verdict table (one row per model and metric) and the breakdown
 * severities, in GitHub/GitLab-flavoured Markdown. Strings from the store
 * are escaped so a model named "a|b" or "<img>" cannot break the table or
 * inject markup into the comment.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/version.h"
#include "reports/render.h"

/* Markdown table text: escape the characters that end a cell or start
 * markup; HTML-significant ones become entities (GitLab and GitHub render
 * inline HTML). Newlines would end the row: they become spaces. */
static void md(struct mrv_strbuf *b, const char *s)
{
    if (!s || !*s) {
        mrv_strbuf_append(b, "\xE2\x80\x94");
        return;
    }
    for (; *s; s++) {
        char c[2] = {*s, 0};
        switch (*s) {
        case '|': case '\\': case '`': case '*': case '_': case '[': case ']':
        case '#': case '~': case '!':
            mrv_strbuf_append(b, "\\");
            mrv_strbuf_append(b, c);
            break;
        case '<': mrv_strbuf_append(b, "&lt;"); break;
        case '>': mrv_strbuf_append(b, "&gt;"); break;
        case '&': mrv_strbuf_append(b, "&amp;"); break;
        case '\n': case '\r': mrv_strbuf_append(b, " "); break;
        default: mrv_strbuf_append(b, c);
        }
    }
}

static void run_cell(struct mrv_strbuf *b, const struct mrv_analysis *a, size_t run)
{
    char l[200];
    mrv_analysis_run_label(a, run, l, sizeof l);
    mrv_strbuf_append(b, "| ");
    md(b, l);
    mrv_strbuf_append(b, " ");
}

enum mrv_status mrv_report__markdown(const struct mrv_analysis *a, struct mrv_strbuf *b,
                                     struct mrv_error *err)
{
    (void)err;
    char x[128], when[32], ref[200] = "";
    mrv_render_time(when);
    if (a->nruns)
        mrv_analysis_run_label(a, a->reference, ref, sizeof ref);
    int verdict = -1;
    for (size_t i = 0; i < a->nmodels; i++)
        if (a->models[i].pass >= 0)
            verdict = verdict == 0 ? 0 : a->models[i].pass;
    mrv_strbuf_append(b, "### mrvet robustness report");
    if (a->nruns) {
        mrv_strbuf_append(b, ": ");
        md(b, a->runs[0].study);
    }
    mrv_strbuf_append(b, verdict == 1   ? " \xE2\x80\x94 **PASS**\n\n"
                         : verdict == 0 ? " \xE2\x80\x94 **FAIL**\n\n"
                                        : "\n\n");
    mrv_strbuf_printf(b, "%zu runs, %zu cases, %zu results; reference model: ", a->nruns,
                      a->ncases, a->nresults);
    md(b, ref);
    mrv_strbuf_printf(b, ". Intervals: %g %% bootstrap over cases.", a->opt.level * 100);
    if (a->opt.ncriteria) {
        mrv_strbuf_append(b, " Acceptance: ");
        for (size_t i = 0; i < a->opt.ncriteria; i++) {
            const struct mrv_criterion *c = &a->opt.criteria[i];
            mrv_strbuf_append(b, i ? ", `" : "`");
            /* Inside a code span only the backtick matters. */
            for (const char *p = c->metric; *p; p++)
                if (*p != '`')
                    mrv_strbuf_printf(b, "%c", *p);
            mrv_strbuf_printf(b, " %s %g`", c->higher_better ? ">=" : "<=", c->threshold);
        }
        mrv_strbuf_append(b, ".");
    }
    mrv_strbuf_append(b, "\n\n| Model | Metric | Clean | Mean degradation | vs reference | mCE "
                         "| Rel. mCE | Verdict |\n|---|---|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < a->nmodels; i++) {
        const struct mrv_agg_model *m = &a->models[i];
        const char *metric = a->res.metrics[m->metric];
        run_cell(b, a, m->run);
        mrv_strbuf_append(b, "| ");
        md(b, metric);
        mrv_render_ci(x, sizeof x, metric, &m->clean);
        mrv_strbuf_printf(b, " | %s", x);
        mrv_render_ci(x, sizeof x, metric, &m->mean_degradation);
        mrv_strbuf_printf(b, " | %s", x);
        mrv_render_ci(x, sizeof x, metric, &m->vs_reference);
        mrv_strbuf_printf(b, " | %s", m->run == a->reference ? "reference" : x);
        mrv_render_ci(x, sizeof x, NULL, &m->mce);
        mrv_strbuf_printf(b, " | %s", x);
        mrv_render_ci(x, sizeof x, NULL, &m->rel_mce);
        mrv_strbuf_printf(b, " | %s | %s |\n", x,
                          m->pass == 1 ? "pass" : m->pass == 0 ? "**fail**" : "\xE2\x80\x94");
    }
    /* Breakdown severities only where a criterion exists, to stay short. */
    bool any = false;
    char bs[16];
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *r = &a->robust[i];
        if (r->breakdown == MRV_BREAKDOWN_NO_CRITERION)
            continue;
        if (!any)
            mrv_strbuf_append(b, "\n| Model | Perturbation | Metric | Breakdown severity | "
                                 "Degradation | CE | Rel. CE |\n|---|---|---|---:|---:|---:|---:|\n");
        any = true;
        run_cell(b, a, r->run);
        mrv_strbuf_append(b, "| ");
        md(b, a->res.families[r->family]);
        mrv_strbuf_append(b, " | ");
        md(b, a->res.metrics[r->metric]);
        mrv_render_ci(x, sizeof x, a->res.metrics[r->metric], &r->degradation);
        mrv_strbuf_printf(b, " | %s | %s", mrv_render_breakdown(r->breakdown, bs, sizeof bs), x);
        mrv_render_ci(x, sizeof x, NULL, &r->ce);
        mrv_strbuf_printf(b, " | %s", x);
        mrv_render_ci(x, sizeof x, NULL, &r->rel_ce);
        mrv_strbuf_printf(b, " | %s |\n", x);
    }
    mrv_strbuf_printf(b, "\n<sub>mrvet %s, %s. Degradation: ROOD-MRI, \xCE\xB1 = %.3g, positive "
                         "= worse than clean. mCE: ImageNet-C against the reference (< 1 = more "
                         "robust).</sub>\n",
                      mrv_version(), when, a->opt.alpha);
    return MRV_OK;
}
