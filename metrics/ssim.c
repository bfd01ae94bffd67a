/* metrics/ssim.c — SSIM kernels (see ssim.h for the convention).
 *
 * Speed: scikit-image filters five full-size float64 images and then
 * crops; here each output row is produced from column sums kept in a few
 * row buffers, every inner loop runs over contiguous columns with no
 * loop-carried dependency (so the compiler vectorises it), and only the
 * windows that survive the crop are computed. The arithmetic stays float64
 * and unfused, so agreement with scikit-image is ~1e-15, not ~1e-7.
 */
#include "metrics/ssim.h"

#include <math.h>
#include <string.h>

/* ssim(x, x) == 1 and symmetry hold bit for bit only without FMA
 * contraction (see fidelity.c). O3 lets GCC vectorise the column loops. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("O3", "fp-contract=off")
#endif

/* Run the hot kernels with AVX2 where the CPU has it (x86-64 GCC only);
 * the result is the same bits either way (no FMA, same operation order). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__)
#define MRV_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MRV_CLONES
#endif

#define SSIM_K1 0.01
#define SSIM_K2 0.03

/* Four moment rows: x, y, xx + yy and xy. SSIM needs the variances only as
 * their sum (vx + vy in the denominator), so the squares are filtered as
 * one image: a fifth of the filtering work saved. */
struct mom {
    double *restrict x, *restrict y, *restrict ss, *restrict xy;
};

static struct mom mom_at(double *base, size_t stride)
{
    return (struct mom){base, base + stride, base + 2 * stride, base + 3 * stride};
}

bool mrv_ssim_window_uniform(struct mrv_ssim_window *w, int win, bool sample_cov)
{
    if (win < 3 || win % 2 == 0 || win > MRV_SSIM_MAX_TAPS)
        return false;
    memset(w, 0, sizeof *w);
    w->taps = win;
    w->uniform = true;
    w->sample_cov = sample_cov;
    return true;
}

bool mrv_ssim_window_gauss(struct mrv_ssim_window *w, double sigma, bool sample_cov)
{
    if (!(sigma > 0))
        return false;
    int radius = (int)(3.5 * sigma + 0.5); /* scipy: int(truncate * sd + 0.5) */
    if (2 * radius + 1 > MRV_SSIM_MAX_TAPS || radius < 1)
        return false;
    memset(w, 0, sizeof *w);
    w->taps = 2 * radius + 1;
    w->uniform = false;
    w->sample_cov = sample_cov;
    double sum = 0;
    for (int k = -radius; k <= radius; k++) {
        w->w[k + radius] = exp(-0.5 / (sigma * sigma) * (double)k * (double)k);
        sum += w->w[k + radius];
    }
    for (int k = 0; k < w->taps; k++)
        w->w[k] /= sum;
    return true;
}

/* Layout: V (4 rows), H (4 rows), s (1 row), then either the vertical sums
 * of three more output rows (12 rows, 2D 11-tap Gaussian) or, for 3D
 * windows, the 4 moment planes summed along z. */
size_t mrv_ssim_scratch(size_t nz, size_t ny, size_t nx)
{
    return 9 * nx + (nz > 1 ? 4 * ny * nx : 12 * nx);
}

/* V += sign * moments of the image rows (a, b). */
MRV_CLONES
static void vadd_img(struct mom V, const float *restrict a, const float *restrict b,
                     size_t nx, double sign)
{
    for (size_t c = 0; c < nx; c++) {
        double xa = a[c], xb = b[c];
        V.x[c] += sign * xa;
        V.y[c] += sign * xb;
        V.ss[c] += sign * (xa * xa + xb * xb);
        V.xy[c] += sign * (xa * xb);
    }
}

/* V += moments(row in) - moments(row out): the running-sum step of a
 * uniform window, one pass. */
MRV_CLONES
static void vslide_img(struct mom V, const float *restrict ai, const float *restrict bi,
                       const float *restrict ao, const float *restrict bo, size_t nx)
{
    for (size_t c = 0; c < nx; c++) {
        double xa = ai[c], xb = bi[c], ya = ao[c], yb = bo[c];
        V.x[c] += xa - ya;
        V.y[c] += xb - yb;
        V.ss[c] += (xa * xa + xb * xb) - (ya * ya + yb * yb);
        V.xy[c] += xa * xb - ya * yb;
    }
}

