/* tests/fuzz/fuzz_study.c — the YAML study parser and validator
 * (harness/study.h mrv_study_load_text) on arbitrary text. The text is
 * handed over with its length and no terminating NUL, as the contract
 * allows, so a read past the end is an ASan report. */
#include "fuzz_util.h"
#include "harness/study.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mrv_error err = {0};
    struct mrv_study *st = NULL;
    if (mrv_study_load_text((const char *)data, size, "fuzz.yaml", &st, &err) == MRV_OK)
        mrv_study_free(st);
    return 0;
}
