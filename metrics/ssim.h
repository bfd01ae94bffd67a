/* metrics/ssim.h — the SSIM kernels behind the registered SSIM metrics.
 *
 * scikit-image structural_similarity (0.19), which fastMRI's evaluate.py
 * calls: filter the five moments (x, y, xx, yy, xy) with a separable window,
 *   ux = f(x), vx = cov (f(xx) - ux^2), vxy = cov (f(xy) - ux uy),
 *   S = (2 ux uy + C1)(2 vxy + C2) / ((ux^2 + uy^2 + C1)(vx + vy + C2)),
 * C1 = (0.01 R)^2, C2 = (0.03 R)^2, cov = NP/(NP-1) (sample) or 1
 * (population), then crop (taps-1)/2 on every side and average. Only
 * windows inside the image survive the crop, so the border mode never
 * matters and only those windows are computed.
 * Windows: uniform win^d (skimage default 7) or Gaussian (Wang et al. 2004:
 * sigma 1.5, scipy gaussian_filter truncate 3.5 -> radius 5, 11 taps,
 * weights exp(-k^2 / 2 sigma^2) normalised to sum 1 per axis).
 * Here four moments are filtered: x, y, xx + yy and xy (the variances
 * enter S only as vx + vy = cov (f(xx + yy) - (ux^2 + uy^2))), which
 * differs from the five-moment form by rounding only.
 * Arithmetic: float64, no FMA contraction, so ssim(x, x) == 1 and
 * ssim(x, y) == ssim(y, x) bit for bit.
 */
#ifndef MRV_METRICS_SSIM_H
#define MRV_METRICS_SSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MRV_SSIM_MAX_TAPS 31

struct mrv_ssim_window {
    int taps;                       /* odd, 3..MRV_SSIM_MAX_TAPS */
    bool uniform;                   /* running sums; w unused */
    double w[MRV_SSIM_MAX_TAPS];    /* Gaussian weights, sum 1 */
    bool sample_cov;                /* NP/(NP-1) with NP = taps^ndim */
};

/* Uniform window of `win` taps (odd, >= 3). False if invalid. */
bool mrv_ssim_window_uniform(struct mrv_ssim_window *w, int win, bool sample_cov);
/* Gaussian window, radius int(3.5 sigma + 0.5) (scipy's truncate 3.5).
 * False if sigma <= 0 or the window would exceed MRV_SSIM_MAX_TAPS. */
bool mrv_ssim_window_gauss(struct mrv_ssim_window *w, double sigma, bool sample_cov);

/* Doubles of scratch the kernels need for a (nz, ny, nx) input (nz = 1 for
 * 2D slices): 9 rows, plus 4 planes for 3D windows. */
size_t mrv_ssim_scratch(size_t nz, size_t ny, size_t nx);

/* Sum of the SSIM map over the valid (cropped) windows of one 2D slice, and
 * their count; with `mask` (u8, ny*nx, may be NULL) only windows whose
 * centre pixel is non-zero count. The caller checks taps <= ny, nx and
 * R > 0. No allocation: `scratch` holds mrv_ssim_scratch(1, ny, nx). */
void mrv_ssim_slice(const float *a, const float *b, size_t ny, size_t nx,
                    const struct mrv_ssim_window *w, double data_range,
                    const uint8_t *mask, double *scratch, double *sum, size_t *count);

/* The same with a 3D window (taps^3, uniform windows only) over a volume
 * (nz, ny, nx): scikit-image's structural_similarity on a 3D array. */
void mrv_ssim_volume(const float *a, const float *b, size_t nz, size_t ny, size_t nx,
                     const struct mrv_ssim_window *w, double data_range,
                     const uint8_t *mask, double *scratch, double *sum, size_t *count);

/* One pass over a reference/output pair: the reference maximum (-inf for
 * n == 0; meaningless when ref_bad) and whether either holds a NaN or Inf
 * (out may be NULL: not scanned, out_bad false).
 * Shared by the fidelity metrics' input check. */
void mrv_fidelity_scan(const float *ref, const float *out, size_t n, float *max_ref,
                       bool *ref_bad, bool *out_bad);

#endif
