/* ISMRMRD reader (Cartesian assembly), writer, and the `ismrmrd` dataset
 * kind: a .h5 file or folder of them, one case per slice (or partition). */
#include "datasets/ismrmrd.h"

#include <ismrmrd/dataset.h>
#include <ismrmrd/ismrmrd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "datasets/dataset_internal.h"
#include "datasets/h5util.h"
#include "datasets/xmltag.h"

static void quiet(const char *file, int line, const char *func, int code, const char *msg)
{
    (void)file, (void)line, (void)func, (void)code, (void)msg; /* we report our own errors */
}

struct line_ref {
    uint32_t acq;    /* acquisition index */
    uint32_t kz, ky; /* placed indices */
};

struct ism_file {
    char *header;
    size_t nslices, nz, nro, npe, ncoils, rx, ry; /* rx, ry: reconSpace matrix */
    double fov[3];
    struct line_ref *lines; /* per acquisition kept */
    uint16_t *slice_of;     /* slice of each kept line */
    size_t nlines;
};

struct ism_case {
    size_t file, slice, part;
    char id[MRV_CASE_ID_MAX];
};

struct ism_state {
    struct ism_file *files;
    size_t nfiles;
    struct ism_case *cases;
    size_t ncases, cap;
};

static void free_file(struct ism_file *f)
{
    free(f->header);
    free(f->lines);
    free(f->slice_of);
}

static void ism_close(void *state)
{
    struct ism_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->nfiles; i++)
        free_file(&st->files[i]);
    free(st->files);
    free(st->cases);
    free(st);
}

static bool skipped(uint64_t flags)
{
    static const int skip[] = {ISMRMRD_ACQ_IS_NOISE_MEASUREMENT, ISMRMRD_ACQ_IS_NAVIGATION_DATA,
                               ISMRMRD_ACQ_IS_PHASECORR_DATA, ISMRMRD_ACQ_IS_HPFEEDBACK_DATA,
                               ISMRMRD_ACQ_IS_DUMMYSCAN_DATA, ISMRMRD_ACQ_IS_RTFEEDBACK_DATA};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (ismrmrd_is_flag_set(flags, (uint64_t)skip[i]))
            return true;
    return false;
}

/* A matrix size from the XML header, `def` when absent or outside
 * 1..65536: the cast of a larger double (1e300) to size_t is undefined, and
 * the sizes set the allocation of every case before any data is read. */
static size_t xml_size(const char *xml, const char *path, size_t def)
{
    double v;
    return mrv_xml_get_double(xml, path, &v) && v >= 1 && v <= 65536 ? (size_t)v : def;
}

/* Read the header and index every imaging line. Call under the HDF5 lock. */
/* Rank of /dataset/data, or -1 when it cannot be read. libismrmrd's
 * ismrmrd_get_number_of_acquisitions mallocs `rank` dims and reads dims[0]
 * without checking the rank: a scalar (rank 0) reads past a 0-byte block,
 * an unreadable dataspace (-1) mallocs SIZE_MAX and dereferences NULL
 * (found by tests/fuzz/fuzz_ismrmrd.c). So the rank is checked here first. */
static int data_rank(const char *path)
{
    int rank = -1;
    mrv_h5_lock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) {
        hid_t ds = H5Dopen2(f, "/dataset/data", H5P_DEFAULT);
        if (ds >= 0) {
            hid_t sp = H5Dget_space(ds);
            if (sp >= 0) {
                rank = H5Sget_simple_extent_ndims(sp);
                H5Sclose(sp);
            }
            H5Dclose(ds);
        }
        H5Fclose(f);
    }
    mrv_h5_unlock();
    return rank;
}

/* Whether acquisition `i` of /dataset/data holds as many samples as its
 * header says. libismrmrd's ismrmrd_read_acquisition sizes its buffers from
 * the header (number_of_samples x active_channels, x trajectory_dimensions)
 * and memcpys that much from the stored variable-length arrays without
 * comparing their lengths: a short or empty array is read past its end or
 * through NULL (found by tests/fuzz/fuzz_ismrmrd.c). So the lengths are read
 * here first with a memory type holding only the fields compared; HDF5
 * matches compound members by name. Call under the HDF5 lock. */
