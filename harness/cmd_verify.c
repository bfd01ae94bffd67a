/* mrvet verify — check an evidence bundle against its manifest. */
#include <getopt.h>
#include <stdio.h>

#include "harness/cli.h"
#include "reports/bundle.h"

static const char verify_help[] =
    "usage: mrvet verify DIR\n"
    "\n"
    "Checks the evidence bundle DIR written by `mrvet bundle`: every file listed in\n"
    "DIR/SHA256SUMS must exist with the same SHA-256, no unlisted file may be\n"
    "present, and every input recorded in INPUTS.sha256 that is readable here (its\n"
    "path relative to the current folder) must still have its fingerprint. Prints\n"
    "one line per finding (changed:, missing:, unexpected:, unsafe path:, input\n"
    "changed:) or \"ok\".\n"
    "\n"
    "exit status: 0 the bundle is intact, 1 something changed, 2 not a bundle or\n"
    "bad usage.\n"
    "\n"
    "options:\n"
    "  -h, --help   this text\n";

int mrv_cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(verify_help, stdout); return MRV_EXIT_OK;
        default: fputs(verify_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "mrvet verify: expected one DIR argument (see `mrvet verify --help`)\n");
        return MRV_EXIT_USAGE;
    }
    struct mrv_error err = {0};
    struct mrv_strbuf log;
    mrv_strbuf_init(&log);
    size_t problems = 0;
    enum mrv_status s = mrv_bundle_verify(argv[optind], &log, &problems, &err);
    fputs(mrv_strbuf_str(&log), stdout);
    mrv_strbuf_free(&log);
    if (s != MRV_OK)
        return mrv_cli_fail("verify", &err);
    if (problems) {
        fprintf(stderr, "mrvet verify: %s: %zu finding%s; the bundle is not as written\n",
                argv[optind], problems, problems == 1 ? "" : "s");
        return MRV_EXIT_GATE;
    }
    return MRV_EXIT_OK;
}
