/* tests/fuzz/fuzz_cfl.c — BART's cfl/hdr reader (datasets/cfl.h). The input
 * is the .hdr text after one leading byte b; the .cfl beside it holds 8*b
 * zero bytes (b complex samples), so dims that match and dims that do not
 * are both reached. */
#include <complex.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/cfl.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static uint8_t zeros[255 * 8];
    size_t ncfl = (size_t)data[0] * 8;
    if (!mrv_fuzz_write("f.cfl", zeros, ncfl))
        return 0;
    const char *hdr = mrv_fuzz_write("f.hdr", data + 1, size - 1);
    if (!hdr)
        return 0;
    char base[600];
    size_t n = strlen(hdr) - 4; /* strip ".hdr" */
    memcpy(base, hdr, n);
    base[n] = '\0';
    struct mrv_error err = {0};
    long dims[MRV_CFL_DIMS];
    if (mrv_cfl_read_header(base, dims, &err) != MRV_OK)
        return 0;
    float complex *x = NULL;
    if (mrv_cfl_read(base, dims, &x, &err) == MRV_OK)
        free(x);
    return 0;
}
