#include "harness/engine.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "core/strbuf.h"
#include "core/version.h"
#include "metrics/metric.h"
#include "perturbations/mask.h"
#include "perturbations/perturb.h"
#include "store/store.h"

#define BATCH_ITEMS 64

void mrv_study_demo(struct mrv_study *st)
{
    memset(st, 0, sizeof *st);
    st->name = "demo";
    st->seed = 20261125;
    st->dataset = "phantom";
    mrv_dataset_opts_default(&st->dataset_opts);
    st->adapter = "builtin";
    st->model = "zero_filled";
    st->model_version = "1";
    st->acceleration = 4.0;
    st->center_fraction = 0.08;
    st->perturbation = "noise";
    st->severity_max = MRV_SEVERITY_MAX;
    st->repeats = 3;
    st->nmetrics = 3;
    st->metrics[0] = "psnr";
    st->metrics[1] = "ssim";
    st->metrics[2] = "nmse";
    st->jobs = 0;
}

char *mrv_study_json(const struct mrv_study *st)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "{\"study\":");
    mrv_strbuf_json_string(&b, st->name);
    mrv_strbuf_printf(&b, ",\"seed\":%llu,\"dataset\":{\"name\":", (unsigned long long)st->seed);
    mrv_strbuf_json_string(&b, st->dataset);
    mrv_strbuf_printf(&b, ",\"matrix\":%zu,\"coils\":%d,\"limit\":%zu}",
                      st->dataset_opts.matrix, st->dataset_opts.ncoils, st->limit);
    mrv_strbuf_append(&b, ",\"model\":{\"adapter\":");
    mrv_strbuf_json_string(&b, st->adapter);
    mrv_strbuf_append(&b, ",\"name\":");
    mrv_strbuf_json_string(&b, st->model);
    mrv_strbuf_append(&b, ",\"version\":");
    mrv_strbuf_json_string(&b, st->model_version ? st->model_version : "");
    mrv_strbuf_append(&b, "},\"undersampling\":{\"pattern\":\"random\",\"acceleration\":");
    mrv_strbuf_json_number(&b, st->acceleration);
    mrv_strbuf_append(&b, ",\"center_fraction\":");
    mrv_strbuf_json_number(&b, st->center_fraction);
    mrv_strbuf_append(&b, "},\"perturbation\":{\"family\":");
    mrv_strbuf_json_string(&b, st->perturbation);
    mrv_strbuf_printf(&b, ",\"severities\":[0,%d],\"repeats\":%d},\"metrics\":[",
                      st->severity_max, st->repeats);
    for (int i = 0; i < st->nmetrics; i++) {
        if (i)
            mrv_strbuf_append(&b, ",");
        mrv_strbuf_json_string(&b, st->metrics[i]);
    }
    mrv_strbuf_append(&b, "]}");
    if (!mrv_strbuf_ok(&b)) {
        mrv_strbuf_free(&b);
        return NULL;
    }
    return b.s; /* ownership passes to the caller */
}

/* ---- the grid ----------------------------------------------------------- */

struct loaded_case {
    struct mrv_case c;
    struct mrv_array mask;        /* (kx) u8 */
    struct mrv_mask_info mask_info;
    uint64_t mask_seed;
    char sha256[MRV_SHA256_HEX];  /* of the clean k-space bytes */
    enum mrv_status status;
    struct mrv_error err;
};

struct item {
    size_t case_index;
    int severity;
    int repeat;
    uint64_t seed;
    /* filled by the worker */
    struct mrv_drawn drawn;
    double values[MRV_STUDY_MAX_METRICS];
    const char *reasons[MRV_STUDY_MAX_METRICS];
    enum mrv_status status;
    char failure[MRV_ERROR_MAX];
};

struct engine {
    const struct mrv_study *st;
    const struct mrv_dataset *ds;
    struct mrv_model *model;
    const struct mrv_perturbation *pert;
    void *plans[MRV_SEVERITY_MAX + 1]; /* index = severity; [0] unused */
    const struct mrv_metric *metrics[MRV_STUDY_MAX_METRICS];
    struct loaded_case *cases;
    size_t ncases;
    struct item *items;
    size_t nitems;
    atomic_size_t next;
};

static void apply_mask(struct mrv_array *k, const uint8_t *mask)
{
    size_t nx = k->dims[k->ndim - 1];
    size_t lines = mrv_array_count(k) / nx;
    float complex *d = k->data;
    for (size_t l = 0; l < lines; l++)
        for (size_t x = 0; x < nx; x++)
            if (!mask[x])
                d[l * nx + x] = 0.0f;
}

