/* reports/plot.c — figures drawn with cairo (plot.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-svg.h>

#include "reports/plot.h"

/* Okabe & Ito 2008, "Color Universal Design", without yellow (too faint on
 * white) and black (kept for axes). */
static const double palette[][3] = {
    {0.000, 0.447, 0.698}, /* blue */
    {0.835, 0.369, 0.000}, /* vermillion */
    {0.000, 0.620, 0.451}, /* bluish green */
    {0.800, 0.475, 0.655}, /* reddish purple */
    {0.902, 0.624, 0.000}, /* orange */
    {0.337, 0.706, 0.914}, /* sky blue */
    {0.400, 0.400, 0.400}, /* grey */
};
#define NPAL (int)(sizeof palette / sizeof palette[0])

void mrv_plot_color(cairo_t *cr, int i, double alpha)
{
    const double *c = palette[((i % NPAL) + NPAL) % NPAL];
    cairo_set_source_rgba(cr, c[0], c[1], c[2], alpha);
}

/* Length of the well-formed UTF-8 sequence at p, or 0 (RFC 3629 table 3). */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

size_t mrv_plot_utf8_clean(char *out, size_t size, const char *in)
{
    if (size == 0)
        return 0;
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            if (w + 1 >= size)
                break;
            out[w++] = '?';
            p++;
            continue;
        }
        if (w + n >= size)
            break;
        memcpy(out + w, p, n);
        w += n;
        p += n;
    }
    out[w] = '\0';
    return w;
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Text anchored at (x, y): ax 0 left, 0.5 centre, 1 right; ay likewise
 * from top (0) to baseline-ish bottom (1). */
static void text(cairo_t *cr, double x, double y, double ax, double ay, const char *s)
{
    char buf[512];
    mrv_plot_utf8_clean(buf, sizeof buf, s);
    cairo_text_extents_t e;
    cairo_text_extents(cr, buf, &e);
    cairo_move_to(cr, x - e.x_advance * ax, y - e.y_bearing - e.height * ay);
    cairo_show_text(cr, buf);
}

static void fmt(char *out, size_t size, double v)
{
    if (v == 0)
        v = 0; /* -0.0 (a tick at k * step with k = -0) prints as "-0" */
    if (isnan(v))
        snprintf(out, size, "\xE2\x80\x94");
    else if (v != 0 && (fabs(v) < 1e-3 || fabs(v) >= 1e5))
        snprintf(out, size, "%.2g", v);
    else
        snprintf(out, size, "%.4g", v);
}

/* "Nice numbers for graph labels" (Heckbert, Graphics Gems, 1990): a tick
 * step of 1, 2 or 5 × 10^k giving about `n` ticks over [lo, hi]. */
static double nice_step(double lo, double hi, int n)
{
    double range = hi - lo;
    if (!(range > 0))
        return 1;
    double raw = range / n, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/* Ticks `step` apart from the first multiple of step >= lo up to hi: how
 * many, and the first. Counted, not accumulated (t += step), so each tick is
 * an exact multiple and a step below the values' resolution cannot loop
 * forever; at most 100. */
static int ticks(double lo, double hi, double step, double *first)
{
    *first = ceil(lo / step) * step;
    double n = floor((hi + step * 1e-9 - *first) / step) + 1;
    return n > 0 ? (int)fmin(n, 100) : 0;
}

struct frame {
    double x0, y0, x1, y1;   /* plot area, device units */
    double vx0, vx1, vy0, vy1; /* data range */
};

static double fx(const struct frame *f, double x)
{
    return f->x0 + (x - f->vx0) / (f->vx1 - f->vx0) * (f->x1 - f->x0);
}

static double fy(const struct frame *f, double y)
{
    return f->y1 - (y - f->vy0) / (f->vy1 - f->vy0) * (f->y1 - f->y0);
}

static void expand(double *lo, double *hi)
{
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
    } else if (*hi - *lo < 1e-12 * (fabs(*lo) + 1)) {
        double d = fabs(*lo) > 0 ? fabs(*lo) * 0.05 : 0.5;
        *lo -= d;
        *hi += d;
    } else {
        double d = (*hi - *lo) * 0.06;
        *lo -= d;
        *hi += d;
    }
}

