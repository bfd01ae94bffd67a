/* reports/pdf.c — the evidence report for print (cairo PDF surface, A4).
 *
 * Laid out for a reviewer who reads on paper: the verdict first (the
 * acceptance criteria as given, a pass/fail table per model and metric,
 * breakdown severities), then the figures (the same cairo drawings as the
 * HTML page, as vectors), then the provenance that ties every number to
 * its data, code and seed. Text is cairo's toy text API; long cells are
 * cut with an ellipsis to their column.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo-pdf.h>

#include "core/version.h"
#include "reports/plot.h"
#include "reports/render.h"

#define PAGE_W 595.276 /* A4, points */
#define PAGE_H 841.89
#define MARGIN 48.0
#define BODY_W (PAGE_W - 2 * MARGIN)

struct doc {
    cairo_t *cr;
    double y;
    int page;
};

static void footer(struct doc *d)
{
    char buf[64];
    cairo_select_font_face(d->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(d->cr, 8);
    cairo_set_source_rgb(d->cr, 0.4, 0.4, 0.4);
    snprintf(buf, sizeof buf, "mrvet evidence report \xE2\x80\x94 page %d", d->page);
    cairo_move_to(d->cr, MARGIN, PAGE_H - 24);
    cairo_show_text(d->cr, buf);
}

static void new_page(struct doc *d)
{
    footer(d);
    cairo_show_page(d->cr);
    d->page++;
    d->y = MARGIN;
}

static void need(struct doc *d, double h)
{
    if (d->y + h > PAGE_H - MARGIN)
        new_page(d);
}

static void set_font(struct doc *d, double size, int bold, int mono)
{
    cairo_select_font_face(d->cr, mono ? "monospace" : "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(d->cr, size);
    cairo_set_source_rgb(d->cr, 0.08, 0.08, 0.08);
}

/* Paragraph with word wrapping at BODY_W. */
static void para(struct doc *d, const char *text, double size, int bold)
{
    char s[4400];
    mrv_plot_utf8_clean(s, sizeof s, text);
    set_font(d, size, bold, 0);
    double lh = size * 1.35;
    char line[1024];
    size_t n = 0;
    const char *p = s;
    while (*p) {
        const char *w = p;
        while (*w && *w != ' ')
            w++;
        size_t wl = (size_t)(w - p);
        char trial[1024];
        snprintf(trial, sizeof trial, "%.*s%s%.*s", (int)n, line, n ? " " : "", (int)wl, p);
        cairo_text_extents_t e;
        cairo_text_extents(d->cr, trial, &e);
        if (n && e.x_advance > BODY_W) {
            need(d, lh);
            set_font(d, size, bold, 0);
            cairo_move_to(d->cr, MARGIN, d->y + size);
            cairo_show_text(d->cr, line);
            d->y += lh;
            snprintf(line, sizeof line, "%.*s", (int)wl, p);
        } else {
            snprintf(line, sizeof line, "%s", trial);
        }
        n = strlen(line);
        p = *w ? w + 1 : w;
    }
    if (n) {
        need(d, lh);
        set_font(d, size, bold, 0);
        cairo_move_to(d->cr, MARGIN, d->y + size);
        cairo_show_text(d->cr, line);
        d->y += lh;
    }
    d->y += size * 0.5;
}

/* Text cut to `w` points with an ellipsis, at a UTF-8 boundary. */
static void cell(struct doc *d, double x, double w, const char *s)
{
    char buf[512];
    mrv_plot_utf8_clean(buf, sizeof buf - 4, s && *s ? s : "\xE2\x80\x94");
    cairo_text_extents_t e;
    cairo_text_extents(d->cr, buf, &e);
    size_t n = strlen(buf);
    while (e.x_advance > w - 4 && n > 0) {
        do
            n--;
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80);
        snprintf(buf + n, sizeof buf - n, "\xE2\x80\xA6");
        cairo_text_extents(d->cr, buf, &e);
    }
    cairo_move_to(d->cr, x + 2, d->y + 9);
    cairo_show_text(d->cr, buf);
}

/* One table row; `head` rows are bold on grey. */
static void row(struct doc *d, const double *w, const char *const *v, int n, int head, int mono)
{
    need(d, 14);
    if (head) {
        cairo_set_source_rgb(d->cr, 0.93, 0.94, 0.95);
        cairo_rectangle(d->cr, MARGIN, d->y - 1, BODY_W, 13);
        cairo_fill(d->cr);
    }
    set_font(d, mono && !head ? 7.5 : 8, head, mono && !head);
    double x = MARGIN;
    for (int i = 0; i < n; i++) {
        int verdict = !head && v[i] && (!strcmp(v[i], "fail") || !strcmp(v[i], "pass"));
        if (verdict) {
            set_font(d, 8, 1, 0);
            if (v[i][0] == 'f')
                cairo_set_source_rgb(d->cr, 0.8, 0.1, 0.15);
            else
                cairo_set_source_rgb(d->cr, 0.1, 0.5, 0.2);
        }
        cell(d, x, w[i], v[i]);
        if (verdict)
            set_font(d, 8, head, mono && !head);
        x += w[i];
    }
    cairo_set_source_rgb(d->cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(d->cr, 0.5);
    cairo_move_to(d->cr, MARGIN, d->y + 12.5);
    cairo_line_to(d->cr, MARGIN + BODY_W, d->y + 12.5);
    cairo_stroke(d->cr);
    d->y += 13;
}

static void figure(struct doc *d, const struct mrv_fig *f)
{
    double w, h;
    mrv_fig_size(f, &w, &h);
    double s = BODY_W / 640.0, sw = w * s, sh = h * s;
    need(d, sh + 8);
    cairo_save(d->cr);
    cairo_translate(d->cr, MARGIN + (BODY_W - sw) / 2, d->y);
    cairo_scale(d->cr, s, s);
    cairo_rectangle(d->cr, 0, 0, w, h);
    cairo_clip(d->cr);
    mrv_fig_draw(d->cr, w, h, (void *)f);
    cairo_restore(d->cr);
    d->y += sh + 8;
}

static void verdict(struct doc *d, const struct mrv_analysis *a)
{
    char buf[1024], ref[200] = "";
    if (a->nruns)
        mrv_analysis_run_label(a, a->reference, ref, sizeof ref);
    para(d, "Acceptance criteria", 13, 1);
    if (!a->opt.ncriteria) {
        para(d, "None were given (mrvet report --accept METRIC>=VALUE), so the tables show "
                "no verdict and no breakdown severity.", 9.5, 0);
    }
    for (size_t i = 0; i < a->opt.ncriteria; i++) {
        const struct mrv_criterion *c = &a->opt.criteria[i];
        snprintf(buf, sizeof buf, "\xE2\x80\xA2 %s %s %g at every severity of every perturbation "
                                  "and on clean input (mean over cases).",
                 c->metric, c->higher_better ? "\xE2\x89\xA5" : "\xE2\x89\xA4", c->threshold);
        para(d, buf, 9.5, 0);
    }
    snprintf(buf, sizeof buf, "Pass/fail per model and metric. Degradation is ROOD-MRI's "
                              "\xCE\xB1^s-weighted drop from clean (\xCE\xB1 = %.3g; positive = "
                              "worse), averaged over perturbations; mCE is ImageNet-C's mean "
                              "corruption error against the reference model %s (< 1 = more "
                              "robust). Brackets: %g %% bootstrap CI over cases.",
             a->opt.alpha, ref, a->opt.level * 100);
    para(d, buf, 9.5, 0);
    /* Two tables: a CI per number needs the width (mCE [lo, hi] is as wide
     * as a clean mean [lo, hi]). */
    static const double w[] = {130, 50, 127, 140, 52};
    static const char *const head[] = {"Model", "Metric", "Clean", "Mean degradation",
                                       "Verdict"};
    row(d, w, head, 5, 1, 0);
    for (size_t i = 0; i < a->nmodels; i++) {
        const struct mrv_agg_model *m = &a->models[i];
        const char *metric = a->res.metrics[m->metric];
        char l[200], c[96], g[96];
        mrv_analysis_run_label(a, m->run, l, sizeof l);
        mrv_render_ci(c, sizeof c, metric, &m->clean);
        mrv_render_ci(g, sizeof g, metric, &m->mean_degradation);
        const char *v[] = {l, metric, c, g,
                           m->pass == 1 ? "pass" : m->pass == 0 ? "fail" : "\xE2\x80\x94"};
        row(d, w, v, 5, 0, 0);
    }
    d->y += 10;
    para(d, "Corruption error against the reference model (ImageNet-C; 1 = as robust as the "
            "reference, < 1 = more robust). Brackets: bootstrap CI over cases, resampled "
            "jointly across perturbations for mCE.", 9.5, 0);
    static const double wm[] = {150, 60, 60, 115, 114};
    static const char *const headm[] = {"Model", "Metric", "Families", "mCE [CI]",
                                        "Rel. mCE [CI]"};
    row(d, wm, headm, 5, 1, 0);
    for (size_t i = 0; i < a->nmodels; i++) {
        const struct mrv_agg_model *m = &a->models[i];
        char l[200], f[32], x[96], y[96];
        mrv_analysis_run_label(a, m->run, l, sizeof l);
        snprintf(f, sizeof f, "%d", m->mce_families);
        mrv_render_ci(x, sizeof x, NULL, &m->mce);
        mrv_render_ci(y, sizeof y, NULL, &m->rel_mce);
        const char *v[] = {l, a->res.metrics[m->metric], f, x, y};
        row(d, wm, v, 5, 0, 0);
    }
    d->y += 10;
    para(d, "Breakdown severity per perturbation (lowest severity whose mean fails the "
            "criterion; \"none\": never fails)", 11, 1);
    static const double w2[] = {140, 90, 60, 70, 139};
    static const char *const head2[] = {"Model", "Perturbation", "Metric", "Breakdown",
                                        "Degradation [CI]"};
    row(d, w2, head2, 5, 1, 0);
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *r = &a->robust[i];
        const char *metric = a->res.metrics[r->metric];
        char l[200], bs[16], g[96];
        mrv_analysis_run_label(a, r->run, l, sizeof l);
        mrv_render_ci(g, sizeof g, metric, &r->degradation);
        const char *v[] = {l, a->res.families[r->family], metric,
                           mrv_render_breakdown(r->breakdown, bs, sizeof bs), g};
        row(d, w2, v, 5, 0, 0);
    }
    d->y += 10;
    para(d, "Corruption error per perturbation against the reference model [bootstrap CI "
            "over cases]", 11, 1);
    static const double w3[] = {130, 80, 55, 117, 117};
    static const char *const head3[] = {"Model", "Perturbation", "Metric", "CE [CI]",
                                        "Rel. CE [CI]"};
    row(d, w3, head3, 5, 1, 0);
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *r = &a->robust[i];
        char l[200], x[96], y[96];
        mrv_analysis_run_label(a, r->run, l, sizeof l);
        mrv_render_ci(x, sizeof x, NULL, &r->ce);
        mrv_render_ci(y, sizeof y, NULL, &r->rel_ce);
        const char *v[] = {l, a->res.families[r->family], a->res.metrics[r->metric], x, y};
        row(d, w3, v, 5, 0, 0);
    }
}