static void load_case(struct engine *e, size_t i)
{
    struct loaded_case *lc = &e->cases[i];
    lc->status = mrv_dataset_load(e->ds, i, &lc->c, &lc->err);
    if (lc->status != MRV_OK)
        return;
    if (lc->c.kspace.ndim != 4) {
        lc->status = mrv_error_set(&lc->err, MRV_EFORMAT,
                                   "case %s: no multi-coil k-space to reconstruct", lc->c.id);
        return;
    }
    size_t nx = lc->c.kspace.dims[3];
    lc->status = mrv_array_alloc(&lc->mask, MRV_U8, 1, &nx, &lc->err);
    if (lc->status != MRV_OK)
        return;
    lc->mask_seed = mrv_seed_derive(e->st->seed, lc->c.id, "mask", 0, 0);
    lc->status = mrv_mask_random(nx, e->st->acceleration, e->st->center_fraction,
                                 lc->mask_seed, lc->mask.data, &lc->mask_info, &lc->err);
    if (lc->status != MRV_OK)
        return;
    lc->status = mrv_sha256_hex(lc->c.kspace.data, mrv_array_nbytes(&lc->c.kspace),
                                lc->sha256, &lc->err);
}

static void run_item(struct engine *e, struct item *it)
{
    const struct loaded_case *lc = &e->cases[it->case_index];
    struct mrv_error err;
    mrv_error_clear(&err);
    struct mrv_array k = {0}, out = {0};
    enum mrv_status s = mrv_array_copy(&k, &lc->c.kspace, &err);
    if (s == MRV_OK && it->severity > 0)
        s = e->pert->execute(e->plans[it->severity], it->seed, &lc->c, &k, &it->drawn, &err);
    if (s == MRV_OK) {
        apply_mask(&k, lc->mask.data);
        struct mrv_model_input in = {
            .task = MRV_TASK_RECONSTRUCTION,
            .kspace = &k,
            .mask = &lc->mask,
            .coil_maps = &lc->c.coil_maps,
            .spacing = lc->c.spacing,
        };
        s = mrv_model_infer(e->model, &in, &out, &err);
        if (s == MRV_OK && !mrv_array_same_shape(&out, &lc->c.reference)) {
            char got[96], want[96];
            mrv_array_describe(&out, got, sizeof got);
            mrv_array_describe(&lc->c.reference, want, sizeof want);
            s = mrv_error_set(&err, MRV_EMODEL, "model %s: output %s, expected %s",
                              e->st->model, got, want);
        }
    }
    it->status = s;
    if (s != MRV_OK) {
        snprintf(it->failure, sizeof it->failure, "%s", err.msg);
        for (int m = 0; m < e->st->nmetrics; m++) {
            it->values[m] = NAN;
            it->reasons[m] = it->failure;
        }
    } else {
        for (int m = 0; m < e->st->nmetrics; m++) {
            struct mrv_metric_value v = {NAN, NULL};
            s = e->metrics[m]->compute(&lc->c.reference, &out, lc->c.spacing, &v, &err);
            if (s != MRV_OK) {
                snprintf(it->failure, sizeof it->failure, "%s", err.msg);
                v.value = NAN;
                v.null_reason = it->failure;
            }
            it->values[m] = v.value;
            it->reasons[m] = isnan(v.value) ? (v.null_reason ? v.null_reason : "undefined")
                                            : NULL;
        }
    }
    mrv_array_free(&out);
    mrv_array_free(&k);
}

/* Phase 1 claims case indices, phase 2 item indices, from one counter. */
struct worker_arg {
    struct engine *e;
    int phase;
};

static void *worker(void *p)
{
    struct worker_arg *a = p;
    struct engine *e = a->e;
    size_t n = a->phase == 1 ? e->ncases : e->nitems;
    for (;;) {
        size_t i = atomic_fetch_add(&e->next, 1);
        if (i >= n)
            break;
        if (a->phase == 1)
            load_case(e, i);
        else
            run_item(e, &e->items[i]);
    }
    return NULL;
}

static void run_parallel(struct engine *e, int phase, int jobs)
{
    atomic_store(&e->next, 0);
    pthread_t th[64];
    struct worker_arg arg = {e, phase};
    int started = 0;
    for (int j = 1; j < jobs && started < 63; j++)
        if (pthread_create(&th[started], NULL, worker, &arg) == 0)
            started++;
    worker(&arg); /* the calling thread works too */
    for (int j = 0; j < started; j++)
        pthread_join(th[j], NULL);
}

