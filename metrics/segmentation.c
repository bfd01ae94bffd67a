/* metrics/segmentation.c — Dice, IoU, HD, HD95, ASSD, NSD, RVD per label.
 *
 * References (docs/metrics/segmentation.md):
 *   - MONAI monai/metrics/utils.py get_mask_edges / get_surface_distance and
 *     hausdorff_distance.py, surface_distance.py, surface_dice.py;
 *   - DeepMind surface-distance, surface_distance/metrics.py (corner
 *     surfels, length-weighted distances, compute_robust_hausdorff,
 *     compute_surface_dice_at_tolerance); Nikolov et al., JMIR 2021;
 *   - Metrics Reloaded (Maier-Hein et al., Nat Methods 21:195, 2024) for
 *     empty reference/prediction;
 *   - Felzenszwalb & Huttenlocher 2012 for the exact EDT (metrics/edt.c).
 */
#include "metrics/segmentation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "metrics/edt.h"
#include "metrics/surfel_table.h"

/* The per-voxel passes (counts, crop, surfaces) are byte loops the compiler
 * vectorises at O3 only (GCC's O2 cost model leaves them scalar). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

static const char reason_both_empty[] =
    "reference and output are both empty for this label (true negative: "
    "exclude or count as perfect, per task)";
static const char reason_ref_empty[] =
    "reference is empty for this label: distance undefined (Metrics Reloaded: "
    "worst value in aggregation)";
static const char reason_out_empty[] =
    "output is empty for this label: distance undefined (Metrics Reloaded: "
    "worst value in aggregation)";
static const char reason_rvd_ref_empty[] =
    "reference is empty for this label: relative volume undefined";
static const char reason_not_computed[] = "not computed";

/* The grid the surfaces live on: 2D (one slice) or 3D, cropped to the
 * bounding box of A u B. */
struct grid {
    int nd;             /* 2 or 3 */
    size_t dims[3];     /* crop size (nd entries used) */
    size_t lo[3];       /* crop origin in the full volume */
    size_t full[3];     /* full volume size */
    double sp[3];       /* spacing of the nd axes */
};

/* Surface points of one mask: flat indices into the EDT grid and weights. */
struct surface {
    size_t *idx;
    double *w;  /* NULL: every point weighs 1 (MONAI) */
    size_t n;
};

static void set_all(struct mrv_seg_result *r, const char *reason)
{
    const struct mrv_metric_value v = {NAN, reason};
    r->dice = r->iou = r->hd = r->hd95 = r->assd = r->nsd = r->rvd = v;
}

static inline bool in_label(uint8_t v, int label)
{
    return label == 0 ? v != 0 : v == (uint8_t)label;
}

/* Crop-local binary masks of A and B (1 byte per voxel each). */
static void crop_masks(const struct grid *g, const uint8_t *ref, const uint8_t *out,
                       int label, uint8_t *ma, uint8_t *mb)
{
    size_t nz = g->nd == 3 ? g->dims[0] : 1, ny = g->dims[g->nd - 2],
           nx = g->dims[g->nd - 1];
    size_t z0 = g->nd == 3 ? g->lo[0] : 0, y0 = g->lo[g->nd - 2], x0 = g->lo[g->nd - 1];
    size_t FY = g->full[g->nd - 2], FX = g->full[g->nd - 1];
    size_t k = 0;
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < ny; y++) {
            size_t off = ((z0 + z) * FY + (y0 + y)) * FX + x0;
            for (size_t x = 0; x < nx; x++, k++) {
                ma[k] = in_label(ref[off + x], label);
                mb[k] = in_label(out[off + x], label);
            }
        }
}

/* MONAI surface: a mask voxel with a face neighbour outside the mask or
 * outside the grid (binary_erosion's border_value 0). Indices are into the
 * crop grid itself. */