static void severities(struct doc *d, const struct mrv_analysis *a)
{
    if (!a->nsevinfo)
        return;
    d->y += 10;
    para(d, "Perturbations and severities (parameters of the first stored instance)", 11, 1);
    static const double w[] = {90, 50, 355};
    static const char *const head[] = {"Perturbation", "Severity", "Parameters"};
    row(d, w, head, 3, 1, 0);
    for (size_t i = 0; i < a->nsevinfo; i++) {
        char sev[16];
        snprintf(sev, sizeof sev, "%d", a->sevinfo[i].severity);
        const char *v[] = {a->sevinfo[i].family, sev, a->sevinfo[i].params};
        row(d, w, v, 3, 0, 0);
    }
}

static void figures(struct doc *d, const struct mrv_analysis *a)
{
    new_page(d);
    para(d, "Robustness curves and degradation", 13, 1);
    para(d, "Mean over cases per severity (0 = clean) with its bootstrap CI band, one line per "
            "model; dashed red: the acceptance threshold. Heat maps: clean minus perturbed mean "
            "(sign flipped for lower-is-better metrics; red = worse).", 9.5, 0);
    for (size_t m = 0; m < a->res.nmetrics; m++) {
        if (!mrv_fig_metric_shown(a, (int32_t)m))
            continue;
        if (!mrv_analysis_has_robust(a, SIZE_MAX, -1, (int32_t)m))
            continue;
        struct mrv_fig bars = {a, MRV_FIG_BARS, 0, -1, (int32_t)m};
        figure(d, &bars);
        for (size_t f = 0; f < a->res.nfamilies; f++) {
            if (!mrv_analysis_has_robust(a, SIZE_MAX, (int32_t)f, (int32_t)m))
                continue;
            struct mrv_fig fig = {a, MRV_FIG_CURVES, 0, (int32_t)f, (int32_t)m};
            figure(d, &fig);
        }
        for (size_t r = 0; r < a->nruns; r++) {
            if (!mrv_analysis_has_robust(a, r, -1, (int32_t)m))
                continue;
            struct mrv_fig fig = {a, MRV_FIG_HEATMAP, r, -1, (int32_t)m};
            figure(d, &fig);
        }
    }
    for (size_t i = 0; i < a->nrel; i++) {
        struct mrv_fig fig = {a, MRV_FIG_RELIABILITY, i, -1, -1};
        figure(d, &fig);
    }
}