/* V = sum_k w[k] * moments(row k), k < taps, rows nx apart: the vertical
 * Gaussian pass for one output row, accumulated in registers straight from
 * the float rows (they stay in L1; a ring of double moment rows would not).
 * The window is symmetric: rows k and taps-1-k share a multiplication. */
MRV_CLONES
static void vgauss_img(struct mom V, const float *restrict a, const float *restrict b,
                       size_t nx, int taps, const double *w)
{
    size_t r = (size_t)taps / 2;
    for (size_t c = 0; c < nx; c++) {
        double xr = a[r * nx + c], yr = b[r * nx + c], wr = w[r];
        double sx = wr * xr, sy = wr * yr, sss = wr * (xr * xr + yr * yr),
               sxy = wr * (xr * yr);
        for (size_t k = 0; k < r; k++) {
            size_t kk = (size_t)taps - 1 - k;
            double xa = a[k * nx + c], xb = b[k * nx + c];
            double za = a[kk * nx + c], zb = b[kk * nx + c];
            double wk = w[k];
            sx += wk * (xa + za);
            sy += wk * (xb + zb);
            sss += wk * ((xa * xa + xb * xb) + (za * za + zb * zb));
            sxy += wk * (xa * xb + za * zb);
        }
        V.x[c] = sx;
        V.y[c] = sy;
        V.ss[c] = sss;
        V.xy[c] = sxy;
    }
}

/* Eight doubles (one AVX-512 register; two AVX2 ones; four SSE2 ones in
 * the portable clone), written with GCC's vector extensions so the
 * register blocking below is explicit rather than left to the
 * vectoriser (which spills with 22 live rows). */
typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));

/* (pointers, not values: a 64-byte vector passed by value would change
 * the ABI of the portable clone). Built element by element: GCC 12 turns
 * this into one vcvtps2pd from memory, but __builtin_convertvector of a
 * v8f into four instructions (two half conversions, an extract and an
 * insert) on the shuffle port; the conversion is exact either way. */
static inline void load8(v8d *out, const float *p)
{
    *out = (v8d){p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]};
}

/* One column's 11-tap vertical sums of output row 0 of (a, b): the scalar
 * form of vgauss11_rows, same operations in the same order. */
static void vgauss11_col(struct mom V, const float *a, const float *b, size_t nx,
                         const double *w, size_t c)
{
    double x5 = a[5 * nx + c], y5 = b[5 * nx + c];
    double sx = w[5] * x5, sy = w[5] * y5, sss = w[5] * (x5 * x5 + y5 * y5),
           sxy = w[5] * (x5 * y5);
    for (size_t k = 0; k < 5; k++) {
        double xa = a[k * nx + c], xb = b[k * nx + c];
        double za = a[(10 - k) * nx + c], zb = b[(10 - k) * nx + c];
        double wk = w[k];
        sx += wk * (xa + za);
        sy += wk * (xb + zb);
        sss += wk * ((xa * xa + xb * xb) + (za * za + zb * zb));
        sxy += wk * (xa * xb + za * zb);
    }
    V.x[c] = sx;
    V.y[c] = sy;
    V.ss[c] = sss;
    V.xy[c] = sxy;
}

/* The 11-tap vertical pass (Wang et al.'s window) for NR consecutive
 * output rows at once (NR a compile-time constant, so that every index
 * below is one and m can live in registers): the 10 + NR input rows'
 * moments are formed once per column block and shared, so the squares of
 * each input pixel are computed once per NR output rows instead of once
 * per row (the pass is arithmetic-bound). Bit-identical to vgauss11_col. */
