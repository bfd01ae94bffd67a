/* mrvet slurm — run a study as a Slurm job array: one shard per task, then a
 * dependent job that merges the shards and writes the report. */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/version.h"
#include "harness/cli.h"
#include "harness/engine.h"

extern char **environ;

static const char slurm_help[] =
    "usage: mrvet slurm STUDY.yaml --shards N [--out DIR] [--partition P] [--time T]\n"
    "                   [--gres G] [--cpus-per-task C] [--mem M] [--dry-run]\n"
    "\n"
    "Writes DIR/array.sbatch (one shard of the study per array task:\n"
    "`mrvet run STUDY --shard K/N` into DIR/shards/shard-K-of-N.db) and\n"
    "DIR/merge.sbatch (merges the shards into DIR/STUDYNAME.db and writes\n"
    "DIR/report.html), then submits them with sbatch: the array, and the merge\n"
    "with --dependency=afterok on it. Slurm logs go to DIR/logs/.\n"
    "\n"
    "Run the same command again after some tasks failed or were cancelled: only\n"
    "the shards whose store is missing or incomplete are resubmitted (each\n"
    "resumes where its store stopped), then the merge. A task whose models\n"
    "failed on some items (stored with the reason) counts as done.\n"
    "\n"
    "options:\n"
    "  -n, --shards N        number of shards (array tasks), required\n"
    "  -o, --out DIR         output folder (default: STUDY's name + .slurm, next to it)\n"
    "  --partition P         Slurm partition\n"
    "  --time T              time limit per task (Slurm format, e.g. 04:00:00)\n"
    "  --gres G              generic resources per task, e.g. gpu:1 (one model\n"
    "                        worker per GPU: give each task one GPU)\n"
    "  --cpus-per-task C     CPUs per task; mrvet uses them as its --jobs\n"
    "  --mem M               memory per task, e.g. 16G\n"
    "  --dry-run             write the scripts and print the sbatch commands only\n"
    "  -h, --help            this text\n"
    "\n"
    "Needs sbatch on PATH (and SLURM_CONF if the cluster needs it).\n";

/* Append `s` as one single-quoted shell word. */
static void shell_word(struct mrv_strbuf *b, const char *s)
{
    mrv_strbuf_append(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            mrv_strbuf_append(b, "'\\''");
        else
            mrv_strbuf_printf(b, "%c", *s);
    }
    mrv_strbuf_append(b, "'");
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    int ok = fputs(text, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    chmod(path, 0755);
    return ok;
}

/* Run argv, capture stdout (trailing newline removed); 0 on exit status 0. */
static int run_capture(char *const argv[], char *out, size_t size)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        errno = rc;
        return -1;
    }
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd[0], out + n, size - 1 - n)) > 0 && n + (size_t)r < size - 1)
        n += (size_t)r;
    if (r > 0)
        n += (size_t)r;
    out[n] = '\0';
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    close(fd[0]);
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

struct slurm_opts {
    int shards;
    const char *out, *partition, *time, *gres, *mem;
    int cpus;
    int dry;
};

static void sbatch_header(struct mrv_strbuf *b, const struct slurm_opts *o, const char *name,
                          const char *log)
{
    mrv_strbuf_append(b, "#!/bin/sh\n");
    mrv_strbuf_printf(b, "#SBATCH --job-name=%s\n", name);
    mrv_strbuf_printf(b, "#SBATCH --output=%s\n", log);
    if (o->partition)
        mrv_strbuf_printf(b, "#SBATCH --partition=%s\n", o->partition);
    if (o->time)
        mrv_strbuf_printf(b, "#SBATCH --time=%s\n", o->time);
    if (o->mem)
        mrv_strbuf_printf(b, "#SBATCH --mem=%s\n", o->mem);
    mrv_strbuf_printf(b, "# written by mrvet %s (%s) `mrvet slurm`; edit with care\n",
                      mrv_version(), mrv_git_commit());
    mrv_strbuf_append(b, "set -eu\n");
}

static int valid_slurm_value(const char *v)
{
    /* values land in #SBATCH lines: no newlines or shell specials */
    return v && *v && !strpbrk(v, "\n\r'\"`$\\ ;&|<>");
}