static void tables(struct doc *d, const struct mrv_analysis *a)
{
    char x[96], y[96], l[200];
    if (a->nsubgroups) {
        new_page(d);
        para(d, "Subgroups", 13, 1);
        para(d, "By case metadata (keys with 2 to 12 distinct values): clean mean and mean "
                "degradation of the cases in each subgroup [bootstrap CI].", 9.5, 0);
        static const double w[] = {110, 45, 60, 60, 30, 95, 95};
        static const char *const head[] = {"Model", "Metric", "Key", "Value", "n", "Clean",
                                           "Mean degradation"};
        row(d, w, head, 7, 1, 0);
        for (size_t i = 0; i < a->nsubgroups; i++) {
            const struct mrv_agg_subgroup *g = &a->subgroups[i];
            const char *metric = a->res.metrics[g->metric];
            char n[24];
            mrv_analysis_run_label(a, g->run, l, sizeof l);
            snprintf(n, sizeof n, "%zu", g->ncases);
            mrv_render_ci(x, sizeof x, metric, &g->clean);
            mrv_render_ci(y, sizeof y, metric, &g->degradation);
            const char *v[] = {l, metric, g->key, g->value, n, x, y};
            row(d, w, v, 7, 0, 0);
        }
    }
    if (a->nworst) {
        new_page(d);
        para(d, "Worst cases", 13, 1);
        para(d, "Lowest per-case values under perturbation (highest for lower-is-better "
                "metrics), per model and metric, beside the same case's clean value.", 9.5, 0);
        static const double w[] = {110, 45, 125, 70, 40, 52, 53};
        static const char *const head[] = {"Model", "Metric", "Case", "Perturbation",
                                           "Severity", "Value", "Clean"};
        row(d, w, head, 7, 1, 0);
        for (size_t i = 0; i < a->nworst; i++) {
            const struct mrv_agg_worst *k = &a->worst[i];
            const char *metric = a->res.metrics[k->metric];
            char sev[16];
            mrv_analysis_run_label(a, k->run, l, sizeof l);
            snprintf(sev, sizeof sev, "%d", a->severities[k->sev]);
            mrv_render_num(x, sizeof x, metric, k->value);
            mrv_render_num(y, sizeof y, metric, k->clean);
            const char *v[] = {l, metric, a->cases[k->case_idx].case_key,
                               a->res.families[k->family], sev, x, y};
            row(d, w, v, 7, 0, 0);
        }
    }
}