static inline __attribute__((always_inline)) void
vgauss11_block(struct mom *V, const float *restrict a, const float *restrict b, size_t nx,
               const double *w, const int NR)
{
    const double w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
    size_t c = 0;
    for (; c + 8 <= nx; c += 8) {
        v8d m[14][4];
        #pragma GCC unroll 14
        for (int r = 0; r < 10 + NR; r++) {
            v8d xa, xb;
            load8(&xa, a + (size_t)r * nx + c);
            load8(&xb, b + (size_t)r * nx + c);
            m[r][0] = xa;
            m[r][1] = xb;
            m[r][2] = xa * xa + xb * xb;
            m[r][3] = xa * xb;
        }
        #pragma GCC unroll 14
        for (int o = 0; o < NR; o++) {
            double *dst[4] = {V[o].x + c, V[o].y + c, V[o].ss + c, V[o].xy + c};
            #pragma GCC unroll 14
            for (int j = 0; j < 4; j++) {
                v8d t = w5 * m[o + 5][j];
                t += w0 * (m[o][j] + m[o + 10][j]);
                t += w1 * (m[o + 1][j] + m[o + 9][j]);
                t += w2 * (m[o + 2][j] + m[o + 8][j]);
                t += w3 * (m[o + 3][j] + m[o + 7][j]);
                t += w4 * (m[o + 4][j] + m[o + 6][j]);
                memcpy(dst[j], &t, sizeof t);
            }
        }
    }
    for (; c < nx; c++)
        for (int o = 0; o < NR; o++)
            vgauss11_col(V[o], a + (size_t)o * nx, b + (size_t)o * nx, nx, w, c);
}

/* Four output rows per pass; single rows for the last nout % 4. */
MRV_CLONES
static void vgauss11_rows4(struct mom *V, const float *restrict a, const float *restrict b,
                           size_t nx, const double *w)
{
    vgauss11_block(V, a, b, nx, w, 4);
}

MRV_CLONES
static void vgauss11_rows1(struct mom *V, const float *restrict a, const float *restrict b,
                           size_t nx, const double *w)
{
    vgauss11_block(V, a, b, nx, w, 1);
}

/* V += sign * (the planes' row at off). */
MRV_CLONES
static void vadd_rows(struct mom V, struct mom Z, size_t off, size_t nx, double sign)
{
    for (size_t c = 0; c < nx; c++) {
        V.x[c] += sign * Z.x[off + c];
        V.y[c] += sign * Z.y[off + c];
        V.ss[c] += sign * Z.ss[off + c];
        V.xy[c] += sign * Z.xy[off + c];
    }
}

/* Horizontal window sums of one moment row. Each output is summed in
 * registers from `taps` neighbouring loads (no read-modify-write of h per
 * tap). A Gaussian window is symmetric, so w[k] (v[c+k] + v[c+taps-1-k])
 * halves the multiplications. */
MRV_CLONES
static void hsum(double *restrict h, const double *restrict v, size_t nout, int taps,
                 const double *w)
{
    if (!w) {
        for (size_t c = 0; c < nout; c++) {
            double t = v[c];
            for (int k = 1; k < taps; k++)
                t += v[c + (size_t)k];
            h[c] = t;
        }
    } else {
        int r = taps / 2;
        for (size_t c = 0; c < nout; c++) {
            const double *x = v + c;
            double t = w[r] * x[r];
            for (int k = 0; k < r; k++)
                t += w[k] * (x[k] + x[taps - 1 - k]);
            h[c] = t;
        }
    }
}

struct consts {
    double inv, cov, c1, c2;
};

/* scikit-image's expressions for one window from its four filtered
 * moments, with vx + vy formed as cov (E[xx + yy] - (ux^2 + uy^2)). For
 * x == y this is exactly 2 vxy (doubling is exact in binary floating
 * point), so ssim(x, x) == 1 bit for bit; swapping x and y swaps only the
 * operands of commutative operations, so ssim(x, y) == ssim(y, x) too.
 * It differs from scikit-image's vx + vy by rounding only (~1e-16 of the
 * second moments). */
static inline double ssim_px(double sx, double sy, double sss, double sxy,
                             struct consts k)
{
    double ux = sx * k.inv, uy = sy * k.inv;
    double q = ux * ux + uy * uy;
    double vsum = k.cov * (sss * k.inv - q);
    double vxy = k.cov * (sxy * k.inv - ux * uy);
    double a1 = 2 * ux * uy + k.c1, a2 = 2 * vxy + k.c2;
    double b1 = q + k.c1, b2 = vsum + k.c2;
    return (a1 * a2) / (b1 * b2);
}

