/* reports/plot.h — the report's figures, drawn with cairo.
 *
 * Each figure is a function drawing onto a cairo context in a w × h box
 * (points), so the same code draws SVG for the HTML page and vector
 * graphics on the PDF page. Text is cairo's toy font API with the
 * "sans-serif" family (fontconfig picks DejaVu Sans on Debian); cairo turns
 * glyphs into outlines in SVG and embeds subsets in PDF, so neither needs a
 * font at view time. Colours are the Okabe–Ito palette (Okabe & Ito 2008),
 * distinguishable with the common colour-vision deficiencies.
 * Values that are NaN are left out (a gap in a line, an empty heat-map
 * cell), never drawn as zero.
 */
#ifndef MRV_REPORTS_PLOT_H
#define MRV_REPORTS_PLOT_H

#include <stddef.h>

#include <cairo.h>

#include "core/status.h"
#include "core/strbuf.h"

/* One line of a robustness curve: y(x) with a CI band [lo, hi] (lo/hi
 * may be NULL). */
struct mrv_plot_series {
    const char *label;
    size_t n;
    const double *x, *y, *lo, *hi;
};

/* Metric vs severity, one line per model with its CI band; `threshold`
 * (NaN for none) is drawn as a dashed acceptance line. */
void mrv_plot_curves(cairo_t *cr, double w, double h, const char *title, const char *xlabel,
                     const char *ylabel, const struct mrv_plot_series *s, size_t ns,
                     double threshold);

/* A heat map of v[r * nc + c] (NaN: empty), diverging around 0 (red is
 * worse when `positive_is_worse`), each cell labelled with its value. The
 * colour scale saturates at |v| = vmax (NaN or <= 0: the largest |v| here),
 * so maps of several models can share one scale. */
void mrv_plot_heatmap(cairo_t *cr, double w, double h, const char *title,
                      const char *const *rows, size_t nr, const char *const *cols, size_t nc,
                      const double *v, double vmax, int positive_is_worse, const char *legend);

/* Box plots (Tukey-style boxes from a five-number summary: whiskers to min
 * and max, as the values are per-case means and every case is shown). */
struct mrv_plot_box {
    const char *label;  /* x-axis label of the group */
    int series;         /* colour index (model) */
    double five[5];
    size_t n;
};
void mrv_plot_boxes(cairo_t *cr, double w, double h, const char *title, const char *ylabel,
                    const struct mrv_plot_box *b, size_t nb, const char *const *series_labels,
                    size_t nseries);

/* Reliability diagram: accuracy vs confidence per bin with the diagonal of
 * perfect calibration, bin counts as a histogram underneath. */
void mrv_plot_reliability(cairo_t *cr, double w, double h, const char *title,
                          const double *conf, const double *acc, const double *count,
                          int nbins);

/* Horizontal bars with CI whiskers, e.g. a summary score per model. */
void mrv_plot_bars(cairo_t *cr, double w, double h, const char *title, const char *xlabel,
                   const char *const *labels, const double *v, const double *lo,
                   const double *hi, size_t n);

/* Render `draw(cr, w, h, ctx)` as an SVG document appended to `out`, ready
 * to inline in HTML: no XML declaration, and every id (cairo names glyphs
 * and clip paths "glyph0-1", "clip1", ... in each document) prefixed with
 * `id_prefix` so several figures can share one page. MRV_EINTERNAL naming
 * cairo's status when cairo fails; MRV_ENOMEM. */
typedef void (*mrv_plot_fn)(cairo_t *cr, double w, double h, void *ctx);
enum mrv_status mrv_plot_svg(struct mrv_strbuf *out, double w, double h, mrv_plot_fn draw,
                             void *ctx, const char *id_prefix, struct mrv_error *err);

/* Copy `in` to out[size] as valid UTF-8: every byte that does not start a
 * well-formed sequence (RFC 3629: no overlongs, surrogates or code points
 * above U+10FFFF) becomes '?', and the copy is cut at a character
 * boundary. Store text is not guaranteed UTF-8, and cairo refuses to draw
 * (and JSON to parse) invalid UTF-8. Returns the bytes written. */
size_t mrv_plot_utf8_clean(char *out, size_t size, const char *in);

/* The i-th palette colour. */
void mrv_plot_color(cairo_t *cr, int i, double alpha);

#endif
