/* mrvet report — turn a store into reports (HTML, PDF, Markdown, JSON). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "reports/report.h"

static const char report_help[] =
    "usage: mrvet report DB [-o FILE]... [--accept METRIC>=VALUE]... [options]\n"
    "\n"
    "Reads the SQLite store DB (read-only) and writes reports; the format follows\n"
    "each output's extension:\n"
    "  .html  one self-contained page (inline figures, no scripts or fetches):\n"
    "         robustness curves with bootstrap CIs, degradation heat maps, breakdown\n"
    "         severities, ROOD-MRI degradation and ImageNet-C mCE per model,\n"
    "         per-case distributions, subgroups, reliability diagrams, worst cases,\n"
    "         provenance and every result as mean +- SD\n"
    "  .pdf   the evidence report for print: acceptance criteria, pass/fail table,\n"
    "         figures, provenance\n"
    "  .md    a summary short enough for a merge-request comment\n"
    "  .json  every aggregate, for other tools\n"
    "All outputs come from one analysis of the store. See docs/reports.md.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE     where to write (default: report.html); repeat for\n"
    "                        several formats\n"
    "  -a, --accept RULE     acceptance criterion METRIC>=VALUE or METRIC<=VALUE\n"
    "                        (e.g. ssim>=0.9, nmse<=0.05), repeatable; gives the\n"
    "                        pass/fail verdict and breakdown severities\n"
    "  -r, --reference RUN   run id of the reference model for mCE (default: the\n"
    "                        first run)\n"
    "      --alpha A         ROOD-MRI severity weight alpha^s, 0 < A <= 1 (default 2/3)\n"
    "      --level L         confidence level, 0 < L < 1 (default 0.95)\n"
    "      --resamples N     bootstrap resamples (default 1000; 9999 with --bca\n"
    "                        is SciPy's default)\n"
    "      --bca             BCa intervals instead of percentile\n"
    "      --seed N          bootstrap seed (default 20261125)\n"
    "  -j, --jobs N          threads for the bootstrap (default: all cores)\n"
    "      --worst N         worst cases listed per model and metric (default 10)\n"
    "  -h, --help            this text\n";

int mrv_cmd_report(int argc, char **argv)
{
    enum { O_ALPHA = 256, O_LEVEL, O_RESAMPLES, O_BCA, O_SEED, O_WORST };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"accept", required_argument, NULL, 'a'},
        {"reference", required_argument, NULL, 'r'},
        {"alpha", required_argument, NULL, O_ALPHA},
        {"level", required_argument, NULL, O_LEVEL},
        {"resamples", required_argument, NULL, O_RESAMPLES},
        {"bca", no_argument, NULL, O_BCA},
        {"seed", required_argument, NULL, O_SEED},
        {"jobs", required_argument, NULL, 'j'},
        {"worst", required_argument, NULL, O_WORST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    struct mrv_error err = {0};
    const char *outs[16];
    enum mrv_report_format fmts[16];
    int nout = 0;
    unsigned long long v;
    int c;
    while ((c = getopt_long(argc, argv, "o:a:r:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (nout == 16) {
                fprintf(stderr, "mrvet report: at most 16 outputs\n");
                return MRV_EXIT_USAGE;
            }
            if (mrv_report_format_of(optarg, &fmts[nout], &err) != MRV_OK)
                return mrv_cli_fail("report", &err);
            outs[nout++] = optarg;
            break;
        case 'a':
            if (mrv_report_options_add_criterion(&o, optarg, &err) != MRV_OK)
                return mrv_cli_fail("report", &err);
            break;
        case 'r':
            if (!mrv_cli_parse_u64("report", "--reference", optarg, 0x7fffffffffffffffULL, &v))
                return MRV_EXIT_USAGE;
            o.reference_run = (int64_t)v;
            break;
        case O_ALPHA:
            if (!mrv_cli_parse_double("report", "--alpha", optarg, &o.alpha))
                return MRV_EXIT_USAGE;
            break;
        case O_LEVEL:
            if (!mrv_cli_parse_double("report", "--level", optarg, &o.level))
                return MRV_EXIT_USAGE;
            break;
        case O_RESAMPLES:
            if (!mrv_cli_parse_u64("report", "--resamples", optarg, 1000000, &v) || v == 0) {
                fprintf(stderr, "mrvet report: --resamples expects 1..1000000\n");
                return MRV_EXIT_USAGE;
            }
            o.resamples = (int)v;
            break;
        case O_BCA: o.method = MRV_CI_BCA; break;
        case O_SEED:
            if (!mrv_cli_parse_u64("report", "--seed", optarg, 0x7fffffffffffffffULL, &v))
                return MRV_EXIT_USAGE;
            o.seed = v;
            break;
        case 'j':
            if (!mrv_cli_parse_u64("report", "--jobs", optarg, 64, &v) || v == 0) {
                fprintf(stderr, "mrvet report: --jobs expects 1..64\n");
                return MRV_EXIT_USAGE;
            }
            o.threads = (int)v;
            break;
        case O_WORST:
            if (!mrv_cli_parse_u64("report", "--worst", optarg, 1000, &v))
                return MRV_EXIT_USAGE;
            o.worst_n = (size_t)v;
            break;
        case 'h': fputs(report_help, stdout); return MRV_EXIT_OK;
        default: fputs(report_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "mrvet report: expected one DB argument (see `mrvet report --help`)\n");
        return MRV_EXIT_USAGE;
    }
    if (nout == 0) {
        outs[0] = "report.html";
        fmts[nout++] = MRV_REPORT_HTML;
    }
    struct mrv_store *store;
    enum mrv_status s = mrv_store_open_readonly(argv[optind], &store, &err);
    if (s != MRV_OK)
        return mrv_cli_fail("report", &err);
    struct mrv_analysis *a = NULL;
    s = mrv_analysis_create(store, &o, &a, &err);
    for (int i = 0; i < nout && s == MRV_OK; i++)
        if ((s = mrv_report_write_analysis(a, store, fmts[i], outs[i], &err)) == MRV_OK)
            printf("report: %s\n", outs[i]);
    mrv_analysis_destroy(a);
    mrv_store_close(store);
    if (s != MRV_OK)
        return mrv_cli_fail("report", &err);
    return MRV_EXIT_OK;
}
