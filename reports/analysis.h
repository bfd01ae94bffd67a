/* reports/analysis.h — every aggregate a report shows, computed once from
 * the store and then rendered as HTML, PDF, Markdown or JSON.
 *
 * Unit of analysis: the case (patient / volume). Repeats of a perturbation
 * on one case are averaged first, so a case counts once in every mean, CI
 * and paired comparison (REFERENCES.md, "Statistics for model comparison").
 * Each run is one model's execution; "model" below means run.
 *
 * Aggregates:
 *  - cell (run, family, severity, metric): mean over cases with a bootstrap
 *    CI (core/stats.h, seeded), five-number summary of the per-case values,
 *    counts of undefined and infinite values set apart (never averaged in);
 *  - breakdown severity (run, family, metric): the lowest severity whose
 *    mean fails the metric's acceptance criterion;
 *  - ROOD-MRI scores (Boone et al., NeuroImage 2023; AICONSlab/roodmri
 *    calculate_metrics): degradation D = Σ_s α^s (m_0 − m_s) / Σ_s α^s
 *    (sign flipped for lower-is-better metrics, so D > 0 is worse), and
 *    overall O = (m_0 + Σ_s α^s m_s) / (1 + Σ_s α^s), α = 2/3 by default.
 *    D is linear in the per-case values, so it is computed per case and its
 *    CI is the bootstrap CI of the mean of per-case D;
 *  - ImageNet-C corruption error (Hendrycks & Dietterich, ICLR 2019) against
 *    a reference run: CE_c = Σ_s E_s / Σ_s E_s^ref, relative CE_c =
 *    Σ_s (E_s − E_0) / Σ_s (E_s^ref − E_0^ref), mCE = mean over families.
 *    E is an error: 1 − m for similarity scores bounded by 1 (SSIM, Dice,
 *    ...), m for lower-is-better metrics, 10^(−PSNR/10) (= MSE / R²) for
 *    PSNR; other metrics have no CE. Cases are paired between the two runs.
 *    CE is a ratio of sums over cases (num_i = Σ_s E_s(i), den_i =
 *    Σ_s E_s^ref(i)), so its CI is core/stats.h's paired bootstrap of a ratio
 *    (cases resampled with both runs' errors); mCE's CI resamples cases
 *    jointly across families (mrv_stats_bootstrap_mean_ratio), since the
 *    same patients are in every family;
 *  - per model and metric: mean D over families (per case, with CI), mCE,
 *    relative mCE (with CIs), and the paired difference of D against the
 *    reference;
 *  - subgroups by case metadata, worst cases, reliability bins.
 */
#ifndef MRV_REPORTS_ANALYSIS_H
#define MRV_REPORTS_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/stats.h"
#include "core/status.h"
#include "store/read.h"
#include "store/store.h"

#define MRV_REPORT_MAX_CRITERIA 32

/* An acceptance criterion: `metric` passes when mean >= threshold
 * (higher_better) or mean <= threshold. */
struct mrv_criterion {
    char metric[64];
    bool higher_better;
    double threshold;
};

struct mrv_report_options {
    int64_t reference_run;  /* run id of the reference model; 0: the first run */
    double alpha;           /* ROOD-MRI severity weight, (0, 1]; default 2/3 */
    double level;           /* CI level; default 0.95 */
    int resamples;          /* bootstrap resamples; default 1000 */
    enum mrv_ci_method method; /* default MRV_CI_PERCENTILE */
    uint64_t seed;          /* resampling seed; default 20261125 */
    int threads;            /* CI workers; 0: one per online CPU */
    size_t worst_n;         /* worst cases listed per run and metric; default 10 */
    size_t ncriteria;
    struct mrv_criterion criteria[MRV_REPORT_MAX_CRITERIA];
};

/* Fill `o` with the defaults above. */
void mrv_report_options_default(struct mrv_report_options *o);

