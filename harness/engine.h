/* harness/engine.h — plan a study's grid and run it on a thread pool.
 *
 * The grid is cases × severities (0 = clean, then the family's severities)
 * × repeats. Every item is a pure function of the study and its indices:
 * seeds derive from (study seed, case id, stream, severity, repeat)
 * (core/rng.h), so the stored numbers are the same on 1 or N threads.
 * Per item: copy the clean k-space, perturb it in place, zero the columns
 * the case's undersampling mask drops, run the model, score the output
 * against the clean reference. The writer commits one transaction per
 * batch of items.
 */
#ifndef MRV_HARNESS_ENGINE_H
#define MRV_HARNESS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "datasets/dataset.h"

#define MRV_STUDY_MAX_METRICS 16

struct mrv_study {
    const char *name;
    uint64_t seed;                 /* < 2^63 */
    const char *dataset;           /* "phantom" */
    struct mrv_dataset_opts dataset_opts;
    size_t limit;                  /* at most this many cases; 0 = all */
    const char *adapter;           /* "builtin" */
    const char *model;             /* "zero_filled" */
    const char *model_version;     /* label, may be NULL */
    double acceleration;           /* undersampling: fastMRI random mask */
    double center_fraction;
    const char *perturbation;      /* family name */
    int severity_max;              /* severities 1..severity_max (plus 0 = clean) */
    int repeats;                   /* noise realizations per severity */
    int nmetrics;
    const char *metrics[MRV_STUDY_MAX_METRICS];
    int jobs;                      /* worker threads; <= 0: all cores */
};

/* The demo study: phantom, zero-filled model, random mask (R = 4, centre
 * fraction 0.08), noise severities 1..5 with 3 repeats, PSNR/SSIM/NMSE. */
void mrv_study_demo(struct mrv_study *st);

struct mrv_run_summary {
    int64_t run_id;
    size_t items;         /* work items run */
    size_t results;       /* result rows stored */
    size_t failed_items;  /* items whose perturbation or model failed */
    double seconds;       /* wall time */
    int jobs;
};

/* Run `st` and store everything in the SQLite file `db_path` (created if
 * needed). Failing items are stored with NULL values and the reason; the
 * run goes on. Errors: configuration (MRV_EINVAL / MRV_ENOTFOUND), store
 * (MRV_ESTORE), internal. */
enum mrv_status mrv_study_run(const struct mrv_study *st, const char *db_path,
                              struct mrv_run_summary *summary, struct mrv_error *err);

/* The study as JSON (what is stored as the run's configuration). Caller frees. */
char *mrv_study_json(const struct mrv_study *st);

#endif
