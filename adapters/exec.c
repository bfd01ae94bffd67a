/* The exec adapter: a user's command as a model (docs/adapters.md).
 *
 * persistent mode: the command is started once and kept alive, so weights
 * load once. One JSON line per request on its stdin, one JSON line per
 * reply on its stdout, tensors as HDF5 files in a private folder (mode
 * 0700); protocol version agreed in a first hello exchange. A crashed,
 * hung (past `timeout`) or protocol-breaking worker is killed (its whole
 * process group), the case fails with the reason and the tail of its
 * stderr, and the worker is restarted before the next request with
 * exponential back-off, at most `max_restarts` times in a row.
 * oneshot mode: one process per case, `{input}` / `{output}` in the
 * command replaced by the file paths; exit status 0 = success.
 * The worker's stderr goes to a file in the private folder; new lines are
 * copied to the run log after every request. `workers` > 1 starts that
 * many independent workers (each with its own folder) and hands each
 * request to a free one, so --jobs runs cases in parallel. */
/* pipe2(O_CLOEXEC) (POSIX.1-2024, glibc under _GNU_SOURCE): pipes must be
 * close-on-exec atomically, or a worker another thread forks at the same
 * moment would inherit them and hide this worker's end-of-file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter_internal.h"
#include "core/log.h"
#include "core/strbuf.h"

/* Protocol versions mrvet speaks (docs/adapters.md): 1, tensors as fresh
 * HDF5 files per request; 2, the same files made once per slot, rewritten
 * in place, with each dataset's offset in the request so a worker maps
 * them instead of parsing HDF5. */
#define PROTOCOL_MIN 1
#define PROTOCOL_MAX 2
#define LINE_MAX_BYTES 65536

struct mrv_exec {
    char name[128];
    char **argv; /* the command (persistent) or the template (oneshot) */
    int argc;
    bool oneshot;
    double timeout, startup_timeout, backoff;
    int max_restarts;
    size_t tail_bytes;
    char workdir[1024];
    char dir[1024];         /* private tensor folder */
    char stderr_path[1100];
    pid_t pid;              /* -1: no worker running */
    int to_fd, from_fd;     /* worker's stdin / stdout */
    char rbuf[LINE_MAX_BYTES];
    size_t rlen;
    char line[LINE_MAX_BYTES + 1];
    long next_id;
    int restarts_in_row;    /* worker failures since the last good reply */
    long starts, restarts;
    double last_seconds;    /* "seconds" of the last reply, -1 when absent */
    bool gave_up;
    int version;            /* agreed in the hello; 0 before */
    off_t logged;           /* stderr bytes already copied to the log */
    char last_failure[256];
};

static const struct mrv_setting_doc exec_settings[] = {
    {"mode", "persistent", "persistent (one long-lived worker) or oneshot (a process per case)"},
    {"timeout", "60", "seconds a request (or a oneshot run) may take before the worker is killed"},
    {"startup_timeout", "120", "seconds the worker may take to answer the hello (loading weights)"},
    {"max_restarts", "3", "restarts in a row without a successful request before giving up"},
    {"backoff", "0.5", "seconds before the first restart; doubles each time, at most 30 s"},
    {"tmpdir", "", "where the private tensor folder is made ($TMPDIR, else /dev/shm with >= 1 GiB "
                   "free, else /tmp)"},
    {"workdir", "", "the worker's working directory (default: mrvet's)"},
    {"stderr_tail", "600", "bytes of the worker's stderr quoted in a failure message"},
    {"workers", "1", "independent worker processes, so cases run in parallel (--jobs)"},
    {"coil_maps", "true", "true: send sensitivity_maps when the case has them; false: never "
                          "(a model that does not use them is spared the bytes)"},
    {NULL, NULL, NULL},
};

static void stderr_tail(const struct mrv_exec *x, char *buf, size_t size)
{
    mrv_ad_file_tail(x->stderr_path, x->tail_bytes, buf, size);
}

