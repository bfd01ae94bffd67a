/* perturbations/noise.h — thermal noise at a target SNR, added in k-space.
 *
 * Receiver noise is white, zero-mean complex Gaussian in k-space. With the
 * orthonormal FFT it stays white with the same standard deviation in each
 * coil image, so a per-component standard deviation sigma in k-space is the
 * per-component sigma of every coil image.
 *
 * SNR (docs/perturbations/noise.md) = mean of the clean reference over its
 * foreground (pixels >= 10 % of the reference maximum) / sigma, sigma being
 * the standard deviation of the real (and of the imaginary) part of the
 * noise in one coil image — the Rician convention (Gudbjartsson & Patz,
 * MRM 1995), where a magnitude A in noise sigma has SNR A/sigma.
 * Noise is added to every k-space sample, before undersampling, as a
 * scanner acquires it.
 */
#ifndef MRV_PERTURBATIONS_NOISE_H
#define MRV_PERTURBATIONS_NOISE_H

#include "perturbations/perturb.h"

extern const struct mrv_perturbation mrv_pert_noise;

/* Foreground mean of a reference image: mean of pixels >= frac * max.
 * Returns 0 for an all-zero image. */
double mrv_foreground_mean(const float *ref, size_t count, double frac);

#define MRV_FOREGROUND_FRACTION 0.1

#endif
