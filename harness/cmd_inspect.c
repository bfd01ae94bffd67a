/* mrvet inspect — what a file, folder or built-in set holds, as mrvet reads it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"
#include "datasets/dataset.h"
#include "harness/cli.h"

static const char inspect_help[] =
    "usage: mrvet inspect PATH [--kind KIND]\n"
    "\n"
    "Describes PATH as mrvet will read it:\n"
    "  - the file's own structure: HDF5 datasets (shape, dtype) and root\n"
    "    attributes (fastMRI, ISMRMRD), NIfTI voxels, spacing and orientation,\n"
    "    BART cfl dimensions;\n"
    "  - the test set it forms: kind, number of cases, bad files skipped (with\n"
    "    the reason), the first case's arrays, spacing (mm) and metadata;\n"
    "  - the SHA-256 of every input file and, for several, of the whole set.\n"
    "PATH may be a file, a folder (fastMRI .h5 files, BART .cfl files, ISMRMRD\n"
    "files, an MSD/nnU-Net folder), a CSV list of NIfTI pairs, or the name of a\n"
    "built-in set (phantom, colin27, colin27_3d).\n"
    "\n"
    "options:\n"
    "  -k, --kind KIND  read PATH as this kind (see `mrvet list datasets`)\n"
    "                   instead of guessing from file names\n"
    "  -h, --help       this text\n";

int mrv_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *kind = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': kind = optarg; break;
        case 'h': fputs(inspect_help, stdout); return MRV_EXIT_OK;
        default: fputs(inspect_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "mrvet inspect: expected one PATH argument (see `mrvet inspect --help`)\n");
        return MRV_EXIT_USAGE;
    }
    struct mrv_strbuf out;
    mrv_strbuf_init(&out);
    struct mrv_error err = {0};
    enum mrv_status s = mrv_dataset_inspect(argv[optind], kind, &out, &err);
    fputs(mrv_strbuf_str(&out), stdout);
    mrv_strbuf_free(&out);
    if (s != MRV_OK)
        return mrv_cli_fail("inspect", &err);
    return MRV_EXIT_OK;
}