/* Copy stderr lines written since the last call to the run log. */
static void forward_stderr(struct mrv_exec *x)
{
    int fd = open(x->stderr_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096];
    ssize_t got;
    while ((got = pread(fd, buf, sizeof buf - 1, x->logged)) > 0) {
        buf[got] = 0;
        char *nl = strrchr(buf, '\n');
        size_t take = nl ? (size_t)(nl - buf) + 1 : (size_t)got;
        if (!nl && got < (ssize_t)sizeof buf - 1)
            break; /* wait for the line to be finished */
        buf[take - (nl ? 1 : 0)] = 0;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            mrv_log_info("model %s: stderr: %s", x->name, line);
        x->logged += (off_t)take;
    }
    close(fd);
    /* Keep the file (in RAM when under /dev/shm) small over long runs:
     * once 1 MiB has been copied to the log, start it again. O_APPEND
     * writers continue at the new end. */
    if (x->logged > (off_t)1 << 20 && truncate(x->stderr_path, 0) == 0)
        x->logged = 0;
}

/* Kill the worker's process group and reap it. */
static void kill_worker(struct mrv_exec *x)
{
    if (x->pid > 0) {
        kill(-x->pid, SIGKILL);
        kill(x->pid, SIGKILL);
        int st;
        waitpid(x->pid, &st, 0);
    }
    if (x->to_fd >= 0)
        close(x->to_fd);
    if (x->from_fd >= 0)
        close(x->from_fd);
    x->pid = -1;
    x->to_fd = x->from_fd = -1;
    x->rlen = 0;
    forward_stderr(x);
}

/* Write all of `s` to the worker; EPIPE (a dead worker) is reported, not
 * delivered as SIGPIPE: the signal is blocked in this thread and any
 * pending one consumed. */
static bool send_line(struct mrv_exec *x, const char *s, size_t n)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    bool ok = true;
    while (n > 0) {
        ssize_t w = write(x->to_fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ok = false;
            break;
        }
        s += w;
        n -= (size_t)w;
    }
    if (!ok) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) > 0) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

enum read_result { LINE_OK, LINE_EOF, LINE_TIMEOUT, LINE_TOO_LONG };

/* Next line from the worker that starts with '{' (other lines are logged
 * and skipped), NUL-terminated in x->line. */
static enum read_result read_line(struct mrv_exec *x, double deadline)
{
    for (;;) {
        char *nl = memchr(x->rbuf, '\n', x->rlen);
        if (nl) {
            size_t n = (size_t)(nl - x->rbuf);
            memcpy(x->line, x->rbuf, n);
            x->line[n] = 0;
            if (n && x->line[n - 1] == '\r')
                x->line[n - 1] = 0;
            memmove(x->rbuf, nl + 1, x->rlen - n - 1);
            x->rlen -= n + 1;
            const char *p = x->line;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '{')
                return LINE_OK;
            if (*p)
                mrv_log_warn("model %s: ignoring a stdout line that is not a protocol "
                             "message: %.200s", x->name, p);
            continue;
        }
        if (x->rlen == LINE_MAX_BYTES)
            return LINE_TOO_LONG;
        double left = deadline - mrv_ad_now();
        if (left <= 0)
            return LINE_TIMEOUT;
        struct pollfd pfd = {.fd = x->from_fd, .events = POLLIN};
        int r = poll(&pfd, 1, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* re-check the deadline */
        ssize_t got = read(x->from_fd, x->rbuf + x->rlen, LINE_MAX_BYTES - x->rlen);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return LINE_EOF;
        x->rlen += (size_t)got;
    }
}

/* Fail the current request and take the worker down: `what` says why. */
static enum mrv_status worker_failed(struct mrv_exec *x, const char *what, struct mrv_error *err)
{
    char status[128] = "";
    if (x->pid > 0) {
        int st;
        pid_t group = x->pid;
        /* A worker that closed stdout is usually exiting: give it a moment
         * so the exit status can be reported. */
        if (mrv_ad_wait_until(x->pid, mrv_ad_now() + 1.0, &st)) {
            mrv_ad_describe_status(st, status, sizeof status);
            x->pid = -1;
            kill(-group, SIGKILL); /* whatever it started */
        }
    }
    kill_worker(x);
    x->restarts_in_row++;
    char tail[1024];
    stderr_tail(x, tail, sizeof tail);
    snprintf(x->last_failure, sizeof x->last_failure, "%s%s%s", what, status[0] ? ": " : "",
             status);
    return mrv_error_set(err, MRV_EMODEL, "model %s: worker %s%s%s; stderr tail: %s", x->name,
                         what, status[0] ? ", " : "", status, tail[0] ? tail : "(empty)");
}