static size_t monai_surface(const struct grid *g, const uint8_t *m, size_t *idx,
                            uint8_t *rowbuf)
{
    size_t nz = g->nd == 3 ? g->dims[0] : 1, ny = g->dims[g->nd - 2],
           nx = g->dims[g->nd - 1], plane = ny * nx, n = 0;
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < ny; y++) {
            const uint8_t *r = m + z * plane + y * nx;
            /* interior = voxel and its face neighbours all inside (rows
             * outside the grid count as outside); surface = mask & !interior.
             * Whole rows at a time so the compiler vectorises it. */
            bool border = y == 0 || y + 1 == ny ||
                          (g->nd == 3 && (z == 0 || z + 1 == nz));
            if (border) {
                memcpy(rowbuf, r, nx);
            } else {
                const uint8_t *u = r - nx, *d = r + nx;
                const uint8_t *f = g->nd == 3 ? r - plane : r, *b = g->nd == 3 ? r + plane : r;
                rowbuf[0] = r[0];
                rowbuf[nx - 1] = r[nx - 1];
                for (size_t x = 1; x + 1 < nx; x++)
                    rowbuf[x] = (uint8_t)(r[x] & !(r[x - 1] & r[x + 1] & u[x] & d[x] & f[x] & b[x]));
            }
            for (size_t x = 0; x < nx; x++)
                if (rowbuf[x])
                    idx[n++] = z * plane + y * nx + x;
        }
    return n;
}

/* DeepMind surface-distance (surface_distance/metrics.py,
 * compute_surface_distances): surfels sit on the corners of the voxel grid,
 * (n + 1) per axis, and a corner's code is its 2x2(x2) neighbourhood
 * correlated with [[8, 4], [2, 1]] in 2D (top-left 8 ... bottom-right 1)
 * and [[[128, 64], [32, 16]], [[8, 4], [2, 1]]] in 3D, voxels outside the
 * grid counting as background. A corner is on the surface when its code is
 * neither 0 nor all ones. In 3D the code is the plane z-1's 2D code in the
 * high nibble and plane z's in the low one (128 = (z-1, y-1, x-1)). */
static inline unsigned pix(const uint8_t *p, size_t ny, size_t nx, size_t r, size_t c)
{
    return r < ny && c < nx && p[r * nx + c]; /* r, c = (size_t)-1: outside */
}

static unsigned code2d(const uint8_t *p, size_t ny, size_t nx, size_t i, size_t j)
{
    return 8 * pix(p, ny, nx, i - 1, j - 1) + 4 * pix(p, ny, nx, i - 1, j) +
           2 * pix(p, ny, nx, i, j - 1) + pix(p, ny, nx, i, j);
}

/* The code of corner `k` (flat index into the corner grid). */
static unsigned corner_code(const struct grid *g, const uint8_t *m, size_t k)
{
    size_t nz = g->nd == 3 ? g->dims[0] : 1, ny = g->dims[g->nd - 2],
           nx = g->dims[g->nd - 1];
    size_t j = k % (nx + 1), i = k / (nx + 1) % (ny + 1), z = k / ((nx + 1) * (ny + 1));
    unsigned code = 0;
    for (size_t dz = g->nd == 3 ? 1 : 0;; dz--) { /* plane z-1 (3D), then z */
        size_t p = z - dz;
        code = (code << 4) | (p < nz ? code2d(m + p * ny * nx, ny, nx, i, j) : 0);
        if (dz == 0)
            break;
    }
    return code;
}

/* The 2D codes of one corner row: `up` and `dn` are the pixel rows above
 * and below it (a zero row outside the grid); code2d without the bounds
 * tests, so the compiler vectorises it. */
static void code_row(uint8_t *restrict c, const uint8_t *up, const uint8_t *dn, size_t nx)
{
    c[0] = (uint8_t)(4 * up[0] + dn[0]);
    for (size_t j = 1; j < nx; j++)
        c[j] = (uint8_t)(8 * up[j - 1] + 4 * up[j] + 2 * dn[j - 1] + dn[j]);
    c[nx] = (uint8_t)(8 * up[nx - 1] + 2 * dn[nx - 1]);
}

/* Surface corners of mask m into idx; `codes` holds two planes of
 * (ny + 1) * (nx + 1) bytes (the 2D codes of planes z-1 and z) and a zero
 * row of nx bytes. */
