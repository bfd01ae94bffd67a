/* reports/analysis.c — options, metric conventions, reading the store and
 * grouping results into cells (run, family, severity, metric) with per-case
 * means and bootstrap CIs. The scores built on the cells are in scores.c.
 *
 * Grouping is a counting sort into dense cells (a study has few runs,
 * families, severities and metrics) followed by a per-cell sort by case,
 * so a store of 10^6 results is grouped in O(N log N) with two passes.
 */
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/rng.h"
#include "reports/analysis_internal.h"

void mrv_report_options_default(struct mrv_report_options *o)
{
    memset(o, 0, sizeof *o);
    o->alpha = 2.0 / 3.0;
    o->level = MRV_STATS_DEFAULT_LEVEL;
    /* 1000 percentile resamples: the number Efron & Tibshirani (1993,
     * ch. 19) recommend at least for percentile interval end points, and
     * what keeps a 10^6-result report under 10 s on two cores (every
     * per-case value is resampled once per resample for its cell, its
     * degradation and its subgroups). SciPy's 9999 BCa is two options away
     * (--resamples 9999 --bca). */
    o->resamples = 1000;
    o->method = MRV_CI_PERCENTILE;
    o->seed = 20261125;
    o->threads = 0; /* one per online CPU */
    o->worst_n = 10;
}

enum mrv_status mrv_report_options_add_criterion(struct mrv_report_options *o,
                                                 const char *text, struct mrv_error *err)
{
    if (!o || !text)
        return mrv_error_set(err, MRV_EMISUSE, "add_criterion: NULL argument");
    if (o->ncriteria >= MRV_REPORT_MAX_CRITERIA)
        return mrv_error_set(err, MRV_EINVAL, "acceptance criterion '%s': at most %d allowed",
                             text, MRV_REPORT_MAX_CRITERIA);
    const char *ge = strstr(text, ">="), *le = strstr(text, "<=");
    const char *op = ge ? ge : le;
    if (!op || (ge && le) || op == text || (size_t)(op - text) >= sizeof o->criteria[0].metric)
        return mrv_error_set(err, MRV_EINVAL,
                             "acceptance criterion '%s': expected METRIC>=VALUE or "
                             "METRIC<=VALUE, e.g. ssim>=0.9",
                             text);
    char *end = NULL;
    double v = strtod(op + 2, &end);
    if (end == op + 2 || *end != '\0' || !isfinite(v))
        return mrv_error_set(err, MRV_EINVAL,
                             "acceptance criterion '%s': '%s' is not a finite number", text,
                             op + 2);
    struct mrv_criterion *c = &o->criteria[o->ncriteria++];
    memcpy(c->metric, text, (size_t)(op - text));
    c->metric[op - text] = '\0';
    c->higher_better = op == ge;
    c->threshold = v;
    return MRV_OK;
}

/* ---- metric conventions --------------------------------------------------- */

struct metric_rule {
    const char *prefix; /* matched case-insensitively against the name's start */
    int direction;
    int error;          /* 0 none, 1 E = 1 - m, 2 E = m, 3 E = 10^(-m/10) */
};

/* Longest prefixes first where one is a prefix of another (nmse / nsd). */
static const struct metric_rule rules[] = {
    {"psnr", +1, 3},        {"ms_ssim", +1, 1},    {"ssim", +1, 1},
    {"dice", +1, 1},        {"iou", +1, 1},        {"jaccard", +1, 1},
    {"nsd", +1, 1},         {"accuracy", +1, 1},   {"auroc", +1, 1},
    {"auc", +1, 1},         {"sensitivity", +1, 1}, {"specificity", +1, 1},
    {"precision", +1, 1},   {"recall", +1, 1},     {"f1", +1, 1},
    {"nmse", -1, 2},        {"nrmse", -1, 2},      {"rmse", -1, 2},
    {"mse", -1, 2},         {"mae", -1, 2},        {"hd", -1, 2},
    {"hausdorff", -1, 2},   {"asd", -1, 2},        {"assd", -1, 2},
    {"masd", -1, 2},        {"ece", -1, 2},        {"ace", -1, 2},
    {"mce", -1, 2},         {"rmsce", -1, 2},      {"brier", -1, 2},
    {"nll", -1, 2},         {"volume_diff", -1, 2}, {"abs_volume", -1, 2},
    {"lpips", -1, 2},       {"hfen", -1, 2},
};

