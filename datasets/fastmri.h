/* datasets/fastmri.h — fastMRI HDF5 files, read slice by slice and written
 * in the same layout (docs/datasets/fastmri.md).
 *
 * Layout (facebookresearch/fastMRI, fastmri/data/README.md, mri_data.py):
 *   kspace              complex64 (h5py compound {r, i}); multi-coil
 *                       (slices, coils, H, W), single-coil (slices, H, W);
 *                       H is the readout, W the phase-encode direction
 *   reconstruction_rss  float32 (slices, h, w), usually 320 x 320
 *   reconstruction_esc  float32 (slices, h, w), single-coil files
 *   mask                (W,), bool or numeric, test files only
 *   ismrmrd_header      the scanner's ISMRMRD XML, a scalar string
 *   attrs               acquisition, max, norm, patient_id; test files add
 *                       acceleration, num_low_frequency
 *
 * Reads never load more than the slice asked for (HDF5 hyperslabs). All
 * calls take the process-wide HDF5 lock (datasets/h5util.h), so they are
 * thread-safe but serialized.
 */
#ifndef MRV_DATASETS_FASTMRI_H
#define MRV_DATASETS_FASTMRI_H

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/array.h"
#include "core/status.h"

struct mrv_fastmri_attrs {
    char acquisition[64];   /* "" when absent */
    char patient_id[128];   /* "" when absent */
    double max, norm;       /* NAN when absent */
    double acceleration;    /* NAN when absent */
    double num_low_frequency; /* NAN when absent */
};

struct mrv_fastmri_info {
    bool multicoil;         /* kspace has rank 4 */
    size_t nslices, ncoils; /* ncoils = 1 for single-coil files */
    size_t ny, nx;          /* H (readout) and W (phase encode) */
    bool has_rss, has_esc;
    size_t recon_ny, recon_nx; /* shape of the reconstruction(s); 0 when none */
    bool has_mask;          /* mask of length nx */
    char *header;           /* ismrmrd_header bytes, NUL-terminated; NULL if absent */
    size_t header_len;      /* bytes, without the NUL */
    struct mrv_fastmri_attrs attrs;
};

struct mrv_fastmri;

/* Open `path` and validate its structure: kspace present, rank 3 or 4,
 * complex64; reconstructions float32 rank 3 with as many slices; mask of
 * length W. Errors name the file, the dataset and what was expected:
 * MRV_EIO (cannot open: missing, truncated or not HDF5), MRV_EFORMAT. */
enum mrv_status mrv_fastmri_open(const char *path, struct mrv_fastmri **out,
                                 struct mrv_error *err);
void mrv_fastmri_close(struct mrv_fastmri *f);
const struct mrv_fastmri_info *mrv_fastmri_info(const struct mrv_fastmri *f);

/* Slice `s` of kspace into out[ncoils*ny*nx]. MRV_EFORMAT naming the slice
 * and the coil/ky/kx position of the first NaN or Inf. */
enum mrv_status mrv_fastmri_read_kspace(struct mrv_fastmri *f, size_t s, float complex *out,
                                        struct mrv_error *err);
/* Slice `s` of "reconstruction_rss" or "reconstruction_esc" into
 * out[recon_ny*recon_nx]. */
enum mrv_status mrv_fastmri_read_recon(struct mrv_fastmri *f, const char *name, size_t s,
                                       float *out, struct mrv_error *err);
/* The mask as 0/1 bytes, out[nx]. */
enum mrv_status mrv_fastmri_read_mask(struct mrv_fastmri *f, uint8_t *out,
                                      struct mrv_error *err);

/* One volume to write. kspace is required: (S, C, H, W) c64 (multi-coil)
 * or (S, H, W) c64 (single-coil); the rest may be NULL / empty. */
struct mrv_fastmri_volume {
    const struct mrv_array *kspace;
    const struct mrv_array *rss;   /* (S, h, w) f32 */
    const struct mrv_array *esc;   /* (S, h, w) f32 */
    const struct mrv_array *mask;  /* (W) u8, written as h5py's bool */
    const char *header;            /* ismrmrd_header bytes, written verbatim */
    size_t header_len;
    const struct mrv_fastmri_attrs *attrs; /* absent fields are not written */
};

/* Create (or overwrite) `path` with the volume in fastMRI's layout, so
 * h5py reads it as fastMRI's own files. MRV_EINVAL for wrong shapes or
 * dtypes (naming the field), MRV_EIO when the file cannot be written. */
enum mrv_status mrv_fastmri_write(const char *path, const struct mrv_fastmri_volume *v,
                                  struct mrv_error *err);

#endif
