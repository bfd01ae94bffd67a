/* mrvet demo — the whole pipeline on built-in data. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/engine.h"
#include "harness/study.h"
#include "reports/report.h"

static const char demo_help[] =
    "usage: mrvet demo [--out DIR] [--jobs N] [--dataset phantom|colin27] [--print-study]\n"
    "\n"
    "Runs the whole pipeline on built-in data, with nothing to download:\n"
    "  data          the `phantom` set: the 2D modified Shepp-Logan phantom and four\n"
    "                axial planes of the 3D one, 320x320, with 8 simulated receive\n"
    "                coils and fully sampled multi-coil k-space\n"
    "  undersampling fastMRI random mask, acceleration 4, centre fraction 0.08\n"
    "  perturbation  noise: complex Gaussian noise in k-space at SNR 40, 20, 10, 5,\n"
    "                2.5 (severities 1-5), 3 noise draws each, plus the clean input\n"
    "  model         builtin zero_filled: inverse FFT and root-sum-of-squares\n"
    "  metrics       PSNR, SSIM, NMSE as fastMRI's evaluate.py\n"
    "Stores every number in DIR/demo.db (SQLite) and writes DIR/report.html.\n"
    "A previous demo.db in DIR is replaced. What the demo runs is a study file,\n"
    "examples/demo.yaml, compiled in: print it with --print-study, edit a copy and\n"
    "run it with `mrvet run`.\n"
    "\n"
    "options:\n"
    "  -o, --out DIR   output folder (default: mrvet-demo), created if needed\n"
    "  -j, --jobs N    worker threads (default: all cores)\n"
    "      --dataset K  run on built-in set K instead: colin27 is the Colin27 T1 brain\n"
    "                  (Debian's mricron-data), 12 axial slices with simulated coils\n"
    "      --print-study  print the demo's study file and exit\n"
    "  -h, --help      this text\n";

static int remove_if_exists(const char *path)
{
    if (unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "mrvet demo: cannot remove old %s: %s\n", path, strerror(errno));
        return 0;
    }
    return 1;
}

int mrv_cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"print-study", no_argument, NULL, 'p'},
        {"dataset", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = "mrvet-demo";
    int jobs = 0;
    const char *dataset = NULL;
    unsigned long long v;
    int c;
    while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'j':
            if (!mrv_cli_parse_u64("demo", "--jobs", optarg, 64, &v) || v == 0) {
                fprintf(stderr, "mrvet demo: --jobs expects 1..64\n");
                return MRV_EXIT_USAGE;
            }
            jobs = (int)v;
            break;
        case 'p': fputs(mrv_study_demo_text(), stdout); return MRV_EXIT_OK;
        case 'd': dataset = optarg; break;
        case 'h': fputs(demo_help, stdout); return MRV_EXIT_OK;
        default: fputs(demo_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "mrvet demo: unexpected argument '%s'\n", argv[optind]);
        return MRV_EXIT_USAGE;
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mrvet demo: cannot create folder %s: %s\n", out, strerror(errno));
        return MRV_EXIT_USAGE;
    }
    char db[4096], wal[4200], shm[4200], report[4200];
    snprintf(db, sizeof db, "%s/demo.db", out);
    snprintf(wal, sizeof wal, "%s-wal", db);
    snprintf(shm, sizeof shm, "%s-shm", db);
    snprintf(report, sizeof report, "%s/report.html", out);
    if (!remove_if_exists(db) || !remove_if_exists(wal) || !remove_if_exists(shm))
        return MRV_EXIT_USAGE;

    struct mrv_error err = {0};
    struct mrv_study *st;
    const char *text = mrv_study_demo_text();
    enum mrv_status s = mrv_study_load_text(text, strlen(text),
                                            "examples/demo.yaml (built into mrvet)", &st, &err);
    if (s == MRV_OK && dataset)
        s = mrv_study_set_dataset(st, dataset, &err);
    if (s != MRV_OK) {
        mrv_study_free(st);
        return mrv_cli_fail("demo", &err);
    }
    struct mrv_run_options o = {.db_path = db, .jobs = jobs};
    struct mrv_run_summary sum;
    s = mrv_engine_run(st, &o, &sum, &err);
    mrv_study_free(st);
    if (s != MRV_OK)
        return mrv_cli_fail("demo", &err);
    printf("mrvet demo: %zu items, %zu results in %.1f s on %d threads (%zu failed)\n",
           sum.items_run, sum.results, sum.seconds, sum.jobs, sum.items_failed);

    struct mrv_store *store;
    if (mrv_store_open_readonly(db, &store, &err) != MRV_OK)
        return mrv_cli_fail("demo", &err);
    s = mrv_report_html(store, report, &err);
    mrv_store_close(store);
    if (s != MRV_OK)
        return mrv_cli_fail("demo", &err);
    printf("store:  %s\nreport: %s\n", db, report);
    return sum.items_failed ? MRV_EXIT_MODEL : MRV_EXIT_OK;
}
