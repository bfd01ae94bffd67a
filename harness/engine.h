/* harness/engine.h — run a study's grid on a thread pool, resumably.
 *
 * The grid: cases (in this shard) x perturbation instances (the clean
 * input, then each family x severity x repeat) x models x metrics. A work
 * item is one (case, instance): the clean k-space is copied and perturbed
 * once, the columns of the case's undersampling mask are zeroed, and every
 * model still missing that item runs on the same input and is scored
 * against the clean reference.
 *
 * Every number is a pure function of the study and the item's indices:
 * seeds derive from (study seed, case id, stream, severity, repeat), so the
 * stored values are the same on 1 or N threads, in any shard, and after any
 * number of interruptions. Items are written whole, one transaction per
 * batch; a resumed run skips the items its runs already hold.
 *
 * Memory stays flat however large the test set: workers claim items in
 * order, a case is loaded by the first worker that needs it and freed when
 * its last item is done, and finished items wait in a bounded queue for the
 * single writer.
 */
#ifndef MRV_HARNESS_ENGINE_H
#define MRV_HARNESS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/study.h"

struct mrv_run_options {
    const char *db_path;
    int jobs;          /* worker threads; <= 0: the study's, else all cores */
    int shard_k;       /* 1-based shard index, with shard_n > 1 */
    int shard_n;       /* 0 or 1: the whole grid */
    bool new_run;      /* start new runs even if the study changed since */
    bool progress;     /* progress on stderr */
};

struct mrv_run_summary {
    size_t cases;          /* cases in this shard */
    size_t items_total;    /* work items in this shard */
    size_t items_skipped;  /* already stored (resume) */
    size_t items_run;
    size_t items_failed;   /* perturbation or model failed: NULL values stored */
    size_t model_calls;
    size_t results;        /* result rows written */
    double seconds;
    int jobs;
    int nruns;
    int64_t run_ids[MRV_STUDY_MAX_MODELS];
};

/* Run `st` into the store at o->db_path. Errors: a study changed under an
 * existing run (MRV_EINVAL, unless o->new_run), store (MRV_ESTORE,
 * MRV_EFORMAT), a bad case in strict mode, internal. Failing items are
 * stored with NULL values and reasons and do not stop the run. */
enum mrv_status mrv_engine_run(const struct mrv_study *st, const struct mrv_run_options *o,
                               struct mrv_run_summary *sum, struct mrv_error *err);

/* What a run would do, without running: cases in the shard, items, model
 * calls, items already stored in o->db_path (if it exists). */
enum mrv_status mrv_engine_plan(const struct mrv_study *st, const struct mrv_run_options *o,
                                struct mrv_run_summary *sum, struct mrv_error *err);

#endif
