/* NIfTI reader and writer over nifticlib's nifti2 API (reads NIfTI-1 too). */
#include "datasets/nifti.h"

#include <math.h>
#include <nifti2_io.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/dataset_internal.h"

/* nifticlib keeps global options; keep its calls on one thread at a time. */
static pthread_mutex_t nifti_mutex = PTHREAD_MUTEX_INITIALIZER;

static double value_at(const nifti_image *nim, size_t i, bool *ok)
{
    const void *d = nim->data;
    *ok = true;
    switch (nim->datatype) {
    case DT_UINT8: return ((const uint8_t *)d)[i];
    case DT_INT8: return ((const int8_t *)d)[i];
    case DT_INT16: return ((const int16_t *)d)[i];
    case DT_UINT16: return ((const uint16_t *)d)[i];
    case DT_INT32: return ((const int32_t *)d)[i];
    case DT_UINT32: return ((const uint32_t *)d)[i];
    case DT_FLOAT32: return ((const float *)d)[i];
    case DT_FLOAT64: return ((const double *)d)[i];
    default: *ok = false; return 0.0;
    }
}

static char axis_letter(int code)
{
    switch (code) { /* the direction the axis points to */
    case NIFTI_L2R: return 'R';
    case NIFTI_R2L: return 'L';
    case NIFTI_P2A: return 'A';
    case NIFTI_A2P: return 'P';
    case NIFTI_I2S: return 'S';
    case NIFTI_S2I: return 'I';
    default: return '?';
    }
}

static double units_to_mm(int xyz_units)
{
    switch (xyz_units) {
    case NIFTI_UNITS_METER: return 1000.0;
    case NIFTI_UNITS_MICRON: return 0.001;
    default: return 1.0; /* mm, or unknown: NIfTI readers assume mm */
    }
}

static void fill_geom(const nifti_image *nim, struct mrv_nifti_geom *g)
{
    double u = units_to_mm(nim->xyz_units);
    g->spacing[0] = nim->dz * u;
    g->spacing[1] = nim->dy * u;
    g->spacing[2] = nim->dx * u;
    const nifti_dmat44 *m = nim->sform_code > 0   ? &nim->sto_xyz
                            : nim->qform_code > 0 ? &nim->qto_xyz
                                                  : NULL;
    memset(g->affine, 0, sizeof g->affine);
    if (m) {
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++)
                g->affine[r][c] = m->m[r][c];
        int ic, jc, kc;
        nifti_dmat44_to_orientation(*m, &ic, &jc, &kc);
        g->orientation[0] = axis_letter(ic);
        g->orientation[1] = axis_letter(jc);
        g->orientation[2] = axis_letter(kc);
    } else {
        g->affine[0][0] = nim->dx;
        g->affine[1][1] = nim->dy;
        g->affine[2][2] = nim->dz;
        memcpy(g->orientation, "???", 3);
    }
    g->orientation[3] = '\0';
    g->channels = nim->ndim == 4 ? (int)nim->nt : 1;
    snprintf(g->descrip, sizeof g->descrip, "%s", nim->descrip);
}

