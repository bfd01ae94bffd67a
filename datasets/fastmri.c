/* fastMRI HDF5 reader and writer (layout in datasets/fastmri.h). */
#include "datasets/fastmri.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/dataset_internal.h"
#include "datasets/h5util.h"

struct mrv_fastmri {
    char *path;
    hid_t file;
    struct mrv_fastmri_info info;
};

const struct mrv_fastmri_info *mrv_fastmri_info(const struct mrv_fastmri *f)
{
    return &f->info;
}

void mrv_fastmri_close(struct mrv_fastmri *f)
{
    if (!f)
        return;
    if (f->file >= 0) {
        mrv_h5_lock();
        H5Fclose(f->file);
        mrv_h5_unlock();
    }
    free(f->info.header);
    free(f->path);
    free(f);
}

/* Rank and dims of dataset `name`; -1 when absent, -2 when unreadable. */
static int ds_shape(hid_t file, const char *name, hsize_t dims[], hid_t *type)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0)
        return -2;
    hid_t sp = H5Dget_space(d);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -2;
    if (rank > 0 && rank <= 8)
        H5Sget_simple_extent_dims(sp, dims, NULL);
    else if (rank > 8)
        rank = 9;
    if (sp >= 0)
        H5Sclose(sp);
    *type = H5Dget_type(d);
    H5Dclose(d);
    return rank;
}

static void dims_text(int rank, const hsize_t dims[], char *buf, size_t size)
{
    if (rank > 8) { /* ds_shape read no dims */
        snprintf(buf, size, "of rank > 8");
        return;
    }
    size_t o = 0;
    o += (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < rank && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%llu", i ? ", " : "",
                              (unsigned long long)dims[i]);
    if (o < size)
        snprintf(buf + o, size - o, ")");
}

static const char *type_text(hid_t t)
{
    if (mrv_h5_is_complex64(t))
        return "complex64";
    switch (H5Tget_class(t)) {
    case H5T_FLOAT: return H5Tget_size(t) == 4 ? "float32" : "float64";
    case H5T_INTEGER: return "integer";
    case H5T_COMPOUND: return "a compound other than complex64 {r, i}";
    case H5T_STRING: return "string";
    case H5T_ENUM: return "enum";
    default: return "another type";
    }
}

static enum mrv_status read_header(struct mrv_fastmri *f, struct mrv_error *err)
{
    if (H5Lexists(f->file, "ismrmrd_header", H5P_DEFAULT) <= 0)
        return MRV_OK;
    hid_t d = H5Dopen2(f->file, "ismrmrd_header", H5P_DEFAULT);
    hid_t t = d >= 0 ? H5Dget_type(d) : -1;
    enum mrv_status s = MRV_OK;
    if (t < 0 || H5Tget_class(t) != H5T_STRING) {
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset 'ismrmrd_header' is %s, expected a scalar string",
                          f->path, t < 0 ? "unreadable" : type_text(t));
    } else if (H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0 || !v)
            s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset 'ismrmrd_header' is unreadable",
                              f->path);
        else if (!(f->info.header = strdup(v)))
            s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", f->path);
        else
            f->info.header_len = strlen(v);
        if (v) {
            hid_t sp = H5Dget_space(d);
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &v);
            H5Sclose(sp);
        }
        H5Tclose(mt);
    } else {
        size_t n = H5Tget_size(t);
        f->info.header = calloc(n + 1, 1);
        if (!f->info.header)
            s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", f->path);
        else if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, f->info.header) < 0)
            s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset 'ismrmrd_header' is unreadable",
                              f->path);
        else
            f->info.header_len = strnlen(f->info.header, n); /* fixed length: NUL padded */
    }
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    return s;
}