MRV_CLONES
static void ssim_row(double *restrict s, struct mom H, size_t nout, struct consts k)
{
    for (size_t c = 0; c < nout; c++)
        s[c] = ssim_px(H.x[c], H.y[c], H.ss[c], H.xy[c], k);
}

/* The 7-tap uniform window (scikit-image's default, fastMRI's SSIM) fused:
 * the four horizontal sums stay in registers and go straight into the
 * SSIM expression. */
static inline double hsum7(const double *v)
{
    return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + v[6]);
}

MRV_CLONES
static void ssim_row_u7(double *restrict s, struct mom V, size_t nout, struct consts k)
{
    for (size_t c = 0; c < nout; c++)
        s[c] = ssim_px(hsum7(V.x + c), hsum7(V.y + c), hsum7(V.ss + c), hsum7(V.xy + c), k);
}

/* The 11-tap Gaussian window (Wang et al. 2004) fused likewise. */
static inline double hsum11(const double *v, const double *w)
{
    return ((w[0] * (v[0] + v[10]) + w[1] * (v[1] + v[9])) +
            (w[2] * (v[2] + v[8]) + w[3] * (v[3] + v[7]))) +
           (w[4] * (v[4] + v[6]) + w[5] * v[5]);
}

/* ssim_px for a normalised window and population covariance (inv and
 * cov both 1, Wang et al.'s form): the six multiplications by 1 dropped.
 * x * 1.0 == x exactly, so the bits are those of ssim_px. */
static inline double ssim_px_unit(double ux, double uy, double sss, double sxy,
                                  struct consts k)
{
    double q = ux * ux + uy * uy;
    double vsum = sss - q;
    double vxy = sxy - ux * uy;
    double a1 = 2 * ux * uy + k.c1, a2 = 2 * vxy + k.c2;
    double b1 = q + k.c1, b2 = vsum + k.c2;
    return (a1 * a2) / (b1 * b2);
}

MRV_CLONES
static void ssim_row_g11(double *restrict s, struct mom V, size_t nout, struct consts k,
                         const double *w)
{
    const double wl[6] = {w[0], w[1], w[2], w[3], w[4], w[5]};
    if (k.inv == 1.0 && k.cov == 1.0) {
        for (size_t c = 0; c < nout; c++)
            s[c] = ssim_px_unit(hsum11(V.x + c, wl), hsum11(V.y + c, wl),
                                hsum11(V.ss + c, wl), hsum11(V.xy + c, wl), k);
        return;
    }
    for (size_t c = 0; c < nout; c++)
        s[c] = ssim_px(hsum11(V.x + c, wl), hsum11(V.y + c, wl), hsum11(V.ss + c, wl),
                       hsum11(V.xy + c, wl), k);
}

/* From the vertical sums V of one output row: horizontal sums, the SSIM of
 * each window, and their (masked) sum. Eight partial sums keep the
 * reduction fast and its order fixed. hbuf (4 nx) is used by windows
 * other than u7 and g11 only. */