static const struct metric_rule *rule_of(const char *metric)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strncasecmp(metric, rules[i].prefix, strlen(rules[i].prefix)) == 0)
            return &rules[i];
    return NULL;
}

int mrv_report_metric_direction(const char *metric)
{
    const struct metric_rule *r = metric ? rule_of(metric) : NULL;
    return r ? r->direction : 0;
}

double mrv_report_metric_error(const char *metric, double m)
{
    const struct metric_rule *r = metric ? rule_of(metric) : NULL;
    switch (r ? r->error : 0) {
    case 1: return 1.0 - m;
    case 2: return m;
    /* PSNR = 10 log10(R² / MSE), so 10^(−PSNR/10) = MSE / R²: the error
     * PSNR is a logarithm of, which a ratio of errors needs. */
    case 3: return pow(10.0, -m / 10.0);
    default: return NAN;
    }
}

int mrv_report_calib_bin(const char *metric, int *field)
{
    static const char *const names[] = {"count", "conf", "acc"};
    if (strncmp(metric, "calib_bin_", 10) != 0)
        return -1;
    const char *p = metric + 10;
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] != '_')
        return -1;
    int bin = (p[0] - '0') * 10 + (p[1] - '0');
    if (bin >= MRV_REPORT_MAX_BINS)
        return -1;
    for (int f = 0; f < 3; f++)
        if (strcmp(p + 3, names[f]) == 0) {
            if (field)
                *field = f;
            return bin;
        }
    return -1;
}

/* ---- helpers shared with scores.c ----------------------------------------- */

uint64_t mrv_analysis__seed(const struct mrv_analysis *a, const char *what, size_t run,
                            int32_t family, int32_t metric, int k)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%lld/%s/%s", what, (long long)a->runs[run].id,
             family >= 0 ? a->res.families[family] : "-",
             metric >= 0 ? a->res.metrics[metric] : "-");
    return mrv_seed_derive(a->opt.seed, key, "report-ci", k, 0);
}

void mrv_analysis__ci_undefined(struct mrv_ci *ci, const struct mrv_analysis *a,
                                const char *reason)
{
    memset(ci, 0, sizeof *ci);
    ci->estimate = ci->lo = ci->hi = NAN;
    ci->level = a->opt.level;
    ci->method = a->opt.method;
    ci->null_reason = reason;
}

bool mrv_analysis__job(struct mrv_ci_jobs *j, const double *x, const double *y, size_t n,
                       uint64_t seed, struct mrv_ci *out)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 256;
        struct mrv_ci_job *v = realloc(j->v, cap * sizeof *v);
        if (!v)
            return false;
        j->v = v;
        j->cap = cap;
    }
    j->v[j->n++] = (struct mrv_ci_job){x, y, n, 0, seed, out};
    return true;
}

bool mrv_analysis__job_ratio(struct mrv_ci_jobs *j, const double *num, const double *den,
                             size_t n, size_t k, uint64_t seed, struct mrv_ci *out)
{
    if (!mrv_analysis__job(j, num, den, n, seed, out))
        return false;
    j->v[j->n - 1].k = k ? k : 1;
    return true;
}

struct worker {
    const struct mrv_analysis *a;
    struct mrv_ci_jobs *jobs;
    atomic_size_t next;
    atomic_int failed;
    struct mrv_error err; /* the first failure */
    pthread_mutex_t lock;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    const struct mrv_report_options *o = &w->a->opt;
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->jobs->n || atomic_load(&w->failed))
            return NULL;
        const struct mrv_ci_job *j = &w->jobs->v[i];
        struct mrv_error e = {0};
        enum mrv_status st =
            j->k ? mrv_stats_bootstrap_mean_ratio(j->x, j->y, j->n, j->k, o->level,
                                                  o->resamples, o->method, j->seed, j->out, &e)
            : j->y ? mrv_stats_bootstrap_paired_diff(j->x, j->y, j->n, o->level, o->resamples,
                                                   o->method, j->seed, j->out, &e)
                 : mrv_stats_bootstrap_mean(j->x, j->n, o->level, o->resamples, o->method,
                                            j->seed, j->out, &e);
        if (st != MRV_OK) {
            pthread_mutex_lock(&w->lock);
            if (!atomic_load(&w->failed)) {
                w->err = e;
                w->err.code = st;
                atomic_store(&w->failed, 1);
            }
            pthread_mutex_unlock(&w->lock);
        }
    }
}