/* Start the worker and send the hello; its answer is read by
 * finish_start(), so a pool starts all its workers before waiting for any
 * (interpreters and weights load in parallel). */
static enum mrv_status spawn_worker(struct mrv_exec *x, struct mrv_error *err)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return mrv_error_set(err, MRV_EMODEL, "model %s: pipe: %s", x->name, strerror(errno));
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return mrv_error_set(err, MRV_EMODEL, "model %s: pipe: %s", x->name, strerror(errno));
    }
    enum mrv_status s = mrv_ad_spawn(x->name, x->workdir, x->stderr_path, x->argv, in[0],
                                     out[1], &x->pid, err);
    close(in[0]);
    close(out[1]);
    if (s != MRV_OK) {
        close(in[1]);
        close(out[0]);
        return s;
    }
    x->to_fd = in[1];
    x->from_fd = out[0];
    x->rlen = 0;
    x->starts++;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_printf(&b, "{\"type\":\"hello\",\"protocol\":\"mrvet-exec\",\"versions\":[%d,%d],"
                          "\"tmpdir\":", PROTOCOL_MIN, PROTOCOL_MAX);
    mrv_strbuf_json_string(&b, x->dir);
    mrv_strbuf_append(&b, "}\n");
    bool sent = mrv_strbuf_ok(&b) && send_line(x, b.s, b.len);
    mrv_strbuf_free(&b);
    if (!sent)
        return worker_failed(x, "closed its stdin before the hello", err);
    return MRV_OK;
}

static enum mrv_status finish_start(struct mrv_exec *x, struct mrv_error *err)
{
    char msg[256];
    switch (read_line(x, mrv_ad_now() + x->startup_timeout)) {
    case LINE_OK: break;
    case LINE_EOF: return worker_failed(x, "ended before answering the hello", err);
    case LINE_TIMEOUT:
        snprintf(msg, sizeof msg, "did not answer the hello within startup_timeout = %g s",
                 x->startup_timeout);
        return worker_failed(x, msg, err);
    case LINE_TOO_LONG: return worker_failed(x, "sent a line over 64 KiB", err);
    }
    char type[32], proto[32];
    double version;
    if (!mrv_ad_json_string(x->line, "type", type, sizeof type) || strcmp(type, "hello") ||
        !mrv_ad_json_string(x->line, "protocol", proto, sizeof proto) ||
        strcmp(proto, "mrvet-exec") || !mrv_ad_json_number(x->line, "version", &version)) {
        snprintf(msg, sizeof msg, "answered the hello with '%.80s', expected {\"type\": "
                 "\"hello\", \"protocol\": \"mrvet-exec\", \"version\": 1}", x->line);
        return worker_failed(x, msg, err);
    }
    if (version != (int)version || version < PROTOCOL_MIN || version > PROTOCOL_MAX) {
        /* Restarting cannot help: the worker speaks another protocol. */
        snprintf(msg, sizeof msg, "speaks protocol version %g, mrvet offers %d to %d", version,
                 PROTOCOL_MIN, PROTOCOL_MAX);
        enum mrv_status r = worker_failed(x, msg, err);
        x->gave_up = true;
        return r;
    }
    x->version = (int)version;
    mrv_log_info("model %s: worker started (pid %d, protocol %d)", x->name, (int)x->pid,
                 x->version);
    return MRV_OK;
}

static enum mrv_status start_worker(struct mrv_exec *x, struct mrv_error *err)
{
    enum mrv_status s = spawn_worker(x, err);
    return s == MRV_OK ? finish_start(x, err) : s;
}

