/* NIfTI: write -> read round trip (.nii and .nii.gz), a hand-rolled
 * NIfTI-1 oracle in Python (tests/datasets/oracle_nifti.py) in both
 * directions, the MSD/nnU-Net folder and CSV layouts of the `nifti` kind,
 * and its bad inputs (truncated file, bad label values, shape mismatch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/dataset.h"
#include "datasets/nifti.h"
#include "tests_util.h"

#define ORACLE MRV_SOURCE_DIR "/tests/datasets/oracle_nifti.py"

static const double spacing[3] = {3.0, 2.0, 0.5};

/* (3, 4, 5) volumes with the oracle's formulas. */
static void make(struct mrv_array *a, enum mrv_dtype dt)
{
    struct mrv_error err = {0};
    size_t d[3] = {3, 4, 5};
    assert_ok(mrv_array_alloc(a, dt, 3, d, &err), &err);
    for (size_t k = 0, n = 0; k < 3; k++)
        for (size_t j = 0; j < 4; j++)
            for (size_t i = 0; i < 5; i++, n++) {
                if (dt == MRV_U8)
                    ((uint8_t *)a->data)[n] = (uint8_t)(i + 5 * j + 20 * k);
                else
                    ((float *)a->data)[n] = 0.25f * (float)i - (float)j + 7.5f * (float)k;
            }
}

static void oracle(const char *cmd, const char *path)
{
    char args[700], out[256];
    snprintf(args, sizeof args, "%s %s", cmd, path);
    int rc = tu_python_run(ORACLE, args, out, sizeof out);
    if (rc != 0 || strncmp(out, "ok", 2) != 0)
        fail_msg("nifti oracle %s: rc %d: %s", cmd, rc, out);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    const char *names[2] = {"img.nii.gz", "lab.nii"};
    enum mrv_dtype dts[2] = {MRV_F32, MRV_U8};
    for (int t = 0; t < 2; t++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, names[t]);
        struct mrv_array a = {0}, b = {0};
        make(&a, dts[t]);
        assert_ok(mrv_nifti_write(p, &a, spacing, &err), &err);
        struct mrv_nifti_geom g;
        assert_ok(mrv_nifti_read(p, dts[t], &b, &g, &err), &err);
        assert_true(mrv_array_same_shape(&a, &b));
        assert_memory_equal(a.data, b.data, mrv_array_nbytes(&a));
        assert_true(g.spacing[0] == 3.0 && g.spacing[1] == 2.0 && g.spacing[2] == 0.5);
        assert_string_equal(g.orientation, "RAS");
        if (tu_python_has("numpy"))
            oracle("check", p);
        mrv_array_free(&a);
        mrv_array_free(&b);
    }
}

static void test_read_foreign(void **state)
{
    (void)state;
    if (!tu_python_has("numpy"))
        skip();
    struct mrv_error err = {0};
    char p[600];
    snprintf(p, sizeof p, "%s/foreign.nii.gz", tu_tmpdir());
    oracle("write", p);
    struct mrv_array a = {0};
    struct mrv_nifti_geom g;
    assert_ok(mrv_nifti_read(p, MRV_F32, &a, &g, &err), &err);
    assert_int_equal(a.dims[0], 2);
    assert_int_equal(a.dims[1], 3);
    assert_int_equal(a.dims[2], 4);
    const float *v = a.data;
    for (size_t k = 0, n = 0; k < 2; k++) /* stored i + 10j + 100k, slope 2, inter 1 */
        for (size_t j = 0; j < 3; j++)
            for (size_t i = 0; i < 4; i++, n++)
                assert_true(v[n] == 2.0f * (float)(i + 10 * j + 100 * k) + 1.0f);
    assert_close(g.spacing[0], 2.5, 1e-6);
    assert_close(g.spacing[1], 0.9, 1e-6);
    assert_close(g.spacing[2], 0.8, 1e-6);
    assert_string_equal(g.orientation, "LPS"); /* sform diag(-0.8, -0.9, 2.5) */
    assert_close(g.affine[0][3], 10.0, 1e-6);
    mrv_array_free(&a);
}

/* MSD's own 4D multi-channel images: channel 0 is the image, labels must be 3D */
static void test_4d_channels(void **state)
{
    (void)state;
    if (!tu_python_has("numpy"))
        skip();
    struct mrv_error err = {0};
    char p[600];
    snprintf(p, sizeof p, "%s/brats.nii.gz", tu_tmpdir());
    oracle("write4d", p);
    struct mrv_array a = {0};
    struct mrv_nifti_geom g;
    assert_ok(mrv_nifti_read(p, MRV_F32, &a, &g, &err), &err);
    assert_int_equal(g.channels, 2);
    assert_int_equal(a.dims[0], 2);
    const float *v = a.data;
    for (size_t k = 0, n = 0; k < 2; k++)
        for (size_t j = 0; j < 3; j++)
            for (size_t i = 0; i < 4; i++, n++)
                assert_true(v[n] == (float)(i + 10 * j + 100 * k)); /* channel 0 */
    mrv_array_free(&a);
    assert_int_equal(mrv_nifti_read(p, MRV_U8, &a, NULL, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "brats.nii.gz: 4 dimensions (dim[4] = 2), expected a 2D or "
                                    "3D volume of labels"));
}

