/* harness/yamlutil.c — reading YAML documents (libyaml's document API)
 * with errors that name file:line:column, the key's path and the expected
 * form. Shared by the study file and the gate rules. */
#define MRV_YAMLUTIL_IMPL /* defines mrv_yaml_fail: no analyzer macro here */
#include "harness/yamlutil.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "file:line:col: path: message" — libyaml marks are 0-based. */
enum mrv_status mrv_yaml_fail(struct mrv_yaml *c, const yaml_node_t *n, enum mrv_status code,
                               const char *path, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n)
        return mrv_error_set(c->err, code, "%s:%zu:%zu: %s: %s", c->origin,
                             n->start_mark.line + 1, n->start_mark.column + 1, path, msg);
    return mrv_error_set(c->err, code, "%s: %s: %s", c->origin, path, msg);
}

const char *mrv_yaml_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

const char *mrv_yaml_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

/* Check that every key of mapping `n` is in `allowed` (NULL-terminated). */
enum mrv_status mrv_yaml_check_keys(struct mrv_yaml *c, const yaml_node_t *n, const char *path,
                                  const char *const *allowed)
{
    if (n->type != YAML_MAPPING_NODE)
        return mrv_yaml_fail(c, n, MRV_EINVAL, path, "expected a mapping, found %s", mrv_yaml_kind(n));
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const char *key = mrv_yaml_scalar(k);
        int ok = 0;
        for (int i = 0; key && allowed[i]; i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char list[512] = "";
            size_t used = 0;
            for (int i = 0; allowed[i] && used < sizeof list; i++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         i ? ", " : "", allowed[i]);
            return mrv_yaml_fail(c, k, MRV_EINVAL, path, "unknown key '%s'; expected one of: %s",
                           key ? key : "(not a scalar)", list);
        }
        /* a key given twice is a mistake, not an override */
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const char *other = mrv_yaml_scalar(yaml_document_get_node(c->doc, q->key));
            if (key && other && strcmp(key, other) == 0)
                return mrv_yaml_fail(c, k, MRV_EINVAL, path, "key '%s' appears twice", key);
        }
    }
    return MRV_OK;
}

yaml_node_t *mrv_yaml_get(struct mrv_yaml *c, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = mrv_yaml_scalar(yaml_document_get_node(c->doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

enum mrv_status mrv_yaml_string(struct mrv_yaml *c, const yaml_node_t *map, const char *key,
                                  const char *path, const char *def, char **out)
{
    const yaml_node_t *n = mrv_yaml_get(c, map, key);
    char full[128];
    snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", key);
    if (!n) {
        if (!def)
            return mrv_yaml_fail(c, map, MRV_EINVAL, full, "required key is missing");
        *out = strdup(def);
    } else {
        const char *v = mrv_yaml_scalar(n);
        if (!v)
            return mrv_yaml_fail(c, n, MRV_EINVAL, full, "expected a string, found %s",
                           mrv_yaml_kind(n));
        if (strlen(v) > 1000)
            return mrv_yaml_fail(c, n, MRV_EINVAL, full, "longer than 1000 characters");
        *out = strdup(v);
    }
    return *out ? MRV_OK : mrv_error_set(c->err, MRV_ENOMEM, "out of memory");
}

enum mrv_status mrv_yaml_number(struct mrv_yaml *c, const yaml_node_t *map, const char *key,
                                  const char *path, double def, double min, double max,
                                  int integer, double *out)
{
    const yaml_node_t *n = mrv_yaml_get(c, map, key);
    char full[128];
    snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", key);
    if (!n) {
        *out = def;
        return MRV_OK;
    }
    const char *v = mrv_yaml_scalar(n);
    char *end = NULL;
    errno = 0;
    double d = v ? strtod(v, &end) : NAN;
    int bad = !v || end == v || *end || errno || !isfinite(d) ||
              (integer && d != floor(d)) || d < min || d > max;
    if (bad && integer)
        return mrv_yaml_fail(c, n, MRV_EINVAL, full, "expected an integer in %.0f..%.0f, found '%s'",
                             min, max, v ? v : mrv_yaml_kind(n));
    if (bad) /* 10 digits: ranges print as written (0.5000001), not as binary doubles */
        return mrv_yaml_fail(c, n, MRV_EINVAL, full, "expected a number in %.10g..%.10g, found '%s'",
                             min, max, v ? v : mrv_yaml_kind(n));
    *out = d;
    return MRV_OK;
}

enum mrv_status mrv_yaml_bool(struct mrv_yaml *c, const yaml_node_t *map, const char *key,
                                const char *path, bool def, bool *out)
{
    const yaml_node_t *n = mrv_yaml_get(c, map, key);
    if (!n) {
        *out = def;
        return MRV_OK;
    }
    const char *v = mrv_yaml_scalar(n);
    if (v && (!strcmp(v, "true") || !strcmp(v, "yes"))) {
        *out = true;
        return MRV_OK;
    }
    if (v && (!strcmp(v, "false") || !strcmp(v, "no"))) {
        *out = false;
        return MRV_OK;
    }
    char full[128];
    snprintf(full, sizeof full, "%s.%s", path, key);
    return mrv_yaml_fail(c, n, MRV_EINVAL, full, "expected true or false, found '%s'",
                   v ? v : mrv_yaml_kind(n));
}

