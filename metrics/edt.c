/* metrics/edt.c — exact squared Euclidean distance transform
 * (Felzenszwalb & Huttenlocher 2012, see edt.h). */
#include "metrics/edt.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TILE 16 /* lines transformed together along a strided axis */
#define WINDOW_MAX 24 /* widest per-query window before the envelope wins */
#define SEARCH_MAX 16 /* widest 3D search (voxels per axis) before the passes */

/* Scratch for one line of length up to maxn, plus the tile buffer. */
struct work {
    double *in, *out, *z, *g, *rcp, *tile;
    size_t *v;
    void *mem;
};

static enum mrv_status work_alloc(struct work *w, size_t maxn, struct mrv_error *err)
{
    w->mem = malloc(maxn * ((5 + TILE) * sizeof(double) + sizeof(size_t)) +
                    2 * sizeof(double));
    if (!w->mem) {
        mrv_error_set(err, MRV_ENOMEM,
                      "distance transform: cannot allocate scratch for %zu points", maxn);
        return MRV_ENOMEM;
    }
    w->in = w->mem;
    w->out = w->in + maxn;
    w->z = w->out + maxn; /* maxn + 1 entries */
    w->g = w->z + maxn + 1;
    w->rcp = w->g + maxn; /* maxn + 1 */
    w->tile = w->rcp + maxn + 1; /* TILE * maxn */
    w->v = (size_t *)(void *)(w->tile + TILE * maxn);
    w->rcp[0] = 0;
    for (size_t k = 1; k <= maxn; k++)
        w->rcp[k] = 1.0 / (double)k;
    return MRV_OK;
}

/* Lower envelope of the parabolas (s (q - p))^2 + f(p) over the finite
 * samples of f[0..n-1] (infinite samples are not parabolas). Fills v (roots)
 * and z (boundaries: parabola j is lowest for z[j] <= q <= z[j+1]) and
 * returns the top index, or SIZE_MAX when no sample is finite. `rcp[k]` =
 * 1/k replaces the division in the intersection (an ulp there can only swap
 * two parabolas that tie at a sample, which changes no output beyond
 * rounding). */
static size_t envelope(const struct work *w, const double *f, size_t n, double s)
{
    double *z = w->z, *g = w->g;
    size_t *v = w->v;
    const double s2 = s * s, half = 0.5 / s2;
    size_t k = SIZE_MAX;
    for (size_t q = 0; q < n; q++) {
        if (isinf(f[q]))
            continue;
        /* g = f(q) + s^2 q^2; parabolas rooted at p and q meet at
         * (g(q) - g(p)) / (2 s^2 (q - p)) in index units. */
        double gq = f[q] + s2 * (double)q * (double)q;
        if (k == SIZE_MAX) {
            k = 0;
            v[0] = q;
            g[0] = gq;
            z[0] = -INFINITY;
            z[1] = INFINITY;
            continue;
        }
        double x;
        for (;;) {
            x = (gq - g[k]) * half * w->rcp[q - v[k]];
            if (x > z[k] || k == 0)
                break;
            k--;
        }
        k++;
        v[k] = q;
        g[k] = gq;
        z[k] = x;
        z[k + 1] = INFINITY;
    }
    return k;
}

/* out[q] for every q from the envelope of f (top index k). */
static void evaluate_all(const struct work *w, const double *f, size_t k, size_t n,
                         double s, double *out)
{
    if (k == SIZE_MAX) {
        for (size_t q = 0; q < n; q++)
            out[q] = INFINITY;
        return;
    }
    /* Walk the segments so the inner loop runs over contiguous samples. */
    size_t q = 0;
    for (size_t j = 0; j <= k && q < n; j++) {
        double end = w->z[j + 1], fv = f[w->v[j]], vj = (double)w->v[j];
        /* samples q <= end: an integer bound, so the inner loop has a
         * known trip count */
        size_t qe = !(end < (double)n) ? n : end < 0 ? 0 : (size_t)end + 1;
        for (; q < qe; q++) {
            double dq = s * ((double)q - vj);
            out[q] = dq * dq + fv;
        }
    }
}

static enum mrv_status check(int ndim, const size_t dims[], const double spacing[],
                             const double *f, size_t *maxn, size_t *total,
                             struct mrv_error *err)
{
    /* Outputs written and the status returned here, not through
     * mrv_error_set, so every caller (and the analyser) sees them. */
    *maxn = 0;
    *total = 1;
    if (ndim < 1 || ndim > 3 || !dims || !spacing || !f) {
        mrv_error_set(err, MRV_EINVAL, "distance transform: %d dimensions; expected 1 to 3",
                      ndim);
        return MRV_EINVAL;
    }
    for (int d = 0; d < ndim; d++) {
        if (dims[d] == 0 || !(spacing[d] > 0) || !isfinite(spacing[d])) {
            mrv_error_set(err, MRV_EINVAL,
                          "distance transform: axis %d has size %zu and spacing "
                          "%g mm; expected size >= 1 and spacing > 0",
                          d, dims[d], spacing[d]);
            return MRV_EINVAL;
        }
        if (dims[d] > *maxn)
            *maxn = dims[d];
        *total *= dims[d];
    }
    return MRV_OK;
}

