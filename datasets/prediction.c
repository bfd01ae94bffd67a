/* Model outputs saved as files (layout in datasets/prediction.h). */
#include "datasets/prediction.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/dataset_internal.h"
#include "datasets/h5util.h"
#include "datasets/nifti.h"

static void attrs_read(hid_t file, struct mrv_fastmri_attrs *a)
{
    memset(a, 0, sizeof *a);
    a->max = a->norm = a->acceleration = a->num_low_frequency = NAN;
    if (file < 0)
        return;
    mrv_h5_attr_string(file, "acquisition", a->acquisition, sizeof a->acquisition);
    mrv_h5_attr_string(file, "patient_id", a->patient_id, sizeof a->patient_id);
    mrv_h5_attr_double(file, "max", &a->max);
    mrv_h5_attr_double(file, "norm", &a->norm);
    mrv_h5_attr_double(file, "acceleration", &a->acceleration);
    mrv_h5_attr_double(file, "num_low_frequency", &a->num_low_frequency);
}

/* Under the lock: validate dataset `d` of `path` and read it into `out`. */
static enum mrv_status read_locked(hid_t d, const char *path, const char *name,
                                   struct mrv_array *out, struct mrv_error *err)
{
    hid_t t = H5Dget_type(d);
    hid_t sp = H5Dget_space(d);
    H5T_class_t cl = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t dims[3] = {0, 0, 0};
    enum mrv_status s = MRV_OK;
    if (t < 0 || sp < 0 || rank < 0) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset '%s' is unreadable", path, name);
    } else if (cl != H5T_FLOAT && cl != H5T_INTEGER) {
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset '%s' is not numeric, expected float32 (slices, y, x)",
                          path, name);
    } else if (rank != 3) {
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset '%s' has rank %d, expected 3 (slices, y, x)", path, name,
                          rank);
    } else {
        H5Sget_simple_extent_dims(sp, dims, NULL);
        /* A corrupt header may claim any size: refuse what cannot be addressed. */
        if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0 ||
            dims[1] * dims[2] > SIZE_MAX / sizeof(float) ||
            dims[0] > SIZE_MAX / sizeof(float) / (dims[1] * dims[2]))
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: dataset '%s' is (%llu, %llu, %llu), expected a non-empty "
                              "(slices, y, x)", path, name, (unsigned long long)dims[0],
                              (unsigned long long)dims[1], (unsigned long long)dims[2]);
    }
    if (s == MRV_OK) {
        size_t sd[3] = {(size_t)dims[0], (size_t)dims[1], (size_t)dims[2]};
        s = mrv_array_alloc(out, MRV_F32, 3, sd, err);
        if (s == MRV_OK &&
            H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data) < 0) {
            mrv_array_free(out);
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: dataset '%s' cannot be read (truncated or corrupt file?)",
                              path, name);
        }
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return s;
}

enum mrv_status mrv_prediction_read_h5(const char *path, const char *name,
                                       struct mrv_array *out,
                                       struct mrv_fastmri_attrs *attrs,
                                       struct mrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (attrs)
        attrs_read(-1, attrs);
    mrv_h5_lock();
    enum mrv_status s = MRV_OK;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        s = mrv_error_set(err, MRV_EIO,
                          "%s: cannot open as HDF5 (missing, truncated or not an HDF5 file)",
                          path);
    } else if (H5Lexists(f, name, H5P_DEFAULT) <= 0) {
        s = mrv_error_set(err, MRV_ENOTFOUND,
                          "%s: dataset '%s' is missing, expected float32 (slices, y, x)", path,
                          name);
    } else {
        hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
        if (d < 0)
            s = mrv_error_set(err, MRV_EFORMAT, "%s: '%s' is not a readable dataset", path,
                              name);
        else
            s = read_locked(d, path, name, out, err);
        if (d >= 0)
            H5Dclose(d);
        if (s == MRV_OK && attrs)
            attrs_read(f, attrs);
    }
    if (f >= 0)
        H5Fclose(f);
    mrv_h5_unlock();
    return s;
}

