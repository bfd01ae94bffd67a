/* mrvet gate — block a model update that got worse. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/cli.h"
#include "harness/gate_rules.h"
#include "reports/gate.h"

static const char gate_help[] =
    "usage: mrvet gate DB --baseline RUN --candidate RUN [--baseline-db FILE]\n"
    "                  [--rules FILE] [--junit FILE] [--markdown FILE]\n"
    "\n"
    "Checks pre-stated acceptance rules on the candidate run against the baseline\n"
    "run, paired case by case on identical perturbed inputs (docs/gate.md): non-\n"
    "inferiority margins (one-sided bootstrap bound of the paired mean change, BCa,\n"
    "seeded; Wilcoxon p reported), absolute floors, and breakdown-severity drops.\n"
    "Prints one line per rule with the observed change, its bound, the limit and\n"
    "the verdict. Too few paired cases for the rule's confidence is INSUFFICIENT,\n"
    "which fails: missing evidence never passes.\n"
    "\n"
    "RUN is a run id or a model name (its most recent run).\n"
    "options:\n"
    "  --baseline RUN        the reference model's run\n"
    "  --candidate RUN       the updated model's run (in DB)\n"
    "  --baseline-db FILE    the baseline's store, when it is not DB\n"
    "  --rules FILE          rules (YAML); default: the `gate:` section of the study\n"
    "                        the candidate ran\n"
    "  --junit FILE          JUnit XML, one test case per rule (GitLab, Jenkins, GitHub)\n"
    "  --markdown FILE       a Markdown table for a merge-request comment\n"
    "  -h, --help            this text\n"
    "\n"
    "exit: 0 every rule passed, 1 a rule failed or had too little evidence,\n"
    "2 bad usage or input\n";

int mrv_cmd_gate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"baseline", required_argument, NULL, 'b'},
        {"candidate", required_argument, NULL, 'c'},
        {"baseline-db", required_argument, NULL, 'B'},
        {"rules", required_argument, NULL, 'r'},
        {"junit", required_argument, NULL, 'j'},
        {"markdown", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *base = NULL, *cand = NULL, *base_db = NULL, *rules_path = NULL;
    const char *junit = NULL, *md = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': base = optarg; break;
        case 'c': cand = optarg; break;
        case 'B': base_db = optarg; break;
        case 'r': rules_path = optarg; break;
        case 'j': junit = optarg; break;
        case 'm': md = optarg; break;
        case 'h': fputs(gate_help, stdout); return MRV_EXIT_OK;
        default: fputs(gate_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || !base || !cand) {
        fprintf(stderr, "mrvet gate: expected DB, --baseline RUN and --candidate RUN (see "
                        "`mrvet gate --help`)\n");
        return MRV_EXIT_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct mrv_error err = {0};
    struct mrv_store *cdb = NULL, *bdb = NULL;
    struct mrv_gate_rules *rules = calloc(1, sizeof *rules);
    struct mrv_gate_outcome *out = NULL;
    char *cfg = NULL, study_c[128], study_b[128];
    int64_t cid, bid;
    int code = MRV_EXIT_USAGE;
    enum mrv_status s = rules ? mrv_store_open_readonly(argv[optind], &cdb, &err)
                              : mrv_error_set(&err, MRV_ENOMEM, "out of memory");
    if (s == MRV_OK)
        s = base_db ? mrv_store_open_readonly(base_db, &bdb, &err) : MRV_OK;
    if (s == MRV_OK)
        s = mrv_store_resolve_run(cdb, cand, &cid, study_c, &cfg, &err);
    if (s == MRV_OK)
        s = mrv_store_resolve_run(bdb ? bdb : cdb, base, &bid, study_b, NULL, &err);
    if (s == MRV_OK) {
        if (rules_path) {
            s = mrv_gate_rules_load_file(rules_path, rules, &err);
        } else {
            char origin[300];
            snprintf(origin, sizeof origin, "%s: run %lld's study configuration", argv[optind],
                     (long long)cid);
            s = mrv_gate_rules_parse(cfg, strlen(cfg), origin, "gate", rules, &err);
            if (s == MRV_ENOTFOUND)
                s = mrv_error_set(&err, MRV_EINVAL,
                                  "no acceptance rules: give --rules FILE, or a `gate:` section "
                                  "with rules in the study (docs/gate.md); a gate needs "
                                  "pre-stated criteria");
        }
    }
    if (s == MRV_OK && strcmp(study_b, study_c) != 0)
        fprintf(stderr, "mrvet gate: note: baseline is from study '%s', candidate from '%s'; "
                        "only identical inputs (same case, perturbation, seed) are paired\n",
                study_b, study_c);
    if (s == MRV_OK && !(out = calloc(rules->n, sizeof *out)))
        s = mrv_error_set(&err, MRV_ENOMEM, "out of memory");
    if (s == MRV_OK)
        s = mrv_gate_evaluate(bdb ? bdb : cdb, bid, cdb, cid, &rules->cfg, rules->rules,
                              rules->n, out, &err);
    if (s != MRV_OK) {
        code = mrv_cli_fail("gate", &err);
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    size_t failed = 0;
    printf("mrvet gate: candidate run %lld (%s) vs baseline run %lld (%s), one-sided "
           "confidence %.3g\n", (long long)cid, cand, (long long)bid, base,
           rules->cfg.confidence);
    printf("%-50s %-12s %6s %11s %24s %11s %10s\n", "rule", "verdict", "cases", "observed",
           "interval", "limit", "Wilcoxon p");
    for (size_t i = 0; i < rules->n; i++) {
        char iv[64];
        snprintf(iv, sizeof iv, "[%.4g, %.4g]", out[i].lo, out[i].hi);
        printf("%-50.50s %-12s %6zu %11.4g %24s %11.4g %10.3g\n", rules->rules[i].name,
               mrv_verdict_name(out[i].verdict), out[i].n_cases, out[i].observed, iv,
               out[i].limit, out[i].wilcoxon_p);
        if (out[i].verdict != MRV_VERDICT_PASS) {
            printf("    %s\n", out[i].detail);
            failed++;
        }
    }
    printf("%zu of %zu rules passed\n", rules->n - failed, rules->n);
    char title[512];
    snprintf(title, sizeof title, "candidate `%s` (run %lld) vs baseline `%s` (run %lld)", cand,
             (long long)cid, base, (long long)bid);
    if (junit && mrv_gate_write_junit(junit, "mrvet gate", rules->rules, out, rules->n, secs,
                                      &err) != MRV_OK) {
        code = mrv_cli_fail("gate", &err);
        goto done;
    }
    if (md && mrv_gate_write_markdown(md, title, rules->rules, out, rules->n, &err) != MRV_OK) {
        code = mrv_cli_fail("gate", &err);
        goto done;
    }
    code = failed ? MRV_EXIT_GATE : MRV_EXIT_OK;
done:
    free(out);
    free(cfg);
    free(rules);
    mrv_store_close(cdb);
    mrv_store_close(bdb);
    return code;
}