static size_t deepmind_surface(const struct grid *g, const uint8_t *m, size_t *idx,
                               uint8_t *codes)
{
    size_t nz = g->nd == 3 ? g->dims[0] : 1, ny = g->dims[g->nd - 2],
           nx = g->dims[g->nd - 1], cplane = (ny + 1) * (nx + 1), n = 0;
    unsigned full = g->nd == 3 ? 255 : 15;
    uint8_t *prev = codes, *cur = codes + cplane, *zero = codes + 2 * cplane;
    memset(prev, 0, cplane);
    memset(zero, 0, nx);
    for (size_t z = 0; z < nz + (g->nd == 3); z++) {
        const uint8_t *p = z < nz ? m + z * ny * nx : NULL;
        for (size_t i = 0; i <= ny; i++) {
            const uint8_t *up = p && i > 0 ? p + (i - 1) * nx : zero;
            const uint8_t *dn = p && i < ny ? p + i * nx : zero;
            code_row(cur + i * (nx + 1), up, dn, nx);
        }
        for (size_t c = 0; c < cplane; c++) {
            unsigned code = g->nd == 3 ? ((unsigned)prev[c] << 4) | cur[c] : cur[c];
            if (code != 0 && code != full)
                idx[n++] = z * cplane + c;
        }
        uint8_t *t = prev;
        prev = cur;
        cur = t;
    }
    return n;
}

/* Surfel size per code, in mm (2D contour length) or mm^2 (3D area).
 * 2D: marching-squares contour length (the segment between edge midpoints:
 * one corner pixel or three give a half-diagonal, two side by side a full
 * side, two diagonal ones two half-diagonals), as surface-distance's
 * create_table_neighbour_code_to_contour_length. 3D: the sum over the
 * code's marching-cubes triangles (metrics/surfel_table.h, generated by
 * tests/metrics/gen_surfel_table.py) of |(n0 s1 s2, n1 s0 s2, n2 s0 s1)|,
 * n the triangle's area vector in voxel units, as surface-distance's
 * create_table_neighbour_code_to_surface_area. */
static void surfel_sizes(const struct grid *g, double size[256])
{
    if (g->nd == 2) {
        double vert = g->sp[0], horiz = g->sp[1];
        double diag = 0.5 * sqrt(vert * vert + horiz * horiz);
        for (int c = 0; c < 16; c++) {
            int bits = __builtin_popcount((unsigned)c);
            size[c] = bits == 1 || bits == 3 ? diag : 0;
        }
        size[12] = size[3] = horiz; /* top pair / bottom pair */
        size[10] = size[5] = vert;  /* left pair / right pair */
        size[9] = size[6] = 2 * diag; /* diagonal pairs */
        return;
    }
    const double f[3] = {g->sp[1] * g->sp[2], g->sp[0] * g->sp[2], g->sp[0] * g->sp[1]};
    for (int c = 0; c < 256; c++) {
        double sum = 0;
        for (int t = 0; t < SURFEL_MAX_TRIANGLES; t++) {
            const uint8_t *n = surfel_triangles[c][t];
            double a0 = n[0] * 0.125 * f[0], a1 = n[1] * 0.125 * f[1],
                   a2 = n[2] * 0.125 * f[2];
            sum += sqrt(a0 * a0 + a1 * a1 + a2 * a2);
        }
        size[c] = sum;
    }
}

/* k-th smallest (0-based) of x[0..n-1], partially reordering x (Hoare's
 * selection, O(n) expected). */
static double select_kth(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = x[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return x[k];
    }
    return x[k];
}

/* numpy.percentile(x, 100 q), linear, by selection (x is reordered). */
static double percentile_linear(double *x, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t k = (size_t)floor(h);
    double a = select_kth(x, n, k);
    if (k + 1 >= n)
        return a;
    double b = x[k + 1];
    for (size_t i = k + 2; i < n; i++) /* after selection, x[k+1..] >= a */
        if (x[i] < b)
            b = x[i];
    double t = h - (double)k;
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

struct wd {
    double d, w;
};

static int cmp_wd(const void *p, const void *q)
{
    const struct wd *a = p, *b = q;
    return (a->d > b->d) - (a->d < b->d);
}

/* DeepMind compute_robust_hausdorff, one direction: the distance at the
 * first index where the cumulative weight fraction reaches q. */
static double percentile_weighted(struct wd *x, size_t n, double q)
{
    qsort(x, n, sizeof *x, cmp_wd);
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += x[i].w;
    double cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += x[i].w;
        if (cum / total >= q)
            return x[i].d;
    }
    return x[n - 1].d;
}