enum mrv_status mrv_analysis__run_jobs(const struct mrv_analysis *a, struct mrv_ci_jobs *j,
                                       struct mrv_error *err)
{
    struct worker w = {.a = a, .jobs = j};
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, 0);
    pthread_mutex_init(&w.lock, NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int nt = a->opt.threads > 0 ? a->opt.threads : cpus > 0 ? (int)cpus : 2;
    if (nt > 64)
        nt = 64;
    pthread_t th[64];
    int started = 0;
    for (int t = 1; t < nt; t++)
        if (pthread_create(&th[started], NULL, work, &w) == 0)
            started++;
    work(&w); /* the calling thread works too, so no thread is also fine */
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&w.lock);
    free(j->v);
    memset(j, 0, sizeof *j);
    if (atomic_load(&w.failed))
        return mrv_error_set(err, w.err.code, "bootstrap: %s", w.err.msg);
    return MRV_OK;
}

/* ---- lookups ---------------------------------------------------------------- */

const struct mrv_agg_cell *mrv_analysis_cell(const struct mrv_analysis *a, size_t run,
                                             int32_t family, size_t sev, int32_t metric)
{
    if (!a || run >= a->nruns || family < 0 || (size_t)family >= a->res.nfamilies ||
        sev >= a->nsev || metric < 0 || (size_t)metric >= a->res.nmetrics)
        return NULL;
    size_t k = ((run * a->res.nfamilies + (size_t)family) * a->nsev + sev) * a->res.nmetrics +
               (size_t)metric;
    return a->cell_at[k] < 0 ? NULL : &a->cells[a->cell_at[k]];
}

const struct mrv_agg_robust *mrv_analysis_robust(const struct mrv_analysis *a, size_t run,
                                                 int32_t family, int32_t metric)
{
    for (size_t i = 0; a && i < a->nrobust; i++)
        if (a->robust[i].run == run && a->robust[i].family == family &&
            a->robust[i].metric == metric)
            return &a->robust[i];
    return NULL;
}

bool mrv_analysis_has_robust(const struct mrv_analysis *a, size_t run, int32_t family,
                             int32_t metric)
{
    for (size_t i = 0; a && i < a->nrobust; i++)
        if ((run == SIZE_MAX || a->robust[i].run == run) &&
            (family < 0 || a->robust[i].family == family) && a->robust[i].metric == metric)
            return true;
    return false;
}

const struct mrv_criterion *mrv_analysis_criterion(const struct mrv_analysis *a,
                                                   const char *metric)
{
    for (size_t i = 0; a && i < a->opt.ncriteria; i++)
        if (strcmp(a->opt.criteria[i].metric, metric) == 0)
            return &a->opt.criteria[i];
    return NULL;
}

void mrv_analysis_run_label(const struct mrv_analysis *a, size_t run, char *out, size_t size)
{
    const struct mrv_run_row *r = &a->runs[run];
    snprintf(out, size, "%s%s%s (run %lld)", r->model, r->model_version[0] ? " " : "",
             r->model_version, (long long)r->id);
}

/* ---- grouping ------------------------------------------------------------- */

struct entry {
    uint32_t cas;   /* case index */
    uint32_t row;   /* row order, for a deterministic order within a case */
    double value;
    int64_t pert;
    int32_t kind;
};

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->cas != b->cas)
        return a->cas < b->cas ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Names in display order: the clean family "none" first, then by name. */
struct named {
    const char *name;
    int32_t old;
};

static int cmp_named(const void *pa, const void *pb)
{
    const char *x = ((const struct named *)pa)->name, *y = ((const struct named *)pb)->name;
    int xn = strcmp(x, "none") == 0, yn = strcmp(y, "none") == 0;
    if (xn != yn)
        return yn - xn;
    return strcmp(x, y);
}