static void finish_row(struct mom V, double *hbuf, double *s, size_t nx,
                       const struct mrv_ssim_window *w, struct consts k,
                       const uint8_t *mrow, double *sum, size_t *count)
{
    size_t nout = nx - (size_t)w->taps + 1;
    if (w->uniform && w->taps == 7) {
        ssim_row_u7(s, V, nout, k);
    } else if (!w->uniform && w->taps == 11) {
        ssim_row_g11(s, V, nout, k, w->w);
    } else {
        struct mom H = mom_at(hbuf, nx);
        const double *wt = w->uniform ? NULL : w->w;
        hsum(H.x, V.x, nout, w->taps, wt);
        hsum(H.y, V.y, nout, w->taps, wt);
        hsum(H.ss, V.ss, nout, w->taps, wt);
        hsum(H.xy, V.xy, nout, w->taps, wt);
        ssim_row(s, H, nout, k);
    }
    double acc[8] = {0};
    size_t pad = (size_t)w->taps / 2;
    if (mrow) {
        for (size_t c = 0; c < nout; c++)
            if (mrow[pad + c]) {
                acc[c & 7] += s[c];
                (*count)++;
            }
    } else {
        size_t c = 0;
        for (; c + 8 <= nout; c += 8)
            for (int j = 0; j < 8; j++)
                acc[j] += s[c + (size_t)j];
        for (; c < nout; c++)
            acc[c & 7] += s[c];
        *count += nout;
    }
    *sum += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static struct consts make_consts(const struct mrv_ssim_window *w, int ndim,
                                 double data_range)
{
    double np_ = pow((double)w->taps, ndim);
    struct consts k;
    k.inv = w->uniform ? 1.0 / np_ : 1.0;
    k.cov = w->sample_cov ? np_ / (np_ - 1.0) : 1.0;
    k.c1 = (SSIM_K1 * data_range) * (SSIM_K1 * data_range);
    k.c2 = (SSIM_K2 * data_range) * (SSIM_K2 * data_range);
    return k;
}

void mrv_ssim_slice(const float *a, const float *b, size_t ny, size_t nx,
                    const struct mrv_ssim_window *w, double data_range,
                    const uint8_t *mask, double *scratch, double *sum, size_t *count)
{
    struct consts k = make_consts(w, 2, data_range);
    struct mom V = mom_at(scratch, nx);
    double *hbuf = scratch + 4 * nx, *s = scratch + 8 * nx;
    size_t taps = (size_t)w->taps, pad = taps / 2, nout = ny - taps + 1;
    *sum = 0;
    *count = 0;
    if (!w->uniform && taps == 11) {
        /* four output rows per vertical pass; the other three rows' sums
         * go in hbuf (free until finish_row, which only needs it for other
         * windows) and the 12 rows after s */
        struct mom Vr[4] = {V, mom_at(hbuf, nx), mom_at(scratch + 9 * nx, nx),
                            mom_at(scratch + 13 * nx, nx)};
        size_t r0 = 0;
        for (; r0 + 4 <= nout; r0 += 4) {
            vgauss11_rows4(Vr, a + r0 * nx, b + r0 * nx, nx, w->w);
            for (size_t o = 0; o < 4; o++)
                finish_row(Vr[o], NULL, s, nx, w, k,
                           mask ? mask + (r0 + o + pad) * nx : NULL, sum, count);
        }
        for (; r0 < nout; r0++) {
            vgauss11_rows1(Vr, a + r0 * nx, b + r0 * nx, nx, w->w);
            finish_row(V, NULL, s, nx, w, k, mask ? mask + (r0 + pad) * nx : NULL, sum,
                       count);
        }
        return;
    }
    if (w->uniform) {
        memset(scratch, 0, 4 * nx * sizeof *scratch);
        for (size_t r = 0; r < taps; r++)
            vadd_img(V, a + r * nx, b + r * nx, nx, 1.0);
    }
    for (size_t r0 = 0;; r0++) {
        if (!w->uniform)
            vgauss_img(V, a + r0 * nx, b + r0 * nx, nx, w->taps, w->w);
        finish_row(V, hbuf, s, nx, w, k, mask ? mask + (r0 + pad) * nx : NULL, sum, count);
        if (r0 + taps == ny)
            break;
        if (w->uniform)
            vslide_img(V, a + (r0 + taps) * nx, b + (r0 + taps) * nx, a + r0 * nx,
                       b + r0 * nx, nx);
    }
}

void mrv_ssim_volume(const float *a, const float *b, size_t nz, size_t ny, size_t nx,
                     const struct mrv_ssim_window *w, double data_range,
                     const uint8_t *mask, double *scratch, double *sum, size_t *count)
{
    struct consts k = make_consts(w, 3, data_range);
    size_t plane = ny * nx, taps = (size_t)w->taps, pad = taps / 2;
    struct mom V = mom_at(scratch, nx);
    double *hbuf = scratch + 4 * nx, *s = scratch + 8 * nx;
    struct mom Z = mom_at(scratch + 9 * nx, plane);
    *sum = 0;
    *count = 0;
    /* Z: window sums along z of the moment planes (rows of Z are updated
     * with the same kernel as V, one image row at a time). */
    memset(Z.x, 0, 4 * plane * sizeof *Z.x);
    for (size_t p = 0; p < taps; p++)
        for (size_t r = 0; r < ny; r++) {
            struct mom Zr = {Z.x + r * nx, Z.y + r * nx, Z.ss + r * nx, Z.xy + r * nx};
            vadd_img(Zr, a + p * plane + r * nx, b + p * plane + r * nx, nx, 1.0);
        }
    for (size_t p0 = 0;; p0++) {
        memset(scratch, 0, 4 * nx * sizeof *scratch);
        for (size_t r = 0; r < taps; r++)
            vadd_rows(V, Z, r * nx, nx, 1.0);
        for (size_t r0 = 0;; r0++) {
            const uint8_t *mrow =
                mask ? mask + (p0 + pad) * plane + (r0 + pad) * nx : NULL;
            finish_row(V, hbuf, s, nx, w, k, mrow, sum, count);
            if (r0 + taps == ny)
                break;
            vadd_rows(V, Z, r0 * nx, nx, -1.0);
            vadd_rows(V, Z, (r0 + taps) * nx, nx, 1.0);
        }
        if (p0 + taps == nz)
            break;
        for (size_t r = 0; r < ny; r++) {
            struct mom Zr = {Z.x + r * nx, Z.y + r * nx, Z.ss + r * nx, Z.xy + r * nx};
            vadd_img(Zr, a + p0 * plane + r * nx, b + p0 * plane + r * nx, nx, -1.0);
            vadd_img(Zr, a + (p0 + taps) * plane + r * nx, b + (p0 + taps) * plane + r * nx,
                     nx, 1.0);
        }
    }
}

/* Eight lanes of max and non-finite flags, combined at the end, in
 * explicit vectors (the auto-vectoriser leaves a float max scalar: it may
 * not reorder it). Bits: a float is Inf or NaN when its exponent bits are
 * all ones. */
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

static inline void scan8(const float *p, v8f *m, v8u *bad)
{
    v8f f;
    v8u u;
    memcpy(&f, p, sizeof f);
    memcpy(&u, p, sizeof u);
    v8i gt = f > *m; /* -1 where greater; false for NaN */
    v8i fi, mi;
    memcpy(&fi, &f, sizeof fi);
    memcpy(&mi, m, sizeof mi);
    mi = (fi & gt) | (mi & ~gt);
    memcpy(m, &mi, sizeof mi);
    *bad |= (u & 0x7f800000u) == 0x7f800000u;
}

static inline void finite8(const float *p, v8u *bad)
{
    v8u u;
    memcpy(&u, p, sizeof u);
    *bad |= (u & 0x7f800000u) == 0x7f800000u;
}

MRV_CLONES
void mrv_fidelity_scan(const float *ref, const float *out, size_t n, float *max_ref,
                       bool *ref_bad, bool *out_bad)
{
    /* four independent chains: the compare-and-select latency, not the
     * loads, would bound a single one */
    const v8f ninf = {-INFINITY, -INFINITY, -INFINITY, -INFINITY,
                      -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    v8f m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
    v8u b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, bo = {0};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        scan8(ref + i, &m0, &b0);
        scan8(ref + i + 8, &m1, &b1);
        scan8(ref + i + 16, &m2, &b2);
        scan8(ref + i + 24, &m3, &b3);
    }
    for (; i + 8 <= n; i += 8)
        scan8(ref + i, &m0, &b0);
    if (out)
        for (size_t j = 0; j + 8 <= n; j += 8)
            finite8(out + j, &bo);
    b0 |= (b1 | b2) | b3;
    float mx = -INFINITY;
    uint32_t r = 0, o = 0;
    for (int j = 0; j < 8; j++) {
        float t = m0[j] > m1[j] ? m0[j] : m1[j], u = m2[j] > m3[j] ? m2[j] : m3[j];
        t = t > u ? t : u;
        mx = t > mx ? t : mx;
        r |= b0[j];
        o |= bo[j];
    }
    for (size_t j = i; j < n; j++) { /* the tail */
        uint32_t ur, uo = 0;
        memcpy(&ur, &ref[j], sizeof ur);
        if (out)
            memcpy(&uo, &out[j], sizeof uo);
        r |= (ur & 0x7f800000u) == 0x7f800000u;
        o |= (uo & 0x7f800000u) == 0x7f800000u;
        mx = ref[j] > mx ? ref[j] : mx;
    }
    *max_ref = mx;
    *ref_bad = r != 0;
    *out_bad = o != 0;
}
