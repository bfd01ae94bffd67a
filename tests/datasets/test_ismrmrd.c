/* ISMRMRD: write -> read round trip through the Cartesian assembly, and the
 * ISMRMRD project's own tools as the oracle: a Shepp-Logan acquisition made
 * by ismrmrd_generate_cartesian_shepp_logan (2x readout oversampling),
 * reconstructed by ismrmrd_recon_cartesian_2d, must equal our reference up
 * to FFT scaling. Bad files: not ISMRMRD, NaN samples. */
#include <hdf5.h>
#include <ismrmrd/dataset.h>
#include <ismrmrd/ismrmrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fft.h"
#include "datasets/dataset.h"
#include "datasets/h5util.h"
#include "datasets/ismrmrd.h"
#include "tests_util.h"

static float complex kval(size_t s, size_t c, size_t x, size_t y)
{
    return (float)(s * 100 + c) + I * ((float)x - 0.5f * (float)y);
}

static void make(struct mrv_array *k, float complex poison)
{
    struct mrv_error err = {0};
    size_t d[4] = {2, 3, 8, 6};
    assert_ok(mrv_array_alloc(k, MRV_C64, 4, d, &err), &err);
    float complex *v = k->data;
    for (size_t s = 0, n = 0; s < 2; s++)
        for (size_t c = 0; c < 3; c++)
            for (size_t x = 0; x < 8; x++)
                for (size_t y = 0; y < 6; y++)
                    v[n++] = kval(s, c, x, y);
    if (poison != 0)
        v[100] = poison;
}

static struct mrv_dataset *open_path(const char *p, bool strict, enum mrv_status want,
                                     struct mrv_error *err)
{
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = p;
    o.strict = strict;
    struct mrv_dataset *ds = NULL;
    enum mrv_status s = mrv_dataset_open("ismrmrd", &o, &ds, err);
    if (s != want)
        fail_msg("open %s: %s, expected %s: %s", p, mrv_strerror(s), mrv_strerror(want),
                 err->msg);
    return ds;
}

static void test_round_trip(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    char p[600];
    snprintf(p, sizeof p, "%s/raw.h5", tu_tmpdir());
    struct mrv_array k = {0};
    make(&k, 0);
    const double fov[3] = {240, 180, 5};
    assert_ok(mrv_ismrmrd_write(p, &k, fov, "<systemVendor>GE</systemVendor>", &err), &err);
    assert_string_equal(mrv_dataset_guess_kind(p), "ismrmrd");
    struct mrv_dataset *ds = open_path(p, true, MRV_OK, &err);
    assert_int_equal(mrv_dataset_count(ds), 2);
    assert_string_equal(mrv_dataset_case_id(ds, 1), "raw_s001");
    for (size_t s = 0; s < 2; s++) {
        struct mrv_case c;
        assert_ok(mrv_dataset_load(ds, s, &c, &err), &err);
        assert_int_equal(c.kspace.dims[1], 3);
        assert_int_equal(c.kspace.dims[2], 8);
        assert_int_equal(c.kspace.dims[3], 6);
        assert_memory_equal(c.kspace.data, (float complex *)k.data + s * 144, 144 * 8);
        assert_string_equal(mrv_case_get_meta(&c, "vendor"), "GE");
        assert_close(c.spacing[1], 30.0, 1e-12); /* 240 mm / 8 */
        assert_close(c.spacing[2], 30.0, 1e-12); /* 180 mm / 6 */
        mrv_case_free(&c);
    }
    mrv_dataset_close(ds);
    mrv_array_free(&k);
}

static void test_against_ismrmrd_tools(void **state)
{
    (void)state;
    if (access("/usr/bin/ismrmrd_generate_cartesian_shepp_logan", X_OK) != 0 ||
        access("/usr/bin/ismrmrd_recon_cartesian_2d", X_OK) != 0)
        skip();
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char p[600], cmd[2048];
    snprintf(p, sizeof p, "%s/sl.h5", dir);
    snprintf(cmd, sizeof cmd,
             "cd %s && ismrmrd_generate_cartesian_shepp_logan -m 48 -c 4 -o %s >/dev/null 2>&1 "
             "&& ismrmrd_recon_cartesian_2d %s >/dev/null 2>&1", dir, p, p);
    assert_int_equal(system(cmd), 0);

    struct mrv_dataset *ds = open_path(p, true, MRV_OK, &err);
    assert_int_equal(mrv_dataset_count(ds), 1);
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    assert_int_equal(c.kspace.dims[2], 96); /* 2x oversampled readout */
    assert_int_equal(c.reference.dims[1], 48);
    assert_int_equal(c.reference.dims[2], 48);

    float *theirs = malloc(48 * 48 * sizeof *theirs);
    mrv_h5_lock();
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/dataset/cpp/data", H5P_DEFAULT);
    herr_t r = H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, theirs);
    H5Dclose(d);
    H5Fclose(f);
    mrv_h5_unlock();
    assert_true(r >= 0);
    /* theirs is [phase][readout]; ours (readout, phase). Their FFT is not
     * normalized: fit the one scale factor, then compare pixel by pixel. */
    const float *ours = c.reference.data;
    double num = 0, den = 0, peak = 0;
    for (size_t x = 0; x < 48; x++)
        for (size_t y = 0; y < 48; y++) {
            num += (double)ours[x * 48 + y] * theirs[y * 48 + x];
            den += (double)ours[x * 48 + y] * ours[x * 48 + y];
            peak = fmax(peak, theirs[y * 48 + x]);
        }
    double scale = num / den;
    assert_true(scale > 0);
    for (size_t x = 0; x < 48; x++)
        for (size_t y = 0; y < 48; y++)
            assert_close(scale * ours[x * 48 + y], theirs[y * 48 + x], 1e-4 * peak);
    assert_string_equal(mrv_case_get_meta(&c, "site"), "ISMRM Synthetic Imaging Lab");
    free(theirs);
    mrv_case_free(&c);
    mrv_dataset_close(ds);
}

