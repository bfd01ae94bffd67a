/* fastMRI HDF5: write -> read round trip, h5py reads what we write and we
 * read what h5py writes (tests/datasets/oracle_fastmri.py), the `fastmri`
 * dataset kind on a folder, and the spacing/metadata taken from the
 * ISMRMRD header. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/dataset.h"
#include "datasets/fastmri.h"
#include "tests_util.h"

#define ORACLE MRV_SOURCE_DIR "/tests/datasets/oracle_fastmri.py"

static const char header[] =
    "<?xml version=\"1.0\"?><ismrmrdHeader><acquisitionSystemInformation>"
    "<systemVendor>SIEMENS</systemVendor><systemFieldStrength_T>2.9</systemFieldStrength_T>"
    "</acquisitionSystemInformation><encoding><reconSpace><matrixSize><x>8</x><y>6</y>"
    "<z>1</z></matrixSize><fieldOfView_mm><x>160</x><y>120</y><z>3</z></fieldOfView_mm>"
    "</reconSpace></encoding></ismrmrdHeader>";

/* The same formulas as oracle_fastmri.py. */
static float complex kval(size_t s, size_t c, size_t y, size_t x)
{
    return (float)(s + 1) + 0.25f * (float)c + I * ((float)y - 0.5f * (float)x);
}

static float rval(size_t s, size_t y, size_t x)
{
    return 1000.0f * (float)s + 10.0f * (float)y + (float)x;
}

struct vol {
    struct mrv_array k, rss, mask;
    struct mrv_fastmri_attrs attrs;
};

static void make_vol(struct vol *v, size_t S, size_t C, size_t H, size_t W)
{
    struct mrv_error err = {0};
    size_t kd[4] = {S, C, H, W}, rd[3] = {S, 6, 8};
    assert_ok(mrv_array_alloc(&v->k, MRV_C64, 4, kd, &err), &err);
    assert_ok(mrv_array_alloc(&v->rss, MRV_F32, 3, rd, &err), &err);
    assert_ok(mrv_array_alloc(&v->mask, MRV_U8, 1, &W, &err), &err);
    float complex *k = v->k.data;
    for (size_t s = 0, i = 0; s < S; s++)
        for (size_t c = 0; c < C; c++)
            for (size_t y = 0; y < H; y++)
                for (size_t x = 0; x < W; x++)
                    k[i++] = kval(s, c, y, x);
    float *r = v->rss.data;
    for (size_t s = 0, i = 0; s < S; s++)
        for (size_t y = 0; y < 6; y++)
            for (size_t x = 0; x < 8; x++)
                r[i++] = rval(s, y, x);
    uint8_t *m = v->mask.data;
    for (size_t x = 0; x < W; x++)
        m[x] = x % 3 == 0;
    memset(&v->attrs, 0, sizeof v->attrs);
    snprintf(v->attrs.acquisition, sizeof v->attrs.acquisition, "AXT2");
    snprintf(v->attrs.patient_id, sizeof v->attrs.patient_id, "p-0042");
    v->attrs.max = 0.000123456789;
    v->attrs.norm = 0.0375;
    v->attrs.acceleration = NAN;
    v->attrs.num_low_frequency = NAN;
}

static void free_vol(struct vol *v)
{
    mrv_array_free(&v->k);
    mrv_array_free(&v->rss);
    mrv_array_free(&v->mask);
}