/* Reorder names[] for display and return old -> new index map (or NULL). */
static int32_t *reorder(char **names, size_t n)
{
    struct named *v = malloc((n ? n : 1) * sizeof *v);
    int32_t *inv = malloc((n ? n : 1) * sizeof *inv);
    if (!v || !inv) {
        free(v);
        free(inv);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (struct named){names[i], (int32_t)i};
    qsort(v, n, sizeof *v, cmp_named);
    for (size_t i = 0; i < n; i++) {
        names[i] = (char *)v[i].name;
        inv[v[i].old] = (int32_t)i;
    }
    free(v);
    return inv;
}

/* Index of the element whose int64 id (at byte offset `off`) is `id`, in
 * n elements of `size` bytes sorted by id; SIZE_MAX when absent. */
static size_t find_by_id(const void *base, size_t n, size_t size, size_t off, int64_t id)
{
    size_t lo = 0, hi = n;
    const unsigned char *b = base;
    int64_t v;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        memcpy(&v, b + mid * size + off, sizeof v);
        if (v < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n)
        memcpy(&v, b + lo * size + off, sizeof v);
    return lo < n && v == id ? lo : SIZE_MAX;
}

static size_t find_run(const struct mrv_analysis *a, int64_t id)
{
    return find_by_id(a->runs, a->nruns, sizeof *a->runs, offsetof(struct mrv_run_row, id), id);
}

static size_t find_case(const struct mrv_analysis *a, int64_t id)
{
    return find_by_id(a->cases, a->ncases, sizeof *a->cases,
                      offsetof(struct mrv_read_case, id), id);
}

static size_t find_sev(const struct mrv_analysis *a, int sev)
{
    for (size_t i = 0; i < a->nsev; i++)
        if (a->severities[i] == sev)
            return i;
    return SIZE_MAX;
}

/* One cell from its sorted entries: per-case means over finite repeats. */
static bool fill_cell(struct mrv_agg_cell *c, struct entry *e, size_t n)
{
    qsort(e, n, sizeof *e, cmp_entry);
    c->n_values = n;
    size_t ncase = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || e[i].cas != e[i - 1].cas)
            ncase++;
    c->cases = malloc((ncase ? ncase : 1) * sizeof *c->cases);
    c->values = malloc((ncase ? ncase : 1) * sizeof *c->values);
    c->pert = malloc((ncase ? ncase : 1) * sizeof *c->pert);
    double *sorted = malloc((ncase ? ncase : 1) * sizeof *sorted);
    if (!c->cases || !c->values || !c->pert || !sorted) {
        free(sorted);
        return false;
    }
    /* Raw mean and SD over every finite stored value, Welford's update
     * (Welford 1962), in (case, row) order so the bits never vary. */
    double m2 = 0;
    c->raw_mean = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double sum = 0;
        size_t k = 0;
        for (; j < n && e[j].cas == e[i].cas; j++) {
            switch (e[j].kind) {
            case MRV_VALUE_FINITE: {
                sum += e[j].value;
                k++;
                c->raw_n++;
                double d = e[j].value - c->raw_mean;
                c->raw_mean += d / (double)c->raw_n;
                m2 += d * (e[j].value - c->raw_mean);
                break;
            }
            case MRV_VALUE_NULL: c->n_undefined++; break;
            case MRV_VALUE_POSINF: c->n_posinf++; break;
            default: c->n_neginf++;
            }
        }
        if (k > 0) {
            c->cases[c->n] = e[i].cas;
            c->pert[c->n] = e[i].pert;
            c->values[c->n++] = sum / (double)k;
        }
        i = j;
    }
    if (c->raw_n == 0)
        c->raw_mean = c->raw_sd = NAN;
    else
        c->raw_sd = c->raw_n > 1 ? sqrt(m2 / (double)(c->raw_n - 1)) : 0.0;
    memcpy(sorted, c->values, c->n * sizeof *sorted);
    qsort(sorted, c->n, sizeof *sorted, cmp_double);
    static const double q[5] = {0, 0.25, 0.5, 0.75, 1};
    for (int i = 0; i < 5; i++)
        c->five[i] = mrv_stats_quantile_sorted(sorted, c->n, q[i]);
    free(sorted);
    return true;
}

static enum mrv_status group(struct mrv_analysis *a, struct mrv_error *err)
{
    struct mrv_read_results *r = &a->res;
    const char *path = a->db_path;
    /* Severities. */
    int *sev = malloc((r->n ? r->n : 1) * sizeof *sev);
    if (!sev)
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    size_t ns = 0;
    for (size_t i = 0; i < r->n; i++) {
        int s = r->v[i].severity;
        if (ns == 0 || sev[ns - 1] != s) {
            bool seen = false;
            for (size_t k = 0; k < ns && !seen; k++)
                seen = sev[k] == s;
            if (!seen) {
                if (ns >= 1000) {
                    free(sev);
                    return mrv_error_set(err, MRV_EFORMAT,
                                         "%s: more than 1000 distinct severities in "
                                         "perturbations.severity; expected a few levels",
                                         path);
                }
                sev[ns++] = s;
            }
        }
    }
    qsort(sev, ns, sizeof *sev, cmp_int);
    a->severities = sev;
    a->nsev = ns;

