/* Study files: YAML (libyaml's document API, which keeps each node's line
 * and column) validated key by key against the registries. */
#include "harness/study.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "harness/yamlutil.h"

#include "adapters/adapter.h"
#include "core/strbuf.h"
#include "datasets/dataset.h"
#include "datasets/fieldmap.h"
#include "metrics/metric.h"

/* A node as JSON, for the opaque `report:` and `gate:` sections. Scalars
 * that read fully as numbers or booleans are written as such. */
static void node_json(struct mrv_yaml *c, const yaml_node_t *n, struct mrv_strbuf *b)
{
    if (!n) {
        mrv_strbuf_append(b, "null");
    } else if (n->type == YAML_SCALAR_NODE) {
        const char *v = (const char *)n->data.scalar.value;
        char *end;
        double d = strtod(v, &end);
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && *v && !*end && isfinite(d))
            mrv_strbuf_json_number(b, d);
        else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                 (!strcmp(v, "true") || !strcmp(v, "false")))
            mrv_strbuf_append(b, v);
        else
            mrv_strbuf_json_string(b, v);
    } else if (n->type == YAML_SEQUENCE_NODE) {
        mrv_strbuf_append(b, "[");
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            if (i != n->data.sequence.items.start)
                mrv_strbuf_append(b, ",");
            node_json(c, yaml_document_get_node(c->doc, *i), b);
        }
        mrv_strbuf_append(b, "]");
    } else if (n->type == YAML_MAPPING_NODE) {
        mrv_strbuf_append(b, "{");
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            if (p != n->data.mapping.pairs.start)
                mrv_strbuf_append(b, ",");
            const char *k = mrv_yaml_scalar(yaml_document_get_node(c->doc, p->key));
            mrv_strbuf_json_string(b, k ? k : "");
            mrv_strbuf_append(b, ":");
            node_json(c, yaml_document_get_node(c->doc, p->value), b);
        }
        mrv_strbuf_append(b, "}");
    }
}

static enum mrv_status opaque_section(struct mrv_yaml *c, const yaml_node_t *root, const char *key,
                                      char **out)
{
    const yaml_node_t *n = mrv_yaml_get(c, root, key);
    if (n && n->type != YAML_MAPPING_NODE)
        return mrv_yaml_fail(c, n, MRV_EINVAL, key, "expected a mapping, found %s", mrv_yaml_kind(n));
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    if (n)
        node_json(c, n, &b);
    else
        mrv_strbuf_append(&b, "{}");
    if (!mrv_strbuf_ok(&b))
        return mrv_error_set(c->err, MRV_ENOMEM, "out of memory");
    *out = b.s;
    return MRV_OK;
}

