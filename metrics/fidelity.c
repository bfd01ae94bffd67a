/* metrics/fidelity.c — PSNR, NMSE and SSIM exactly as fastMRI's evaluate.py.
 *
 * References (see docs/metrics/fidelity.md):
 *   - Ravishankar & Bresler, IEEE TMI 30(5):1028, 2011: HFEN, the relative
 *     l2 norm of a 15x15 Laplacian-of-Gaussian (sigma 1.5) of the error,
 *     MATLAB fspecial('log') and imfilter's zero padding;
 *   - fastMRI fastmri/evaluate.py: psnr/ssim with data_range = gt.max() of
 *     the volume, SSIM averaged over 2D slices, NMSE over the volume.
 *   - scikit-image skimage.metrics.structural_similarity defaults: uniform
 *     7x7 window, sample covariance NP/(NP-1), K1 0.01, K2 0.03, filter then
 *     crop (win-1)/2 on every side and average in float64.
 *   - Wang, Bovik, Sheikh, Simoncelli 2004, IEEE TIP 13(4):600-612, the SSIM
 *     index itself.
 */
#include "metrics/fidelity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/ssim.h"

/* ssim(x, x) == 1 and ssim(x, y) == ssim(y, x) hold bit for bit only if
 * a*b + c is never fused into one rounding (FMA) on one side of a symmetric
 * expression and not the other. ISO C mode (-std=c17) already turns GCC's
 * contraction off, but a GNU-mode build with -march=native does fuse (the
 * symmetry test then fails); clang contracts within statements by default.
 * (clang's -ffp-contract=fast overrides any pragma: do not build so.) */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define SSIM_WIN 7      /* scikit-image structural_similarity default */
#define HFEN_SIZE 15    /* Ravishankar & Bresler 2011: LoG 15 x 15, sigma 1.5 */
#define HFEN_SIGMA 1.5

static const char reason_ref_nonfinite[] = "reference contains NaN or Inf";
static const char reason_out_nonfinite[] = "output contains NaN or Inf";
static const char reason_ref_max[] =
    "reference maximum is <= 0, so the data range R is undefined";
static const char reason_ref_zero[] = "reference is all zero";
static const char reason_small_slice[] =
    "slice is smaller than the 7x7 SSIM window";
static const char reason_small_window[] = "image is smaller than the SSIM window";
static const char reason_mask_empty[] = "foreground mask is empty";
static const char reason_log_zero[] =
    "Laplacian of Gaussian of the reference is zero everywhere";

/* ---- the numeric kernels ------------------------------------------------ */

double mrv_psnr(const float *ref, const float *out, size_t count, double data_range)
{
    if (count == 0 || !(data_range > 0))
        return NAN;
    /* Row-sized partial sums keep the float64 accumulation error at the
     * level of numpy's pairwise sum on multi-million-voxel volumes. */
    double sse = 0;
    for (size_t i = 0; i < count;) {
        size_t end = count - i > 4096 ? i + 4096 : count;
        double part = 0;
        for (; i < end; i++) {
            double d = (double)ref[i] - (double)out[i];
            part += d * d;
        }
        sse += part;
    }
    double mse = sse / (double)count;
    if (mse == 0)
        return INFINITY; /* identical volumes: a value, not undefined */
    /* skimage peak_signal_noise_ratio: 10 * log10(data_range**2 / mse). */
    return 10.0 * log10((data_range * data_range) / mse);
}

double mrv_nmse(const float *ref, const float *out, size_t count)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < count;) {
        size_t end = count - i > 4096 ? i + 4096 : count;
        double pn = 0, pd = 0;
        for (; i < end; i++) {
            double r = ref[i], d = r - (double)out[i];
            pn += d * d;
            pd += r * r;
        }
        num += pn;
        den += pd;
    }
    if (!(den > 0))
        return NAN;
    /* fastMRI: norm(gt - pred)**2 / norm(gt)**2. */
    return num / den;
}

