/* reports/analysis_internal.h — shared by analysis.c and scores.c only. */
#ifndef MRV_REPORTS_ANALYSIS_INTERNAL_H
#define MRV_REPORTS_ANALYSIS_INTERNAL_H

#include "reports/analysis.h"

/* One bootstrap CI to compute: of mean(x) or, with y, of mean(x − y); with
 * k > 0, of the mean over k columns of sum(x) / sum(y), x and y n × k
 * row-major (mrv_stats_bootstrap_mean_ratio). */
struct mrv_ci_job {
    const double *x, *y;
    size_t n, k;
    uint64_t seed;
    struct mrv_ci *out;
};

/* A growable list of jobs. */
struct mrv_ci_jobs {
    struct mrv_ci_job *v;
    size_t n, cap;
};

/* Queue a job; false on OOM. n < 2 jobs are resolved at run time by
 * core/stats.h itself (it reports them undefined). */
bool mrv_analysis__job(struct mrv_ci_jobs *j, const double *x, const double *y, size_t n,
                       uint64_t seed, struct mrv_ci *out);
/* Queue a ratio job (k >= 1 columns, see mrv_ci_job); false on OOM. */
bool mrv_analysis__job_ratio(struct mrv_ci_jobs *j, const double *num, const double *den,
                             size_t n, size_t k, uint64_t seed, struct mrv_ci *out);
/* Run every job on opt.threads workers, then free the list. */
enum mrv_status mrv_analysis__run_jobs(const struct mrv_analysis *a, struct mrv_ci_jobs *j,
                                       struct mrv_error *err);
/* The resampling seed of one aggregate, from what it is (core/rng.h). */
uint64_t mrv_analysis__seed(const struct mrv_analysis *a, const char *what, size_t run,
                            int32_t family, int32_t metric, int k);
/* A CI with NaN fields and a reason, for aggregates that are undefined. */
void mrv_analysis__ci_undefined(struct mrv_ci *ci, const struct mrv_analysis *a,
                                const char *reason);

/* scores.c: robustness rows, model rows, subgroups, worst cases and
 * reliability bins, after the cells exist. */
enum mrv_status mrv_analysis__scores(struct mrv_analysis *a, struct mrv_error *err);

#endif