/* ---- storing ------------------------------------------------------------ */

static char *drawn_json(const struct engine *e, const struct loaded_case *lc,
                        const struct item *it)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "{");
    for (int i = 0; i < it->drawn.n; i++) {
        mrv_strbuf_json_string(&b, it->drawn.names[i]);
        mrv_strbuf_append(&b, ":");
        mrv_strbuf_json_number(&b, it->drawn.values[i]);
        mrv_strbuf_append(&b, ",");
    }
    mrv_strbuf_append(&b, "\"undersampling\":{\"pattern\":\"random\",\"acceleration\":");
    mrv_strbuf_json_number(&b, e->st->acceleration);
    mrv_strbuf_append(&b, ",\"center_fraction\":");
    mrv_strbuf_json_number(&b, e->st->center_fraction);
    mrv_strbuf_printf(&b, ",\"seed\":%llu,\"low_frequency_lines\":%zu,\"lines_sampled\":%zu,"
                          "\"lines_total\":%zu}}",
                      (unsigned long long)lc->mask_seed, lc->mask_info.low_frequency,
                      lc->mask_info.sampled, lc->mask.dims[0]);
    if (!mrv_strbuf_ok(&b)) {
        mrv_strbuf_free(&b);
        return NULL;
    }
    return b.s;
}

static char *case_meta_json(const struct mrv_case *c)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "{");
    for (int i = 0; i < c->nmeta; i++) {
        mrv_strbuf_json_string(&b, c->meta[i].key);
        mrv_strbuf_append(&b, ":");
        mrv_strbuf_json_string(&b, c->meta[i].value);
        mrv_strbuf_append(&b, ",");
    }
    mrv_strbuf_append(&b, "\"task\":");
    mrv_strbuf_json_string(&b, mrv_task_name(c->task));
    mrv_strbuf_printf(&b, ",\"spacing_mm\":[%.17g,%.17g,%.17g],\"kspace_shape\":[",
                      c->spacing[0], c->spacing[1], c->spacing[2]);
    for (int d = 0; d < c->kspace.ndim; d++)
        mrv_strbuf_printf(&b, "%s%zu", d ? "," : "", c->kspace.dims[d]);
    mrv_strbuf_append(&b, "]}");
    if (!mrv_strbuf_ok(&b)) {
        mrv_strbuf_free(&b);
        return NULL;
    }
    return b.s;
}

static enum mrv_status store_items(struct engine *e, struct mrv_store *db, int64_t run_id,
                                   const int64_t *case_ids, size_t *nresults,
                                   struct mrv_error *err)
{
    enum mrv_status s = MRV_OK;
    for (size_t start = 0; start < e->nitems && s == MRV_OK; start += BATCH_ITEMS) {
        size_t end = start + BATCH_ITEMS < e->nitems ? start + BATCH_ITEMS : e->nitems;
        if ((s = mrv_store_begin(db, err)) != MRV_OK)
            break;
        for (size_t i = start; i < end && s == MRV_OK; i++) {
            const struct item *it = &e->items[i];
            const struct loaded_case *lc = &e->cases[it->case_index];
            char *params = drawn_json(e, lc, it);
            if (!params) {
                s = mrv_error_set(err, MRV_ENOMEM, "store: out of memory");
                break;
            }
            int64_t pid;
            s = mrv_store_perturbation(db, case_ids[it->case_index],
                                       it->severity ? e->pert->name : "none", it->severity,
                                       it->repeat, it->seed, params, &pid, err);
            free(params);
            for (int m = 0; m < e->st->nmetrics && s == MRV_OK; m++) {
                s = mrv_store_result(db, run_id, case_ids[it->case_index], pid,
                                     e->metrics[m]->name, it->values[m], it->reasons[m], err);
                (*nresults)++;
            }
        }
        if (s == MRV_OK)
            s = mrv_store_commit(db, err);
        else
            mrv_store_rollback(db);
    }
    return s;
}

