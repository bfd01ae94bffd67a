/* The built-in `colin27` and `colin27_3d` sets, from Debian's mricron-data
 * (docs/datasets/colin27.md).
 *
 * Source: the Colin27 average T1 brain (Holmes et al., "Enhancement of MR
 * images using registration for signal averaging", J Comput Assist Tomogr
 * 22(2):324-333, 1998: 27 T1 scans of one subject on a 1.5 T Philips
 * scanner at the MNI), as shipped by MRIcron: ch2.nii.gz (head), ch2bet.nii.gz
 * (brain extracted), aal.nii.gz (AAL atlas, Tzourio-Mazoyer et al.,
 * NeuroImage 15:273-289, 2002; 116 regions), all 181 x 217 x 181 at 1 mm in
 * MNI space (RAS).
 *
 * colin27: NSLICES axial slices spread evenly over the brain's extent,
 * resampled (bilinear; labels nearest) onto a square matrix covering a
 * 224 mm field of view, intensities scaled by the head volume's maximum;
 * multi-coil k-space simulated with datasets/coils.h (the object is real,
 * k = FFT(map * object)), reference = RSS of the inverse FFT as fastMRI,
 * labels = the brain mask (ch2bet > 0). Generated once into the cache as a
 * fastMRI-layout file (plus `brain_mask`), then read slice by slice.
 * colin27_3d: one segmentation case, the whole T1 volume (scaled to 0..1)
 * with the AAL labels, read directly from the templates.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fft.h"
#include "datasets/coils.h"
#include "datasets/dataset_internal.h"
#include "datasets/fastmri.h"
#include "datasets/h5util.h"
#include "datasets/nifti.h"

#define NSLICES 12
#define FOV_MM 224.0
#define CACHE_VERSION 1

static const char *templates_dir(void)
{
    const char *d = getenv("MRV_COLIN27_DIR"); /* tests point it elsewhere */
    return d && *d ? d : "/usr/share/mricron/templates";
}

static enum mrv_status source_path(const char *name, char *buf, size_t size,
                                   struct mrv_error *err)
{
    snprintf(buf, size, "%s/%s", templates_dir(), name);
    if (access(buf, R_OK) != 0)
        return mrv_error_set(err, MRV_ENOTFOUND,
                             "colin27: %s not found, expected Debian's mricron-data package "
                             "(apt-get install mricron-data) or MRV_COLIN27_DIR", buf);
    return MRV_OK;
}

