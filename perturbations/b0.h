/* perturbations/b0.h — B0 off-resonance during the readout (and EPI echo
 * train), by time segmentation with a bounded error.
 *
 * Signal (e.g. Sutton, Noll & Fessler, IEEE TMI 2003; Haacke et al. ch. 20):
 *   s(k) = sum_r m(r) exp(-i 2 pi df(r) t(k)) sinc(g dz t(k)) exp(-i 2 pi k.r)
 * with t(k) the time sample k is acquired (from the excitation):
 *   spin-warp  t = TE + (ky - ny/2) dwell,  dwell = 1 / (ny BW_px)
 *   EPI        t = TE + (kx - nx/2) ESP     (time within one echo neglected:
 *                                            its shift df/BW_read is tiny)
 * and sinc(x) = sin(pi x)/(pi x) the intravoxel dephasing of a slice of
 * thickness dz in a through-plane gradient g (Hz/mm). A constant df shifts
 * the image by df / BW_px pixels along readout (spin-warp) or by
 * df nx ESP pixels along phase encode (EPI).
 *
 * Time segmentation: t spans [t0, t1]; L equally spaced times tau_l with
 * linear ("hat") interpolation weights b_l(t), so
 *   e(t) = exp(-i w t) sinc(a t) ~ sum_l b_l(t) e(tau_l),
 *   s(k) ~ sum_l b_l(t(k)) FFT[m e(tau_l)](k),
 * one FFT along the timed axis per segment. Linear interpolation errs by at
 * most h^2/8 max|e''| per component, |e''| <= (w + pi a)^2 (|sinc^(n)| <=
 * pi^n/(n+1)), so per unit of |m| the error is at most
 *   eps = sqrt(2) (w + pi a)^2 h^2 / 8,  w = 2 pi max|df|, a = g dz,
 * and L is the smallest count with eps <= tolerance. Hence every k-space
 * sample is within eps * sum_r |m(r)| / sqrt(N) of the exact sum (tested).
 */
#ifndef MRV_PERTURBATIONS_B0_H
#define MRV_PERTURBATIONS_B0_H

#include "perturbations/perturb.h"

enum mrv_b0_map { MRV_B0_CONSTANT = 0, MRV_B0_SMOOTH = 1, MRV_B0_POLY2 = 2 };

/* The field map (Hz, ny * nx floats, C order) execute() uses for `seed`:
 * the same map, so tests can evaluate the exact sum. */
void mrv_b0_field_map(const void *plan, uint64_t seed, float *map);

/* Segments L of the plan and its error bound eps (per unit |m|). */
void mrv_b0_segments(const void *plan, int *L, double *eps);

#endif
