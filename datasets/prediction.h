/* datasets/prediction.h — model outputs saved as files, read back to be
 * scored by `mrvet score` (docs/score.md).
 *
 * fastMRI submissions (facebookresearch/fastMRI, fastmri/utils.py
 * save_reconstructions; read by fastmri/evaluate.py): one HDF5 file per
 * volume, named as the ground-truth file, holding a dataset
 * "reconstruction" (slices, y, x) float32. The reader below reads any
 * named rank-3 numeric dataset, so it also reads the reconstruction_rss /
 * reconstruction_esc of ground-truth files that carry no kspace (which
 * mrv_fastmri_open, datasets/fastmri.h, requires).
 */
#ifndef MRV_DATASETS_PREDICTION_H
#define MRV_DATASETS_PREDICTION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"
#include "datasets/fastmri.h"

/* Read dataset `name` of the HDF5 file `path` into a new owned f32 array
 * `out` (slices, y, x). The dataset must be rank 3, non-empty, float or
 * integer; float64 and integers are converted to float32 by HDF5 (as
 * numpy would, to the nearest float). Values are not checked for NaN/Inf.
 * `attrs` (may be NULL) receives the file's fastMRI root attributes
 * (acquisition, acceleration, ...; absent ones "" / NAN).
 * Errors name the file and the dataset: MRV_EIO (cannot open: missing,
 * truncated, not HDF5), MRV_ENOTFOUND (no dataset `name`), MRV_EFORMAT
 * (wrong rank or type, empty, unreadable), MRV_ENOMEM. On error `out` is
 * left empty. Thread-safe (takes the HDF5 lock, datasets/h5util.h). */
enum mrv_status mrv_prediction_read_h5(const char *path, const char *name,
                                       struct mrv_array *out,
                                       struct mrv_fastmri_attrs *attrs,
                                       struct mrv_error *err);

/* The ground truth of fastMRI's evaluate.py from target file `path`: the
 * dataset `key` ("reconstruction_rss" or "reconstruction_esc"), or with
 * key NULL, per file: reconstruction_esc when the k-space is single-coil
 * and the file holds it, else reconstruction_rss, else reconstruction_esc.
 * Files with k-space are opened (and validated) with mrv_fastmri_open;
 * files without are read with mrv_prediction_read_h5. `*key_used` receives
 * the dataset read (`key`, or a static string); `attrs` the root attributes.
 * Errors as those readers, naming the file and the dataset. */
enum mrv_status mrv_prediction_read_target(const char *path, const char *key,
                                           struct mrv_array *out,
                                           struct mrv_fastmri_attrs *attrs,
                                           const char **key_used, struct mrv_error *err);

/* The pair fastMRI's evaluate.py scores: the "reconstruction" of
 * prediction file `ppath` (MRV_ENOTFOUND naming it and `tpath` when the file
 * is missing) with as many slices as `target` (read from `tpath`, dataset
 * `key`, for messages), then both centre-cropped to (W, W), W = the target's
 * last dimension (fastmri.data.transforms.center_crop: rows from
 * (h - W) // 2, columns from (w - W) // 2) into new owned arrays `tc`, `pc`.
 * MRV_EFORMAT naming the file when the slices differ, a volume is too small
 * for the crop, or the cropped region holds NaN/Inf (naming slice, y, x).
 * On error `tc` and `pc` are left empty. */
enum mrv_status mrv_prediction_crop_pair(const char *tpath, const char *key,
                                         const struct mrv_array *target, const char *ppath,
                                         struct mrv_array *tc, struct mrv_array *pc,
                                         struct mrv_error *err);

/* A pair of NIfTI label maps (datasets/nifti.h, read as u8 labels): the
 * target `tpath` into `t`, the prediction `ppath` into `p`, and the
 * target's spacing (dz, dy, dx) mm. MRV_ENOTFOUND when the prediction file
 * is missing; MRV_EFORMAT naming the prediction when its shape differs, or
 * its spacing differs by more than 1e-3 mm (relative above 1 mm): labels on
 * another grid would be scored against the wrong voxels. On error both
 * arrays are left empty. */
enum mrv_status mrv_prediction_read_labels(const char *tpath, const char *ppath,
                                           struct mrv_array *t, struct mrv_array *p,
                                           double spacing[3], struct mrv_error *err);

/* The regular files of folder `dir` whose names end with one of the
 * NULL-terminated `suffixes`, hidden files skipped, as "dir/name" paths in
 * byte order. Free with mrv_prediction_free_list. MRV_EIO naming the folder
 * when it cannot be read; MRV_ENOMEM. */
enum mrv_status mrv_prediction_list_dir(const char *dir, const char *const *suffixes,
                                        char ***paths, size_t *n, struct mrv_error *err);
void mrv_prediction_free_list(char **paths, size_t n);

/* True when `path` names a directory. */
bool mrv_prediction_is_dir(const char *path);

#endif
