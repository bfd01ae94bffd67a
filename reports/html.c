/* reports/html.c — one self-contained HTML page from the store.
 *
 * The page is plain HTML with an inline style sheet: no scripts, fonts or
 * images to fetch, so it opens the same on an air-gapped review machine,
 * prints, and can be archived as regulatory evidence. Every string that
 * came from the store is HTML-escaped (model and study names are user
 * input). The page is built in memory and written to a temporary file in
 * the destination folder, then renamed over `path`: readers see the old
 * report or the new one, never half of one.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/version.h"
#include "reports/report.h"

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "color:#1b1f24;margin:2em auto;max-width:80em;padding:0 1.5em}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em}"
    ".note{color:#57606a;max-width:60em}"
    "table{border-collapse:collapse;margin:.6em 0 1.2em}"
    "th,td{border:1px solid #d0d7de;padding:.3em .6em;vertical-align:top}"
    "thead th{background:#f6f8fa;text-align:left}"
    "tbody th{text-align:left;font-weight:600}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.cell{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".v{display:block}.n{display:block;color:#57606a;font-size:.85em}"
    ".warn{color:#9a6700}"
    "tr.clean th,tr.clean td{background:#f3faf4}"
    "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}"
    "@media print{body{margin:0;max-width:none}}";

/* ---- formatting ---------------------------------------------------------- */

/* Whether `metric` names a PSNR ("psnr", "PSNR_dB", ...): ASCII only. */
static bool is_psnr(const char *metric)
{
    for (const char *p = metric; *p; p++)
        if ((p[0] | 0x20) == 'p' && (p[1] | 0x20) == 's' && (p[2] | 0x20) == 'n' &&
            (p[3] | 0x20) == 'r')
            return true;
    return false;
}

/* PSNR is read in dB to two decimals; the bounded and relative metrics
 * (SSIM, NMSE, Dice, ...) need significant digits, not decimals, because
 * NMSE lives near 1e-3 where a fixed "%.4f" would print 0.0012 for all. */
static void fmt_number(char *out, size_t size, const char *metric, double x)
{
    if (isinf(x))
        snprintf(out, size, "%s", x > 0 ? "+\xE2\x88\x9E" : "\xE2\x88\x92\xE2\x88\x9E");
    else if (isnan(x))
        snprintf(out, size, "\xE2\x80\x94");
    else if (is_psnr(metric))
        snprintf(out, size, "%.2f", x);
    else
        snprintf(out, size, "%.4g", x);
}

/* "<td>" for one (family, severity, metric) cell: mean ± std over the
 * finite values, then n and whatever was set apart. */
static void cell_html(struct mrv_strbuf *b, const struct mrv_summary_row *r)
{
    char mean[64], sd[64];
    if (!r) {
        mrv_strbuf_append(b, "<td class=\"cell\">\xE2\x80\x94</td>");
        return;
    }
    mrv_strbuf_append(b, "<td class=\"cell\"><span class=\"v\">");
    if (r->n > 0) {
        fmt_number(mean, sizeof mean, r->metric, r->mean);
        fmt_number(sd, sizeof sd, r->metric, r->std);
        /* One value has no spread to report; n = 1 says so. */
        if (r->n > 1)
            mrv_strbuf_printf(b, "%s \xC2\xB1 %s", mean, sd);
        else
            mrv_strbuf_append(b, mean);
    } else if (r->n_posinf && !r->n_neginf) {
        mrv_strbuf_append(b, "+\xE2\x88\x9E");
    } else if (r->n_neginf && !r->n_posinf) {
        mrv_strbuf_append(b, "\xE2\x88\x92\xE2\x88\x9E");
    } else {
        mrv_strbuf_append(b, "\xE2\x80\x94");
    }
    mrv_strbuf_printf(b, "</span><span class=\"n\">n = %zu", r->n);
    if (r->n_null)
        mrv_strbuf_printf(b, " \xC2\xB7 <span class=\"warn\">%zu undefined</span>", r->n_null);
    if (r->n_posinf)
        mrv_strbuf_printf(b, " \xC2\xB7 %zu \xC3\x97 +\xE2\x88\x9E", r->n_posinf);
    if (r->n_neginf)
        mrv_strbuf_printf(b, " \xC2\xB7 %zu \xC3\x97 \xE2\x88\x92\xE2\x88\x9E", r->n_neginf);
    mrv_strbuf_append(b, "</span></td>");
}

static void td_text(struct mrv_strbuf *b, const char *s)
{
    mrv_strbuf_append(b, "<td>");
    mrv_strbuf_html(b, *s ? s : "\xE2\x80\x94");
    mrv_strbuf_append(b, "</td>");
}