struct acq_sizes {
    struct { uint16_t ns, ch, td; } head;
    hvl_t traj, data;
};

static bool acq_sizes_ok(hid_t ds, uint32_t i)
{
    hid_t ht = H5Tcreate(H5T_COMPOUND, sizeof(((struct acq_sizes *)0)->head));
    H5Tinsert(ht, "number_of_samples", 0, H5T_NATIVE_UINT16);
    H5Tinsert(ht, "active_channels", sizeof(uint16_t), H5T_NATIVE_UINT16);
    H5Tinsert(ht, "trajectory_dimensions", 2 * sizeof(uint16_t), H5T_NATIVE_UINT16);
    hid_t vt = H5Tvlen_create(H5T_NATIVE_FLOAT);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(struct acq_sizes));
    H5Tinsert(mt, "head", HOFFSET(struct acq_sizes, head), ht);
    H5Tinsert(mt, "traj", HOFFSET(struct acq_sizes, traj), vt);
    H5Tinsert(mt, "data", HOFFSET(struct acq_sizes, data), vt);
    hid_t fs = H5Dget_space(ds);
    hsize_t start = i, one = 1;
    hid_t ms = H5Screate_simple(1, &one, NULL);
    struct acq_sizes a = {0};
    bool ok = false;
    if (fs >= 0 && ms >= 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) >= 0 &&
        H5Dread(ds, mt, ms, fs, H5P_DEFAULT, &a) >= 0) {
        size_t want_data = 2 * (size_t)a.head.ns * a.head.ch; /* complex = 2 floats */
        size_t want_traj = (size_t)a.head.ns * a.head.td;
        ok = a.data.len == want_data && (a.data.p || !want_data) &&
             a.traj.len == want_traj && (a.traj.p || !want_traj);
        H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, &a);
    }
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    H5Tclose(mt);
    H5Tclose(vt);
    H5Tclose(ht);
    return ok;
}