    int32_t *fmap = reorder(r->families, r->nfamilies);
    int32_t *mmap = reorder(r->metrics, r->nmetrics);
    if (!fmap || !mmap) {
        free(fmap);
        free(mmap);
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    }
    a->clean_family = -1;
    for (size_t f = 0; f < r->nfamilies; f++)
        if (strcmp(r->families[f], "none") == 0)
            a->clean_family = (int32_t)f;

    size_t nf = r->nfamilies, nm = r->nmetrics;
    size_t ncell_dense = a->nruns * nf * ns * nm;
    size_t *count = calloc(ncell_dense + 1, sizeof *count);
    a->cell_at = malloc((ncell_dense ? ncell_dense : 1) * sizeof *a->cell_at);
    struct entry *ent = malloc((r->n ? r->n : 1) * sizeof *ent);
    size_t *slot = malloc((r->n ? r->n : 1) * sizeof *slot);
    enum mrv_status st = MRV_OK;
    if (!count || !a->cell_at || !ent || !slot) {
        st = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory grouping results", path);
        goto done;
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct mrv_read_value *v = &r->v[i];
        size_t run = find_run(a, v->run_id), cas = find_case(a, v->case_id);
        if (run == SIZE_MAX || cas == SIZE_MAX) {
            /* Foreign keys make this impossible in an mrvet store. */
            st = mrv_error_set(err, MRV_EFORMAT,
                               "%s: result row %zu refers to run %lld / case %lld, which "
                               "do not exist",
                               path, i, (long long)v->run_id, (long long)v->case_id);
            goto done;
        }
        size_t k = ((run * nf + (size_t)fmap[v->family]) * ns + find_sev(a, v->severity)) * nm +
                   (size_t)mmap[v->metric];
        slot[i] = k;
        count[k]++;
        ent[i] = (struct entry){(uint32_t)cas, (uint32_t)i, v->value, v->perturbation_id, v->kind};
    }
    /* Prefix sums -> start of each dense cell in a CSR array. */
    size_t ncells = 0;
    for (size_t k = 0; k < ncell_dense; k++)
        ncells += count[k] > 0;
    a->cells = calloc(ncells ? ncells : 1, sizeof *a->cells);
    struct entry *csr = malloc((r->n ? r->n : 1) * sizeof *csr);
    size_t *start = malloc((ncell_dense + 1) * sizeof *start);
    if (!a->cells || !csr || !start) {
        free(csr);
        free(start);
        st = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory grouping results", path);
        goto done;
    }
    start[0] = 0;
    for (size_t k = 0; k < ncell_dense; k++)
        start[k + 1] = start[k] + count[k];
    memset(count, 0, ncell_dense * sizeof *count);
    for (size_t i = 0; i < r->n; i++)
        csr[start[slot[i]] + count[slot[i]]++] = ent[i];
    size_t c = 0;
    for (size_t k = 0; k < ncell_dense; k++) {
        a->cell_at[k] = -1;
        if (!count[k])
            continue;
        struct mrv_agg_cell *cell = &a->cells[c];
        size_t rest = k;
        cell->metric = (int32_t)(rest % nm);
        rest /= nm;
        cell->sev = (int32_t)(rest % ns);
        rest /= ns;
        cell->family = (int32_t)(rest % nf);
        cell->run = rest / nf;
        if (!fill_cell(cell, csr + start[k], count[k])) {
            a->ncells = c + 1;
            free(csr);
            free(start);
            st = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory grouping results", path);
            goto done;
        }
        a->cell_at[k] = (int32_t)c++;
    }
    a->ncells = c;
    free(csr);
    free(start);
done:
    free(count);
    free(ent);
    free(slot);
    free(fmap);
    free(mmap);
    return st;
}

/* ---- create / destroy ------------------------------------------------------ */

void mrv_analysis_destroy(struct mrv_analysis *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ncells; i++) {
        free(a->cells[i].cases);
        free(a->cells[i].values);
        free(a->cells[i].pert);
    }
    for (size_t i = 0; i < a->nrobust; i++) {
        free(a->robust[i].case_d);
        free(a->robust[i].case_idx);
    }
    free(a->cells);
    free(a->robust);
    free(a->models);
    free(a->subgroups);
    free(a->worst);
    free(a->rel);
    free(a->cell_at);
    free(a->severities);
    free(a->direction);
    free(a->is_bin);
    free(a->runs);
    mrv_store_read_results_free(&a->res);
    mrv_store_read_cases_free(a->cases, a->ncases);
    mrv_store_read_provenance_free(a->prov, a->nprov);
    mrv_store_read_artifacts_free(a->art, a->nart);
    mrv_store_read_severities_free(a->sevinfo, a->nsevinfo);
    free(a);
}