static void background(cairo_t *cr, double w, double h, const char *title)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    font(cr, 13, 1);
    text(cr, w / 2, 8, 0.5, 0, title);
}

/* Axes, grid, ticks and labels; x ticks at integers when `int_x`. */
static void axes(cairo_t *cr, const struct frame *f, const char *xlabel, const char *ylabel,
                 int int_x)
{
    char buf[32];
    font(cr, 10, 0);
    cairo_set_line_width(cr, 1);
    double step = nice_step(f->vy0, f->vy1, 5);
    double t0;
    for (int k = 0, nt = ticks(f->vy0, f->vy1, step, &t0); k < nt; k++) {
        double t = t0 + k * step;
        double y = fy(f, t);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, f->x0, y);
        cairo_line_to(cr, f->x1, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        fmt(buf, sizeof buf, fabs(t) < step * 1e-9 ? 0 : t);
        text(cr, f->x0 - 4, y, 1, 0.5, buf);
    }
    double xs = int_x ? fmax(1, round(nice_step(f->vx0, f->vx1, 6))) : nice_step(f->vx0, f->vx1, 6);
    for (int k = 0, nt = ticks(f->vx0, f->vx1, xs, &t0); k < nt; k++) {
        double t = t0 + k * xs;
        double x = fx(f, t);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_move_to(cr, x, f->y1);
        cairo_line_to(cr, x, f->y1 + 4);
        cairo_stroke(cr);
        fmt(buf, sizeof buf, t);
        text(cr, x, f->y1 + 6, 0.5, 0, buf);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_rectangle(cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
    cairo_stroke(cr);
    font(cr, 11, 0);
    text(cr, (f->x0 + f->x1) / 2, f->y1 + 22, 0.5, 0, xlabel);
    cairo_save(cr);
    cairo_translate(cr, 14, (f->y0 + f->y1) / 2);
    cairo_rotate(cr, -M_PI / 2);
    text(cr, 0, 0, 0.5, 0.5, ylabel);
    cairo_restore(cr);
}

static void legend(cairo_t *cr, double x, double y, const char *const *labels, size_t n)
{
    font(cr, 10, 0);
    for (size_t i = 0; i < n; i++) {
        mrv_plot_color(cr, (int)i, 1);
        cairo_rectangle(cr, x, y + 14 * (double)i + 2, 14, 8);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, x + 18, y + 14 * (double)i + 6, 0, 0.5, labels[i]);
    }
}

void mrv_plot_curves(cairo_t *cr, double w, double h, const char *title, const char *xlabel,
                     const char *ylabel, const struct mrv_plot_series *s, size_t ns,
                     double threshold)
{
    background(cr, w, h, title);
    struct frame f = {60, 30, w - 170, h - 42, INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            f.vx0 = fmin(f.vx0, s[k].x[i]);
            f.vx1 = fmax(f.vx1, s[k].x[i]);
            const double v[3] = {s[k].y[i], s[k].lo ? s[k].lo[i] : NAN, s[k].hi ? s[k].hi[i] : NAN};
            for (int j = 0; j < 3; j++)
                if (isfinite(v[j])) {
                    f.vy0 = fmin(f.vy0, v[j]);
                    f.vy1 = fmax(f.vy1, v[j]);
                }
        }
    if (isfinite(threshold)) {
        f.vy0 = fmin(f.vy0, threshold);
        f.vy1 = fmax(f.vy1, threshold);
    }
    if (!isfinite(f.vx0)) {
        f.vx0 = 0;
        f.vx1 = 1;
    } else {
        f.vx0 -= 0.25;
        f.vx1 += 0.25;
    }
    expand(&f.vy0, &f.vy1);
    axes(cr, &f, xlabel, ylabel, 1);
    cairo_save(cr);
    cairo_rectangle(cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    cairo_clip(cr);
    for (size_t k = 0; k < ns; k++) {
        /* CI band: one polygon per run of finite points. */
        if (s[k].lo && s[k].hi) {
            mrv_plot_color(cr, (int)k, 0.18);
            for (size_t i = 0; i < s[k].n;) {
                size_t j = i;
                while (j < s[k].n && isfinite(s[k].lo[j]) && isfinite(s[k].hi[j]))
                    j++;
                if (j > i) {
                    cairo_move_to(cr, fx(&f, s[k].x[i]), fy(&f, s[k].hi[i]));
                    for (size_t q = i + 1; q < j; q++)
                        cairo_line_to(cr, fx(&f, s[k].x[q]), fy(&f, s[k].hi[q]));
                    for (size_t q = j; q-- > i;)
                        cairo_line_to(cr, fx(&f, s[k].x[q]), fy(&f, s[k].lo[q]));
                    cairo_close_path(cr);
                    cairo_fill(cr);
                    /* A single point's band is an error bar. */
                    if (j == i + 1) {
                        mrv_plot_color(cr, (int)k, 0.8);
                        cairo_move_to(cr, fx(&f, s[k].x[i]), fy(&f, s[k].lo[i]));
                        cairo_line_to(cr, fx(&f, s[k].x[i]), fy(&f, s[k].hi[i]));
                        cairo_stroke(cr);
                        mrv_plot_color(cr, (int)k, 0.18);
                    }
                }
                i = j + 1;
            }
        }
        mrv_plot_color(cr, (int)k, 1);
        cairo_set_line_width(cr, 2);
        int pen = 0;
        for (size_t i = 0; i < s[k].n; i++) {
            if (!isfinite(s[k].y[i])) {
                pen = 0;
                continue;
            }
            double x = fx(&f, s[k].x[i]), y = fy(&f, s[k].y[i]);
            if (pen)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
            pen = 1;
        }
        cairo_stroke(cr);
        for (size_t i = 0; i < s[k].n; i++)
            if (isfinite(s[k].y[i])) {
                cairo_arc(cr, fx(&f, s[k].x[i]), fy(&f, s[k].y[i]), 3, 0, 2 * M_PI);
                cairo_fill(cr);
            }
    }
    if (isfinite(threshold)) {
        const double dash[] = {6, 4};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, f.x0, fy(&f, threshold));
        cairo_line_to(cr, f.x1, fy(&f, threshold));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_restore(cr);
    const char *labels[16] = {0};
    size_t nl = ns < 16 ? ns : 16;
    for (size_t k = 0; k < nl; k++)
        labels[k] = s[k].label;
    legend(cr, f.x1 + 10, f.y0, labels, nl);
    if (isfinite(threshold)) {
        const double dash[] = {6, 4};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
        double y = f.y0 + 14 * (double)nl + 8;
        cairo_move_to(cr, f.x1 + 10, y);
        cairo_line_to(cr, f.x1 + 24, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, f.x1 + 28, y, 0, 0.5, "acceptance");
    }
}

void mrv_plot_heatmap(cairo_t *cr, double w, double h, const char *title,
                      const char *const *rows, size_t nr, const char *const *cols, size_t nc,
                      const double *v, double vmax, int positive_is_worse,
                      const char *legend_text)
{
    background(cr, w, h, title);
    double x0 = 110, y0 = 48, x1 = w - 20, y1 = h - 26;
    double cw = nc ? (x1 - x0) / (double)nc : 0, ch = nr ? (y1 - y0) / (double)nr : 0;
    if (!(vmax > 0)) {
        vmax = 0;
        for (size_t i = 0; i < nr * nc; i++)
            if (isfinite(v[i]))
                vmax = fmax(vmax, fabs(v[i]));
    }
    char buf[32];
    font(cr, 10, 0);
    for (size_t r = 0; r < nr; r++) {
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, x0 - 6, y0 + ch * ((double)r + 0.5), 1, 0.5, rows[r]);
        for (size_t c = 0; c < nc; c++) {
            double val = v[r * nc + c], x = x0 + cw * (double)c, y = y0 + ch * (double)r;
            if (isfinite(val)) {
                /* Diverging: white at 0, red for worse, blue for better. */
                double t = vmax > 0 ? fmin(1, fabs(val) / vmax) : 0;
                int worse = (val > 0) == (positive_is_worse != 0);
                if (worse)
                    cairo_set_source_rgb(cr, 1, 1 - 0.75 * t, 1 - 0.8 * t);
                else
                    cairo_set_source_rgb(cr, 1 - 0.75 * t, 1 - 0.5 * t, 1);
            } else {
                cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
            }
            cairo_rectangle(cr, x, y, cw, ch);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_set_line_width(cr, 1);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            fmt(buf, sizeof buf, val);
            if (cw > 28 && ch > 11)
                text(cr, x + cw / 2, y + ch / 2, 0.5, 0.5, buf);
        }
    }
    for (size_t c = 0; c < nc; c++)
        text(cr, x0 + cw * ((double)c + 0.5), y0 - 6, 0.5, 1, cols[c]);
    font(cr, 10, 0);
    text(cr, (x0 + x1) / 2, h - 8, 0.5, 1, legend_text);
}

void mrv_plot_boxes(cairo_t *cr, double w, double h, const char *title, const char *ylabel,
                    const struct mrv_plot_box *b, size_t nb, const char *const *series_labels,
                    size_t nseries)
{
    background(cr, w, h, title);
    struct frame f = {60, 30, w - 170, h - 42, -0.5, (double)nb - 0.5, INFINITY, -INFINITY};
    for (size_t i = 0; i < nb; i++)
        for (int j = 0; j < 5; j++)
            if (isfinite(b[i].five[j])) {
                f.vy0 = fmin(f.vy0, b[i].five[j]);
                f.vy1 = fmax(f.vy1, b[i].five[j]);
            }
    if (nb == 0)
        f.vx1 = 0.5;
    expand(&f.vy0, &f.vy1);
    /* y axis and grid only; the x labels are the groups. */
    struct frame g = f;
    axes(cr, &g, "", ylabel, 1);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, f.x0 + 0.5, f.y1 + 1, f.x1 - f.x0, 20);
    cairo_fill(cr);
    double bw = nb ? (f.x1 - f.x0) / (double)nb * 0.6 : 0;
    font(cr, 10, 0);
    for (size_t i = 0; i < nb; i++) {
        double x = fx(&f, (double)i);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        if (i == 0 || strcmp(b[i].label, b[i - 1].label) != 0)
            text(cr, x, f.y1 + 6, 0.5, 0, b[i].label);
        if (!isfinite(b[i].five[2]))
            continue;
        mrv_plot_color(cr, b[i].series, 1);
        cairo_set_line_width(cr, 1.2);
        cairo_move_to(cr, x, fy(&f, b[i].five[0]));
        cairo_line_to(cr, x, fy(&f, b[i].five[1]));
        cairo_move_to(cr, x, fy(&f, b[i].five[3]));
        cairo_line_to(cr, x, fy(&f, b[i].five[4]));
        cairo_stroke(cr);
        double yq1 = fy(&f, b[i].five[1]), yq3 = fy(&f, b[i].five[3]);
        mrv_plot_color(cr, b[i].series, 0.3);
        cairo_rectangle(cr, x - bw / 2, yq3, bw, yq1 - yq3);
        cairo_fill_preserve(cr);
        mrv_plot_color(cr, b[i].series, 1);
        cairo_stroke(cr);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x - bw / 2, fy(&f, b[i].five[2]));
        cairo_line_to(cr, x + bw / 2, fy(&f, b[i].five[2]));
        cairo_stroke(cr);
    }
    legend(cr, f.x1 + 10, f.y0, series_labels, nseries < 16 ? nseries : 16);
}

