/* harness/gate_rules.h — acceptance rules for `mrvet gate`, from a rules
 * file (YAML) or from the `gate:` section a study stored with its runs.
 * Format: docs/gate.md. */
#ifndef MRV_HARNESS_GATE_RULES_H
#define MRV_HARNESS_GATE_RULES_H

#include <stddef.h>

#include "reports/gate.h"

#define MRV_GATE_MAX_RULES 64

struct mrv_gate_rules {
    struct mrv_gate_config cfg;
    size_t n;
    struct mrv_gate_rule rules[MRV_GATE_MAX_RULES];
};

/* Parse rules from YAML (or JSON) text; `origin` names it in messages.
 * `section` NULL: the whole document is the rules mapping; else the rules
 * are the mapping under that key (a study's "gate"). Metrics must exist
 * (their direction comes from the registry). MRV_ENOTFOUND when `section`
 * is absent or holds no rules. */
enum mrv_status mrv_gate_rules_parse(const char *text, size_t len, const char *origin,
                                     const char *section, struct mrv_gate_rules *out,
                                     struct mrv_error *err);

enum mrv_status mrv_gate_rules_load_file(const char *path, struct mrv_gate_rules *out,
                                         struct mrv_error *err);

#endif