static bool dataset_kind_known(const char *name)
{
    int nk;
    const struct mrv_dataset_kind *const *kinds = mrv_dataset_kinds(&nk);
    for (int i = 0; i < nk; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return true;
    return false;
}

static const struct mrv_builtin_model *builtin_find(const char *name)
{
    int nb;
    const struct mrv_builtin_model *b = mrv_builtin_models(&nb);
    for (int k = 0; k < nb; k++)
        if (strcmp(b[k].name, name) == 0)
            return &b[k];
    return NULL;
}

/* ---- sections ----------------------------------------------------------- */

static enum mrv_status parse_dataset(struct mrv_yaml *c, const yaml_node_t *root,
                                     struct mrv_study *st)
{
    static const char *const keys[] = {"kind", "path", "matrix", "coils", "limit", "strict",
                                       NULL};
    const yaml_node_t *n = mrv_yaml_get(c, root, "dataset");
    if (!n)
        return mrv_yaml_fail(c, root, MRV_EINVAL, "dataset", "required section is missing");
    enum mrv_status s = mrv_yaml_check_keys(c, n, "dataset", keys);
    double v;
    if (s == MRV_OK)
        s = mrv_yaml_string(c, n, "kind", "dataset", NULL, &st->dataset);
    if (s == MRV_OK && !dataset_kind_known(st->dataset))
        s = mrv_yaml_fail(c, mrv_yaml_get(c, n, "kind"), MRV_ENOTFOUND, "dataset.kind",
                          "unknown dataset '%s' (see `mrvet list datasets`)", st->dataset);
    if (s == MRV_OK)
        s = mrv_yaml_string(c, n, "path", "dataset", "", &st->dataset_path);
    if (s == MRV_OK && (s = mrv_yaml_number(c, n, "matrix", "dataset", 320, 16, 4096, 1, &v)) == MRV_OK)
        st->matrix = (size_t)v;
    if (s == MRV_OK && (s = mrv_yaml_number(c, n, "coils", "dataset", 8, 1, 64, 1, &v)) == MRV_OK)
        st->coils = (int)v;
    if (s == MRV_OK && (s = mrv_yaml_number(c, n, "limit", "dataset", 0, 0, 1e9, 1, &v)) == MRV_OK)
        st->limit = (size_t)v;
    if (s == MRV_OK)
        s = mrv_yaml_bool(c, n, "strict", "dataset", false, &st->strict);
    return s;
}

static enum mrv_status parse_undersampling(struct mrv_yaml *c, const yaml_node_t *root,
                                           struct mrv_study *st)
{
    static const char *const keys[] = {"pattern", "acceleration", "center_fraction", NULL};
    const yaml_node_t *n = mrv_yaml_get(c, root, "undersampling");
    st->acceleration = 4.0;
    st->center_fraction = 0.08;
    if (!n)
        return MRV_OK;
    enum mrv_status s = mrv_yaml_check_keys(c, n, "undersampling", keys);
    char *pattern = NULL;
    if (s == MRV_OK)
        s = mrv_yaml_string(c, n, "pattern", "undersampling", "random", &pattern);
    if (s == MRV_OK && strcmp(pattern, "random") != 0)
        s = mrv_yaml_fail(c, mrv_yaml_get(c, n, "pattern"), MRV_EINVAL, "undersampling.pattern",
                    "unknown pattern '%s'; expected: random", pattern);
    free(pattern);
    if (s == MRV_OK)
        s = mrv_yaml_number(c, n, "acceleration", "undersampling", 4.0, 1.0, 64.0, 0,
                       &st->acceleration);
    if (s == MRV_OK)
        s = mrv_yaml_number(c, n, "center_fraction", "undersampling", 0.08, 1e-6, 1.0, 0,
                       &st->center_fraction);
    if (s == MRV_OK && st->center_fraction > 1.0 / st->acceleration)
        s = mrv_yaml_fail(c, n, MRV_EINVAL, "undersampling",
                    "center_fraction %g samples more than 1/acceleration = %g of k-space",
                    st->center_fraction, 1.0 / st->acceleration);
    return s;
}

/* `settings:` of a model: a mapping of scalars, keys checked against the
 * adapter kind's documented settings ("*" in that list accepts any key). */
static enum mrv_status parse_settings(struct mrv_yaml *c, const yaml_node_t *m, const char *path,
                                      struct mrv_model_spec *ms)
{
    const yaml_node_t *n = mrv_yaml_get(c, m, "settings");
    if (!n)
        return MRV_OK;
    char full[96];
    snprintf(full, sizeof full, "%s.settings", path);
    if (n->type != YAML_MAPPING_NODE)
        return mrv_yaml_fail(c, n, MRV_EINVAL, full, "expected a mapping, found %s",
                             mrv_yaml_kind(n));
    const struct mrv_adapter_kind *kind = mrv_adapter_kind_find(ms->adapter);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        const yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
        const char *k = mrv_yaml_scalar(kn), *v = mrv_yaml_scalar(vn);
        if (!k || !v)
            return mrv_yaml_fail(c, vn ? vn : n, MRV_EINVAL, full,
                                 "expected key: value pairs of scalars");
        int known = 0;
        char list[512] = "";
        size_t used = 0;
        for (const struct mrv_setting_doc *d = kind ? kind->settings : NULL; d && d->key; d++) {
            known = known || strcmp(d->key, "*") == 0 || strcmp(d->key, k) == 0;
            if (used < sizeof list)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         used ? ", " : "", d->key);
        }
        if (!known)
            return mrv_yaml_fail(c, kn, MRV_EINVAL, full,
                                 "adapter %s has no setting '%s'; it accepts: %s", ms->adapter,
                                 k, used ? list : "none");
        for (int i = 0; i < ms->nsettings; i++)
            if (strcmp(ms->keys[i], k) == 0)
                return mrv_yaml_fail(c, kn, MRV_EINVAL, full, "setting '%s' appears twice", k);
        if (ms->nsettings == MRV_STUDY_MAX_SETTINGS)
            return mrv_yaml_fail(c, kn, MRV_EINVAL, full, "more than %d settings",
                                 MRV_STUDY_MAX_SETTINGS);
        ms->keys[ms->nsettings] = strdup(k);
        ms->values[ms->nsettings] = strdup(v);
        if (!ms->keys[ms->nsettings] || !ms->values[ms->nsettings++])
            return mrv_error_set(c->err, MRV_ENOMEM, "out of memory");
    }
    return MRV_OK;
}