void mrv_plot_reliability(cairo_t *cr, double w, double h, const char *title,
                          const double *conf, const double *acc, const double *count,
                          int nbins)
{
    background(cr, w, h, title);
    struct frame f = {60, 30, w - 20, h - 42, 0, 1, 0, 1};
    axes(cr, &f, "confidence", "accuracy", 0);
    double total = 0, cmax = 0;
    for (int i = 0; i < nbins; i++) {
        total += count[i];
        cmax = fmax(cmax, count[i]);
    }
    /* Bin counts as a grey histogram along the bottom fifth. */
    for (int i = 0; i < nbins && cmax > 0; i++) {
        double x0 = fx(&f, (double)i / nbins), x1 = fx(&f, (double)(i + 1) / nbins);
        double hh = (f.y1 - f.y0) * 0.2 * count[i] / cmax;
        cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.35);
        cairo_rectangle(cr, x0 + 1, f.y1 - hh, x1 - x0 - 2, hh);
        cairo_fill(cr);
    }
    const double dash[] = {4, 3};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_move_to(cr, fx(&f, 0), fy(&f, 0));
    cairo_line_to(cr, fx(&f, 1), fy(&f, 1));
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    mrv_plot_color(cr, 0, 1);
    cairo_set_line_width(cr, 2);
    int pen = 0;
    for (int i = 0; i < nbins; i++) {
        if (!(count[i] > 0) || !isfinite(conf[i]) || !isfinite(acc[i])) {
            pen = 0;
            continue;
        }
        if (pen)
            cairo_line_to(cr, fx(&f, conf[i]), fy(&f, acc[i]));
        else
            cairo_move_to(cr, fx(&f, conf[i]), fy(&f, acc[i]));
        pen = 1;
    }
    cairo_stroke(cr);
    for (int i = 0; i < nbins; i++)
        if (count[i] > 0 && isfinite(conf[i]) && isfinite(acc[i])) {
            cairo_arc(cr, fx(&f, conf[i]), fy(&f, acc[i]), 3.5, 0, 2 * M_PI);
            cairo_fill(cr);
        }
    (void)total;
}

