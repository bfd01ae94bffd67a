/* bench/bench_report.c — the report of a 10^6-result store.
 *
 * Writes DIR/bench.db: 4 models × 2000 cases × (clean + 5 families × 5
 * severities) × 5 metrics = 1 040 000 results, then times, from the store
 * on disk: the analysis (per-case means, bootstrap CIs of every cell,
 * breakdown, ROOD-MRI degradation, mCE, subgroups, worst cases) and the
 * HTML, PDF, Markdown and JSON reports. Prints "name seconds value" lines
 * for bench/run_report.sh; the value is one aggregate the peer recomputes
 * (degradation of model 2, family f2, metric ssim).
 * Usage: bench_report DIR
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/analysis.h"
#include "reports/report.h"
#include "store/store.h"

#define RUNS 4
#define CASES 2000
#define FAMILIES 5
#define SEVERITIES 5
#define METRICS 5

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of the whole process (all threads): on a shared machine the
 * wall time says how busy the others were; this says what the report cost. */
static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int die(const struct mrv_error *err)
{
    fprintf(stderr, "bench_report: %s\n", err->msg);
    return 1;
}

/* splitmix64: a reproducible per-value jitter. */
static double jitter(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return (double)(x >> 11) / 9007199254740992.0 - 0.5;
}

static int make_store(const char *db)
{
    static const char *const metrics[METRICS] = {"psnr", "ssim", "nmse", "dice", "hd95"};
    struct mrv_error err = {0};
    struct mrv_store *s = NULL;
    remove(db);
    if (mrv_store_open(db, &s, &err) != MRV_OK)
        return die(&err);
    int64_t runs[RUNS];
    for (int r = 0; r < RUNS; r++) {
        char name[32];
        snprintf(name, sizeof name, "model-%d", r + 1);
        struct mrv_run_info info = {.study = "bench", .model = name, .seed = 1};
        if (mrv_store_run_begin(s, &info, &runs[r], &err) != MRV_OK)
            return die(&err);
    }
    for (int c = 0; c < CASES; c++) {
        char key[32], meta[96];
        snprintf(key, sizeof key, "case-%05d", c);
        snprintf(meta, sizeof meta, "{\"vendor\":\"%s\",\"field_T\":%s}",
                 c % 3 == 0 ? "GE" : c % 3 == 1 ? "Siemens" : "Philips", c % 2 ? "3" : "1.5");
        int64_t cid = 0;
        if (mrv_store_begin(s, &err) != MRV_OK ||
            mrv_store_case(s, "bench", key, NULL, meta, &cid, &err) != MRV_OK)
            return die(&err);
        for (int f = 0; f <= FAMILIES; f++)
            for (int sev = f ? 1 : 0; sev <= (f ? SEVERITIES : 0); sev++) {
                char fam[16];
                snprintf(fam, sizeof fam, f ? "f%d" : "none", f);
                int64_t pid = 0;
                if (mrv_store_perturbation(s, cid, fam, sev, 0, (uint64_t)(f * 10 + sev), NULL,
                                           &pid, &err) != MRV_OK)
                    return die(&err);
                for (int r = 0; r < RUNS; r++)
                    for (int m = 0; m < METRICS; m++) {
                        uint64_t k = (((uint64_t)c * 8 + (uint64_t)f) * 8 + (uint64_t)sev) * 8 +
                                     (uint64_t)r;
                        double drop = sev * (0.02 + 0.01 * r) * (1 + 0.2 * f);
                        double v = 0.9 - drop + 0.05 * jitter(k * 8 + (uint64_t)m);
                        if (m == 0)
                            v = 30 * v;
                        else if (m == 2 || m == 4)
                            v = 1 - v;
                        if (mrv_store_result(s, runs[r], cid, pid, metrics[m], v, NULL, &err) !=
                            MRV_OK)
                            return die(&err);
                    }
            }
        if (mrv_store_commit(s, &err) != MRV_OK)
            return die(&err);
    }
    for (int r = 0; r < RUNS; r++)
        mrv_store_run_end(s, runs[r], "completed", &err);
    mrv_store_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_report DIR\n");
        return 2;
    }
    char db[4096], out[4200];
    snprintf(db, sizeof db, "%s/bench.db", argv[1]);
    double t0 = now();
    if (make_store(db))
        return 1;
    fprintf(stderr, "store of %d results written in %.1f s\n",
            RUNS * CASES * (1 + FAMILIES * SEVERITIES) * METRICS, now() - t0);

    struct mrv_error err = {0};
    struct mrv_store *s = NULL;
    if (mrv_store_open_readonly(db, &s, &err) != MRV_OK)
        return die(&err);
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    mrv_report_options_add_criterion(&o, "ssim>=0.8", &err);
    double start = now(), cpu0 = cpu();
    struct mrv_analysis *a = NULL;
    if (mrv_analysis_create(s, &o, &a, &err) != MRV_OK)
        return die(&err);
    double t_an = now() - start;
    static const struct {
        const char *name, *file;
        enum mrv_report_format fmt;
    } fm[] = {{"html", "r.html", MRV_REPORT_HTML}, {"pdf", "r.pdf", MRV_REPORT_PDF},
              {"markdown", "r.md", MRV_REPORT_MARKDOWN}, {"json", "r.json", MRV_REPORT_JSON}};
    double t_fmt[4];
    for (int i = 0; i < 4; i++) {
        double t = now();
        snprintf(out, sizeof out, "%s/%s", argv[1], fm[i].file);
        if (mrv_report_write_analysis(a, s, fm[i].fmt, out, &err) != MRV_OK)
            return die(&err);
        t_fmt[i] = now() - t;
    }
    double total = now() - start, total_cpu = cpu() - cpu0;
    /* The aggregate the peer recomputes: degradation of model-2, f2, ssim. */
    double value = NAN;
    for (size_t i = 0; i < a->nrobust; i++) {
        const struct mrv_agg_robust *r = &a->robust[i];
        if (!strcmp(a->runs[r->run].model, "model-2") && !strcmp(a->res.families[r->family], "f2") &&
            !strcmp(a->res.metrics[r->metric], "ssim"))
            value = r->degradation.estimate;
    }
    printf("analysis %.4f %.12g\n", t_an, value);
    for (int i = 0; i < 4; i++)
        printf("%s %.4f %.12g\n", fm[i].name, t_fmt[i], value);
    printf("total %.4f %.12g\n", total, value);
    printf("total_cpu %.4f %.12g\n", total_cpu, value);
    fprintf(stderr, "%zu results, %zu cells, %zu bootstrap CIs of %d resamples\n", a->nresults,
            a->ncells, a->ncells + 2 * a->nrobust + 2 * a->nmodels + 2 * a->nsubgroups, o.resamples);
    mrv_analysis_destroy(a);
    mrv_store_close(s);
    return 0;
}
