/* The builtin reference models beyond zero-filling.
 * CG-SENSE: noiseless fully sampled data with the true maps must give the
 * reference (the RSS of the coil images; a least-squares solution of a
 * consistent system); R = 2 equispaced with the true maps is exactly
 * solvable (Pruessmann 1999: R <= coils) and must be near exact; estimated
 * maps must beat zero-filling by far. The segmenter must equal scikit-image
 * + scipy (tests/adapters/oracle_segment.py) voxel for voxel; the
 * classifier must equal the logistic of the oracle's foreground mean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapter_fixture.h"

#define ORACLE MRV_SOURCE_DIR "/tests/adapters/oracle_segment.py"

static double run_cg(struct mrv_case *c, const struct mrv_array *mask, const char *maps)
{
    struct mrv_error err = {0};
    struct mrv_model *m;
    const struct mrv_kv set[] = {{"maps", maps}, {"iterations", "200"}, {"tolerance", "1e-7"}};
    assert_ok(mrv_model_create_with("builtin", "cg_sense", set, 3, &m, &err), &err);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &c->kspace,
                                 .mask = mask, .coil_maps = &c->coil_maps};
    struct mrv_array out;
    assert_ok(mrv_model_infer(m, &in, &out, &err), &err);
    double e = fx_nrmse(&out, &c->reference);
    mrv_array_free(&out);
    mrv_model_destroy(m);
    return e;
}

static void test_cg_sense_fully_sampled(void **state)
{
    (void)state;
    struct mrv_case c;
    fx_phantom(64, 4, 0, &c);
    double e = run_cg(&c, NULL, "given");
    printf("# cg_sense fully sampled, true maps: NRMSE %.2e\n", e);
    assert_true(e < 1e-4);
    mrv_case_free(&c);
}

static void test_cg_sense_r2(void **state)
{
    (void)state;
    struct mrv_case c;
    fx_phantom(64, 8, 0, &c);
    uint8_t m[64];
    for (int x = 0; x < 64; x++)
        m[x] = (uint8_t)(x % 2 == 0);
    struct mrv_array mask, zf;
    fx_apply_mask(&c.kspace, m, &mask);
    struct mrv_error err = {0};
    assert_ok(mrv_recon_zero_filled(&c.kspace, &zf, &err), &err);
    double e = run_cg(&c, &mask, "given"), ez = fx_nrmse(&zf, &c.reference);
    printf("# cg_sense R=2 equispaced, true maps: NRMSE %.2e (zero-filled %.3f)\n", e, ez);
    assert_true(e < 1e-3);
    assert_true(ez > 0.3); /* R = 2 folds half the object onto itself */
    mrv_array_free(&mask);
    mrv_array_free(&zf);
    mrv_case_free(&c);
}

static void test_cg_sense_estimated_maps(void **state)
{
    (void)state;
    struct mrv_case c;
    fx_phantom(64, 8, 0, &c);
    uint8_t m[64];
    for (int x = 0; x < 64; x++)
        m[x] = (uint8_t)(x % 2 == 0 || (x >= 24 && x < 40));
    struct mrv_array mask, zf;
    fx_apply_mask(&c.kspace, m, &mask);
    struct mrv_error err = {0};
    assert_ok(mrv_recon_zero_filled(&c.kspace, &zf, &err), &err);
    double e = run_cg(&c, &mask, "estimate"), ez = fx_nrmse(&zf, &c.reference);
    printf("# cg_sense R=2 + 16 ACS, estimated maps: NRMSE %.3f (zero-filled %.3f)\n", e, ez);
    assert_true(e < 0.5 * ez);
    /* no calibration region: refused with a reason */
    for (int x = 0; x < 64; x++)
        m[x] = (uint8_t)(x % 2 == 1);
    memcpy(mask.data, m, 64);
    struct mrv_array maps;
    assert_int_equal(mrv_coil_maps_estimate(&c.kspace, &mask, &maps, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "centre column (32) is not sampled"));
    mrv_array_free(&mask);
    mrv_array_free(&zf);
    mrv_case_free(&c);
}

/* A ring with a hole, a separate small blob, a speckle of noise: every
 * step of the segmenter matters. */
static void make_volume(struct mrv_array *img)
{
    struct mrv_error err = {0};
    enum { NZ = 3, NY = 40, NX = 36 };
    assert_ok(mrv_array_alloc(img, MRV_F32, 3, (size_t[]){NZ, NY, NX}, &err), &err);
    float *v = img->data;
    uint32_t s = 12345;
    for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++) {
                double r = hypot(y - 20.0, x - 16.0);
                double f = (r > 5 + z && r < 12) ? 1.0 + 0.1 * z : 0.1;
                if (hypot(y - 5.0, x - 31.0) < 3)
                    f = 0.9; /* a separate component */
                s = s * 1664525u + 1013904223u;
                f += 0.15 * ((double)(s >> 8) / 16777216.0 - 0.5);
                v[(z * NY + y) * NX + x] = (float)f;
            }
}

