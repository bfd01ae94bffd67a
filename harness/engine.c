#include "harness/engine.h"
#include "harness/engine_internal.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/strbuf.h"
#include "core/version.h"
#include "datasets/dataset.h"
#include "harness/progress.h"
#include "metrics/metric.h"
#include "perturbations/chain.h"
#include "perturbations/mask.h"
#include "store/store.h"

#define BATCH_ITEMS 32
#define QUEUE_PER_JOB 4
#define MAX_JOBS 64

/* ---- the set of items already stored (resume) ---------------------------- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void item_key(char *buf, size_t size, const char *dataset, const char *case_key,
                     const char *family, int severity, int repeat)
{
    snprintf(buf, size, "%s\x1f%s\x1f%s\x1f%d\x1f%d", dataset, case_key, family, severity,
             repeat);
}

static struct done_entry *done_find(struct done_set *d, const char *key, int insert)
{
    if (insert && (d->n + 1) * 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        struct done_entry *ns = calloc(cap, sizeof *ns);
        if (!ns) {
            d->oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < d->cap; i++)
            if (d->slots[i].key) {
                size_t j = fnv1a(d->slots[i].key) & (cap - 1);
                while (ns[j].key)
                    j = (j + 1) & (cap - 1);
                ns[j] = d->slots[i];
            }
        free(d->slots);
        d->slots = ns;
        d->cap = cap;
    }
    if (!d->cap)
        return NULL;
    size_t j = fnv1a(key) & (d->cap - 1);
    while (d->slots[j].key) {
        if (strcmp(d->slots[j].key, key) == 0)
            return &d->slots[j];
        j = (j + 1) & (d->cap - 1);
    }
    if (!insert)
        return NULL;
    if (!(d->slots[j].key = strdup(key))) {
        d->oom = 1;
        return NULL;
    }
    d->n++;
    return &d->slots[j];
}

static void done_add(void *ctx, const char *dataset, const char *case_key, const char *family,
                     int severity, int repeat)
{
    struct done_set *d = ctx;
    char key[512];
    item_key(key, sizeof key, dataset, case_key, family, severity, repeat);
    struct done_entry *e = done_find(d, key, 1);
    if (e)
        e->models |= 1u << d->model;
}

static void done_free(struct done_set *d)
{
    for (size_t i = 0; i < d->cap; i++)
        free(d->slots[i].key);
    free(d->slots);
}

/* The models that still lack item (case, instance) in the store. */
static uint32_t models_to_run(struct engine *e, const char *case_id, const struct instance *in)
{
    char key[512];
    item_key(key, sizeof key, e->st->dataset, case_id, mrv_engine_family(e, in), in->severity,
             in->repeat);
    struct done_entry *d = done_find(&e->done, key, 0);
    return e->all_models & ~(d ? d->models : 0u);
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void slot_free(struct case_slot *s)
{
    mrv_case_free(&s->c);
    mrv_array_free(&s->mask);
    free(s->meta_json);
    free(s);
}

/* Unlink and free `s` once no item uses it and none will (lock held). */
static void slot_maybe_release(struct engine *e, struct case_slot *s)
{
    if (s->refs > 0 || !s->exhausted)
        return;
    for (struct case_slot **p = &e->slots; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    slot_free(s);
}

static struct case_slot *slot_for(struct engine *e, size_t index)
{
    for (struct case_slot *s = e->slots; s; s = s->next)
        if (s->index == index)
            return s;
    struct case_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->index = index;
    s->next = e->slots;
    e->slots = s;
    return s;
}

/* Move the cursor one instance on; when it leaves a case, that case's slot
 * can go once its items are done (lock held). */
static void advance(struct engine *e)
{
    if (++e->cur_inst < e->ninst)
        return;
    size_t index = e->cases[e->cur_case];
    e->cur_inst = 0;
    e->cur_case++;
    for (struct case_slot *s = e->slots; s; s = s->next)
        if (s->index == index) {
            s->exhausted = 1;
            slot_maybe_release(e, s);
            return;
        }
}

/* Next item with work left, or NULL when the grid is exhausted (lock held). */
static struct item *claim(struct engine *e)
{
    while (!e->abort && !interrupted && e->cur_case < e->ncases) {
        size_t index = e->cases[e->cur_case];
        const struct instance *in = &e->inst[e->cur_inst];
        const char *case_id = mrv_dataset_case_id(e->ds, index);
        uint32_t todo = models_to_run(e, case_id, in);
        if (!todo) {
            e->skipped++;
            advance(e);
            continue;
        }
        struct item *it = calloc(1, sizeof *it);
        struct case_slot *s = it ? slot_for(e, index) : NULL;
        if (it)
            it->case_key = strdup(case_id);
        if (!s || !it->case_key) {
            mrv_engine_item_free(it);
            mrv_error_set(&e->fatal, MRV_ENOMEM, "run: out of memory");
            e->abort = 1;
            return NULL;
        }
        s->refs++; /* before advance(): the slot stays while this item runs */
        it->slot = s;
        it->inst = in;
        it->todo = todo;
        it->seed = in->pert < 0 ? 0
                                : mrv_seed_derive(e->st->seed, case_id, mrv_engine_family(e, in),
                                                  in->severity, in->repeat);
        advance(e);
        return it;
    }
    return NULL;
}

static void *worker(void *arg)
{
    struct engine *e = arg;
    pthread_mutex_lock(&e->lock);
    for (;;) {
        struct item *it = claim(e);
        if (!it)
            break;
        struct case_slot *s = it->slot;
        /* claim() took a ref (s->refs++) first; advance() frees only slots with no refs */
        // NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
        if (s->state == 0) {
            s->state = 1;
            pthread_mutex_unlock(&e->lock);
            mrv_engine_load_slot(e, s);
            pthread_mutex_lock(&e->lock);
            pthread_cond_broadcast(&e->cond);
            if (s->state == 3 && e->st->strict && !e->abort) {
                mrv_error_set(&e->fatal, MRV_EFORMAT, "%s (strict dataset: stopping)",
                              s->failure);
                e->abort = 1;
            }
        }
        while (s->state == 1)
            pthread_cond_wait(&e->cond, &e->lock);
        pthread_mutex_unlock(&e->lock);

        mrv_engine_run_item(e, it);
        it->params_json = mrv_engine_params_json(e, it);
        it->meta_json = strdup(s->meta_json ? s->meta_json : "{}");
        memcpy(it->sha, s->sha, sizeof it->sha);

        pthread_mutex_lock(&e->lock);
        s->refs--;
        slot_maybe_release(e, s);
        it->slot = NULL;
        while (e->qlen >= e->qcap && !e->abort)
            pthread_cond_wait(&e->cond, &e->lock);
        if (e->qtail)
            e->qtail->next = it;
        else
            e->qhead = it;
        e->qtail = it;
        e->qlen++;
        pthread_cond_broadcast(&e->cond);
    }
    e->workers--;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* ---- the writer ------------------------------------------------------------ */

struct writer {
    struct mrv_store *db;
    int64_t run_ids[MRV_STUDY_MAX_MODELS];
    char last_case[MRV_CASE_ID_MAX];
    int64_t last_case_id;
    int in_tx, batch;
};

static enum mrv_status write_item(struct engine *e, struct writer *w, struct item *it,
                                  struct mrv_run_summary *sum, struct mrv_error *err)
{
    enum mrv_status s = MRV_OK;
    if (!w->in_tx) {
        if ((s = mrv_store_begin(w->db, err)) != MRV_OK)
            return s;
        w->in_tx = 1;
    }
    if (!it->params_json || !it->meta_json)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    if (strcmp(w->last_case, it->case_key) != 0) {
        s = mrv_store_case(w->db, e->st->dataset, it->case_key, it->sha[0] ? it->sha : NULL,
                           it->meta_json, &w->last_case_id, err);
        for (int m = 0; m < e->nm && s == MRV_OK; m++)
            s = mrv_store_provenance(w->db, w->run_ids[m], "case", it->case_key,
                                     it->sha[0] ? it->sha : NULL,
                                     "SHA-256 of the clean k-space (complex64, C order)", err);
        if (s != MRV_OK)
            return s;
        snprintf(w->last_case, sizeof w->last_case, "%s", it->case_key);
    }
    int64_t pid;
    s = mrv_store_perturbation(w->db, w->last_case_id, mrv_engine_family(e, it->inst),
                               it->inst->severity, it->inst->repeat, it->seed, it->params_json,
                               &pid, err);
    for (int m = 0; m < e->nm; m++)
        sum->model_calls += (it->todo >> m) & 1u;
    for (size_t i = 0; i < it->nres && s == MRV_OK; i++) {
        const struct item_result *r = &it->res[i];
        s = mrv_store_result(w->db, w->run_ids[r->model], w->last_case_id, pid, r->metric,
                             r->value, r->reason, err);
        sum->results += s == MRV_OK;
    }
    if (s == MRV_OK && ++w->batch >= BATCH_ITEMS) {
        s = mrv_store_commit(w->db, err);
        w->in_tx = 0;
        w->batch = 0;
    }
    return s;
}

/* ---- setup ------------------------------------------------------------------ */

static enum mrv_status build_grid(struct engine *e, const struct mrv_run_options *o,
                                  struct mrv_error *err)
{
    const struct mrv_study *st = e->st;
    e->ninst = mrv_study_items_per_case(st);
    e->inst = calloc(e->ninst, sizeof *e->inst);
    if (!e->inst)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    size_t n = 0;
    e->inst[n++] = (struct instance){-1, 0, 0};
    for (int p = 0; p < st->nperts; p++)
        for (int k = 0; k < st->perts[p].nsev; k++)
            for (int r = 0; r < st->perts[p].repeats; r++)
                e->inst[n++] = (struct instance){p, st->perts[p].severities[k], r};

    size_t total = mrv_dataset_count(e->ds);
    if (st->limit && st->limit < total)
        total = st->limit;
    e->cases = calloc(total ? total : 1, sizeof *e->cases);
    if (!e->cases)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    /* A shard takes every N-th case: deterministic for a given test set,
     * whole cases only, so each case is loaded by one shard. */
    for (size_t i = 0; i < total; i++)
        if (o->shard_n <= 1 || i % (size_t)o->shard_n == (size_t)(o->shard_k - 1))
            e->cases[e->ncases++] = i;
    return MRV_OK;
}

static enum mrv_status engine_open(struct engine *e, const struct mrv_study *st,
                                   const struct mrv_run_options *o, int with_models,
                                   struct mrv_error *err)
{
    memset(e, 0, sizeof *e);
    e->st = st;
    e->nm = st->nmodels;
    e->nq = st->nmetrics;
    e->all_models = e->nm >= 32 ? 0xffffffffu : (1u << e->nm) - 1;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    pthread_mutex_init(&e->plan_lock, NULL);
    if (o->shard_n > 1 && (o->shard_k < 1 || o->shard_k > o->shard_n))
        return mrv_error_set(err, MRV_EINVAL, "shard %d/%d: expected K/N with 1 <= K <= N",
                             o->shard_k, o->shard_n);
    for (int q = 0; q < e->nq; q++)
        if (!(e->metrics[q] = mrv_metric_find(st->metrics[q])))
            return mrv_error_set(err, MRV_ENOTFOUND, "metric '%s' is unknown", st->metrics[q]);
    for (int p = 0; p < st->nperts; p++)
        if (!(e->perts[p] = st->perts[p].nlinks ? &mrv_pert_chain
                                                : mrv_perturbation_find(st->perts[p].family)))
            return mrv_error_set(err, MRV_ENOTFOUND, "perturbation '%s' is unknown",
                                 st->perts[p].family);
    struct mrv_dataset_opts dopts;
    mrv_dataset_opts_default(&dopts);
    dopts.matrix = st->matrix;
    dopts.ncoils = st->coils;
    dopts.path = st->dataset_path && *st->dataset_path ? st->dataset_path : NULL;
    dopts.strict = st->strict;
    enum mrv_status s = mrv_dataset_open(st->dataset, &dopts, &e->ds, err);
    for (int m = 0; s == MRV_OK && with_models && m < e->nm; m++) {
        const struct mrv_model_spec *ms = &st->models[m];
        struct mrv_kv kv[MRV_STUDY_MAX_SETTINGS];
        for (int k = 0; k < ms->nsettings; k++)
            kv[k] = (struct mrv_kv){ms->keys[k], ms->values[k]};
        s = mrv_model_create_with(ms->adapter, ms->model, kv, ms->nsettings, &e->models[m],
                                  err);
    }
    if (s == MRV_OK)
        s = build_grid(e, o, err);
    return s;
}

static void engine_close(struct engine *e)
{
    mrv_engine_plans_free(e);
    while (e->slots) {
        struct case_slot *s = e->slots;
        e->slots = s->next;
        slot_free(s);
    }
    while (e->qhead) {
        struct item *it = e->qhead;
        e->qhead = it->next;
        mrv_engine_item_free(it);
    }
    for (int m = 0; m < e->nm; m++)
        mrv_model_destroy(e->models[m]);
    mrv_dataset_close(e->ds);
    done_free(&e->done);
    free(e->inst);
    free(e->cases);
    pthread_mutex_destroy(&e->lock);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->plan_lock);
}

/* The test set's fingerprint, every input file's SHA-256, and the files a
 * lenient open skipped (with the reason), for one run. */
static enum mrv_status store_dataset_provenance(struct engine *e, struct mrv_store *db,
                                                int64_t run_id, struct mrv_error *err)
{
    const struct mrv_study *st = e->st;
    char fp[MRV_SHA256_HEX];
    enum mrv_status s = mrv_dataset_fingerprint(e->ds, fp, err);
    if (s == MRV_OK)
        s = mrv_store_provenance(db, run_id, "dataset", st->dataset, fp,
                                 *st->dataset_path ? st->dataset_path : "built in", err);
    size_t nf = mrv_dataset_file_count(e->ds);
    for (size_t i = 0; s == MRV_OK && i < nf; i++) {
        char sha[MRV_SHA256_HEX];
        if ((s = mrv_dataset_file_sha256(e->ds, i, sha, err)) == MRV_OK)
            s = mrv_store_provenance(db, run_id, "input_file", mrv_dataset_file_path(e->ds, i),
                                     sha, "SHA-256 of the file's bytes", err);
    }
    size_t nb = mrv_dataset_bad_count(e->ds);
    for (size_t i = 0; s == MRV_OK && i < nb; i++) {
        char name[32];
        snprintf(name, sizeof name, "skipped %zu", i + 1);
        mrv_log_warn("%s", mrv_dataset_bad(e->ds, i));
        s = mrv_store_provenance(db, run_id, "skipped_input", name, NULL,
                                 mrv_dataset_bad(e->ds, i), err);
    }
    return s;
}

/* Find or start each model's run; load what it already holds. */
static enum mrv_status open_runs(struct engine *e, struct writer *w,
                                 const struct mrv_run_options *o, struct mrv_error *err)
{
    const struct mrv_study *st = e->st;
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    for (int m = 0; m < e->nm; m++) {
        const struct mrv_model_spec *ms = &st->models[m];
        char sha[65] = "";
        int64_t id = 0;
        enum mrv_status s = mrv_store_find_run(w->db, st->name, ms->name, &id, sha, err);
        if (s == MRV_OK && strcmp(sha, st->config_sha256) != 0 && !o->new_run)
            return mrv_error_set(err, MRV_EINVAL,
                                 "%s: study '%s' changed since run %lld of model '%s' was "
                                 "stored in %s (configuration %.12s..., now %.12s...); run "
                                 "with --new-run to start new runs, or use another --db",
                                 st->origin, st->name, (long long)id, ms->name, o->db_path,
                                 sha, st->config_sha256);
        if (s == MRV_OK && !o->new_run) {
            if ((s = mrv_store_run_reopen(w->db, id, err)) != MRV_OK)
                return s;
            e->done.model = m;
            if ((s = mrv_store_done_items(w->db, id, done_add, &e->done, err)) != MRV_OK)
                return s;
            if (e->done.oom)
                return mrv_error_set(err, MRV_ENOMEM, "out of memory");
        } else if (s == MRV_OK || s == MRV_ENOTFOUND) {
            struct mrv_run_info info = {
                .study = st->name, .model = ms->name, .model_version = ms->version,
                .adapter = ms->adapter, .config_json = st->config_json,
                .config_sha256 = st->config_sha256, .software_version = mrv_version(),
                .git_commit = mrv_git_commit(), .host = host, .seed = st->seed,
            };
            if ((s = mrv_store_run_begin(w->db, &info, &id, err)) != MRV_OK)
                return s;
        } else {
            return s;
        }
        w->run_ids[m] = id;
        char detail[512];
        snprintf(detail, sizeof detail, "adapter %s, model %s, version %s", ms->adapter,
                 ms->model, ms->version);
        if ((s = mrv_store_provenance(w->db, id, "config", "study", st->config_sha256,
                                      "SHA-256 of the resolved study (canonical JSON)",
                                      err)) != MRV_OK ||
            (s = mrv_store_provenance(w->db, id, "study_file", st->origin, st->origin_sha256,
                                      "SHA-256 of the study file's bytes", err)) != MRV_OK ||
            (s = mrv_store_provenance(w->db, id, "software", "mrvet", NULL, mrv_git_commit(),
                                      err)) != MRV_OK ||
            (s = mrv_store_provenance(w->db, id, "model", ms->name, NULL, detail, err)) !=
                MRV_OK ||
            (s = store_dataset_provenance(e, w->db, id, err)) != MRV_OK)
            return s;
    }
    return MRV_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t count_todo(struct engine *e)
{
    size_t todo = 0;
    for (size_t c = 0; c < e->ncases; c++) {
        const char *id = mrv_dataset_case_id(e->ds, e->cases[c]);
        for (size_t i = 0; i < e->ninst; i++)
            todo += models_to_run(e, id, &e->inst[i]) != 0;
    }
    return todo;
}

enum mrv_status mrv_engine_plan(const struct mrv_study *st, const struct mrv_run_options *o,
                                struct mrv_run_summary *sum, struct mrv_error *err)
{
    memset(sum, 0, sizeof *sum);
    struct engine e;
    enum mrv_status s = engine_open(&e, st, o, 0, err);
    if (s == MRV_OK && o->db_path && access(o->db_path, F_OK) == 0) {
        struct mrv_store *db;
        if ((s = mrv_store_open_readonly(o->db_path, &db, err)) == MRV_OK) {
            for (int m = 0; m < e.nm && s == MRV_OK; m++) {
                int64_t id;
                char sha[65];
                enum mrv_status f = mrv_store_find_run(db, st->name, st->models[m].name, &id,
                                                       sha, err);
                if (f == MRV_OK && strcmp(sha, st->config_sha256) == 0) {
                    e.done.model = m;
                    s = mrv_store_done_items(db, id, done_add, &e.done, err);
                } else if (f != MRV_OK && f != MRV_ENOTFOUND) {
                    s = f;
                }
            }
            mrv_store_close(db);
        }
    }
    if (s == MRV_OK) {
        sum->cases = e.ncases;
        sum->items_total = e.ncases * e.ninst;
        sum->items_run = count_todo(&e);
        sum->items_skipped = sum->items_total - sum->items_run;
        sum->model_calls = sum->items_total * (size_t)e.nm;
    }
    engine_close(&e);
    return s;
}

enum mrv_status mrv_engine_run(const struct mrv_study *st, const struct mrv_run_options *o,
                               struct mrv_run_summary *sum, struct mrv_error *err)
{
    double t0 = now_seconds();
    memset(sum, 0, sizeof *sum);
    struct engine e;
    struct writer w = {0};
    enum mrv_status s = engine_open(&e, st, o, 1, err);
    if (s == MRV_OK)
        s = mrv_store_open(o->db_path, &w.db, err);
    if (s == MRV_OK && (s = mrv_store_begin(w.db, err)) == MRV_OK) {
        s = open_runs(&e, &w, o, err);
        if (s == MRV_OK)
            s = mrv_store_commit(w.db, err);
        else
            mrv_store_rollback(w.db);
    }
    if (s != MRV_OK)
        goto done;

    int jobs = o->jobs > 0 ? o->jobs : st->jobs > 0 ? st->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    jobs = jobs < 1 ? 1 : jobs > MAX_JOBS ? MAX_JOBS : jobs;
    sum->jobs = jobs;
    sum->cases = e.ncases;
    sum->items_total = e.ncases * e.ninst;
    sum->nruns = e.nm;
    memcpy(sum->run_ids, w.run_ids, sizeof w.run_ids);
    size_t todo = count_todo(&e);
    e.qcap = (size_t)jobs * QUEUE_PER_JOB;

    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    struct mrv_progress prog;
    mrv_progress_start(&prog, todo, o->progress);
    pthread_t th[MAX_JOBS];
    int started = 0;
    pthread_mutex_lock(&e.lock);
    for (int j = 0; j < jobs; j++)
        if (pthread_create(&th[started], NULL, worker, &e) == 0)
            started++;
    e.workers = started;
    if (!started) {
        pthread_mutex_unlock(&e.lock);
        s = mrv_error_set(err, MRV_EINTERNAL, "run: cannot start worker threads");
        goto restore;
    }
    for (;;) {
        while (!e.qhead && e.workers > 0) {
            if (w.in_tx) { /* nothing waiting: make what we have durable */
                pthread_mutex_unlock(&e.lock);
                enum mrv_status cs = mrv_store_commit(w.db, err);
                pthread_mutex_lock(&e.lock);
                w.in_tx = 0;
                w.batch = 0;
                if (cs != MRV_OK && !e.abort) {
                    e.abort = 1;
                    e.fatal = *err;
                }
                continue;
            }
            pthread_cond_wait(&e.cond, &e.lock);
        }
        if (!e.qhead)
            break;
        struct item *it = e.qhead;
        e.qhead = it->next;
        if (!e.qhead)
            e.qtail = NULL;
        e.qlen--;
        pthread_cond_broadcast(&e.cond);
        int aborting = e.abort;
        pthread_mutex_unlock(&e.lock);
        if (!aborting) {
            struct mrv_error werr = {0};
            enum mrv_status ws = write_item(&e, &w, it, sum, &werr);
            sum->items_run++;
            sum->items_failed += it->failed != 0;
            mrv_progress_update(&prog, sum->items_run, sum->items_failed);
            if (ws != MRV_OK) {
                pthread_mutex_lock(&e.lock);
                if (!e.abort) {
                    e.abort = 1;
                    e.fatal = werr;
                }
                pthread_cond_broadcast(&e.cond);
                pthread_mutex_unlock(&e.lock);
            }
        }
        mrv_engine_item_free(it);
        pthread_mutex_lock(&e.lock);
    }
    pthread_mutex_unlock(&e.lock);
    for (int j = 0; j < started; j++)
        pthread_join(th[j], NULL);
    mrv_progress_end(&prog);
    sum->items_skipped = e.skipped;

    if (w.in_tx) {
        if (!e.abort)
            s = mrv_store_commit(w.db, err);
        else
            mrv_store_rollback(w.db);
        w.in_tx = 0;
    }
    if (s == MRV_OK && e.abort)
        s = mrv_error_set(err, e.fatal.code, "%s", e.fatal.msg);
    /* the images behind the worst cases, for the report's panels; a failure
     * here loses no result, it is reported as a warning */
    if (s == MRV_OK && !interrupted) {
        struct mrv_error perr = {0};
        if (mrv_engine_save_panels(&e, w.db, w.run_ids, &perr) != MRV_OK)
            mrv_log_warn("image panels not saved: %s", perr.msg);
    }
    {
        const char *status = s != MRV_OK ? "failed" : interrupted ? "interrupted" : "completed";
        char shard[32];
        snprintf(shard, sizeof shard, "%d/%d", o->shard_k, o->shard_n);
        for (int m = 0; m < e.nm; m++) {
            struct mrv_error e2 = {0};
            if (mrv_store_run_counts(w.db, w.run_ids[m], o->shard_n > 1 ? shard : NULL,
                                     &e2) != MRV_OK ||
                mrv_store_run_end(w.db, w.run_ids[m], status, &e2) != MRV_OK) {
                if (s == MRV_OK)
                    s = mrv_error_set(err, e2.code, "%s", e2.msg);
            }
        }
    }
    if (s == MRV_OK && interrupted)
        s = mrv_error_set(err, MRV_EINVAL,
                          "interrupted: %zu items stored; run the same command again to "
                          "resume", sum->items_run);
restore:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
done:
    mrv_store_close(w.db);
    engine_close(&e);
    sum->seconds = now_seconds() - t0;
    return s;
}