/* mkdir -p */
static enum mrv_status make_dirs(const char *path, struct mrv_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return mrv_error_set(err, MRV_EINVAL, "cache folder %s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return mrv_error_set(err, MRV_EIO, "cache folder %s: cannot create (%s)", buf,
                                     strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    return MRV_OK;
}

static enum mrv_status cache_dir(const struct mrv_dataset *ds, char *buf, size_t size,
                                 struct mrv_error *err)
{
    const char *env = getenv("MRV_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"),
               *home = getenv("HOME");
    int n;
    if (ds->opts.cache_dir && *ds->opts.cache_dir)
        n = snprintf(buf, size, "%s", ds->opts.cache_dir);
    else if (env && *env)
        n = snprintf(buf, size, "%s", env);
    else if (xdg && *xdg)
        n = snprintf(buf, size, "%s/mrvet", xdg);
    else if (home && *home)
        n = snprintf(buf, size, "%s/.cache/mrvet", home);
    else
        return mrv_error_set(err, MRV_EINVAL, "colin27: no cache folder: set MRV_CACHE_DIR");
    if (n >= (int)size)
        return mrv_error_set(err, MRV_EINVAL, "colin27: cache folder path too long");
    return make_dirs(buf, err);
}

/* Bilinear sample of plane[ny*nx] at fractional (j, i); 0 outside. */
static float bilinear(const float *plane, size_t ny, size_t nx, double j, double i)
{
    if (j < 0 || i < 0 || j > (double)(ny - 1) || i > (double)(nx - 1))
        return 0.0f;
    size_t j0 = (size_t)j, i0 = (size_t)i;
    size_t j1 = j0 + 1 < ny ? j0 + 1 : j0, i1 = i0 + 1 < nx ? i0 + 1 : i0;
    double fj = j - (double)j0, fi = i - (double)i0;
    return (float)((1 - fj) * ((1 - fi) * plane[j0 * nx + i0] + fi * plane[j0 * nx + i1]) +
                   fj * ((1 - fi) * plane[j1 * nx + i0] + fi * plane[j1 * nx + i1]));
}

/* Output pixel (r, q) of an n x n grid with spacing h mm, row 0 anterior,
 * column 0 the subject's left (RAS voxel axes i = L->R, j = P->A), centred
 * on the volume's centre, to source voxel (j, i). */
static void grid_to_voxel(size_t r, size_t q, size_t n, const size_t dims[3], const double sp[3],
                          double *j, double *i)
{
    double h = FOV_MM / (double)n, c = ((double)n - 1.0) / 2.0;
    double x = ((double)q - c) * h, y = (c - (double)r) * h;
    *i = ((double)dims[2] - 1.0) / 2.0 + x / sp[2];
    *j = ((double)dims[1] - 1.0) / 2.0 + y / sp[1];
}

static herr_t write_u8(hid_t f, const char *name, const struct mrv_array *a)
{
    hsize_t d[3] = {a->dims[0], a->dims[1], a->dims[2]};
    hid_t sp = H5Screate_simple(3, d, NULL);
    hid_t dcpl = mrv_h5_dcpl();
    hid_t ds = H5Dcreate2(f, name, H5T_STD_U8LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    herr_t r = ds >= 0 ? H5Dwrite(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data)
                       : -1;
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(sp);
    return r;
}

struct vols {
    struct mrv_array head, bet;
    struct mrv_nifti_geom g;
};

static enum mrv_status generate(const struct mrv_dataset *ds, const char *out,
                                const struct vols *v, struct mrv_error *err)
{
    size_t n = ds->opts.matrix, nc = (size_t)ds->opts.ncoils, npix = n * n;
    const size_t *dims = v->head.dims; /* (nz, ny, nx) */
    size_t plane = dims[1] * dims[2];
    const float *head = v->head.data, *bet = v->bet.data;
    /* the brain's axial extent, and the head volume's maximum */
    size_t kmin = dims[0], kmax = 0;
    double vmax = 0.0;
    for (size_t k = 0; k < dims[0]; k++)
        for (size_t p = 0; p < plane; p++) {
            vmax = fmax(vmax, head[k * plane + p]);
            if (bet[k * plane + p] > 0) {
                kmin = k < kmin ? k : kmin;
                kmax = k > kmax ? k : kmax;
            }
        }
    if (kmin > kmax || vmax <= 0)
        return mrv_error_set(err, MRV_EFORMAT, "colin27: ch2bet.nii.gz holds no brain voxel");

    struct mrv_array k = {0}, rss = {0}, mask = {0};
    size_t kd[4] = {NSLICES, nc, n, n}, rd[3] = {NSLICES, n, n};
    float complex *maps = malloc(nc * npix * sizeof *maps);
    struct mrv_fft *fft = NULL;
    size_t fd[2] = {n, n};
    enum mrv_status s = maps ? MRV_OK : mrv_error_set(err, MRV_ENOMEM, "colin27: out of memory");
    if (s == MRV_OK && (s = mrv_array_alloc(&k, MRV_C64, 4, kd, err)) == MRV_OK &&
        (s = mrv_array_alloc(&rss, MRV_F32, 3, rd, err)) == MRV_OK &&
        (s = mrv_array_alloc(&mask, MRV_U8, 3, rd, err)) == MRV_OK &&
        (s = mrv_coils_simulate((int)nc, n, n, maps, err)) == MRV_OK)
        s = mrv_fft_plan_create(2, fd, &fft, err);
    double zpos[NSLICES];
    for (size_t sl = 0; s == MRV_OK && sl < NSLICES; sl++) {
        size_t kz = kmin + (size_t)(((double)sl + 0.5) * (double)(kmax - kmin + 1) / NSLICES);
        zpos[sl] = v->g.affine[2][2] * (double)kz + v->g.affine[2][3];
        float *obj = (float *)rss.data + sl * npix;
        uint8_t *m = (uint8_t *)mask.data + sl * npix;
        for (size_t r = 0; r < n; r++)
            for (size_t q = 0; q < n; q++) {
                double j, i;
                grid_to_voxel(r, q, n, dims, v->g.spacing, &j, &i);
                obj[r * n + q] = (float)(bilinear(head + kz * plane, dims[1], dims[2], j, i) /
                                         vmax);
                long jn = lround(j), in = lround(i);
                m[r * n + q] = jn >= 0 && in >= 0 && jn < (long)dims[1] && in < (long)dims[2] &&
                               bet[kz * plane + (size_t)jn * dims[2] + (size_t)in] > 0;
            }
        float complex *ks = (float complex *)k.data + sl * nc * npix;
        for (size_t c = 0; c < nc; c++)
            for (size_t p = 0; p < npix; p++)
                ks[c * npix + p] = maps[c * npix + p] * obj[p];
        mrv_fft_forward(fft, ks, nc);
        /* reference exactly as fastMRI's reconstruction_rss */
        float complex *img = malloc(nc * npix * sizeof *img);
        if (!img) {
            s = mrv_error_set(err, MRV_ENOMEM, "colin27: out of memory");
            break;
        }
        memcpy(img, ks, nc * npix * sizeof *img);
        mrv_fft_inverse(fft, img, nc);
        for (size_t p = 0; p < npix; p++) {
            double ss = 0;
            for (size_t c = 0; c < nc; c++)
                ss += (double)crealf(img[c * npix + p]) * crealf(img[c * npix + p]) +
                      (double)cimagf(img[c * npix + p]) * cimagf(img[c * npix + p]);
            obj[p] = (float)sqrt(ss);
        }
        free(img);
    }
    char header[1024];
    snprintf(header, sizeof header,
             "<?xml version=\"1.0\"?><ismrmrdHeader><acquisitionSystemInformation>"
             "<systemVendor>Philips</systemVendor><systemFieldStrength_T>1.5"
             "</systemFieldStrength_T><institutionName>MNI (Colin27, simulated k-space)"
             "</institutionName></acquisitionSystemInformation><encoding><encodedSpace>"
             "<matrixSize><x>%zu</x><y>%zu</y><z>1</z></matrixSize><fieldOfView_mm><x>%g</x>"
             "<y>%g</y><z>%g</z></fieldOfView_mm></encodedSpace><reconSpace><matrixSize>"
             "<x>%zu</x><y>%zu</y><z>1</z></matrixSize><fieldOfView_mm><x>%g</x><y>%g</y>"
             "<z>%g</z></fieldOfView_mm></reconSpace></encoding></ismrmrdHeader>",
             n, n, FOV_MM, FOV_MM, v->g.spacing[0], n, n, FOV_MM, FOV_MM, v->g.spacing[0]);
    struct mrv_fastmri_attrs at = {.max = NAN, .norm = NAN, .acceleration = NAN,
                                   .num_low_frequency = NAN};
    snprintf(at.acquisition, sizeof at.acquisition, "AXT1");
    snprintf(at.patient_id, sizeof at.patient_id, "colin27");
    if (s == MRV_OK) {
        double mx = 0, ss = 0;
        for (size_t p = 0; p < NSLICES * npix; p++) {
            float x = ((float *)rss.data)[p];
            mx = fmax(mx, x);
            ss += (double)x * x;
        }
        at.max = mx;
        at.norm = sqrt(ss); /* fastMRI: norm = ||reconstruction||_2 of the volume */
        struct mrv_fastmri_volume fv = {.kspace = &k, .rss = &rss, .header = header,
                                        .header_len = strlen(header), .attrs = &at};
        s = mrv_fastmri_write(out, &fv, err);
    }
    if (s == MRV_OK) {
        mrv_h5_lock();
        hid_t f = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT);
        herr_t r = f >= 0 ? write_u8(f, "brain_mask", &mask) : -1;
        if (r >= 0) {
            hsize_t nz = NSLICES;
            hid_t sp = H5Screate_simple(1, &nz, NULL);
            hid_t a = H5Acreate2(f, "slice_z_mm", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
            r = a >= 0 ? H5Awrite(a, H5T_NATIVE_DOUBLE, zpos) : -1;
            if (a >= 0)
                H5Aclose(a);
            H5Sclose(sp);
        }
        if (f >= 0 && H5Fclose(f) < 0)
            r = -1;
        mrv_h5_unlock();
        if (r < 0)
            s = mrv_error_set(err, MRV_EIO, "%s: cannot write 'brain_mask'", out);
    }
    mrv_fft_destroy(fft);
    free(maps);
    mrv_array_free(&k);
    mrv_array_free(&rss);
    mrv_array_free(&mask);
    return s;
}

struct colin_state {
    struct mrv_fastmri *f;
    float complex *maps;
    double zpos[NSLICES];
    char ids[NSLICES][32];
};

static void colin_close(void *state)
{
    struct colin_state *st = state;
    if (!st)
        return;
    mrv_fastmri_close(st->f);
    free(st->maps);
    free(st);
}

static enum mrv_status read_sources(struct vols *v, struct mrv_error *err)
{
    char head[4096], bet[4096];
    enum mrv_status s;
    if ((s = source_path("ch2.nii.gz", head, sizeof head, err)) != MRV_OK ||
        (s = source_path("ch2bet.nii.gz", bet, sizeof bet, err)) != MRV_OK)
        return s;
    if ((s = mrv_nifti_read(head, MRV_F32, &v->head, &v->g, err)) != MRV_OK)
        return s;
    struct mrv_nifti_geom gb;
    if ((s = mrv_nifti_read(bet, MRV_F32, &v->bet, &gb, err)) != MRV_OK)
        return s;
    if (memcmp(v->head.dims, v->bet.dims, sizeof v->head.dims) != 0)
        return mrv_error_set(err, MRV_EFORMAT, "colin27: %s and %s differ in shape, expected "
                             "the same grid", head, bet);
    return MRV_OK;
}

static enum mrv_status colin_open(struct mrv_dataset *ds, struct mrv_error *err)
{
    const struct mrv_dataset_opts *o = &ds->opts;
    if (o->matrix < 32 || o->matrix > 1024)
        return mrv_error_set(err, MRV_EINVAL, "dataset colin27: matrix %zu, expected 32..1024",
                             o->matrix);
    if (o->ncoils < 1 || o->ncoils > 64)
        return mrv_error_set(err, MRV_EINVAL, "dataset colin27: coils %d, expected 1..64",
                             o->ncoils);
    char dir[4096], path[4400], src[4096];
    enum mrv_status s;
    static const char *const names[] = {"ch2.nii.gz", "ch2bet.nii.gz"};
    for (int i = 0; i < 2; i++) {
        if ((s = source_path(names[i], src, sizeof src, err)) != MRV_OK)
            return s;
        if (mrv_ds_add_file(ds, src) == (size_t)-1)
            return mrv_error_set(err, MRV_ENOMEM, "colin27: out of memory");
    }
    if ((s = cache_dir(ds, dir, sizeof dir, err)) != MRV_OK)
        return s;
    snprintf(path, sizeof path, "%s/colin27-v%d-n%zu-c%d.h5", dir, CACHE_VERSION, o->matrix,
             o->ncoils);
    struct colin_state *st = calloc(1, sizeof *st);
    if (!st)
        return mrv_error_set(err, MRV_ENOMEM, "colin27: out of memory");
    ds->state = st;
    struct mrv_error e = {0};
    if (mrv_fastmri_open(path, &st->f, &e) != MRV_OK) {
        /* first use (or a damaged cache): generate into a private name, then
         * rename, so concurrent runs never read a half-written file */
        char tmp[4500];
        snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
        struct vols v = {0};
        s = read_sources(&v, err);
        if (s == MRV_OK)
            s = generate(ds, tmp, &v, err);
        mrv_array_free(&v.head);
        mrv_array_free(&v.bet);
        if (s == MRV_OK && rename(tmp, path) != 0)
            s = mrv_error_set(err, MRV_EIO, "%s: cannot rename into place (%s)", path,
                              strerror(errno));
        if (s != MRV_OK) {
            remove(tmp);
            return s;
        }
        if ((s = mrv_fastmri_open(path, &st->f, err)) != MRV_OK)
            return s;
    }
    const struct mrv_fastmri_info *in = mrv_fastmri_info(st->f);
    if (in->nslices != NSLICES || in->ncoils != (size_t)o->ncoils || in->nx != o->matrix)
        return mrv_error_set(err, MRV_EFORMAT, "%s: cache holds (%zu, %zu, %zu, %zu), expected "
                             "(%d, %d, %zu, %zu): delete it to regenerate", path, in->nslices,
                             in->ncoils, in->ny, in->nx, NSLICES, o->ncoils, o->matrix,
                             o->matrix);
    if (mrv_ds_add_file(ds, path) == (size_t)-1)
        return mrv_error_set(err, MRV_ENOMEM, "colin27: out of memory");
    st->maps = malloc((size_t)o->ncoils * o->matrix * o->matrix * sizeof *st->maps);
    if (!st->maps)
        return mrv_error_set(err, MRV_ENOMEM, "colin27: out of memory");
    if ((s = mrv_coils_simulate(o->ncoils, o->matrix, o->matrix, st->maps, err)) != MRV_OK)
        return s;
    mrv_h5_lock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t a = f >= 0 ? H5Aopen(f, "slice_z_mm", H5P_DEFAULT) : -1;
    herr_t r = a >= 0 ? H5Aread(a, H5T_NATIVE_DOUBLE, st->zpos) : -1;
    if (a >= 0)
        H5Aclose(a);
    if (f >= 0)
        H5Fclose(f);
    mrv_h5_unlock();
    if (r < 0)
        return mrv_error_set(err, MRV_EFORMAT, "%s: attribute 'slice_z_mm' is unreadable: "
                             "delete the cache file to regenerate", path);
    for (int i = 0; i < NSLICES; i++)
        snprintf(st->ids[i], sizeof st->ids[i], "colin27_z%+04ld", lround(st->zpos[i]));
    ds->count = NSLICES;
    return MRV_OK;
}

static const char *colin_case_id(const struct mrv_dataset *ds, size_t i)
{
    const struct colin_state *st = ds->state;
    return st->ids[i];
}

static enum mrv_status set_common_meta(struct mrv_case *c, struct mrv_error *err)
{
    static const char *const kv[][2] = {
        {"anatomy", "brain"}, {"contrast", "T1"}, {"field_strength", "1.5"},
        {"vendor", "Philips"}, {"site", "MNI"}, {"subject", "colin27"},
    };
    enum mrv_status s = MRV_OK;
    for (size_t k = 0; s == MRV_OK && k < sizeof kv / sizeof kv[0]; k++)
        s = mrv_case_set_meta(c, kv[k][0], kv[k][1], err);
    return s;
}

static enum mrv_status colin_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                                  struct mrv_error *err)
{
    const struct colin_state *st = ds->state;
    size_t n = ds->opts.matrix, nc = (size_t)ds->opts.ncoils;
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "%s", st->ids[i]);
    c->task = MRV_TASK_RECONSTRUCTION;
    c->spacing[0] = 1.0;
    c->spacing[1] = c->spacing[2] = FOV_MM / (double)n;
    size_t kd[4] = {1, nc, n, n}, rd[3] = {1, n, n};
    enum mrv_status s;
    if ((s = mrv_array_alloc(&c->kspace, MRV_C64, 4, kd, err)) != MRV_OK ||
        (s = mrv_array_alloc(&c->coil_maps, MRV_C64, 4, kd, err)) != MRV_OK ||
        (s = mrv_array_alloc(&c->reference, MRV_F32, 3, rd, err)) != MRV_OK ||
        (s = mrv_array_alloc(&c->labels, MRV_U8, 3, rd, err)) != MRV_OK ||
        (s = mrv_fastmri_read_kspace(st->f, i, c->kspace.data, err)) != MRV_OK ||
        (s = mrv_fastmri_read_recon(st->f, "reconstruction_rss", i, c->reference.data, err)) !=
            MRV_OK)
        goto fail;
    memcpy(c->coil_maps.data, st->maps, nc * n * n * sizeof *st->maps);
    const char *path = mrv_dataset_file_path(ds, mrv_dataset_file_count(ds) - 1);
    mrv_h5_lock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, "brain_mask", H5P_DEFAULT) : -1;
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t start[3] = {i, 0, 0}, count[3] = {1, n, n};
    hid_t ms = H5Screate_simple(3, count, NULL);
    herr_t r = -1;
    if (fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
        r = H5Dread(d, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, c->labels.data);
    H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    if (d >= 0)
        H5Dclose(d);
    if (f >= 0)
        H5Fclose(f);
    mrv_h5_unlock();
    if (r < 0) {
        s = mrv_error_set(err, MRV_EFORMAT, "%s: dataset 'brain_mask' slice %zu is unreadable",
                          path, i);
        goto fail;
    }
    char z[32];
    snprintf(z, sizeof z, "%.1f", st->zpos[i]);
    if ((s = set_common_meta(c, err)) != MRV_OK ||
        (s = mrv_case_set_meta(c, "slice_z_mm", z, err)) != MRV_OK ||
        (s = mrv_case_set_meta(c, "labels", "brain mask (ch2bet > 0)", err)) != MRV_OK)
        goto fail;
    return MRV_OK;
fail:
    mrv_case_free(c);
    return s;
}