static void provenance(struct doc *d, const struct mrv_analysis *a)
{
    new_page(d);
    para(d, "Provenance", 13, 1);
    para(d, "Every number above comes from these runs; the store keeps, per result, the case "
            "fingerprint, the perturbation's drawn parameters and seed.", 9.5, 0);
    static const double w[] = {25, 105, 70, 45, 110, 60, 40, 44};
    static const char *const head[] = {"Run", "Model", "Version", "mrvet", "Git commit", "Host",
                                       "Seed", "Status"};
    row(d, w, head, 8, 1, 0);
    for (size_t i = 0; i < a->nruns; i++) {
        const struct mrv_run_row *r = &a->runs[i];
        char id[24], seed[24];
        snprintf(id, sizeof id, "%lld", (long long)r->id);
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
        const char *v[] = {id, r->model, r->model_version, r->software_version, r->git_commit,
                           r->host, seed, r->status};
        row(d, w, v, 8, 0, 0);
    }
    d->y += 10;
    para(d, "Fingerprints (SHA-256)", 11, 1);
    static const double w2[] = {22, 44, 104, 325};
    static const char *const head2[] = {"Run", "Kind", "Name", "SHA-256"};
    row(d, w2, head2, 4, 1, 0);
    size_t ncase = 0;
    for (size_t i = 0; i < a->nprov; i++) {
        const struct mrv_read_provenance *p = &a->prov[i];
        if (!strcmp(p->kind, "case")) {
            ncase++;
            continue;
        }
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)p->run_id);
        const char *v[] = {id, p->kind, p->name, p->sha256};
        row(d, w2, v, 4, 0, 1);
    }
    if (ncase) {
        char buf[160];
        snprintf(buf, sizeof buf, "Plus %zu per-case fingerprints (store table provenance, kind "
                                  "case; JSON report).", ncase);
        d->y += 4;
        para(d, buf, 9, 0);
    }
}