/* ISO 8601 UTC. SOURCE_DATE_EPOCH (reproducible-builds.org) pins the time,
 * so the same store can give a byte-identical report for an evidence
 * bundle. */
static void generated_at(char out[32])
{
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno == 0 && end && *end == '\0' && v >= 0)
            t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- sections ------------------------------------------------------------ */

static void runs_table(struct mrv_strbuf *b, const struct mrv_run_row *runs, size_t nruns)
{
    mrv_strbuf_append(b, "<h2>Runs</h2>\n<table class=\"runs\"><thead><tr>"
                         "<th>Run</th><th>Study</th><th>Model</th><th>Version</th>"
                         "<th>mrvet</th><th>Git commit</th><th>Host</th><th>Seed</th>"
                         "<th>Started (UTC)</th><th>Ended (UTC)</th><th>Status</th>"
                         "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < nruns; i++) {
        const struct mrv_run_row *r = &runs[i];
        mrv_strbuf_printf(b, "<tr><td class=\"num\"><a href=\"#run-%lld\">%lld</a></td>",
                          (long long)r->id, (long long)r->id);
        td_text(b, r->study);
        td_text(b, r->model);
        td_text(b, r->model_version);
        td_text(b, r->software_version);
        mrv_strbuf_append(b, "<td><code>");
        mrv_strbuf_html(b, r->git_commit);
        mrv_strbuf_append(b, "</code></td>");
        td_text(b, r->host);
        mrv_strbuf_printf(b, "<td class=\"num\">%llu</td>", (unsigned long long)r->seed);
        td_text(b, r->started_at);
        td_text(b, r->ended_at);
        td_text(b, r->status);
        mrv_strbuf_append(b, "</tr>\n");
    }
    mrv_strbuf_append(b, "</tbody></table>\n");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool same_group(const struct mrv_summary_row *a, const struct mrv_summary_row *b)
{
    return a->severity == b->severity && strcmp(a->family, b->family) == 0;
}

/* The results of one run: rows (family, severity) in the store's order,
 * the clean input first; columns the run's metrics, by name. `rows[0..n)`
 * are this run's summary rows, contiguous as mrv_store_summary orders
 * them. `metrics` is scratch space for n names. */
static void run_section(struct mrv_strbuf *b, const struct mrv_run_row *run,
                        const struct mrv_summary_row *rows, size_t n,
                        const char **metrics)
{
    mrv_strbuf_printf(b, "<section id=\"run-%lld\">\n<h2>Run %lld: ", (long long)run->id,
                      (long long)run->id);
    mrv_strbuf_html(b, run->model);
    if (run->model_version[0]) {
        mrv_strbuf_append(b, " ");
        mrv_strbuf_html(b, run->model_version);
    }
    mrv_strbuf_append(b, " \xE2\x80\x94 ");
    mrv_strbuf_html(b, run->study);
    mrv_strbuf_append(b, "</h2>\n");
    if (n == 0) {
        mrv_strbuf_append(b, "<p class=\"note\">No results stored for this run.</p>\n"
                             "</section>\n");
        return;
    }
    size_t nm = 0;
    for (size_t i = 0; i < n; i++)
        metrics[nm++] = rows[i].metric;
    qsort(metrics, nm, sizeof *metrics, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < nm; i++)
        if (u == 0 || strcmp(metrics[u - 1], metrics[i]) != 0)
            metrics[u++] = metrics[i];
    nm = u;

    mrv_strbuf_append(b, "<table class=\"results\"><thead><tr><th>Perturbation</th>"
                         "<th>Severity</th>");
    for (size_t m = 0; m < nm; m++) {
        mrv_strbuf_append(b, "<th>");
        mrv_strbuf_html(b, metrics[m]);
        mrv_strbuf_append(b, "</th>");
    }
    mrv_strbuf_append(b, "</tr></thead>\n<tbody>\n");
    for (size_t g = 0; g < n;) {
        size_t end = g + 1;
        while (end < n && same_group(&rows[end], &rows[g]))
            end++;
        bool clean = strcmp(rows[g].family, "none") == 0;
        mrv_strbuf_printf(b, "<tr%s><th>", clean ? " class=\"clean\"" : "");
        mrv_strbuf_html(b, clean ? "none (clean)" : rows[g].family);
        mrv_strbuf_printf(b, "</th><td class=\"num\">%d</td>", rows[g].severity);
        for (size_t m = 0; m < nm; m++) {
            const struct mrv_summary_row *hit = NULL;
            for (size_t k = g; k < end && !hit; k++)
                if (strcmp(rows[k].metric, metrics[m]) == 0)
                    hit = &rows[k];
            cell_html(b, hit);
        }
        mrv_strbuf_append(b, "</tr>\n");
        g = end;
    }
    mrv_strbuf_append(b, "</tbody></table>\n</section>\n");
}

static void page(struct mrv_strbuf *b, const char *db_path, const struct mrv_run_row *runs,
                 size_t nruns, const struct mrv_summary_row *rows, size_t nrows,
                 const char **scratch)
{
    /* Name the study in the title when the store holds one study. */
    const char *study = nruns ? runs[0].study : NULL;
    for (size_t i = 1; i < nruns && study; i++)
        if (strcmp(runs[i].study, study) != 0)
            study = NULL;
    char when[32];
    generated_at(when);

    mrv_strbuf_append(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                         "<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, "
                         "initial-scale=1\">\n<title>mrvet report");
    if (study) {
        mrv_strbuf_append(b, " \xE2\x80\x94 ");
        mrv_strbuf_html(b, study);
    }
    mrv_strbuf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>mrvet report",
                      style);
    if (study) {
        mrv_strbuf_append(b, ": ");
        mrv_strbuf_html(b, study);
    }
    mrv_strbuf_append(b, "</h1>\n<p class=\"note\">Generated by mrvet ");
    mrv_strbuf_html(b, mrv_version());
    mrv_strbuf_printf(b, " at %s from <code>", when);
    mrv_strbuf_html(b, db_path);
    mrv_strbuf_append(b, "</code>. Each cell is the mean \xC2\xB1 sample standard deviation "
                         "(n\xE2\x88\x92" "1) over the finite values of one metric, with "
                         "n their count. Undefined values (stored as NULL with a reason) "
                         "and infinities are counted apart and never averaged in.</p>\n");
    runs_table(b, runs, nruns);
    if (nruns == 0)
        mrv_strbuf_append(b, "<p class=\"note\">The store holds no runs.</p>\n");
    for (size_t i = 0; i < nruns; i++) {
        size_t start = 0;
        while (start < nrows && rows[start].run_id != runs[i].id)
            start++;
        size_t end = start;
        while (end < nrows && rows[end].run_id == runs[i].id)
            end++;
        run_section(b, &runs[i], rows + start, end - start, scratch);
    }
    mrv_strbuf_append(b, "</body>\n</html>\n");
}

