/* CG-SENSE (Pruessmann, Weiger, Börnert, Boesiger, "Advances in sensitivity
 * encoding with arbitrary k-space trajectories", MRM 46:638, 2001) for
 * Cartesian data, and coil maps estimated from the calibration centre.
 *
 * Forward model per slice: y_c = M F (S_c x), with F the centred
 * orthonormal 2-D FFT (core/fft.h), M the column mask, S_c the coil maps.
 * CG solves the normal equations E^H E x = E^H y from x = 0; E^H E is
 * Hermitian positive semi-definite, so CG applies (Pruessmann 2001, eq. 9).
 * With noiseless data, the true maps and a sampling that SENSE can unfold
 * (R = 2 equispaced), x converges to the object exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"
#include "core/fft.h"

/* The mask as one byte per column: given, or the columns where any sample
 * of the k-space is non-zero. */
static uint8_t *column_mask(const struct mrv_array *k, const struct mrv_array *mask)
{
    size_t nx = k->dims[3], rows = mrv_array_count(k) / nx;
    uint8_t *m = calloc(nx, 1);
    if (!m)
        return NULL;
    if (mask && mask->ndim == 1 && mask->dims[0] == nx) {
        memcpy(m, mask->data, nx);
        return m;
    }
    const float complex *d = k->data;
    for (size_t r = 0; r < rows; r++)
        for (size_t x = 0; x < nx; x++)
            m[x] |= d[r * nx + x] != 0;
    return m;
}

static double dot_re(const float complex *a, const float complex *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)crealf(a[i]) * crealf(b[i]) + (double)cimagf(a[i]) * cimagf(b[i]);
    return s;
}

/* out = E^H E x, with tmp one image of scratch. */
static void normal_op(const struct mrv_fft *fft, const float complex *maps, size_t nc,
                      size_t ny, size_t nx, const uint8_t *m, const float complex *x,
                      float complex *out, float complex *tmp)
{
    size_t npix = ny * nx;
    memset(out, 0, npix * sizeof *out);
    for (size_t c = 0; c < nc; c++) {
        const float complex *s = maps + c * npix;
        for (size_t p = 0; p < npix; p++)
            tmp[p] = s[p] * x[p];
        mrv_fft_forward(fft, tmp, 1);
        for (size_t y = 0; y < ny; y++)
            for (size_t q = 0; q < nx; q++)
                if (!m[q])
                    tmp[y * nx + q] = 0;
        mrv_fft_inverse(fft, tmp, 1);
        for (size_t p = 0; p < npix; p++)
            out[p] += conjf(s[p]) * tmp[p];
    }
}

enum mrv_status mrv_recon_cg_sense(const struct mrv_array *kspace, const struct mrv_array *mask,
                                   const struct mrv_array *maps, int iters, double tol,
                                   struct mrv_array *out, struct mrv_error *err)
{
    if (kspace->dtype != MRV_C64 || kspace->ndim != 4)
        return mrv_error_set(err, MRV_EINVAL, "cg_sense: k-space must be (slices, coils, ky, kx) "
                             "c64");
    size_t ns = kspace->dims[0], nc = kspace->dims[1], ny = kspace->dims[2], nx = kspace->dims[3];
    size_t npix = ny * nx;
    if (!maps || maps->dtype != MRV_C64 || maps->ndim != 4 || maps->dims[0] != ns ||
        maps->dims[1] != nc || maps->dims[2] != ny || maps->dims[3] != nx)
        return mrv_error_set(err, MRV_EINVAL, "cg_sense: coil maps must be (slices, coils, ky, "
                             "kx) c64 matching the k-space (%zu, %zu, %zu, %zu)", ns, nc, ny, nx);
    const struct mrv_fft *fft;
    enum mrv_status s = mrv_ad_fft_plan(ny, nx, &fft, err);
    if (s != MRV_OK || (s = mrv_array_alloc(out, MRV_F32, 3, (size_t[]){ns, ny, nx}, err)))
        return s;
    uint8_t *m = column_mask(kspace, mask);
    float complex *work = malloc(5 * npix * sizeof *work);
    if (!m || !work) {
        free(m);
        free(work);
        mrv_array_free(out);
        return mrv_error_set(err, MRV_ENOMEM, "cg_sense: out of memory");
    }
    float complex *x = work, *r = x + npix, *p = r + npix, *ap = p + npix, *tmp = ap + npix;
    for (size_t sl = 0; sl < ns; sl++) {
        const float complex *sm = (const float complex *)maps->data + sl * nc * npix;
        const float complex *ky = (const float complex *)kspace->data + sl * nc * npix;
        /* r = b = E^H y (the masked data, in case the caller did not zero it) */
        memset(r, 0, npix * sizeof *r);
        for (size_t c = 0; c < nc; c++) {
            for (size_t y = 0; y < ny; y++)
                for (size_t q = 0; q < nx; q++)
                    tmp[y * nx + q] = m[q] ? ky[c * npix + y * nx + q] : 0;
            mrv_fft_inverse(fft, tmp, 1);
            for (size_t i = 0; i < npix; i++)
                r[i] += conjf(sm[c * npix + i]) * tmp[i];
        }
        memset(x, 0, npix * sizeof *x);
        memcpy(p, r, npix * sizeof *p);
        double rr = dot_re(r, r, npix), rr0 = rr;
        for (int it = 0; it < iters && rr > tol * tol * rr0 && rr > 0; it++) {
            normal_op(fft, sm, nc, ny, nx, m, p, ap, tmp);
            double pap = dot_re(p, ap, npix);
            if (!(pap > 0))
                break;
            float alpha = (float)(rr / pap);
            for (size_t i = 0; i < npix; i++) {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
            }
            double rr_new = dot_re(r, r, npix);
            float beta = (float)(rr_new / rr);
            rr = rr_new;
            for (size_t i = 0; i < npix; i++)
                p[i] = r[i] + beta * p[i];
        }
        float *o = (float *)out->data + sl * npix;
        for (size_t i = 0; i < npix; i++) {
            double w = 0;
            for (size_t c = 0; c < nc; c++) {
                float complex v = sm[c * npix + i];
                w += (double)crealf(v) * crealf(v) + (double)cimagf(v) * cimagf(v);
            }
            o[i] = (float)(cabsf(x[i]) * sqrt(w));
        }
    }
    free(m);
    free(work);
    return MRV_OK;
}

