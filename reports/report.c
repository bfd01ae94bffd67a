/* reports/report.c — choosing a format, writing files atomically, and the
 * formatting every writer shares. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "core/sha256.h"
#include "reports/render.h"

/* ---- formatting ------------------------------------------------------------ */

static bool is_psnr(const char *metric)
{
    return metric && strncasecmp(metric, "psnr", 4) == 0;
}

void mrv_render_num(char *out, size_t size, const char *metric, double x)
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

void mrv_render_ci(char *out, size_t size, const char *metric, const struct mrv_ci *ci)
{
    char e[48], lo[48], hi[48];
    mrv_render_num(e, sizeof e, metric, ci->estimate);
    if (isfinite(ci->lo) && isfinite(ci->hi)) {
        mrv_render_num(lo, sizeof lo, metric, ci->lo);
        mrv_render_num(hi, sizeof hi, metric, ci->hi);
        snprintf(out, size, "%s [%s, %s]", e, lo, hi);
    } else {
        snprintf(out, size, "%s", e);
    }
}

const char *mrv_render_breakdown(int b, char *buf, size_t size)
{
    if (b == MRV_BREAKDOWN_NO_CRITERION)
        return "\xE2\x80\x94";
    if (b == MRV_BREAKDOWN_NONE)
        return "none";
    snprintf(buf, size, "%d", b);
    return buf;
}

/* ISO 8601 UTC. SOURCE_DATE_EPOCH (reproducible-builds.org) pins the time,
 * so the same store can give a byte-identical report for an evidence
 * bundle. */
void mrv_render_time(char out[32])
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

void mrv_report_safe_name(const char *text, char *out, size_t size)
{
    char hex[MRV_SHA256_HEX] = "00000000";
    mrv_sha256_hex(text, strlen(text), hex, NULL);
    size_t keep = size > 12 ? size - 10 : 0;
    if (keep > 80)
        keep = 80;
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < keep; p++) {
        char c = *p;
        /* No '.': a name can then never be "." or "..", hide as a dot file,
         * or fake an extension; the caller appends its own. */
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        out[n++] = ok ? c : '_';
    }
    snprintf(out + n, size - n, "-%.8s", hex);
}

/* ---- writing --------------------------------------------------------------- */

enum mrv_status mrv_render_write_atomic(const char *path, const char *data, size_t len,
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

enum mrv_status mrv_report_format_of(const char *path, enum mrv_report_format *fmt,
                                     struct mrv_error *err)
{
    static const struct {
        const char *ext;
        enum mrv_report_format f;
    } ext[] = {{".html", MRV_REPORT_HTML}, {".htm", MRV_REPORT_HTML},
               {".pdf", MRV_REPORT_PDF},   {".md", MRV_REPORT_MARKDOWN},
               {".json", MRV_REPORT_JSON}};
    size_t n = path ? strlen(path) : 0;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t m = strlen(ext[i].ext);
        if (n > m && strcasecmp(path + n - m, ext[i].ext) == 0) {
            *fmt = ext[i].f;
            return MRV_OK;
        }
    }
    return mrv_error_set(err, MRV_EINVAL,
                         "%s: unsupported report format; expected a .html, .pdf, .md or "
                         ".json file name",
                         path ? path : "(null)");
}

/* "<path without extension>_panels": the folder panels go to, and its
 * name relative to the report's folder (for links). */
static void panel_dir(const char *path, char *dir, size_t size, const char **rel)
{
    snprintf(dir, size, "%s", path);
    char *dot = strrchr(dir, '.'), *slash = strrchr(dir, '/');
    if (dot && (!slash || dot > slash))
        *dot = '\0';
    size_t n = strlen(dir);
    snprintf(dir + n, size - n, "_panels");
    slash = strrchr(dir, '/');
    *rel = slash ? slash + 1 : dir;
}

/* cairo and fontconfig keep font caches for the life of the process;
 * released after each report so a command exits with nothing allocated
 * (LeakSanitizer in the sanitizer build, valgrind in CI). The next report
 * rebuilds them. */
static void release_fonts(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

static enum mrv_status write_analysis(const struct mrv_analysis *a, struct mrv_store *s,
                                      enum mrv_report_format fmt, const char *path,
                                      struct mrv_error *err);

enum mrv_status mrv_report_write_analysis(const struct mrv_analysis *a, struct mrv_store *s,
                                          enum mrv_report_format fmt, const char *path,
                                          struct mrv_error *err)
{
    enum mrv_status st = write_analysis(a, s, fmt, path, err);
    release_fonts();
    return st;
}

static enum mrv_status write_analysis(const struct mrv_analysis *a, struct mrv_store *s,
                                      enum mrv_report_format fmt, const char *path,
                                      struct mrv_error *err)
{
    (void)s;
    if (!a || !path || !*path)
        return mrv_error_set(err, MRV_EMISUSE,
                             "mrv_report_write_analysis: NULL analysis or empty path");
    if (fmt == MRV_REPORT_PDF)
        return mrv_report__pdf(a, path, err);
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    enum mrv_status st = MRV_OK;
    char **panels = NULL;
    switch (fmt) {
    case MRV_REPORT_HTML: {
        char dir[4200];
        const char *rel = NULL;
        panel_dir(path, dir, sizeof dir, &rel);
        st = mrv_panels_write(a, dir, &panels, err);
        if (st == MRV_OK)
            st = mrv_report__html(a, s, panels, rel, &b, err);
        break;
    }
    case MRV_REPORT_MARKDOWN: st = mrv_report__markdown(a, &b, err); break;
    case MRV_REPORT_JSON: st = mrv_report__json(a, &b, err); break;
    default: st = mrv_error_set(err, MRV_EINVAL, "%s: unknown report format %d", path, (int)fmt);
    }
    if (st == MRV_OK && !mrv_strbuf_ok(&b))
        st = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory building report", path);
    if (st == MRV_OK)
        st = mrv_render_write_atomic(path, mrv_strbuf_str(&b), b.len, err);
    mrv_panels_free(panels, a->nworst);
    mrv_strbuf_free(&b);
    return st;
}

enum mrv_status mrv_report_write(struct mrv_store *s, const struct mrv_report_options *opt,
                                 enum mrv_report_format fmt, const char *path,
                                 struct mrv_error *err)
{
    if (!s || !path || !*path)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_report_write: NULL store or empty path");
    struct mrv_analysis *a = NULL;
    enum mrv_status st = mrv_analysis_create(s, opt, &a, err);
    if (st == MRV_OK)
        st = mrv_report_write_analysis(a, s, fmt, path, err);
    mrv_analysis_destroy(a);
    return st;
}

enum mrv_status mrv_report_html(struct mrv_store *s, const char *path, struct mrv_error *err)
{
    if (!s || !path || !*path)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_report_html: NULL store or empty path");
    return mrv_report_write(s, NULL, MRV_REPORT_HTML, path, err);
}
