/* harness/cli.h — the `mrvet` command line: one file per subcommand.
 *
 * Each subcommand is `int mrv_cmd_<name>(int argc, char **argv)` with argv[0]
 * the subcommand name, returning a DESIGN.md exit code. */
#ifndef MRV_HARNESS_CLI_H
#define MRV_HARNESS_CLI_H

#include "core/status.h"

enum mrv_exit {
    MRV_EXIT_OK = 0,
    MRV_EXIT_GATE = 1,     /* a gate failed */
    MRV_EXIT_USAGE = 2,    /* bad usage or input */
    MRV_EXIT_MODEL = 3,    /* a model failed */
    MRV_EXIT_INTERNAL = 4  /* internal error */
};

struct mrv_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int mrv_cmd_demo(int argc, char **argv);
int mrv_cmd_report(int argc, char **argv);
int mrv_cmd_list(int argc, char **argv);
int mrv_cmd_run(int argc, char **argv);
int mrv_cmd_merge(int argc, char **argv);
int mrv_cmd_export(int argc, char **argv);
int mrv_cmd_slurm(int argc, char **argv);
int mrv_cmd_perturb(int argc, char **argv);
int mrv_cmd_gate(int argc, char **argv);
int mrv_cmd_bundle(int argc, char **argv);
int mrv_cmd_verify(int argc, char **argv);
int mrv_cmd_inspect(int argc, char **argv);
int mrv_cmd_score(int argc, char **argv);

/* Exit code for a status (bad input -> 2, model -> 3, else 4). */
int mrv_exit_code(enum mrv_status s);

/* Print "mrvet <cmd>: <message>" for a failed call and return its exit code. */
int mrv_cli_fail(const char *cmd, const struct mrv_error *err);

/* Parse a non-negative integer option value; false (with a message on
 * stderr naming the option) when it is not one. */
int mrv_cli_parse_u64(const char *cmd, const char *opt, const char *text,
                      unsigned long long max, unsigned long long *out);

/* Parse a finite number option value; false (with a message on stderr
 * naming the command and option) when it is not one. */
int mrv_cli_parse_double(const char *cmd, const char *opt, const char *text, double *out);

#endif