static enum mrv_status convert(const char *path, const nifti_image *nim, enum mrv_dtype want,
                               struct mrv_array *out, struct mrv_error *err)
{
    /* MSD's multi-modal images are 4D, one 3D volume per channel: the first
     * is the image (labels must be 3D). */
    if (nim->ndim < 2 || nim->ndim > 4 || (nim->ndim == 4 && want == MRV_U8 && nim->nt != 1))
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: %lld dimensions (dim[4] = %lld), expected a 2D or 3D volume%s",
                             path, (long long)nim->ndim, (long long)nim->nt,
                             want == MRV_U8 ? " of labels" : " (or 4D channels)");
    size_t dims[3] = {(size_t)(nim->ndim >= 3 ? nim->nz : 1), (size_t)nim->ny, (size_t)nim->nx};
    enum mrv_status s = mrv_array_alloc(out, want, 3, dims, err);
    if (s != MRV_OK)
        return s;
    double slope = nim->scl_slope, inter = nim->scl_inter;
    if (slope == 0.0 || !isfinite(slope)) /* NIfTI: slope 0 means no scaling */
        slope = 1.0, inter = 0.0;
    if (!isfinite(inter))
        inter = 0.0;
    size_t n = dims[0] * dims[1] * dims[2];
    for (size_t i = 0; i < n; i++) {
        bool ok;
        double v = value_at(nim, i, &ok);
        if (!ok) {
            mrv_array_free(out);
            return mrv_error_set(err, MRV_EFORMAT,
                                 "%s: datatype %s, expected an integer or float32/float64 "
                                 "scalar type", path, nifti_datatype_string(nim->datatype));
        }
        if (want == MRV_F32) {
            double x = slope * v + inter;
            if (!isfinite(x)) {
                mrv_array_free(out);
                return mrv_error_set(err, MRV_EFORMAT,
                                     "%s: voxel (i %zu, j %zu, k %zu) is %g, expected finite",
                                     path, i % dims[2], i / dims[2] % dims[1],
                                     i / (dims[1] * dims[2]), x);
            }
            ((float *)out->data)[i] = (float)x;
        } else {
            if (!(v >= 0.0 && v <= 255.0 && v == floor(v))) {
                mrv_array_free(out);
                return mrv_error_set(err, MRV_EFORMAT,
                                     "%s: label voxel (i %zu, j %zu, k %zu) is %g, expected an "
                                     "integer 0..255", path, i % dims[2], i / dims[2] % dims[1],
                                     i / (dims[1] * dims[2]), v);
            }
            ((uint8_t *)out->data)[i] = (uint8_t)v;
        }
    }
    return MRV_OK;
}

/* The data size the header declares, checked before nifticlib allocates it
 * (found by tests/fuzz/fuzz_nifti.c: a 352-byte header may declare 32767^7
 * voxels, and nifti_image_read(path, 1) callocs that much first). The
 * product is computed here with overflow checks; an uncompressed file must
 * hold every byte after vox_offset, and a gzip file cannot hold more than
 * 1032 times its size (deflate's largest ratio, RFC 1951 block limits). */
static enum mrv_status check_size(const char *path, const nifti_image *nim,
                                  struct mrv_error *err)
{
    uint64_t bytes = nim->nbyper > 0 ? (uint64_t)nim->nbyper : 0;
    int nd = (int)nim->dim[0];
    for (int d = 1; d <= nd && d < 8; d++) {
        int64_t n = nim->dim[d];
        if (n <= 0 || (bytes && (uint64_t)n > UINT64_MAX / bytes))
            return mrv_error_set(err, MRV_EFORMAT,
                                 "%s: header dim[%d] = %lld, expected a positive size whose "
                                 "volume fits in memory", path, d, (long long)n);
        bytes *= (uint64_t)n;
    }
    const char *data = nim->iname ? nim->iname : path;
    struct stat sb;
    if (stat(data, &sb) != 0)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open the NIfTI data file %s", path, data);
    size_t len = strlen(data);
    bool gz = len > 3 && !strcmp(data + len - 3, ".gz");
    uint64_t have = (uint64_t)sb.st_size;
    uint64_t off = nim->iname_offset > 0 ? (uint64_t)nim->iname_offset : 0;
    uint64_t limit = gz ? have * 1032u : (have > off ? have - off : 0);
    if (bytes > limit)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: header declares %llu bytes of voxel data (dims x datatype "
                             "size), expected at most the %llu the file %s", path,
                             (unsigned long long)bytes, (unsigned long long)limit,
                             gz ? "can expand to" : "holds after vox_offset");
    return MRV_OK;
}

enum mrv_status mrv_nifti_read(const char *path, enum mrv_dtype want, struct mrv_array *out,
                               struct mrv_nifti_geom *geom, struct mrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (want != MRV_F32 && want != MRV_U8)
        return mrv_error_set(err, MRV_EINVAL, "%s: NIfTI read as %s, expected f32 or u8", path,
                             mrv_dtype_name(want));
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open, expected a NIfTI file", path);
    fclose(probe);
    pthread_mutex_lock(&nifti_mutex);
    nifti_set_debug_level(0);
    nifti_image *nim = nifti_image_read(path, 0);
    enum mrv_status sz = nim ? check_size(path, nim, err) : MRV_OK;
    if (nim && sz == MRV_OK && nifti_image_load(nim) != 0 && nim->data) {
        free(nim->data);
        nim->data = NULL;
    }
    pthread_mutex_unlock(&nifti_mutex);
    if (sz != MRV_OK) {
        nifti_image_free(nim);
        return sz;
    }
    if (!nim || !nim->data) {
        if (nim)
            nifti_image_free(nim);
        return mrv_error_set(err, MRV_EIO,
                             "%s: not a readable NIfTI-1/2 file (bad header, or data "
                             "truncated or corrupt)", path);
    }
    enum mrv_status s = convert(path, nim, want, out, err);
    if (s == MRV_OK && geom)
        fill_geom(nim, geom);
    nifti_image_free(nim);
    return s;
}

