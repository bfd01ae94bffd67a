/* tests/adapters/adapter_fixture.h — a small phantom case and the error
 * measure the adapter tests share (header-only, static). */
#ifndef MRV_TESTS_ADAPTER_FIXTURE_H
#define MRV_TESTS_ADAPTER_FIXTURE_H

#include <math.h>

#include "core/case.h"
#include "datasets/dataset.h"
#include "tests_util.h"

/* Case `i` of the built-in phantom at `matrix` pixels with `coils` coils. */
static inline void fx_phantom(size_t matrix, int coils, size_t i, struct mrv_case *c)
{
    struct mrv_error err = {0};
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.matrix = matrix;
    o.ncoils = coils;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("phantom", &o, &ds, &err), &err);
    assert_ok(mrv_dataset_load(ds, i, c, &err), &err);
    mrv_dataset_close(ds);
}

/* ||a - b|| / ||b|| over f32 arrays of equal size (fastMRI's NMSE is its square). */
static inline double fx_nrmse(const struct mrv_array *a, const struct mrv_array *b)
{
    const float *x = a->data, *y = b->data;
    double num = 0, den = 0;
    for (size_t i = 0; i < mrv_array_count(b); i++) {
        num += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
        den += (double)y[i] * y[i];
    }
    return sqrt(num / den);
}

/* Zero the k-space columns the (kx) mask drops; returns the mask array. */
static inline void fx_apply_mask(struct mrv_array *k, const uint8_t *m, struct mrv_array *mask)
{
    struct mrv_error err = {0};
    size_t nx = k->dims[3], rows = mrv_array_count(k) / nx;
    float complex *d = k->data;
    for (size_t r = 0; r < rows; r++)
        for (size_t x = 0; x < nx; x++)
            if (!m[x])
                d[r * nx + x] = 0;
    assert_ok(mrv_array_alloc(mask, MRV_U8, 1, (size_t[]){nx}, &err), &err);
    memcpy(mask->data, m, nx);
}

#endif
