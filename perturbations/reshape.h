/* perturbations/reshape.h — acquisition shifts that change array shapes.
 *
 * A coil count change (coil_compress, coil_subset: coils.c) or a matrix
 * change (resolution: resolution.c) hands the model k-space of another
 * shape than the clean case's, with coil maps to match. The in-place
 * execute() of perturb.h cannot express that, so these families carry
 * mrv_reshape_ops (their in-place execute() refuses with MRV_EMISUSE, and
 * they cannot be links of a chain). Plan/execute as every family: plan()
 * validates the parameters against the input shape and allocates;
 * dims() gives the output shape; execute() writes into outputs the caller
 * allocated with those dims, allocates nothing, is reentrant, and the same
 * (case, parameters, seed) gives the same bytes.
 *
 * How the harness uses them (harness/engine_item.c, docs/perturbations/
 * coils.md and resolution.md): the family runs on the perturbed but not yet
 * undersampled k-space with the study's mask given as `mask` (estimates
 * from the data use the acquired columns only); the mask is then applied
 * to the output — made again for the new column count when it changed;
 * the model answers on the output's grid; an image on another grid is
 * brought back to the clean reference's grid by mrv_resize (Fourier
 * interpolation) before it is scored against the clean, full-coil,
 * full-resolution reference.
 */
#ifndef MRV_PERTURBATIONS_RESHAPE_H
#define MRV_PERTURBATIONS_RESHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "perturbations/perturb.h"

#define MRV_RESHAPE_MAX_COILS 64

struct mrv_reshape_io {
    const struct mrv_array *kspace; /* in: the planned shape, c64 */
    const struct mrv_array *maps;   /* in: coil maps of kspace's shape, or NULL / empty */
    const uint8_t *mask;            /* in: kx entries (nonzero = acquired), or NULL: all */
    struct mrv_array *kspace_out;   /* out: allocated with dims() */
    struct mrv_array *maps_out;     /* out: allocated with dims(), or NULL: maps skipped */
    /* out (coil_subset): the input coils kept, in output order */
    size_t kept[MRV_RESHAPE_MAX_COILS];
    size_t nkept;
};

struct mrv_reshape_ops {
    /* The output dims (same rank as the planned input) of `plan`. */
    void (*dims)(const void *plan, size_t *out);
    /* Write io->kspace_out (and io->maps_out when both it and io->maps are
     * given) from the inputs. MRV_EINVAL when an array is not of the
     * planned (input) or dims() (output) shape. */
    enum mrv_status (*execute)(const void *plan, uint64_t seed, const struct mrv_case *clean,
                               struct mrv_reshape_io *io, struct mrv_drawn *drawn,
                               struct mrv_error *err);
};

/* For callers that own no output buffers (allocates): fill io->kspace_out
 * (and io->maps_out, when io->maps is non-empty and io->maps_out non-NULL)
 * with new arrays of the plan's dims and execute `pert`'s reshape. On
 * error the outputs are left empty. MRV_EMISUSE if `pert` has no reshape. */
enum mrv_status mrv_reshape_run(const struct mrv_perturbation *pert, const void *plan,
                                uint64_t seed, const struct mrv_case *clean,
                                struct mrv_reshape_io *io, struct mrv_drawn *drawn,
                                struct mrv_error *err);

/* The in-place execute() of a reshaping family: refuses (MRV_EMISUSE). */
enum mrv_status mrv_reshape_refuse_inplace(const void *plan, uint64_t seed,
                                           const struct mrv_case *clean, struct mrv_array *data,
                                           struct mrv_drawn *drawn, struct mrv_error *err);

/* ---- Fourier interpolation (band-limited, sinc) onto a finer grid ------
 *
 * Real images (slices, ny, nx) f32 -> (slices, my, mx), my >= ny, mx >= nx:
 *   out = Re ifft2c_{my,mx}( pad( fft2c_{ny,nx}(in) ) )
 * with core/fft.h's centred orthonormal FFTs (fastMRI's fft2c); pad puts
 * the spectrum in the centre of a zero (my, mx) spectrum, and for an even
 * input length that grows it splits the Nyquist bin in halves at -n/2 and
 * +n/2, as scipy.signal.resample does, so a real input stays real. This is
 * exactly zero-filling the spectrum of the image: an image of n' pixels
 * reconstructed from the central n' samples of n-sample k-space comes out
 * sqrt(n/n') brighter per axis in the orthonormal convention, and this
 * interpolation multiplies by sqrt(n'/n): the output is on the intensity
 * scale of the full-matrix reference (a constant c becomes c sqrt(n/m)
 * for an axis of n grown to m). Per axis this is scipy.signal.resample(x,
 * m) * sqrt(n/m). A band-limited image (no energy at or above the Nyquist
 * frequency of the smaller grid) is reproduced exactly.
 * Plan/execute: plan allocates FFT plans and scratch; execute allocates
 * nothing and is reentrant. */
struct mrv_resize;

enum mrv_status mrv_resize_plan_create(size_t ny, size_t nx, size_t my, size_t mx,
                                       struct mrv_resize **out, struct mrv_error *err);
/* in (slices, ny, nx) f32 -> out (slices, my, mx) f32, allocated by the
 * caller. MRV_EINVAL naming both shapes otherwise. */
enum mrv_status mrv_resize_execute(const struct mrv_resize *r, const struct mrv_array *in,
                                   struct mrv_array *out, struct mrv_error *err);
void mrv_resize_destroy(struct mrv_resize *r);

#endif