/* Make sure a worker is running, restarting with back-off if allowed. */
static enum mrv_status ensure_worker(struct mrv_exec *x, struct mrv_error *err)
{
    if (x->pid > 0)
        return MRV_OK;
    if (!x->gave_up && x->restarts_in_row > x->max_restarts) {
        x->gave_up = true;
        mrv_log_error("model %s: worker failed %d times in a row, giving up", x->name,
                      x->restarts_in_row);
    }
    if (x->gave_up)
        return mrv_error_set(err, MRV_EMODEL, "model %s: worker given up after %d failure(s) "
                             "in a row (max_restarts = %d); last: %s", x->name,
                             x->restarts_in_row, x->max_restarts, x->last_failure);
    double wait = x->backoff;
    for (int i = 1; i < x->restarts_in_row && wait < 30; i++)
        wait *= 2;
    wait = wait > 30 ? 30 : wait;
    mrv_log_warn("model %s: restarting the worker in %g s (restart %d of at most %d in a row)",
                 x->name, wait, x->restarts_in_row, x->max_restarts);
    mrv_ad_sleep(wait);
    x->restarts++;
    return start_worker(x, err);
}

static void request_json(struct mrv_strbuf *b, long id, const struct mrv_model_input *in,
                         const char *ipath, const char *opath, const struct mrv_ad_tfile *fin,
                         const struct mrv_ad_tfile *fout)
{
    mrv_strbuf_printf(b, "{\"type\":\"infer\",\"id\":%ld,\"task\":", id);
    mrv_strbuf_json_string(b, mrv_task_name(in->task));
    mrv_strbuf_append(b, ",\"input\":");
    mrv_strbuf_json_string(b, ipath);
    mrv_strbuf_append(b, ",\"output\":");
    mrv_strbuf_json_string(b, opath);
    if (in->spacing) {
        mrv_strbuf_append(b, ",\"spacing\":[");
        for (int i = 0; i < 3; i++) {
            mrv_strbuf_append(b, i ? "," : "");
            mrv_strbuf_json_number(b, in->spacing[i]);
        }
        mrv_strbuf_append(b, "]");
    }
    if (in->out_ndim > 0) {
        mrv_strbuf_append(b, ",\"output_shape\":[");
        for (int i = 0; i < in->out_ndim; i++)
            mrv_strbuf_printf(b, "%s%zu", i ? "," : "", in->out_dims[i]);
        mrv_strbuf_append(b, "]");
    }
    if (fin) { /* protocol 2: where each dataset's bytes are */
        mrv_strbuf_append(b, ",\"inputs\":");
        mrv_ad_tfile_layout_json(fin, b);
        if (fout->n) {
            mrv_strbuf_append(b, ",\"outputs\":");
            mrv_ad_tfile_layout_json(fout, b);
        }
    }
    mrv_strbuf_append(b, "}\n");
}

