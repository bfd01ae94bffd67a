#include "harness/gate_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "harness/yamlutil.h"
#include "metrics/metric.h"

static enum mrv_status parse_rule(struct mrv_yaml *c, const yaml_node_t *n, const char *path,
                                  struct mrv_gate_rule *r)
{
    static const char *const keys[] = {"name", "metric", "margin", "floor",
                                       "breakdown_threshold", "max_breakdown_drop", "family",
                                       "severities", "subgroup", NULL};
    enum mrv_status s = mrv_yaml_check_keys(c, n, path, keys);
    char *metric = NULL, *family = NULL, *name = NULL;
    if (s == MRV_OK)
        s = mrv_yaml_string(c, n, "metric", path, NULL, &metric);
    const struct mrv_metric *m = s == MRV_OK ? mrv_metric_find(metric) : NULL;
    if (s == MRV_OK && !m)
        s = mrv_yaml_fail(c, mrv_yaml_get(c, n, "metric"), MRV_ENOTFOUND, path,
                          "unknown metric '%s' (see `mrvet list metrics`)", metric);
    if (s == MRV_OK)
        s = mrv_yaml_string(c, n, "family", path, "", &family);
    int kinds = !!mrv_yaml_get(c, n, "margin") + !!mrv_yaml_get(c, n, "floor") +
                !!mrv_yaml_get(c, n, "breakdown_threshold");
    if (s == MRV_OK && kinds != 1)
        s = mrv_yaml_fail(c, n, MRV_EINVAL, path,
                          "give exactly one of margin (non-inferiority), floor, or "
                          "breakdown_threshold");
    double v;
    if (s == MRV_OK) {
        snprintf(r->metric, sizeof r->metric, "%s", metric);
        snprintf(r->family, sizeof r->family, "%s", family);
        r->higher_is_better = m->direction == MRV_HIGHER_IS_BETTER;
        r->absolute = m->direction == MRV_ZERO_IS_BEST;
        r->sev_min = 0;
        r->sev_max = 5;
        if (mrv_yaml_get(c, n, "margin")) {
            r->kind = MRV_GATE_NONINFERIORITY;
            s = mrv_yaml_number(c, n, "margin", path, 0, 0, 1e12, 0, &r->margin);
        } else if (mrv_yaml_get(c, n, "floor")) {
            r->kind = MRV_GATE_FLOOR;
            s = mrv_yaml_number(c, n, "floor", path, 0, -1e300, 1e300, 0, &r->floor);
        } else {
            r->kind = MRV_GATE_BREAKDOWN;
            s = mrv_yaml_number(c, n, "breakdown_threshold", path, 0, -1e300, 1e300, 0,
                                &r->threshold);
            if (s == MRV_OK && !*r->family)
                s = mrv_yaml_fail(c, n, MRV_EINVAL, path,
                                  "a breakdown rule needs the perturbation family");
            if (s == MRV_OK &&
                (s = mrv_yaml_number(c, n, "max_breakdown_drop", path, 0, 0, 5, 1, &v)) ==
                    MRV_OK)
                r->max_drop = (int)v;
        }
    }
    const yaml_node_t *sev = mrv_yaml_get(c, n, "severities");
    if (s == MRV_OK && sev) {
        char full[96];
        snprintf(full, sizeof full, "%s.severities", path);
        const yaml_node_item_t *a = sev->type == YAML_SEQUENCE_NODE ? sev->data.sequence.items.start
                                                                    : NULL;
        long lo = -1, hi = -1;
        if (a && sev->data.sequence.items.top - a == 2) {
            const char *t0 = mrv_yaml_scalar(yaml_document_get_node(c->doc, a[0]));
            const char *t1 = mrv_yaml_scalar(yaml_document_get_node(c->doc, a[1]));
            char *e0 = NULL, *e1 = NULL;
            lo = t0 ? strtol(t0, &e0, 10) : -1;
            hi = t1 ? strtol(t1, &e1, 10) : -1;
            if (!t0 || !t1 || *e0 || *e1)
                lo = hi = -1;
        }
        if (lo < 0 || hi > 5 || lo > hi)
            s = mrv_yaml_fail(c, sev, MRV_EINVAL, full,
                              "expected a range [min, max] of severities within 0..5");
        r->sev_min = (int)lo;
        r->sev_max = (int)hi;
    }
    const yaml_node_t *sub = mrv_yaml_get(c, n, "subgroup");
    if (s == MRV_OK && sub) {
        char full[96];
        snprintf(full, sizeof full, "%s.subgroup", path);
        if (sub->type != YAML_MAPPING_NODE ||
            sub->data.mapping.pairs.top - sub->data.mapping.pairs.start != 1) {
            s = mrv_yaml_fail(c, sub, MRV_EINVAL, full,
                              "expected one metadata key and value, e.g. {vendor: Siemens}");
        } else {
            const char *k = mrv_yaml_scalar(
                yaml_document_get_node(c->doc, sub->data.mapping.pairs.start->key));
            const char *val = mrv_yaml_scalar(
                yaml_document_get_node(c->doc, sub->data.mapping.pairs.start->value));
            if (!k || !val || strlen(k) >= sizeof r->subgroup_key ||
                strlen(val) >= sizeof r->subgroup_value)
                s = mrv_yaml_fail(c, sub, MRV_EINVAL, full, "expected a short key and value");
            else {
                snprintf(r->subgroup_key, sizeof r->subgroup_key, "%s", k);
                snprintf(r->subgroup_value, sizeof r->subgroup_value, "%s", val);
            }
        }
    }
    if (s == MRV_OK)
        s = mrv_yaml_string(c, n, "name", path, "", &name);
    if (s == MRV_OK) {
        if (*name) {
            snprintf(r->name, sizeof r->name, "%s", name);
        } else {
            /* a name that says what the rule checks, from its fields */
            struct mrv_strbuf b, scope;
            mrv_strbuf_init(&b);
            mrv_strbuf_init(&scope);
            if (*r->family)
                mrv_strbuf_printf(&scope, " %s", r->family);
            if (r->sev_min != 0 || r->sev_max != 5)
                mrv_strbuf_printf(&scope, " severity %d-%d", r->sev_min, r->sev_max);
            if (*r->subgroup_key)
                mrv_strbuf_printf(&scope, " %s=%s", r->subgroup_key, r->subgroup_value);
            const char *sc = mrv_strbuf_str(&scope);
            if (r->kind == MRV_GATE_NONINFERIORITY)
                mrv_strbuf_printf(&b, "%s non-inferior within %g", r->metric, r->margin);
            else if (r->kind == MRV_GATE_FLOOR)
                mrv_strbuf_printf(&b, "%s %s %g", r->metric, r->higher_is_better ? ">=" : "<=",
                                  r->floor);
            else
                mrv_strbuf_printf(&b, "%s breakdown (threshold %g) drops <= %d", r->metric,
                                  r->threshold, r->max_drop);
            if (*sc)
                mrv_strbuf_printf(&b, " (%s)", sc + 1);
            snprintf(r->name, sizeof r->name, "%.159s", mrv_strbuf_str(&b));
            mrv_strbuf_free(&b);
            mrv_strbuf_free(&scope);
        }
    }
    free(metric);
    free(family);
    free(name);
    return s;
}

