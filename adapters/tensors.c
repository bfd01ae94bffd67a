/* The HDF5 files the exec adapter exchanges with workers (docs/adapters.md,
 * "Tensor files"). Dataset names follow fastMRI: `kspace`, `mask`,
 * `sensitivity_maps` in; `reconstruction` out. complex64 is h5py's compound
 * {r, i}. Debian's libhdf5 is not thread-safe: every call is under
 * mrv_h5_lock(). */
#include <stdio.h>
#include <string.h>

#include "adapters/adapter_internal.h"
#include "datasets/h5util.h"

static hid_t file_type(enum mrv_dtype dt)
{
    switch (dt) {
    case MRV_F32: return H5Tcopy(H5T_IEEE_F32LE);
    case MRV_F64: return H5Tcopy(H5T_IEEE_F64LE);
    case MRV_U8: return H5Tcopy(H5T_STD_U8LE);
    case MRV_I16: return H5Tcopy(H5T_STD_I16LE);
    case MRV_I32: return H5Tcopy(H5T_STD_I32LE);
    case MRV_C64: return mrv_h5_complex_type();
    default: return -1;
    }
}

static hid_t mem_type(enum mrv_dtype dt)
{
    switch (dt) {
    case MRV_F32: return H5Tcopy(H5T_NATIVE_FLOAT);
    case MRV_F64: return H5Tcopy(H5T_NATIVE_DOUBLE);
    case MRV_U8: return H5Tcopy(H5T_NATIVE_UINT8);
    case MRV_I16: return H5Tcopy(H5T_NATIVE_INT16);
    case MRV_I32: return H5Tcopy(H5T_NATIVE_INT32);
    case MRV_C64: return mrv_h5_complex_type();
    default: return -1;
    }
}

/* Under the lock. */
static herr_t write_array(hid_t f, const char *name, const struct mrv_array *a)
{
    hsize_t dims[MRV_MAX_DIMS];
    for (int d = 0; d < a->ndim; d++)
        dims[d] = a->dims[d];
    hid_t sp = H5Screate_simple(a->ndim, dims, NULL);
    hid_t ft = file_type(a->dtype), mt = mem_type(a->dtype);
    hid_t ds = sp >= 0 && ft >= 0
                   ? H5Dcreate2(f, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                   : -1;
    herr_t r = ds >= 0 && mt >= 0 ? H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data) : -1;
    if (ds >= 0)
        H5Dclose(ds);
    if (ft >= 0)
        H5Tclose(ft);
    if (mt >= 0)
        H5Tclose(mt);
    if (sp >= 0)
        H5Sclose(sp);
    return r;
}

enum mrv_status mrv_ad_write_input(const char *path, const struct mrv_model_input *in,
                                   struct mrv_error *err)
{
    const char *bad = NULL;
    mrv_h5_lock();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        mrv_h5_unlock();
        return mrv_error_set(err, MRV_EIO, "%s: cannot create the request's HDF5 file", path);
    }
    if (in->kspace && in->kspace->ndim && write_array(f, "kspace", in->kspace) < 0)
        bad = "kspace";
    if (!bad && in->mask && in->mask->ndim && write_array(f, "mask", in->mask) < 0)
        bad = "mask";
    if (!bad && in->coil_maps && in->coil_maps->ndim &&
        write_array(f, "sensitivity_maps", in->coil_maps) < 0)
        bad = "sensitivity_maps";
    if (!bad && in->image && in->image->ndim && write_array(f, "image", in->image) < 0)
        bad = "image";
    if (!bad && mrv_h5_write_attr_string(f, "task", mrv_task_name(in->task)) < 0)
        bad = "attribute task";
    if (!bad && in->spacing) {
        hsize_t three = 3;
        hid_t sp = H5Screate_simple(1, &three, NULL);
        hid_t a = sp >= 0 ? H5Acreate2(f, "spacing", H5T_IEEE_F64LE, sp, H5P_DEFAULT,
                                       H5P_DEFAULT) : -1;
        if (a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, in->spacing) < 0)
            bad = "attribute spacing";
        if (a >= 0)
            H5Aclose(a);
        if (sp >= 0)
            H5Sclose(sp);
    }
    if (H5Fclose(f) < 0 && !bad)
        bad = "file close";
    mrv_h5_unlock();
    if (bad)
        return mrv_error_set(err, MRV_EIO, "%s: cannot write %s", path, bad);
    return MRV_OK;
}

