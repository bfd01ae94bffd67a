/* reports/report.h — what people read, made from the store only.
 *
 * One analysis of the store (reports/analysis.h: per-case means, bootstrap
 * CIs, breakdown severities, ROOD-MRI degradation, ImageNet-C corruption
 * errors, subgroups, worst cases) rendered four ways:
 *   .html  one self-contained page (inline CSS and inline SVG figures drawn
 *          with cairo; no scripts, fonts or fetches), for people;
 *   .pdf   the evidence report for print (cairo PDF): acceptance criteria,
 *          pass/fail table, figures, provenance;
 *   .md    a summary short enough for a merge-request comment;
 *   .json  every aggregate, for other tools.
 * Every string from the store is escaped for its format. Files are written
 * to a temporary file in the same folder and renamed over `path`, so a
 * failure never leaves half a report. The generation time is now, or
 * SOURCE_DATE_EPOCH when set, so a store gives a byte-identical report.
 * The store may be read-only. Errors: MRV_EIO naming `path` when it cannot
 * be written; MRV_EINVAL for bad options; store errors are passed on.
 * Thread-safety: one report at a time per process. After each report the
 * writers release cairo's and fontconfig's process-wide font caches
 * (cairo_debug_reset_static_data, FcFini) so a command exits with nothing
 * allocated; nothing else in the process may be drawing with cairo then.
 */
#ifndef MRV_REPORTS_REPORT_H
#define MRV_REPORTS_REPORT_H

#include <stddef.h>

#include "reports/analysis.h"
#include "store/store.h"

enum mrv_report_format {
    MRV_REPORT_HTML = 0,
    MRV_REPORT_PDF = 1,
    MRV_REPORT_MARKDOWN = 2,
    MRV_REPORT_JSON = 3
};

/* The format named by `path`'s extension (.html/.htm, .pdf, .md, .json,
 * case-insensitive); MRV_EINVAL naming the path otherwise. */
enum mrv_status mrv_report_format_of(const char *path, enum mrv_report_format *fmt,
                                     struct mrv_error *err);

/* Write one report of `s` with options `opt` (NULL: defaults). For HTML,
 * worst-case image panels (when the store has artifacts for them) are
 * written as PNG files into "<path without extension>_panels/" and linked. */
enum mrv_status mrv_report_write(struct mrv_store *s, const struct mrv_report_options *opt,
                                 enum mrv_report_format fmt, const char *path,
                                 struct mrv_error *err);

/* The same from an analysis already made (the bundle writes four formats
 * from one analysis). `s` is not read (everything is in the analysis) and
 * may be NULL; it is kept so a later format may query the store. */
enum mrv_status mrv_report_write_analysis(const struct mrv_analysis *a, struct mrv_store *s,
                                          enum mrv_report_format fmt, const char *path,
                                          struct mrv_error *err);

/* The HTML report with default options (mrvet demo, mrvet report). */
enum mrv_status mrv_report_html(struct mrv_store *s, const char *path, struct mrv_error *err);

/* A file name made from untrusted text (a case key): bytes outside
 * [A-Za-z0-9_-] become '_' (dots included), at most 80 bytes are kept, and an 8-hex-digit hash of the whole text is appended, so
 * distinct keys give distinct names and no name is "", ".", "..", or
 * contains '/'. `out` must hold at least 96 bytes. */
void mrv_report_safe_name(const char *text, char *out, size_t size);

#endif