static enum mrv_status check_recon(struct mrv_fastmri *f, const char *name, bool *has,
                                   struct mrv_error *err)
{
    hsize_t dims[9];
    hid_t t = -1;
    int rank = ds_shape(f->file, name, dims, &t);
    enum mrv_status s = MRV_OK;
    char got[128];
    if (rank == -1) {
        *has = false;
    } else if (rank < 0 || t < 0) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset '%s' is unreadable", f->path, name);
    } else if (rank != 3 || H5Tget_class(t) != H5T_FLOAT) {
        dims_text(rank, dims, got, sizeof got);
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset '%s' is %s %s, expected float32 (slices, y, x)", f->path,
                          name, got, type_text(t));
    } else if (dims[0] != f->info.nslices) {
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset '%s' has %llu slices, expected %zu as kspace", f->path,
                          name, (unsigned long long)dims[0], f->info.nslices);
    } else if ((f->info.recon_ny && (dims[1] != f->info.recon_ny || dims[2] != f->info.recon_nx))) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset '%s' is %llux%llu, expected %zux%zu "
                          "as the other reconstruction", f->path, name,
                          (unsigned long long)dims[1], (unsigned long long)dims[2],
                          f->info.recon_ny, f->info.recon_nx);
    } else {
        *has = true;
        f->info.recon_ny = dims[1];
        f->info.recon_nx = dims[2];
    }
    if (t >= 0)
        H5Tclose(t);
    return s;
}

static enum mrv_status open_locked(struct mrv_fastmri *f, struct mrv_error *err)
{
    f->file = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f->file < 0)
        return mrv_error_set(err, MRV_EIO,
                             "%s: cannot open as HDF5 (missing, truncated or not an HDF5 "
                             "file), expected a fastMRI .h5 file", f->path);
    hsize_t dims[9];
    hid_t t = -1;
    int rank = ds_shape(f->file, "kspace", dims, &t);
    char got[128];
    enum mrv_status s = MRV_OK;
    if (rank == -1)
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset 'kspace' is missing, expected complex64 (slices, "
                          "[coils,] ky, kx)", f->path);
    else if (rank < 0 || t < 0)
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset 'kspace' is unreadable", f->path);
    else if ((rank != 3 && rank != 4) || !mrv_h5_is_complex64(t)) {
        dims_text(rank, dims, got, sizeof got);
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset 'kspace' is %s %s, expected complex64 of rank 3 "
                          "(slices, ky, kx) or 4 (slices, coils, ky, kx)",
                          f->path, got, type_text(t));
    } else {
        f->info.multicoil = rank == 4;
        f->info.nslices = dims[0];
        f->info.ncoils = rank == 4 ? dims[1] : 1;
        f->info.ny = dims[rank - 2];
        f->info.nx = dims[rank - 1];
        if (f->info.nslices == 0 || f->info.ncoils == 0 || f->info.ny == 0 || f->info.nx == 0)
            s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset 'kspace' is empty, expected at "
                              "least one slice", f->path);
    }
    if (t >= 0)
        H5Tclose(t);
    if (s == MRV_OK)
        s = check_recon(f, "reconstruction_rss", &f->info.has_rss, err);
    if (s == MRV_OK)
        s = check_recon(f, "reconstruction_esc", &f->info.has_esc, err);
    if (s == MRV_OK && (rank = ds_shape(f->file, "mask", dims, &t)) != -1) {
        H5T_class_t cl = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
        if (rank != 1 || dims[0] != f->info.nx ||
            (cl != H5T_INTEGER && cl != H5T_FLOAT && cl != H5T_ENUM && cl != H5T_BITFIELD)) {
            dims_text(rank > 0 ? rank : 0, dims, got, sizeof got);
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: dataset 'mask' is %s %s, expected bool or numeric (%zu) "
                              "(one entry per kspace column)", f->path, got,
                              t >= 0 ? type_text(t) : "unreadable", f->info.nx);
        }
        f->info.has_mask = s == MRV_OK;
        if (t >= 0)
            H5Tclose(t);
    }
    if (s == MRV_OK)
        s = read_header(f, err);
    struct mrv_fastmri_attrs *a = &f->info.attrs;
    a->max = a->norm = a->acceleration = a->num_low_frequency = NAN;
    if (s == MRV_OK) {
        mrv_h5_attr_string(f->file, "acquisition", a->acquisition, sizeof a->acquisition);
        mrv_h5_attr_string(f->file, "patient_id", a->patient_id, sizeof a->patient_id);
        mrv_h5_attr_double(f->file, "max", &a->max);
        mrv_h5_attr_double(f->file, "norm", &a->norm);
        mrv_h5_attr_double(f->file, "acceleration", &a->acceleration);
        mrv_h5_attr_double(f->file, "num_low_frequency", &a->num_low_frequency);
    }
    return s;
}