static void write_vol(const char *path, struct vol *v)
{
    struct mrv_error err = {0};
    struct mrv_fastmri_volume fv = {
        .kspace = &v->k, .rss = &v->rss, .mask = &v->mask,
        .header = header, .header_len = strlen(header), .attrs = &v->attrs,
    };
    assert_ok(mrv_fastmri_write(path, &fv, &err), &err);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    char path[600];
    snprintf(path, sizeof path, "%s/vol.h5", tu_tmpdir());
    struct vol v;
    make_vol(&v, 3, 4, 12, 10);
    write_vol(path, &v);

    struct mrv_fastmri *f;
    assert_ok(mrv_fastmri_open(path, &f, &err), &err);
    const struct mrv_fastmri_info *in = mrv_fastmri_info(f);
    assert_true(in->multicoil);
    assert_int_equal(in->nslices, 3);
    assert_int_equal(in->ncoils, 4);
    assert_int_equal(in->ny, 12);
    assert_int_equal(in->nx, 10);
    assert_true(in->has_rss && !in->has_esc && in->has_mask);
    assert_int_equal(in->recon_ny, 6);
    assert_int_equal(in->recon_nx, 8);
    assert_int_equal(in->header_len, strlen(header));
    assert_memory_equal(in->header, header, strlen(header));
    assert_string_equal(in->attrs.acquisition, "AXT2");
    assert_string_equal(in->attrs.patient_id, "p-0042");
    assert_true(in->attrs.max == 0.000123456789);
    assert_true(in->attrs.norm == 0.0375);
    assert_true(isnan(in->attrs.acceleration));

    size_t per = 4 * 12 * 10;
    float complex *k = malloc(per * sizeof *k);
    float *r = malloc(48 * sizeof *r);
    uint8_t m[10];
    for (size_t s = 0; s < 3; s++) { /* slices read one by one equal the input */
        assert_ok(mrv_fastmri_read_kspace(f, s, k, &err), &err);
        assert_memory_equal(k, (float complex *)v.k.data + s * per, per * sizeof *k);
        assert_ok(mrv_fastmri_read_recon(f, "reconstruction_rss", s, r, &err), &err);
        assert_memory_equal(r, (float *)v.rss.data + s * 48, 48 * sizeof *r);
    }
    assert_ok(mrv_fastmri_read_mask(f, m, &err), &err);
    assert_memory_equal(m, v.mask.data, 10);
    assert_int_equal(mrv_fastmri_read_kspace(f, 3, k, &err), MRV_EINVAL);
    assert_int_equal(mrv_fastmri_read_recon(f, "reconstruction_esc", 0, r, &err),
                     MRV_ENOTFOUND);
    free(k);
    free(r);
    mrv_fastmri_close(f);
    free_vol(&v);
}

static void test_h5py_reads_ours(void **state)
{
    (void)state;
    if (!tu_python_has("h5py,numpy"))
        skip();
    char path[600], out[512];
    snprintf(path, sizeof path, "%s/ours.h5", tu_tmpdir());
    struct vol v;
    make_vol(&v, 2, 3, 7, 9);
    write_vol(path, &v);
    free_vol(&v);
    char args[700];
    snprintf(args, sizeof args, "check %s", path);
    int rc = tu_python_run(ORACLE, args, out, sizeof out);
    if (rc != 0 || strncmp(out, "ok", 2) != 0)
        fail_msg("h5py oracle: rc %d: %s", rc, out);
}

