/* mrvet — vet MRI deep-learning models before they meet patients. */
#include <stdio.h>
#include <string.h>

#include "core/version.h"
#include "harness/cli.h"

static const struct mrv_command commands[] = {
    {"demo", "run the whole pipeline on built-in data and write a report", mrv_cmd_demo},
    {"run", "run a study file into a store (resumable, shardable)", mrv_cmd_run},
    {"merge", "combine the stores of a study's shards", mrv_cmd_merge},
    {"export", "write a store's results as a tidy CSV or JSON table", mrv_cmd_export},
    {"slurm", "run a study as a Slurm job array, then merge and report", mrv_cmd_slurm},
    {"perturb", "write a perturbed copy of a test set (fastMRI HDF5) to look at", mrv_cmd_perturb},
    {"report", "turn a store into HTML, PDF, Markdown or JSON reports", mrv_cmd_report},
    {"bundle", "write the evidence bundle: reports, store, manifest of SHA-256", mrv_cmd_bundle},
    {"verify", "check an evidence bundle against its manifest", mrv_cmd_verify},
    {"inspect", "describe a file, folder or built-in set: shapes, spacing, SHA-256",
     mrv_cmd_inspect},
    {"score", "score saved outputs against references (fastMRI evaluate.py, labels)",
     mrv_cmd_score},
    {"gate", "pass/fail a candidate model against a baseline (CI)", mrv_cmd_gate},
    {"list", "list perturbations, metrics, adapters or datasets", mrv_cmd_list},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mrvet [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "mrvet runs MRI reconstruction models over a test set while perturbations\n"
            "inject what real scanners do (noise, ...), scores every output against the\n"
            "clean reference with the field's reference conventions (fastMRI PSNR, SSIM,\n"
            "NMSE), keeps every number, seed and fingerprint in SQLite, and reports.\n"
            "\n"
            "commands:\n");
    for (int i = 0; commands[i].name; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "`mrvet COMMAND --help` explains a command and its options.\n"
            "exit codes: 0 success, 1 a gate failed, 2 bad usage or input,\n"
            "            3 a model failed, 4 internal error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MRV_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return MRV_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mrvet %s (%s)\n", mrv_version(), mrv_git_commit());
        return MRV_EXIT_OK;
    }
    for (int i = 0; commands[i].name; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "mrvet: '%s' is not a command (see `mrvet --help`)\n", argv[1]);
    return MRV_EXIT_USAGE;
}