void mrv_plot_bars(cairo_t *cr, double w, double h, const char *title, const char *xlabel,
                   const char *const *labels, const double *v, const double *lo,
                   const double *hi, size_t n)
{
    background(cr, w, h, title);
    struct frame f = {150, 30, w - 20, h - 42, 0, 0, -0.5, (double)n - 0.5};
    for (size_t i = 0; i < n; i++) {
        const double x[3] = {v[i], lo ? lo[i] : NAN, hi ? hi[i] : NAN};
        for (int j = 0; j < 3; j++)
            if (isfinite(x[j])) {
                f.vx0 = fmin(f.vx0, x[j]);
                f.vx1 = fmax(f.vx1, x[j]);
            }
    }
    expand(&f.vx0, &f.vx1);
    if (f.vx0 > 0)
        f.vx0 = 0;
    if (n == 0)
        f.vy1 = 0.5;
    char buf[32];
    font(cr, 10, 0);
    double step = nice_step(f.vx0, f.vx1, 5);
    double t0;
    for (int k = 0, nt = ticks(f.vx0, f.vx1, step, &t0); k < nt; k++) {
        double t = t0 + k * step;
        double x = fx(&f, t);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, x, f.y0);
        cairo_line_to(cr, x, f.y1);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        fmt(buf, sizeof buf, fabs(t) < step * 1e-9 ? 0 : t);
        text(cr, x, f.y1 + 6, 0.5, 0, buf);
    }
    double bh = n ? (f.y1 - f.y0) / (double)n * 0.6 : 0;
    for (size_t i = 0; i < n; i++) {
        /* Rows top to bottom in input order. */
        double y = f.y0 + (f.y1 - f.y0) * ((double)i + 0.5) / (double)n;
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, f.x0 - 6, y, 1, 0.5, labels[i]);
        if (!isfinite(v[i]))
            continue;
        mrv_plot_color(cr, (int)i, 0.8);
        double xa = fx(&f, 0), xb = fx(&f, v[i]);
        cairo_rectangle(cr, fmin(xa, xb), y - bh / 2, fabs(xb - xa), bh);
        cairo_fill(cr);
        if (lo && hi && isfinite(lo[i]) && isfinite(hi[i])) {
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_set_line_width(cr, 1.5);
            cairo_move_to(cr, fx(&f, lo[i]), y);
            cairo_line_to(cr, fx(&f, hi[i]), y);
            cairo_move_to(cr, fx(&f, lo[i]), y - bh / 4);
            cairo_line_to(cr, fx(&f, lo[i]), y + bh / 4);
            cairo_move_to(cr, fx(&f, hi[i]), y - bh / 4);
            cairo_line_to(cr, fx(&f, hi[i]), y + bh / 4);
            cairo_stroke(cr);
        }
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    cairo_stroke(cr);
    font(cr, 11, 0);
    text(cr, (f.x0 + f.x1) / 2, f.y1 + 22, 0.5, 0, xlabel);
}

