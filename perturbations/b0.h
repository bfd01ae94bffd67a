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

#include "core/array.h"
#include "perturbations/perturb.h"

enum mrv_b0_map { MRV_B0_CONSTANT = 0, MRV_B0_SMOOTH = 1, MRV_B0_POLY2 = 2, MRV_B0_GIVEN = 3 };

/* A field map given by the user: read from a file by the caller (the
 * harness, through datasets/fieldmap.h) once, before planning —
 * perturbations do no file I/O. Borrowed for the plan call only. */
struct mrv_b0_given {
    const struct mrv_array *hz; /* (y, x) or (slices, y, x) f32, Hz */
    const char *origin;         /* the file, named in messages */
};

/* Plan b0 with the given map instead of a drawn one (map 3): the map x
 * p[map_scale] (severity: 0.25, 0.5, 1, 2, 4) is used as is, df_max_hz
 * unused. The map's (y, x) must equal the k-space's (ky, kx) matrix and
 * its slices be 1 (same map for every slice) or the k-space's: no
 * resampling. MRV_EINVAL naming the file and the expected dims otherwise,
 * or for a non-finite value or a peak above 2000 Hz. The plan copies the
 * map. Thread-safety as plan(). The caller records the file's SHA-256
 * with the drawn parameters (this module never sees the file). */
enum mrv_status mrv_b0_plan_given(const struct mrv_array *shape, const double *p,
                                  const struct mrv_b0_given *given, void **plan,
                                  struct mrv_error *err);

/* The field map (Hz, ny * nx floats, C order) execute() uses for `seed`:
 * the same map, so tests can evaluate the exact sum (drawn maps are
 * rounded to float, so this is exact; a given map: its first slice). */
void mrv_b0_field_map(const void *plan, uint64_t seed, float *map);

/* Segments L of the plan and its error bound eps (per unit |m|). */
void mrv_b0_segments(const void *plan, int *L, double *eps);

#endif