enum mrv_status mrv_analysis_create(struct mrv_store *s, const struct mrv_report_options *opt,
                                    struct mrv_analysis **out, struct mrv_error *err)
{
    if (!s || !out)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_analysis_create: NULL argument");
    *out = NULL;
    struct mrv_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    if (opt)
        a->opt = *opt;
    else
        mrv_report_options_default(&a->opt);
    const struct mrv_report_options *o = &a->opt;
    snprintf(a->db_path, sizeof a->db_path, "%s", mrv_store_path(s));
    enum mrv_status st = MRV_OK;
    if (!(o->alpha > 0 && o->alpha <= 1))
        st = mrv_error_set(err, MRV_EINVAL, "report option alpha = %g: expected 0 < alpha <= 1",
                           o->alpha);
    else if (!(o->level > 0 && o->level < 1))
        st = mrv_error_set(err, MRV_EINVAL, "report option level = %g: expected 0 < level < 1",
                           o->level);
    else if (o->resamples < 1)
        st = mrv_error_set(err, MRV_EINVAL, "report option resamples = %d: expected >= 1",
                           o->resamples);
    if (st == MRV_OK)
        st = mrv_store_runs(s, &a->runs, &a->nruns, err);
    if (st == MRV_OK)
        st = mrv_store_read_cases(s, &a->cases, &a->ncases, err);
    if (st == MRV_OK)
        st = mrv_store_read_provenance(s, &a->prov, &a->nprov, err);
    if (st == MRV_OK)
        st = mrv_store_read_artifacts(s, &a->art, &a->nart, err);
    if (st == MRV_OK)
        st = mrv_store_read_severities(s, &a->sevinfo, &a->nsevinfo, err);
    if (st == MRV_OK)
        st = mrv_store_read_results(s, &a->res, err);
    if (st == MRV_OK && a->ncases > UINT32_MAX)
        st = mrv_error_set(err, MRV_EINVAL, "%s: more than 2^32 cases", a->db_path);
    if (st == MRV_OK) {
        a->reference = 0;
        if (o->reference_run > 0) {
            a->reference = find_run(a, o->reference_run);
            if (a->reference == SIZE_MAX)
                st = mrv_error_set(err, MRV_EINVAL,
                                   "%s: reference run %lld does not exist (runs.id)",
                                   a->db_path, (long long)o->reference_run);
        }
    }
    if (st == MRV_OK) {
        a->nresults = a->res.n;
        st = group(a, err);
    }
    if (st == MRV_OK) {
        free(a->res.v); /* grouped; the cells hold what is needed */
        a->res.v = NULL;
        size_t nm = a->res.nmetrics;
        a->direction = calloc(nm ? nm : 1, sizeof *a->direction);
        a->is_bin = calloc(nm ? nm : 1, sizeof *a->is_bin);
        if (!a->direction || !a->is_bin)
            st = mrv_error_set(err, MRV_ENOMEM, "out of memory");
        for (size_t m = 0; st == MRV_OK && m < nm; m++) {
            a->direction[m] = mrv_report_metric_direction(a->res.metrics[m]);
            a->is_bin[m] = mrv_report_calib_bin(a->res.metrics[m], NULL) >= 0;
        }
    }
    if (st == MRV_OK) {
        struct mrv_ci_jobs jobs = {0};
        for (size_t i = 0; i < a->ncells && st == MRV_OK; i++) {
            struct mrv_agg_cell *c = &a->cells[i];
            if (a->is_bin[c->metric]) {
                mrv_analysis__ci_undefined(&c->ci, a, "calibration bin");
                continue;
            }
            uint64_t seed = mrv_analysis__seed(a, "cell", c->run, c->family, c->metric,
                                               a->severities[c->sev]);
            if (!mrv_analysis__job(&jobs, c->values, NULL, c->n, seed, &c->ci))
                st = mrv_error_set(err, MRV_ENOMEM, "out of memory");
        }
        if (st == MRV_OK)
            st = mrv_analysis__run_jobs(a, &jobs, err);
        else
            free(jobs.v);
    }
    if (st == MRV_OK)
        st = mrv_analysis__scores(a, err);
    if (st != MRV_OK) {
        mrv_analysis_destroy(a);
        return st;
    }
    *out = a;
    return MRV_OK;
}