const struct mrv_dataset_ops mrv_dataset_colin27_ops = {
    .kind = {"colin27", "Colin27 T1 brain (mricron-data): 12 axial slices, simulated "
                        "multi-coil k-space, brain-mask labels (built in, cached)"},
    .open = colin_open,
    .close = colin_close,
    .case_id = colin_case_id,
    .load = colin_load,
};

/* ---- colin27_3d: the volume with AAL labels ------------------------------ */

static void c3_close(void *state)
{
    (void)state;
}

static enum mrv_status c3_open(struct mrv_dataset *ds, struct mrv_error *err)
{
    static const char *const names[] = {"ch2.nii.gz", "aal.nii.gz"};
    char src[4096];
    for (int i = 0; i < 2; i++) {
        enum mrv_status s = source_path(names[i], src, sizeof src, err);
        if (s != MRV_OK)
            return s;
        if (mrv_ds_add_file(ds, src) == (size_t)-1)
            return mrv_error_set(err, MRV_ENOMEM, "colin27: out of memory");
    }
    ds->count = 1;
    return MRV_OK;
}

static const char *c3_case_id(const struct mrv_dataset *ds, size_t i)
{
    (void)ds;
    (void)i;
    return "colin27_3d";
}

static enum mrv_status c3_load(const struct mrv_dataset *ds, size_t i, struct mrv_case *c,
                               struct mrv_error *err)
{
    (void)i;
    mrv_case_init(c);
    snprintf(c->id, sizeof c->id, "colin27_3d");
    c->task = MRV_TASK_SEGMENTATION;
    struct mrv_nifti_geom g, ga;
    enum mrv_status s = mrv_nifti_read(mrv_dataset_file_path(ds, 0), MRV_F32, &c->reference,
                                       &g, err);
    if (s == MRV_OK)
        s = mrv_nifti_read(mrv_dataset_file_path(ds, 1), MRV_U8, &c->labels, &ga, err);
    if (s == MRV_OK && memcmp(c->reference.dims, c->labels.dims, sizeof c->labels.dims) != 0)
        s = mrv_error_set(err, MRV_EFORMAT, "%s: shape differs from %s, expected the same grid",
                          mrv_dataset_file_path(ds, 1), mrv_dataset_file_path(ds, 0));
    if (s == MRV_OK) {
        float *v = c->reference.data, mx = 0;
        size_t n = mrv_array_count(&c->reference);
        for (size_t p = 0; p < n; p++)
            mx = v[p] > mx ? v[p] : mx;
        for (size_t p = 0; mx > 0 && p < n; p++)
            v[p] /= mx;
        memcpy(c->spacing, g.spacing, sizeof c->spacing);
        if ((s = set_common_meta(c, err)) == MRV_OK &&
            (s = mrv_case_set_meta(c, "orientation", g.orientation, err)) == MRV_OK)
            s = mrv_case_set_meta(c, "labels", "AAL, 116 regions (Tzourio-Mazoyer 2002)", err);
    }
    if (s != MRV_OK)
        mrv_case_free(c);
    return s;
}

const struct mrv_dataset_ops mrv_dataset_colin27_3d_ops = {
    .kind = {"colin27_3d", "Colin27 T1 volume 181x217x181 at 1 mm with AAL labels "
                           "(segmentation, built in)"},
    .open = c3_open,
    .close = c3_close,
    .case_id = c3_case_id,
    .load = c3_load,
};
