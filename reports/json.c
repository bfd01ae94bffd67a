/* reports/json.c — every aggregate of the analysis as JSON, for other
 * tools (dashboards, the gate of another CI, a notebook). Numbers are
 * printed with 17 significant digits (they round-trip); NaN and infinities,
 * which JSON cannot hold, are null, with a "*_reason" where one is known.
 * The layout is documented in docs/reports.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "reports/plot.h"
#include "reports/render.h"

/* A JSON string of store text, made valid UTF-8 first (JSON text must be
 * Unicode; SQLite does not check what it stores). */
static void jstr(struct mrv_strbuf *b, const char *v)
{
    size_t n = strlen(v) + 1;
    char small[256], *buf = n <= sizeof small ? small : malloc(n);
    if (!buf) {
        mrv_strbuf_append(b, "null");
        return;
    }
    mrv_plot_utf8_clean(buf, n, v);
    mrv_strbuf_json_string(b, buf);
    if (buf != small)
        free(buf);
}

static void key(struct mrv_strbuf *b, const char *k)
{
    jstr(b, k);
    mrv_strbuf_append(b, ":");
}

static void num(struct mrv_strbuf *b, const char *k, double v)
{
    key(b, k);
    mrv_strbuf_json_number(b, v);
}

static void str(struct mrv_strbuf *b, const char *k, const char *v)
{
    key(b, k);
    if (v)
        jstr(b, v);
    else
        mrv_strbuf_append(b, "null");
}

static void ci(struct mrv_strbuf *b, const char *k, const struct mrv_ci *c)
{
    key(b, k);
    mrv_strbuf_append(b, "{");
    num(b, "estimate", c->estimate);
    mrv_strbuf_append(b, ",");
    num(b, "lo", c->lo);
    mrv_strbuf_append(b, ",");
    num(b, "hi", c->hi);
    mrv_strbuf_printf(b, ",\"n\":%zu,", c->n);
    str(b, "null_reason", c->null_reason);
    mrv_strbuf_append(b, "}");
}

static void run_ref(struct mrv_strbuf *b, const struct mrv_analysis *a, size_t run)
{
    mrv_strbuf_printf(b, "\"run_id\":%lld,", (long long)a->runs[run].id);
    str(b, "model", a->runs[run].model);
}

static void header(struct mrv_strbuf *b, const struct mrv_analysis *a)
{
    char when[32];
    mrv_render_time(when);
    mrv_strbuf_append(b, "{");
    str(b, "mrvet_version", mrv_version());
    mrv_strbuf_append(b, ",");
    str(b, "generated_at", when);
    mrv_strbuf_append(b, ",");
    str(b, "store", a->db_path);
    mrv_strbuf_printf(b, ",\"results\":%zu,\"options\":{", a->nresults);
    num(b, "alpha", a->opt.alpha);
    mrv_strbuf_append(b, ",");
    num(b, "level", a->opt.level);
    mrv_strbuf_printf(b, ",\"resamples\":%d,\"method\":\"%s\",\"seed\":%llu,"
                         "\"reference_run\":%lld,\"criteria\":[",
                      a->opt.resamples, a->opt.method == MRV_CI_BCA ? "bca" : "percentile",
                      (unsigned long long)a->opt.seed,
                      a->nruns ? (long long)a->runs[a->reference].id : 0LL);
    for (size_t i = 0; i < a->opt.ncriteria; i++) {
        mrv_strbuf_append(b, i ? ",{" : "{");
        str(b, "metric", a->opt.criteria[i].metric);
        mrv_strbuf_printf(b, ",\"op\":\"%s\",", a->opt.criteria[i].higher_better ? ">=" : "<=");
        num(b, "threshold", a->opt.criteria[i].threshold);
        mrv_strbuf_append(b, "}");
    }
    mrv_strbuf_append(b, "]},\n\"runs\":[");
    for (size_t i = 0; i < a->nruns; i++) {
        const struct mrv_run_row *r = &a->runs[i];
        mrv_strbuf_printf(b, "%s{\"id\":%lld,", i ? ",\n" : "", (long long)r->id);
        str(b, "study", r->study);
        mrv_strbuf_append(b, ",");
        str(b, "model", r->model);
        mrv_strbuf_append(b, ",");
        str(b, "model_version", r->model_version);
        mrv_strbuf_append(b, ",");
        str(b, "software_version", r->software_version);
        mrv_strbuf_append(b, ",");
        str(b, "git_commit", r->git_commit);
        mrv_strbuf_append(b, ",");
        str(b, "host", r->host);
        mrv_strbuf_printf(b, ",\"seed\":%llu,", (unsigned long long)r->seed);
        str(b, "started_at", r->started_at);
        mrv_strbuf_append(b, ",");
        str(b, "ended_at", r->ended_at);
        mrv_strbuf_append(b, ",");
        str(b, "status", r->status);
        mrv_strbuf_append(b, "}");
    }
    mrv_strbuf_append(b, "],\n\"metrics\":[");
    for (size_t m = 0; m < a->res.nmetrics; m++) {
        mrv_strbuf_append(b, m ? ",{" : "{");
        str(b, "name", a->res.metrics[m]);
        mrv_strbuf_printf(b, ",\"direction\":\"%s\",\"calibration_bin\":%s}",
                          a->direction[m] < 0 ? "lower_is_better"
                          : a->direction[m] > 0 ? "higher_is_better" : "unknown",
                          a->is_bin[m] ? "true" : "false");
    }
    mrv_strbuf_append(b, "],\n\"cases\":[");
    for (size_t c = 0; c < a->ncases; c++) {
        mrv_strbuf_printf(b, "%s{\"id\":%lld,", c ? ",\n" : "", (long long)a->cases[c].id);
        str(b, "dataset", a->cases[c].dataset);
        mrv_strbuf_append(b, ",");
        str(b, "key", a->cases[c].case_key);
        mrv_strbuf_append(b, ",\"metadata\":{");
        for (size_t k = 0; k < a->cases[c].nmeta; k++) {
            if (k)
                mrv_strbuf_append(b, ",");
            str(b, a->cases[c].meta_keys[k], a->cases[c].meta_values[k]);
        }
        mrv_strbuf_append(b, "}}");
    }
    mrv_strbuf_append(b, "],\n\"provenance\":[");
    for (size_t i = 0; i < a->nprov; i++) {
        const struct mrv_read_provenance *p = &a->prov[i];
        mrv_strbuf_printf(b, "%s{\"run_id\":%lld,", i ? ",\n" : "", (long long)p->run_id);
        str(b, "kind", p->kind);
        mrv_strbuf_append(b, ",");
        str(b, "name", p->name);
        mrv_strbuf_append(b, ",");
        str(b, "sha256", *p->sha256 ? p->sha256 : NULL);
        mrv_strbuf_append(b, ",");
        str(b, "detail", *p->detail ? p->detail : NULL);
        mrv_strbuf_append(b, "}");
    }
    mrv_strbuf_append(b, "]");
}

