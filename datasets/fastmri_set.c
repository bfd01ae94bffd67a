/* The `fastmri` dataset kind: a fastMRI .h5 file, or a folder of them, as
 * one test set with one case per slice (docs/datasets/fastmri.md).
 *
 * One case per slice, not per volume: fastMRI volumes reach ~1 GB of
 * multi-coil k-space, and the run engine holds its cases in memory, so a
 * slice is the unit that keeps memory bounded (one slice is read per case
 * with a hyperslab). Each case carries its volume's name in the metadata
 * key `volume`, so per-volume statistics can group slices later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/dataset_internal.h"
#include "datasets/fastmri.h"
#include "datasets/xmltag.h"

struct fm_case {
    size_t file, slice;
    char id[MRV_CASE_ID_MAX];
};

struct fm_state {
    struct mrv_fastmri **files;
    size_t nfiles;
    struct fm_case *cases;
};

static void fm_close(void *state)
{
    struct fm_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->nfiles; i++)
        mrv_fastmri_close(st->files[i]);
    free(st->files);
    free(st->cases);
    free(st);
}

static void stem(const char *path, char *buf, size_t size)
{
    const char *b = mrv_ds_basename(path);
    size_t n = strlen(b);
    if (mrv_ds_has_suffix(b, ".h5"))
        n -= 3;
    else if (mrv_ds_has_suffix(b, ".hdf5"))
        n -= 5;
    snprintf(buf, size, "%.*s", (int)n, b);
}

/* With opts.verify: read every slice once so NaN/Inf are found at open. */
static enum mrv_status verify_file(struct mrv_fastmri *f, struct mrv_error *err)
{
    const struct mrv_fastmri_info *in = mrv_fastmri_info(f);
    float complex *buf = malloc(in->ncoils * in->ny * in->nx * sizeof *buf);
    if (!buf)
        return mrv_error_set(err, MRV_ENOMEM, "fastmri: out of memory");
    enum mrv_status s = MRV_OK;
    for (size_t k = 0; k < in->nslices && s == MRV_OK; k++)
        s = mrv_fastmri_read_kspace(f, k, buf, err);
    free(buf);
    return s;
}

static enum mrv_status fm_open(struct mrv_dataset *ds, struct mrv_error *err)
{
    enum mrv_status s = mrv_ds_need_path(ds, err);
    if (s != MRV_OK)
        return s;
    static const char *const sfx[] = {".h5", ".hdf5", NULL};
    char **list = NULL;
    size_t n = 0;
    if ((s = mrv_ds_input_files(ds, sfx, "fastMRI files", &list, &n, err)) != MRV_OK)
        return s;
    struct fm_state *st = calloc(1, sizeof *st);
    // NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers
    if (!st || !(st->files = calloc(n, sizeof *st->files))) {
        free(st);
        mrv_ds_free_list(list, n);
        return mrv_error_set(err, MRV_ENOMEM, "fastmri: out of memory");
    }
    ds->state = st;
    size_t ncases = 0, cap = 0;
    for (size_t i = 0; i < n && s == MRV_OK; i++) {
        struct mrv_error e = {0};
        struct mrv_fastmri *f = NULL;
        enum mrv_status fs = mrv_fastmri_open(list[i], &f, &e);
        if (fs == MRV_OK && ds->opts.verify)
            fs = verify_file(f, &e);
        if (fs != MRV_OK) {
            mrv_fastmri_close(f);
            s = mrv_ds_bad_file(ds, &e, err);
            continue;
        }
        size_t fi = st->nfiles++;
        st->files[fi] = f;
        if (mrv_ds_add_file(ds, list[i]) == (size_t)-1) {
            s = mrv_error_set(err, MRV_ENOMEM, "fastmri: out of memory");
            break;
        }
        char name[96];
        stem(list[i], name, sizeof name);
        const struct mrv_fastmri_info *in = mrv_fastmri_info(f);
        if (ncases + in->nslices > cap) {
            cap = 2 * (ncases + in->nslices);
            struct fm_case *c = realloc(st->cases, cap * sizeof *c);
            if (!c) {
                s = mrv_error_set(err, MRV_ENOMEM, "fastmri: out of memory");
                break;
            }
            st->cases = c;
        }
        for (size_t k = 0; k < in->nslices; k++) {
            struct fm_case *c = &st->cases[ncases++];
            c->file = fi;
            c->slice = k;
            snprintf(c->id, sizeof c->id, "%s_s%03zu", name, k);
        }
    }
    mrv_ds_free_list(list, n);
    ds->count = ncases;
    return s;
}

static const char *fm_case_id(const struct mrv_dataset *ds, size_t i)
{
    const struct fm_state *st = ds->state;
    return st->cases[i].id;
}

/* fastMRI's acquisition names: knee CORPD_FBK/CORPDFS_FBK, brain AX*. */
static const char *anatomy_of(const char *acq)
{
    if (strncmp(acq, "CORPD", 5) == 0)
        return "knee";
    if (strncmp(acq, "AX", 2) == 0)
        return "brain";
    return NULL;
}

static enum mrv_status set_meta_num(struct mrv_case *c, const char *key, double v,
                                    struct mrv_error *err)
{
    if (isnan(v))
        return MRV_OK;
    char buf[48];
    snprintf(buf, sizeof buf, "%.17g", v);
    return mrv_case_set_meta(c, key, buf, err);
}