enum mrv_status mrv_coil_maps_estimate(const struct mrv_array *kspace, const struct mrv_array *mask,
                                       struct mrv_array *maps, struct mrv_error *err)
{
    if (kspace->dtype != MRV_C64 || kspace->ndim != 4)
        return mrv_error_set(err, MRV_EINVAL, "coil maps: k-space must be (slices, coils, ky, kx) "
                             "c64");
    size_t ns = kspace->dims[0], nc = kspace->dims[1], ny = kspace->dims[2], nx = kspace->dims[3];
    size_t npix = ny * nx;
    uint8_t *m = column_mask(kspace, mask);
    if (!m)
        return mrv_error_set(err, MRV_ENOMEM, "coil maps: out of memory");
    /* The calibration region: the run of sampled columns containing nx/2. */
    size_t lo = nx / 2, hi = nx / 2;
    if (!m[nx / 2]) {
        free(m);
        return mrv_error_set(err, MRV_EINVAL, "coil maps: the k-space centre column (%zu) is "
                             "not sampled; no calibration region to estimate maps from", nx / 2);
    }
    while (lo > 0 && m[lo - 1])
        lo--;
    while (hi + 1 < nx && m[hi + 1])
        hi++;
    free(m);
    size_t w = hi - lo + 1;
    if (w < 4)
        return mrv_error_set(err, MRV_EINVAL, "coil maps: only %zu calibration columns around "
                             "the centre, need at least 4", w);
    const struct mrv_fft *fft;
    enum mrv_status s = mrv_ad_fft_plan(ny, nx, &fft, err);
    if (s != MRV_OK || (s = mrv_array_alloc(maps, MRV_C64, 4, (size_t[]){ns, nc, ny, nx}, err)))
        return s;
    double *rss = malloc(npix * sizeof *rss);
    if (!rss) {
        mrv_array_free(maps);
        return mrv_error_set(err, MRV_ENOMEM, "coil maps: out of memory");
    }
    /* Same calibration width along ky, so the low-resolution images are
     * isotropic; a Hann window avoids ringing into the maps. */
    size_t ylo = ny / 2 > w / 2 ? ny / 2 - w / 2 : 0, yhi = ylo + w < ny ? ylo + w : ny;
    for (size_t sl = 0; sl < ns; sl++) {
        float complex *out = (float complex *)maps->data + sl * nc * npix;
        const float complex *k = (const float complex *)kspace->data + sl * nc * npix;
        memset(rss, 0, npix * sizeof *rss);
        for (size_t c = 0; c < nc; c++) {
            float complex *img = out + c * npix;
            for (size_t y = 0; y < ny; y++)
                for (size_t x = 0; x < nx; x++) {
                    float complex v = 0;
                    if (y >= ylo && y < yhi && x >= lo && x <= hi) {
                        double wy = 0.5 - 0.5 * cos(2 * M_PI * ((double)(y - ylo) + 0.5) /
                                                    (double)(yhi - ylo));
                        double wx = 0.5 - 0.5 * cos(2 * M_PI * ((double)(x - lo) + 0.5) /
                                                    (double)w);
                        v = k[c * npix + y * nx + x] * (float)(wy * wx);
                    }
                    img[y * nx + x] = v;
                }
            mrv_fft_inverse(fft, img, 1);
            for (size_t i = 0; i < npix; i++)
                rss[i] += (double)crealf(img[i]) * crealf(img[i]) +
                          (double)cimagf(img[i]) * cimagf(img[i]);
        }
        double mx = 0;
        for (size_t i = 0; i < npix; i++)
            mx = rss[i] > mx ? rss[i] : mx;
        /* Below 1% of the peak RSS (1e-4 of the peak energy) is background:
         * maps are set to 0 there, as ESPIRiT's crop does. */
        for (size_t i = 0; i < npix; i++) {
            double r = sqrt(rss[i]);
            for (size_t c = 0; c < nc; c++)
                out[c * npix + i] = rss[i] > 1e-4 * mx ? out[c * npix + i] / (float)r : 0;
        }
    }
    free(rss);
    return MRV_OK;
}