static enum mrv_status persistent_infer(struct mrv_exec *x, const struct mrv_model_input *in,
                                        const char *ipath, const char *opath,
                                        const struct mrv_ad_tfile *fin,
                                        const struct mrv_ad_tfile *fout, struct mrv_error *err)
{
    enum mrv_status s = ensure_worker(x, err);
    if (s != MRV_OK)
        return s;
    long id = ++x->next_id;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    request_json(&b, id, in, ipath, opath, fin, fout);
    bool sent = mrv_strbuf_ok(&b) && send_line(x, b.s, b.len);
    mrv_strbuf_free(&b);
    if (!sent)
        return worker_failed(x, "closed its stdin (crashed?)", err);
    char msg[256];
    switch (read_line(x, mrv_ad_now() + x->timeout)) {
    case LINE_OK: break;
    case LINE_EOF: return worker_failed(x, "ended without replying (crashed)", err);
    case LINE_TIMEOUT:
        snprintf(msg, sizeof msg, "did not reply within timeout = %g s (hung); killed",
                 x->timeout);
        return worker_failed(x, msg, err);
    case LINE_TOO_LONG: return worker_failed(x, "sent a line over 64 KiB", err);
    }
    double rid;
    char type[32];
    if (!mrv_ad_json_is_object(x->line) ||
        !mrv_ad_json_string(x->line, "type", type, sizeof type) || strcmp(type, "result") ||
        !mrv_ad_json_number(x->line, "id", &rid) || rid != (double)id ||
        mrv_ad_json_bool(x->line, "ok") < 0) {
        snprintf(msg, sizeof msg, "broke the protocol: replied '%.80s', expected {\"type\": "
                 "\"result\", \"id\": %ld, \"ok\": true|false}", x->line, id);
        return worker_failed(x, msg, err);
    }
    forward_stderr(x);
    if (!mrv_ad_json_number(x->line, "seconds", &x->last_seconds))
        x->last_seconds = -1;
    if (mrv_ad_json_bool(x->line, "ok") == 0) {
        /* The worker is alive and said why: the case fails, the worker stays. */
        char why[512] = "";
        mrv_ad_json_string(x->line, "error", why, sizeof why);
        x->restarts_in_row = 0;
        return mrv_error_set(err, MRV_EMODEL, "model %s: worker reported an error: %s",
                             x->name, why[0] ? why : "(no message)");
    }
    x->restarts_in_row = 0;
    return MRV_OK;
}