enum mrv_status mrv_report__pdf(const struct mrv_analysis *a, const char *path,
                                struct mrv_error *err)
{
    struct mrv_strbuf tmp;
    mrv_strbuf_init(&tmp);
    mrv_strbuf_printf(&tmp, "%s.tmp", path);
    if (!mrv_strbuf_ok(&tmp))
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    cairo_surface_t *sf = cairo_pdf_surface_create(tmp.s, PAGE_W, PAGE_H);
    /* Reproducible bytes for a bundle: the creation date follows
     * SOURCE_DATE_EPOCH like the other formats. */
    char when[32];
    mrv_render_time(when);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, when);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, "mrvet evidence report");
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "mrvet");
    struct doc d = {cairo_create(sf), MARGIN, 1};
    char buf[4400];
    snprintf(buf, sizeof buf, "mrvet evidence report%s%s", a->nruns ? ": " : "",
             a->nruns ? a->runs[0].study : "");
    para(&d, buf, 18, 1);
    snprintf(buf, sizeof buf, "Generated by mrvet %s at %s from %s: %zu runs, %zu cases, %zu "
                              "results.",
             mrv_version(), when, a->db_path, a->nruns, a->ncases, a->nresults);
    para(&d, buf, 9.5, 0);
    verdict(&d, a);
    severities(&d, a);
    figures(&d, a);
    tables(&d, a);
    provenance(&d, a);
    footer(&d);
    cairo_status_t cs = cairo_status(d.cr);
    cairo_destroy(d.cr);
    cairo_surface_finish(sf);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    enum mrv_status st = MRV_OK;
    if (cs != CAIRO_STATUS_SUCCESS) {
        unlink(tmp.s);
        st = mrv_error_set(err, cs == CAIRO_STATUS_WRITE_ERROR ? MRV_EIO : MRV_EINTERNAL,
                           "%s: cannot write PDF report: %s", path, cairo_status_to_string(cs));
    } else if (rename(tmp.s, path) != 0) {
        st = mrv_error_set(err, MRV_EIO, "%s: cannot write PDF report (replacing): %s", path,
                           strerror(errno));
        unlink(tmp.s);
    }
    mrv_strbuf_free(&tmp);
    return st;
}