static enum mrv_status parse_models(struct mrv_yaml *c, const yaml_node_t *root,
                                    struct mrv_study *st)
{
    static const char *const keys[] = {"name", "adapter", "model", "version", "settings", NULL};
    const yaml_node_t *n = mrv_yaml_get(c, root, "models");
    if (!n)
        return mrv_yaml_fail(c, root, MRV_EINVAL, "models", "required section is missing");
    if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
        return mrv_yaml_fail(c, n, MRV_EINVAL, "models", "expected a non-empty list of models");
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        char path[64];
        snprintf(path, sizeof path, "models[%d]", st->nmodels);
        if (st->nmodels == MRV_STUDY_MAX_MODELS)
            return mrv_yaml_fail(c, n, MRV_EINVAL, "models", "more than %d models",
                           MRV_STUDY_MAX_MODELS);
        const yaml_node_t *m = yaml_document_get_node(c->doc, *i);
        struct mrv_model_spec *ms = &st->models[st->nmodels++];
        enum mrv_status s = mrv_yaml_check_keys(c, m, path, keys);
        if (s == MRV_OK)
            s = mrv_yaml_string(c, m, "adapter", path, NULL, &ms->adapter);
        if (s == MRV_OK)
            s = mrv_yaml_string(c, m, "model", path, NULL, &ms->model);
        if (s == MRV_OK)
            s = mrv_yaml_string(c, m, "name", path, ms->model, &ms->name);
        if (s == MRV_OK)
            s = mrv_yaml_string(c, m, "version", path, "", &ms->version);
        if (s != MRV_OK)
            return s;
        if (!mrv_adapter_kind_find(ms->adapter))
            return mrv_yaml_fail(c, mrv_yaml_get(c, m, "adapter"), MRV_ENOTFOUND, path,
                           "unknown adapter '%s' (see `mrvet list adapters`)", ms->adapter);
        if (strcmp(ms->adapter, "builtin") == 0) {
            const struct mrv_builtin_model *b = builtin_find(ms->model);
            if (!b)
                return mrv_yaml_fail(c, mrv_yaml_get(c, m, "model"), MRV_ENOTFOUND, path,
                               "no builtin model '%s' (see `mrvet list adapters`)", ms->model);
            if (b->task != st->task)
                return mrv_yaml_fail(c, mrv_yaml_get(c, m, "model"), MRV_EINVAL, path,
                                     "builtin '%s' is a %s model; this is a %s study",
                                     ms->model, mrv_task_name(b->task), mrv_task_name(st->task));
        }
        if ((s = parse_settings(c, m, path, ms)) != MRV_OK)
            return s;
        for (int k = 0; k < st->nmodels - 1; k++)
            if (strcmp(st->models[k].name, ms->name) == 0)
                return mrv_yaml_fail(c, m, MRV_EINVAL, path,
                               "model name '%s' is used twice; names must be unique", ms->name);
    }
    return MRV_OK;
}

static enum mrv_status parse_severities(struct mrv_yaml *c, const yaml_node_t *n, const char *path,
                                        struct mrv_pert_spec *ps)
{
    char full[96];
    snprintf(full, sizeof full, "%s.severities", path);
    if (!n) { /* default: all of them */
        ps->nsev = MRV_SEVERITY_MAX;
        for (int i = 0; i < MRV_SEVERITY_MAX; i++)
            ps->severities[i] = i + 1;
        return MRV_OK;
    }
    if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
        return mrv_yaml_fail(c, n, MRV_EINVAL, full, "expected a non-empty list like [1, 2, 3, 4, 5]");
    int prev = 0;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        const yaml_node_t *v = yaml_document_get_node(c->doc, *i);
        const char *t = mrv_yaml_scalar(v);
        char *end = NULL;
        long sev = t ? strtol(t, &end, 10) : 0;
        if (!t || *end || end == t || sev < 1 || sev > MRV_SEVERITY_MAX)
            return mrv_yaml_fail(c, v, MRV_EINVAL, full, "expected severities 1..%d, found '%s'",
                           MRV_SEVERITY_MAX, t ? t : mrv_yaml_kind(v));
        if (sev <= prev)
            return mrv_yaml_fail(c, v, MRV_EINVAL, full,
                           "severities must be listed once each, in increasing order");
        prev = (int)sev;
        ps->severities[ps->nsev++] = (int)sev;
    }
    return MRV_OK;
}