static enum mrv_status oneshot_infer(struct mrv_exec *x, const char *ipath, const char *opath,
                                     struct mrv_error *err)
{
    char **argv = NULL;
    enum mrv_status s = mrv_ad_fill_template(x->argv, x->argc, ipath, opath, &argv, err);
    /* A fresh log per run, so the tail quoted is this run's. */
    int efd = open(x->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (efd >= 0)
        close(efd);
    x->logged = 0;
    char what[160] = "";
    if (s == MRV_OK) /* stdout joins stderr: a one-shot command talks no protocol */
        s = mrv_ad_run(x->name, argv, x->workdir, x->stderr_path, x->timeout, what,
                       sizeof what, err);
    mrv_ad_free_argv(argv, x->argc);
    if (s != MRV_OK)
        return s;
    forward_stderr(x);
    if (what[0]) {
        char tail[1024];
        stderr_tail(x, tail, sizeof tail);
        return mrv_error_set(err, MRV_EMODEL, "model %s: command %s; stderr tail: %s", x->name,
                             what, tail[0] ? tail : "(empty)");
    }
    return MRV_OK;
}

/* A request's tensor files under protocol 2, reused request after
 * request (a pool has two per worker). */
struct exec_slot {
    struct mrv_ad_tfile in, out;
    bool busy;
};

/* One request on worker x, whose input file is written: the reply is
 * awaited, the output left at `opath` for the caller to read once the
 * worker is free again. Protocol 1 and oneshot: `opath` is made here,
 * named by the request's id, so no later request of this worker touches
 * it; protocol 2 (`sl`): the slot's output file. */
static enum mrv_status worker_call(struct mrv_exec *x, const struct mrv_model_input *in,
                                   const char *ipath, const struct exec_slot *sl, char *opath,
                                   size_t opath_size, struct mrv_error *err)
{
    long n = x->next_id + 1;
    if (!sl)
        snprintf(opath, opath_size, "%s/out-%ld.h5", x->dir, n);
    if (x->oneshot) {
        x->next_id = n;
        return oneshot_infer(x, ipath, opath, err);
    }
    return persistent_infer(x, in, ipath, opath, sl ? &sl->in : NULL, sl ? &sl->out : NULL,
                            err);
}

/* Ask the worker to end (shutdown message, end of its stdin); a pool asks
 * all its workers before waiting for any, so they exit in parallel. */
static void worker_ask_exit(struct mrv_exec *x)
{
    if (x && x->pid > 0 && x->to_fd >= 0) {
        static const char bye[] = "{\"type\":\"shutdown\"}\n";
        send_line(x, bye, sizeof bye - 1);
        close(x->to_fd);
        x->to_fd = -1;
    }
}

static void worker_destroy(struct mrv_exec *x)
{
    if (!x)
        return;
    if (x->pid > 0) {
        worker_ask_exit(x);
        int st;
        pid_t group = x->pid;
        if (mrv_ad_wait_until(x->pid, mrv_ad_now() + 2.0, &st)) {
            x->pid = -1;
            kill(-group, SIGKILL); /* whatever it started */
        }
        kill_worker(x);
    }
    if (x->dir[0])
        mrv_ad_rmtree(x->dir);
    free(x->argv);
    free(x);
}

static enum mrv_status worker_create(const char *model, const struct mrv_kv *set, int nset,
                                     struct mrv_exec **out, struct mrv_error *err)
{
    struct mrv_exec *x = calloc(1, sizeof *x);
    if (!x)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    x->pid = -1;
    x->to_fd = x->from_fd = -1;
    snprintf(x->name, sizeof x->name, "%s", model);
    const char *mode = mrv_ad_setting(set, nset, "mode", "persistent");
    double restarts = 3, tail = 600;
    enum mrv_status s = MRV_OK;
    if (strcmp(mode, "oneshot") == 0)
        x->oneshot = true;
    else if (strcmp(mode, "persistent") != 0)
        s = mrv_error_set(err, MRV_EINVAL, "model %s: setting mode = '%s', expected persistent "
                          "or oneshot", model, mode);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "timeout", 60, 0.001, 1e6, model, &x->timeout, err);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "startup_timeout", 120, 0.001, 1e6, model,
                                  &x->startup_timeout, err);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "max_restarts", 3, 0, 1e6, model, &restarts, err);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "backoff", 0.5, 0, 30, model, &x->backoff, err);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "stderr_tail", 600, 0, 900, model, &tail, err);
    x->max_restarts = (int)restarts;
    x->tail_bytes = (size_t)tail;
    snprintf(x->workdir, sizeof x->workdir, "%s", mrv_ad_setting(set, nset, "workdir", ""));
    if (s == MRV_OK)
        s = mrv_ad_split_command(model, &x->argv, &x->argc, err);
    if (s == MRV_OK) {
        const char *base = mrv_ad_setting(set, nset, "tmpdir", "");
        /* RAM-backed: tensor files never touch a disk. Containers often
         * give /dev/shm 64 MB, too little for a few k-space files: then
         * /tmp. */
        struct statvfs fs;
        if (!*base && !getenv("TMPDIR") && access("/dev/shm", W_OK) == 0 &&
            statvfs("/dev/shm", &fs) == 0 &&
            (double)fs.f_bavail * (double)fs.f_frsize >= 1024.0 * 1024 * 1024)
            base = "/dev/shm";
        s = mrv_ad_mkdtemp(base, "mrvet-exec", x->dir, sizeof x->dir, err);
    }
    if (s == MRV_OK)
        snprintf(x->stderr_path, sizeof x->stderr_path, "%s/stderr.log", x->dir);
    /* Start now (the hello is awaited by exec_create): weights load once,
     * and a command that cannot start is a configuration error reported
     * before any case runs. */
    if (s == MRV_OK && !x->oneshot)
        s = spawn_worker(x, err);
    if (s != MRV_OK) {
        worker_destroy(x);
        return s;
    }
    *out = x;
    return MRV_OK;
}

/* `workers` independent workers serve one model: a request takes a free
 * one, so cases run in parallel (--jobs) without sharing a process. */
