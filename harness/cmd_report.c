/* mrvet report — turn a store into a report. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "reports/report.h"

static const char report_help[] =
    "usage: mrvet report DB [-o report.html]\n"
    "\n"
    "Reads the SQLite store DB (read-only) and writes a self-contained HTML page:\n"
    "the runs with their provenance (mrvet version, git commit, host, seed, times)\n"
    "and, per run, mean +- standard deviation of every metric for every\n"
    "perturbation family and severity, with counts of undefined values.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  where to write (default: report.html); the format\n"
    "                     follows the extension: .html\n"
    "  -h, --help         this text\n";

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int mrv_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = "report.html";
    int c;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': fputs(report_help, stdout); return MRV_EXIT_OK;
        default: fputs(report_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "mrvet report: expected one DB argument (see `mrvet report --help`)\n");
        return MRV_EXIT_USAGE;
    }
    if (!has_suffix(out, ".html") && !has_suffix(out, ".htm")) {
        fprintf(stderr, "mrvet report: -o %s: unsupported format, expected a .html file\n", out);
        return MRV_EXIT_USAGE;
    }
    struct mrv_error err = {0};
    struct mrv_store *store;
    enum mrv_status s = mrv_store_open_readonly(argv[optind], &store, &err);
    if (s != MRV_OK)
        return mrv_cli_fail("report", &err);
    s = mrv_report_html(store, out, &err);
    mrv_store_close(store);
    if (s != MRV_OK)
        return mrv_cli_fail("report", &err);
    printf("report: %s\n", out);
    return MRV_EXIT_OK;
}