static enum mrv_status parse_task(struct mrv_yaml *c, const yaml_node_t *root,
                                  struct mrv_study *st)
{
    char *task = NULL;
    enum mrv_status s = mrv_yaml_string(c, root, "task", "", "reconstruction", &task);
    if (s == MRV_OK && strcmp(task, "reconstruction") == 0)
        st->task = MRV_TASK_RECONSTRUCTION;
    else if (s == MRV_OK && strcmp(task, "segmentation") == 0)
        st->task = MRV_TASK_SEGMENTATION;
    else if (s == MRV_OK)
        s = mrv_yaml_fail(c, mrv_yaml_get(c, root, "task"), MRV_EINVAL, "task",
                          "'%s'; expected reconstruction or segmentation", task);
    free(task);
    return s;
}

/* One family to check: it exists and acts on k-space. */
static enum mrv_status check_family(struct mrv_yaml *c, const yaml_node_t *at, const char *path,
                                   const char *name)
{
    const struct mrv_perturbation *p = mrv_perturbation_find(name);
    if (!p)
        return mrv_yaml_fail(c, at, MRV_ENOTFOUND, path,
                             "unknown perturbation '%s' (see `mrvet list perturbations`)", name);
    if (p->layouts == MRV_LAYOUT_KSPACE3D)
        return mrv_yaml_fail(c, at, MRV_EINVAL, path,
                             "'%s' needs 3D Cartesian k-space cases, which no data set kind "
                             "yields yet; run `mrvet perturb FILE.cfl -p %s` on a 3D BART file",
                             name, name);
    if (p->domain != MRV_DOMAIN_KSPACE && c->task != MRV_TASK_SEGMENTATION)
        return mrv_yaml_fail(c, at, MRV_EINVAL, path,
                             "'%s' acts on images; a reconstruction study perturbs k-space",
                             name);
    if (p->reshape && c->task == MRV_TASK_SEGMENTATION)
        return mrv_yaml_fail(c, at, MRV_EINVAL, path,
                             "'%s' changes the k-space shape; a segmentation study perturbs "
                             "images", name);
    return MRV_OK;
}

/* `family: motion`, or `chain: [motion, noise]`: the links run in order on
 * the same k-space, each at the entry's severity (perturbations/chain.h). */
static enum mrv_status parse_family_or_chain(struct mrv_yaml *c, const yaml_node_t *m,
                                             const char *path, struct mrv_pert_spec *ps)
{
    const yaml_node_t *chain = mrv_yaml_get(c, m, "chain");
    if (!chain)
        return mrv_yaml_string(c, m, "family", path, NULL, &ps->family) == MRV_OK
                   ? check_family(c, mrv_yaml_get(c, m, "family"), path, ps->family)
                   : c->err->code;
    if (mrv_yaml_get(c, m, "family"))
        return mrv_yaml_fail(c, m, MRV_EINVAL, path, "give either family or chain, not both");
    if (c->task == MRV_TASK_SEGMENTATION)
        return mrv_yaml_fail(c, chain, MRV_EINVAL, path,
                             "chains run on k-space; a segmentation study perturbs images "
                             "one family at a time");
    char full[96];
    snprintf(full, sizeof full, "%s.chain", path);
    if (chain->type != YAML_SEQUENCE_NODE ||
        chain->data.sequence.items.top - chain->data.sequence.items.start < 2 ||
        chain->data.sequence.items.top - chain->data.sequence.items.start > MRV_STUDY_MAX_LINKS)
        return mrv_yaml_fail(c, chain, MRV_EINVAL, full,
                             "expected a list of 2..%d families, e.g. [motion, noise]",
                             MRV_STUDY_MAX_LINKS);
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    for (yaml_node_item_t *i = chain->data.sequence.items.start;
         i < chain->data.sequence.items.top; i++) {
        const yaml_node_t *v = yaml_document_get_node(c->doc, *i);
        const char *name = mrv_yaml_scalar(v);
        enum mrv_status s = name ? check_family(c, v, full, name)
                                 : mrv_yaml_fail(c, v, MRV_EINVAL, full,
                                                 "expected a family name, found %s",
                                                 mrv_yaml_kind(v));
        if (s == MRV_OK && mrv_perturbation_find(name)->reshape)
            s = mrv_yaml_fail(c, v, MRV_EINVAL, full,
                              "'%s' changes the array shapes and runs alone, not in a chain",
                              name);
        if (s == MRV_OK && !(ps->links[ps->nlinks++] = strdup(name)))
            s = mrv_error_set(c->err, MRV_ENOMEM, "out of memory");
        if (s != MRV_OK) {
            mrv_strbuf_free(&b);
            return s;
        }
        mrv_strbuf_printf(&b, "%s%s", ps->nlinks > 1 ? "+" : "", name);
    }
    if (!mrv_strbuf_ok(&b))
        return mrv_error_set(c->err, MRV_ENOMEM, "out of memory");
    ps->family = b.s;
    return MRV_OK;
}

