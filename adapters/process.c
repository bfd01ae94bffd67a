/* Child processes for the adapters that run commands (exec, bart): start
 * in a process group of their own, wait with a deadline, describe how
 * they ended, quote the tail of their output. */
/* sigdescr_np (thread-safe signal names) is a GNU extension. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter_internal.h"
#include "core/strbuf.h"

double mrv_ad_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void mrv_ad_sleep(double s)
{
    if (s <= 0)
        return;
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

void mrv_ad_file_tail(const char *path, size_t nbytes, char *buf, size_t size)
{
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    size_t n = nbytes < size - 1 ? nbytes : size - 1;
    off_t from = end > (off_t)n ? end - (off_t)n : 0;
    char raw[4096];
    if (n > sizeof raw - 1)
        n = sizeof raw - 1;
    ssize_t got = pread(fd, raw, n, from);
    close(fd);
    if (got <= 0)
        return;
    raw[got] = 0;
    char *p = raw;
    if (from > 0 && (p = strchr(raw, '\n')) && p[1])
        p++;
    else if (!p)
        p = raw;
    size_t o = 0;
    for (; *p && o + 4 < size; p++) {
        if (*p == '\x1b' && p[1] == '[') { /* drop terminal colour codes */
            p += 2;
            while (*p && !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
                p++;
            if (!*p)
                break;
        } else if (*p == '\n') {
            if (p[1]) {
                memcpy(buf + o, " | ", 3);
                o += 3;
            }
        } else if ((unsigned char)*p >= 0x20 || *p == '\t') {
            buf[o++] = *p;
        }
    }
    buf[o] = 0;
}

/* Wait for `pid` until `deadline`; true and *status when it ended. */
bool mrv_ad_wait_until(pid_t pid, double deadline, int *status)
{
    double pause = 0.0005;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        if (mrv_ad_now() >= deadline)
            return false;
        mrv_ad_sleep(pause);
        if (pause < 0.02)
            pause *= 2;
    }
}

void mrv_ad_describe_status(int st, char *buf, size_t size)
{
    if (WIFEXITED(st))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(st),
                 sigdescr_np(WTERMSIG(st)) ? sigdescr_np(WTERMSIG(st)) : "?");
    else
        snprintf(buf, size, "ended (wait status %d)", st);
}

/* Fork and exec argv with stdin/stdout as given and stderr appended to
 * `err_path`. The child leads its own process group so a kill reaches
 * whatever the command started. */
enum mrv_status mrv_ad_spawn(const char *name, const char *workdir, const char *err_path,
                             char *const argv[], int in_fd, int out_fd, pid_t *pid_out,
                             struct mrv_error *err)
{
    int efd = open(err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (efd < 0)
        return mrv_error_set(err, MRV_EIO, "model %s: cannot open %s: %s", name, err_path,
                             strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(efd);
        return mrv_error_set(err, MRV_EMODEL, "model %s: fork failed: %s", name,
                             strerror(errno));
    }
    if (pid == 0) { /* child: async-signal-safe calls only */
        setpgid(0, 0);
        dup2(in_fd, 0);
        dup2(out_fd < 0 ? efd : out_fd, 1);
        dup2(efd, 2);
        if (workdir && workdir[0] && chdir(workdir) < 0) {
            static const char m[] = "mrvet: cannot enter the worker's workdir\n";
            (void)!write(2, m, sizeof m - 1);
            _exit(126);
        }
        execvp(argv[0], argv);
        static const char m[] = "mrvet: cannot execute the worker command\n";
        (void)!write(2, m, sizeof m - 1);
        _exit(127);
    }
    setpgid(pid, pid);
    close(efd);
    *pid_out = pid;
    return MRV_OK;
}

enum mrv_status mrv_ad_run(const char *name, char *const argv[], const char *workdir,
                           const char *log_path, double timeout, char *what, size_t wsize,
                           struct mrv_error *err)
{
    what[0] = 0;
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nul < 0)
        return mrv_error_set(err, MRV_EIO, "model %s: cannot open /dev/null", name);
    pid_t pid = -1;
    enum mrv_status s = mrv_ad_spawn(name, workdir, log_path, argv, nul, -1, &pid, err);
    close(nul);
    if (s != MRV_OK)
        return s;
    int st = 0;
    if (!mrv_ad_wait_until(pid, mrv_ad_now() + timeout, &st)) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        snprintf(what, wsize, "did not finish within timeout = %g s; killed", timeout);
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        mrv_ad_describe_status(st, what, wsize);
    }
    return MRV_OK;
}


enum mrv_status mrv_ad_fill_template(char *const tmpl[], int argc, const char *input,
                                     const char *output, char ***argv_out,
                                     struct mrv_error *err)
{
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    *argv_out = argv;
    if (!argv)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    for (int i = 0; i < argc; i++) {
        struct mrv_strbuf w;
        mrv_strbuf_init(&w);
        for (const char *p = tmpl[i]; *p;) {
            if (strncmp(p, "{input}", 7) == 0) {
                mrv_strbuf_append(&w, input);
                p += 7;
            } else if (strncmp(p, "{output}", 8) == 0) {
                mrv_strbuf_append(&w, output);
                p += 8;
            } else {
                mrv_strbuf_printf(&w, "%c", *p++);
            }
        }
        argv[i] = mrv_strbuf_ok(&w) ? strdup(mrv_strbuf_str(&w)) : NULL;
        mrv_strbuf_free(&w);
        if (!argv[i])
            return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    return MRV_OK;
}

void mrv_ad_free_argv(char **argv, int argc)
{
    if (!argv)
        return;
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}
