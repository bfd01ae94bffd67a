/* tests/fuzz/fuzz_nifti.c — the NIfTI reader (datasets/nifti.h, nifticlib
 * underneath) on arbitrary bytes written as a single-file .nii: the shape
 * probe, then a full read as float (images) and as bytes (label maps). */
#include "core/array.h"
#include "datasets/nifti.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = mrv_fuzz_write("f.nii", data, size);
    if (!path)
        return 0;
    struct mrv_error err = {0};
    size_t dims[3];
    if (mrv_nifti_read_shape(path, dims, &err) != MRV_OK)
        return 0;
    static const enum mrv_dtype want[] = {MRV_F32, MRV_U8};
    for (int i = 0; i < 2; i++) {
        struct mrv_array a = {0};
        struct mrv_nifti_geom g;
        if (mrv_nifti_read(path, want[i], &a, &g, &err) == MRV_OK)
            mrv_array_free(&a);
    }
    return 0;
}