struct exec_pool {
    int n;
    struct mrv_exec **w;
    bool *busy;
    struct mrv_exec *last; /* the worker of the last finished request */
    long seq;              /* requests made: names protocol 1's input files */
    int nslots;            /* 2 per worker: requests staged or in flight */
    struct exec_slot *slots;
    bool v2;               /* every worker speaks protocol 2 */
    bool coil_maps;        /* send sensitivity_maps (setting coil_maps) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

static void exec_destroy(void *state)
{
    struct exec_pool *p = state;
    if (!p)
        return;
    for (int i = 0; p->w && i < p->n; i++)
        worker_ask_exit(p->w[i]);
    for (int i = 0; p->w && i < p->n; i++)
        worker_destroy(p->w[i]);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p->w);
    free(p->busy);
    free(p->slots);
    free(p);
}

static enum mrv_status pool_settings(struct exec_pool *p, const char *model,
                                     const struct mrv_kv *set, int nset, double *n,
                                     struct mrv_error *err)
{
    enum mrv_status s = mrv_ad_setting_double(set, nset, "workers", 1, 1, 64, model, n, err);
    if (s == MRV_OK && *n != (int)*n)
        s = mrv_error_set(err, MRV_EINVAL, "model %s: setting workers = %g, expected an "
                          "integer in [1, 64]", model, *n);
    const char *maps = mrv_ad_setting(set, nset, "coil_maps", "true");
    p->coil_maps = strcmp(maps, "false") != 0;
    if (s == MRV_OK && strcmp(maps, "true") != 0 && strcmp(maps, "false") != 0)
        s = mrv_error_set(err, MRV_EINVAL, "model %s: setting coil_maps = '%s', expected true "
                          "or false", model, maps);
    return s;
}

static enum mrv_status exec_create(const char *model, const struct mrv_kv *set, int nset,
                                   void **state, struct mrv_error *err)
{
    struct exec_pool *p = calloc(1, sizeof *p);
    if (!p)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    double n = 1;
    enum mrv_status s = pool_settings(p, model, set, nset, &n, err);
    if (s != MRV_OK) {
        free(p);
        return s;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->w = calloc((size_t)n, sizeof(struct mrv_exec *));
    p->busy = calloc((size_t)n, sizeof *p->busy);
    p->nslots = 2 * (int)n;
    p->slots = calloc((size_t)p->nslots, sizeof *p->slots);
    if (!p->w || !p->busy || !p->slots) {
        exec_destroy(p);
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    for (int i = 0; s == MRV_OK && i < (int)n; i++, p->n++)
        s = worker_create(model, set, nset, &p->w[i], err);
    p->v2 = s == MRV_OK;
    for (int i = 0; s == MRV_OK && i < p->n && p->w[i]; i++) {
        if (!p->w[i]->oneshot)
            s = finish_start(p->w[i], err);
        p->v2 = p->v2 && p->w[i]->version == 2;
    }
    if (s != MRV_OK) {
        exec_destroy(p);
        return s;
    }
    /* Slot files live in the first worker's folder. */
    for (int i = 0; i < p->nslots; i++) {
        snprintf(p->slots[i].in.path, sizeof p->slots[i].in.path, "%s/in-slot%d.h5",
                 p->w[0]->dir, i);
        snprintf(p->slots[i].out.path, sizeof p->slots[i].out.path, "%s/out-slot%d.h5",
                 p->w[0]->dir, i);
    }
    *state = p;
    return MRV_OK;
}

/* Protocol 2: the request's tensors into the slot's input file and, when
 * the output's shape is known (an image of in->out_dims), the output file
 * made ready for the worker to write in place. */
static enum mrv_status stage_v2(struct exec_slot *sl, const struct mrv_model_input *in,
                                struct mrv_error *err)
{
    enum mrv_status s = mrv_ad_tfile_write_input(&sl->in, in, err);
    bool image = in->task == MRV_TASK_RECONSTRUCTION || in->task == MRV_TASK_SYNTHESIS;
    if (s == MRV_OK && image && in->out_ndim == 3)
        return mrv_ad_tfile_prepare_output(&sl->out, in->task == MRV_TASK_SYNTHESIS
                                                         ? "synthesis" : "reconstruction",
                                           3, in->out_dims, err);
    unlink(sl->out.path); /* the worker writes a file of its own */
    sl->out.n = 0;
    return s;
}

/* The input is written before a worker is taken and the output read after
 * it is given back: a worker waits only for its own model, never for
 * mrvet's I/O (bench/run_harness.sh, the harness's share of wall time). A
 * request holds one of two slots per worker from staging to reading, so
 * the tensor folder (often RAM) holds a bounded amount however many
 * threads --jobs starts. Protocol 1 writes fresh files per request (in the
 * first worker's folder, named by the pool's request count) and deletes
 * them; protocol 2 rewrites the slot's files in place. */