static bool ssim_args_ok(size_t ny, size_t nx, double data_range, int win)
{
    return win >= 3 && win % 2 == 1 && (size_t)win <= ny && (size_t)win <= nx &&
           data_range > 0;
}

double mrv_ssim2d(const float *ref, const float *out, size_t ny, size_t nx,
                  double data_range, int win)
{
    if (!ssim_args_ok(ny, nx, data_range, win))
        return NAN;
    struct mrv_ssim_window w;
    if (!mrv_ssim_window_uniform(&w, win, true))
        return NAN;
    double *scratch = malloc(mrv_ssim_scratch(1, ny, nx) * sizeof *scratch);
    if (!scratch)
        return NAN;
    double sum;
    size_t count;
    mrv_ssim_slice(ref, out, ny, nx, &w, data_range, NULL, scratch, &sum, &count);
    free(scratch);
    return sum / (double)count;
}

/* ---- the registered metrics --------------------------------------------- */

/* Validate the pair (and mask) and summarise it in one pass each: both
 * MRV_F32 of the same shape, (slices, y, x) or a single (y, x) slice. */
struct volume {
    const float *ref, *out;
    const uint8_t *mask; /* NULL: every voxel */
    size_t slices, ny, nx, count, in_mask;
    double data_range; /* max of the reference volume (fastMRI gt.max()) */
    const char *null_reason; /* non-finite input, if any */
};

/* check_out false: the caller detects a non-finite output itself (the SSIM
 * of such an output is NaN), which saves reading the output volume twice. */
static enum mrv_status volume_check(const char *metric, const struct mrv_metric_args *a,
                                    struct mrv_metric_value *v, struct volume *vol,
                                    bool check_out, struct mrv_error *err)
{
    if (!a || !a->reference || !a->output || !v)
        return mrv_error_set(err, MRV_EMISUSE,
                             "%s: reference, output and value must not be NULL", metric);
    const struct mrv_array *reference = a->reference, *output = a->output;
    v->value = NAN;
    v->null_reason = NULL;

    char rs[128], os[128];
    mrv_array_describe(reference, rs, sizeof rs);
    mrv_array_describe(output, os, sizeof os);
    if (!mrv_array_same_shape(reference, output))
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: reference %s and output %s differ; expected "
                             "identical shapes and dtypes",
                             metric, rs, os);
    if (reference->dtype != MRV_F32 || (reference->ndim != 3 && reference->ndim != 2))
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: reference %s and output %s; expected f32 "
                             "volumes (slices, y, x)",
                             metric, rs, os);
    if (!reference->data || !output->data || mrv_array_count(reference) == 0)
        return mrv_error_set(err, MRV_EINVAL, "%s: reference %s or output %s is empty",
                             metric, rs, os);
    vol->mask = NULL;
    if (a->mask) {
        char ms[128];
        mrv_array_describe(a->mask, ms, sizeof ms);
        if (a->mask->dtype != MRV_U8 || !a->mask->data ||
            mrv_array_count(a->mask) != mrv_array_count(reference) ||
            a->mask->dims[a->mask->ndim - 1] != reference->dims[reference->ndim - 1])
            return mrv_error_set(err, MRV_EINVAL,
                                 "%s: mask %s; expected u8 with the shape of reference %s",
                                 metric, ms, rs);
        vol->mask = a->mask->data;
    }

    int d = reference->ndim;
    vol->ref = reference->data;
    vol->out = output->data;
    vol->slices = d == 3 ? reference->dims[0] : 1;
    vol->ny = reference->dims[d - 2];
    vol->nx = reference->dims[d - 1];
    vol->count = vol->slices * vol->ny * vol->nx;
    vol->null_reason = NULL;
    vol->in_mask = vol->count;

    /* A non-finite voxel would turn every metric into garbage (or a
     * plausible-looking number): report it as undefined instead. One
     * vectorised pass (exponent bits all ones = Inf or NaN) so it costs a
     * fraction of the metric itself. */
    float mx;
    bool bad_r, bad_o;
    mrv_fidelity_scan(vol->ref, check_out ? vol->out : NULL, vol->count, &mx, &bad_r,
                      &bad_o);
    if (bad_r || bad_o) {
        vol->null_reason = bad_r ? reason_ref_nonfinite : reason_out_nonfinite;
        return MRV_OK;
    }
    if (vol->mask) {
        vol->in_mask = 0;
        for (size_t i = 0; i < vol->count; i++)
            vol->in_mask += vol->mask[i] != 0;
        if (vol->in_mask == 0)
            vol->null_reason = reason_mask_empty;
    }
    vol->data_range = mx;
    return MRV_OK;
}