int mrv_cmd_slurm(int argc, char **argv)
{
    static const struct option opts[] = {
        {"shards", required_argument, NULL, 'n'},
        {"out", required_argument, NULL, 'o'},
        {"partition", required_argument, NULL, 'p'},
        {"time", required_argument, NULL, 't'},
        {"gres", required_argument, NULL, 'g'},
        {"cpus-per-task", required_argument, NULL, 'c'},
        {"mem", required_argument, NULL, 'm'},
        {"dry-run", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct slurm_opts o = {0};
    unsigned long long v;
    int c;
    while ((c = getopt_long(argc, argv, "n:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!mrv_cli_parse_u64("slurm", "--shards", optarg, 100000, &v) || v == 0)
                return MRV_EXIT_USAGE;
            o.shards = (int)v;
            break;
        case 'o': o.out = optarg; break;
        case 'p': o.partition = optarg; break;
        case 't': o.time = optarg; break;
        case 'g': o.gres = optarg; break;
        case 'm': o.mem = optarg; break;
        case 'c':
            if (!mrv_cli_parse_u64("slurm", "--cpus-per-task", optarg, 1024, &v) || v == 0)
                return MRV_EXIT_USAGE;
            o.cpus = (int)v;
            break;
        case 'd': o.dry = 1; break;
        case 'h': fputs(slurm_help, stdout); return MRV_EXIT_OK;
        default: fputs(slurm_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || o.shards == 0) {
        fprintf(stderr, "mrvet slurm: expected STUDY.yaml and --shards N (see `mrvet slurm "
                        "--help`)\n");
        return MRV_EXIT_USAGE;
    }
    const char *vals[] = {o.partition, o.time, o.gres, o.mem};
    const char *names[] = {"--partition", "--time", "--gres", "--mem"};
    for (int i = 0; i < 4; i++)
        if (vals[i] && !valid_slurm_value(vals[i])) {
            fprintf(stderr, "mrvet slurm: %s '%s': spaces, quotes and shell characters are "
                            "not allowed\n", names[i], vals[i]);
            return MRV_EXIT_USAGE;
        }

    struct mrv_error err = {0};
    struct mrv_study *st;
    if (mrv_study_load_file(argv[optind], &st, &err) != MRV_OK)
        return mrv_cli_fail("slurm", &err);
    int code = MRV_EXIT_INTERNAL;
    char study[4096], self[4096], outdir[4096], path[8400];
    struct mrv_strbuf a, m, list;
    mrv_strbuf_init(&a);
    mrv_strbuf_init(&m);
    mrv_strbuf_init(&list);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (!realpath(argv[optind], study) || sl <= 0) {
        fprintf(stderr, "mrvet slurm: cannot resolve the paths of %s and of mrvet\n",
                argv[optind]);
        goto out;
    }
    self[sl] = '\0';
    if (o.out) {
        snprintf(outdir, sizeof outdir, "%s", o.out);
    } else {
        const char *dot = strrchr(study, '.');
        int len = dot && dot > strrchr(study, '/') ? (int)(dot - study) : (int)strlen(study);
        snprintf(outdir, sizeof outdir, "%.*s.slurm", len, study);
    }
    const char *subdirs[] = {"", "/shards", "/logs"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", outdir, subdirs[i]);
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "mrvet slurm: cannot create %s: %s\n", path, strerror(errno));
            code = MRV_EXIT_USAGE;
            goto out;
        }
    }
    char absout[4096];
    if (!realpath(outdir, absout)) {
        fprintf(stderr, "mrvet slurm: cannot resolve %s\n", outdir);
        goto out;
    }

    /* Which shards still have work: resume only those. */
    int todo = 0;
    for (int k = 1; k <= o.shards; k++) {
        snprintf(path, sizeof path, "%s/shards/shard-%d-of-%d.db", absout, k, o.shards);
        struct mrv_run_options ro = {.db_path = path, .shard_k = k, .shard_n = o.shards};
        struct mrv_run_summary sum;
        int complete = 0;
        if (access(path, F_OK) == 0) {
            if (mrv_engine_plan(st, &ro, &sum, &err) != MRV_OK) {
                code = mrv_cli_fail("slurm", &err);
                goto out;
            }
            complete = sum.items_run == 0;
        }
        if (!complete) {
            mrv_strbuf_printf(&list, "%s%d", todo ? "," : "", k);
            todo++;
        }
    }

    char name[160], log[4200];
    snprintf(name, sizeof name, "mrvet-%.100s", st->name);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            *p = '_';
    snprintf(log, sizeof log, "%s/logs/shard-%%a.log", absout);
    sbatch_header(&a, &o, name, log);
    if (o.gres)
        mrv_strbuf_printf(&a, "#SBATCH --gres=%s\n", o.gres);
    if (o.cpus)
        mrv_strbuf_printf(&a, "#SBATCH --cpus-per-task=%d\n", o.cpus);
    mrv_strbuf_printf(&a, "# array task K runs shard K of %d; submit with --array=1-%d\n"
                          "K=${SLURM_ARRAY_TASK_ID:?run this as a Slurm array task}\n"
                          "rc=0\n",
                      o.shards, o.shards);
    shell_word(&a, self);
    mrv_strbuf_append(&a, " run ");
    shell_word(&a, study);
    mrv_strbuf_printf(&a, " --shard \"$K/%d\" --db ", o.shards);
    shell_word(&a, absout);
    mrv_strbuf_printf(&a, "\"/shards/shard-$K-of-%d.db\" --jobs \"${SLURM_CPUS_PER_TASK:-1}\" "
                          "--quiet || rc=$?\n"
                          "# 3: some items failed; they are stored with the reason, the shard "
                          "is done\n"
                          "[ \"$rc\" -eq 3 ] && rc=0\n"
                          "exit \"$rc\"\n",
                      o.shards);

    snprintf(log, sizeof log, "%s/logs/merge.log", absout);
    char mname[200];
    snprintf(mname, sizeof mname, "%s-merge", name);
    sbatch_header(&m, &o, mname, log);
    shell_word(&m, self);
    mrv_strbuf_append(&m, " merge ");
    snprintf(path, sizeof path, "%s/%s.db", absout, name + 6);
    shell_word(&m, path);
    for (int k = 1; k <= o.shards; k++) {
        snprintf(path, sizeof path, "%s/shards/shard-%d-of-%d.db", absout, k, o.shards);
        mrv_strbuf_append(&m, " ");
        shell_word(&m, path);
    }
    mrv_strbuf_append(&m, "\n");
    shell_word(&m, self);
    mrv_strbuf_append(&m, " report ");
    snprintf(path, sizeof path, "%s/%s.db", absout, name + 6);
    shell_word(&m, path);
    mrv_strbuf_append(&m, " -o ");
    snprintf(path, sizeof path, "%s/report.html", absout);
    shell_word(&m, path);
    mrv_strbuf_append(&m, "\n");
    if (!mrv_strbuf_ok(&a) || !mrv_strbuf_ok(&m) || !mrv_strbuf_ok(&list)) {
        fprintf(stderr, "mrvet slurm: out of memory\n");
        goto out;
    }
    char array_path[4200], merge_path[4200];
    snprintf(array_path, sizeof array_path, "%s/array.sbatch", absout);
    snprintf(merge_path, sizeof merge_path, "%s/merge.sbatch", absout);
    if (!write_file(array_path, mrv_strbuf_str(&a)) || !write_file(merge_path, mrv_strbuf_str(&m))) {
        fprintf(stderr, "mrvet slurm: cannot write the scripts in %s: %s\n", absout,
                strerror(errno));
        code = MRV_EXIT_USAGE;
        goto out;
    }
    printf("scripts: %s, %s\n", array_path, merge_path);
    char array_arg[64 + 4096];
    snprintf(array_arg, sizeof array_arg, "--array=%s", mrv_strbuf_str(&list));
    if (o.dry) {
        if (todo)
            printf("would run: sbatch --parsable %s %s\n"
                   "           sbatch --parsable --dependency=afterok:<array job id> %s\n",
                   array_arg, array_path, merge_path);
        else
            printf("all %d shards are complete; would run: sbatch --parsable %s\n", o.shards,
                   merge_path);
        code = MRV_EXIT_OK;
        goto out;
    }
    char job[256] = "", mjob[256] = "", dep[300];
    if (todo) {
        char *args[] = {"sbatch", "--parsable", array_arg, array_path, NULL};
        if (run_capture(args, job, sizeof job) != 0 || !*job) {
            fprintf(stderr, "mrvet slurm: sbatch of %s failed (is Slurm reachable? SLURM_CONF?)"
                            "\n", array_path);
            code = MRV_EXIT_USAGE;
            goto out;
        }
        char *semi = strchr(job, ';'); /* --parsable prints "id[;cluster]" */
        if (semi)
            *semi = '\0';
        snprintf(dep, sizeof dep, "--dependency=afterok:%s", job);
        char *margs[] = {"sbatch", "--parsable", dep, merge_path, NULL};
        if (run_capture(margs, mjob, sizeof mjob) != 0 || !*mjob) {
            fprintf(stderr, "mrvet slurm: sbatch of %s failed\n", merge_path);
            code = MRV_EXIT_USAGE;
            goto out;
        }
        printf("submitted array job %s (shards %s of %d) and merge job %s (afterok:%s)\n", job,
               mrv_strbuf_str(&list), o.shards, mjob, job);
    } else {
        char *margs[] = {"sbatch", "--parsable", merge_path, NULL};
        if (run_capture(margs, mjob, sizeof mjob) != 0 || !*mjob) {
            fprintf(stderr, "mrvet slurm: sbatch of %s failed\n", merge_path);
            code = MRV_EXIT_USAGE;
            goto out;
        }
        printf("all %d shards are complete; submitted merge job %s\n", o.shards, mjob);
    }
    char *semi = strchr(mjob, ';');
    if (semi)
        *semi = '\0';
    printf("array job: %s\nmerge job: %s\nstore:  %s/%s.db\nreport: %s/report.html\n",
           *job ? job : "-", mjob, absout, name + 6, absout);
    code = MRV_EXIT_OK;
out:
    mrv_strbuf_free(&a);
    mrv_strbuf_free(&m);
    mrv_strbuf_free(&list);
    mrv_study_free(st);
    return code;
}
