/* datasets/ismrmrd.h — ISMRMRD raw data (docs/datasets/ismrmrd.md), read
 * through Debian's libismrmrd and assembled into Cartesian k-space.
 *
 * Assembly follows the ISMRMRD header's encoding (Inati et al., "ISMRM Raw
 * data format", MRM 77:411-421, 2017): each acquisition is one readout line
 * of `number_of_samples` samples per channel, placed at phase-encode index
 * kspace_encode_step_1 (and partition kspace_encode_step_2 for 3D) of its
 * slice. The phase-encode axis has encodedSpace/matrixSize/y entries and
 * the encodingLimits centre is put at index y/2 (fastMRI's padding rule:
 * offset = y/2 - center), so partial-Fourier data stays centred; lines
 * acquired more than once (averages, repetitions) are averaged. Noise,
 * navigator, phase-correction, dummy and feedback acquisitions are skipped.
 * 3D (kz > 1) data is inverse-Fourier transformed along kz and each
 * partition becomes a 2D case (hybrid space), like the slices of 2D data.
 */
#ifndef MRV_DATASETS_ISMRMRD_H
#define MRV_DATASETS_ISMRMRD_H

#include "core/array.h"
#include "core/status.h"

/* Write `kspace` (slices, coils, readout, phase) c64 as an ISMRMRD file:
 * one acquisition per line, a header with encodedSpace = reconSpace =
 * (readout, phase, 1) and the given field of view in mm (x = readout,
 * y = phase, z = slice thickness). `xml_extra` (may be NULL) is inserted
 * into acquisitionSystemInformation (e.g. "<systemVendor>GE</systemVendor>"). */
enum mrv_status mrv_ismrmrd_write(const char *path, const struct mrv_array *kspace,
                                  const double fov_mm[3], const char *xml_extra,
                                  struct mrv_error *err);

#endif