static enum mrv_status fill_meta(const struct mrv_fastmri_info *in, const char *file,
                                 size_t slice, struct mrv_case *c, struct mrv_error *err)
{
    char vol[96], buf[MRV_META_VAL_MAX];
    stem(file, vol, sizeof vol);
    snprintf(buf, sizeof buf, "%zu", slice);
    enum mrv_status s;
    if ((s = mrv_case_set_meta(c, "volume", vol, err)) != MRV_OK ||
        (s = mrv_case_set_meta(c, "slice", buf, err)) != MRV_OK)
        return s;
    const struct mrv_fastmri_attrs *a = &in->attrs;
    const char *anat = anatomy_of(a->acquisition);
    if (a->acquisition[0] &&
        ((s = mrv_case_set_meta(c, "acquisition", a->acquisition, err)) != MRV_OK ||
         (anat && (s = mrv_case_set_meta(c, "anatomy", anat, err)) != MRV_OK)))
        return s;
    if (a->patient_id[0] && (s = mrv_case_set_meta(c, "patient_id", a->patient_id, err)))
        return s;
    if ((s = set_meta_num(c, "max", a->max, err)) != MRV_OK ||
        (s = set_meta_num(c, "norm", a->norm, err)) != MRV_OK ||
        (s = set_meta_num(c, "acceleration", a->acceleration, err)) != MRV_OK ||
        (s = set_meta_num(c, "num_low_frequency", a->num_low_frequency, err)) != MRV_OK)
        return s;
    static const struct {
        const char *key, *path;
    } from_xml[] = {
        {"field_strength", "acquisitionSystemInformation/systemFieldStrength_T"},
        {"vendor", "acquisitionSystemInformation/systemVendor"},
        {"scanner", "acquisitionSystemInformation/systemModel"},
        {"site", "acquisitionSystemInformation/institutionName"},
        {"protocol", "measurementInformation/protocolName"},
    };
    for (size_t k = 0; in->header && k < sizeof from_xml / sizeof from_xml[0]; k++)
        if (mrv_xml_get(in->header, from_xml[k].path, buf, sizeof buf) && *buf &&
            (s = mrv_case_set_meta(c, from_xml[k].key, buf, err)) != MRV_OK)
            return s;
    return MRV_OK;
}

/* Pixel spacing of the reference from the header's reconSpace (field of
 * view in mm over matrix size); slice thickness from the encoded z FOV. */
static void fill_spacing(const struct mrv_fastmri_info *in, double sp[3])
{
    sp[0] = sp[1] = sp[2] = 1.0;
    double fx, fy, fz, mx, my;
    const char *h = in->header;
    if (!h)
        return;
    if (mrv_xml_get_double(h, "encoding/reconSpace/fieldOfView_mm/x", &fx) &&
        mrv_xml_get_double(h, "encoding/reconSpace/fieldOfView_mm/y", &fy) &&
        mrv_xml_get_double(h, "encoding/reconSpace/matrixSize/x", &mx) &&
        mrv_xml_get_double(h, "encoding/reconSpace/matrixSize/y", &my) && mx > 0 && my > 0) {
        sp[2] = fx / mx;
        sp[1] = fy / my;
    }
    if (mrv_xml_get_double(h, "encoding/reconSpace/fieldOfView_mm/z", &fz) && fz > 0)
        sp[0] = fz;
}

static enum mrv_status fm_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                               struct mrv_error *err)
{
    const struct fm_state *st = ds->state;
    const struct fm_case *fc = &st->cases[i];
    struct mrv_fastmri *f = st->files[fc->file];
    const struct mrv_fastmri_info *in = mrv_fastmri_info(f);
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "%s", fc->id);
    c->task = MRV_TASK_RECONSTRUCTION;
    size_t kd[4] = {1, in->ncoils, in->ny, in->nx};
    enum mrv_status s = mrv_array_alloc(&c->kspace, MRV_C64, 4, kd, err);
    if (s == MRV_OK)
        s = mrv_fastmri_read_kspace(f, fc->slice, c->kspace.data, err);
    /* fastMRI's targets: RSS for multi-coil, ESC for single-coil. */
    const char *ref = NULL;
    if (in->has_esc && (!in->multicoil || !in->has_rss))
        ref = "reconstruction_esc";
    else if (in->has_rss)
        ref = "reconstruction_rss";
    if (s == MRV_OK && ref) {
        size_t rd[3] = {1, in->recon_ny, in->recon_nx};
        s = mrv_array_alloc(&c->reference, MRV_F32, 3, rd, err);
        if (s == MRV_OK)
            s = mrv_fastmri_read_recon(f, ref, fc->slice, c->reference.data, err);
    }
    if (s == MRV_OK && in->has_mask) {
        size_t md = in->nx;
        s = mrv_array_alloc(&c->mask, MRV_U8, 1, &md, err);
        if (s == MRV_OK)
            s = mrv_fastmri_read_mask(f, c->mask.data, err);
    }
    if (s == MRV_OK)
        s = fill_meta(in, mrv_dataset_file_path(ds, fc->file), fc->slice, c, err);
    if (s == MRV_OK && ref)
        s = mrv_case_set_meta(c, "reference", ref, err);
    fill_spacing(in, c->spacing);
    if (s != MRV_OK)
        mrv_case_free(c);
    return s;
}

const struct mrv_dataset_ops mrv_dataset_fastmri_ops = {
    .kind = {"fastmri", "fastMRI HDF5 file or folder (path), one case per slice"},
    .open = fm_open,
    .close = fm_close,
    .case_id = fm_case_id,
    .load = fm_load,
};
