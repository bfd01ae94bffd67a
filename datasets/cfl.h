/* datasets/cfl.h — BART's cfl/hdr files (docs/datasets/cfl.md).
 *
 * `NAME.hdr` is text: a line "# Dimensions" then the sizes of (up to) 16
 * dimensions; other "# ..." sections (Command, Files, Creator) are
 * ignored. `NAME.cfl` is the raw data: interleaved complex64, column-major
 * (dimension 0 fastest), little-endian. BART's dimension order: 0 READ,
 * 1 PHS1, 2 PHS2, 3 COIL, 4 MAPS, 5 TE, ... 13 SLICE, 15 BATCH
 * (BART misc/mri.h).
 *
 * `base` is the file name with or without the .cfl / .hdr extension.
 */
#ifndef MRV_DATASETS_CFL_H
#define MRV_DATASETS_CFL_H

#include <complex.h>

#include "core/status.h"

#define MRV_CFL_DIMS 16
enum { MRV_CFL_READ = 0, MRV_CFL_PHS1 = 1, MRV_CFL_PHS2 = 2, MRV_CFL_COIL = 3,
       MRV_CFL_MAPS = 4, MRV_CFL_SLICE = 13 };

/* Read the header: dims[0..15] (missing trailing dims are 1). MRV_EIO when
 * the .hdr cannot be read, MRV_EFORMAT naming the line otherwise. */
enum mrv_status mrv_cfl_read_header(const char *base, long dims[MRV_CFL_DIMS],
                                    struct mrv_error *err);

/* Read header and data. *data is malloc'd (caller frees), column-major as
 * in the file. MRV_EFORMAT when the .cfl size disagrees with the header
 * (naming both sizes). */
enum mrv_status mrv_cfl_read(const char *base, long dims[MRV_CFL_DIMS], float complex **data,
                             struct mrv_error *err);

/* Write `D` (1..16) dims and the column-major data as BART would. */
enum mrv_status mrv_cfl_write(const char *base, int D, const long dims[], const float complex *data,
                              struct mrv_error *err);

#endif