/* Distances (mm) from each point of `from` to the nearest point of `to`,
 * through one squared EDT of `to` evaluated at `from` (f: grid scratch). */
static enum mrv_status directed(int nd, const size_t *dims, const double *sp,
                                const struct surface *to, const struct surface *from,
                                double *f, double *d, struct mrv_error *err)
{
    enum mrv_status s =
        mrv_edt_points_at(nd, dims, sp, to->n, to->idx, from->n, from->idx, d, f, err);
    if (s != MRV_OK)
        return s;
    for (size_t i = 0; i < from->n; i++)
        d[i] = sqrt(d[i]);
    return MRV_OK;
}

static void summarise(struct mrv_seg_result *r, const struct mrv_metric_args *a,
                      double *da, const double *wa, size_t na, double *db,
                      const double *wb, size_t nb, struct wd *tmp)
{
    double hd = 0, sum = 0, wsum = 0, within = 0;
    for (size_t i = 0; i < na + nb; i++) {
        double d = i < na ? da[i] : db[i - na];
        double w = i < na ? (wa ? wa[i] : 1) : (wb ? wb[i - na] : 1);
        hd = fmax(hd, d);
        sum += w * d;
        wsum += w;
        within += d <= a->tolerance_mm ? w : 0;
    }
    r->hd.value = hd;
    r->assd.value = sum / wsum;
    r->nsd.value = within / wsum;
    if (!wa || !wb) { /* MONAI: unweighted points */
        double pa = percentile_linear(da, na, 0.95);
        double pb = percentile_linear(db, nb, 0.95);
        r->hd95.value = fmax(pa, pb);
    } else {
        for (size_t i = 0; i < na; i++)
            tmp[i] = (struct wd){da[i], wa[i]};
        double pa = percentile_weighted(tmp, na, 0.95);
        for (size_t i = 0; i < nb; i++)
            tmp[i] = (struct wd){db[i], wb[i]};
        double pb = percentile_weighted(tmp, nb, 0.95);
        r->hd95.value = fmax(pa, pb);
    }
    r->hd.null_reason = r->hd95.null_reason = r->assd.null_reason = NULL;
    r->nsd.null_reason = NULL;
}

static enum mrv_status check_args(const struct mrv_metric_args *a, struct mrv_error *err)
{
    if (!a || !a->reference || !a->output)
        return mrv_error_set(err, MRV_EMISUSE, "segmentation: NULL arguments");
    char rs[128], os[128];
    mrv_array_describe(a->reference, rs, sizeof rs);
    mrv_array_describe(a->output, os, sizeof os);
    if (!mrv_array_same_shape(a->reference, a->output) || a->reference->dtype != MRV_U8 ||
        (a->reference->ndim != 2 && a->reference->ndim != 3) || !a->reference->data ||
        !a->output->data)
        return mrv_error_set(err, MRV_EINVAL,
                             "segmentation: reference %s and output %s; expected u8 label "
                             "maps (slices, y, x) or (y, x) of one shape",
                             rs, os);
    if (a->label < 0 || a->label > 255)
        return mrv_error_set(err, MRV_EINVAL, "segmentation: label %d; expected 0..255",
                             a->label);
    if (!(a->tolerance_mm >= 0) || !isfinite(a->tolerance_mm))
        return mrv_error_set(err, MRV_EINVAL,
                             "segmentation: tolerance %g mm; expected a finite value >= 0",
                             a->tolerance_mm);
    int first = a->reference->ndim == 3 ? 0 : 1;
    for (int d = first; d < 3; d++)
        if (!(a->spacing[d] > 0) || !isfinite(a->spacing[d]))
            return mrv_error_set(err, MRV_EINVAL,
                                 "segmentation: spacing[%d] = %g mm; expected > 0", d,
                                 a->spacing[d]);
    if (a->surface != MRV_SURFACE_MONAI && a->surface != MRV_SURFACE_DEEPMIND)
        return mrv_error_set(err, MRV_EINVAL, "segmentation: surface convention %d unknown",
                             (int)a->surface);
    return MRV_OK;
}