static void put(const char *dir, const char *name, enum mrv_dtype dt, size_t nz)
{
    struct mrv_error err = {0};
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct mrv_array a = {0};
    size_t d[3] = {nz, 4, 5};
    assert_ok(mrv_array_alloc(&a, dt, 3, d, &err), &err);
    if (dt == MRV_U8)
        ((uint8_t *)a.data)[7] = 2;
    else
        ((float *)a.data)[7] = 42.0f;
    assert_ok(mrv_nifti_write(p, &a, spacing, &err), &err);
    mrv_array_free(&a);
}

static void test_msd_layout(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char sub[600];
    snprintf(sub, sizeof sub, "%s/imagesTs", dir);
    mkdir(sub, 0755);
    put(sub, "a_0000.nii.gz", MRV_F32, 3);
    put(sub, "a_0001.nii.gz", MRV_F32, 3);
    put(sub, "b_0000.nii.gz", MRV_F32, 3);
    put(sub, "c_0000.nii.gz", MRV_F32, 3);
    snprintf(sub, sizeof sub, "%s/labelsTs", dir);
    mkdir(sub, 0755);
    put(sub, "a.nii.gz", MRV_U8, 3);
    put(sub, "b.nii.gz", MRV_U8, 2); /* wrong shape */
    /* c has no label */

    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = dir;
    assert_string_equal(mrv_dataset_guess_kind(dir), "nifti");
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("nifti", &o, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 1);
    assert_string_equal(mrv_dataset_case_id(ds, 0), "a");
    assert_int_equal(mrv_dataset_bad_count(ds), 2);
    assert_non_null(strstr(mrv_dataset_bad(ds, 0), "labelsTs/b.nii.gz: label shape (5, 4, 2)"));
    assert_non_null(strstr(mrv_dataset_bad(ds, 0), "expected the same grid"));
    assert_non_null(strstr(mrv_dataset_bad(ds, 1), "labelsTs/c.nii.gz: cannot open"));
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    assert_int_equal(c.task, MRV_TASK_SEGMENTATION);
    assert_true(((float *)c.reference.data)[7] == 42.0f);
    assert_true(((uint8_t *)c.labels.data)[7] == 2);
    assert_true(c.spacing[0] == 3.0 && c.spacing[2] == 0.5);
    assert_string_equal(mrv_case_get_meta(&c, "channels"), "2");
    assert_string_equal(mrv_case_get_meta(&c, "orientation"), "RAS");
    mrv_case_free(&c);
    mrv_dataset_close(ds);
    o.strict = true;
    assert_int_equal(mrv_dataset_open("nifti", &o, &ds, &err), MRV_EFORMAT);
}

static void test_csv_and_bad_files(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    put(dir, "img1.nii", MRV_F32, 3);
    put(dir, "lab1.nii", MRV_U8, 3);
    char p[700];
    /* a truncated gzip NIfTI */
    put(dir, "img2.nii.gz", MRV_F32, 3);
    snprintf(p, sizeof p, "%s/img2.nii.gz", dir);
    assert_int_equal(truncate(p, 60), 0);
    /* a label with value 300 (float data) */
    struct mrv_array a = {0};
    size_t d[3] = {3, 4, 5};
    assert_ok(mrv_array_alloc(&a, MRV_F32, 3, d, &err), &err);
    ((float *)a.data)[21] = 300.0f;
    snprintf(p, sizeof p, "%s/lab3.nii", dir);
    assert_ok(mrv_nifti_write(p, &a, spacing, &err), &err);
    mrv_array_free(&a);
    struct mrv_array l = {0};
    assert_int_equal(mrv_nifti_read(p, MRV_U8, &l, NULL, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "lab3.nii: label voxel (i 1, j 0, k 1) is 300, expected an "
                                    "integer 0..255"));
    snprintf(p, sizeof p, "%s/img2.nii.gz", dir);
    assert_int_equal(mrv_nifti_read(p, MRV_F32, &l, NULL, &err), MRV_EIO);
    assert_non_null(strstr(err.msg, "img2.nii.gz: not a readable NIfTI"));

    snprintf(p, sizeof p, "%s/list.csv", dir);
    FILE *f = fopen(p, "w");
    fputs("id,image,label,site,vendor\n"
          "case1, img1.nii, lab1.nii, Paris, GE\n"
          "case2,img2.nii.gz,lab1.nii,Oslo,Siemens\n"
          "case3,img1.nii,lab1.nii,Rome\n",
          f);
    fclose(f);
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = p;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("nifti", &o, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 1);
    assert_int_equal(mrv_dataset_bad_count(ds), 2);
    assert_non_null(strstr(mrv_dataset_bad(ds, 0), "img2.nii.gz: not a readable NIfTI"));
    assert_non_null(strstr(mrv_dataset_bad(ds, 1), "list.csv: line 4: 4 columns, expected 5"));
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 0, &c, &err), &err);
    assert_string_equal(c.id, "case1");
    assert_string_equal(mrv_case_get_meta(&c, "site"), "Paris");
    assert_string_equal(mrv_case_get_meta(&c, "vendor"), "GE");
    mrv_case_free(&c);
    mrv_dataset_close(ds);

    f = fopen(p, "w");
    fputs("img,lab\na.nii,b.nii\n", f);
    fclose(f);
    assert_int_equal(mrv_dataset_open("nifti", &o, &ds, &err), MRV_EFORMAT);
    assert_non_null(strstr(err.msg, "list.csv: line 1: header lacks 'image'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_read_foreign),
        cmocka_unit_test(test_4d_channels),
        cmocka_unit_test(test_msd_layout),
        cmocka_unit_test(test_csv_and_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
