/* datasets/phantom.h — analytic Shepp–Logan phantoms.
 *
 * 2D: the modified Shepp–Logan head phantom with Toft's intensities
 * (P. Toft, "The Radon Transform", 1996; MATLAB phantom('Modified
 * Shepp-Logan')): ten ellipses, values 0..1 (skull 1.0, brain 0.2,
 * ventricles 0.0, small lesions 0.3).
 * 3D: the ellipsoid extension of the same phantom (Kak & Slaney; table of
 * M. Schabel's phantom3d), sampled on an axial plane at height z.
 *
 * Coordinates follow MATLAB's phantom: pixel centres span [-1, 1] on both
 * axes, x grows with the column index, y grows upwards (row 0 is y = +1).
 */
#ifndef MRV_DATASETS_PHANTOM_H
#define MRV_DATASETS_PHANTOM_H

#include <stddef.h>

/* Fill out[ny*nx] (C order) with the 2D modified Shepp–Logan phantom. */
void mrv_phantom_shepp_logan_2d(size_t ny, size_t nx, float *out);

/* Fill out[ny*nx] with the axial plane z (in [-1, 1]) of the 3D modified
 * Shepp–Logan phantom. */
void mrv_phantom_shepp_logan_3d_slice(size_t ny, size_t nx, double z, float *out);

#endif
