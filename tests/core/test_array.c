/* Arrays, cases, errors and JSON text: the shared vocabulary. */
#include <math.h>
#include <string.h>

#include "core/array.h"
#include "core/case.h"
#include "core/strbuf.h"
#include "tests_util.h"

static void test_alloc_copy_free(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_array a, b, v;
    size_t dims[4] = {1, 8, 32, 16};
    assert_ok(mrv_array_alloc(&a, MRV_C64, 4, dims, &err), &err);
    assert_int_equal(mrv_array_count(&a), 8 * 32 * 16);
    assert_int_equal(mrv_array_nbytes(&a), 8 * 32 * 16 * 8);
    float complex *d = a.data;
    assert_true(d[100] == 0.0f); /* zero-filled */
    d[100] = 1.0f + 2.0f * I;
    assert_ok(mrv_array_copy(&b, &a, &err), &err);
    assert_true(mrv_array_same_shape(&a, &b));
    assert_true(((float complex *)b.data)[100] == 1.0f + 2.0f * I);
    mrv_array_borrow(&v, MRV_C64, 4, dims, a.data);
    assert_false(v.owned);
    mrv_array_free(&v); /* borrowed: must not free a.data */
    assert_true(d[100] == 1.0f + 2.0f * I);
    char desc[64];
    mrv_array_describe(&a, desc, sizeof desc);
    assert_string_equal(desc, "(1, 8, 32, 16) c64");
    mrv_array_free(&a);
    mrv_array_free(&b);
    mrv_array_free(NULL);
}

static void test_alloc_rejects_bad_shapes(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_array a;
    assert_int_equal(mrv_array_alloc(&a, MRV_F32, 0, (size_t[]){1}, &err), MRV_EINVAL);
    assert_int_equal(mrv_array_alloc(&a, MRV_F32, 2, (size_t[]){3, 0}, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "dimension 1"));
    assert_int_equal(mrv_array_alloc(&a, MRV_F32, 2, (size_t[]){SIZE_MAX / 2, 4}, &err),
                     MRV_EINVAL);
    assert_null(a.data);
}

/* fastMRI's center_crop: start (n - m) // 2, by hand on a 1 x 5 x 6 ramp. */
static void test_center_crop(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_array a, c;
    assert_ok(mrv_array_alloc(&a, MRV_F32, 3, (size_t[]){1, 5, 6}, &err), &err);
    float *v = a.data;
    for (int i = 0; i < 30; i++)
        v[i] = (float)i; /* v[y][x] = 6 y + x */
    assert_ok(mrv_array_center_crop(&a, 2, 3, &c, &err), &err);
    /* rows from (5 - 2) / 2 = 1, columns from (6 - 3) / 2 = 1 */
    const float want[6] = {7, 8, 9, 13, 14, 15};
    assert_memory_equal(c.data, want, sizeof want);
    mrv_array_free(&c);
    assert_int_equal(mrv_array_center_crop(&a, 6, 3, &c, &err), MRV_EINVAL);
    mrv_array_free(&a);
}

static void test_case_metadata(void **state)
{
    (void)state;
    struct mrv_error err = {0};
    struct mrv_case c;
    mrv_case_init(&c);
    assert_ok(mrv_case_set_meta(&c, "anatomy", "knee", &err), &err);
    assert_ok(mrv_case_set_meta(&c, "anatomy", "brain", &err), &err);
    assert_int_equal(c.nmeta, 1);
    assert_string_equal(mrv_case_get_meta(&c, "anatomy"), "brain");
    assert_null(mrv_case_get_meta(&c, "vendor"));
    char longv[300];
    memset(longv, 'v', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    assert_int_equal(mrv_case_set_meta(&c, "site", longv, &err), MRV_EINVAL);
    assert_non_null(strstr(err.msg, "site"));
    mrv_case_free(&c);
}

static void test_json_text(void **state)
{
    (void)state;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_json_string(&b, "a\"b\\c\n\x01");
    mrv_strbuf_append(&b, " ");
    mrv_strbuf_json_number(&b, 0.1);
    mrv_strbuf_append(&b, " ");
    mrv_strbuf_json_number(&b, NAN);
    mrv_strbuf_append(&b, " ");
    mrv_strbuf_html(&b, "<b>&");
    assert_true(mrv_strbuf_ok(&b));
    assert_string_equal(mrv_strbuf_str(&b),
                        "\"a\\\"b\\\\c\\n\\u0001\" 0.10000000000000001 null &lt;b&gt;&amp;");
    mrv_strbuf_free(&b);
}

static void test_status_strings(void **state)
{
    (void)state;
    for (int s = MRV_OK; s <= MRV_EINTERNAL; s++)
        assert_string_not_equal(mrv_strerror((enum mrv_status)s), "unknown status");
    assert_string_equal(mrv_strerror((enum mrv_status)999), "unknown status");
    struct mrv_error err;
    assert_int_equal(mrv_error_set(&err, MRV_EFORMAT, "file %s: field %s", "a.h5", "kspace"),
                     MRV_EFORMAT);
    assert_string_equal(err.msg, "file a.h5: field kspace");
    assert_int_equal(mrv_error_set(NULL, MRV_EIO, "ignored"), MRV_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_copy_free),
        cmocka_unit_test(test_alloc_rejects_bad_shapes),
        cmocka_unit_test(test_center_crop),
        cmocka_unit_test(test_case_metadata),
        cmocka_unit_test(test_json_text),
        cmocka_unit_test(test_status_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