static enum mrv_status index_file(const char *path, struct ism_file *f, struct mrv_error *err)
{
    ISMRMRD_Dataset d;
    if (!mrv_h5_has_object(path, "/dataset/data"))
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: no ISMRMRD group '/dataset' with 'data' (not HDF5, truncated, "
                             "or another layout), expected an ISMRMRD file", path);
    int rank = data_rank(path);
    if (rank != 1)
        return mrv_error_set(err, MRV_EFORMAT,
                             "%s: dataset '/dataset/data' %s, expected a 1-D list of "
                             "acquisitions", path, rank < 0 ? "is not a readable dataset" :
                             "has the wrong rank");
    if (ismrmrd_init_dataset(&d, path, "/dataset") != ISMRMRD_NOERROR ||
        ismrmrd_open_dataset(&d, false) != ISMRMRD_NOERROR)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open as an ISMRMRD dataset", path);
    enum mrv_status s = MRV_OK;
    f->header = ismrmrd_read_header(&d);
    const char *x = f->header;
    if (!x || !strstr(x, "<encoding>")) {
        s = mrv_error_set(err, MRV_EFORMAT,
                          "%s: dataset 'xml' %s, expected an ISMRMRD header with <encoding>",
                          path, x ? "has no <encoding>" : "is missing");
        goto done;
    }
    char traj[64] = "cartesian";
    mrv_xml_get(x, "encoding/trajectory", traj, sizeof traj);
    if (strcmp(traj, "cartesian") != 0) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: trajectory '%s', expected cartesian", path,
                          traj);
        goto done;
    }
    f->npe = xml_size(x, "encoding/encodedSpace/matrixSize/y", 0);
    f->nz = xml_size(x, "encoding/encodedSpace/matrixSize/z", 1);
    f->rx = xml_size(x, "encoding/reconSpace/matrixSize/x", 0);
    f->ry = xml_size(x, "encoding/reconSpace/matrixSize/y", 0);
    for (int k = 0; k < 3; k++) {
        static const char *const ax[] = {"encoding/reconSpace/fieldOfView_mm/x",
                                         "encoding/reconSpace/fieldOfView_mm/y",
                                         "encoding/reconSpace/fieldOfView_mm/z"};
        if (!mrv_xml_get_double(x, ax[k], &f->fov[k]))
            f->fov[k] = 0;
    }
    double c1 = -1, c2 = -1;
    mrv_xml_get_double(x, "encoding/encodingLimits/kspace_encoding_step_1/center", &c1);
    mrv_xml_get_double(x, "encoding/encodingLimits/kspace_encoding_step_2/center", &c2);
    if (f->npe == 0) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: header lacks encodedSpace/matrixSize/y, "
                          "expected the phase-encode count (1..65536)", path);
        goto done;
    }
    long off1 = c1 >= 0 ? (long)(f->npe / 2) - (long)c1 : 0;
    long off2 = c2 >= 0 && f->nz > 1 ? (long)(f->nz / 2) - (long)c2 : 0;
    uint32_t n = ismrmrd_get_number_of_acquisitions(&d);
    f->lines = malloc((n ? n : 1) * sizeof *f->lines);
    f->slice_of = malloc((n ? n : 1) * sizeof *f->slice_of);
    if (!f->lines || !f->slice_of) {
        s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    hid_t raw = H5Dopen2(d.fileid, "/dataset/data", H5P_DEFAULT);
    if (raw < 0) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset '/dataset/data' cannot be opened", path);
        goto done;
    }
    ISMRMRD_Acquisition acq;
    ismrmrd_init_acquisition(&acq);
    for (uint32_t i = 0; i < n && s == MRV_OK; i++) {
        if (!acq_sizes_ok(raw, i)) {
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: acquisition %u stores fewer or more samples than its header's "
                              "number_of_samples x active_channels (and trajectory_dimensions), "
                              "expected them equal", path, i);
            break;
        }
        if (ismrmrd_read_acquisition(&d, i, &acq) != ISMRMRD_NOERROR) {
            s = mrv_error_set(err, MRV_EFORMAT, "%s: acquisition %u cannot be read", path, i);
            break;
        }
        const ISMRMRD_AcquisitionHeader *h = &acq.head;
        if (skipped(h->flags))
            continue;
        if (f->nlines == 0) {
            f->nro = h->number_of_samples;
            f->ncoils = h->active_channels;
        }
        long ky = (long)h->idx.kspace_encode_step_1 + off1;
        long kz = f->nz > 1 ? (long)h->idx.kspace_encode_step_2 + off2 : 0;
        if (h->number_of_samples != f->nro || h->active_channels != f->ncoils)
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: acquisition %u has %u samples x %u channels, expected %zu x "
                              "%zu as the first imaging line", path, i, h->number_of_samples,
                              h->active_channels, f->nro, f->ncoils);
        else if (ky < 0 || ky >= (long)f->npe || kz < 0 || kz >= (long)f->nz)
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: acquisition %u at kspace_encode_step_1 %u, step_2 %u falls "
                              "outside the encoded matrix (%zu phase x %zu partitions), "
                              "expected indices within encodingLimits", path, i,
                              h->idx.kspace_encode_step_1, h->idx.kspace_encode_step_2, f->npe,
                              f->nz);
        else if (!acq.data || mrv_ds_find_nonfinite(acq.data, f->nro * f->ncoils) !=
                                  (size_t)-1)
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: acquisition %u holds NaN/Inf samples, expected finite "
                              "values", path, i);
        if (s != MRV_OK)
            break;
        f->lines[f->nlines] = (struct line_ref){i, (uint32_t)kz, (uint32_t)ky};
        f->slice_of[f->nlines++] = h->idx.slice;
        if ((size_t)h->idx.slice + 1 > f->nslices)
            f->nslices = (size_t)h->idx.slice + 1;
    }
    ismrmrd_cleanup_acquisition(&acq);
    H5Dclose(raw);
    if (s == MRV_OK && (f->nlines == 0 || f->nro == 0 || f->ncoils == 0))
        s = mrv_error_set(err, MRV_EFORMAT, "%s: no imaging acquisition, expected Cartesian "
                          "k-space lines", path);
    /* A case allocates partitions x coils x readout x phase complex samples;
     * each factor is below 2^17, so the products below cannot overflow, but
     * their product could (2^67 bytes) before malloc sees it. 2^40 bytes. */
    else if (s == MRV_OK &&
             f->nz * f->npe > ((size_t)1 << 40) / (f->nro * f->ncoils * sizeof(float complex)))
        s = mrv_error_set(err, MRV_EFORMAT, "%s: header declares %zu partitions x %zu phase "
                          "encodes of %zu samples x %zu channels, expected at most 2^40 bytes "
                          "per case", path, f->nz, f->npe, f->nro, f->ncoils);