/* ---- writing ------------------------------------------------------------- */

static enum mrv_status write_atomic(const char *path, const char *data, size_t len,
                                    struct mrv_error *err)
{
    struct mrv_strbuf tmp;
    mrv_strbuf_init(&tmp);
    mrv_strbuf_printf(&tmp, "%s.tmp.XXXXXX", path);
    if (!mrv_strbuf_ok(&tmp))
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    char *tpath = tmp.s;
    int fd = mkstemp(tpath);
    if (fd < 0) {
        int e = errno;
        mrv_strbuf_free(&tmp);
        return mrv_error_set(err, MRV_EIO, "%s: cannot write report: %s", path, strerror(e));
    }
    /* mkstemp makes the file private (0600); a report is for reading. */
    fchmod(fd, 0644);
    const char *what = NULL;
    int e = 0;
    for (size_t done = 0; done < len && !what;) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            what = "writing";
            e = w < 0 ? errno : EIO;
        } else {
            done += (size_t)w;
        }
    }
    if (!what && fsync(fd) != 0) {
        what = "syncing";
        e = errno;
    }
    if (close(fd) != 0 && !what) {
        what = "closing";
        e = errno;
    }
    if (!what && rename(tpath, path) != 0) {
        what = "replacing";
        e = errno;
    }
    enum mrv_status st = MRV_OK;
    if (what) {
        unlink(tpath);
        st = mrv_error_set(err, MRV_EIO, "%s: cannot write report (%s): %s", path, what,
                           strerror(e));
    }
    mrv_strbuf_free(&tmp);
    return st;
}

enum mrv_status mrv_report_html(struct mrv_store *s, const char *path,
                                struct mrv_error *err)
{
    if (!s || !path || !*path)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_report_html: NULL store or empty path");
    struct mrv_run_row *runs = NULL;
    struct mrv_summary_row *rows = NULL;
    const char **scratch = NULL;
    size_t nruns = 0, nrows = 0;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    enum mrv_status st = mrv_store_runs(s, &runs, &nruns, err);
    if (st == MRV_OK)
        st = mrv_store_summary(s, &rows, &nrows, err);
    if (st == MRV_OK && !(scratch = malloc((nrows ? nrows : 1) * sizeof *scratch)))
        st = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    if (st == MRV_OK) {
        page(&b, mrv_store_path(s), runs, nruns, rows, nrows, scratch);
        if (!mrv_strbuf_ok(&b))
            st = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory building report", path);
    }
    if (st == MRV_OK)
        st = write_atomic(path, mrv_strbuf_str(&b), b.len, err);
    mrv_strbuf_free(&b);
    free(scratch);
    free(rows);
    free(runs);
    return st;
}
