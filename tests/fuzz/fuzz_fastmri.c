/* tests/fuzz/fuzz_fastmri.c — the fastMRI HDF5 reader (datasets/fastmri.h)
 * on arbitrary bytes: open, then read back the first and last slice of
 * k-space, each reconstruction and the mask when the declared sizes are
 * modest. Any outcome but a crash, a sanitizer report or a leak is fine. */
#include <complex.h>
#include <stdlib.h>

#include "datasets/fastmri.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = mrv_fuzz_write("f.h5", data, size);
    if (!path)
        return 0;
    struct mrv_error err = {0};
    struct mrv_fastmri *f = NULL;
    if (mrv_fastmri_open(path, &f, &err) != MRV_OK)
        return 0;
    const struct mrv_fastmri_info *in = mrv_fastmri_info(f);
    size_t nk = in->ncoils * in->ny * in->nx;
    if (in->nslices > 0 && nk > 0 && nk <= MRV_FUZZ_MAX_ELEMS) {
        float complex *k = malloc(nk * sizeof *k);
        if (k) {
            (void)mrv_fastmri_read_kspace(f, 0, k, &err);
            (void)mrv_fastmri_read_kspace(f, in->nslices - 1, k, &err);
            (void)mrv_fastmri_read_kspace(f, in->nslices, k, &err); /* out of range */
            free(k);
        }
    }
    size_t nr = in->recon_ny * in->recon_nx;
    if (in->nslices > 0 && nr > 0 && nr <= MRV_FUZZ_MAX_ELEMS) {
        float *r = malloc(nr * sizeof *r);
        if (r) {
            if (in->has_rss)
                (void)mrv_fastmri_read_recon(f, "reconstruction_rss", 0, r, &err);
            if (in->has_esc)
                (void)mrv_fastmri_read_recon(f, "reconstruction_esc", 0, r, &err);
            free(r);
        }
    }
    if (in->has_mask && in->nx > 0 && in->nx <= MRV_FUZZ_MAX_ELEMS) {
        uint8_t *m = malloc(in->nx);
        if (m) {
            (void)mrv_fastmri_read_mask(f, m, &err);
            free(m);
        }
    }
    mrv_fastmri_close(f);
    return 0;
}