done:
    ismrmrd_close_dataset(&d);
    return s;
}

static enum mrv_status add_file(struct mrv_dataset *ds, const char *path, struct mrv_error *err)
{
    struct ism_state *st = ds->state;
    struct ism_file f = {0};
    struct mrv_error e = {0};
    mrv_h5_lock();
    enum mrv_status s = index_file(path, &f, &e);
    mrv_h5_unlock();
    if (s != MRV_OK) {
        free_file(&f);
        return mrv_ds_bad_file(ds, &e, err);
    }
    size_t per = f.nz > 1 ? f.nz : 1, add = f.nslices * per;
    if (st->ncases + add > st->cap) {
        size_t cap = 2 * (st->ncases + add);
        struct ism_case *c = realloc(st->cases, cap * sizeof *c);
        if (!c) {
            free_file(&f);
            return mrv_error_set(err, MRV_ENOMEM, "ismrmrd: out of memory");
        }
        st->cases = c;
        st->cap = cap;
    }
    size_t fi = st->nfiles;
    st->files[st->nfiles++] = f;
    if (mrv_ds_add_file(ds, path) == (size_t)-1)
        return mrv_error_set(err, MRV_ENOMEM, "ismrmrd: out of memory");
    const char *b = mrv_ds_basename(path);
    int stem = (int)strlen(b) - (mrv_ds_has_suffix(b, ".h5") ? 3 : 0);
    for (size_t sl = 0; sl < f.nslices; sl++)
        for (size_t p = 0; p < per; p++) {
            struct ism_case *c = &st->cases[st->ncases++];
            c->file = fi;
            c->slice = sl;
            c->part = p;
            if (per > 1)
                snprintf(c->id, sizeof c->id, "%.*s_s%03zu_z%03zu", stem, b, sl, p);
            else
                snprintf(c->id, sizeof c->id, "%.*s_s%03zu", stem, b, sl);
        }
    return MRV_OK;
}

static enum mrv_status ism_open(struct mrv_dataset *ds, struct mrv_error *err)
{
    enum mrv_status s = mrv_ds_need_path(ds, err);
    if (s != MRV_OK)
        return s;
    mrv_h5_lock();
    ismrmrd_set_error_handler(quiet);
    mrv_h5_unlock();
    static const char *const sfx[] = {".h5", ".hdf5", ".mrd", NULL};
    char **list = NULL;
    size_t n = 0;
    if ((s = mrv_ds_input_files(ds, sfx, "ISMRMRD files", &list, &n, err)) != MRV_OK)
        return s;
    struct ism_state *st = calloc(1, sizeof *st);
    if (st)
        st->files = calloc(n, sizeof *st->files);
    if (!st || !st->files) {
        free(st);
        mrv_ds_free_list(list, n);
        return mrv_error_set(err, MRV_ENOMEM, "ismrmrd: out of memory");
    }
    ds->state = st;
    for (size_t i = 0; i < n && s == MRV_OK; i++)
        s = add_file(ds, list[i], err);
    mrv_ds_free_list(list, n);
    ds->count = st->ncases;
    return s;
}

static const char *ism_case_id(const struct mrv_dataset *ds, size_t i)
{
    const struct ism_state *st = ds->state;
    return st->cases[i].id;
}

