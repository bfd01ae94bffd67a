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

struct mom {
    double *restrict x, *restrict y, *restrict xx, *restrict yy, *restrict xy;
};

static struct mom mom_at(double *base, size_t stride)
{
    return (struct mom){base, base + stride, base + 2 * stride, base + 3 * stride,
                        base + 4 * stride};
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

size_t mrv_ssim_scratch(size_t nz, size_t ny, size_t nx)
{
    return 11 * nx + (nz > 1 ? 5 * ny * nx : 0);
}

/* V += sign * moments of the image rows (a, b). */
MRV_CLONES
static void vadd_img(struct mom V, const float *restrict a, const float *restrict b,
                     size_t nx, double sign)
{
    for (size_t c = 0; c < nx; c++) {
        double xa = a[c], xb = b[c]; /* float*float is exact in double */
        V.x[c] += sign * xa;
        V.y[c] += sign * xb;
        V.xx[c] += sign * (xa * xa);
        V.yy[c] += sign * (xb * xb);
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
        V.xx[c] += xa * xa - ya * ya;
        V.yy[c] += xb * xb - yb * yb;
        V.xy[c] += xa * xb - ya * yb;
    }
}

/* V = sum_k w[k] * moments(row k), k < taps, rows nx apart: the vertical
 * Gaussian pass for one output row, accumulated in registers. */
#define VGAUSS_BODY(TAPS)                                                               \
    for (size_t c = 0; c < nx; c++) {                                                  \
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;                              \
        for (int k = 0; k < (TAPS); k++) {                                             \
            double xa = a[(size_t)k * nx + c], xb = b[(size_t)k * nx + c], wk = w[k];  \
            sx += wk * xa;                                                             \
            sy += wk * xb;                                                             \
            sxx += wk * (xa * xa);                                                     \
            syy += wk * (xb * xb);                                                     \
            sxy += wk * (xa * xb);                                                     \
        }                                                                              \
        V.x[c] = sx;                                                                   \
        V.y[c] = sy;                                                                   \
        V.xx[c] = sxx;                                                                 \
        V.yy[c] = syy;                                                                 \
        V.xy[c] = sxy;                                                                 \
    }

/* 11 taps (Wang et al.): the window is symmetric, so rows k and 10 - k
 * share their weight and one multiplication per moment. */
MRV_CLONES
static void vgauss11_img(struct mom V, const float *restrict a, const float *restrict b,
                         size_t nx, const double *w)
{
    for (size_t c = 0; c < nx; c++) {
        double x5 = a[5 * nx + c], y5 = b[5 * nx + c];
        double sx = w[5] * x5, sy = w[5] * y5, sxx = w[5] * (x5 * x5),
               syy = w[5] * (y5 * y5), sxy = w[5] * (x5 * y5);
        for (int k = 0; k < 5; k++) {
            double xa = a[(size_t)k * nx + c], xb = b[(size_t)k * nx + c];
            double za = a[(size_t)(10 - k) * nx + c], zb = b[(size_t)(10 - k) * nx + c];
            double wk = w[k];
            sx += wk * (xa + za);
            sy += wk * (xb + zb);
            sxx += wk * (xa * xa + za * za);
            syy += wk * (xb * xb + zb * zb);
            sxy += wk * (xa * xb + za * zb);
        }
        V.x[c] = sx;
        V.y[c] = sy;
        V.xx[c] = sxx;
        V.yy[c] = syy;
        V.xy[c] = sxy;
    }
}

MRV_CLONES
static void vgauss_img(struct mom V, const float *restrict a, const float *restrict b,
                       size_t nx, int taps, const double *w)
{
    if (taps == 11) {
        vgauss11_img(V, a, b, nx, w);
        return;
    }
    VGAUSS_BODY(taps)
}

/* V += sign * (5 planes' row). */
MRV_CLONES
static void vadd_rows(struct mom V, struct mom Z, size_t off, size_t nx, double sign)
{
    for (size_t c = 0; c < nx; c++) {
        V.x[c] += sign * Z.x[off + c];
        V.y[c] += sign * Z.y[off + c];
        V.xx[c] += sign * Z.xx[off + c];
        V.yy[c] += sign * Z.yy[off + c];
        V.xy[c] += sign * Z.xy[off + c];
    }
}

/* Horizontal window sums of one moment row. Each output is summed in
 * registers from `taps` neighbouring loads (no read-modify-write of h per
 * tap); the 7-tap uniform and 11-tap Gaussian windows get fixed-size
 * loops the compiler fully unrolls. A Gaussian window is symmetric, so
 * w[k] (v[c+k] + v[c+taps-1-k]) halves the multiplications. */
MRV_CLONES
static void hsum(double *restrict h, const double *restrict v, size_t nout, int taps,
                 const double *w)
{
    if (!w && taps == 7) {
        for (size_t c = 0; c < nout; c++)
            h[c] = ((v[c] + v[c + 1]) + (v[c + 2] + v[c + 3])) +
                   ((v[c + 4] + v[c + 5]) + v[c + 6]);
    } else if (!w) {
        for (size_t c = 0; c < nout; c++) {
            double t = v[c];
            for (int k = 1; k < taps; k++)
                t += v[c + (size_t)k];
            h[c] = t;
        }
    } else if (taps == 11) {
        const double w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
        for (size_t c = 0; c < nout; c++) {
            const double *x = v + c;
            h[c] = ((w0 * (x[0] + x[10]) + w1 * (x[1] + x[9])) +
                    (w2 * (x[2] + x[8]) + w3 * (x[3] + x[7]))) +
                   (w4 * (x[4] + x[6]) + w5 * x[5]);
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

/* scikit-image's expressions, in its order, for a row of windows. */
MRV_CLONES
static void ssim_row(double *restrict s, struct mom H, size_t nout, struct consts k)
{
    for (size_t c = 0; c < nout; c++) {
        double ux = H.x[c] * k.inv, uy = H.y[c] * k.inv;
        double vx = k.cov * (H.xx[c] * k.inv - ux * ux);
        double vy = k.cov * (H.yy[c] * k.inv - uy * uy);
        double vxy = k.cov * (H.xy[c] * k.inv - ux * uy);
        double a1 = 2 * ux * uy + k.c1, a2 = 2 * vxy + k.c2;
        double b1 = ux * ux + uy * uy + k.c1, b2 = vx + vy + k.c2;
        s[c] = (a1 * a2) / (b1 * b2);
    }
}

/* The 7-tap uniform window (scikit-image's default, fastMRI's SSIM) fused:
 * the five horizontal sums stay in registers and go straight into the SSIM
 * expression, the same operations in the same order as hsum + ssim_row. */
#define HSUM7(v, c)                                                                     \
    (((v[c] + v[c + 1]) + (v[c + 2] + v[c + 3])) + ((v[c + 4] + v[c + 5]) + v[c + 6]))
MRV_CLONES
static void ssim_row_u7(double *restrict s, struct mom V, size_t nout, struct consts k)
{
    for (size_t c = 0; c < nout; c++) {
        double ux = HSUM7(V.x, c) * k.inv, uy = HSUM7(V.y, c) * k.inv;
        double vx = k.cov * (HSUM7(V.xx, c) * k.inv - ux * ux);
        double vy = k.cov * (HSUM7(V.yy, c) * k.inv - uy * uy);
        double vxy = k.cov * (HSUM7(V.xy, c) * k.inv - ux * uy);
        double a1 = 2 * ux * uy + k.c1, a2 = 2 * vxy + k.c2;
        double b1 = ux * ux + uy * uy + k.c1, b2 = vx + vy + k.c2;
        s[c] = (a1 * a2) / (b1 * b2);
    }
}

/* The 11-tap Gaussian window (Wang et al. 2004) fused likewise. */
#define HSUM11(v, c)                                                                    \
    (((w0 * (v[c] + v[c + 10]) + w1 * (v[c + 1] + v[c + 9])) +                          \
      (w2 * (v[c + 2] + v[c + 8]) + w3 * (v[c + 3] + v[c + 7]))) +                      \
     (w4 * (v[c + 4] + v[c + 6]) + w5 * v[c + 5]))
MRV_CLONES
static void ssim_row_g11(double *restrict s, struct mom V, size_t nout, struct consts k,
                         const double *w)
{
    const double w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
    for (size_t c = 0; c < nout; c++) {
        double ux = HSUM11(V.x, c) * k.inv, uy = HSUM11(V.y, c) * k.inv;
        double vx = k.cov * (HSUM11(V.xx, c) * k.inv - ux * ux);
        double vy = k.cov * (HSUM11(V.yy, c) * k.inv - uy * uy);
        double vxy = k.cov * (HSUM11(V.xy, c) * k.inv - ux * uy);
        double a1 = 2 * ux * uy + k.c1, a2 = 2 * vxy + k.c2;
        double b1 = ux * ux + uy * uy + k.c1, b2 = vx + vy + k.c2;
        s[c] = (a1 * a2) / (b1 * b2);
    }
}

/* From the vertical sums V of one output row: horizontal sums, the SSIM of
 * each window, and their (masked) sum. Eight partial sums keep the
 * reduction fast and its order fixed. */
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
        hsum(H.xx, V.xx, nout, w->taps, wt);
        hsum(H.yy, V.yy, nout, w->taps, wt);
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
    double *hbuf = scratch + 5 * nx, *s = scratch + 10 * nx;
    size_t taps = (size_t)w->taps, pad = taps / 2;
    *sum = 0;
    *count = 0;
    if (w->uniform) {
        memset(scratch, 0, 5 * nx * sizeof *scratch);
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
    double *hbuf = scratch + 5 * nx, *s = scratch + 10 * nx;
    struct mom Z = mom_at(scratch + 11 * nx, plane);
    *sum = 0;
    *count = 0;
    /* Z: window sums along z of the moment planes (rows of Z are updated
     * with the same kernel as V, one image row at a time). */
    memset(Z.x, 0, 5 * plane * sizeof *Z.x);
    for (size_t p = 0; p < taps; p++)
        for (size_t r = 0; r < ny; r++) {
            struct mom Zr = {Z.x + r * nx, Z.y + r * nx, Z.xx + r * nx, Z.yy + r * nx,
                             Z.xy + r * nx};
            vadd_img(Zr, a + p * plane + r * nx, b + p * plane + r * nx, nx, 1.0);
        }
    for (size_t p0 = 0;; p0++) {
        memset(scratch, 0, 5 * nx * sizeof *scratch);
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
            struct mom Zr = {Z.x + r * nx, Z.y + r * nx, Z.xx + r * nx, Z.yy + r * nx,
                             Z.xy + r * nx};
            vadd_img(Zr, a + p0 * plane + r * nx, b + p0 * plane + r * nx, nx, -1.0);
            vadd_img(Zr, a + (p0 + taps) * plane + r * nx, b + (p0 + taps) * plane + r * nx,
                     nx, 1.0);
        }
    }
}

/* Eight lanes of max and non-finite flags, combined at the end: a shape the
 * compiler vectorises (a plain running max of floats it may not reorder). */
MRV_CLONES
void mrv_fidelity_scan(const float *ref, const float *out, size_t n, float *max_ref,
                       bool *ref_bad, bool *out_bad)
{
    float m[8];
    uint32_t br[8] = {0}, bo[8] = {0};
    for (int j = 0; j < 8; j++)
        m[j] = -INFINITY;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            uint32_t ur, uo = 0;
            memcpy(&ur, &ref[i + (size_t)j], sizeof ur);
            if (out)
                memcpy(&uo, &out[i + (size_t)j], sizeof uo);
            br[j] |= (ur & 0x7f800000u) == 0x7f800000u;
            bo[j] |= (uo & 0x7f800000u) == 0x7f800000u;
            float r = ref[i + (size_t)j];
            m[j] = r > m[j] ? r : m[j];
        }
    for (; i < n; i++) {
        uint32_t ur, uo = 0;
        memcpy(&ur, &ref[i], sizeof ur);
        if (out)
            memcpy(&uo, &out[i], sizeof uo);
        br[0] |= (ur & 0x7f800000u) == 0x7f800000u;
        bo[0] |= (uo & 0x7f800000u) == 0x7f800000u;
        m[0] = ref[i] > m[0] ? ref[i] : m[0];
    }
    float mx = m[0];
    uint32_t r = br[0], o = bo[0];
    for (int j = 1; j < 8; j++) {
        mx = m[j] > mx ? m[j] : mx;
        r |= br[j];
        o |= bo[j];
    }
    *max_ref = mx;
    *ref_bad = r != 0;
    *out_bad = o != 0;
}