enum mrv_status mrv_fastmri_open(const char *path, struct mrv_fastmri **out,
                                 struct mrv_error *err)
{
    *out = NULL;
    struct mrv_fastmri *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    }
    f->file = -1;
    mrv_h5_lock();
    enum mrv_status s = open_locked(f, err);
    mrv_h5_unlock();
    if (s != MRV_OK) {
        mrv_fastmri_close(f);
        return s;
    }
    *out = f;
    return MRV_OK;
}

/* Read the hyperslab [s, 0...] of `count` (rank dims) of dataset `name`. */
static enum mrv_status read_slab(struct mrv_fastmri *f, const char *name, hid_t memtype,
                                 size_t s, int rank, const hsize_t count[], void *out,
                                 struct mrv_error *err)
{
    hsize_t start[4] = {s, 0, 0, 0};
    mrv_h5_lock();
    hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    hid_t ms = H5Screate_simple(rank, count, NULL);
    herr_t r = -1;
    if (fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
        r = H5Dread(d, memtype, ms, fs, H5P_DEFAULT, out);
    H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    if (d >= 0)
        H5Dclose(d);
    mrv_h5_unlock();
    if (r < 0)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: dataset '%s' slice %zu cannot be read (truncated or corrupt "
                             "file?)", f->path, name, s);
    return MRV_OK;
}

enum mrv_status mrv_fastmri_read_kspace(struct mrv_fastmri *f, size_t s, float complex *out,
                                        struct mrv_error *err)
{
    const struct mrv_fastmri_info *in = &f->info;
    if (s >= in->nslices)
        return mrv_error_set(err, MRV_EINVAL, "%s: kspace slice %zu, expected < %zu", f->path,
                             s, in->nslices);
    hsize_t count[4] = {1, in->ncoils, in->ny, in->nx};
    if (!in->multicoil) {
        count[1] = in->ny;
        count[2] = in->nx;
    }
    mrv_h5_lock();
    hid_t ct = mrv_h5_complex_type();
    mrv_h5_unlock();
    enum mrv_status st = read_slab(f, "kspace", ct, s, in->multicoil ? 4 : 3, count, out, err);
    mrv_h5_lock();
    H5Tclose(ct);
    mrv_h5_unlock();
    if (st != MRV_OK)
        return st;
    size_t n = in->ncoils * in->ny * in->nx;
    size_t bad = mrv_ds_find_nonfinite(out, n);
    if (bad != (size_t)-1) {
        size_t plane = in->ny * in->nx;
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: dataset 'kspace' slice %zu holds %s at (coil %zu, ky %zu, "
                             "kx %zu), expected finite values", f->path, s,
                             isnan(crealf(out[bad])) || isnan(cimagf(out[bad])) ? "NaN" : "Inf",
                             bad / plane, bad % plane / in->nx, bad % in->nx);
    }
    return MRV_OK;
}

enum mrv_status mrv_fastmri_read_recon(struct mrv_fastmri *f, const char *name, size_t s,
                                       float *out, struct mrv_error *err)
{
    bool has = strcmp(name, "reconstruction_rss") == 0   ? f->info.has_rss
               : strcmp(name, "reconstruction_esc") == 0 ? f->info.has_esc
                                                         : false;
    if (!has)
        return mrv_error_set(err, MRV_ENOTFOUND, "%s: dataset '%s' is missing", f->path, name);
    if (s >= f->info.nslices)
        return mrv_error_set(err, MRV_EINVAL, "%s: %s slice %zu, expected < %zu", f->path, name,
                             s, f->info.nslices);
    hsize_t count[3] = {1, f->info.recon_ny, f->info.recon_nx};
    return read_slab(f, name, H5T_NATIVE_FLOAT, s, 3, count, out, err);
}

enum mrv_status mrv_fastmri_read_mask(struct mrv_fastmri *f, uint8_t *out,
                                      struct mrv_error *err)
{
    if (!f->info.has_mask)
        return mrv_error_set(err, MRV_ENOTFOUND, "%s: dataset 'mask' is missing", f->path);
    double *v = malloc(f->info.nx * sizeof *v);
    if (!v)
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", f->path);
    mrv_h5_lock();
    hid_t d = H5Dopen2(f->file, "mask", H5P_DEFAULT);
    hid_t t = d >= 0 ? H5Dget_type(d) : -1;
    herr_t r = -1;
    if (t >= 0 && H5Tget_class(t) == H5T_ENUM) {
        /* h5py's bool is an enum over int8: read the base integers. */
        hid_t base = H5Tget_super(t);
        int8_t *b = malloc(f->info.nx);
        if (b && (r = H5Dread(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, b)) >= 0)
            for (size_t i = 0; i < f->info.nx; i++)
                v[i] = b[i];
        free(b);
        H5Tclose(base);
    } else if (t >= 0) {
        r = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    }
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    mrv_h5_unlock();
    if (r < 0) {
        free(v);
        return mrv_error_set(err, MRV_EFORMAT, "%s: dataset 'mask' cannot be read", f->path);
    }
    for (size_t i = 0; i < f->info.nx; i++)
        out[i] = v[i] != 0.0;
    free(v);
    return MRV_OK;
}

/* ---- writing ------------------------------------------------------------ */

static hid_t bool_type(void)
{
    /* numpy bool as h5py writes it: enum of int8 {FALSE = 0, TRUE = 1}. */
    hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    int8_t v = 0;
    H5Tenum_insert(t, "FALSE", &v);
    v = 1;
    H5Tenum_insert(t, "TRUE", &v);
    return t;
}

static herr_t write_array(hid_t file, const char *name, hid_t filetype, hid_t memtype,
                          const struct mrv_array *a)
{
    hsize_t dims[MRV_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++)
        dims[i] = a->dims[i];
    hid_t sp = H5Screate_simple(a->ndim, dims, NULL);
    hid_t dcpl = mrv_h5_dcpl();
    hid_t d = H5Dcreate2(file, name, filetype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    herr_t r = d >= 0 ? H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data) : -1;
    if (d >= 0)
        H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return r;
}

static enum mrv_status check_volume(const char *path, const struct mrv_fastmri_volume *v,
                                    struct mrv_error *err)
{
    const struct mrv_array *k = v->kspace;
    if (!k || k->dtype != MRV_C64 || (k->ndim != 3 && k->ndim != 4))
        return mrv_error_set(err, MRV_EINVAL, "%s: kspace must be complex64 of rank 3 or 4",
                             path);
    const struct mrv_array *rec[2] = {v->rss, v->esc};
    for (int i = 0; i < 2; i++)
        if (rec[i] && rec[i]->ndim &&
            (rec[i]->dtype != MRV_F32 || rec[i]->ndim != 3 || rec[i]->dims[0] != k->dims[0]))
            return mrv_error_set(err, MRV_EINVAL,
                                 "%s: %s must be float32 (slices, y, x) with %zu slices", path,
                                 i ? "reconstruction_esc" : "reconstruction_rss", k->dims[0]);
    if (v->mask && v->mask->ndim &&
        (v->mask->dtype != MRV_U8 || v->mask->ndim != 1 ||
         v->mask->dims[0] != k->dims[k->ndim - 1]))
        return mrv_error_set(err, MRV_EINVAL, "%s: mask must be u8 (%zu)", path,
                             k->dims[k->ndim - 1]);
    return MRV_OK;
}

enum mrv_status mrv_fastmri_write(const char *path, const struct mrv_fastmri_volume *v,
                                  struct mrv_error *err)
{
    enum mrv_status s = check_volume(path, v, err);
    if (s != MRV_OK)
        return s;
    mrv_h5_lock();
    hid_t f = mrv_h5_create(path);
    if (f < 0) {
        mrv_h5_unlock();
        return mrv_error_set(err, MRV_EIO, "%s: cannot create the HDF5 file", path);
    }
    const char *failed = NULL;
    hid_t ct = mrv_h5_complex_type();
    if (write_array(f, "kspace", ct, ct, v->kspace) < 0)
        failed = "kspace";
    H5Tclose(ct);
    if (!failed && v->rss && v->rss->ndim &&
        write_array(f, "reconstruction_rss", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, v->rss) < 0)
        failed = "reconstruction_rss";
    if (!failed && v->esc && v->esc->ndim &&
        write_array(f, "reconstruction_esc", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, v->esc) < 0)
        failed = "reconstruction_esc";
    if (!failed && v->mask && v->mask->ndim) {
        hid_t bt = bool_type();
        struct mrv_array m01 = {0};
        if (mrv_array_copy(&m01, v->mask, NULL) != MRV_OK) {
            failed = "mask (out of memory)";
        } else {
            uint8_t *b = m01.data; /* any nonzero is sampled; the enum holds 0/1 */
            for (size_t i = 0; i < m01.dims[0]; i++)
                b[i] = b[i] != 0;
            if (write_array(f, "mask", bt, bt, &m01) < 0)
                failed = "mask";
        }
        mrv_array_free(&m01);
        H5Tclose(bt);
    }
    if (!failed && v->header) {
        /* A fixed-length byte string: h5py returns it as bytes, like the
         * fastMRI files' header. */
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, v->header_len ? v->header_len : 1);
        H5Tset_strpad(t, H5T_STR_NULLPAD);
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t dcpl = mrv_h5_dcpl();
        hid_t d = H5Dcreate2(f, "ismrmrd_header", t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        char *buf = calloc(v->header_len + 1, 1);
        if (buf)
            memcpy(buf, v->header, v->header_len);
        if (d < 0 || !buf || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            failed = "ismrmrd_header";
        free(buf);
        if (d >= 0)
            H5Dclose(d);
        H5Sclose(sp);
        H5Tclose(t);
    }
    const struct mrv_fastmri_attrs *a = v->attrs;
    if (!failed && a) {
        if ((a->acquisition[0] && mrv_h5_write_attr_string(f, "acquisition", a->acquisition) < 0) ||
            (a->patient_id[0] && mrv_h5_write_attr_string(f, "patient_id", a->patient_id) < 0) ||
            (!isnan(a->max) && mrv_h5_write_attr_double(f, "max", a->max) < 0) ||
            (!isnan(a->norm) && mrv_h5_write_attr_double(f, "norm", a->norm) < 0) ||
            (!isnan(a->acceleration) &&
             mrv_h5_write_attr_int(f, "acceleration", llround(a->acceleration)) < 0) ||
            (!isnan(a->num_low_frequency) &&
             mrv_h5_write_attr_int(f, "num_low_frequency", llround(a->num_low_frequency)) < 0))
            failed = "attributes";
    }
    herr_t r = H5Fclose(f);
    mrv_h5_unlock();
    if (failed || r < 0)
        return mrv_error_set(err, MRV_EIO, "%s: cannot write %s", path,
                             failed ? failed : "the file (close failed)");
    return MRV_OK;
}