static enum mrv_status store_run(struct engine *e, struct mrv_store *db, int64_t *run_id,
                                 struct mrv_run_summary *sum, struct mrv_error *err)
{
    const struct mrv_study *st = e->st;
    char *config = mrv_study_json(st);
    if (!config)
        return mrv_error_set(err, MRV_ENOMEM, "study: out of memory");
    char config_sha[MRV_SHA256_HEX], host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    enum mrv_status s = mrv_sha256_hex(config, strlen(config), config_sha, err);
    struct mrv_run_info info = {
        .study = st->name, .model = st->model, .model_version = st->model_version,
        .adapter = st->adapter, .config_json = config, .config_sha256 = config_sha,
        .software_version = mrv_version(), .git_commit = mrv_git_commit(),
        .host = host, .seed = st->seed,
    };
    if (s == MRV_OK)
        s = mrv_store_run_begin(db, &info, run_id, err);
    free(config);
    if (s != MRV_OK)
        return s;

    int64_t *case_ids = calloc(e->ncases, sizeof *case_ids);
    if (!case_ids)
        return mrv_error_set(err, MRV_ENOMEM, "store: out of memory");
    struct mrv_sha256 *all;
    if ((s = mrv_sha256_create(&all, err)) != MRV_OK) {
        free(case_ids);
        return s;
    }
    if ((s = mrv_store_begin(db, err)) == MRV_OK) {
        s = mrv_store_provenance(db, *run_id, "config", st->name, config_sha,
                                 "SHA-256 of the study configuration JSON", err);
        if (s == MRV_OK)
            s = mrv_store_provenance(db, *run_id, "software", "mrvet", NULL, mrv_git_commit(),
                                     err);
        if (s == MRV_OK)
            s = mrv_store_provenance(db, *run_id, "model", st->model, NULL,
                                     "built-in model, versioned with the software", err);
        for (size_t i = 0; i < e->ncases && s == MRV_OK; i++) {
            const struct loaded_case *lc = &e->cases[i];
            char *meta = case_meta_json(&lc->c);
            if (!meta) {
                s = mrv_error_set(err, MRV_ENOMEM, "store: out of memory");
                break;
            }
            s = mrv_store_case(db, st->dataset, lc->c.id, lc->sha256, meta, &case_ids[i], err);
            free(meta);
            if (s == MRV_OK)
                s = mrv_store_provenance(db, *run_id, "case", lc->c.id, lc->sha256,
                                         "SHA-256 of the clean k-space (complex64, C order)",
                                         err);
            mrv_sha256_update(all, lc->sha256, 64);
        }
        if (s == MRV_OK) {
            char ds_sha[MRV_SHA256_HEX];
            mrv_sha256_final(all, NULL, ds_sha);
            s = mrv_store_provenance(db, *run_id, "dataset", st->dataset, ds_sha,
                                     "SHA-256 over the case fingerprints, in case order", err);
        }
        if (s == MRV_OK)
            s = mrv_store_commit(db, err);
        else
            mrv_store_rollback(db);
    }
    mrv_sha256_destroy(all);
    if (s == MRV_OK)
        s = store_items(e, db, *run_id, case_ids, &sum->results, err);
    free(case_ids);
    return s;
}

/* ---- the run ------------------------------------------------------------ */

static enum mrv_status engine_prepare(struct engine *e, struct mrv_error *err)
{
    const struct mrv_study *st = e->st;
    if (st->nmetrics < 1 || st->nmetrics > MRV_STUDY_MAX_METRICS)
        return mrv_error_set(err, MRV_EINVAL, "study %s: %d metrics, expected 1..%d",
                             st->name, st->nmetrics, MRV_STUDY_MAX_METRICS);
    for (int m = 0; m < st->nmetrics; m++)
        if (!(e->metrics[m] = mrv_metric_find(st->metrics[m])))
            return mrv_error_set(err, MRV_ENOTFOUND,
                                 "study %s: metric '%s' is unknown (see `mrvet list metrics`)",
                                 st->name, st->metrics[m]);
    if (!(e->pert = mrv_perturbation_find(st->perturbation)))
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "study %s: perturbation '%s' is unknown "
                             "(see `mrvet list perturbations`)",
                             st->name, st->perturbation);
    if (st->severity_max < 0 || st->severity_max > MRV_SEVERITY_MAX)
        return mrv_error_set(err, MRV_EINVAL, "study %s: severity %d, expected 0..%d",
                             st->name, st->severity_max, MRV_SEVERITY_MAX);
    if (st->repeats < 1 || st->repeats > 1000)
        return mrv_error_set(err, MRV_EINVAL, "study %s: repeats %d, expected 1..1000",
                             st->name, st->repeats);
    return MRV_OK;
}