/* Sums of squared error, |error| and squared reference over the mask. */
static void masked_sums(const struct volume *vol, double *sse, double *sae, double *srr)
{
    double e2 = 0, e1 = 0, r2 = 0;
    for (size_t i = 0; i < vol->count;) {
        size_t end = vol->count - i > 4096 ? i + 4096 : vol->count;
        double p2 = 0, p1 = 0, q2 = 0;
        for (; i < end; i++) {
            if (vol->mask && !vol->mask[i])
                continue;
            double r = vol->ref[i], d = r - (double)vol->out[i];
            p2 += d * d;
            p1 += fabs(d);
            q2 += r * r;
        }
        e2 += p2;
        e1 += p1;
        r2 += q2;
    }
    *sse = e2;
    *sae = e1;
    *srr = r2;
}

static enum mrv_status psnr_eval(const struct mrv_metric_args *a,
                                 struct mrv_metric_value *v, struct mrv_error *err)
{
    struct volume vol = {0};
    enum mrv_status s = volume_check("psnr", a, v, &vol, true, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason)
        v->null_reason = vol.null_reason;
    else if (!(vol.data_range > 0))
        v->null_reason = reason_ref_max;
    else if (!vol.mask)
        v->value = mrv_psnr(vol.ref, vol.out, vol.count, vol.data_range);
    else {
        double sse, sae, srr;
        masked_sums(&vol, &sse, &sae, &srr);
        double mse = sse / (double)vol.in_mask;
        v->value = mse == 0 ? INFINITY
                            : 10.0 * log10((vol.data_range * vol.data_range) / mse);
    }
    return MRV_OK;
}

static enum mrv_status nmse_eval(const struct mrv_metric_args *a,
                                 struct mrv_metric_value *v, struct mrv_error *err)
{
    struct volume vol = {0};
    enum mrv_status s = volume_check("nmse", a, v, &vol, true, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason) {
        v->null_reason = vol.null_reason;
        return MRV_OK;
    }
    if (!vol.mask)
        v->value = mrv_nmse(vol.ref, vol.out, vol.count);
    else {
        double sse, sae, srr;
        masked_sums(&vol, &sse, &sae, &srr);
        v->value = srr > 0 ? sse / srr : NAN;
    }
    if (isnan(v->value))
        v->null_reason = reason_ref_zero;
    return MRV_OK;
}

static enum mrv_status mae_eval(const struct mrv_metric_args *a,
                                struct mrv_metric_value *v, struct mrv_error *err)
{
    struct volume vol = {0};
    enum mrv_status s = volume_check("mae", a, v, &vol, true, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason) {
        v->null_reason = vol.null_reason;
        return MRV_OK;
    }
    double sse, sae, srr;
    masked_sums(&vol, &sse, &sae, &srr);
    v->value = sae / (double)vol.in_mask;
    return MRV_OK;
}

/* SSIM family: per-slice 2D (fastMRI: mean of the slice means) or one 3D
 * window over the volume (scikit-image on a 3D array). With a mask, the
 * mean of the SSIM map over window centres inside the mask, pooled over
 * the volume. */