enum mrv_status mrv_report__json(const struct mrv_analysis *a, struct mrv_strbuf *b,
                                 struct mrv_error *err)
{
    (void)err;
    header(b, a);
    mrv_strbuf_append(b, ",\n\"severity_parameters\":[");
    for (size_t i = 0; i < a->nsevinfo; i++) {
        mrv_strbuf_append(b, i ? ",{" : "{");
        str(b, "family", a->sevinfo[i].family);
        mrv_strbuf_printf(b, ",\"severity\":%d,", a->sevinfo[i].severity);
        str(b, "parameters", a->sevinfo[i].params);
        mrv_strbuf_append(b, "}");
    }
    mrv_strbuf_append(b, "],\n\"cells\":[");
    for (size_t i = 0; i < a->ncells; i++) {
        const struct mrv_agg_cell *c = &a->cells[i];
        mrv_strbuf_append(b, i ? ",\n{" : "{");
        run_ref(b, a, c->run);
        mrv_strbuf_append(b, ",");
        str(b, "family", a->res.families[c->family]);
        mrv_strbuf_printf(b, ",\"severity\":%d,", a->severities[c->sev]);
        str(b, "metric", a->res.metrics[c->metric]);
        mrv_strbuf_printf(b, ",\"values\":%zu,\"undefined\":%zu,\"posinf\":%zu,\"neginf\":%zu,",
                          c->n_values, c->n_undefined, c->n_posinf, c->n_neginf);
        ci(b, "mean", &c->ci);
        mrv_strbuf_append(b, ",\"five_number\":[");
        for (int k = 0; k < 5; k++) {
            if (k)
                mrv_strbuf_append(b, ",");
            mrv_strbuf_json_number(b, c->five[k]);
        }
        mrv_strbuf_append(b, "]}");
    }
    mrv_strbuf_append(b, "],\n\"robustness\":[");
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *r = &a->robust[i];
        mrv_strbuf_append(b, i ? ",\n{" : "{");
        run_ref(b, a, r->run);
        mrv_strbuf_append(b, ",");
        str(b, "family", a->res.families[r->family]);
        mrv_strbuf_append(b, ",");
        str(b, "metric", a->res.metrics[r->metric]);
        mrv_strbuf_append(b, ",\"breakdown_severity\":");
        if (r->breakdown == MRV_BREAKDOWN_NO_CRITERION)
            mrv_strbuf_append(b, "null");
        else if (r->breakdown == MRV_BREAKDOWN_NONE)
            mrv_strbuf_append(b, "\"none\"");
        else
            mrv_strbuf_printf(b, "%d", r->breakdown);
        mrv_strbuf_append(b, ",");
        ci(b, "degradation", &r->degradation);
        mrv_strbuf_append(b, ",");
        ci(b, "degradation_vs_reference", &r->vs_reference);
        mrv_strbuf_append(b, ",");
        num(b, "overall", r->overall);
        mrv_strbuf_append(b, ",");
        ci(b, "ce", &r->ce);
        mrv_strbuf_append(b, ",");
        ci(b, "relative_ce", &r->rel_ce);
        mrv_strbuf_append(b, "}");
    }
    mrv_strbuf_append(b, "],\n\"models\":[");
    for (size_t i = 0; i < a->nmodels; i++) {
        const struct mrv_agg_model *m = &a->models[i];
        mrv_strbuf_append(b, i ? ",\n{" : "{");
        run_ref(b, a, m->run);
        mrv_strbuf_append(b, ",");
        str(b, "metric", a->res.metrics[m->metric]);
        mrv_strbuf_append(b, ",");
        ci(b, "clean", &m->clean);
        mrv_strbuf_append(b, ",");
        ci(b, "mean_degradation", &m->mean_degradation);
        mrv_strbuf_append(b, ",");
        ci(b, "degradation_vs_reference", &m->vs_reference);
        mrv_strbuf_append(b, ",");
        ci(b, "mce", &m->mce);
        mrv_strbuf_append(b, ",");
        ci(b, "relative_mce", &m->rel_mce);
        mrv_strbuf_printf(b, ",\"mce_families\":%d,\"relative_mce_families\":%d",
                          m->mce_families, m->rel_mce_families);
        mrv_strbuf_printf(b, ",\"families\":%d,\"pass\":%s}", m->families,
                          m->pass == 1 ? "true" : m->pass == 0 ? "false" : "null");
    }
    mrv_strbuf_append(b, "],\n\"subgroups\":[");
    for (size_t i = 0; i < a->nsubgroups; i++) {
        const struct mrv_agg_subgroup *g = &a->subgroups[i];
        mrv_strbuf_append(b, i ? ",\n{" : "{");
        run_ref(b, a, g->run);
        mrv_strbuf_append(b, ",");
        str(b, "metric", a->res.metrics[g->metric]);
        mrv_strbuf_append(b, ",");
        str(b, "key", g->key);
        mrv_strbuf_append(b, ",");
        str(b, "value", g->value);
        mrv_strbuf_printf(b, ",\"cases\":%zu,", g->ncases);
        ci(b, "clean", &g->clean);
        mrv_strbuf_append(b, ",");
        ci(b, "mean_degradation", &g->degradation);
        mrv_strbuf_append(b, "}");
    }
    mrv_strbuf_append(b, "],\n\"worst_cases\":[");
    for (size_t i = 0; i < a->nworst; i++) {
        const struct mrv_agg_worst *w = &a->worst[i];
        mrv_strbuf_append(b, i ? ",\n{" : "{");
        run_ref(b, a, w->run);
        mrv_strbuf_append(b, ",");
        str(b, "metric", a->res.metrics[w->metric]);
        mrv_strbuf_append(b, ",");
        str(b, "case", a->cases[w->case_idx].case_key);
        mrv_strbuf_append(b, ",");
        str(b, "family", a->res.families[w->family]);
        mrv_strbuf_printf(b, ",\"severity\":%d,\"perturbation_id\":%lld,", a->severities[w->sev],
                          (long long)w->perturbation_id);
        num(b, "value", w->value);
        mrv_strbuf_append(b, ",");
        num(b, "clean", w->clean);
        mrv_strbuf_append(b, "}");
    }
    mrv_strbuf_append(b, "],\n\"reliability\":[");
    for (size_t i = 0; i < a->nrel; i++) {
        const struct mrv_agg_reliability *r = &a->rel[i];
        mrv_strbuf_append(b, i ? ",\n{" : "{");
        run_ref(b, a, r->run);
        mrv_strbuf_append(b, ",");
        str(b, "family", a->res.families[r->family]);
        mrv_strbuf_printf(b, ",\"severity\":%d,\"bins\":[", a->severities[r->sev]);
        for (int k = 0; k < r->nbins; k++) {
            mrv_strbuf_append(b, k ? ",{" : "{");
            num(b, "count", r->count[k]);
            mrv_strbuf_append(b, ",");
            num(b, "confidence", r->conf[k]);
            mrv_strbuf_append(b, ",");
            num(b, "accuracy", r->acc[k]);
            mrv_strbuf_append(b, "}");
        }
        mrv_strbuf_append(b, "]}");
    }
    mrv_strbuf_append(b, "]}\n");
    return MRV_OK;
}
