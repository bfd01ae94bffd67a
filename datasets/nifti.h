/* datasets/nifti.h — NIfTI-1/NIfTI-2 volumes (.nii, .nii.gz) through
 * nifticlib (docs/datasets/nifti.md).
 *
 * NIfTI stores voxel (i, j, k) with i fastest, so a 3D volume read into a C
 * order array has dims (nz, ny, nx) = (dim[3], dim[2], dim[1]) with no
 * copy-reordering: mrvet's (slices, y, x). Spacing is (pixdim[3],
 * pixdim[2], pixdim[1]) converted to millimetres. Orientation is the three
 * letters of the direction each voxel axis points to (i, j, k), from the
 * sform (or else the qform) — "RAS" for MNI templates — the convention of
 * nibabel's aff2axcodes.
 */
#ifndef MRV_DATASETS_NIFTI_H
#define MRV_DATASETS_NIFTI_H

#include "core/array.h"
#include "core/status.h"

struct mrv_nifti_geom {
    double spacing[3];  /* (dz, dy, dx) in mm */
    char orientation[4]; /* "RAS", "LPS", ...; "???" without a transform */
    double affine[3][4]; /* voxel (i, j, k, 1) -> world mm (sform, else qform, else pixdim) */
    char descrip[80];
    int channels;        /* dim[4] of a 4D (multi-channel, MSD) image, else 1 */
};

/* Read a 2D or 3D volume into `out` (for MRV_F32, a 4D image's first 3D
 * volume: MSD stores input channels along dim[4])
 * (slices, y, x). `want` MRV_F32: the voxel values with scl_slope and
 * scl_inter applied. `want` MRV_U8: labels; every value must be an integer
 * in 0..255 (else MRV_EFORMAT naming the voxel and the value). `geom` may
 * be NULL. MRV_EIO: missing, unreadable, truncated or not NIfTI. */
enum mrv_status mrv_nifti_read(const char *path, enum mrv_dtype want, struct mrv_array *out,
                               struct mrv_nifti_geom *geom, struct mrv_error *err);

/* Only the header: dims (nz, ny, nx) without reading the voxels. */
enum mrv_status mrv_nifti_read_shape(const char *path, size_t dims[3], struct mrv_error *err);

/* Write `a` (slices, y, x) f32 or u8 as NIfTI-1 (.nii or .nii.gz, from the
 * name) with the given spacing (dz, dy, dx) mm and a diagonal RAS sform and
 * qform (scanner anatomical) whose origin is voxel 0. */
enum mrv_status mrv_nifti_write(const char *path, const struct mrv_array *a,
                                const double spacing[3], struct mrv_error *err);

#endif
