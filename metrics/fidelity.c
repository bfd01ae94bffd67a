/* metrics/fidelity.c — PSNR, NMSE and SSIM exactly as fastMRI's evaluate.py.
 *
 * References (see docs/metrics/fidelity.md):
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

/* scikit-image structural_similarity defaults, the constants of Wang et al.
 * 2004. */
#define SSIM_K1 0.01
#define SSIM_K2 0.03
#define SSIM_WIN 7

static const char reason_ref_nonfinite[] = "reference contains NaN or Inf";
static const char reason_out_nonfinite[] = "output contains NaN or Inf";
static const char reason_ref_max[] =
    "reference maximum is <= 0, so the data range R is undefined";
static const char reason_ref_zero[] = "reference is all zero";
static const char reason_small_slice[] =
    "slice is smaller than the 7x7 SSIM window";

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

/* The five window moments of SSIM, as column sums over `win` rows. */
struct moments {
    double *x, *y, *xx, *yy, *xy; /* nx each */
};

static void moments_row(const struct moments *m, const float *a, const float *b,
                        size_t nx, double sign)
{
    for (size_t c = 0; c < nx; c++) {
        /* float*float is exact in double (24+24 bit mantissas < 53). */
        double xa = a[c], xb = b[c];
        m->x[c] += sign * xa;
        m->y[c] += sign * xb;
        m->xx[c] += sign * (xa * xa);
        m->yy[c] += sign * (xb * xb);
        m->xy[c] += sign * (xa * xb);
    }
}

/* SSIM of one slice with caller-provided scratch of 5*nx doubles.
 *
 * scikit-image filters the whole image with a uniform win x win window and
 * then discards a (win-1)/2 border, so only windows lying entirely inside
 * the image count: the border mode never matters and we compute just those
 * (ny-win+1) x (nx-win+1) windows. Vertical running sums per column (add the
 * row entering, subtract the row leaving) and a horizontal running sum along
 * each output row make this O(ny*nx) whatever the window. */
static double ssim_slice(const float *a, const float *b, size_t ny, size_t nx,
                         double data_range, size_t win, double *scratch)
{
    struct moments m = {scratch, scratch + nx, scratch + 2 * nx,
                        scratch + 3 * nx, scratch + 4 * nx};
    memset(scratch, 0, 5 * nx * sizeof *scratch);
    for (size_t r = 0; r < win; r++)
        moments_row(&m, a + r * nx, b + r * nx, nx, 1.0);

    const double np_ = (double)(win * win);
    const double inv = 1.0 / np_;
    const double cov_norm = np_ / (np_ - 1.0); /* sample covariance */
    const double c1 = (SSIM_K1 * data_range) * (SSIM_K1 * data_range);
    const double c2 = (SSIM_K2 * data_range) * (SSIM_K2 * data_range);

    double total = 0;
    for (size_t r0 = 0;; r0++) {
        double hx = 0, hy = 0, hxx = 0, hyy = 0, hxy = 0;
        for (size_t c = 0; c < win; c++) {
            hx += m.x[c];
            hy += m.y[c];
            hxx += m.xx[c];
            hyy += m.yy[c];
            hxy += m.xy[c];
        }
        double rowsum = 0;
        for (size_t c0 = 0;; c0++) {
            /* skimage's expressions, in its order. */
            double ux = hx * inv, uy = hy * inv;
            double vx = cov_norm * (hxx * inv - ux * ux);
            double vy = cov_norm * (hyy * inv - uy * uy);
            double vxy = cov_norm * (hxy * inv - ux * uy);
            double a1 = 2 * ux * uy + c1, a2 = 2 * vxy + c2;
            double b1 = ux * ux + uy * uy + c1, b2 = vx + vy + c2;
            rowsum += (a1 * a2) / (b1 * b2);
            if (c0 + win == nx)
                break;
            size_t in = c0 + win;
            hx += m.x[in] - m.x[c0];
            hy += m.y[in] - m.y[c0];
            hxx += m.xx[in] - m.xx[c0];
            hyy += m.yy[in] - m.yy[c0];
            hxy += m.xy[in] - m.xy[c0];
        }
        total += rowsum;
        if (r0 + win == ny)
            break;
        moments_row(&m, a + r0 * nx, b + r0 * nx, nx, -1.0);
        moments_row(&m, a + (r0 + win) * nx, b + (r0 + win) * nx, nx, 1.0);
    }
    return total / ((double)(ny - win + 1) * (double)(nx - win + 1));
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
    double *scratch = malloc(5 * nx * sizeof *scratch);
    if (!scratch)
        return NAN;
    double s = ssim_slice(ref, out, ny, nx, data_range, (size_t)win, scratch);
    free(scratch);
    return s;
}

/* ---- the registered metrics --------------------------------------------- */

/* Validate the pair and summarise it in one pass each: both MRV_F32 of the
 * same shape, (slices, y, x) or a single (y, x) slice. */