/* Transform axes ndim-1 down to `stop` (inclusive) in place. */
static void passes(const struct work *w, int ndim, const size_t dims[],
                   const double spacing[], double *f, size_t total, int stop,
                   const size_t *fidx, size_t nf)
{
    /* Along the last (contiguous) axis the input is binary, so the 1D
     * transform is the squared distance to the nearest feature in the line.
     * From a feature list (ascending): walk each row's features; from a
     * grid: two scans. No parabolas either way. */
    size_t n = dims[ndim - 1], lines = total / n;
    double s = spacing[ndim - 1];
    if (fidx) {
        size_t j = 0;
        for (size_t l = 0; l < lines; l++) {
            double *row = f + l * n;
            size_t end = (l + 1) * n, b = j;
            while (j < nf && fidx[j] < end)
                j++;
            if (b == j) {
                for (size_t q = 0; q < n; q++)
                    row[q] = INFINITY;
                continue;
            }
            /* Between consecutive features p0 < p1 the nearest is the
             * closer one; before the first and after the last, that one. */
            size_t p0 = fidx[b] - l * n, q = 0;
            for (; q < p0; q++) {
                double t = s * (double)(p0 - q);
                row[q] = t * t;
            }
            for (size_t k = b + 1; k < j; k++) {
                size_t p1 = fidx[k] - l * n;
                for (; q < p1; q++) {
                    size_t dd = q - p0 < p1 - q ? q - p0 : p1 - q;
                    double t = s * (double)dd;
                    row[q] = t * t;
                }
                p0 = p1;
            }
            for (; q < n; q++) {
                double t = s * (double)(q - p0);
                row[q] = t * t;
            }
        }
    } else {
        for (size_t l = 0; l < lines; l++) {
            double *row = f + l * n;
            size_t last = SIZE_MAX;
            for (size_t q = 0; q < n; q++) {
                if (row[q] == 0)
                    last = q;
                w->in[q] = last == SIZE_MAX ? INFINITY : (double)(q - last);
            }
            last = SIZE_MAX;
            for (size_t q = n; q-- > 0;) {
                if (row[q] == 0)
                    last = q;
                double d = last == SIZE_MAX ? INFINITY : (double)(last - q);
                double m = d < w->in[q] ? d : w->in[q];
                row[q] = isinf(m) ? INFINITY : (s * m) * (s * m);
            }
        }
    }
    /* The other axes: lines of length n = dims[d], stride = product of the
     * later dims. Lines are gathered TILE at a time, so every cache line
     * read or written along the strided axis is used TILE/8 times. */
    for (int d = ndim - 2; d >= stop; d--) {
        size_t stride = 1;
        n = dims[d];
        for (int e = d + 1; e < ndim; e++)
            stride *= dims[e];
        size_t outer = total / (n * stride);
        for (size_t o = 0; o < outer; o++)
            for (size_t i0 = 0; i0 < stride; i0 += TILE) {
                size_t wd = stride - i0 < TILE ? stride - i0 : TILE;
                double *base = f + o * n * stride + i0;
                for (size_t q = 0; q < n; q++)
                    for (size_t l = 0; l < wd; l++)
                        w->tile[l * n + q] = base[q * stride + l];
                for (size_t l = 0; l < wd; l++) {
                    double *line = w->tile + l * n;
                    size_t k = envelope(w, line, n, spacing[d]);
                    if (k == SIZE_MAX)
                        continue; /* nothing to propagate along this line */
                    evaluate_all(w, line, k, n, spacing[d], w->out);
                    memcpy(line, w->out, n * sizeof *line);
                }
                for (size_t q = 0; q < n; q++)
                    for (size_t l = 0; l < wd; l++)
                        base[q * stride + l] = w->tile[l * n + q];
            }
    }
}

enum mrv_status mrv_edt_squared(int ndim, const size_t dims[], const double spacing[],
                                double *f, struct mrv_error *err)
{
    size_t maxn, total;
    struct work w;
    enum mrv_status s = check(ndim, dims, spacing, f, &maxn, &total, err);
    if (s == MRV_OK)
        s = work_alloc(&w, maxn, err);
    if (s != MRV_OK)
        return s;
    passes(&w, ndim, dims, spacing, f, total, 0, NULL, 0);
    free(w.mem);
    return MRV_OK;
}