static void test_we_read_h5py(void **state)
{
    (void)state;
    if (!tu_python_has("h5py,numpy"))
        skip();
    struct mrv_error err = {0};
    char path[600], out[512], args[700];
    snprintf(path, sizeof path, "%s/theirs.h5", tu_tmpdir());
    snprintf(args, sizeof args, "write %s", path);
    assert_int_equal(tu_python_run(ORACLE, args, out, sizeof out), 0);

    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = path;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("fastmri", &o, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 2);
    assert_string_equal(mrv_dataset_case_id(ds, 1), "theirs_s001");
    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 1, &c, &err), &err);
    /* single-coil (2, 6, 5) becomes (1, 1, 6, 5); the target is ESC */
    assert_int_equal(c.kspace.ndim, 4);
    assert_int_equal(c.kspace.dims[1], 1);
    assert_int_equal(c.kspace.dims[2], 6);
    assert_int_equal(c.kspace.dims[3], 5);
    const float complex *k = c.kspace.data;
    for (size_t y = 0; y < 6; y++)
        for (size_t x = 0; x < 5; x++)
            assert_true(k[y * 5 + x] == kval(1, 0, y, x));
    const float *r = c.reference.data;
    assert_int_equal(c.reference.dims[1], 4);
    assert_true(r[2 * 3 + 1] == rval(1, 2, 1)); /* ESC, not RSS (+0.5) */
    const uint8_t *m = c.mask.data;
    assert_true(m[0] == 1 && m[1] == 0 && m[2] == 1 && m[3] == 1 && m[4] == 0);
    assert_string_equal(mrv_case_get_meta(&c, "acquisition"), "CORPD_FBK");
    assert_string_equal(mrv_case_get_meta(&c, "anatomy"), "knee");
    assert_string_equal(mrv_case_get_meta(&c, "patient_id"), "abc123");
    assert_string_equal(mrv_case_get_meta(&c, "acceleration"), "4");
    assert_string_equal(mrv_case_get_meta(&c, "num_low_frequency"), "26");
    assert_string_equal(mrv_case_get_meta(&c, "vendor"), "SIEMENS");
    assert_string_equal(mrv_case_get_meta(&c, "field_strength"), "2.9");
    assert_true(strtod(mrv_case_get_meta(&c, "max"), NULL) == 3.5e-4);
    /* reconSpace: 160 mm / 8 columns, 120 mm / 6 rows, 3 mm thick */
    assert_close(c.spacing[2], 20.0, 1e-12);
    assert_close(c.spacing[1], 20.0, 1e-12);
    assert_close(c.spacing[0], 3.0, 1e-12);
    mrv_case_free(&c);
    mrv_dataset_close(ds);
}

static void test_folder_set_and_fingerprints(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char p1[600], p2[600];
    snprintf(p1, sizeof p1, "%s/b_file.h5", dir);
    snprintf(p2, sizeof p2, "%s/a_file.h5", dir);
    struct vol v;
    make_vol(&v, 2, 2, 4, 6);
    write_vol(p1, &v);
    free_vol(&v);
    make_vol(&v, 3, 2, 4, 6);
    write_vol(p2, &v);

    /* sidecar metadata for one of the files */
    char side[600];
    snprintf(side, sizeof side, "%s/metadata.csv", dir);
    FILE *sf = fopen(side, "w");
    fputs("file,site,field_strength\na_file.h5, Boston ,3\n", sf);
    fclose(sf);

    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = dir;
    struct mrv_dataset *ds;
    assert_string_equal(mrv_dataset_guess_kind(dir), "fastmri");
    assert_string_equal(mrv_dataset_guess_kind(p1), "fastmri");
    assert_ok(mrv_dataset_open("fastmri", &o, &ds, &err), &err);
    assert_int_equal(mrv_dataset_count(ds), 5); /* 3 + 2 slices, files in name order */
    assert_string_equal(mrv_dataset_case_id(ds, 0), "a_file_s000");
    assert_string_equal(mrv_dataset_case_id(ds, 2), "a_file_s002");
    assert_string_equal(mrv_dataset_case_id(ds, 3), "b_file_s000");
    assert_int_equal(mrv_dataset_bad_count(ds), 0);
    assert_int_equal(mrv_dataset_file_count(ds), 3); /* two .h5 and the sidecar */
    assert_string_equal(mrv_dataset_file_path(ds, 2), side);

    struct mrv_case c;
    assert_ok(mrv_dataset_load(ds, 2, &c, &err), &err);
    assert_memory_equal(c.kspace.data, (float complex *)v.k.data + 2 * 48, 48 * 8);
    assert_string_equal(mrv_case_get_meta(&c, "volume"), "a_file");
    assert_string_equal(mrv_case_get_meta(&c, "slice"), "2");
    assert_string_equal(mrv_case_get_meta(&c, "anatomy"), "brain");
    assert_string_equal(mrv_case_get_meta(&c, "site"), "Boston");
    assert_string_equal(mrv_case_get_meta(&c, "field_strength"), "3"); /* sidecar wins */
    mrv_case_free(&c);
    assert_ok(mrv_dataset_load(ds, 3, &c, &err), &err);
    assert_null(mrv_case_get_meta(&c, "site"));
    mrv_case_free(&c);
    free_vol(&v);

    /* the fingerprint is the SHA-256 of the file bytes: compare with
     * coreutils' sha256sum */
    char hex[MRV_SHA256_HEX], cmd[700], out[128] = "";
    assert_ok(mrv_dataset_file_sha256(ds, 0, hex, &err), &err);
    snprintf(cmd, sizeof cmd, "sha256sum %s", mrv_dataset_file_path(ds, 0));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    assert_memory_equal(hex, out, 64);
    assert_non_null(strstr(mrv_dataset_file_path(ds, 0), "/a_file.h5"));
    /* the set's fingerprint is coreutils' `sha256sum FILES | sha256sum` */
    assert_ok(mrv_dataset_fingerprint(ds, hex, &err), &err);
    snprintf(cmd, sizeof cmd, "cd %s && sha256sum a_file.h5 b_file.h5 metadata.csv | sha256sum",
             dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    assert_memory_equal(hex, out, 64);
    mrv_dataset_close(ds);
}

/* Loads from several threads at once (as the run engine does) give the
 * same bytes as loads one at a time. */
struct loader {
    const struct mrv_dataset *ds;
    const struct mrv_array *want; /* k-space of each case, loaded serially */
    int ok;
};

static void *load_all(void *arg)
{
    struct loader *l = arg;
    struct mrv_error err = {0};
    l->ok = 1;
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < mrv_dataset_count(l->ds); i++) {
            struct mrv_case c;
            if (mrv_dataset_load(l->ds, i, &c, &err) != MRV_OK ||
                memcmp(c.kspace.data, l->want[i].data, mrv_array_nbytes(&l->want[i])) != 0)
                l->ok = 0;
            mrv_case_free(&c);
        }
    return NULL;
}