enum mrv_status mrv_gate_rules_parse(const char *text, size_t len, const char *origin,
                                     const char *section, struct mrv_gate_rules *out,
                                     struct mrv_error *err)
{
    memset(out, 0, sizeof *out);
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        enum mrv_status s = mrv_error_set(err, MRV_EFORMAT, "%s:%zu:%zu: YAML syntax error: %s",
                                          origin, parser.problem_mark.line + 1,
                                          parser.problem_mark.column + 1,
                                          parser.problem ? parser.problem : "unknown");
        yaml_parser_delete(&parser);
        return s;
    }
    yaml_parser_delete(&parser);
    struct mrv_yaml c = {&doc, origin, err, 0};
    enum mrv_status s = MRV_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        s = mrv_error_set(err, MRV_EFORMAT, "%s: expected a mapping of gate rules", origin);
    if (s == MRV_OK && section) {
        root = mrv_yaml_get(&c, root, section);
        if (!root || root->type != YAML_MAPPING_NODE || !mrv_yaml_get(&c, root, "rules"))
            s = mrv_error_set(err, MRV_ENOTFOUND, "%s: no '%s' section with rules", origin,
                              section);
    }
    static const char *const keys[] = {"confidence", "resamples", "seed", "rules", "baseline",
                                       "candidate", NULL};
    double v;
    if (s == MRV_OK)
        s = mrv_yaml_check_keys(&c, root, section ? section : "rules file", keys);
    if (s == MRV_OK)
        s = mrv_yaml_number(&c, root, "confidence", "", 0.95, 0.5000001, 0.9999, 0,
                            &out->cfg.confidence);
    if (s == MRV_OK && (s = mrv_yaml_number(&c, root, "resamples", "", 9999, 99, 1e6, 1, &v)) ==
                           MRV_OK)
        out->cfg.resamples = (int)v;
    if (s == MRV_OK && (s = mrv_yaml_number(&c, root, "seed", "", 0, 0, 9007199254740991.0, 1,
                                            &v)) == MRV_OK)
        out->cfg.seed = (uint64_t)v;
    const yaml_node_t *rules = s == MRV_OK ? mrv_yaml_get(&c, root, "rules") : NULL;
    if (s == MRV_OK && (!rules || rules->type != YAML_SEQUENCE_NODE ||
                        rules->data.sequence.items.top == rules->data.sequence.items.start))
        s = mrv_yaml_fail(&c, rules ? rules : root, MRV_EINVAL, "rules",
                          "expected a non-empty list of rules");
    for (yaml_node_item_t *i = s == MRV_OK ? rules->data.sequence.items.start : NULL;
         s == MRV_OK && i < rules->data.sequence.items.top; i++) {
        char path[48];
        snprintf(path, sizeof path, "rules[%zu]", out->n);
        if (out->n == MRV_GATE_MAX_RULES)
            s = mrv_yaml_fail(&c, rules, MRV_EINVAL, "rules", "more than %d rules",
                              MRV_GATE_MAX_RULES);
        else
            s = parse_rule(&c, yaml_document_get_node(&doc, *i), path, &out->rules[out->n++]);
    }
    yaml_document_delete(&doc);
    return s;
}

enum mrv_status mrv_gate_rules_load_file(const char *path, struct mrv_gate_rules *out,
                                         struct mrv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open rules file: %s", path,
                             strerror(errno));
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0 && b.len < (1u << 20)) {
        buf[n] = '\0';
        mrv_strbuf_append(&b, buf);
    }
    fclose(f);
    enum mrv_status s = mrv_strbuf_ok(&b)
                            ? mrv_gate_rules_parse(mrv_strbuf_str(&b), b.len, path, NULL, out,
                                                   err)
                            : mrv_error_set(err, MRV_ENOMEM, "out of memory");
    mrv_strbuf_free(&b);
    return s;
}
