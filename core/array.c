#include "core/array.h"

#include <fftw3.h>
#include <stdio.h>
#include <string.h>

size_t mrv_dtype_size(enum mrv_dtype dt)
{
    switch (dt) {
    case MRV_F32: return 4;
    case MRV_C64: return 8;
    case MRV_U8: return 1;
    case MRV_I16: return 2;
    case MRV_I32: return 4;
    case MRV_F64: return 8;
    case MRV_DT_NONE: break;
    }
    return 0;
}

const char *mrv_dtype_name(enum mrv_dtype dt)
{
    switch (dt) {
    case MRV_F32: return "f32";
    case MRV_C64: return "c64";
    case MRV_U8: return "u8";
    case MRV_I16: return "i16";
    case MRV_I32: return "i32";
    case MRV_F64: return "f64";
    case MRV_DT_NONE: break;
    }
    return "none";
}

static void array_reset(struct mrv_array *a)
{
    memset(a, 0, sizeof *a);
}

enum mrv_status mrv_array_alloc(struct mrv_array *a, enum mrv_dtype dt,
                                int ndim, const size_t dims[],
                                struct mrv_error *err)
{
    array_reset(a);
    size_t esize = mrv_dtype_size(dt);
    if (esize == 0)
        return mrv_error_set(err, MRV_EINVAL, "array: unknown dtype %d", (int)dt);
    if (ndim < 1 || ndim > MRV_MAX_DIMS)
        return mrv_error_set(err, MRV_EINVAL,
                             "array: rank %d, expected 1..%d", ndim, MRV_MAX_DIMS);
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] == 0)
            return mrv_error_set(err, MRV_EINVAL, "array: dimension %d is 0", i);
        if (n > SIZE_MAX / dims[i] / esize)
            return mrv_error_set(err, MRV_EINVAL, "array: size overflows");
        n *= dims[i];
    }
    void *p = fftwf_malloc(n * esize);
    if (!p)
        return mrv_error_set(err, MRV_ENOMEM,
                             "array: cannot allocate %zu bytes", n * esize);
    memset(p, 0, n * esize);
    a->dtype = dt;
    a->ndim = ndim;
    memcpy(a->dims, dims, (size_t)ndim * sizeof dims[0]);
    a->data = p;
    a->owned = true;
    return MRV_OK;
}

void mrv_array_borrow(struct mrv_array *a, enum mrv_dtype dt, int ndim,
                      const size_t dims[], void *data)
{
    array_reset(a);
    a->dtype = dt;
    a->ndim = ndim;
    memcpy(a->dims, dims, (size_t)ndim * sizeof dims[0]);
    a->data = data;
    a->owned = false;
}

enum mrv_status mrv_array_copy(struct mrv_array *dst,
                               const struct mrv_array *src,
                               struct mrv_error *err)
{
    enum mrv_status s = mrv_array_alloc(dst, src->dtype, src->ndim, src->dims, err);
    if (s == MRV_OK)
        memcpy(dst->data, src->data, mrv_array_nbytes(src));
    return s;
}

void mrv_array_free(struct mrv_array *a)
{
    if (!a)
        return;
    if (a->owned && a->data)
        fftwf_free(a->data);
    array_reset(a);
}

size_t mrv_array_count(const struct mrv_array *a)
{
    if (!a || a->ndim == 0)
        return 0;
    size_t n = 1;
    for (int i = 0; i < a->ndim; i++)
        n *= a->dims[i];
    return n;
}

size_t mrv_array_nbytes(const struct mrv_array *a)
{
    return mrv_array_count(a) * mrv_dtype_size(a->dtype);
}

bool mrv_array_same_shape(const struct mrv_array *a, const struct mrv_array *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

enum mrv_status mrv_array_center_crop(const struct mrv_array *in, size_t ny, size_t nx,
                                      struct mrv_array *out, struct mrv_error *err)
{
    if (in->dtype != MRV_F32 || in->ndim != 3 || !ny || !nx || ny > in->dims[1] ||
        nx > in->dims[2])
        return mrv_error_set(err, MRV_EINVAL,
                             "centre crop: cannot take (%zu, %zu) from a rank %d %s image", ny,
                             nx, in->ndim, mrv_dtype_name(in->dtype));
    size_t ns = in->dims[0], iy = in->dims[1], ix = in->dims[2];
    enum mrv_status s = mrv_array_alloc(out, MRV_F32, 3, (size_t[]){ns, ny, nx}, err);
    if (s != MRV_OK)
        return s;
    size_t oy = (iy - ny) / 2, ox = (ix - nx) / 2; /* rounded down, as fastMRI */
    const float *a = in->data;
    float *b = out->data;
    for (size_t sl = 0; sl < ns; sl++)
        for (size_t y = 0; y < ny; y++)
            memcpy(b + (sl * ny + y) * nx, a + (sl * iy + y + oy) * ix + ox, nx * sizeof *b);
    return MRV_OK;
}

void mrv_array_describe(const struct mrv_array *a, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    used += (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < a->ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%zu",
                                 i ? ", " : "", a->dims[i]);
    if (used < size)
        snprintf(buf + used, size - used, ") %s", mrv_dtype_name(a->dtype));
}
