/* mrvet bundle — the evidence bundle: reports, store, configuration and a
 * manifest of SHA-256 fingerprints in one folder. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "reports/bundle.h"

static const char bundle_help[] =
    "usage: mrvet bundle DB -o DIR [--accept METRIC>=VALUE]... [--reference RUN]\n"
    "\n"
    "Writes the evidence bundle of the store DB into DIR (a new or empty folder):\n"
    "  store.db            a consistent copy of the store\n"
    "  report.html, report.pdf, report.md, report.json   (report_panels/ if any)\n"
    "  config-run<N>.json  each run's resolved study configuration\n"
    "  study-<name>        the study files named in provenance, when present here\n"
    "  INPUTS.sha256       every input fingerprint recorded in provenance\n"
    "  SHA256SUMS          SHA-256 of every file in the bundle\n"
    "`mrvet verify DIR` (or `sha256sum -c SHA256SUMS` inside DIR) checks it later.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR      the bundle folder (required)\n"
    "  -a, --accept RULE     acceptance criterion for the reports (repeatable)\n"
    "  -r, --reference RUN   reference run for mCE (default: the first run)\n"
    "  -h, --help            this text\n";

int mrv_cmd_bundle(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"accept", required_argument, NULL, 'a'},
        {"reference", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct mrv_report_options o;
    mrv_report_options_default(&o);
    struct mrv_error err = {0};
    const char *dir = NULL;
    unsigned long long v;
    int c;
    while ((c = getopt_long(argc, argv, "o:a:r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'a':
            if (mrv_report_options_add_criterion(&o, optarg, &err) != MRV_OK)
                return mrv_cli_fail("bundle", &err);
            break;
        case 'r':
            if (!mrv_cli_parse_u64("bundle", "--reference", optarg, 0x7fffffffffffffffULL, &v))
                return MRV_EXIT_USAGE;
            o.reference_run = (int64_t)v;
            break;
        case 'h': fputs(bundle_help, stdout); return MRV_EXIT_OK;
        default: fputs(bundle_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || !dir) {
        fprintf(stderr, "mrvet bundle: expected DB and -o DIR (see `mrvet bundle --help`)\n");
        return MRV_EXIT_USAGE;
    }
    struct mrv_store *store;
    enum mrv_status s = mrv_store_open_readonly(argv[optind], &store, &err);
    if (s != MRV_OK)
        return mrv_cli_fail("bundle", &err);
    size_t n = 0;
    s = mrv_bundle_write(store, &o, dir, &n, &err);
    mrv_store_close(store);
    if (s != MRV_OK)
        return mrv_cli_fail("bundle", &err);
    printf("bundle: %s (%zu files in SHA256SUMS)\n", dir, n);
    return MRV_EXIT_OK;
}