/* Assemble (nz, coils, ro, pe) of one slice, averaging repeated lines. */
static enum mrv_status assemble(const char *path, const struct ism_file *f, size_t slice,
                                float complex *k, struct mrv_error *err)
{
    size_t plane = f->nro * f->npe, vol = f->ncoils * plane;
    uint16_t *hits = calloc(f->nz * f->npe, sizeof *hits);
    if (!hits)
        return mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    memset(k, 0, f->nz * vol * sizeof *k);
    ISMRMRD_Dataset d;
    enum mrv_status s = MRV_OK;
    mrv_h5_lock();
    if (ismrmrd_init_dataset(&d, path, "/dataset") != ISMRMRD_NOERROR ||
        ismrmrd_open_dataset(&d, false) != ISMRMRD_NOERROR) {
        mrv_h5_unlock();
        free(hits);
        return mrv_error_set(err, MRV_EIO, "%s: cannot open as an ISMRMRD dataset", path);
    }
    ISMRMRD_Acquisition acq;
    ismrmrd_init_acquisition(&acq);
    for (size_t l = 0; l < f->nlines && s == MRV_OK; l++) {
        if (f->slice_of[l] != slice)
            continue;
        const struct line_ref *r = &f->lines[l];
        if (ismrmrd_read_acquisition(&d, r->acq, &acq) != ISMRMRD_NOERROR) {
            s = mrv_error_set(err, MRV_EFORMAT, "%s: acquisition %u cannot be read", path,
                              r->acq);
            break;
        }
        hits[r->kz * f->npe + r->ky]++;
        for (size_t c = 0; c < f->ncoils; c++)
            for (size_t x = 0; x < f->nro; x++) /* ISMRMRD data: [channel][sample] */
                k[r->kz * vol + c * plane + x * f->npe + r->ky] += acq.data[c * f->nro + x];
    }
    ismrmrd_cleanup_acquisition(&acq);
    ismrmrd_close_dataset(&d);
    mrv_h5_unlock();
    for (size_t z = 0; s == MRV_OK && z < f->nz; z++)
        for (size_t y = 0; y < f->npe; y++) {
            uint16_t h = hits[z * f->npe + y];
            if (h > 1)
                for (size_t c = 0; c < f->ncoils; c++)
                    for (size_t x = 0; x < f->nro; x++)
                        k[z * vol + c * plane + x * f->npe + y] /= (float)h;
        }
    free(hits);
    return s;
}