static enum mrv_status ssim_family(const char *name, const struct mrv_metric_args *a,
                                   const struct mrv_ssim_window *w, bool volume3d,
                                   struct mrv_metric_value *v, struct mrv_error *err)
{
    struct volume vol = {0};
    enum mrv_status s = volume_check(name, a, v, &vol, a && a->mask, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason) {
        v->null_reason = vol.null_reason;
        return MRV_OK;
    }
    /* R = 0 gives C1 = C2 = 0 and 0/0 in flat regions (REFERENCES.md). */
    if (!(vol.data_range > 0)) {
        v->null_reason = reason_ref_max;
        return MRV_OK;
    }
    size_t taps = (size_t)w->taps;
    if (vol.ny < taps || vol.nx < taps || (volume3d && vol.slices < taps)) {
        v->null_reason = w->uniform && taps == SSIM_WIN && !volume3d ? reason_small_slice
                                                                    : reason_small_window;
        return MRV_OK;
    }
    size_t nscr = mrv_ssim_scratch(volume3d ? vol.slices : 1, vol.ny, vol.nx);
    double *scratch = malloc(nscr * sizeof *scratch);
    if (!scratch)
        return mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %zu bytes of scratch",
                             name, nscr * sizeof *scratch);
    size_t plane = vol.ny * vol.nx, total_count = 0;
    double sum = 0, sum_of_means = 0;
    if (volume3d) {
        mrv_ssim_volume(vol.ref, vol.out, vol.slices, vol.ny, vol.nx, w, vol.data_range,
                        vol.mask, scratch, &sum, &total_count);
    } else {
        for (size_t k = 0; k < vol.slices; k++) {
            double sk;
            size_t ck;
            mrv_ssim_slice(vol.ref + k * plane, vol.out + k * plane, vol.ny, vol.nx, w,
                           vol.data_range, vol.mask ? vol.mask + k * plane : NULL,
                           scratch, &sk, &ck);
            sum += sk;
            total_count += ck;
            if (ck)
                sum_of_means += sk / (double)ck;
        }
    }
    free(scratch);
    if (total_count == 0)
        v->null_reason = reason_mask_empty;
    else if (isnan(sum)) /* finite inputs and R > 0 never give NaN */
        v->null_reason = reason_out_nonfinite;
    else if (volume3d || vol.mask)
        v->value = sum / (double)total_count;
    else /* fastMRI: sum of per-slice SSIM, then divide by the slice count */
        v->value = sum_of_means / (double)vol.slices;
    return MRV_OK;
}

static enum mrv_status ssim_eval(const struct mrv_metric_args *a,
                                 struct mrv_metric_value *v, struct mrv_error *err)
{
    struct mrv_ssim_window w;
    mrv_ssim_window_uniform(&w, SSIM_WIN, true);
    return ssim_family("ssim", a, &w, false, v, err);
}

static enum mrv_status ssim_gauss_eval(const struct mrv_metric_args *a,
                                       struct mrv_metric_value *v, struct mrv_error *err)
{
    struct mrv_ssim_window w;
    mrv_ssim_window_gauss(&w, 1.5, false); /* Wang et al. 2004 */
    return ssim_family("ssim_gauss", a, &w, false, v, err);
}

static enum mrv_status ssim3d_eval(const struct mrv_metric_args *a,
                                   struct mrv_metric_value *v, struct mrv_error *err)
{
    struct mrv_ssim_window w;
    mrv_ssim_window_uniform(&w, SSIM_WIN, true);
    return ssim_family("ssim3d", a, &w, true, v, err);
}

/* MATLAB fspecial('log', 15, 1.5): h = exp(-(x^2+y^2)/(2 s^2)) / sum,
 * h1 = h (x^2 + y^2 - 2 s^2) / s^4, minus its mean so it sums to zero. */
