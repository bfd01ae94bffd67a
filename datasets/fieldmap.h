/* datasets/fieldmap.h — a B0 field map in Hz read from a file, for the b0
 * perturbation's map 3 (docs/perturbations/b0.md): read once by the harness
 * before planning, never in the hot path (perturbations do no file I/O).
 *
 * Files:
 *   NAME.nii / NAME.nii.gz   a 2D or 3D NIfTI volume (datasets/nifti.h:
 *                            voxel i is x, the last axis; scl_slope applied)
 *   NAME.h5[:/DATASET]       an HDF5 real floating-point dataset, rank 2
 *                            (y, x) or 3 (slices, y, x) in C order; DATASET
 *                            defaults to /field_map
 * Values are off-resonance frequencies in Hz (an FSL fieldmap in rad/s
 * divided by 2 pi).
 */
#ifndef MRV_DATASETS_FIELDMAP_H
#define MRV_DATASETS_FIELDMAP_H

#include "core/array.h"
#include "core/sha256.h"
#include "core/status.h"

/* Read `spec` into `out` ((slices, y, x) f32, Hz) and the SHA-256 of the
 * file's bytes into `sha256`. Errors name the file and what was expected:
 * MRV_EIO (missing, unreadable, not NIfTI/HDF5), MRV_EFORMAT (not a field
 * map: a 4D image of several volumes, an integer/complex/compound dataset,
 * a rank other than 2 or 3, a missing dataset, NaN/Inf). Call before
 * worker threads start: nifticlib keeps global state (studies and
 * `mrvet perturb` read maps while loading, on one thread). */
enum mrv_status mrv_fieldmap_read(const char *spec, struct mrv_array *out,
                                  char sha256[MRV_SHA256_HEX], struct mrv_error *err);

#endif
