/* harness/yamlutil.h — checked reading of YAML documents (libyaml).
 *
 * Every failure is reported as "file:line:column: key.path: what was
 * expected, what was found" (libyaml marks are 0-based; messages are
 * 1-based, as editors count). */
#ifndef MRV_HARNESS_YAMLUTIL_H
#define MRV_HARNESS_YAMLUTIL_H

#include <stdbool.h>
#include <yaml.h>

#include "core/status.h"

struct mrv_yaml {
    yaml_document_t *doc;
    const char *origin; /* file name for messages */
    struct mrv_error *err;
    int task;           /* the document's task, for checks that depend on it */
};

enum mrv_status mrv_yaml_fail(struct mrv_yaml *c, const yaml_node_t *n, enum mrv_status code,
                              const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#if defined(__clang_analyzer__) && !defined(MRV_YAMLUTIL_IMPL)
/* For the static analyzer only, as mrv_error_set in core/status.h: the
 * function returns `code`, which the analyzer cannot see across files. */
#define mrv_yaml_fail(c, n, code, ...) (mrv_yaml_fail((c), (n), (code), __VA_ARGS__), (code))
#endif

/* The scalar's text, or NULL for any other node (or NULL). */
const char *mrv_yaml_scalar(const yaml_node_t *n);
/* "a scalar", "a list", "a mapping", "nothing". */
const char *mrv_yaml_kind(const yaml_node_t *n);
/* Every key of mapping `n` must be in `allowed` (NULL-terminated), once. */
enum mrv_status mrv_yaml_check_keys(struct mrv_yaml *c, const yaml_node_t *n, const char *path,
                                    const char *const *allowed);
/* The value of `key` in mapping `map`, or NULL. */
yaml_node_t *mrv_yaml_get(struct mrv_yaml *c, const yaml_node_t *map, const char *key);
/* A string (strdup'd into *out); `def` NULL makes the key required. */
enum mrv_status mrv_yaml_string(struct mrv_yaml *c, const yaml_node_t *map, const char *key,
                                const char *path, const char *def, char **out);
/* A number in [min, max] (an integer when `integer`), `def` when absent. */
enum mrv_status mrv_yaml_number(struct mrv_yaml *c, const yaml_node_t *map, const char *key,
                                const char *path, double def, double min, double max,
                                int integer, double *out);
/* true/false/yes/no, `def` when absent. */
enum mrv_status mrv_yaml_bool(struct mrv_yaml *c, const yaml_node_t *map, const char *key,
                              const char *path, bool def, bool *out);

#endif