static enum mrv_status ism_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                struct mrv_error *err)
{
    const struct ism_state *st = ds->state;
    const struct ism_case *ic = &st->cases[i];
    const struct ism_file *f = &st->files[ic->file];
    const char *path = mrv_dataset_file_path(ds, ic->file);
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "%s", ic->id);
    c->task = MRV_TASK_RECONSTRUCTION;
    size_t plane = f->nro * f->npe, vol = f->ncoils * plane;
    float complex *all = malloc(f->nz * vol * sizeof *all), *img = NULL;
    struct mrv_fft *fz = NULL, *f2 = NULL;
    enum mrv_status s = all ? assemble(path, f, ic->slice, all, err)
                            : mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    if (s == MRV_OK && f->nz > 1) { /* hybrid space: inverse FFT along kz */
        float complex *col = malloc(f->nz * sizeof *col);
        s = col ? mrv_fft_plan_create(1, &f->nz, &fz, err)
                : mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
        for (size_t p = 0; s == MRV_OK && p < vol; p++) {
            for (size_t z = 0; z < f->nz; z++)
                col[z] = all[z * vol + p];
            mrv_fft_inverse(fz, col, 1);
            for (size_t z = 0; z < f->nz; z++)
                all[z * vol + p] = col[z];
        }
        free(col);
    }
    size_t kd[4] = {1, f->ncoils, f->nro, f->npe};
    size_t rx = f->rx && f->rx <= f->nro ? f->rx : f->nro;
    size_t ry = f->ry && f->ry <= f->npe ? f->ry : f->npe;
    size_t rd[3] = {1, rx, ry}, fd[2] = {f->nro, f->npe};
    if (s == MRV_OK && (s = mrv_array_alloc(&c->kspace, MRV_C64, 4, kd, err)) == MRV_OK &&
        (s = mrv_array_alloc(&c->reference, MRV_F32, 3, rd, err)) == MRV_OK &&
        (s = mrv_fft_plan_create(2, fd, &f2, err)) == MRV_OK) {
        memcpy(c->kspace.data, all + ic->part * vol, vol * sizeof *all);
        img = malloc(vol * sizeof *img);
        if (!img)
            s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", path);
    }
    if (s == MRV_OK) {
        /* reference: RSS of the inverse FFT, centre-cropped to reconSpace
         * (removes readout oversampling), as fastMRI's reconstruction_rss */
        memcpy(img, c->kspace.data, vol * sizeof *img);
        mrv_fft_inverse(f2, img, f->ncoils);
        float *ref = c->reference.data;
        size_t ox = (f->nro - rx) / 2, oy = (f->npe - ry) / 2;
        for (size_t x = 0; x < rx; x++)
            for (size_t y = 0; y < ry; y++) {
                double ss = 0;
                for (size_t q = 0; q < f->ncoils; q++) {
                    float complex v = img[q * plane + (x + ox) * f->npe + y + oy];
                    ss += (double)crealf(v) * crealf(v) + (double)cimagf(v) * cimagf(v);
                }
                ref[x * ry + y] = (float)sqrt(ss);
            }
        c->spacing[0] = f->fov[2] > 0 ? f->fov[2] / (double)(f->nz > 1 ? f->nz : 1) : 1.0;
        c->spacing[1] = f->fov[0] > 0 ? f->fov[0] / (double)rx : 1.0;
        c->spacing[2] = f->fov[1] > 0 ? f->fov[1] / (double)ry : 1.0;
        static const struct {
            const char *key, *path;
        } from_xml[] = {
            {"field_strength", "acquisitionSystemInformation/systemFieldStrength_T"},
            {"vendor", "acquisitionSystemInformation/systemVendor"},
            {"scanner", "acquisitionSystemInformation/systemModel"},
            {"site", "acquisitionSystemInformation/institutionName"},
            {"protocol", "measurementInformation/protocolName"},
        };
        char buf[MRV_META_VAL_MAX];
        for (size_t k = 0; s == MRV_OK && k < sizeof from_xml / sizeof from_xml[0]; k++)
            if (mrv_xml_get(f->header, from_xml[k].path, buf, sizeof buf) && *buf)
                s = mrv_case_set_meta(c, from_xml[k].key, buf, err);
        snprintf(buf, sizeof buf, "%zu", ic->slice);
        if (s == MRV_OK)
            s = mrv_case_set_meta(c, "slice", buf, err);
    }
    free(img);
    free(all);
    mrv_fft_destroy(fz);
    mrv_fft_destroy(f2);
    if (s != MRV_OK)
        mrv_case_free(c);
    return s;
}

const struct mrv_dataset_ops mrv_dataset_ismrmrd_ops = {
    .kind = {"ismrmrd", "ISMRMRD Cartesian raw data file or folder (path), one case per slice"},
    .open = ism_open,
    .close = ism_close,
    .case_id = ism_case_id,
    .load = ism_load,
};

/* ---- writer ------------------------------------------------------------- */