static enum mrv_status exec_infer(void *state, const struct mrv_model_input *in,
                                  struct mrv_array *output, struct mrv_error *err)
{
    struct exec_pool *p = state;
    char ipath[4200], opath[4200] = "";
    struct mrv_model_input mine = *in;
    if (!p->coil_maps)
        mine.coil_maps = NULL;
    pthread_mutex_lock(&p->lock);
    int j;
    for (;;) {
        for (j = 0; j < p->nslots && p->slots[j].busy; j++) {
        }
        if (j < p->nslots)
            break;
        pthread_cond_wait(&p->cond, &p->lock);
    }
    struct exec_slot *sl = &p->slots[j];
    sl->busy = true;
    long seq = ++p->seq;
    pthread_mutex_unlock(&p->lock);
    enum mrv_status s;
    if (p->v2) {
        snprintf(ipath, sizeof ipath, "%s", sl->in.path);
        snprintf(opath, sizeof opath, "%s", sl->out.path);
        s = stage_v2(sl, &mine, err);
    } else {
        snprintf(ipath, sizeof ipath, "%s/in-%ld.h5", p->w[0]->dir, seq);
        s = mrv_ad_write_input(ipath, &mine, err);
    }
    int k = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        for (k = 0; s == MRV_OK && k < p->n && p->busy[k]; k++) {
        }
        if (s != MRV_OK || k < p->n)
            break;
        pthread_cond_wait(&p->cond, &p->lock);
    }
    bool took = s == MRV_OK;
    if (took)
        p->busy[k] = true;
    pthread_mutex_unlock(&p->lock);
    const char *name = p->w[0]->name;
    if (s == MRV_OK)
        s = worker_call(p->w[k], &mine, ipath, p->v2 ? sl : NULL, opath, sizeof opath, err);
    if (!p->v2)
        unlink(ipath);
    pthread_mutex_lock(&p->lock);
    if (took) {
        p->busy[k] = false;
        p->last = p->w[k];
    }
    pthread_cond_broadcast(&p->cond); /* a free worker */
    pthread_mutex_unlock(&p->lock);
    if (s == MRV_OK) {
        s = p->v2 && sl->out.n ? mrv_ad_tfile_read_output(&sl->out, in->task, output, err)
                               : mrv_ad_read_output(opath, in->task, output, err);
        if (s != MRV_OK) {
            char inner[MRV_ERROR_MAX];
            snprintf(inner, sizeof inner, "%s", err->msg);
            s = mrv_error_set(err, MRV_EMODEL, "model %s: %s", name, inner);
        }
    }
    /* A failed request may leave a half-written output: made anew next time. */
    if (!p->v2 || s != MRV_OK || !sl->out.n) {
        sl->out.n = 0;
        if (opath[0])
            unlink(opath);
    }
    pthread_mutex_lock(&p->lock);
    sl->busy = false;
    pthread_cond_broadcast(&p->cond); /* a free slot */
    pthread_mutex_unlock(&p->lock);
    return s;
}

static void exec_stats(const void *state, struct mrv_model_stats *st)
{
    struct exec_pool *p = (struct exec_pool *)state;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->n; i++) {
        st->starts += p->w[i]->starts;
        st->restarts += p->w[i]->restarts;
    }
    st->pid = (long)p->w[0]->pid;
    st->last_seconds = p->last ? p->last->last_seconds : -1;
    pthread_mutex_unlock(&p->lock);
}

const struct mrv_adapter_kind mrv_adapter_exec = {
    .name = "exec",
    .summary = "a command as a model: persistent JSON-line worker (or one process per case), "
               "tensors as HDF5 files",
    .create = exec_create,
    .infer = exec_infer,
    .destroy = exec_destroy,
    .concurrent = true, /* the pool serializes per worker */
    .settings = exec_settings,
    .stats = exec_stats,
};