static void engine_free(struct engine *e)
{
    for (int s = 1; s <= MRV_SEVERITY_MAX; s++)
        if (e->plans[s])
            e->pert->destroy(e->plans[s]);
    for (size_t i = 0; e->cases && i < e->ncases; i++) {
        mrv_case_free(&e->cases[i].c);
        mrv_array_free(&e->cases[i].mask);
    }
    free(e->cases);
    free(e->items);
    mrv_model_destroy(e->model);
    mrv_dataset_close((struct mrv_dataset *)e->ds);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

enum mrv_status mrv_study_run(const struct mrv_study *st, const char *db_path,
                              struct mrv_run_summary *sum, struct mrv_error *err)
{
    double t0 = now_seconds();
    memset(sum, 0, sizeof *sum);
    struct engine e = {.st = st};
    struct mrv_store *db = NULL;
    struct mrv_dataset *ds = NULL;
    enum mrv_status s = engine_prepare(&e, err);
    if (s == MRV_OK)
        s = mrv_dataset_open(st->dataset, &st->dataset_opts, &ds, err);
    e.ds = ds;
    if (s == MRV_OK)
        s = mrv_model_create(st->adapter, st->model, &e.model, err);
    if (s != MRV_OK)
        goto done;

    int jobs = st->jobs > 0 ? st->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    jobs = jobs < 1 ? 1 : jobs > 64 ? 64 : jobs;
    sum->jobs = jobs;

    e.ncases = mrv_dataset_count(ds);
    if (st->limit && st->limit < e.ncases)
        e.ncases = st->limit;
    e.cases = calloc(e.ncases ? e.ncases : 1, sizeof *e.cases);
    if (!e.cases) {
        s = mrv_error_set(err, MRV_ENOMEM, "study: out of memory");
        goto done;
    }
    run_parallel(&e, 1, jobs);
    for (size_t i = 0; i < e.ncases; i++)
        if (e.cases[i].status != MRV_OK) {
            s = mrv_error_set(err, e.cases[i].status, "%s", e.cases[i].err.msg);
            goto done;
        }

    /* One plan per severity, made before any worker starts. */
    for (int sev = 1; sev <= st->severity_max; sev++) {
        const double *p = e.pert->severity[sev - 1];
        s = e.pert->plan(&e.cases[0].c.kspace, p, &e.plans[sev], err);
        if (s != MRV_OK)
            goto done;
    }

    e.nitems = e.ncases * (1 + (size_t)st->severity_max * (size_t)st->repeats);
    e.items = calloc(e.nitems ? e.nitems : 1, sizeof *e.items);
    if (!e.items) {
        s = mrv_error_set(err, MRV_ENOMEM, "study: out of memory");
        goto done;
    }
    size_t n = 0;
    for (size_t c = 0; c < e.ncases; c++) {
        /* severity 0 is the clean input: deterministic, so one repeat */
        e.items[n++] = (struct item){.case_index = c};
        for (int sev = 1; sev <= st->severity_max; sev++)
            for (int r = 0; r < st->repeats; r++)
                e.items[n++] = (struct item){
                    .case_index = c, .severity = sev, .repeat = r,
                    .seed = mrv_seed_derive(st->seed, e.cases[c].c.id, e.pert->name, sev, r),
                };
    }
    mrv_log_info("%s: %zu cases x %d severities x %d repeats = %zu items on %d threads",
                 st->name, e.ncases, st->severity_max, st->repeats, e.nitems, jobs);
    run_parallel(&e, 2, jobs);
    sum->items = e.nitems;
    for (size_t i = 0; i < e.nitems; i++)
        if (e.items[i].status != MRV_OK) {
            sum->failed_items++;
            mrv_log_warn("case %s severity %d repeat %d failed: %s",
                         e.cases[e.items[i].case_index].c.id, e.items[i].severity,
                         e.items[i].repeat, e.items[i].failure);
        }

    if ((s = mrv_store_open(db_path, &db, err)) != MRV_OK)
        goto done;
    s = store_run(&e, db, &sum->run_id, sum, err);
    if (sum->run_id > 0) {
        struct mrv_error end_err;
        const char *status = s != MRV_OK ? "failed" : sum->failed_items ? "partial"
                                                                          : "completed";
        if (mrv_store_run_end(db, sum->run_id, status, &end_err) != MRV_OK && s == MRV_OK)
            s = mrv_error_set(err, end_err.code, "%s", end_err.msg);
    }
done:
    mrv_store_close(db);
    engine_free(&e);
    sum->seconds = now_seconds() - t0;
    return s;
}