/* The squared distance at query qi of a 3D grid from h, the transform
 * along the last axis only: the minimum over planes z' and rows y' of
 * (s0 dz)^2 + ((s1 dy)^2 + h(z', y', x)), searched outward from the query
 * and cut where (s0 dz)^2 (+ (s1 dy)^2) alone reaches the best value so far
 * (h >= 0, and rounding is monotone, so nothing beyond can be lower). Most
 * surface points lie a few voxels from the other surface, so this visits a
 * few dozen points and skips the envelope pass along the middle axis. The
 * search stops SEARCH_MAX voxels out along each axis; NaN when a point it
 * skipped could still be nearer than the best found (the caller then takes
 * the full passes). */
static double search3(const double *h, const size_t dims[3], const double sp[3],
                      size_t qi)
{
    const size_t ny = dims[1], nx = dims[2], plane = ny * nx;
    const size_t z = qi / plane, y = qi / nx % ny, x = qi % nx;
    double best = INFINITY, missed = INFINITY; /* missed: a bound on the unvisited */
    for (size_t a = 0;; a++) {
        double dz = sp[0] * (double)a, dz2 = dz * dz;
        if (!(dz2 < best) || (a > z && z + a >= dims[0]))
            break;
        if (a > SEARCH_MAX) {
            missed = dz2 < missed ? dz2 : missed;
            break;
        }
        for (int side = 0; side < (a ? 2 : 1); side++) {
            if (side ? z + a >= dims[0] : a > z)
                continue;
            const double *col = h + (side ? z + a : z - a) * plane + x;
            for (size_t b = 0;; b++) {
                double dy = sp[1] * (double)b, dy2 = dy * dy;
                if (!(dz2 + dy2 < best) || (b > y && y + b >= ny))
                    break;
                if (b > SEARCH_MAX) {
                    missed = dz2 + dy2 < missed ? dz2 + dy2 : missed;
                    break;
                }
                if (b <= y) {
                    double c = dz2 + (dy2 + col[(y - b) * nx]);
                    best = c < best ? c : best;
                }
                if (b > 0 && y + b < ny) {
                    double c = dz2 + (dy2 + col[(y + b) * nx]);
                    best = c < best ? c : best;
                }
            }
        }
    }
    return best <= missed ? best : NAN;
}

