/* reports/render.h — private to reports/: what the HTML, PDF, Markdown and
 * JSON writers share (number formatting, the figures of an analysis,
 * atomic file writes, image panels). */
#ifndef MRV_REPORTS_RENDER_H
#define MRV_REPORTS_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "core/strbuf.h"
#include "reports/analysis.h"
#include "reports/report.h"

/* A number for people: PSNR in dB to 2 decimals, others 4 significant
 * digits; "—" for NaN, ±∞ spelled out. */
void mrv_render_num(char *out, size_t size, const char *metric, double x);
/* "0.91 [0.89, 0.93]" or "0.91" when the interval is undefined. */
void mrv_render_ci(char *out, size_t size, const char *metric, const struct mrv_ci *ci);
/* "none", "1", or "—" (no criterion) for a breakdown severity. */
const char *mrv_render_breakdown(int b, char *buf, size_t size);
/* ISO 8601 UTC now, or SOURCE_DATE_EPOCH. */
void mrv_render_time(char out[32]);
/* Write `len` bytes to `path` through a temporary file and rename. */
enum mrv_status mrv_render_write_atomic(const char *path, const char *data, size_t len,
                                        struct mrv_error *err);

/* ---- figures of an analysis (figures.c) ----------------------------------- */

/* What one figure shows; draw with mrv_fig_draw. */
enum mrv_fig_kind { MRV_FIG_CURVES, MRV_FIG_HEATMAP, MRV_FIG_BOXES, MRV_FIG_RELIABILITY,
                    MRV_FIG_BARS };
struct mrv_fig {
    const struct mrv_analysis *a;
    enum mrv_fig_kind kind;
    size_t run;       /* HEATMAP, RELIABILITY (index into a->rel for the latter) */
    int32_t family;   /* CURVES, BOXES */
    int32_t metric;
};
void mrv_fig_draw(cairo_t *cr, double w, double h, void *fig);
/* Preferred size in points. */
void mrv_fig_size(const struct mrv_fig *f, double *w, double *h);
/* Whether `metric` is shown as a metric (not a calibration bin). */
bool mrv_fig_metric_shown(const struct mrv_analysis *a, int32_t metric);

/* ---- image panels (panels.c) ------------------------------------------- */

/* For each worst case with stored artifacts of kinds "reference", "input",
 * "output" (2D .npy arrays, float32 or float64, C order), write a PNG panel
 * (reference | perturbed input | output | |output − reference|) into
 * `dir` (created if needed). panel_names[i] (malloc'd, or NULL) is the
 * file name written for a->worst[i]; names come from the case key through
 * mrv_report_safe_name, so they cannot leave `dir`. Missing or unreadable
 * artifacts just give no panel. */
enum mrv_status mrv_panels_write(const struct mrv_analysis *a, const char *dir,
                                 char ***panel_names, struct mrv_error *err);
void mrv_panels_free(char **names, size_t n);

/* ---- writers ------------------------------------------------------------- */

enum mrv_status mrv_report__html(const struct mrv_analysis *a, struct mrv_store *s,
                                 char *const *panels, const char *panel_dir_rel,
                                 struct mrv_strbuf *out, struct mrv_error *err);
enum mrv_status mrv_report__markdown(const struct mrv_analysis *a, struct mrv_strbuf *out,
                                     struct mrv_error *err);
enum mrv_status mrv_report__json(const struct mrv_analysis *a, struct mrv_strbuf *out,
                                 struct mrv_error *err);
enum mrv_status mrv_report__pdf(const struct mrv_analysis *a, const char *path,
                                struct mrv_error *err);

#endif