static void test_bad_files(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char p[600];
    snprintf(p, sizeof p, "%s/a_nan.h5", dir);
    struct mrv_array k = {0};
    make(&k, NAN);
    const double fov[3] = {240, 180, 5};
    assert_ok(mrv_ismrmrd_write(p, &k, fov, NULL, &err), &err);
    mrv_array_free(&k);
    open_path(p, true, MRV_EFORMAT, &err);
    /* element 100 of slice 0: coil 100/48 = 2, readout 100%48/6 = 4, line 4 */
    assert_non_null(strstr(err.msg, "a_nan.h5: acquisition 4 holds NaN/Inf"));

    snprintf(p, sizeof p, "%s/b_text.h5", dir);
    FILE *f = fopen(p, "w");
    fputs("not hdf5", f);
    fclose(f);
    open_path(p, true, MRV_EFORMAT, &err);
    assert_non_null(strstr(err.msg, "b_text.h5: no ISMRMRD group '/dataset'"));

    snprintf(p, sizeof p, "%s/c_good.h5", dir);
    make(&k, 0);
    assert_ok(mrv_ismrmrd_write(p, &k, fov, NULL, &err), &err);
    mrv_array_free(&k);
    struct mrv_dataset *ds = open_path(dir, false, MRV_OK, &err);
    assert_int_equal(mrv_dataset_count(ds), 2);
    assert_int_equal(mrv_dataset_bad_count(ds), 2);
    mrv_dataset_close(ds);
}

/* Write lines with the ISMRMRD C API directly: `k` is (nz, nro, npe_acq)
 * for one coil; line (z, y) goes out with step_1 = y, step_2 = z. */
static void write_raw(const char *path, const char *xml, const float complex *k, size_t nz,
                      size_t nro, size_t npe_acq)
{
    ISMRMRD_Dataset d;
    assert_int_equal(ismrmrd_init_dataset(&d, path, "/dataset"), ISMRMRD_NOERROR);
    assert_int_equal(ismrmrd_open_dataset(&d, true), ISMRMRD_NOERROR);
    assert_int_equal(ismrmrd_write_header(&d, xml), ISMRMRD_NOERROR);
    ISMRMRD_Acquisition acq;
    ismrmrd_init_acquisition(&acq);
    acq.head.number_of_samples = (uint16_t)nro;
    acq.head.active_channels = acq.head.available_channels = 1;
    ismrmrd_make_consistent_acquisition(&acq);
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < npe_acq; y++) {
            acq.head.idx.kspace_encode_step_1 = (uint16_t)y;
            acq.head.idx.kspace_encode_step_2 = (uint16_t)z;
            for (size_t x = 0; x < nro; x++)
                acq.data[x] = k[(z * nro + x) * npe_acq + y];
            assert_int_equal(ismrmrd_append_acquisition(&d, &acq), ISMRMRD_NOERROR);
        }
    /* a noise line at a wild index: must be skipped by its flag */
    acq.head.idx.kspace_encode_step_1 = 999;
    ismrmrd_set_flag(&acq.head.flags, ISMRMRD_ACQ_IS_NOISE_MEASUREMENT);
    assert_int_equal(ismrmrd_append_acquisition(&d, &acq), ISMRMRD_NOERROR);
    ismrmrd_cleanup_acquisition(&acq);
    ismrmrd_close_dataset(&d);
}