enum mrv_status mrv_seg_evaluate(const struct mrv_metric_args *a, bool distances,
                                 struct mrv_seg_result *r, struct mrv_error *err)
{
    if (!r)
        return mrv_error_set(err, MRV_EMISUSE, "segmentation: NULL result");
    memset(r, 0, sizeof *r);
    set_all(r, reason_not_computed);
    enum mrv_status s = check_args(a, err);
    if (s != MRV_OK)
        return s;

    const uint8_t *ref = a->reference->data, *out = a->output->data;
    struct grid g = {0};
    const size_t *dm = a->reference->dims;
    g.nd = (a->reference->ndim == 3 && dm[0] > 1) ? 3 : 2;
    if (g.nd == 3) {
        memcpy(g.full, dm, 3 * sizeof *dm);
        memcpy(g.sp, a->spacing, 3 * sizeof *g.sp);
    } else {
        g.full[0] = dm[a->reference->ndim - 2];
        g.full[1] = dm[a->reference->ndim - 1];
        g.sp[0] = a->spacing[1];
        g.sp[1] = a->spacing[2];
    }
    /* Counts and the bounding box of A u B in one pass (raster order, no
     * division per voxel). */
    size_t na = 0, nb = 0, nab = 0;
    size_t lo[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, hi[3] = {0, 0, 0};
    size_t FY = g.full[g.nd - 2], FX = g.full[g.nd - 1];
    size_t FZ = mrv_array_count(a->reference) / (FY * FX);
    const uint8_t lab = (uint8_t)a->label, any = a->label == 0;
    for (size_t z = 0; z < FZ; z++)
        for (size_t y = 0; y < FY; y++) {
            const uint8_t *ra = ref + (z * FY + y) * FX, *rb = out + (z * FY + y) * FX;
            /* branch-free counts (vectorised); the row's extent only when
             * it holds something */
            uint32_t rowa = 0, rowb = 0, rowab = 0;
            for (size_t x = 0; x < FX; x++) {
                uint8_t ia = any ? ra[x] != 0 : ra[x] == lab; /* invariant test: */
                uint8_t ib = any ? rb[x] != 0 : rb[x] == lab; /* hoisted by the compiler */
                rowa += ia;
                rowb += ib;
                rowab += ia & ib;
            }
            na += rowa;
            nb += rowb;
            nab += rowab;
            if (rowa + rowb == 0)
                continue;
            size_t first = 0, last = FX - 1;
            while (!in_label(ra[first], a->label) && !in_label(rb[first], a->label))
                first++;
            while (!in_label(ra[last], a->label) && !in_label(rb[last], a->label))
                last--;
            size_t c[3] = {z, y, 0};
            for (int d = 3 - g.nd; d < 2; d++) {
                lo[d] = c[d] < lo[d] ? c[d] : lo[d];
                hi[d] = c[d] > hi[d] ? c[d] : hi[d];
            }
            lo[2] = first < lo[2] ? first : lo[2];
            hi[2] = last > hi[2] ? last : hi[2];
        }
    r->ref_voxels = na;
    r->out_voxels = nb;
    r->overlap_voxels = nab;
    if (na == 0 && nb == 0) {
        set_all(r, reason_both_empty);
        return MRV_OK;
    }
    r->dice = (struct mrv_metric_value){2.0 * (double)nab / (double)(na + nb), NULL};
    r->iou = (struct mrv_metric_value){(double)nab / (double)(na + nb - nab), NULL};
    if (na == 0)
        r->rvd.null_reason = reason_rvd_ref_empty;
    else
        r->rvd = (struct mrv_metric_value){((double)nb - (double)na) / (double)na, NULL};
    if (!distances)
        return MRV_OK;
    if (na == 0 || nb == 0) {
        const char *why = na == 0 ? reason_ref_empty : reason_out_empty;
        r->hd.null_reason = r->hd95.null_reason = r->assd.null_reason = why;
        r->nsd = (struct mrv_metric_value){0, NULL}; /* no surface within tolerance */
        return MRV_OK;
    }

    size_t cells = 1, corner_cells = 1;
    for (int d = 0; d < g.nd; d++) {
        int src = d + 3 - g.nd;
        g.lo[d] = lo[src];
        g.dims[d] = hi[src] - lo[src] + 1;
        cells *= g.dims[d];
        corner_cells *= g.dims[d] + 1;
    }
    if (cells == 0 || corner_cells == 0) /* cannot happen: A u B, so its box, is not empty */
        return MRV_OK;
    bool dm_mode = a->surface == MRV_SURFACE_DEEPMIND;
    size_t gcells = dm_mode ? corner_cells : cells;
    /* Peak memory: the two crop masks (2 bytes per voxel) and one double
     * per grid point, which first collects each surface's indices (a
     * size_t fits in a double's place) before they are copied to buffers
     * of their own size, then serves both distance transforms; DeepMind
     * surfaces add two planes of corner codes and a weight per surfel. */
    size_t ny = g.dims[g.nd - 2], nx = g.dims[g.nd - 1];
    size_t rowbytes = dm_mode ? 2 * (ny + 1) * (nx + 1) + nx : nx;
    uint8_t *masks = malloc(2 * cells);
    double *f = malloc(gcells * sizeof *f);
    uint8_t *rowbuf = malloc(rowbytes);
    size_t *ia = NULL, *ib = NULL;
    double *wa = NULL, *wb = NULL;
    if (!masks || !f || !rowbuf) {
        s = mrv_error_set(err, MRV_ENOMEM,
                          "segmentation: cannot allocate buffers for %zu voxels", gcells);
        goto done;
    }
    _Static_assert(sizeof(size_t) <= sizeof(double), "indices are staged in f");
    crop_masks(&g, ref, out, a->label, masks, masks + cells);
    struct surface sa = {NULL, NULL, 0}, sb = {NULL, NULL, 0};
    double size[256] = {0};
    if (dm_mode)
        surfel_sizes(&g, size);
    size_t edims[3];
    for (int d = 0; d < g.nd; d++)
        edims[d] = g.dims[d] + (dm_mode ? 1 : 0);
    size_t *stage = (size_t *)(void *)f;
    for (int side = 0; side < 2; side++) {
        const uint8_t *m = masks + (size_t)side * cells;
        size_t n = dm_mode ? deepmind_surface(&g, m, stage, rowbuf)
                           : monai_surface(&g, m, stage, rowbuf);
        size_t *idx = malloc((n ? n : 1) * sizeof *idx);
        double *w = dm_mode ? malloc((n ? n : 1) * sizeof *w) : NULL;
        if (!idx || (dm_mode && !w)) {
            free(idx);
            free(w);
            s = mrv_error_set(err, MRV_ENOMEM,
                              "segmentation: cannot allocate %zu surface points", n);
            goto done;
        }
        memcpy(idx, stage, n * sizeof *idx);
        double total = (double)n;
        if (dm_mode) {
            total = 0;
            for (size_t i = 0; i < n; i++) {
                w[i] = size[corner_code(&g, m, idx[i])];
                total += w[i];
            }
        }
        if (side) {
            ib = idx;
            wb = w;
            sb = (struct surface){ib, wb, n};
            r->out_surface_size = total;
        } else {
            ia = idx;
            wa = w;
            sa = (struct surface){ia, wa, n};
            r->ref_surface_size = total;
        }
    }
    r->ref_surface = sa.n;
    r->out_surface = sb.n;
    if (sa.n == 0 || sb.n == 0) /* a non-empty mask always has a surface */
        goto done;
    free(masks);
    masks = NULL;
    double *dist = malloc((sa.n + sb.n) * sizeof *dist);
    struct wd *tmp = dm_mode ? malloc((sa.n > sb.n ? sa.n : sb.n) * sizeof *tmp) : NULL;
    if (!dist || (dm_mode && !tmp)) {
        free(dist);
        free(tmp);
        s = mrv_error_set(err, MRV_ENOMEM, "segmentation: cannot allocate %zu distances",
                          sa.n + sb.n);
        goto done;
    }
    s = directed(g.nd, edims, g.sp, &sb, &sa, f, dist, err);
    if (s == MRV_OK)
        s = directed(g.nd, edims, g.sp, &sa, &sb, f, dist + sa.n, err);
    if (s == MRV_OK)
        summarise(r, a, dist, wa, sa.n, dist + sa.n, wb, sb.n, tmp);
    free(dist);
    free(tmp);
done:
    free(masks);
    free(rowbuf);
    free(f);
    free(ia);
    free(ib);
    free(wa);
    free(wb);
    return s;
}

/* ---- the registered metrics --------------------------------------------- */

#define SEG_METRIC(field, need_dist)                                                   \
    static enum mrv_status field##_eval(const struct mrv_metric_args *a,               \
                                        struct mrv_metric_value *v,                    \
                                        struct mrv_error *err)                         \
    {                                                                                  \
        struct mrv_seg_result r;                                                       \
        if (!v)                                                                        \
            return mrv_error_set(err, MRV_EMISUSE, "segmentation: NULL value");        \
        *v = (struct mrv_metric_value){NAN, NULL};                                     \
        enum mrv_status s = mrv_seg_evaluate(a, need_dist, &r, err);                   \
        if (s == MRV_OK)                                                               \
            *v = r.field;                                                              \
        return s;                                                                      \
    }                                                                                  \
    MRV_METRIC_COMPUTE_FROM_EVAL(field)

