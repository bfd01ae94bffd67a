/* B0 field maps from NIfTI or HDF5 files (datasets/fieldmap.h). */
#include "datasets/fieldmap.h"

#include <math.h>
#include <nifti2_io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/dataset_internal.h"
#include "datasets/h5util.h"
#include "datasets/nifti.h"

/* nifticlib replaces NaN/Inf voxels of float images by 0 as it loads them
 * (nifti_read_buffer), so a NaN in a field map would pass unseen: read the
 * stored floats again, raw, and refuse any that is not finite. Called
 * after mrv_nifti_read accepted the file (sizes checked). */
static enum mrv_status nifti_raw_finite(const char *path, struct mrv_error *err)
{
    nifti_set_debug_level(0);
    nifti_image *nim = nifti_image_read(path, 0);
    if (!nim)
        return MRV_OK; /* already read once: cannot happen but for a race */
    enum mrv_status s = MRV_OK;
    size_t nb = (size_t)nim->nbyper;
    if ((nim->datatype == DT_FLOAT32 || nim->datatype == DT_FLOAT64) && nim->iname) {
        znzFile fp = znzopen(nim->iname, "rb", nifti_is_gzfile(nim->iname));
        unsigned char buf[4096 * 8];
        int swap = nim->byteorder != nifti_short_order();
        if (znz_isnull(fp) || znzseek(fp, (znz_off_t)nim->iname_offset, SEEK_SET) < 0)
            s = mrv_error_set(err, MRV_EIO, "%s: cannot read the voxel data again", path);
        for (int64_t i = 0; s == MRV_OK && i < nim->nvox;) {
            size_t want = (size_t)(nim->nvox - i) < 4096 ? (size_t)(nim->nvox - i) : 4096;
            if (znzread(buf, nb, want, fp) != want) {
                s = mrv_error_set(err, MRV_EIO, "%s: voxel data truncated", path);
                break;
            }
            if (swap)
                (nb == 4 ? nifti_swap_4bytes : nifti_swap_8bytes)((int64_t)want, buf);
            for (size_t j = 0; j < want; j++, i++) {
                double v;
                if (nb == 4) {
                    float f;
                    memcpy(&f, buf + 4 * j, 4);
                    v = f;
                } else {
                    memcpy(&v, buf + 8 * j, 8);
                }
                if (!isfinite(v)) {
                    s = mrv_error_set(err, MRV_EFORMAT,
                                      "%s: field map voxel (i %lld, j %lld, k %lld) is %g, "
                                      "expected finite (a frequency in Hz)", path,
                                      (long long)(i % nim->nx),
                                      (long long)(i / nim->nx % nim->ny),
                                      (long long)(i / (nim->nx * nim->ny)), v);
                    break;
                }
            }
        }
        if (!znz_isnull(fp))
            znzclose(fp);
    }
    nifti_image_free(nim);
    return s;
}

static enum mrv_status read_nifti(const char *path, struct mrv_array *out,
                                  struct mrv_error *err)
{
    struct mrv_nifti_geom g;
    enum mrv_status s = mrv_nifti_read(path, MRV_F32, out, &g, err);
    if (s == MRV_OK && (s = nifti_raw_finite(path, err)) != MRV_OK)
        mrv_array_free(out);
    if (s == MRV_OK && g.channels != 1) {
        mrv_array_free(out);
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: a 4D image of %d volumes, expected one field map in Hz (2D "
                          "or 3D)", path, g.channels);
    }
    return s;
}

/* Under the HDF5 lock. */
static enum mrv_status read_h5_locked(const char *path, const char *name, struct mrv_array *out,
                                      struct mrv_error *err)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open as HDF5, expected a field map "
                             "file (.h5 with a dataset %s, or .nii/.nii.gz)", path, name);
    enum mrv_status s = MRV_OK;
    hid_t d = -1, sp = -1, t = -1;
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0 || (d = H5Dopen2(f, name, H5P_DEFAULT)) < 0) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: no dataset %s, expected the field map in Hz "
                          "there (or name it: FILE.h5:/DATASET)", path, name);
        goto done;
    }
    t = H5Dget_type(d);
    sp = H5Dget_space(d);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (t < 0 || H5Tget_class(t) != H5T_FLOAT) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset %s is not real floating point "
                          "(complex, integer or compound?), expected a field map in Hz",
                          path, name);
        goto done;
    }
    if (rank != 2 && rank != 3) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset %s has rank %d, expected a field map "
                          "(y, x) or (slices, y, x)", path, name, rank);
        goto done;
    }
    hsize_t hd[3] = {1, 1, 1};
    H5Sget_simple_extent_dims(sp, rank == 3 ? hd : hd + 1, NULL);
    size_t dims[3] = {(size_t)hd[0], (size_t)hd[1], (size_t)hd[2]};
    if ((s = mrv_array_alloc(out, MRV_F32, 3, dims, err)) != MRV_OK)
        goto done;
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data) < 0) {
        mrv_array_free(out);
        s = mrv_error_set(err, MRV_EIO, "%s: cannot read dataset %s", path, name);
    }
done:
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(f);
    return s;
}

enum mrv_status mrv_fieldmap_read(const char *spec, struct mrv_array *out,
                                  char sha256[MRV_SHA256_HEX], struct mrv_error *err)
{
    memset(out, 0, sizeof *out);
    char path[4096], name[512] = "/field_map";
    snprintf(path, sizeof path, "%s", spec);
    char *colon = strstr(path, ".h5:");
    if (colon) {
        snprintf(name, sizeof name, "%s", colon + 4);
        colon[3] = '\0';
    }
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open, expected a B0 field map file "
                             "(.nii, .nii.gz or .h5)", path);
    fclose(probe);
    enum mrv_status s;
    if (mrv_ds_has_suffix(path, ".nii") || mrv_ds_has_suffix(path, ".nii.gz")) {
        s = read_nifti(path, out, err);
    } else if (mrv_ds_has_suffix(path, ".h5") || mrv_ds_has_suffix(path, ".hdf5")) {
        mrv_h5_lock();
        s = read_h5_locked(path, name, out, err);
        mrv_h5_unlock();
    } else {
        return mrv_error_set(err, MRV_EINVAL, "%s: expected a field map file named .nii, "
                             ".nii.gz or .h5[:/DATASET]", path);
    }
    const float *v = out->data;
    size_t n = s == MRV_OK ? mrv_array_count(out) : 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            size_t ny = out->dims[1], nx = out->dims[2];
            double bad = (double)v[i];
            mrv_array_free(out);
            return mrv_error_set(err, MRV_EFORMAT, "%s: field map value %zu (slice %zu, y "
                                 "%zu, x %zu) is %g, expected a finite frequency in Hz", path,
                                 i, i / (ny * nx), i / nx % ny, i % nx, bad);
        }
    if (s == MRV_OK && (s = mrv_sha256_file(path, sha256, err)) != MRV_OK)
        mrv_array_free(out);
    return s;
}