static enum mrv_status edt_at(int ndim, const size_t dims[], const double spacing[],
                              double *f, const size_t *fidx, size_t nf, size_t nq,
                              const size_t *qidx, double *d2, struct mrv_error *err)
{
    size_t maxn, total;
    struct work w;
    enum mrv_status s = check(ndim, dims, spacing, f, &maxn, &total, err);
    if (s != MRV_OK)
        return s;
    if (nq > 0 && (!qidx || !d2))
        return mrv_error_set(err, MRV_EINVAL, "distance transform: NULL query arrays");
    for (size_t i = 0; i < nq; i++)
        if (qidx[i] >= total || (i > 0 && qidx[i] <= qidx[i - 1]))
            return mrv_error_set(err, MRV_EINVAL,
                                 "distance transform: query %zu (index %zu) out of range or "
                                 "not ascending; expected increasing indices < %zu",
                                 i, qidx[i], total);
    if (ndim == 1) { /* one line: the binary scan is the whole transform */
        if ((s = work_alloc(&w, maxn, err)) != MRV_OK)
            return s;
        passes(&w, ndim, dims, spacing, f, total, 0, fidx, nf);
        for (size_t i = 0; i < nq; i++)
            d2[i] = f[qidx[i]];
        free(w.mem);
        return MRV_OK;
    }
    /* All axes but the first in full; along the first axis only the lines
     * holding queries, evaluated only at the queries (their positions in a
     * line ascend because the indices do). */
    size_t n0 = dims[0], stride = total / n0;
    uint32_t *start = calloc(stride + 1, sizeof *start);
    size_t *order = malloc((nq ? nq : 1) * sizeof *order);
    if (!start || !order || (s = work_alloc(&w, maxn, err)) != MRV_OK) {
        free(start);
        free(order);
        return s != MRV_OK ? s
                           : mrv_error_set(err, MRV_ENOMEM,
                                           "distance transform: cannot allocate %zu queries",
                                           nq);
    }
    /* 3D: first a search over the transform along the last axis alone
     * (search3); only if a query is far from every feature, the middle
     * axis's pass too, and the window/envelope below for those queries. */
    size_t pending = nq;
    if (ndim == 3) {
        passes(&w, ndim, dims, spacing, f, total, 2, fidx, nf);
        pending = 0;
        for (size_t i = 0; i < nq; i++) {
            /* queries mostly far from the features (each search then
             * costs up to (2 SEARCH_MAX + 1)^2 points): the passes are
             * cheaper, so leave the rest to them */
            if (pending * 4 > i + 256) {
                for (; i < nq; i++, pending++)
                    d2[i] = NAN;
                break;
            }
            d2[i] = search3(f, dims, spacing, qidx[i]);
            pending += isnan(d2[i]);
        }
    }
    if (pending)
        passes(&w, ndim, dims, spacing, f, total, 1, fidx, nf);
    /* f now holds the transform over all axes but the first, G. At a query
     * (z, l), U = G(z, l) >= the answer, and a plane z' can only do better
     * if s0 |z - z'| <= sqrt(U): a window of W = floor(sqrt(U) / s0) planes
     * each side holds the exact minimum. Most surface points lie close to
     * the other surface, so W is small; queries with no finite U or a wide
     * window go through the line's lower envelope instead. */
    const double s0 = spacing[0];
    size_t nslow = 0;
    for (size_t i = 0; pending && i < nq; i++) {
        if (ndim == 3 && !isnan(d2[i]))
            continue; /* found by search3 */
        size_t z = qidx[i] / stride, l = qidx[i] % stride;
        double u = f[qidx[i]];
        double wf = isinf(u) ? INFINITY : floor(sqrt(u) / s0);
        if (!(wf <= WINDOW_MAX)) {
            d2[i] = NAN; /* marks the query for the envelope path below */
            start[l + 1]++;
            nslow++;
            continue;
        }
        size_t W = (size_t)wf, lo = z > W ? z - W : 0, hi = z + W < n0 ? z + W : n0 - 1;
        double best = u;
        for (size_t zz = lo; zz <= hi; zz++) {
            double dz = s0 * ((double)zz - (double)z);
            double c = dz * dz + f[zz * stride + l];
            best = c < best ? c : best;
        }
        d2[i] = best;
    }
    if (nslow) {
        for (size_t l = 0; l < stride; l++)
            start[l + 1] += start[l];
        for (size_t i = 0; i < nq; i++) /* stable: ascending position per line */
            if (isnan(d2[i]))
                order[start[qidx[i] % stride]++] = i;
        for (size_t l = stride; l > 0; l--) /* shift the ends back to starts */
            start[l] = start[l - 1];
        start[0] = 0;
    }
    for (size_t l = 0; nslow && l < stride; l++) {
        size_t b = start[l], e = start[l + 1];
        if (b == e)
            continue;
        for (size_t q = 0; q < n0; q++)
            w.in[q] = f[q * stride + l];
        size_t k = envelope(&w, w.in, n0, s0);
        size_t j = 0;
        for (size_t t = b; t < e; t++) {
            /* order[b..e) was filled for exactly the queries marked NaN above,
             * which the analyser cannot follow through the NaN marker */
            size_t i = order[t]; /* NOLINT(clang-analyzer-core.uninitialized.Assign) */
            size_t plane = qidx[i] / stride; /* the query's index along axis 0 */
            double q = (double)plane;
            if (k == SIZE_MAX) {
                d2[i] = INFINITY;
                continue;
            }
            while (w.z[j + 1] < q)
                j++;
            double dq = s0 * (q - (double)w.v[j]);
            d2[i] = dq * dq + w.in[w.v[j]];
        }
    }
    free(start);
    free(order);
    free(w.mem);
    return MRV_OK;
}

enum mrv_status mrv_edt_squared_at(int ndim, const size_t dims[], const double spacing[],
                                   double *f, size_t nq, const size_t *qidx, double *d2,
                                   struct mrv_error *err)
{
    return edt_at(ndim, dims, spacing, f, NULL, 0, nq, qidx, d2, err);
}

enum mrv_status mrv_edt_points_at(int ndim, const size_t dims[], const double spacing[],
                                  size_t nf, const size_t *fidx, size_t nq,
                                  const size_t *qidx, double *d2, double *scratch,
                                  struct mrv_error *err)
{
    if ((nf > 0 && !fidx) || !scratch || !dims) {
        mrv_error_set(err, MRV_EINVAL, "distance transform: NULL feature list or dims");
        return MRV_EINVAL;
    }
    size_t total = 1;
    for (int d = 0; d < ndim && d < 3; d++)
        total *= dims[d];
    for (size_t i = 0; i < nf; i++)
        if (fidx[i] >= total || (i > 0 && fidx[i] <= fidx[i - 1]))
            return mrv_error_set(err, MRV_EINVAL,
                                 "distance transform: feature %zu (index %zu) out of range "
                                 "or not ascending; expected increasing indices < %zu",
                                 i, fidx[i], total);
    return edt_at(ndim, dims, spacing, scratch, fidx, nf, nq, qidx, d2, err);
}