/* Parse "METRIC>=VALUE" or "METRIC<=VALUE" (e.g. "ssim>=0.9") into the next
 * criterion of `o`. MRV_EINVAL naming the text when malformed or full. */
enum mrv_status mrv_report_options_add_criterion(struct mrv_report_options *o,
                                                 const char *text, struct mrv_error *err);

/* Metric direction from its name: +1 higher is better (psnr, ssim, dice,
 * ...), -1 lower is better (nmse, hd95, ece, ...), 0 unknown (treated as
 * higher is better and flagged in reports). Case-insensitive. */
int mrv_report_metric_direction(const char *metric);

/* The error E(m) used by the corruption error (see above); NaN when the
 * metric has none. */
double mrv_report_metric_error(const char *metric, double m);

/* Reliability-diagram bins are stored as results named
 * "calib_bin_NN_count", "calib_bin_NN_conf" and "calib_bin_NN_acc" (NN the
 * bin index from 00). They are pooled, not plotted as metrics. Returns the
 * bin index and sets *field (0 count, 1 conf, 2 acc), or -1. */
int mrv_report_calib_bin(const char *metric, int *field);

struct mrv_agg_cell {
    size_t run;              /* index into runs */
    int32_t family, sev, metric; /* sev indexes severities[] */
    size_t n_values, n_undefined, n_posinf, n_neginf; /* stored rows */
    size_t n;                /* cases with a finite per-case mean */
    uint32_t *cases;         /* their case indices, ascending */
    double *values;          /* their per-case means */
    int64_t *pert;           /* per case: perturbation id of its first row */
    double five[5];          /* min, q1, median, q3, max (numpy linear) */
    size_t raw_n;            /* finite stored values (repeats not averaged) */
    double raw_mean, raw_sd; /* their mean and sample SD (n - 1; 0 for one; NaN for none) */
    struct mrv_ci ci;        /* mean over cases and its CI */
};

enum { MRV_BREAKDOWN_NONE = -1, MRV_BREAKDOWN_NO_CRITERION = -2 };

struct mrv_agg_robust {      /* one (run, perturbed family, metric) */
    size_t run;
    int32_t family, metric;
    int breakdown;           /* severity, or MRV_BREAKDOWN_* */
    struct mrv_ci degradation; /* ROOD-MRI D, paired per case */
    struct mrv_ci vs_reference; /* paired D(run) − D(reference run), common cases */
    double overall;          /* ROOD-MRI O, on cell means */
    /* Corruption error and relative CE vs the reference run, with their
     * bootstrap CIs over the paired cases (n: cases used). Undefined: the
     * estimate is NaN and null_reason (static) says why; a CI alone can be
     * undefined (e.g. one case) with the estimate set. */
    struct mrv_ci ce, rel_ce;
    double *case_d;          /* per-case D (n = degradation.n), for the model score */
    uint32_t *case_idx;
};

struct mrv_agg_model {       /* one (run, metric) over all perturbed families */
    size_t run;
    int32_t metric;
    struct mrv_ci clean;     /* the clean cell, when stored */
    struct mrv_ci mean_degradation; /* mean over families, per case */
    struct mrv_ci vs_reference;     /* paired: D(run) − D(reference) */
    /* mCE and relative mCE: mean over the families with a defined (relative)
     * CE, CI from resampling cases jointly across those families (n: cases
     * in any of them). Undefined as for ce in mrv_agg_robust. */
    struct mrv_ci mce, rel_mce;
    int mce_families, rel_mce_families; /* families averaged into each */
    int families;            /* families averaged into mean_degradation */
    int pass;                /* 1 pass, 0 fail, -1 no criterion: clean mean and
                                every severity of every family meet it */
    size_t n_md;             /* per-case mean D over families (for subgroups) */
    uint32_t *md_case;
    double *md;
};

