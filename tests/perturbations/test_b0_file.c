/* b0 with a field map given as a file (datasets/fieldmap.h + map 3),
 * against laws: a file holding a constant df shifts the image by
 * map_scale df / BW_px pixels along readout (the law test_b0.c checks for
 * the built-in constant map); a file holding exactly the map b0 draws for a
 * seed gives the same bytes as the drawn map; the SHA-256 is the file's;
 * bad files (missing, wrong dims, NaN, not a field map) fail naming the
 * file and what was expected. */
#include <hdf5.h>
#include <stdlib.h>
#include <unistd.h>

#include "datasets/fieldmap.h"
#include "datasets/nifti.h"
#include "perturbations/b0.h"
#include "perturbations/families.h"
#include "pert_fixture.h"

#define NY 64
#define NX 48

static void blob_case(struct mrv_case *c)
{
    float complex *obj = malloc(NY * NX * sizeof *obj);
    for (size_t y = 0; y < NY; y++)
        for (size_t x = 0; x < NX; x++)
            obj[y * NX + x] = (float)pf_blob((double)y, (double)x, 30, 22, 3.0) *
                              cexpf(I * 0.05f * (float)(x + y));
    pf_case(c, NY, NX, 1, obj, 1.0, 1.0);
    free(obj);
}

/* Write `hz` (sl, ny, nx) as NIfTI at dir/name; the path into `path`. */
static void write_nifti(const char *dir, const char *name, const float *hz, size_t sl,
                        size_t ny, size_t nx, char *path, size_t size)
{
    struct mrv_error err = {0};
    struct mrv_array a;
    assert_ok(mrv_array_alloc(&a, MRV_F32, 3, (size_t[]){sl, ny, nx}, &err), &err);
    memcpy(a.data, hz, sl * ny * nx * sizeof *hz);
    snprintf(path, size, "%s/%s", dir, name);
    assert_ok(mrv_nifti_write(path, &a, (double[]){5, 1, 1}, &err), &err);
    mrv_array_free(&a);
}

/* An HDF5 file with one dataset `name` of HDF5 type `type`, dims (ny, nx). */
static void write_h5(const char *path, const char *name, hid_t type, const void *data,
                     size_t ny, size_t nx)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t d[2] = {ny, nx};
    hid_t sp = H5Screate_simple(2, d, NULL);
    hid_t ds = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0 && ds >= 0);
    assert_true(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
}

/* Run b0 with the map read from `spec`, parameters p, seed 1. */
static enum mrv_status run_given(const char *spec, const struct mrv_case *c, const double *p,
                                 struct mrv_array *out, struct mrv_drawn *d,
                                 struct mrv_error *err)
{
    struct mrv_array hz;
    char sha[MRV_SHA256_HEX];
    enum mrv_status s = mrv_fieldmap_read(spec, &hz, sha, err);
    if (s != MRV_OK)
        return s;
    void *plan = NULL;
    s = mrv_b0_plan_given(&c->kspace, p, &(struct mrv_b0_given){&hz, spec}, &plan, err);
    mrv_array_free(&hz);
    if (s != MRV_OK)
        return s;
    assert_ok(mrv_array_copy(out, &c->kspace, err), err);
    memset(d, 0, sizeof *d);
    s = mrv_pert_b0.execute(plan, 1, c, out, d, err);
    mrv_pert_b0.destroy(plan);
    return s;
}

static double readout_shift(const struct mrv_case *c, const struct mrv_array *k)
{
    float *a = malloc(NY * NX * sizeof *a), *b = malloc(NY * NX * sizeof *b);
    pf_rss(&c->kspace, a);
    pf_rss(k, b);
    double ay, ax, by, bx;
    pf_centroid(a, NY, NX, &ay, &ax);
    pf_centroid(b, NY, NX, &by, &bx);
    free(a);
    free(b);
    return by - ay;
}

static void test_constant_file_shift(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    struct mrv_case c;
    blob_case(&c);
    float *hz = malloc(NY * NX * sizeof *hz);
    for (size_t i = 0; i < NY * NX; i++)
        hz[i] = 130.0f;
    char nii[4200], h5[4200];
    write_nifti(dir, "const.nii.gz", hz, 1, NY, NX, nii, sizeof nii);
    snprintf(h5, sizeof h5, "%s/const.h5", dir);
    write_h5(h5, "field_map", H5T_NATIVE_FLOAT, hz, NY, NX);
    /* 130 Hz at 200 Hz/px, map_scale 1: +0.65 px along readout (test_b0.c) */
    double p[] = {0, MRV_B0_SMOOTH, 200, 12, 0, 0.5, 0, 1e-4, 1};
    struct mrv_error err = {0};
    struct mrv_array k;
    struct mrv_drawn d;
    assert_ok(run_given(nii, &c, p, &k, &d, &err), &err);
    assert_close(readout_shift(&c, &k), 130.0 / 200.0, 2e-3);
    assert_close(pf_drawn(&d, "map_max_hz"), 130.0, 1e-9);
    mrv_array_free(&k);
    /* the same map from HDF5, scaled by 0.5 (severity 2's map_scale) */
    p[8] = 0.5;
    assert_ok(run_given(h5, &c, p, &k, &d, &err), &err);
    assert_close(readout_shift(&c, &k), 0.5 * 130.0 / 200.0, 2e-3);
    assert_close(pf_drawn(&d, "max_shift_px"), 0.325, 1e-9);
    mrv_array_free(&k);
    /* the fingerprint is the file's SHA-256 */
    struct mrv_array a;
    char sha[MRV_SHA256_HEX], want[MRV_SHA256_HEX];
    assert_ok(mrv_fieldmap_read(nii, &a, sha, &err), &err);
    assert_ok(mrv_sha256_file(nii, want, &err), &err);
    assert_string_equal(sha, want);
    mrv_array_free(&a);
    free(hz);
    mrv_case_free(&c);
    tu_rm_rf(dir);
}

