/* core/fft.h — centered, orthonormal FFTs over the last 1–3 axes.
 *
 * forward:  X = fftshift(fft(ifftshift(x))) / sqrt(N)
 * inverse:  x = fftshift(ifft(ifftshift(X))) * sqrt(N) / N
 * exactly as fastMRI's fft2c/ifft2c (norm="ortho"), so Parseval holds:
 * sum |X|^2 == sum |x|^2, and the k-space centre sits at index n/2.
 *
 * Plan/execute, as FFTW: mrv_fft_plan_create() does all planning
 * (serialized internally: FFTW's planner is not thread-safe) and is
 * the only call that allocates; mrv_fft_forward/inverse allocate nothing,
 * are reentrant and may run on one plan from many threads at once.
 * Plans use FFTW_ESTIMATE, whose choice of algorithm does not depend on
 * timing, so the same input gives the same bytes on every run.
 */
#ifndef MRV_CORE_FFT_H
#define MRV_CORE_FFT_H

#include <complex.h>
#include <stddef.h>

#include "core/status.h"

struct mrv_fft;

/* Plan a `rank`-D transform (rank 1..3) of shape n[0..rank-1] (C order,
 * last fastest), in place on contiguous complex float data.
 * Errors: MRV_EINVAL (rank, zero size), MRV_ENOMEM. */
enum mrv_status mrv_fft_plan_create(int rank, const size_t n[], struct mrv_fft **out,
                                    struct mrv_error *err);

/* Transform `howmany` consecutive arrays of the planned shape, in place.
 * `data` needs no particular alignment. */
void mrv_fft_forward(const struct mrv_fft *p, float complex *data, size_t howmany);
void mrv_fft_inverse(const struct mrv_fft *p, float complex *data, size_t howmany);

/* Elements in one transform (product of the planned shape). */
size_t mrv_fft_size(const struct mrv_fft *p);

/* Destroy a plan. NULL is a no-op. Not concurrent with executes on it. */
void mrv_fft_destroy(struct mrv_fft *p);

#endif