struct mrv_agg_subgroup {    /* one (run, metric, metadata key, value) */
    size_t run;
    int32_t metric;
    const char *key, *value; /* borrowed from cases[] */
    size_t ncases;
    struct mrv_ci clean;     /* clean mean in the subgroup */
    struct mrv_ci degradation; /* mean D over families, per case */
};

struct mrv_agg_worst {       /* a worst perturbed per-case value */
    size_t run;
    int32_t metric, family, sev;
    uint32_t case_idx;
    double value, clean;     /* clean: NaN when not stored */
    int64_t perturbation_id; /* of one repeat (the first row), for panels */
};

#define MRV_REPORT_MAX_BINS 100 /* bin indices 00..99, as metrics/calibration.h allows */
struct mrv_agg_reliability { /* pooled over cases, one (run, family, severity) */
    size_t run;
    int32_t family, sev;
    int nbins;
    double count[MRV_REPORT_MAX_BINS], conf[MRV_REPORT_MAX_BINS], acc[MRV_REPORT_MAX_BINS];
};

struct mrv_analysis {
    struct mrv_report_options opt;
    char db_path[4096];
    struct mrv_run_row *runs;
    size_t nruns, reference; /* reference: index into runs */
    struct mrv_read_results res;     /* names; res.v is freed after grouping */
    size_t nresults;
    struct mrv_read_case *cases;
    size_t ncases;
    struct mrv_read_provenance *prov;
    size_t nprov;
    struct mrv_read_artifact *art;
    size_t nart;
    struct mrv_read_severity *sevinfo; /* what each (family, severity) means */
    size_t nsevinfo;
    int *severities;         /* distinct severities, ascending (0 first if any) */
    size_t nsev;
    int32_t clean_family;    /* index of "none", or -1 */
    int *direction;          /* per metric, mrv_report_metric_direction */
    bool *is_bin;            /* per metric: a calibration-bin pseudo-metric */
    int32_t *cell_at;        /* [run][family][sev][metric] -> cell index or -1 */
    struct mrv_agg_cell *cells;
    size_t ncells;
    struct mrv_agg_robust *robust;
    size_t nrobust;
    struct mrv_agg_model *models;
    size_t nmodels;
    struct mrv_agg_subgroup *subgroups;
    size_t nsubgroups;
    struct mrv_agg_worst *worst;
    size_t nworst;
    struct mrv_agg_reliability *rel;
    size_t nrel;
};

/* Read the store and compute everything. `opt` NULL: defaults. The result
 * is deterministic for a store and options (same bits on any thread
 * count). MRV_EINVAL for bad options (alpha, level, resamples, a reference
 * run that does not exist); store errors are passed on. */
enum mrv_status mrv_analysis_create(struct mrv_store *s, const struct mrv_report_options *opt,
                                    struct mrv_analysis **out, struct mrv_error *err);
void mrv_analysis_destroy(struct mrv_analysis *a);

/* The cell of (run, family, severity index, metric), or NULL. */
const struct mrv_agg_cell *mrv_analysis_cell(const struct mrv_analysis *a, size_t run,
                                             int32_t family, size_t sev, int32_t metric);
/* The robustness row of (run, family, metric), or NULL. */
const struct mrv_agg_robust *mrv_analysis_robust(const struct mrv_analysis *a, size_t run,
                                                 int32_t family, int32_t metric);
/* Whether any robustness row matches: `run` SIZE_MAX and `family` -1 match
 * every run / family (the figure sections ask "is there anything to draw"). */
bool mrv_analysis_has_robust(const struct mrv_analysis *a, size_t run, int32_t family,
                             int32_t metric);
/* The criterion for `metric`, or NULL. */
const struct mrv_criterion *mrv_analysis_criterion(const struct mrv_analysis *a,
                                                   const char *metric);
/* Display label of a run: "model version (run N)". */
void mrv_analysis_run_label(const struct mrv_analysis *a, size_t run, char *out, size_t size);

#endif
