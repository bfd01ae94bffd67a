/* tests/fuzz/fuzz_ismrmrd.c — the ISMRMRD reader: arbitrary bytes as an .h5
 * file opened as an `ismrmrd` test set (datasets/ismrmrd.c indexes the
 * acquisitions and parses the XML header at open), then every case loaded
 * (at most four) when the declared k-space is modest. */
#include "core/case.h"
#include "datasets/dataset.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = mrv_fuzz_write("i.h5", data, size);
    if (!path)
        return 0;
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = path;
    o.strict = true;
    struct mrv_error err = {0};
    struct mrv_dataset *ds = NULL;
    if (mrv_dataset_open("ismrmrd", &o, &ds, &err) != MRV_OK)
        return 0;
    size_t n = mrv_dataset_count(ds);
    for (size_t i = 0; i < n && i < 4; i++) {
        struct mrv_case c;
        if (mrv_dataset_load(ds, i, &c, &err) == MRV_OK)
            mrv_case_free(&c);
    }
    mrv_dataset_close(ds);
    return 0;
}