/* The prediction file exists (before a reader says "cannot open"). */
static enum mrv_status need_file(const char *ppath, const char *tpath, struct mrv_error *err)
{
    struct stat st;
    if (stat(ppath, &st) != 0 || S_ISDIR(st.st_mode))
        return mrv_error_set(err, MRV_ENOTFOUND, "%s: prediction is missing (expected a file "
                             "named as the target %s)", ppath, tpath);
    return MRV_OK;
}

/* The first NaN/Inf of `a` (f32): a message naming the file and position. */
static enum mrv_status check_finite(const char *path, const char *what,
                                    const struct mrv_array *a, struct mrv_error *err)
{
    const float *v = a->data;
    size_t n = mrv_array_count(a), plane = a->dims[1] * a->dims[2];
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return mrv_error_set(err, MRV_EFORMAT,
                                 "%s: %s holds %s at (slice %zu, y %zu, x %zu) of the scored "
                                 "region, expected finite values", path, what,
                                 isnan(v[i]) ? "NaN" : "Inf", i / plane,
                                 i % plane / a->dims[2], i % a->dims[2]);
    return MRV_OK;
}

/* fastmri.data.transforms.center_crop(data, (w, w)): rows from (h - w) // 2,
 * columns from (x - w) // 2; the crop must fit. */
static enum mrv_status crop(const char *path, const char *what, const struct mrv_array *in,
                            size_t w, struct mrv_array *out, struct mrv_error *err)
{
    size_t s = in->dims[0], h = in->dims[1], x = in->dims[2];
    if (w > h || w > x)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: %s is (%zu, %zu, %zu), too small for the centre crop to "
                             "(%zu, %zu) (fastMRI evaluate.py crops to the target's width)",
                             path, what, s, h, x, w, w);
    return mrv_array_center_crop(in, w, w, out, err);
}

/* The target volume: through the fastMRI reader when the file has k-space
 * (it validates the whole file), else the dataset alone. */
enum mrv_status mrv_prediction_read_target(const char *path, const char *key,
                                           struct mrv_array *out,
                                           struct mrv_fastmri_attrs *attrs,
                                           const char **key_used, struct mrv_error *err)
{
    static const char *const rss = "reconstruction_rss", *const esc = "reconstruction_esc";
    memset(out, 0, sizeof *out);
    if (!mrv_h5_has_object(path, "kspace")) {
        *key_used = key ? key : rss;
        enum mrv_status s = mrv_prediction_read_h5(path, *key_used, out, attrs, err);
        if (s == MRV_ENOTFOUND && !key) {
            *key_used = esc;
            s = mrv_prediction_read_h5(path, esc, out, attrs, err);
            if (s == MRV_ENOTFOUND)
                s = mrv_error_set(err, MRV_EFORMAT,
                                  "%s: holds neither reconstruction_rss nor "
                                  "reconstruction_esc, expected one as the target", path);
        }
        return s;
    }
    struct mrv_fastmri *f;
    enum mrv_status s = mrv_fastmri_open(path, &f, err);
    if (s != MRV_OK)
        return s;
    const struct mrv_fastmri_info *in = mrv_fastmri_info(f);
    if (attrs)
        *attrs = in->attrs;
    /* evaluate.py: reconstruction_esc for the single-coil challenge. */
    *key_used = key ? key : (!in->multicoil && in->has_esc) || !in->has_rss ? esc : rss;
    bool has = strcmp(*key_used, rss) == 0 ? in->has_rss : in->has_esc;
    if (!has) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset '%s' is missing, expected the "
                          "target reconstruction (slices, y, x)", path, *key_used);
    } else {
        size_t dims[3] = {in->nslices, in->recon_ny, in->recon_nx};
        s = mrv_array_alloc(out, MRV_F32, 3, dims, err);
        for (size_t k = 0; k < in->nslices && s == MRV_OK; k++)
            s = mrv_fastmri_read_recon(f, *key_used, k, (float *)out->data + k * dims[1] * dims[2],
                                       err);
        if (s != MRV_OK)
            mrv_array_free(out);
    }
    mrv_fastmri_close(f);
    return s;
}

