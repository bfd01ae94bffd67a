/* datasets/dataset.h — a test set: an ordered list of cases loaded on demand.
 *
 * Open a dataset by name, ask how many cases it has and their ids, load any
 * case by index. Loading is thread-safe: the run engine loads cases from
 * several threads at once. The built-in `phantom` set needs no files.
 */
#ifndef MRV_DATASETS_DATASET_H
#define MRV_DATASETS_DATASET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/case.h"
#include "core/sha256.h"

struct mrv_dataset_opts {
    size_t matrix;   /* image side in pixels (phantom: default 320) */
    int ncoils;      /* simulated receive coils (phantom, colin27: default 8) */
    const char *path;      /* file or folder of on-disk kinds (fastmri, cfl, nifti,
                              ismrmrd); copied at open. NULL for built-in sets. */
    bool strict;           /* true: the first bad file fails the open; false
                              (default): bad files are skipped and reported by
                              mrv_dataset_bad() */
    bool verify;           /* also read every slice at open and refuse k-space
                              holding NaN/Inf (else that is found at load) */
    const char *cache_dir; /* built-in sets' cache; NULL: $MRV_CACHE_DIR, else
                              $XDG_CACHE_HOME/mrvet, else ~/.cache/mrvet */
};

/* Defaults: matrix 320, 8 coils, no path, lenient, no verify, default cache. */
void mrv_dataset_opts_default(struct mrv_dataset_opts *o);

struct mrv_dataset;

struct mrv_dataset_kind {
    const char *name;     /* "phantom" */
    const char *summary;  /* one line for `mrvet list datasets` */
};

/* The dataset kinds this build knows, `*n` receives the count. */
const struct mrv_dataset_kind *const *mrv_dataset_kinds(int *n);

/* Open the built-in or on-disk dataset `name`. MRV_ENOTFOUND for an unknown
 * name, MRV_EINVAL for options out of range (naming the option). */
enum mrv_status mrv_dataset_open(const char *name, const struct mrv_dataset_opts *opts,
                                 struct mrv_dataset **out, struct mrv_error *err);
void mrv_dataset_close(struct mrv_dataset *ds);

const char *mrv_dataset_name(const struct mrv_dataset *ds);
size_t mrv_dataset_count(const struct mrv_dataset *ds);
/* Id of case `i` (< count), stable across runs. */
const char *mrv_dataset_case_id(const struct mrv_dataset *ds, size_t i);

/* Load case `i` into `c` (initialized here; free with mrv_case_free).
 * For reconstruction sets the case holds k-space, coil maps and the RSS
 * reference; see each kind's docs page. Thread-safe. */
enum mrv_status mrv_dataset_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                 struct mrv_error *err);

/* Files the set was read from, in case order (built-in sets: the files they
 * were generated from, if any). Paths are owned by the dataset. */
size_t mrv_dataset_file_count(const struct mrv_dataset *ds);
const char *mrv_dataset_file_path(const struct mrv_dataset *ds, size_t i);

/* SHA-256 of input file `i`, hashed on first request and remembered.
 * MRV_EIO naming the path if it cannot be read. Thread-safe. */
enum mrv_status mrv_dataset_file_sha256(const struct mrv_dataset *ds, size_t i,
                                        char hex[MRV_SHA256_HEX], struct mrv_error *err);

/* The set's fingerprint: SHA-256 of the lines "<file sha256>  <file name>\n"
 * over the input files in order (what `mrvet inspect` prints; for one file,
 * of that single line). Hashes every file not hashed yet. */
enum mrv_status mrv_dataset_fingerprint(const struct mrv_dataset *ds, char hex[MRV_SHA256_HEX],
                                        struct mrv_error *err);

/* Files skipped at open in lenient mode: count, and for each the message
 * naming file, field and what was expected (owned by the dataset). */
size_t mrv_dataset_bad_count(const struct mrv_dataset *ds);
const char *mrv_dataset_bad(const struct mrv_dataset *ds, size_t i);

/* Kind of on-disk set a path holds, guessed from names: "fastmri" (.h5),
 * "cfl" (.cfl/.hdr), "nifti" (.nii, .nii.gz, imagesTs/, a .csv list),
 * "ismrmrd" (.h5 with a /dataset group); NULL when nothing matches. */
const char *mrv_dataset_guess_kind(const char *path);

/* A human description of `path` for `mrvet inspect`, appended to `out`:
 * the file's own structure (HDF5 datasets with shapes and dtypes and root
 * attributes; NIfTI dims, datatype, spacing, orientation; cfl dims), then
 * the test set it forms (kind, cases, skipped bad files with their
 * messages, the first case's arrays, spacing and metadata), then the
 * SHA-256 of every input file and, for several files, of the list
 * "<sha256>  <name>\n" in order (the set's fingerprint). `kind` forces a
 * kind (NULL: guessed); a `path` naming a built-in set (phantom, colin27)
 * describes it. MRV_ENOTFOUND when nothing is at `path`. */
struct mrv_strbuf;
enum mrv_status mrv_dataset_inspect(const char *path, const char *kind, struct mrv_strbuf *out,
                                    struct mrv_error *err);

#endif
