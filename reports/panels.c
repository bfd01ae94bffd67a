/* reports/panels.c — worst-case image panels (PNG, cairo).
 *
 * The report reads only the store, so it can show images only when the run
 * saved them: artifacts of kind "reference" (per case), "input" (the
 * perturbed input) and "output" (the model's output) per (run, case,
 * perturbation), each a 2D array in NumPy's .npy format (version 1 or 2
 * header, little-endian float32 or float64, C order; a 3D array shows its
 * middle slice). Paths are relative to the store's folder unless absolute.
 * A panel is reference | input | output | |output − reference|, grey
 * levels windowed to [0, max(reference)], the error map to [0, max error].
 * Panel file names derive from case keys, which are untrusted: they go
 * through mrv_report_safe_name, so no name can leave the panel folder.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/render.h"

struct image {
    size_t h, w;
    float *v;
};

/* Parse the .npy header dictionary for descr, fortran_order and shape. */
static bool npy_read(const char *path, struct image *im)
{
    memset(im, 0, sizeof *im);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    unsigned char magic[10];
    bool ok = fread(magic, 1, 10, fp) == 10 && memcmp(magic, "\x93NUMPY", 6) == 0;
    size_t hlen = 0;
    if (ok && magic[6] == 1) {
        hlen = (size_t)magic[8] | (size_t)magic[9] << 8;
    } else if (ok && (magic[6] == 2 || magic[6] == 3)) {
        unsigned char more[2];
        ok = fread(more, 1, 2, fp) == 2;
        hlen = (size_t)magic[8] | (size_t)magic[9] << 8 | (size_t)more[0] << 16 |
               (size_t)more[1] << 24;
    } else {
        ok = false;
    }
    char *hdr = ok && hlen < 65536 ? malloc(hlen + 1) : NULL;
    ok = hdr && fread(hdr, 1, hlen, fp) == hlen;
    int f64 = 0;
    size_t dims[3] = {0}, nd = 0;
    if (ok) {
        hdr[hlen] = '\0';
        if (strstr(hdr, "'<f8'"))
            f64 = 1;
        else if (!strstr(hdr, "'<f4'"))
            ok = false;
        if (strstr(hdr, "'fortran_order': True"))
            ok = false;
        const char *sh = strstr(hdr, "'shape': (");
        if (!sh)
            ok = false;
        for (const char *p = sh ? sh + 10 : ""; ok && *p && *p != ')';) {
            char *end = NULL;
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p)
                break;
            if (nd == 3 || v == 0 || v > 16384)
                ok = false;
            else
                dims[nd++] = (size_t)v;
            p = end;
            while (*p == ',' || *p == ' ')
                p++;
        }
        ok = ok && (nd == 2 || nd == 3);
    }
    free(hdr);
    if (ok) {
        size_t slices = nd == 3 ? dims[0] : 1;
        im->h = dims[nd - 2];
        im->w = dims[nd - 1];
        size_t n = im->h * im->w, es = f64 ? 8 : 4;
        long offset = (long)((slices / 2) * n * es);
        im->v = malloc(n * sizeof *im->v);
        unsigned char *raw = malloc(n * es);
        ok = im->v && raw && fseek(fp, offset, SEEK_CUR) == 0 && fread(raw, es, n, fp) == n;
        for (size_t i = 0; ok && i < n; i++) {
            if (f64) {
                double x;
                memcpy(&x, raw + 8 * i, 8);
                im->v[i] = (float)x;
            } else {
                memcpy(&im->v[i], raw + 4 * i, 4);
            }
        }
        free(raw);
    }
    fclose(fp);
    if (!ok) {
        free(im->v);
        im->v = NULL;
    }
    return ok;
}

static const char *artifact(const struct mrv_analysis *a, int64_t run, int64_t cas, int64_t pert,
                            const char *kind)
{
    for (size_t i = 0; i < a->nart; i++) {
        const struct mrv_read_artifact *r = &a->art[i];
        if (r->run_id == run && r->case_id == cas && !strcmp(r->kind, kind) &&
            (pert == 0 || r->perturbation_id == pert))
            return r->path;
    }
    return NULL;
}

/* An artifact path from the store, resolved against the store's folder.
 * A store is untrusted input (docs/security.md): absolute paths and paths
 * climbing out with ".." are refused (false), so a crafted store cannot make
 * a report read files outside the folder it lives in. */
static bool resolve(const struct mrv_analysis *a, const char *p, char *out, size_t size)
{
    if (p[0] == '/' || strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 ||
        strstr(p, "/../") || (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0))
        return false;
    const char *slash = strrchr(a->db_path, '/');
    if (!slash)
        snprintf(out, size, "%s", p);
    else
        snprintf(out, size, "%.*s/%s", (int)(slash - a->db_path), a->db_path, p);
    return true;
}

/* Draw one image tile at (x0, 0) in a t × t box, values mapped by
 * (v - lo) / (hi - lo) to grey, or to a black-red-yellow ramp when hot. */
