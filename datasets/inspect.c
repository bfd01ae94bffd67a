/* `mrvet inspect`: what a file or folder holds, as mrvet will read it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/strbuf.h"
#include "datasets/cfl.h"
#include "datasets/dataset_internal.h"
#include "datasets/h5util.h"
#include "datasets/nifti.h"

static const char *h5_type_name(hid_t t)
{
    if (mrv_h5_is_complex64(t))
        return "complex64";
    size_t n = H5Tget_size(t);
    switch (H5Tget_class(t)) {
    case H5T_FLOAT: return n == 4 ? "float32" : n == 8 ? "float64" : "float";
    case H5T_INTEGER:
        if (H5Tget_sign(t) == H5T_SGN_NONE)
            return n == 1 ? "uint8" : n == 2 ? "uint16" : n == 4 ? "uint32" : "uint64";
        return n == 1 ? "int8" : n == 2 ? "int16" : n == 4 ? "int32" : "int64";
    case H5T_STRING: return "string";
    case H5T_ENUM: return "enum (bool)";
    case H5T_COMPOUND: return "compound";
    default: return "other";
    }
}

static herr_t visit(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    struct mrv_strbuf *b = data;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0)
        return 0;
    if (H5Iget_type(o) == H5I_DATASET) {
        hid_t sp = H5Dget_space(o), t = H5Dget_type(o);
        hsize_t dims[32];
        int r = H5Sget_simple_extent_ndims(sp);
        mrv_strbuf_printf(b, "  /%-28s (", name);
        if (r > 0 && r <= 32) {
            H5Sget_simple_extent_dims(sp, dims, NULL);
            for (int i = 0; i < r; i++)
                mrv_strbuf_printf(b, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
        }
        mrv_strbuf_printf(b, ") %s\n", h5_type_name(t));
        H5Tclose(t);
        H5Sclose(sp);
    } else if (H5Iget_type(o) == H5I_GROUP) {
        mrv_strbuf_printf(b, "  /%s/ (group)\n", name);
    }
    H5Oclose(o);
    return 0;
}

static herr_t attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    struct mrv_strbuf *b = data;
    char s[256];
    double v;
    if (mrv_h5_attr_string(loc, name, s, sizeof s))
        mrv_strbuf_printf(b, "  @%-27s %s\n", name, s);
    else if (mrv_h5_attr_double(loc, name, &v))
        mrv_strbuf_printf(b, "  @%-27s %.17g\n", name, v);
    else
        mrv_strbuf_printf(b, "  @%-27s (array or other type)\n", name);
    return 0;
}

static void describe_h5(const char *path, struct mrv_strbuf *b)
{
    mrv_h5_lock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        mrv_strbuf_printf(b, "%s: not a readable HDF5 file\n", path);
    } else {
        mrv_strbuf_printf(b, "HDF5 %s\n", path);
        H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, visit, b);
        H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, NULL, attr_cb, b);
        H5Fclose(f);
    }
    mrv_h5_unlock();
}

static void describe_nifti(const char *path, struct mrv_strbuf *b)
{
    struct mrv_array a = {0};
    struct mrv_nifti_geom g;
    struct mrv_error e = {0};
    if (mrv_nifti_read(path, MRV_F32, &a, &g, &e) != MRV_OK) {
        mrv_strbuf_printf(b, "%s\n", e.msg);
        return;
    }
    const float *v = a.data;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < mrv_array_count(&a); i++) {
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    mrv_strbuf_printf(b,
                      "NIfTI %s\n  voxels (nz, ny, nx)      (%zu, %zu, %zu), values %g..%g\n"
                      "  spacing (dz, dy, dx) mm  (%g, %g, %g)\n  orientation              %s\n"
                      "  description              %s\n",
                      path, a.dims[0], a.dims[1], a.dims[2], lo, hi, g.spacing[0], g.spacing[1],
                      g.spacing[2], g.orientation, g.descrip);
    mrv_array_free(&a);
}

static void describe_cfl(const char *path, struct mrv_strbuf *b)
{
    long d[MRV_CFL_DIMS];
    struct mrv_error e = {0};
    if (mrv_cfl_read_header(path, d, &e) != MRV_OK) {
        mrv_strbuf_printf(b, "%s\n", e.msg);
        return;
    }
    mrv_strbuf_printf(b, "BART cfl %s\n  dims (READ, PHS1, PHS2, COIL, MAPS, ...)  ", path);
    for (int i = 0; i < MRV_CFL_DIMS; i++)
        mrv_strbuf_printf(b, "%ld ", d[i]);
    mrv_strbuf_append(b, "\n  dtype complex64, column-major\n");
}

static void describe_array(struct mrv_strbuf *b, const char *name, const struct mrv_array *a)
{
    if (!a->ndim)
        return;
    char buf[128];
    mrv_array_describe(a, buf, sizeof buf);
    mrv_strbuf_printf(b, "    %-10s %s\n", name, buf);
}

static enum mrv_status describe_set(const char *path, const char *kind, bool builtin,
                                    struct mrv_strbuf *b, struct mrv_error *err)
{
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    if (!builtin)
        o.path = path;
    struct mrv_dataset *ds;
    enum mrv_status s = mrv_dataset_open(kind, &o, &ds, err);
    if (s != MRV_OK)
        return s;
    size_t n = mrv_dataset_count(ds);
    mrv_strbuf_printf(b, "test set: kind %s, %zu case%s, %zu file%s, %zu bad file%s skipped\n",
                      kind, n, n == 1 ? "" : "s", mrv_dataset_file_count(ds),
                      mrv_dataset_file_count(ds) == 1 ? "" : "s", mrv_dataset_bad_count(ds),
                      mrv_dataset_bad_count(ds) == 1 ? "" : "s");
    for (size_t i = 0; i < mrv_dataset_bad_count(ds); i++)
        mrv_strbuf_printf(b, "  bad: %s\n", mrv_dataset_bad(ds, i));
    if (n) {
        struct mrv_case c;
        struct mrv_error e = {0};
        mrv_strbuf_printf(b, "  cases: %s", mrv_dataset_case_id(ds, 0));
        if (n > 1)
            mrv_strbuf_printf(b, " ... %s", mrv_dataset_case_id(ds, n - 1));
        mrv_strbuf_printf(b, "\n  first case %s:\n", mrv_dataset_case_id(ds, 0));
        if (mrv_dataset_load(ds, 0, &c, &e) != MRV_OK) {
            mrv_strbuf_printf(b, "    cannot load: %s\n", e.msg);
        } else {
            mrv_strbuf_printf(b, "    task       %s\n", mrv_task_name(c.task));
            describe_array(b, "kspace", &c.kspace);
            describe_array(b, "reference", &c.reference);
            describe_array(b, "mask", &c.mask);
            describe_array(b, "coil_maps", &c.coil_maps);
            describe_array(b, "labels", &c.labels);
            mrv_strbuf_printf(b, "    spacing    (%g, %g, %g) mm (dz, dy, dx)\n", c.spacing[0],
                              c.spacing[1], c.spacing[2]);
            for (int k = 0; k < c.nmeta; k++)
                mrv_strbuf_printf(b, "    meta       %s = %s\n", c.meta[k].key, c.meta[k].value);
            mrv_case_free(&c);
        }
    }
    size_t nf = mrv_dataset_file_count(ds);
    mrv_strbuf_append(b, "SHA-256:\n");
    for (size_t i = 0; i < nf && s == MRV_OK; i++) {
        char hex[MRV_SHA256_HEX];
        s = mrv_dataset_file_sha256(ds, i, hex, err);
        if (s == MRV_OK)
            mrv_strbuf_printf(b, "  %s  %s\n", hex, mrv_dataset_file_path(ds, i));
    }
    if (s == MRV_OK && nf > 1) {
        char hex[MRV_SHA256_HEX];
        s = mrv_dataset_fingerprint(ds, hex, err);
        if (s == MRV_OK)
            mrv_strbuf_printf(b, "  %s  (set: SHA-256 of the lines \"<sha256>  <name>\")\n",
                              hex);
    }
    mrv_dataset_close(ds);
    return s;
}

enum mrv_status mrv_dataset_inspect(const char *path, const char *kind, struct mrv_strbuf *out,
                                    struct mrv_error *err)
{
    struct stat st;
    bool exists = stat(path, &st) == 0;
    bool builtin = false;
    if (!exists) {
        char cfl[4096];
        snprintf(cfl, sizeof cfl, "%s.cfl", path);
        if (stat(cfl, &st) == 0) {
            exists = true;
            kind = kind ? kind : "cfl";
            describe_cfl(path, out);
        }
    }
    if (!exists) {
        int n;
        const struct mrv_dataset_kind *const *k = mrv_dataset_kinds(&n);
        for (int i = 0; i < n && !builtin; i++)
            builtin = strcmp(k[i]->name, path) == 0 &&
                      (strcmp(path, "phantom") == 0 || strncmp(path, "colin27", 7) == 0);
        if (!builtin)
            return mrv_error_set(err, MRV_ENOTFOUND,
                                 "%s: no such file or folder, and not a built-in set", path);
        kind = path;
    }
    if (exists && !S_ISDIR(st.st_mode)) {
        if (mrv_ds_has_suffix(path, ".h5") || mrv_ds_has_suffix(path, ".hdf5") ||
            mrv_ds_has_suffix(path, ".mrd"))
            describe_h5(path, out);
        else if (mrv_ds_has_suffix(path, ".nii") || mrv_ds_has_suffix(path, ".nii.gz"))
            describe_nifti(path, out);
        else if (mrv_ds_has_suffix(path, ".cfl") || mrv_ds_has_suffix(path, ".hdr"))
            describe_cfl(path, out);
    }
    if (!kind && exists)
        kind = mrv_dataset_guess_kind(path);
    bool is_dir = exists && S_ISDIR(st.st_mode);
    bool lone = exists && !is_dir &&
                (mrv_ds_has_suffix(path, ".nii") || mrv_ds_has_suffix(path, ".nii.gz"));
    if (!builtin && (!kind || lone)) {
        /* a lone file that is no test set by itself (a NIfTI volume needs
         * its label pair): fingerprint it */
        char hex[MRV_SHA256_HEX];
        if (is_dir)
            return mrv_error_set(err, MRV_EFORMAT,
                                 "%s: no .h5, .cfl, .nii(.gz) or MSD layout found, expected a "
                                 "test set folder", path);
        enum mrv_status s = mrv_sha256_file(path, hex, err);
        if (s == MRV_OK)
            mrv_strbuf_printf(out, "SHA-256:\n  %s  %s\n", hex, path);
        return s;
    }
    return describe_set(path, kind, builtin, out, err);
}