enum mrv_status mrv_ismrmrd_write(const char *path, const struct mrv_array *kspace,
                                  const double fov_mm[3], const char *xml_extra,
                                  struct mrv_error *err)
{
    if (kspace->dtype != MRV_C64 || kspace->ndim != 4)
        return mrv_error_set(err, MRV_EINVAL, "%s: kspace must be (slices, coils, readout, "
                             "phase) complex64", path);
    size_t S = kspace->dims[0], C = kspace->dims[1], R = kspace->dims[2], P = kspace->dims[3];
    char xml[4096];
    int n = snprintf(xml, sizeof xml,
                     "<?xml version=\"1.0\"?>\n<ismrmrdHeader xmlns=\"http://www.ismrm.org/"
                     "ISMRMRD\"><acquisitionSystemInformation><receiverChannels>%zu"
                     "</receiverChannels>%s</acquisitionSystemInformation><experimentalConditions>"
                     "<H1resonanceFrequency_Hz>63500000</H1resonanceFrequency_Hz>"
                     "</experimentalConditions><encoding><encodedSpace><matrixSize><x>%zu</x>"
                     "<y>%zu</y><z>1</z></matrixSize><fieldOfView_mm><x>%g</x><y>%g</y><z>%g</z>"
                     "</fieldOfView_mm></encodedSpace><reconSpace><matrixSize><x>%zu</x><y>%zu"
                     "</y><z>1</z></matrixSize><fieldOfView_mm><x>%g</x><y>%g</y><z>%g</z>"
                     "</fieldOfView_mm></reconSpace><encodingLimits><kspace_encoding_step_1>"
                     "<minimum>0</minimum><maximum>%zu</maximum><center>%zu</center>"
                     "</kspace_encoding_step_1><slice><minimum>0</minimum><maximum>%zu</maximum>"
                     "<center>0</center></slice></encodingLimits><trajectory>cartesian"
                     "</trajectory></encoding></ismrmrdHeader>\n",
                     C, xml_extra ? xml_extra : "", R, P, fov_mm[0], fov_mm[1], fov_mm[2], R, P,
                     fov_mm[0], fov_mm[1], fov_mm[2], P - 1, P / 2, S - 1);
    if (n >= (int)sizeof xml)
        return mrv_error_set(err, MRV_EINVAL, "%s: header too long", path);
    remove(path);
    mrv_h5_lock();
    ismrmrd_set_error_handler(quiet);
    ISMRMRD_Dataset d;
    enum mrv_status s = MRV_OK;
    if (ismrmrd_init_dataset(&d, path, "/dataset") != ISMRMRD_NOERROR ||
        ismrmrd_open_dataset(&d, true) != ISMRMRD_NOERROR ||
        ismrmrd_write_header(&d, xml) != ISMRMRD_NOERROR) {
        mrv_h5_unlock();
        return mrv_error_set(err, MRV_EIO, "%s: cannot create the ISMRMRD file", path);
    }
    ISMRMRD_Acquisition acq;
    ismrmrd_init_acquisition(&acq);
    acq.head.number_of_samples = (uint16_t)R;
    acq.head.active_channels = acq.head.available_channels = (uint16_t)C;
    acq.head.center_sample = (uint16_t)(R / 2);
    ismrmrd_make_consistent_acquisition(&acq);
    const float complex *k = kspace->data;
    uint32_t scan = 0;
    for (size_t sl = 0; sl < S && s == MRV_OK; sl++)
        for (size_t y = 0; y < P && s == MRV_OK; y++) {
            acq.head.idx.slice = (uint16_t)sl;
            acq.head.idx.kspace_encode_step_1 = (uint16_t)y;
            acq.head.scan_counter = scan++;
            acq.head.flags = 0;
            if (y == 0)
                ismrmrd_set_flag(&acq.head.flags, ISMRMRD_ACQ_FIRST_IN_SLICE);
            if (y == P - 1)
                ismrmrd_set_flag(&acq.head.flags, ISMRMRD_ACQ_LAST_IN_SLICE);
            for (size_t c = 0; c < C; c++)
                for (size_t x = 0; x < R; x++)
                    acq.data[c * R + x] = k[((sl * C + c) * R + x) * P + y];
            if (ismrmrd_append_acquisition(&d, &acq) != ISMRMRD_NOERROR)
                s = mrv_error_set(err, MRV_EIO, "%s: cannot append acquisition %u", path, scan);
        }
    ismrmrd_cleanup_acquisition(&acq);
    if (ismrmrd_close_dataset(&d) != ISMRMRD_NOERROR && s == MRV_OK)
        s = mrv_error_set(err, MRV_EIO, "%s: cannot close the ISMRMRD file", path);
    mrv_h5_unlock();
    return s;
}
