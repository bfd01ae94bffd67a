/* mrvet run — run a study file into a store, resumably. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/engine.h"

static const char run_help[] =
    "usage: mrvet run STUDY.yaml [--db FILE] [--shard K/N] [--jobs N] [--dry-run]\n"
    "                 [--new-run] [--quiet]\n"
    "\n"
    "Runs the study's grid (cases x perturbations x severities x repeats x models x\n"
    "metrics; docs/study-reference.md) and stores every number in an SQLite store.\n"
    "\n"
    "Resumable: run the same command again after an interruption (Ctrl-C, a kill,\n"
    "a crash) and it skips what the store already holds, ending with the rows an\n"
    "uninterrupted run gives. A study edited since its runs were stored is refused\n"
    "unless --new-run is given.\n"
    "\n"
    "options:\n"
    "  --db FILE      the store (default: the study file's name with .db, next to it;\n"
    "                 with --shard: NAME.shard-K-of-N.db)\n"
    "  --shard K/N    run only shard K of N (every N-th case, deterministic), e.g. as\n"
    "                 one task of a Slurm job array; combine with `mrvet merge`\n"
    "  -j, --jobs N   worker threads (default: the study's `jobs`, else all cores)\n"
    "  --dry-run      print the grid size and what is already stored; run nothing\n"
    "  --new-run      start new runs even if the study changed since the stored ones\n"
    "  -q, --quiet    no progress display\n"
    "  -h, --help     this text\n"
    "\n"
    "exit: 0 done, 2 bad study or store (or interrupted), 3 some items failed\n"
    "(stored with NULL values and the reason), 4 internal error\n";

static int parse_shard(const char *t, int *k, int *n)
{
    char *end;
    long a = strtol(t, &end, 10);
    if (end == t || *end != '/')
        return 0;
    const char *rest = end + 1;
    long b = strtol(rest, &end, 10);
    if (end == rest || *end || b < 1 || b > 100000 || a < 1 || a > b)
        return 0;
    *k = (int)a;
    *n = (int)b;
    return 1;
}

static char *default_db(const char *study, int k, int n)
{
    size_t len = strlen(study);
    const char *dot = strrchr(study, '.');
    const char *slash = strrchr(study, '/');
    if (dot && (!slash || dot > slash))
        len = (size_t)(dot - study);
    char *out = malloc(len + 64);
    if (!out)
        return NULL;
    if (n > 1)
        snprintf(out, len + 64, "%.*s.shard-%d-of-%d.db", (int)len, study, k, n);
    else
        snprintf(out, len + 64, "%.*s.db", (int)len, study);
    return out;
}

int mrv_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"shard", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'},
        {"dry-run", no_argument, NULL, 'n'},
        {"new-run", no_argument, NULL, 'N'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct mrv_run_options o = {.progress = true};
    const char *db = NULL;
    int dry = 0, c;
    unsigned long long v;
    while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's':
            if (!parse_shard(optarg, &o.shard_k, &o.shard_n)) {
                fprintf(stderr, "mrvet run: --shard '%s': expected K/N with 1 <= K <= N\n",
                        optarg);
                return MRV_EXIT_USAGE;
            }
            break;
        case 'j':
            if (!mrv_cli_parse_u64("run", "--jobs", optarg, 64, &v) || v == 0) {
                fprintf(stderr, "mrvet run: --jobs expects 1..64\n");
                return MRV_EXIT_USAGE;
            }
            o.jobs = (int)v;
            break;
        case 'n': dry = 1; break;
        case 'N': o.new_run = true; break;
        case 'q': o.progress = false; break;
        case 'h': fputs(run_help, stdout); return MRV_EXIT_OK;
        default: fputs(run_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "mrvet run: expected one study file (see `mrvet run --help`)\n");
        return MRV_EXIT_USAGE;
    }
    struct mrv_error err = {0};
    struct mrv_study *st;
    enum mrv_status s = mrv_study_load_file(argv[optind], &st, &err);
    if (s != MRV_OK)
        return mrv_cli_fail("run", &err);
    char *owned = db ? NULL : default_db(argv[optind], o.shard_k, o.shard_n);
    o.db_path = db ? db : owned;
    struct mrv_run_summary sum;
    int code = MRV_EXIT_OK;
    if (!o.db_path) {
        fprintf(stderr, "mrvet run: out of memory\n");
        code = MRV_EXIT_INTERNAL;
    } else if (dry) {
        s = mrv_engine_plan(st, &o, &sum, &err);
        if (s != MRV_OK) {
            code = mrv_cli_fail("run", &err);
        } else {
            size_t per_case = mrv_study_items_per_case(st);
            printf("study %s (%s), store %s\n", st->name, st->origin, o.db_path);
            printf("  cases:        %zu%s\n", sum.cases, o.shard_n > 1 ? " in this shard" : "");
            printf("  items:        %zu (%zu per case: clean + perturbation x severity x "
                   "repeat)\n", sum.items_total, per_case);
            printf("  models:       %d, metrics: %d\n", st->nmodels, st->nmetrics);
            printf("  model calls:  %zu, results: %zu\n", sum.model_calls,
                   sum.model_calls * (size_t)st->nmetrics);
            printf("  already stored: %zu items; to run: %zu items\n", sum.items_skipped,
                   sum.items_run);
        }
    } else {
        s = mrv_engine_run(st, &o, &sum, &err);
        if (s != MRV_OK) {
            code = mrv_cli_fail("run", &err);
        } else {
            printf("mrvet run: %s: %zu items run, %zu already stored, %zu failed; %zu results "
                   "in %.1f s on %d threads\nstore: %s\n",
                   st->name, sum.items_run, sum.items_skipped, sum.items_failed, sum.results,
                   sum.seconds, sum.jobs, o.db_path);
            code = sum.items_failed ? MRV_EXIT_MODEL : MRV_EXIT_OK;
        }
    }
    free(owned);
    mrv_study_free(st);
    return code;
}