static const char *type_name(hid_t t)
{
    if (mrv_h5_is_complex64(t))
        return "complex64";
    switch (H5Tget_class(t)) {
    case H5T_FLOAT: return H5Tget_size(t) == 4 ? "float32" : H5Tget_size(t) == 8 ? "float64"
                                                                                   : "float";
    case H5T_INTEGER: return "integer";
    case H5T_COMPOUND: return "compound";
    case H5T_STRING: return "string";
    default: return "an unsupported type";
    }
}

enum mrv_status mrv_ad_read_output(const char *path, enum mrv_task task, struct mrv_array *out,
                                   struct mrv_error *err)
{
    const char *names[2] = {"reconstruction", NULL};
    if (task == MRV_TASK_SYNTHESIS)
        names[0] = "synthesis";
    else if (task == MRV_TASK_SEGMENTATION)
        names[0] = "probabilities", names[1] = "labels";
    else if (task == MRV_TASK_CLASSIFICATION)
        names[0] = "probabilities";
    enum mrv_status s = MRV_OK;
    *out = (struct mrv_array){0};
    mrv_h5_lock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = -1, t = -1, sp = -1;
    const char *name = NULL;
    if (f < 0) {
        s = mrv_error_set(err, MRV_EMODEL, "%s: the worker's output file cannot be opened as "
                          "HDF5", path);
        goto done;
    }
    for (int i = 0; i < 2 && names[i] && !name; i++)
        if (H5Lexists(f, names[i], H5P_DEFAULT) > 0)
            name = names[i];
    if (!name) {
        s = mrv_error_set(err, MRV_EMODEL, "%s: no dataset '%s'%s%s%s for %s", path, names[0],
                          names[1] ? " or '" : "", names[1] ? names[1] : "",
                          names[1] ? "'" : "", mrv_task_name(task));
        goto done;
    }
    d = H5Dopen2(f, name, H5P_DEFAULT);
    t = d >= 0 ? H5Dget_type(d) : -1;
    sp = d >= 0 ? H5Dget_space(d) : -1;
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (t < 0 || rank < 1 || rank > MRV_MAX_DIMS) {
        s = mrv_error_set(err, MRV_EMODEL, "%s: dataset %s has rank %d, expected 1..%d", path,
                          name, rank, MRV_MAX_DIMS);
        goto done;
    }
    hsize_t hd[MRV_MAX_DIMS];
    size_t dims[MRV_MAX_DIMS];
    H5Sget_simple_extent_dims(sp, hd, NULL);
    for (int i = 0; i < rank; i++)
        dims[i] = (size_t)hd[i];
    bool labels = strcmp(name, "labels") == 0;
    H5T_class_t cl = H5Tget_class(t);
    /* Floating outputs of any width are converted to f32 by HDF5; an
     * integer or complex image is a contract violation, not converted. */
    if ((labels && cl != H5T_INTEGER) || (!labels && cl != H5T_FLOAT)) {
        s = mrv_error_set(err, MRV_EMODEL, "%s: dataset %s is %s, expected %s", path, name,
                          type_name(t), labels ? "uint8" : "float32");
        goto done;
    }
    enum mrv_dtype dt = labels ? MRV_U8 : MRV_F32;
    if ((s = mrv_array_alloc(out, dt, rank, dims, err)) != MRV_OK)
        goto done;
    if (H5Dread(d, labels ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                out->data) < 0) {
        mrv_array_free(out);
        s = mrv_error_set(err, MRV_EMODEL, "%s: dataset %s cannot be read", path, name);
    }
done:
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    if (f >= 0)
        H5Fclose(f);
    mrv_h5_unlock();
    return s;
}
