/* The built-in `phantom` test set: Shepp–Logan slices with simulated
 * multi-coil k-space (docs/datasets/phantom.md).
 *
 * Case 0 is the 2D modified Shepp–Logan phantom exactly (Toft); cases 1..4
 * are axial planes of the 3D phantom, so a study has several distinct
 * anatomies to average over. Each case carries:
 *   kspace     (1, coils, n, n) c64: centred orthonormal FFT of coil_map * object
 *   coil_maps  (1, coils, n, n) c64: datasets/coils.h, RSS = 1
 *   reference  (1, n, n) f32: RSS over coils of the inverse FFT of kspace,
 *              which is fastMRI's reconstruction_rss (equal to |object| up
 *              to float rounding)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "datasets/coils.h"
#include "datasets/dataset_internal.h"
#include "datasets/phantom.h"

static const struct {
    const char *id;
    double z; /* NAN: the 2D phantom */
} phantom_cases[] = {
    {"shepp_logan_2d", NAN},
    {"shepp_logan_3d_z-0.30", -0.30},
    {"shepp_logan_3d_z-0.10", -0.10},
    {"shepp_logan_3d_z+0.10", 0.10},
    {"shepp_logan_3d_z+0.30", 0.30},
};
#define NPHANTOM (sizeof phantom_cases / sizeof phantom_cases[0])

struct phantom_state {
    struct mrv_fft *fft;
    float complex *maps; /* shared by all cases: coils * n * n */
};

static void phantom_close(void *state)
{
    struct phantom_state *st = state;
    if (!st)
        return;
    mrv_fft_destroy(st->fft);
    free(st->maps);
    free(st);
}

static enum mrv_status phantom_open(struct mrv_dataset *ds, struct mrv_error *err)
{
    const struct mrv_dataset_opts *o = &ds->opts;
    if (o->matrix < 16 || o->matrix > 4096)
        return mrv_error_set(err, MRV_EINVAL,
                             "dataset phantom: matrix %zu, expected 16..4096", o->matrix);
    if (o->ncoils < 1 || o->ncoils > 64)
        return mrv_error_set(err, MRV_EINVAL,
                             "dataset phantom: coils %d, expected 1..64", o->ncoils);
    struct phantom_state *st = calloc(1, sizeof *st);
    if (!st)
        return mrv_error_set(err, MRV_ENOMEM, "dataset phantom: out of memory");
    size_t n = o->matrix, shape[2] = {n, n};
    enum mrv_status s = mrv_fft_plan_create(2, shape, &st->fft, err);
    if (s == MRV_OK) {
        st->maps = malloc((size_t)o->ncoils * n * n * sizeof *st->maps);
        s = st->maps ? mrv_coils_simulate(o->ncoils, n, n, st->maps, err)
                     : mrv_error_set(err, MRV_ENOMEM, "dataset phantom: out of memory");
    }
    if (s != MRV_OK) {
        phantom_close(st);
        return s;
    }
    ds->state = st;
    ds->count = NPHANTOM;
    return MRV_OK;
}

static const char *phantom_case_id(const struct mrv_dataset *ds, size_t i)
{
    (void)ds;
    return i < NPHANTOM ? phantom_cases[i].id : NULL;
}

static enum mrv_status phantom_load(const struct mrv_dataset *ds, size_t i,
                                    struct mrv_case *c, struct mrv_error *err)
{
    const struct phantom_state *st = ds->state;
    size_t n = ds->opts.matrix, npix = n * n;
    size_t nc = (size_t)ds->opts.ncoils;
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "%s", phantom_cases[i].id);
    c->task = MRV_TASK_RECONSTRUCTION;
    /* A 220 mm field of view, 5 mm slices: a typical axial brain scan. */
    c->spacing[0] = 5.0;
    c->spacing[1] = c->spacing[2] = 220.0 / (double)n;

    size_t kdims[4] = {1, nc, n, n}, rdims[3] = {1, n, n};
    enum mrv_status s;
    if ((s = mrv_array_alloc(&c->kspace, MRV_C64, 4, kdims, err)) != MRV_OK ||
        (s = mrv_array_alloc(&c->coil_maps, MRV_C64, 4, kdims, err)) != MRV_OK ||
        (s = mrv_array_alloc(&c->reference, MRV_F32, 3, rdims, err)) != MRV_OK)
        goto fail;

    float *obj = c->reference.data; /* object first, RSS overwrites it below */
    if (isnan(phantom_cases[i].z))
        mrv_phantom_shepp_logan_2d(n, n, obj);
    else
        mrv_phantom_shepp_logan_3d_slice(n, n, phantom_cases[i].z, obj);

    float complex *k = c->kspace.data;
    memcpy(c->coil_maps.data, st->maps, nc * npix * sizeof *k);
    for (size_t q = 0; q < nc; q++)
        for (size_t p = 0; p < npix; p++)
            k[q * npix + p] = st->maps[q * npix + p] * obj[p];
    mrv_fft_forward(st->fft, k, nc);

    /* Reference exactly as fastMRI defines reconstruction_rss: inverse FFT
     * of the fully sampled k-space, root-sum-of-squares over coils. */
    float complex *img = malloc(nc * npix * sizeof *img);
    if (!img) {
        s = mrv_error_set(err, MRV_ENOMEM, "dataset phantom: out of memory");
        goto fail;
    }
    memcpy(img, k, nc * npix * sizeof *img);
    mrv_fft_inverse(st->fft, img, nc);
    for (size_t p = 0; p < npix; p++) {
        double ss = 0.0;
        for (size_t q = 0; q < nc; q++) {
            float complex v = img[q * npix + p];
            ss += (double)crealf(v) * crealf(v) + (double)cimagf(v) * cimagf(v);
        }
        obj[p] = (float)sqrt(ss);
    }
    free(img);

    if ((s = mrv_case_set_meta(c, "anatomy", "phantom", err)) != MRV_OK ||
        (s = mrv_case_set_meta(c, "contrast", "proton density (Shepp-Logan)", err)) != MRV_OK ||
        (s = mrv_case_set_meta(c, "site", "simulated", err)) != MRV_OK)
        goto fail;
    return MRV_OK;
fail:
    mrv_case_free(c);
    return s;
}

const struct mrv_dataset_ops mrv_dataset_phantom_ops = {
    .kind = {"phantom", "Shepp-Logan 2D + 3D slices, simulated multi-coil k-space (built in)"},
    .open = phantom_open,
    .close = phantom_close,
    .case_id = phantom_case_id,
    .load = phantom_load,
};