enum mrv_status mrv_nifti_write(const char *path, const struct mrv_array *a,
                                const double spacing[3], struct mrv_error *err)
{
    if (a->ndim != 3 || (a->dtype != MRV_F32 && a->dtype != MRV_U8))
        return mrv_error_set(err, MRV_EINVAL, "%s: NIfTI write needs (slices, y, x) f32 or u8",
                             path);
    int64_t dims[8] = {3, (int64_t)a->dims[2], (int64_t)a->dims[1], (int64_t)a->dims[0],
                       1, 1, 1, 1};
    remove(path); /* so a failed write cannot leave an older file looking fine */
    pthread_mutex_lock(&nifti_mutex);
    nifti_set_debug_level(0);
    nifti_image *nim = nifti_make_new_nim(dims, a->dtype == MRV_F32 ? DT_FLOAT32 : DT_UINT8, 0);
    enum mrv_status s = MRV_OK;
    if (!nim || nifti_set_filenames(nim, path, 0, 1) != 0) {
        s = mrv_error_set(err, MRV_EINVAL, "%s: not a NIfTI file name (.nii or .nii.gz)", path);
    } else {
        nim->nifti_type = NIFTI_FTYPE_NIFTI1_1;
        nim->dx = nim->pixdim[1] = spacing[2];
        nim->dy = nim->pixdim[2] = spacing[1];
        nim->dz = nim->pixdim[3] = spacing[0];
        nim->xyz_units = NIFTI_UNITS_MM;
        nim->qform_code = nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
        memset(&nim->sto_xyz, 0, sizeof nim->sto_xyz);
        nim->sto_xyz.m[0][0] = spacing[2];
        nim->sto_xyz.m[1][1] = spacing[1];
        nim->sto_xyz.m[2][2] = spacing[0];
        nim->sto_xyz.m[3][3] = 1.0;
        nim->quatern_b = nim->quatern_c = nim->quatern_d = 0.0;
        nim->qoffset_x = nim->qoffset_y = nim->qoffset_z = 0.0;
        nim->qfac = 1.0;
        snprintf(nim->descrip, sizeof nim->descrip, "mrvet");
        nim->data = a->data; /* borrowed for the write */
        nifti_image_write(nim);
        nim->data = NULL;
    }
    if (nim)
        nifti_image_free(nim);
    pthread_mutex_unlock(&nifti_mutex);
    if (s != MRV_OK)
        return s;
    FILE *f = fopen(path, "rb"); /* nifti_image_write reports failure only on stderr */
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot write", path);
    fclose(f);
    return MRV_OK;
}

enum mrv_status mrv_nifti_read_shape(const char *path, size_t dims[3], struct mrv_error *err)
{
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open, expected a NIfTI file", path);
    fclose(probe);
    pthread_mutex_lock(&nifti_mutex);
    nifti_set_debug_level(0);
    nifti_image *nim = nifti_image_read(path, 0);
    pthread_mutex_unlock(&nifti_mutex);
    if (!nim)
        return mrv_error_set(err, MRV_EIO, "%s: not a readable NIfTI-1/2 header", path);
    enum mrv_status s = MRV_OK;
    if (nim->ndim < 2 || nim->ndim > 4)
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: %lld dimensions, expected a 2D or 3D volume (or 4D channels)",
                          path, (long long)nim->ndim);
    dims[0] = (size_t)(nim->ndim >= 3 ? nim->nz : 1);
    dims[1] = (size_t)nim->ny;
    dims[2] = (size_t)nim->nx;
    nifti_image_free(nim);
    return s;
}
