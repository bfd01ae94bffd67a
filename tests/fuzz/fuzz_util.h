/* tests/fuzz/fuzz_util.h — shared by the fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Every target exposes libFuzzer's entry point; the same object links either
 * with libFuzzer (scripts/fuzz.sh, clang -fsanitize=fuzzer) or with the
 * plain replay driver tests/fuzz/replay.c (ctest, any compiler).
 */
#ifndef MRV_TESTS_FUZZ_UTIL_H
#define MRV_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write `size` bytes to `name` inside a private temporary folder (mkdtemp,
 * mode 0700, removed at exit) and return the full path (static storage,
 * overwritten by the next call with the same name). NULL if the write fails. */
const char *mrv_fuzz_write(const char *name, const uint8_t *data, size_t size);

/* Largest element count a target reads back after a successful open: a file
 * may legally declare a huge shape whose storage is never allocated (HDF5
 * fill values), and reading it would only test the machine's memory. */
#define MRV_FUZZ_MAX_ELEMS ((size_t)1 << 22)

#endif