static void log_kernel(double k[HFEN_SIZE][HFEN_SIZE])
{
    const int r = HFEN_SIZE / 2;
    const double s2 = HFEN_SIGMA * HFEN_SIGMA;
    double sum = 0, sum1 = 0;
    for (int y = -r; y <= r; y++)
        for (int x = -r; x <= r; x++)
            sum += k[y + r][x + r] = exp(-(double)(x * x + y * y) / (2 * s2));
    for (int y = -r; y <= r; y++)
        for (int x = -r; x <= r; x++) {
            double h = k[y + r][x + r] / sum;
            sum1 += k[y + r][x + r] = h * ((double)(x * x + y * y) - 2 * s2) / (s2 * s2);
        }
    for (int y = 0; y < HFEN_SIZE; y++)
        for (int x = 0; x < HFEN_SIZE; x++)
            k[y][x] -= sum1 / (HFEN_SIZE * HFEN_SIZE);
}

static enum mrv_status hfen_eval(const struct mrv_metric_args *a,
                                 struct mrv_metric_value *v, struct mrv_error *err)
{
    struct volume vol = {0};
    enum mrv_status s = volume_check("hfen", a, v, &vol, true, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason) {
        v->null_reason = vol.null_reason;
        return MRV_OK;
    }
    double k[HFEN_SIZE][HFEN_SIZE];
    log_kernel(k);
    const long r = HFEN_SIZE / 2, ny = (long)vol.ny, nx = (long)vol.nx;
    double num = 0, den = 0;
    /* Per 2D slice, zero padding ('same' size), the kernel is symmetric so
     * correlation = convolution; LoG(ref) - LoG(out) = LoG(ref - out). */
    for (size_t sl = 0; sl < vol.slices; sl++) {
        const float *R = vol.ref + sl * vol.ny * vol.nx, *O = vol.out + sl * vol.ny * vol.nx;
        const uint8_t *M = vol.mask ? vol.mask + sl * vol.ny * vol.nx : NULL;
        for (long y = 0; y < ny; y++)
            for (long x = 0; x < nx; x++) {
                if (M && !M[y * nx + x])
                    continue;
                double le = 0, lr = 0;
                for (long dy = -r; dy <= r; dy++) {
                    long yy = y + dy;
                    if (yy < 0 || yy >= ny)
                        continue;
                    for (long dx = -r; dx <= r; dx++) {
                        long xx = x + dx;
                        if (xx < 0 || xx >= nx)
                            continue;
                        double rv = R[yy * nx + xx], ov = O[yy * nx + xx];
                        le += k[dy + r][dx + r] * (rv - ov);
                        lr += k[dy + r][dx + r] * rv;
                    }
                }
                num += le * le;
                den += lr * lr;
            }
    }
    if (!(den > 0))
        v->null_reason = reason_log_zero;
    else
        v->value = sqrt(num) / sqrt(den);
    return MRV_OK;
}

/* ---- HFEN in 3D ----------------------------------------------------------
 * The same definition with the kernel in three dimensions: the Laplacian
 * of a 3D Gaussian, sigma 1.5 voxels, 15 x 15 x 15, zero padding, built as
 * fspecial builds the 2D one (Gaussian normalised to sum 1, times
 * (r^2 - 3 sigma^2) / sigma^4 -- the 3D Laplacian -- minus its mean so it
 * sums to 0). sigma is in voxels, as Ravishankar & Bresler's is in pixels:
 * the kernel does not follow an anisotropic voxel spacing.
 * With g the normalised 1D Gaussian and a(t) = g(t) (t^2 - sigma^2) /
 * sigma^4, the kernel is a(x)g(y)g(z) + g(x)a(y)g(z) + g(x)g(y)a(z) - c, a
 * sum of four separable terms (c = the mean, a box), so it runs as 3 x 4
 * passes of 15 taps (180 per voxel) instead of 3375, exactly (zero
 * padding commutes with separable passes). */
static void log3d_factors(double g[HFEN_SIZE], double a[HFEN_SIZE], double *c)
{
    const int r = HFEN_SIZE / 2;
    const double s2 = HFEN_SIGMA * HFEN_SIGMA;
    double sum = 0;
    for (int t = -r; t <= r; t++)
        sum += g[t + r] = exp(-(double)(t * t) / (2 * s2));
    double sa = 0, sg = 0;
    for (int t = -r; t <= r; t++) {
        g[t + r] /= sum;
        a[t + r] = g[t + r] * ((double)(t * t) - s2) / (s2 * s2);
        sa += a[t + r];
        sg += g[t + r];
    }
    /* sum of the 3D kernel = 3 sa sg^2; its mean over 15^3 voxels */
    *c = 3 * sa * sg * sg / ((double)HFEN_SIZE * HFEN_SIZE * HFEN_SIZE);
}