/* `field_map: FILE` of a b0 entry: the map is read (and fingerprinted)
 * here, once, so a bad file fails the study at load. */
static enum mrv_status parse_field_map(struct mrv_yaml *c, const yaml_node_t *m,
                                       const char *path, struct mrv_pert_spec *ps)
{
    const yaml_node_t *n = mrv_yaml_get(c, m, "field_map");
    if (!n)
        return MRV_OK;
    char full[96];
    snprintf(full, sizeof full, "%s.field_map", path);
    if (ps->nlinks || strcmp(ps->family, "b0") != 0 || c->task != MRV_TASK_RECONSTRUCTION)
        return mrv_yaml_fail(c, n, MRV_EINVAL, full,
                             "a field map file is given to `family: b0` in a reconstruction "
                             "study only");
    enum mrv_status s = mrv_yaml_string(c, m, "field_map", path, NULL, &ps->field_map);
    if (s != MRV_OK)
        return s;
    struct mrv_error e = {0};
    if (mrv_fieldmap_read(ps->field_map, &ps->field_map_hz, ps->field_map_sha256, &e) != MRV_OK)
        return mrv_yaml_fail(c, n, e.code, full, "%s", e.msg);
    return MRV_OK;
}

static enum mrv_status parse_perturbations(struct mrv_yaml *c, const yaml_node_t *root,
                                           struct mrv_study *st)
{
    static const char *const keys[] = {"family", "chain", "severities", "repeats", "field_map",
                                       NULL};
    const yaml_node_t *n = mrv_yaml_get(c, root, "perturbations");
    if (!n)
        return MRV_OK; /* clean inputs only */
    if (n->type != YAML_SEQUENCE_NODE)
        return mrv_yaml_fail(c, n, MRV_EINVAL, "perturbations", "expected a list, found %s",
                       mrv_yaml_kind(n));
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        char path[64];
        snprintf(path, sizeof path, "perturbations[%d]", st->nperts);
        if (st->nperts == MRV_STUDY_MAX_PERTS)
            return mrv_yaml_fail(c, n, MRV_EINVAL, "perturbations", "more than %d entries",
                           MRV_STUDY_MAX_PERTS);
        const yaml_node_t *m = yaml_document_get_node(c->doc, *i);
        struct mrv_pert_spec *ps = &st->perts[st->nperts++];
        double v;
        enum mrv_status s = mrv_yaml_check_keys(c, m, path, keys);
        if (s == MRV_OK)
            s = parse_family_or_chain(c, m, path, ps);
        if (s == MRV_OK)
            s = parse_severities(c, mrv_yaml_get(c, m, "severities"), path, ps);
        if (s == MRV_OK && (s = mrv_yaml_number(c, m, "repeats", path, 1, 1, 1000, 1, &v)) == MRV_OK)
            ps->repeats = (int)v;
        if (s == MRV_OK)
            s = parse_field_map(c, m, path, ps);
        if (s != MRV_OK)
            return s;
        for (int k = 0; k < st->nperts - 1; k++)
            if (strcmp(st->perts[k].family, ps->family) == 0)
                return mrv_yaml_fail(c, m, MRV_EINVAL, path,
                               "perturbation '%s' is listed twice; list its severities once",
                               ps->family);
    }
    return MRV_OK;
}