struct volume {
    const float *ref, *out;
    size_t slices, ny, nx, count;
    double data_range; /* max of the reference volume (fastMRI gt.max()) */
    const char *null_reason; /* non-finite input, if any */
};

static enum mrv_status volume_check(const char *metric,
                                    const struct mrv_array *reference,
                                    const struct mrv_array *output,
                                    struct mrv_metric_value *v,
                                    struct volume *vol, struct mrv_error *err)
{
    if (!reference || !output || !v)
        return mrv_error_set(err, MRV_EMISUSE,
                             "%s: reference, output and value must not be NULL",
                             metric);
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

    int d = reference->ndim;
    vol->ref = reference->data;
    vol->out = output->data;
    vol->slices = d == 3 ? reference->dims[0] : 1;
    vol->ny = reference->dims[d - 2];
    vol->nx = reference->dims[d - 1];
    vol->count = vol->slices * vol->ny * vol->nx;
    vol->null_reason = NULL;

    /* A non-finite voxel would turn every metric into garbage (or a
     * plausible-looking number): report it as undefined instead. */
    double mx = -INFINITY;
    for (size_t i = 0; i < vol->count; i++) {
        float r = vol->ref[i];
        if (!isfinite(r)) {
            vol->null_reason = reason_ref_nonfinite;
            return MRV_OK;
        }
        if (r > mx)
            mx = r;
    }
    for (size_t i = 0; i < vol->count; i++)
        if (!isfinite(vol->out[i])) {
            vol->null_reason = reason_out_nonfinite;
            return MRV_OK;
        }
    vol->data_range = mx;
    return MRV_OK;
}

static enum mrv_status psnr_compute(const struct mrv_array *reference,
                                    const struct mrv_array *output,
                                    const double spacing[3],
                                    struct mrv_metric_value *v,
                                    struct mrv_error *err)
{
    (void)spacing;
    struct volume vol;
    enum mrv_status s = volume_check("psnr", reference, output, v, &vol, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason)
        v->null_reason = vol.null_reason;
    else if (!(vol.data_range > 0))
        v->null_reason = reason_ref_max;
    else
        v->value = mrv_psnr(vol.ref, vol.out, vol.count, vol.data_range);
    return MRV_OK;
}

static enum mrv_status nmse_compute(const struct mrv_array *reference,
                                    const struct mrv_array *output,
                                    const double spacing[3],
                                    struct mrv_metric_value *v,
                                    struct mrv_error *err)
{
    (void)spacing;
    struct volume vol;
    enum mrv_status s = volume_check("nmse", reference, output, v, &vol, err);
    if (s != MRV_OK)
        return s;
    if (vol.null_reason) {
        v->null_reason = vol.null_reason;
        return MRV_OK;
    }
    v->value = mrv_nmse(vol.ref, vol.out, vol.count);
    if (isnan(v->value))
        v->null_reason = reason_ref_zero;
    return MRV_OK;
}

static enum mrv_status ssim_compute(const struct mrv_array *reference,
                                    const struct mrv_array *output,
                                    const double spacing[3],
                                    struct mrv_metric_value *v,
                                    struct mrv_error *err)
{
    (void)spacing;
    struct volume vol;
    enum mrv_status s = volume_check("ssim", reference, output, v, &vol, err);
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
    if (vol.ny < SSIM_WIN || vol.nx < SSIM_WIN) {
        v->null_reason = reason_small_slice;
        return MRV_OK;
    }
    double *scratch = malloc(5 * vol.nx * sizeof *scratch);
    if (!scratch)
        return mrv_error_set(err, MRV_ENOMEM,
                             "ssim: cannot allocate %zu bytes of scratch",
                             5 * vol.nx * sizeof *scratch);
    /* fastMRI: sum of per-slice SSIM, then divide by the slice count. */
    double sum = 0;
    size_t plane = vol.ny * vol.nx;
    for (size_t k = 0; k < vol.slices; k++)
        sum += ssim_slice(vol.ref + k * plane, vol.out + k * plane, vol.ny,
                          vol.nx, vol.data_range, SSIM_WIN, scratch);
    free(scratch);
    v->value = sum / (double)vol.slices;
    return MRV_OK;
}

const struct mrv_metric mrv_metric_psnr = {
    .name = "psnr",
    .summary = "peak signal-to-noise ratio over the volume, R = reference max (fastMRI)",
    .unit = "dB",
    .higher_is_better = true,
    .compute = psnr_compute,
};

const struct mrv_metric mrv_metric_ssim = {
    .name = "ssim",
    .summary = "structural similarity, 7x7 uniform window, mean over slices (fastMRI/skimage)",
    .unit = "",
    .higher_is_better = true,
    .compute = ssim_compute,
};

const struct mrv_metric mrv_metric_nmse = {
    .name = "nmse",
    .summary = "normalized mean squared error ||ref - out||^2 / ||ref||^2 over the volume",
    .unit = "",
    .higher_is_better = false,
    .compute = nmse_compute,
};