/* out = conv(in, k) along `axis` of a (nz, ny, nx) volume (15 taps, zero
 * padding, 'same'; k is symmetric so correlation = convolution), or
 * out += scale * conv when accumulate. */
static void conv_axis(double *restrict out, const double *restrict in, const size_t dims[3],
                      int axis, const double *k, bool accumulate, double scale)
{
    const long r = HFEN_SIZE / 2;
    size_t total = dims[0] * dims[1] * dims[2];
    if (axis == 2) {
        long nx = (long)dims[2];
        for (size_t row = 0; row < total / dims[2]; row++) {
            const double *src = in + row * dims[2];
            double *dst = out + row * dims[2];
            for (long x = 0; x < nx; x++) {
                double t = 0;
                for (long d = x < r ? -x : -r; d <= r && x + d < nx; d++)
                    t += k[d + r] * src[x + d];
                dst[x] = accumulate ? dst[x] + scale * t : t;
            }
        }
        return;
    }
    /* axes 0 and 1: whole lines of the contiguous extent at a time */
    size_t n = dims[axis], st = axis == 0 ? dims[1] * dims[2] : dims[2];
    size_t outer = total / (n * st);
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < n; i++) {
            /* accumulating: sum into the scratch row after `out` first */
            double *dst = out + (accumulate ? total : (o * n + i) * st);
            memset(dst, 0, st * sizeof *dst);
            for (long d = -r; d <= r; d++) {
                long j = (long)i + d;
                if (j < 0 || j >= (long)n)
                    continue;
                const double *src = in + (o * n + (size_t)j) * st;
                double kd = k[d + r];
                for (size_t e = 0; e < st; e++)
                    dst[e] += kd * src[e];
            }
            if (accumulate) {
                double *o2 = out + (o * n + i) * st;
                for (size_t e = 0; e < st; e++)
                    o2[e] += scale * dst[e];
            }
        }
}

/* acc = LoG3d(in); t, u: volume scratch; acc has one extra row of
 * dims[1] * dims[2] doubles after the volume. */
static void log3d(double *acc, const double *in, double *t, double *u, const size_t dims[3])
{
    double g[HFEN_SIZE], a[HFEN_SIZE], one[HFEN_SIZE], c;
    log3d_factors(g, a, &c);
    for (int i = 0; i < HFEN_SIZE; i++)
        one[i] = 1;
    const double *k[4][3] = {/* (z, y, x) factors of the four terms */
                             {g, g, a}, {g, a, g}, {a, g, g}, {one, one, one}};
    const double scale[4] = {1, 1, 1, -c};
    memset(acc, 0, dims[0] * dims[1] * dims[2] * sizeof *acc);
    for (int term = 0; term < 4; term++) {
        conv_axis(t, in, dims, 2, k[term][2], false, 1);
        conv_axis(u, t, dims, 1, k[term][1], false, 1);
        conv_axis(acc, u, dims, 0, k[term][0], true, scale[term]);
    }
}