static void tile(cairo_t *cr, const struct image *im, double x0, double t, float lo, float hi,
                 bool hot)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)im->w, (int)im->h);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return;
    }
    cairo_surface_flush(img);
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    float span = hi > lo ? hi - lo : 1;
    for (size_t y = 0; y < im->h; y++)
        for (size_t x = 0; x < im->w; x++) {
            float v = (im->v[y * im->w + x] - lo) / span;
            v = isfinite(v) ? (v < 0 ? 0 : v > 1 ? 1 : v) : 0;
            uint32_t r, g, b;
            if (hot) {
                r = (uint32_t)(255 * fminf(1, 3 * v));
                g = (uint32_t)(255 * fminf(1, fmaxf(0, 3 * v - 1)));
                b = (uint32_t)(255 * fmaxf(0, 3 * v - 2));
            } else {
                r = g = b = (uint32_t)(255 * v);
            }
            uint32_t p = r << 16 | g << 8 | b;
            memcpy(px + y * (size_t)stride + 4 * x, &p, 4);
        }
    cairo_surface_mark_dirty(img);
    double s = t / (double)(im->w > im->h ? im->w : im->h);
    cairo_save(cr);
    cairo_translate(cr, x0, 20);
    cairo_scale(cr, s, s);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BEST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

static bool panel(const char *out, const struct image *ref, const struct image *in,
                  const struct image *outp)
{
    const double t = 256;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(4 * t + 30), (int)(t + 26));
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    float mx = 0, emax = 0;
    for (size_t i = 0; i < ref->h * ref->w; i++)
        if (isfinite(ref->v[i]))
            mx = fmaxf(mx, ref->v[i]);
    struct image err = {ref->h, ref->w, malloc(ref->h * ref->w * sizeof(float))};
    bool ok = err.v != NULL;
    for (size_t i = 0; ok && i < ref->h * ref->w; i++) {
        err.v[i] = fabsf(outp->v[i] - ref->v[i]);
        if (isfinite(err.v[i]))
            emax = fmaxf(emax, err.v[i]);
    }
    static const char *const labels[] = {"reference", "perturbed input", "output",
                                         "|output \xE2\x88\x92 reference|"};
    const struct image *ims[] = {ref, in, outp, &err};
    for (int k = 0; ok && k < 4; k++) {
        tile(cr, ims[k], 6 + k * (t + 6), t, 0, k == 3 ? emax : mx, k == 3);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 12);
        cairo_move_to(cr, 6 + k * (t + 6), 14);
        cairo_show_text(cr, labels[k]);
    }
    free(err.v);
    cairo_destroy(cr);
    ok = ok && cairo_surface_write_to_png(sf, out) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(sf);
    return ok;
}

void mrv_panels_free(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

enum mrv_status mrv_panels_write(const struct mrv_analysis *a, const char *dir,
                                 char ***panel_names, struct mrv_error *err)
{
    *panel_names = NULL;
    if (!a->nworst || !a->nart)
        return MRV_OK;
    char **names = calloc(a->nworst, sizeof *names);
    if (!names)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    for (size_t i = 0; i < a->nworst; i++) {
        const struct mrv_agg_worst *w = &a->worst[i];
        int64_t run = a->runs[w->run].id, cas = a->cases[w->case_idx].id;
        const char *pr = artifact(a, run, cas, 0, "reference"),
                   *pi = artifact(a, run, cas, w->perturbation_id, "input"),
                   *po = artifact(a, run, cas, w->perturbation_id, "output");
        if (!pr || !pi || !po)
            continue;
        char path[3][4200];
        if (!resolve(a, pr, path[0], sizeof path[0]) || !resolve(a, pi, path[1], sizeof path[1]) ||
            !resolve(a, po, path[2], sizeof path[2]))
            continue; /* a path leaving the store's folder: no panel */
        struct image im[3];
        bool ok = npy_read(path[0], &im[0]);
        ok = npy_read(path[1], &im[1]) && ok;
        ok = npy_read(path[2], &im[2]) && ok;
        ok = ok && im[0].h == im[2].h && im[0].w == im[2].w;
        if (ok && mkdir(dir, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            for (int k = 0; k < 3; k++)
                free(im[k].v);
            mrv_panels_free(names, a->nworst);
            return mrv_error_set(err, MRV_EIO, "%s: cannot create panel folder: %s", dir,
                                 strerror(e));
        }
        if (ok) {
            char key[1024], safe[128], file[4400];
            snprintf(key, sizeof key, "%s-%s-s%d-run%lld-%s", a->cases[w->case_idx].case_key,
                     a->res.families[w->family], a->severities[w->sev], (long long)run,
                     a->res.metrics[w->metric]);
            mrv_report_safe_name(key, safe, sizeof safe);
            snprintf(file, sizeof file, "%s/%s.png", dir, safe);
            size_t n = strlen(safe) + 5;
            if (panel(file, &im[0], &im[1], &im[2]) && (names[i] = malloc(n)))
                snprintf(names[i], n, "%s.png", safe);
        }
        for (int k = 0; k < 3; k++)
            free(im[k].v);
    }
    *panel_names = names;
    return MRV_OK;
}
