/* metrics/fidelity.h — image fidelity exactly as fastMRI's evaluate.py,
 * plus SSIM in the Wang et al. 2004 form, 3D SSIM, MAE and HFEN.
 *
 * Inputs are volumes (slices, y, x); `n` slices of ny*nx float pixels each,
 * C order. data_range R = max of the reference volume (fastMRI: gt.max()).
 *
 *   PSNR = 10 log10(R^2 / MSE), MSE over the whole volume (float64 sums).
 *        +inf when MSE == 0. NaN ("reference maximum is <= 0, ...")
 *        when R <= 0.
 *   NMSE = ||ref - out||^2 / ||ref||^2 over the volume.
 *        NaN ("reference is all zero") when ||ref|| == 0.
 *   SSIM = mean over slices of scikit-image structural_similarity(ref_s,
 *        out_s, data_range=R): uniform win x win window (win odd, default 7),
 *        sample covariance (NP/(NP-1)), K1 0.01, K2 0.03, border of
 *        (win-1)/2 cropped before averaging, float64 arithmetic.
 *        NaN when R <= 0 or the slice is smaller than the window.
 *
 * The raw kernels below do not look for NaN/Inf; the registered metrics do
 * (NaN with "output contains NaN or Inf" / "reference contains NaN or Inf")
 * and also accept a single (y, x) slice as one slice. SSIM also returns NaN
 * ("slice is smaller than the 7x7 SSIM window") for slices under 7x7.
 *
 *   ssim_gauss = the same with an 11x11 Gaussian window (sigma 1.5) and
 *        population covariance (Wang et al. 2004; skimage gaussian_weights).
 *   ssim3d = skimage on the 3D array: 7x7x7 window, sample covariance.
 *   MAE  = mean |ref - out|.   HFEN = ||LoG(ref - out)|| / ||LoG(ref)||,
 *        15x15 LoG sigma 1.5 per slice, zero padding (Ravishankar 2011).
 *   hfen3d = the same with the 15x15x15 LoG of a 3D Gaussian, sigma 1.5
 *        voxels, zero padding (four volume-sized float64 buffers).
 * With args.mask (u8, same shape), psnr/nmse/mae/hfen/hfen3d sum over mask voxels
 * and the SSIMs average their map over window centres inside the mask
 * (R stays the maximum of the whole reference volume).
 *
 * All are thread-safe. SSIM allocates 9*nx doubles of scratch per call
 * (plus 4 planes for ssim3d); mrv_ssim2d returns NaN if that allocation
 * fails, the registered metric MRV_ENOMEM.
 */
#ifndef MRV_METRICS_FIDELITY_H
#define MRV_METRICS_FIDELITY_H

#include <stddef.h>

#include "metrics/metric.h"

double mrv_psnr(const float *ref, const float *out, size_t count, double data_range);
double mrv_nmse(const float *ref, const float *out, size_t count);
/* SSIM of one 2D slice; returns NaN if win is even, < 3, or larger than
 * ny or nx, or data_range <= 0. */
double mrv_ssim2d(const float *ref, const float *out, size_t ny, size_t nx,
                  double data_range, int win);

extern const struct mrv_metric mrv_metric_psnr;
extern const struct mrv_metric mrv_metric_ssim;
extern const struct mrv_metric mrv_metric_nmse;
extern const struct mrv_metric mrv_metric_ssim_gauss;
extern const struct mrv_metric mrv_metric_ssim3d;
extern const struct mrv_metric mrv_metric_mae;
extern const struct mrv_metric mrv_metric_hfen;
extern const struct mrv_metric mrv_metric_hfen3d;

#endif