static enum mrv_status hfen3d_eval(const struct mrv_metric_args *a,
                                   struct mrv_metric_value *v, struct mrv_error *err)
{
    struct volume vol = {0};
    enum mrv_status s = volume_check("hfen3d", a, v, &vol, true, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason) {
        v->null_reason = vol.null_reason;
        return MRV_OK;
    }
    const size_t dims[3] = {vol.slices, vol.ny, vol.nx}, n = vol.count;
    if (n == 0) /* volume_check refuses empty volumes */
        return MRV_EINVAL;
    /* four volume-sized float64 buffers (input, two pass results, the
     * LoG) and one row */
    double *buf = calloc(4 * n + vol.ny * vol.nx, sizeof *buf);
    if (!buf)
        return mrv_error_set(err, MRV_ENOMEM, "hfen3d: cannot allocate 4 x %zu doubles", n);
    double *in = buf, *t = buf + n, *u = buf + 2 * n, *acc = buf + 3 * n;
    double sums[2] = {0, 0}; /* ||LoG(ref - out)||^2, ||LoG(ref)||^2 */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++)
            in[i] = pass ? (double)vol.ref[i] : (double)vol.ref[i] - (double)vol.out[i];
        log3d(acc, in, t, u, dims);
        double sq = 0;
        for (size_t i = 0; i < n; i++)
            if (!vol.mask || vol.mask[i])
                sq += acc[i] * acc[i];
        sums[pass] = sq;
    }
    free(buf);
    if (!(sums[1] > 0))
        v->null_reason = reason_log_zero;
    else
        v->value = sqrt(sums[0]) / sqrt(sums[1]);
    return MRV_OK;
}

#define FID_COMPUTE(field) MRV_METRIC_COMPUTE_FROM_EVAL(field)
FID_COMPUTE(psnr)
FID_COMPUTE(ssim)
FID_COMPUTE(nmse)
FID_COMPUTE(ssim_gauss)
FID_COMPUTE(ssim3d)
FID_COMPUTE(mae)
FID_COMPUTE(hfen)
FID_COMPUTE(hfen3d)

#define FID_DESC(field, sum, def, unit_, higher)                                        \
    const struct mrv_metric mrv_metric_##field = {                                     \
        .name = #field, .summary = (sum), .definition = (def), .unit = (unit_),        \
        .higher_is_better = (higher),                                                  \
        .direction = (higher) ? MRV_HIGHER_IS_BETTER : MRV_LOWER_IS_BETTER,            \
        .kind = MRV_METRIC_IMAGE, .compute = field##_compute, .eval = field##_eval}

FID_DESC(psnr, "peak signal-to-noise ratio over the volume, R = reference max (fastMRI); masked",
         "10 log10(R^2 / MSE), MSE over the volume (or mask), R = max of the reference "
         "volume; +inf when identical",
         "dB", true);
FID_DESC(ssim, "structural similarity, 7x7 uniform window, mean over slices (fastMRI/skimage); masked",
         "skimage structural_similarity per 2D slice, data_range = reference volume max, "
         "sample covariance, border cropped; mean over slices",
         "", true);
FID_DESC(nmse, "normalized mean squared error ||ref - out||^2 / ||ref||^2 over the volume; masked",
         "||ref - out||^2 / ||ref||^2 over the volume (or mask), fastMRI", "", false);
FID_DESC(ssim_gauss, "SSIM as Wang et al. 2004: 11x11 Gaussian sigma 1.5, per slice; masked",
         "skimage structural_similarity(gaussian_weights=True, sigma=1.5, "
         "use_sample_covariance=False) per slice, R = reference volume max",
         "", true);
FID_DESC(ssim3d, "SSIM with a 7x7x7 uniform window over the volume; masked",
         "skimage structural_similarity on the 3D array (win 7, sample covariance), "
         "R = reference volume max",
         "", true);
FID_DESC(mae, "mean absolute error over the volume; masked",
         "mean |ref - out| over the volume (or mask), in image units", "", false);
FID_DESC(hfen, "high-frequency error norm (15x15 LoG, sigma 1.5, per slice); masked",
         "||LoG(ref) - LoG(out)||_2 / ||LoG(ref)||_2, Ravishankar & Bresler 2011",
         "", false);
FID_DESC(hfen3d, "high-frequency error norm in 3D (15^3 LoG, sigma 1.5 voxels); masked",
         "||LoG(ref) - LoG(out)||_2 / ||LoG(ref)||_2 with the 3D Laplacian of Gaussian, "
         "zero padding",
         "", false);
