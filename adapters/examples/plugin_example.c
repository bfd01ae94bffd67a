/* An example mrvet model plugin (docs/adapters.md, "plugin"): zero-filled
 * reconstruction written against adapters/mrvet_plugin.h only — no FFT
 * library, a plain separable centred inverse DFT — so it shows everything
 * a plugin needs and nothing else. Built by CMake as
 * <build>/plugins/mrvet_plugin_example.so and used by
 * tests/adapters/test_plugin.c.
 *
 * Settings: mode = zero_filled (default) | magnitude (|k| of coil 0, a
 * near-free model for measuring the adapter's overhead) | fail (infer
 * always fails, to test error reporting); scale = a factor applied to the
 * output (default 1). */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mrvet_plugin.h"

struct example {
    int mode; /* 0 zero_filled, 1 magnitude, 2 fail */
    double scale;
};

static int example_init(const char *const *keys, const char *const *values, int n,
                        void **instance, char *errbuf, size_t errlen)
{
    struct example *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(errbuf, errlen, "out of memory");
        return 1;
    }
    e->scale = 1;
    for (int i = 0; i < n; i++) {
        if (strcmp(keys[i], "mode") == 0) {
            if (strcmp(values[i], "zero_filled") == 0)
                e->mode = 0;
            else if (strcmp(values[i], "magnitude") == 0)
                e->mode = 1;
            else if (strcmp(values[i], "fail") == 0)
                e->mode = 2;
            else {
                snprintf(errbuf, errlen, "mode '%s': expected zero_filled, magnitude or fail",
                         values[i]);
                free(e);
                return 1;
            }
        } else if (strcmp(keys[i], "scale") == 0) {
            char *end;
            e->scale = strtod(values[i], &end);
            if (end == values[i] || *end) {
                snprintf(errbuf, errlen, "scale '%s': expected a number", values[i]);
                free(e);
                return 1;
            }
        } else {
            snprintf(errbuf, errlen, "unknown setting '%s' (expected mode, scale)", keys[i]);
            free(e);
            return 1;
        }
    }
    *instance = e;
    return 0;
}

/* Centred orthonormal inverse DFT along one axis of length n with stride:
 * out[j] = n^-1/2 sum_k in[k] exp(+2 pi i (k - n/2)(j - n/2) / n). */
static void idft_axis(double complex *v, size_t n, size_t stride, double complex *tmp)
{
    for (size_t j = 0; j < n; j++) {
        double complex acc = 0;
        for (size_t k = 0; k < n; k++) {
            double ph = 2 * M_PI * ((double)k - (double)(n / 2)) *
                        ((double)j - (double)(n / 2)) / (double)n;
            acc += v[k * stride] * cexp(I * ph);
        }
        tmp[j] = acc / sqrt((double)n);
    }
    for (size_t j = 0; j < n; j++)
        v[j * stride] = tmp[j];
}

static int example_infer(void *instance, const struct mrv_plugin_inputs *in, char *errbuf,
                         size_t errlen)
{
    const struct example *e = instance;
    const struct mrv_plugin_tensor *k = &in->kspace;
    if (e->mode == 2) {
        snprintf(errbuf, errlen, "failing on purpose (mode = fail)");
        return 1;
    }
    if (in->task != MRV_PLUGIN_RECONSTRUCTION || k->ndim != 4 || k->dtype != MRV_PLUGIN_C64) {
        snprintf(errbuf, errlen, "expected reconstruction k-space (slices, coils, ky, kx) c64");
        return 1;
    }
    size_t ns = (size_t)k->dims[0], nc = (size_t)k->dims[1];
    size_t ny = (size_t)k->dims[2], nx = (size_t)k->dims[3], npix = ny * nx;
    int64_t odims[3] = {(int64_t)ns, (int64_t)ny, (int64_t)nx};
    float *out = in->alloc_output(in->host, MRV_PLUGIN_F32, 3, odims);
    if (!out) {
        snprintf(errbuf, errlen, "cannot allocate the output");
        return 1;
    }
    const float complex *kd = k->data;
    if (e->mode == 1) {
        for (size_t s = 0; s < ns; s++)
            for (size_t p = 0; p < npix; p++)
                out[s * npix + p] = (float)(e->scale * cabsf(kd[s * nc * npix + p]));
        return 0;
    }
    double complex *img = malloc(npix * sizeof *img);
    double complex *tmp = malloc((ny > nx ? ny : nx) * sizeof *tmp);
    double *ss = malloc(npix * sizeof *ss);
    if (!img || !tmp || !ss) {
        free(img);
        free(tmp);
        free(ss);
        snprintf(errbuf, errlen, "out of memory");
        return 1;
    }
    for (size_t s = 0; s < ns; s++) {
        memset(ss, 0, npix * sizeof *ss);
        for (size_t c = 0; c < nc; c++) {
            for (size_t p = 0; p < npix; p++)
                img[p] = kd[(s * nc + c) * npix + p];
            for (size_t y = 0; y < ny; y++)
                idft_axis(img + y * nx, nx, 1, tmp);
            for (size_t x = 0; x < nx; x++)
                idft_axis(img + x, ny, nx, tmp);
            for (size_t p = 0; p < npix; p++)
                ss[p] += creal(img[p]) * creal(img[p]) + cimag(img[p]) * cimag(img[p]);
        }
        for (size_t p = 0; p < npix; p++)
            out[s * npix + p] = (float)(e->scale * sqrt(ss[p]));
    }
    free(img);
    free(tmp);
    free(ss);
    return 0;
}

static void example_release(void *instance)
{
    free(instance);
}

static const struct mrv_plugin example = {
    .abi_version = MRV_PLUGIN_ABI_VERSION,
    .name = "example_zero_filled",
    .concurrent = 1, /* no shared mutable state */
    .init = example_init,
    .infer = example_infer,
    .release = example_release,
};

const struct mrv_plugin *mrv_plugin_entry(int host_abi_version)
{
    return host_abi_version == MRV_PLUGIN_ABI_VERSION ? &example : NULL;
}
