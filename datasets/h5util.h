/* datasets/h5util.h — the few HDF5 helpers every HDF5 reader here shares.
 *
 * Debian 12's libhdf5 is built thread-safe (H5_HAVE_THREADSAFE: one global
 * lock inside the library), but that makes single calls atomic, not our
 * sequences (open, select a hyperslab, read, close), and other builds of
 * HDF5 are not thread-safe at all. So every HDF5 (and libismrmrd) call in
 * datasets/ runs between mrv_h5_lock() and mrv_h5_unlock(); adapters that
 * exchange HDF5 files may take the same lock. The first lock also switches
 * off HDF5's own error printing: errors are reported once, by us, naming
 * the file, the dataset and what was expected.
 */
#ifndef MRV_DATASETS_H5UTIL_H
#define MRV_DATASETS_H5UTIL_H

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

/* Process-wide recursive lock around HDF5. */
void mrv_h5_lock(void);
void mrv_h5_unlock(void);

/* Complex64 as h5py and fastMRI store it: a compound {r: f32, i: f32}.
 * The caller closes it with H5Tclose. Call under the lock. */
hid_t mrv_h5_complex_type(void);

/* True when `t` is a compound of two 4-byte floats named r and i (h5py's
 * complex64). Call under the lock. */
bool mrv_h5_is_complex64(hid_t t);

/* Create (truncate) `path` for writing, and a dataset creation property
 * list (caller closes with H5Pclose) — both without object timestamps, so
 * the same content gives the same file bytes and the same SHA-256. */
hid_t mrv_h5_create(const char *path);
hid_t mrv_h5_dcpl(void);

/* True when `path` is an HDF5 file holding an object called `name`.
 * Takes the lock itself. */
bool mrv_h5_has_object(const char *path, const char *name);

/* A string attribute (fixed or variable length) of `obj` into buf, NUL-
 * terminated; false when absent or not a string. Call under the lock. */
bool mrv_h5_attr_string(hid_t obj, const char *name, char *buf, size_t size);

/* A numeric scalar attribute as double; false when absent or not numeric. */
bool mrv_h5_attr_double(hid_t obj, const char *name, double *out);

/* Write a scalar variable-length UTF-8 string / float64 / int64 attribute
 * (the types h5py writes for str, float and int). Negative on failure. */
herr_t mrv_h5_write_attr_string(hid_t obj, const char *name, const char *value);
herr_t mrv_h5_write_attr_double(hid_t obj, const char *name, double value);
herr_t mrv_h5_write_attr_int(hid_t obj, const char *name, long long value);

#endif