/* The map b0 draws (smooth random, seed 1), written to a file and given
 * back at map_scale 1: the same bytes, EPI and spin-warp. */
static void test_file_equals_drawn(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    struct mrv_case c;
    blob_case(&c);
    struct mrv_error err = {0};
    for (int epi = 0; epi <= 1; epi++) {
        double p[] = {150, MRV_B0_SMOOTH, 200, 10, epi, 0.5, 0, 1e-3, 1};
        struct mrv_array drawn_k = {0}, file_k = {0};
        struct mrv_drawn d1, d2;
        pf_run(&mrv_pert_b0, p, 1, &c, &drawn_k, &d1);
        void *plan;
        assert_ok(mrv_pert_b0.plan(&c.kspace, p, &plan, &err), &err);
        float *hz = malloc(NY * NX * sizeof *hz);
        mrv_b0_field_map(plan, 1, hz);
        mrv_pert_b0.destroy(plan);
        char nii[4200];
        write_nifti(dir, "drawn.nii", hz, 1, NY, NX, nii, sizeof nii);
        assert_ok(run_given(nii, &c, p, &file_k, &d2, &err), &err);
        assert_memory_equal(drawn_k.data, file_k.data, mrv_array_nbytes(&drawn_k));
        assert_close(pf_drawn(&d2, "segments"), pf_drawn(&d1, "segments"), 0);
        mrv_array_free(&drawn_k);
        mrv_array_free(&file_k);
        free(hz);
    }
    mrv_case_free(&c);
    tu_rm_rf(dir);
}

static void expect_fail(enum mrv_status s, const struct mrv_error *err, const char *a,
                        const char *b)
{
    if (s == MRV_OK)
        fail_msg("expected a failure mentioning %s", a);
    if (!strstr(err->msg, a) || (b && !strstr(err->msg, b)))
        fail_msg("message '%s' lacks '%s' / '%s'", err->msg, a, b ? b : "");
}

static void test_bad_files(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    struct mrv_case c;
    blob_case(&c);
    double p[] = {0, MRV_B0_SMOOTH, 200, 12, 0, 0.5, 0, 1e-3, 1};
    struct mrv_error err = {0};
    struct mrv_array k = {0};
    struct mrv_drawn d;
    char path[4200];
    /* missing */
    snprintf(path, sizeof path, "%s/none.nii", dir);
    expect_fail(run_given(path, &c, p, &k, &d, &err), &err, path, "field map");
    /* wrong dims: 40 x 48 for a 64 x 48 case, named with what is expected */
    float *hz = calloc(NY * NX, sizeof *hz);
    write_nifti(dir, "small.nii", hz, 1, 40, NX, path, sizeof path);
    err = (struct mrv_error){0};
    expect_fail(run_given(path, &c, p, &k, &d, &err), &err, path, "64 x 48");
    assert_non_null(strstr(err.msg, "field_map"));
    /* NaN */
    hz[100] = NAN;
    write_nifti(dir, "nan.nii", hz, 1, NY, NX, path, sizeof path);
    expect_fail(run_given(path, &c, p, &k, &d, &err), &err, path, "expected finite");
    hz[100] = 0;
    /* rad/s instead of Hz: a peak beyond any field map in Hz */
    hz[5] = 2.0f * (float)M_PI * 400.0f;
    write_nifti(dir, "rads.nii", hz, 1, NY, NX, path, sizeof path);
    expect_fail(run_given(path, &c, p, &k, &d, &err), &err, path, "rad/s");
    /* not a field map: complex k-space, integer labels, no such dataset */
    snprintf(path, sizeof path, "%s/k.h5", dir);
    hid_t ct = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(ct, "r", 0, H5T_NATIVE_FLOAT);
    H5Tinsert(ct, "i", 4, H5T_NATIVE_FLOAT);
    float complex *kk = calloc(NY * NX, sizeof *kk);
    write_h5(path, "kspace", ct, kk, NY, NX);
    expect_fail(run_given(path, &c, p, &k, &d, &err), &err, path, "no dataset /field_map");
    char spec[4300];
    snprintf(spec, sizeof spec, "%s:/kspace", path);
    expect_fail(run_given(spec, &c, p, &k, &d, &err), &err, path, "not real floating point");
    H5Tclose(ct);
    int *lab = calloc(NY * NX, sizeof *lab);
    snprintf(path, sizeof path, "%s/labels.h5", dir);
    write_h5(path, "field_map", H5T_NATIVE_INT, lab, NY, NX);
    expect_fail(run_given(path, &c, p, &k, &d, &err), &err, path, "not real floating point");
    /* another extension */
    snprintf(path, sizeof path, "%s/map.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("1 2 3\n", f);
    fclose(f);
    expect_fail(run_given(path, &c, p, &k, &d, &err), &err, path, ".nii");
    /* map 3 without a file */
    double q[] = {0, MRV_B0_GIVEN, 200, 12, 0, 0.5, 0, 1e-3, 1};
    void *plan;
    expect_fail(mrv_pert_b0.plan(&c.kspace, q, &plan, &err), &err, "field_map", NULL);
    free(lab);
    free(kk);
    free(hz);
    mrv_case_free(&c);
    tu_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_file_shift),
        cmocka_unit_test(test_file_equals_drawn),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