static void test_otsu_segmenter(void **state)
{
    (void)state;
    if (!tu_python_has("numpy,scipy,skimage")) {
        skip();
        return;
    }
    struct mrv_array img, probs, labels;
    make_volume(&img);
    const char *dir = tu_tmpdir();
    char raw[512], maskp[512], args[2048], buf[256];
    snprintf(raw, sizeof raw, "%s/img.f32", dir);
    snprintf(maskp, sizeof maskp, "%s/mask.u8", dir);
    FILE *f = fopen(raw, "wb");
    assert_non_null(f);
    fwrite(img.data, 4, mrv_array_count(&img), f);
    fclose(f);
    snprintf(args, sizeof args, "%s %zu %zu %zu %s", raw, img.dims[0], img.dims[1], img.dims[2],
             maskp);
    assert_int_equal(tu_python_run(ORACLE, args, buf, sizeof buf), 0);
    double t_ref, mean_ref;
    assert_int_equal(sscanf(buf, "%lf %lf", &t_ref, &mean_ref), 2);
    size_t n = mrv_array_count(&img);
    uint8_t *want = malloc(n);
    f = fopen(maskp, "rb");
    assert_non_null(f);
    assert_int_equal(fread(want, 1, n, f), n);
    fclose(f);

    struct mrv_error err = {0};
    double t;
    assert_ok(mrv_segment_otsu(&img, &labels, NULL, &t, &err), &err);
    assert_close(t, t_ref, 1e-6);
    assert_memory_equal(labels.data, want, n);
    /* through the model: probabilities whose argmax is the mask */
    struct mrv_model *m;
    assert_ok(mrv_model_create("builtin", "otsu_segmenter", &m, &err), &err);
    struct mrv_model_input in = {.task = MRV_TASK_SEGMENTATION, .image = &img};
    assert_ok(mrv_model_infer(m, &in, &probs, &err), &err);
    assert_int_equal(probs.ndim, 4);
    const float *p = probs.data;
    for (size_t i = 0; i < n; i++) {
        assert_close(p[i] + p[n + i], 1, 1e-6);
        assert_int_equal(p[n + i] > 0.5f, want[i]);
    }
    mrv_model_destroy(m);

    /* the classifier: logistic((mean - 0.7) / 0.1) of the oracle's foreground mean */
    const struct mrv_kv set[] = {{"threshold", "0.7"}, {"scale", "0.1"}};
    struct mrv_array cls;
    assert_ok(mrv_model_create_with("builtin", "intensity_classifier", set, 2, &m, &err), &err);
    in.task = MRV_TASK_CLASSIFICATION;
    assert_ok(mrv_model_infer(m, &in, &cls, &err), &err);
    assert_int_equal(cls.ndim, 1);
    assert_int_equal(cls.dims[0], 2);
    double p1 = 1 / (1 + exp(-(mean_ref - 0.7) / 0.1));
    assert_close(((float *)cls.data)[1], p1, 1e-5);
    assert_close(((float *)cls.data)[0], 1 - p1, 1e-5);
    mrv_model_destroy(m);
    free(want);
    mrv_array_free(&cls);
    mrv_array_free(&probs);
    mrv_array_free(&labels);
    mrv_array_free(&img);
}

static void test_wrong_task(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_model *m;
    assert_ok(mrv_model_create("builtin", "otsu_segmenter", &m, &err), &err);
    struct mrv_array k;
    assert_ok(mrv_array_alloc(&k, MRV_C64, 4, (size_t[]){1, 1, 4, 4}, &err), &err);
    struct mrv_model_input in = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &k};
    struct mrv_array out;
    assert_int_equal(mrv_model_infer(m, &in, &out, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "expects a segmentation input"));
    mrv_model_destroy(m);
    const struct mrv_kv bad[] = {{"maps", "magic"}};
    assert_int_equal(mrv_model_create_with("builtin", "cg_sense", bad, 1, &m, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "maps = 'magic'"));
    mrv_array_free(&k);
}

/* An image with a zero dimension (its data NULL, as for any empty array) is
 * refused with a message; it used to read the first voxel of no data. */
static void test_otsu_empty(void **state)
{
    (void)state;
    struct mrv_array img, labels = {0};
    const size_t dims[3] = {1, 0, 4};
    mrv_array_borrow(&img, MRV_F32, 3, dims, NULL);
    struct mrv_error err = {0};
    double t = 0;
    assert_int_equal(mrv_segment_otsu(&img, &labels, NULL, &t, &err), MRV_EINVAL);
    assert_string_equal(err.msg, "otsu_segmenter: image (1, 0, 4) is empty, expected at least "
                                 "one voxel");
    assert_null(labels.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cg_sense_fully_sampled),
        cmocka_unit_test(test_cg_sense_r2),
        cmocka_unit_test(test_cg_sense_estimated_maps),
        cmocka_unit_test(test_otsu_segmenter),
        cmocka_unit_test(test_otsu_empty),
        cmocka_unit_test(test_wrong_task),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