static void test_concurrent_loads(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    const char *dir = tu_tmpdir();
    char p[600];
    for (int f = 0; f < 3; f++) {
        snprintf(p, sizeof p, "%s/f%d.h5", dir, f);
        struct vol v;
        make_vol(&v, (size_t)(2 + f), 2, 16, 12);
        write_vol(p, &v);
        free_vol(&v);
    }
    struct mrv_dataset_opts o;
    mrv_dataset_opts_default(&o);
    o.path = dir;
    struct mrv_dataset *ds;
    assert_ok(mrv_dataset_open("fastmri", &o, &ds, &err), &err);
    size_t n = mrv_dataset_count(ds);
    assert_int_equal(n, 2 + 3 + 4);
    struct mrv_array *want = calloc(n, sizeof *want);
    for (size_t i = 0; i < n; i++) {
        struct mrv_case c;
        assert_ok(mrv_dataset_load(ds, i, &c, &err), &err);
        assert_ok(mrv_array_copy(&want[i], &c.kspace, &err), &err);
        mrv_case_free(&c);
    }
    pthread_t t[4];
    struct loader l[4];
    for (int k = 0; k < 4; k++) {
        l[k] = (struct loader){ds, want, 0};
        assert_int_equal(pthread_create(&t[k], NULL, load_all, &l[k]), 0);
    }
    for (int k = 0; k < 4; k++) {
        pthread_join(t[k], NULL);
        assert_true(l[k].ok);
    }
    for (size_t i = 0; i < n; i++)
        mrv_array_free(&want[i]);
    free(want);
    mrv_dataset_close(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_h5py_reads_ours),
        cmocka_unit_test(test_we_read_h5py),
        cmocka_unit_test(test_folder_set_and_fingerprints),
        cmocka_unit_test(test_concurrent_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