SEG_METRIC(dice, false)
SEG_METRIC(iou, false)
SEG_METRIC(rvd, false)
SEG_METRIC(hd, true)
SEG_METRIC(hd95, true)
SEG_METRIC(assd, true)
SEG_METRIC(nsd, true)

#define SEG_DESC(field, sum, def, unit_, dir)                                           \
    const struct mrv_metric mrv_metric_##field = {                                     \
        .name = #field, .summary = (sum), .definition = (def), .unit = (unit_),        \
        .higher_is_better = (dir) == MRV_HIGHER_IS_BETTER, .direction = (dir),         \
        .kind = MRV_METRIC_LABELS, .compute = field##_compute, .eval = field##_eval}

SEG_DESC(dice, "Dice similarity coefficient per label",
         "2|A n B| / (|A| + |B|), A reference, B output", "", MRV_HIGHER_IS_BETTER);
SEG_DESC(iou, "intersection over union (Jaccard) per label", "|A n B| / |A u B|", "",
         MRV_HIGHER_IS_BETTER);
SEG_DESC(rvd, "relative volume difference per label, signed",
         "(|B| - |A|) / |A|; 0 is best, negative = under-segmentation", "",
         MRV_ZERO_IS_BEST);
SEG_DESC(hd, "Hausdorff distance between surfaces, mm (MONAI surfaces by default)",
         "max of both directed maxima of surface-to-surface distances", "mm",
         MRV_LOWER_IS_BETTER);
SEG_DESC(hd95, "95th-percentile Hausdorff distance, mm (MONAI by default)",
         "max over directions of the 95th percentile of surface distances (MONAI: "
         "linear percentile; DeepMind: length-weighted, no interpolation)",
         "mm", MRV_LOWER_IS_BETTER);
SEG_DESC(assd, "average symmetric surface distance, mm",
         "sum of all surface distances in both directions / number (or length) of "
         "surface points",
         "mm", MRV_LOWER_IS_BETTER);
SEG_DESC(nsd, "normalized surface Dice at a tolerance (default 1 mm)",
         "(|S_A within tau of S_B| + |S_B within tau of S_A|) / (|S_A| + |S_B|), "
         "Nikolov et al. 2021",
         "", MRV_HIGHER_IS_BETTER);
