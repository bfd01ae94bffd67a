/* harness/study.h — a validation study, as written in a YAML study file.
 *
 * The study file (docs/study-reference.md) names the test set, the models,
 * the undersampling, the perturbation grid and the metrics. Loading
 * validates everything against the registries; any unknown key, wrong type
 * or out-of-range value is an error naming file:line:column, the key's
 * path (e.g. `models[1].adapter`) and the expected form.
 *
 * The resolved study (defaults filled in) is kept as canonical JSON; its
 * SHA-256 identifies the study in the store, so an edited study is detected
 * when a run resumes. `jobs` is not part of it: thread count never changes
 * a number.
 */
#ifndef MRV_HARNESS_STUDY_H
#define MRV_HARNESS_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sha256.h"
#include "core/case.h"
#include "core/status.h"
#include "perturbations/perturb.h"

#define MRV_STUDY_MAX_METRICS 16
#define MRV_STUDY_MAX_MODELS 16
#define MRV_STUDY_MAX_PERTS 32

#define MRV_STUDY_MAX_SETTINGS 32

struct mrv_model_spec {
    char *name;          /* label, unique in the study: the run's model name */
    char *adapter;       /* adapter kind */
    char *model;         /* what the adapter runs (builtin: the model name) */
    char *version;       /* version label, "" if none */
    int nsettings;       /* `settings:` of the model, as key/value strings */
    char *keys[MRV_STUDY_MAX_SETTINGS];
    char *values[MRV_STUDY_MAX_SETTINGS];
};

#define MRV_STUDY_MAX_LINKS 8

struct mrv_pert_spec {
    char *family;                     /* a family, or a chain's links joined by "+" */
    int nlinks;                       /* 0: a single family; else a chain of these */
    char *links[MRV_STUDY_MAX_LINKS];
    int nsev;
    int severities[MRV_SEVERITY_MAX]; /* ascending, 1..5 */
    int repeats;                      /* seeds per severity */
    /* b0 only: `field_map:` FILE, read at load (docs/perturbations/b0.md) */
    char *field_map;                  /* NULL: maps are drawn */
    struct mrv_array field_map_hz;    /* (slices, y, x) f32 Hz */
    char field_map_sha256[MRV_SHA256_HEX];
};

struct mrv_study {
    char *name;
    enum mrv_task task;               /* reconstruction (default) or segmentation */
    uint64_t seed;                    /* < 2^63 */
    char *origin;                     /* the file it came from */
    char origin_sha256[MRV_SHA256_HEX];
    /* dataset */
    char *dataset;                    /* kind: phantom, ... */
    char *dataset_path;               /* "" for built-in sets */
    size_t matrix;                    /* phantom matrix */
    int coils;                        /* simulated coils */
    size_t limit;                     /* 0 = all cases */
    bool strict;                      /* stop at the first bad case */
    /* reconstruction undersampling */
    double acceleration;
    double center_fraction;
    int nmodels;
    struct mrv_model_spec models[MRV_STUDY_MAX_MODELS];
    int nperts;
    struct mrv_pert_spec perts[MRV_STUDY_MAX_PERTS];
    int nmetrics;
    char *metrics[MRV_STUDY_MAX_METRICS];
    int jobs;                         /* 0 = all cores */
    int panels;                       /* worst groups per run and metric whose images
                                         are saved for the report (0 = none) */
    char *report_json;                /* `report:` section, verbatim as JSON ("{}") */
    char *gate_json;                  /* `gate:` section */
    char *config_json;                /* the resolved study, canonical */
    char config_sha256[MRV_SHA256_HEX];
};

/* Parse and validate a study file. `*out` is freed with mrv_study_free.
 * Errors: MRV_EIO (unreadable), MRV_EFORMAT (YAML syntax, with line and
 * column), MRV_EINVAL / MRV_ENOTFOUND (a key's value). */
enum mrv_status mrv_study_load_file(const char *path, struct mrv_study **out,
                                    struct mrv_error *err);

/* The same from text in memory; `origin` names it in messages. */
enum mrv_status mrv_study_load_text(const char *text, size_t len, const char *origin,
                                    struct mrv_study **out, struct mrv_error *err);

void mrv_study_free(struct mrv_study *st);

/* Work items per case: 1 (clean) + sum over perturbations of severities x
 * repeats. Each runs every model. */
size_t mrv_study_items_per_case(const struct mrv_study *st);

/* Replace the study's data set by the built-in set `kind` (no path) and
 * re-resolve its configuration and hash. MRV_ENOTFOUND for an unknown kind. */
enum mrv_status mrv_study_set_dataset(struct mrv_study *st, const char *kind,
                                      struct mrv_error *err);

/* The built-in demo study's YAML text (examples/demo.yaml, compiled in). */
const char *mrv_study_demo_text(void);

#endif
