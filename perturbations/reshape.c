/* Shape-changing families: the shared driver and Fourier interpolation
 * (perturbations/reshape.h). */
#include "perturbations/reshape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "perturbations/common.h"

enum mrv_status mrv_reshape_run(const struct mrv_perturbation *pert, const void *plan,
                                uint64_t seed, const struct mrv_case *clean,
                                struct mrv_reshape_io *io, struct mrv_drawn *drawn,
                                struct mrv_error *err)
{
    if (!pert || !pert->reshape || !io || !io->kspace || !io->kspace_out)
        return mrv_error_set(err, MRV_EMISUSE, "perturbation %s: changes no array shape",
                             pert ? pert->name : "(null)");
    size_t d[MRV_MAX_DIMS] = {0};
    pert->reshape->dims(plan, d);
    int with_maps = io->maps && io->maps->ndim != 0 && io->maps_out;
    enum mrv_status s = mrv_array_alloc(io->kspace_out, MRV_C64, io->kspace->ndim, d, err);
    if (s == MRV_OK && with_maps)
        s = mrv_array_alloc(io->maps_out, MRV_C64, io->kspace->ndim, d, err);
    struct mrv_array *keep_maps = io->maps_out;
    if (!with_maps)
        io->maps_out = NULL;
    if (s == MRV_OK)
        s = pert->reshape->execute(plan, seed, clean, io, drawn, err);
    io->maps_out = keep_maps;
    if (s != MRV_OK) {
        mrv_array_free(io->kspace_out);
        if (with_maps)
            mrv_array_free(io->maps_out);
    }
    return s;
}

enum mrv_status mrv_reshape_refuse_inplace(const void *plan, uint64_t seed,
                                           const struct mrv_case *clean, struct mrv_array *data,
                                           struct mrv_drawn *drawn, struct mrv_error *err)
{
    (void)plan;
    (void)seed;
    (void)clean;
    (void)data;
    (void)drawn;
    return mrv_error_set(err, MRV_EMISUSE,
                         "this perturbation changes the array shapes and cannot run in place "
                         "(not in a chain, not on images); run it through mrv_reshape_run");
}

/* ---- Fourier interpolation ---------------------------------------------- */

struct mrv_resize {
    size_t ny, nx, my, mx;
    struct mrv_fft *small, *big;
    struct mrv_scratch_pool pool; /* small plane + big plane */
};

void mrv_resize_destroy(struct mrv_resize *r)
{
    if (!r)
        return;
    mrv_fft_destroy(r->small);
    mrv_fft_destroy(r->big);
    mrv_scratch_destroy(&r->pool);
    free(r);
}

enum mrv_status mrv_resize_plan_create(size_t ny, size_t nx, size_t my, size_t mx,
                                       struct mrv_resize **out, struct mrv_error *err)
{
    *out = NULL;
    if (ny < 1 || nx < 1 || my < ny || mx < nx)
        return mrv_error_set(err, MRV_EINVAL,
                             "Fourier interpolation from %zu x %zu to %zu x %zu: expected a "
                             "grid at least as large", ny, nx, my, mx);
    struct mrv_resize *r = calloc(1, sizeof *r);
    if (!r)
        return mrv_error_set(err, MRV_ENOMEM, "Fourier interpolation: out of memory");
    *r = (struct mrv_resize){.ny = ny, .nx = nx, .my = my, .mx = mx};
    enum mrv_status s = mrv_fft_plan_create(2, (size_t[]){ny, nx}, &r->small, err);
    if (s == MRV_OK)
        s = mrv_fft_plan_create(2, (size_t[]){my, mx}, &r->big, err);
    if (s == MRV_OK)
        s = mrv_scratch_create(&r->pool, (ny * nx + my * mx) * sizeof(float complex),
                               "resize", err);
    if (s != MRV_OK) {
        mrv_resize_destroy(r);
        return s;
    }
    *out = r;
    return MRV_OK;
}

/* Where index i of a centred n-point spectrum goes in a centred m-point
 * one (m >= n): to[0] with weight w; for the Nyquist bin of an even n
 * that grows, also to[1] (both halves 0.5, scipy.signal.resample's split). */
static int place(size_t i, size_t n, size_t m, size_t to[2], float *w)
{
    size_t off = m / 2 - n / 2;
    to[0] = i + off;
    *w = 1.0f;
    if (n % 2 == 0 && m > n && i == 0) {
        to[1] = off + n; /* frequency +n/2 */
        *w = 0.5f;
        return 2;
    }
    return 1;
}

enum mrv_status mrv_resize_execute(const struct mrv_resize *r, const struct mrv_array *in,
                                   struct mrv_array *out, struct mrv_error *err)
{
    if (in->dtype != MRV_F32 || in->ndim != 3 || in->dims[1] != r->ny || in->dims[2] != r->nx ||
        out->dtype != MRV_F32 || out->ndim != 3 || out->dims[0] != in->dims[0] ||
        out->dims[1] != r->my || out->dims[2] != r->mx) {
        char a[96], b[96];
        mrv_array_describe(in, a, sizeof a);
        mrv_array_describe(out, b, sizeof b);
        return mrv_error_set(err, MRV_EINVAL,
                             "Fourier interpolation: %s -> %s, planned (slices, %zu, %zu) f32 "
                             "-> (slices, %zu, %zu) f32", a, b, r->ny, r->nx, r->my, r->mx);
    }
    size_t ns = r->ny * r->nx, nb = r->my * r->mx;
    unsigned char *buf = mrv_scratch_take((struct mrv_scratch_pool *)&r->pool);
    float complex *sm = (float complex *)buf, *bg = sm + ns;
    for (size_t sl = 0; sl < in->dims[0]; sl++) {
        const float *x = (const float *)in->data + sl * ns;
        for (size_t i = 0; i < ns; i++)
            sm[i] = x[i];
        mrv_fft_forward(r->small, sm, 1);
        memset(bg, 0, nb * sizeof *bg);
        for (size_t y = 0; y < r->ny; y++) {
            size_t ty[2], tx[2];
            float wy, wx;
            int cy = place(y, r->ny, r->my, ty, &wy);
            for (size_t xx = 0; xx < r->nx; xx++) {
                int cx = place(xx, r->nx, r->mx, tx, &wx);
                float complex v = sm[y * r->nx + xx] * (wy * wx);
                for (int a = 0; a < cy; a++)
                    for (int b = 0; b < cx; b++)
                        bg[ty[a] * r->mx + tx[b]] += v;
            }
        }
        mrv_fft_inverse(r->big, bg, 1);
        float *o = (float *)out->data + sl * nb;
        for (size_t i = 0; i < nb; i++)
            o[i] = crealf(bg[i]);
    }
    mrv_scratch_give((struct mrv_scratch_pool *)&r->pool, buf);
    return MRV_OK;
}