static enum mrv_status parse_metrics(struct mrv_yaml *c, const yaml_node_t *root,
                                     struct mrv_study *st)
{
    const yaml_node_t *n = mrv_yaml_get(c, root, "metrics");
    if (!n) {
        static const char *const recon[] = {"psnr", "ssim", "nmse"};
        static const char *const seg[] = {"dice", "hd95", "nsd"};
        const char *const *defaults = st->task == MRV_TASK_SEGMENTATION ? seg : recon;
        for (int i = 0; i < 3; i++)
            if (!(st->metrics[st->nmetrics++] = strdup(defaults[i])))
                return mrv_error_set(c->err, MRV_ENOMEM, "out of memory");
        return MRV_OK;
    }
    if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
        return mrv_yaml_fail(c, n, MRV_EINVAL, "metrics", "expected a non-empty list like [psnr, ssim]");
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        const yaml_node_t *v = yaml_document_get_node(c->doc, *i);
        const char *t = mrv_yaml_scalar(v);
        if (st->nmetrics == MRV_STUDY_MAX_METRICS)
            return mrv_yaml_fail(c, v, MRV_EINVAL, "metrics", "more than %d metrics",
                           MRV_STUDY_MAX_METRICS);
        if (!t || !mrv_metric_find(t))
            return mrv_yaml_fail(c, v, MRV_ENOTFOUND, "metrics",
                           "unknown metric '%s' (see `mrvet list metrics`)", t ? t : "?");
        enum mrv_metric_kind mk = mrv_metric_find(t)->kind;
        if (st->task == MRV_TASK_RECONSTRUCTION && mk != MRV_METRIC_IMAGE)
            return mrv_yaml_fail(c, v, MRV_EINVAL, "metrics",
                                 "metric '%s' scores %s; a reconstruction study scores images "
                                 "(psnr, ssim, nmse, ssim_gauss, mae, hfen, ...)", t,
                                 mk == MRV_METRIC_LABELS ? "label maps" : "probabilities");
        if (st->task == MRV_TASK_SEGMENTATION && mk == MRV_METRIC_IMAGE)
            return mrv_yaml_fail(c, v, MRV_EINVAL, "metrics",
                                 "metric '%s' scores images; a segmentation study scores label "
                                 "maps and probabilities (dice, iou, hd95, assd, nsd, ece, ...)",
                                 t);
        for (int k = 0; k < st->nmetrics; k++)
            if (strcmp(st->metrics[k], t) == 0)
                return mrv_yaml_fail(c, v, MRV_EINVAL, "metrics", "metric '%s' is listed twice", t);
        if (!(st->metrics[st->nmetrics++] = strdup(t)))
            return mrv_error_set(c->err, MRV_ENOMEM, "out of memory");
    }
    return MRV_OK;
}

/* ---- the resolved study as canonical JSON -------------------------------- */