static const char xml_fmt[] =
    "<?xml version=\"1.0\"?><ismrmrdHeader><encoding><encodedSpace><matrixSize><x>%zu</x>"
    "<y>%zu</y><z>%zu</z></matrixSize><fieldOfView_mm><x>80</x><y>60</y><z>40</z>"
    "</fieldOfView_mm></encodedSpace><reconSpace><matrixSize><x>%zu</x><y>%zu</y><z>%zu</z>"
    "</matrixSize><fieldOfView_mm><x>80</x><y>60</y><z>40</z></fieldOfView_mm></reconSpace>"
    "<encodingLimits><kspace_encoding_step_1><minimum>0</minimum><maximum>%zu</maximum>"
    "<center>%zu</center></kspace_encoding_step_1><kspace_encoding_step_2><minimum>0"
    "</minimum><maximum>%zu</maximum><center>%zu</center></kspace_encoding_step_2>"
    "</encodingLimits><trajectory>cartesian</trajectory></encoding></ismrmrdHeader>";

/* 3D: k = 3D FFT of a known volume; each partition case must hold the 2D
 * FFT of its plane (hybrid space) and its reference the plane's magnitude. */
static void test_3d_hybrid_space(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    enum { NZ = 4, NRO = 8, NPE = 6 };
    float complex vol[NZ * NRO * NPE], k[NZ * NRO * NPE];
    for (size_t i = 0; i < NZ * NRO * NPE; i++)
        vol[i] = (float)(i % 11) - 3.0f + I * (float)(i % 5);
    memcpy(k, vol, sizeof k);
    struct mrv_fft *f3, *f2;
    size_t d3[3] = {NZ, NRO, NPE};
    assert_ok(mrv_fft_plan_create(3, d3, &f3, &err), &err);
    assert_ok(mrv_fft_plan_create(2, d3 + 1, &f2, &err), &err);
    mrv_fft_forward(f3, k, 1);
    char p[600], xml[2048];
    snprintf(p, sizeof p, "%s/vol3d.h5", tu_tmpdir());
    snprintf(xml, sizeof xml, xml_fmt, (size_t)NRO, (size_t)NPE, (size_t)NZ, (size_t)NRO,
             (size_t)NPE, (size_t)NZ, (size_t)NPE - 1, (size_t)NPE / 2, (size_t)NZ - 1,
             (size_t)NZ / 2);
    write_raw(p, xml, k, NZ, NRO, NPE);
    struct mrv_dataset *ds = open_path(p, true, MRV_OK, &err);
    assert_int_equal(mrv_dataset_count(ds), NZ);
    assert_string_equal(mrv_dataset_case_id(ds, 2), "vol3d_s000_z002");
    for (size_t z = 0; z < NZ; z++) {
        struct mrv_case c;
        assert_ok(mrv_dataset_load(ds, z, &c, &err), &err);
        float complex plane[NRO * NPE];
        memcpy(plane, vol + z * NRO * NPE, sizeof plane);
        mrv_fft_forward(f2, plane, 1);
        const float complex *got = c.kspace.data;
        const float *ref = c.reference.data;
        for (size_t i = 0; i < NRO * NPE; i++) {
            assert_close(cabsf(got[i] - plane[i]), 0.0, 1e-4);
            assert_close(ref[i], cabsf(vol[z * NRO * NPE + i]), 1e-4);
        }
        assert_close(c.spacing[0], 10.0, 1e-12); /* 40 mm over 4 partitions */
        mrv_case_free(&c);
    }
    mrv_dataset_close(ds);
    mrv_fft_destroy(f3);
    mrv_fft_destroy(f2);
}

/* Partial Fourier: 6 of 8 phase-encode lines with the centre at acquired
 * index 2 land at 2..7 (offset = 8/2 - 2), lines 0..1 stay zero. */
static void test_partial_fourier_placement(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    enum { NRO = 4, NACQ = 6, NPE = 8 };
    float complex k[NRO * NACQ];
    for (size_t i = 0; i < NRO * NACQ; i++)
        k[i] = (float)(i + 1) + I;
    char p[600], xml[2048];
    snprintf(p, sizeof p, "%s/pf.h5", tu_tmpdir());
    snprintf(xml, sizeof xml, xml_fmt, (size_t)NRO, (size_t)NPE, (size_t)1, (size_t)NRO,
             (size_t)NPE, (size_t)1, (size_t)NACQ - 1, (size_t)2, (size_t)0, (size_t)0);
    write_raw(p, xml, k, 1, NRO, NACQ);
    struct mrv_dataset *ds = open_path(p, true, MRV_OK, &err);
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    assert_int_equal(c.kspace.dims[3], NPE);
    const float complex *got = c.kspace.data;
    for (size_t x = 0; x < NRO; x++)
        for (size_t y = 0; y < NPE; y++)
            assert_true(got[x * NPE + y] == (y < 2 ? 0 : k[x * NACQ + (y - 2)]));
    mrv_case_free(&c);
    mrv_dataset_close(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_against_ismrmrd_tools),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_3d_hybrid_space),
        cmocka_unit_test(test_partial_fourier_placement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
