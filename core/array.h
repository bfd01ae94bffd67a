/* core/array.h — the N-d array every module exchanges.
 *
 * C order: the last dimension is the fastest. Data is either owned (freed by
 * mrv_array_free) or borrowed (a view on someone else's memory, never freed
 * here). Owned data is allocated with FFTW's allocator, so any owned array
 * can be handed to an FFTW plan with SIMD alignment.
 *
 * Canonical layouts (DESIGN.md):
 *   k-space    (slices, coils, ky, kx)  MRV_C64, mask along the last axis
 *   image      (slices, y, x)           MRV_F32 magnitude or MRV_C64
 *   coil maps  (slices, coils, y, x)    MRV_C64
 *   labels     (slices, y, x)           MRV_U8
 *   probs      (classes, slices, y, x)  MRV_F32
 */
#ifndef MRV_CORE_ARRAY_H
#define MRV_CORE_ARRAY_H

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define MRV_MAX_DIMS 8

enum mrv_dtype {
    MRV_DT_NONE = 0,
    MRV_F32 = 1,
    MRV_C64 = 2, /* complex float: interleaved re, im (C99 float complex) */
    MRV_U8 = 3,
    MRV_I16 = 4,
    MRV_I32 = 5,
    MRV_F64 = 6
};

struct mrv_array {
    enum mrv_dtype dtype;
    int ndim;
    size_t dims[MRV_MAX_DIMS];
    void *data;
    bool owned;
};

/* Bytes per element of `dt`; 0 for MRV_DT_NONE or an unknown value. */
size_t mrv_dtype_size(enum mrv_dtype dt);

/* Short name ("f32", "c64", ...); "none" for an unknown value. */
const char *mrv_dtype_name(enum mrv_dtype dt);

/* Allocate an owned, zero-filled array. `a` is overwritten (not freed).
 * Errors: MRV_EINVAL for ndim outside 1..MRV_MAX_DIMS, a zero dimension or
 * an unknown dtype; MRV_ENOMEM. On error `a` is left empty. */
enum mrv_status mrv_array_alloc(struct mrv_array *a, enum mrv_dtype dt,
                                int ndim, const size_t dims[],
                                struct mrv_error *err);

/* Fill `a` as a borrowed view of `data` (not copied, never freed here). */
void mrv_array_borrow(struct mrv_array *a, enum mrv_dtype dt, int ndim,
                      const size_t dims[], void *data);

/* Deep copy of `src` into a new owned array `dst`. */
enum mrv_status mrv_array_copy(struct mrv_array *dst,
                               const struct mrv_array *src,
                               struct mrv_error *err);

/* Free owned data and reset to empty; borrowed data is left alone.
 * NULL and already-empty arrays are no-ops. */
void mrv_array_free(struct mrv_array *a);

/* Number of elements (product of dims); 0 for an empty array. */
size_t mrv_array_count(const struct mrv_array *a);

/* Size of the data in bytes. */
size_t mrv_array_nbytes(const struct mrv_array *a);

/* True when the two arrays have the same dtype, rank and dims. */
bool mrv_array_same_shape(const struct mrv_array *a, const struct mrv_array *b);

/* fastMRI's center_crop on images: a new owned (slices, ny, nx) f32 array
 * holding rows (y - ny) / 2 .. and columns (x - nx) / 2 .. of `in`
 * ((slices, y, x) f32). MRV_EINVAL when `in` is not such an image or is
 * smaller than (ny, nx); MRV_ENOMEM. */
enum mrv_status mrv_array_center_crop(const struct mrv_array *in, size_t ny, size_t nx,
                                      struct mrv_array *out, struct mrv_error *err);

/* Writes "(1, 8, 320, 320) c64" into buf (always NUL-terminated). */
void mrv_array_describe(const struct mrv_array *a, char *buf, size_t size);

#endif