enum mrv_status mrv_prediction_crop_pair(const char *tpath, const char *key,
                                         const struct mrv_array *target, const char *ppath,
                                         struct mrv_array *tc, struct mrv_array *pc,
                                         struct mrv_error *err)
{
    static const char *const rec = "dataset 'reconstruction'";
    struct mrv_array p = {0};
    memset(tc, 0, sizeof *tc);
    memset(pc, 0, sizeof *pc);
    enum mrv_status s = need_file(ppath, tpath, err);
    if (s == MRV_OK)
        s = mrv_prediction_read_h5(ppath, "reconstruction", &p, NULL, err);
    const size_t *td = target->dims;
    if (s == MRV_OK && p.dims[0] != td[0])
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: %s is (%zu, %zu, %zu), expected %zu slices as the target %s "
                          "%s (%zu, %zu, %zu)", ppath, rec, p.dims[0], p.dims[1], p.dims[2],
                          td[0], tpath, key, td[0], td[1], td[2]);
    if (s == MRV_OK)
        s = crop(tpath, key, target, td[2], tc, err);
    if (s == MRV_OK)
        s = crop(ppath, rec, &p, td[2], pc, err);
    if (s == MRV_OK)
        s = check_finite(tpath, key, tc, err);
    if (s == MRV_OK)
        s = check_finite(ppath, rec, pc, err);
    mrv_array_free(&p);
    if (s != MRV_OK) {
        mrv_array_free(tc);
        mrv_array_free(pc);
    }
    return s;
}

enum mrv_status mrv_prediction_read_labels(const char *tpath, const char *ppath,
                                           struct mrv_array *t, struct mrv_array *p,
                                           double spacing[3], struct mrv_error *err)
{
    struct mrv_nifti_geom gt, gp;
    memset(t, 0, sizeof *t);
    memset(p, 0, sizeof *p);
    enum mrv_status s = need_file(ppath, tpath, err);
    if (s == MRV_OK)
        s = mrv_nifti_read(tpath, MRV_U8, t, &gt, err);
    if (s == MRV_OK)
        s = mrv_nifti_read(ppath, MRV_U8, p, &gp, err);
    if (s == MRV_OK && !mrv_array_same_shape(t, p)) {
        char a[96], b[96];
        mrv_array_describe(p, a, sizeof a);
        mrv_array_describe(t, b, sizeof b);
        s = mrv_error_set(err, MRV_EFORMAT, "%s: label map is %s, expected %s as the target %s",
                          ppath, a, b, tpath);
    }
    for (int d = 0; d < 3 && s == MRV_OK; d++)
        if (fabs(gt.spacing[d] - gp.spacing[d]) > 1e-3 * fmax(1.0, gt.spacing[d]))
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: voxel spacing (dz, dy, dx) = (%g, %g, %g) mm, expected the "
                              "target's (%g, %g, %g) mm (%s)", ppath, gp.spacing[0],
                              gp.spacing[1], gp.spacing[2], gt.spacing[0], gt.spacing[1],
                              gt.spacing[2], tpath);
    if (s != MRV_OK) {
        mrv_array_free(t);
        mrv_array_free(p);
        return s;
    }
    for (int d = 0; d < 3; d++)
        spacing[d] = gt.spacing[d];
    return MRV_OK;
}

enum mrv_status mrv_prediction_list_dir(const char *dir, const char *const *suffixes,
                                        char ***paths, size_t *n, struct mrv_error *err)
{
    return mrv_ds_list_dir(dir, suffixes, paths, n, err);
}

void mrv_prediction_free_list(char **paths, size_t n)
{
    mrv_ds_free_list(paths, n);
}

bool mrv_prediction_is_dir(const char *path)
{
    return mrv_ds_is_dir(path);
}