/* ---- SVG ---------------------------------------------------------------- */

static cairo_status_t to_strbuf(void *closure, const unsigned char *data, unsigned int len)
{
    struct mrv_strbuf *b = closure;
    /* strbuf appends C strings; SVG text from cairo holds no NUL. */
    char chunk[4097];
    for (unsigned int done = 0; done < len;) {
        unsigned int k = len - done < 4096 ? len - done : 4096;
        memcpy(chunk, data + done, k);
        chunk[k] = '\0';
        mrv_strbuf_append(b, chunk);
        done += k;
    }
    return mrv_strbuf_ok(b) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_NO_MEMORY;
}

enum mrv_status mrv_plot_svg(struct mrv_strbuf *out, double w, double h, mrv_plot_fn draw,
                             void *ctx, const char *id_prefix, struct mrv_error *err)
{
    struct mrv_strbuf raw;
    mrv_strbuf_init(&raw);
    cairo_surface_t *sf = cairo_svg_surface_create_for_stream(to_strbuf, &raw, w, h);
    cairo_svg_surface_set_document_unit(sf, CAIRO_SVG_UNIT_PX);
    cairo_t *cr = cairo_create(sf);
    draw(cr, w, h, ctx);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS || !mrv_strbuf_ok(&raw)) {
        mrv_strbuf_free(&raw);
        return cs == CAIRO_STATUS_NO_MEMORY || cs == CAIRO_STATUS_SUCCESS
                   ? mrv_error_set(err, MRV_ENOMEM, "out of memory drawing a figure")
                   : mrv_error_set(err, MRV_EINTERNAL, "cairo failed drawing a figure: %s",
                                   cairo_status_to_string(cs));
    }
    const char *s = mrv_strbuf_str(&raw);
    const char *svg = strstr(s, "<svg");
    if (!svg)
        svg = s;
    /* Prefix ids and references to them so figures on one page never share
     * a glyph or clip path by name. */
    static const char *const pats[] = {"id=\"", "href=\"#", "url(#"};
    unsigned long seen[256];
    size_t nseen = 0;
    while (*svg) {
        const char *hit = NULL;
        size_t plen = 0;
        for (int i = 0; i < 3; i++) {
            const char *p = strstr(svg, pats[i]);
            if (p && (!hit || p < hit)) {
                hit = p;
                plen = strlen(pats[i]);
            }
        }
        if (!hit) {
            mrv_strbuf_append(out, svg);
            break;
        }
        mrv_strbuf_printf(out, "%.*s%s", (int)(hit - svg + (ptrdiff_t)plen), svg, id_prefix);
        svg = hit + plen;
        /* cairo numbers "surfaceN" from a process-wide counter: renumber
         * per document so the same figure gives the same bytes. */
        if (strncmp(svg, "surface", 7) == 0 && svg[7] >= '0' && svg[7] <= '9') {
            char *end = NULL;
            unsigned long v = strtoul(svg + 7, &end, 10);
            size_t k = 0;
            while (k < nseen && seen[k] != v)
                k++;
            if (k == nseen && nseen < sizeof seen / sizeof seen[0])
                seen[nseen++] = v;
            mrv_strbuf_printf(out, "surface%zu", k + 1);
            svg = end;
        }
    }
    mrv_strbuf_free(&raw);
    return mrv_strbuf_ok(out) ? MRV_OK
                              : mrv_error_set(err, MRV_ENOMEM, "out of memory drawing a figure");
}