static enum mrv_status resolve(struct mrv_study *st, struct mrv_error *err)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "{\"study\":");
    mrv_strbuf_json_string(&b, st->name);
    if (st->task != MRV_TASK_RECONSTRUCTION) {
        mrv_strbuf_append(&b, ",\"task\":");
        mrv_strbuf_json_string(&b, mrv_task_name(st->task));
    }
    mrv_strbuf_printf(&b, ",\"seed\":%llu,\"dataset\":{\"kind\":", (unsigned long long)st->seed);
    mrv_strbuf_json_string(&b, st->dataset);
    mrv_strbuf_append(&b, ",\"path\":");
    mrv_strbuf_json_string(&b, st->dataset_path);
    mrv_strbuf_printf(&b, ",\"matrix\":%zu,\"coils\":%d,\"limit\":%zu,\"strict\":%s}", st->matrix,
                      st->coils, st->limit, st->strict ? "true" : "false");
    mrv_strbuf_append(&b, ",\"undersampling\":{\"pattern\":\"random\",\"acceleration\":");
    mrv_strbuf_json_number(&b, st->acceleration);
    mrv_strbuf_append(&b, ",\"center_fraction\":");
    mrv_strbuf_json_number(&b, st->center_fraction);
    mrv_strbuf_append(&b, "},\"models\":[");
    for (int i = 0; i < st->nmodels; i++) {
        const struct mrv_model_spec *m = &st->models[i];
        mrv_strbuf_append(&b, i ? ",{\"name\":" : "{\"name\":");
        mrv_strbuf_json_string(&b, m->name);
        mrv_strbuf_append(&b, ",\"adapter\":");
        mrv_strbuf_json_string(&b, m->adapter);
        mrv_strbuf_append(&b, ",\"model\":");
        mrv_strbuf_json_string(&b, m->model);
        mrv_strbuf_append(&b, ",\"version\":");
        mrv_strbuf_json_string(&b, m->version);
        if (m->nsettings) {
            mrv_strbuf_append(&b, ",\"settings\":{");
            for (int k = 0; k < m->nsettings; k++) {
                if (k)
                    mrv_strbuf_append(&b, ",");
                mrv_strbuf_json_string(&b, m->keys[k]);
                mrv_strbuf_append(&b, ":");
                mrv_strbuf_json_string(&b, m->values[k]);
            }
            mrv_strbuf_append(&b, "}");
        }
        mrv_strbuf_append(&b, "}");
    }
    mrv_strbuf_append(&b, "],\"perturbations\":[");
    for (int i = 0; i < st->nperts; i++) {
        const struct mrv_pert_spec *p = &st->perts[i];
        mrv_strbuf_append(&b, i ? ",{\"family\":" : "{\"family\":");
        mrv_strbuf_json_string(&b, p->family);
        if (p->nlinks) {
            mrv_strbuf_append(&b, ",\"chain\":[");
            for (int k = 0; k < p->nlinks; k++) {
                if (k)
                    mrv_strbuf_append(&b, ",");
                mrv_strbuf_json_string(&b, p->links[k]);
            }
            mrv_strbuf_append(&b, "]");
        }
        mrv_strbuf_append(&b, ",\"severities\":[");
        for (int k = 0; k < p->nsev; k++)
            mrv_strbuf_printf(&b, "%s%d", k ? "," : "", p->severities[k]);
        mrv_strbuf_printf(&b, "],\"repeats\":%d", p->repeats);
        if (p->field_map) {
            mrv_strbuf_append(&b, ",\"field_map\":");
            mrv_strbuf_json_string(&b, p->field_map);
            mrv_strbuf_printf(&b, ",\"field_map_sha256\":\"%s\"", p->field_map_sha256);
        }
        mrv_strbuf_append(&b, "}");
    }
    mrv_strbuf_append(&b, "],\"metrics\":[");
    for (int i = 0; i < st->nmetrics; i++) {
        if (i)
            mrv_strbuf_append(&b, ",");
        mrv_strbuf_json_string(&b, st->metrics[i]);
    }
    mrv_strbuf_printf(&b, "],\"report\":%s,\"gate\":%s}", st->report_json, st->gate_json);
    if (!mrv_strbuf_ok(&b)) {
        mrv_strbuf_free(&b);
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    st->config_json = b.s;
    return mrv_sha256_hex(b.s, b.len, st->config_sha256, err);
}

/* ---- entry points -------------------------------------------------------- */

