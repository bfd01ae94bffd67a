/* perturbations/common.h — helpers the families share (internal to the folder).
 *
 * Geometry convention (docs/perturbations/README.md): k-space is
 * (slices, coils, ky, kx) c64 with core/fft.h's centred orthonormal FFT.
 * The LAST axis (kx, image x, the axis a mask runs along) is the
 * PHASE-ENCODE axis: one column kx is one acquired line (one excitation /
 * shot). The second-to-last axis (ky, image y) is the READOUT (frequency
 * encode) axis: the samples of one column are read in one echo, in order of
 * increasing ky. This is fastMRI's layout (H = readout, W = phase encode).
 * Spacing (dz, dy, dx) in mm: dy is the readout pixel size, dx the
 * phase-encode pixel size. Sample index i of an n-point axis has spatial
 * frequency (i - n/2)/n cycles per pixel.
 */
#ifndef MRV_PERTURBATIONS_COMMON_H
#define MRV_PERTURBATIONS_COMMON_H

#include <complex.h>
#include <pthread.h>
#include <stddef.h>

#include "perturbations/perturb.h"

/* A k-space buffer seen as (slices, coils, ny, nx). Single-coil k-space
 * (slices, ky, kx) c64 is seen with coils = 1. */
struct mrv_kview {
    size_t slices, coils, ny, nx;
    float complex *k;
};

/* Fill `v` from `a` (rank 3 or 4, c64). MRV_EINVAL naming `family` and what
 * was found otherwise. */
enum mrv_status mrv_pert_kview(const char *family, const struct mrv_array *a,
                               struct mrv_kview *v, struct mrv_error *err);

/* The first step of a k-space plan: `p` checked against `pert`'s parameter
 * table, then `v` filled from `shape` as mrv_pert_kview does. */
enum mrv_status mrv_pert_plan_kview(const struct mrv_perturbation *pert, const double *p,
                                    const struct mrv_array *shape, struct mrv_kview *v,
                                    struct mrv_error *err);

/* MRV_EINVAL unless `data` has exactly the shape the plan was made for
 * (plans are per shape; a case of another shape must be planned again). */
enum mrv_status mrv_pert_same_shape(const char *family, const struct mrv_kview *planned,
                                    const struct mrv_array *data, struct mrv_error *err);

/* The coil maps of `clean` as a (slices, coils, ny, nx) array matching `v`,
 * or NULL when the case has none of that shape (then families treat every
 * coil image as the object: coil sensitivities move with it). */
const float complex *mrv_pert_coil_maps(const struct mrv_case *clean,
                                        const struct mrv_kview *v);

/* Spatial frequency of index i on an n-point centred axis, cycles/pixel. */
static inline double mrv_pert_freq(size_t i, size_t n)
{
    return ((double)i - (double)(n / 2)) / (double)n;
}

/* Phase-encode orderings: the acquisition time of each column. */
enum mrv_pe_order { MRV_ORDER_SEQUENTIAL = 0, MRV_ORDER_CENTRIC = 1, MRV_ORDER_INTERLEAVED = 2 };

/* t[x] in [0, 1): mid-time of column x's acquisition as a fraction of the
 * scan, (rank + 0.5) / n, rank = its place in the ordering:
 *   sequential  x = 0, 1, ..., n-1 (linear, as most spin-warp scans)
 *   centric     n/2, n/2-1, n/2+1, n/2-2, ... (centre out)
 *   interleaved even columns first, then odd (two shots)                 */
void mrv_pert_pe_times(enum mrv_pe_order order, size_t n, double *t);

/* Foreground mean of the clean reference (noise.h's definition), 0 if none. */
double mrv_pert_signal(const struct mrv_case *clean);

/* A pool of scratch buffers allocated by plan(), so that execute() allocates
 * nothing yet stays reentrant: each execute borrows one slot for its
 * duration (waiting if all are busy). Slots are identical, so which one a
 * call gets never changes its output. */
struct mrv_scratch_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int nslots;
    size_t bytes;
    void **slot;
    unsigned char *busy;
};

/* nslots = online CPUs, 1..16. */
enum mrv_status mrv_scratch_create(struct mrv_scratch_pool *p, size_t bytes, const char *family,
                                   struct mrv_error *err);
void *mrv_scratch_take(struct mrv_scratch_pool *p);
void mrv_scratch_give(struct mrv_scratch_pool *p, void *buf);
void mrv_scratch_destroy(struct mrv_scratch_pool *p);

/* Multiply column x of every (slice, coil) plane by exp(-i 2 pi (fy dy[x] +
 * fx dx[x])) — the Fourier shift theorem: the image content of column x is
 * translated by (dy[x], dx[x]) pixels (sub-pixel exact, circular). `ramp`
 * is scratch of ny * nx complex. */
void mrv_pert_shift_columns(const struct mrv_kview *v, const double *dy, const double *dx,
                            float complex *ramp);

/* The plan of families that need no precomputation: the parameters and
 * the shape they were validated for. */
struct mrv_simple_plan {
    double p[MRV_PERT_MAX_PARAMS];
    struct mrv_kview shape;
};

/* Check `p` against `pert`'s table and `shape` as k-space; allocate. */
enum mrv_status mrv_simple_plan_create(const struct mrv_perturbation *pert,
                                       const struct mrv_array *shape, const double *p,
                                       void **plan, struct mrv_error *err);
void mrv_simple_plan_destroy(void *plan);

/* max |k| over one (ny * nx) plane. */
double mrv_pert_plane_max(const float complex *k, size_t n);

#endif