enum mrv_status mrv_study_load_text(const char *text, size_t len, const char *origin,
                                    struct mrv_study **out, struct mrv_error *err)
{
    *out = NULL;
    struct mrv_study *st = calloc(1, sizeof *st);
    if (!st || !(st->origin = strdup(origin))) {
        free(st);
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    enum mrv_status s = mrv_sha256_hex(text, len, st->origin_sha256, err);
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_doc = 0;
    if (s == MRV_OK) {
        yaml_parser_initialize(&parser);
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        if (!yaml_parser_load(&parser, &doc)) {
            s = mrv_error_set(err, MRV_EFORMAT, "%s:%zu:%zu: YAML syntax error: %s%s%s", origin,
                              parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                              parser.problem ? parser.problem : "unknown",
                              parser.context ? " " : "", parser.context ? parser.context : "");
        } else {
            have_doc = 1;
        }
        yaml_parser_delete(&parser);
    }
    struct mrv_yaml c = {&doc, origin, err, 0};
    yaml_node_t *root = have_doc ? yaml_document_get_root_node(&doc) : NULL;
    if (s == MRV_OK && (!root || root->type != YAML_MAPPING_NODE))
        s = mrv_error_set(err, MRV_EFORMAT, "%s: expected a study (a YAML mapping with study, "
                          "dataset, models, ...), found %s", origin,
                          root ? mrv_yaml_kind(root) : "an empty document");
    static const char *const keys[] = {"study", "task", "seed", "dataset", "undersampling", "models",
                                       "perturbations", "metrics", "jobs", "panels", "report", "gate",
                                       NULL};
    double v;
    if (s == MRV_OK)
        s = mrv_yaml_check_keys(&c, root, "study file", keys);
    if (s == MRV_OK)
        s = mrv_yaml_string(&c, root, "study", "", NULL, &st->name);
    if (s == MRV_OK)
        s = parse_task(&c, root, st);
    c.task = st->task;
    if (s == MRV_OK && (s = mrv_yaml_number(&c, root, "seed", "", 0, 0, 9007199254740991.0, 1, &v)) ==
                           MRV_OK)
        st->seed = (uint64_t)v; /* integers above 2^53 would not survive a double */
    if (s == MRV_OK && (s = mrv_yaml_number(&c, root, "jobs", "", 0, 0, 64, 1, &v)) == MRV_OK)
        st->jobs = (int)v;
    if (s == MRV_OK && (s = mrv_yaml_number(&c, root, "panels", "", 3, 0, 50, 1, &v)) == MRV_OK)
        st->panels = (int)v;
    if (s == MRV_OK)
        s = parse_dataset(&c, root, st);
    if (s == MRV_OK)
        s = parse_undersampling(&c, root, st);
    if (s == MRV_OK)
        s = parse_models(&c, root, st);
    if (s == MRV_OK)
        s = parse_perturbations(&c, root, st);
    if (s == MRV_OK)
        s = parse_metrics(&c, root, st);
    if (s == MRV_OK)
        s = opaque_section(&c, root, "report", &st->report_json);
    if (s == MRV_OK)
        s = opaque_section(&c, root, "gate", &st->gate_json);
    if (s == MRV_OK)
        s = resolve(st, err);
    if (have_doc)
        yaml_document_delete(&doc);
    if (s != MRV_OK) {
        mrv_study_free(st);
        return s;
    }
    *out = st;
    return MRV_OK;
}

enum mrv_status mrv_study_load_file(const char *path, struct mrv_study **out,
                                    struct mrv_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open study file: %s", path,
                             strerror(errno));
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
        buf[n] = '\0';
        if (memchr(buf, '\0', n)) {
            fclose(f);
            mrv_strbuf_free(&b);
            return mrv_error_set(err, MRV_EFORMAT, "%s: binary data, not a YAML study file",
                                 path);
        }
        mrv_strbuf_append(&b, buf);
        if (b.len > (16u << 20))
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || !mrv_strbuf_ok(&b) || b.len > (16u << 20)) {
        mrv_strbuf_free(&b);
        return mrv_error_set(err, bad ? MRV_EIO : MRV_EINVAL,
                             "%s: cannot read the study file (unreadable or over 16 MiB)", path);
    }
    enum mrv_status s = mrv_study_load_text(mrv_strbuf_str(&b), b.len, path, out, err);
    mrv_strbuf_free(&b);
    return s;
}

void mrv_study_free(struct mrv_study *st)
{
    if (!st)
        return;
    free(st->name);
    free(st->origin);
    free(st->dataset);
    free(st->dataset_path);
    for (int i = 0; i < st->nmodels; i++) {
        free(st->models[i].name);
        free(st->models[i].adapter);
        free(st->models[i].model);
        free(st->models[i].version);
        for (int k = 0; k < st->models[i].nsettings; k++) {
            free(st->models[i].keys[k]);
            free(st->models[i].values[k]);
        }
    }
    for (int i = 0; i < st->nperts; i++) {
        free(st->perts[i].family);
        for (int k = 0; k < st->perts[i].nlinks; k++)
            free(st->perts[i].links[k]);
        free(st->perts[i].field_map);
        mrv_array_free(&st->perts[i].field_map_hz);
    }
    for (int i = 0; i < st->nmetrics; i++)
        free(st->metrics[i]);
    free(st->report_json);
    free(st->gate_json);
    free(st->config_json);
    free(st);
}

enum mrv_status mrv_study_set_dataset(struct mrv_study *st, const char *kind,
                                      struct mrv_error *err)
{
    if (!dataset_kind_known(kind))
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "dataset '%s' is unknown (see `mrvet list datasets`)", kind);
    char *k = strdup(kind), *p = strdup("");
    if (!k || !p) {
        free(k);
        free(p);
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    free(st->dataset);
    free(st->dataset_path);
    st->dataset = k;
    st->dataset_path = p;
    free(st->config_json);
    st->config_json = NULL;
    return resolve(st, err);
}

size_t mrv_study_items_per_case(const struct mrv_study *st)
{
    size_t n = 1;
    for (int i = 0; i < st->nperts; i++)
        n += (size_t)st->perts[i].nsev * (size_t)st->perts[i].repeats;
    return n;
}

extern const char mrv_demo_study_yaml[]; /* generated from examples/demo.yaml */

const char *mrv_study_demo_text(void)
{
    return mrv_demo_study_yaml;
}
