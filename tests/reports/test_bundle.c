/* tests/reports/test_bundle.c — the evidence bundle: written, verified,
 * and every kind of tampering named; file names from hostile case keys. */
#include "tests_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha256.h"
#include "reports/bundle.h"
#include "reports/report.h"
#include "store/store.h"

struct fx {
    char dir[512], db[600], out[600], study[600];
    struct mrv_store *s;
    struct mrv_error err;
};

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    *state = f;
    snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir());
    snprintf(f->db, sizeof f->db, "%s/s.db", f->dir);
    snprintf(f->out, sizeof f->out, "%s/bundle", f->dir);
    snprintf(f->study, sizeof f->study, "%s/study.yaml", f->dir);
    write_file(f->study, "name: t\n");
    char sha[MRV_SHA256_HEX];
    assert_ok(mrv_sha256_file(f->study, sha, &f->err), &f->err);
    struct mrv_error *err = &f->err;
    assert_ok(mrv_store_open(f->db, &f->s, err), err);
    struct mrv_run_info info = {.study = "t", .model = "m", .config_json = "{\"a\":1}", .seed = 1};
    int64_t run = 0;
    assert_ok(mrv_store_run_begin(f->s, &info, &run, err), err);
    assert_ok(mrv_store_provenance(f->s, run, "config", f->study, sha, NULL, err), err);
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "../../evil/%d", i);
        int64_t c = 0, p0 = 0, p1 = 0;
        assert_ok(mrv_store_case(f->s, "d", key, NULL, NULL, &c, err), err);
        assert_ok(mrv_store_perturbation(f->s, c, "none", 0, 0, 1, NULL, &p0, err), err);
        assert_ok(mrv_store_perturbation(f->s, c, "noise", 1, 0, 2, NULL, &p1, err), err);
        assert_ok(mrv_store_result(f->s, run, c, p0, "ssim", 0.9 + 0.01 * i, NULL, err), err);
        assert_ok(mrv_store_result(f->s, run, c, p1, "ssim", 0.8 + 0.02 * i, NULL, err), err);
    }
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mrv_store_close(f->s);
    tu_rm_rf(f->dir);
    free(f);
    return 0;
}

static size_t verify(struct fx *f, char **log)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    size_t problems = 0;
    assert_ok(mrv_bundle_verify(f->out, &b, &problems, &f->err), &f->err);
    *log = strdup(mrv_strbuf_str(&b));
    mrv_strbuf_free(&b);
    return problems;
}

static void test_write_and_verify(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    assert_ok(mrv_bundle_write(f->s, NULL, f->out, &n, &f->err), &f->err);
    /* store.db, 4 reports, config-run1.json, study-..., INPUTS.sha256 */
    assert_int_equal(n, 8);
    static const char *const files[] = {"store.db", "report.html", "report.pdf", "report.md",
                                        "report.json", "config-run1.json", "INPUTS.sha256",
                                        "SHA256SUMS"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[800];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", f->out, files[i]);
        if (stat(p, &sb) != 0)
            fail_msg("bundle lacks %s", files[i]);
    }
    char *log = NULL;
    assert_int_equal(verify(f, &log), 0);
    assert_non_null(strstr(log, "ok: 8 files"));
    free(log);
    /* The copy is a store the reports can read. */
    char p[800];
    snprintf(p, sizeof p, "%s/store.db", f->out);
    struct mrv_store *copy = NULL;
    assert_ok(mrv_store_open_readonly(p, &copy, &f->err), &f->err);
    mrv_store_close(copy);
    /* A second bundle into a non-empty folder is refused. */
    assert_int_equal(mrv_bundle_write(f->s, NULL, f->out, NULL, &f->err), MRV_EIO);
    assert_non_null(strstr(f->err.msg, "not empty"));
}

static void test_tampering_named(void **state)
{
    struct fx *f = *state;
    assert_ok(mrv_bundle_write(f->s, NULL, f->out, NULL, &f->err), &f->err);
    char p[800], *log = NULL;
    snprintf(p, sizeof p, "%s/report.md", f->out);
    write_file(p, "all fine\n");
    snprintf(p, sizeof p, "%s/report.json", f->out);
    unlink(p);
    snprintf(p, sizeof p, "%s/extra.txt", f->out);
    write_file(p, "x");
    /* The study file the store fingerprinted changed since. */
    write_file(f->study, "name: t2\n");
    assert_int_equal(verify(f, &log), 4);
    assert_non_null(strstr(log, "changed: report.md\n"));
    assert_non_null(strstr(log, "missing: report.json\n"));
    assert_non_null(strstr(log, "unexpected: extra.txt\n"));
    assert_non_null(strstr(log, "input changed: "));
    assert_null(strstr(log, "ok:"));
    free(log);
}

static void test_manifest_paths(void **state)
{
    struct fx *f = *state;
    assert_ok(mrv_bundle_write(f->s, NULL, f->out, NULL, &f->err), &f->err);
    char p[800], *log = NULL;
    snprintf(p, sizeof p, "%s/SHA256SUMS", f->out);
    FILE *fp = fopen(p, "a");
    fputs("0000000000000000000000000000000000000000000000000000000000000000  ../../etc/passwd\n",
          fp);
    fclose(fp);
    assert_int_equal(verify(f, &log), 1);
    assert_non_null(strstr(log, "unsafe path: ../../etc/passwd"));
    free(log);
    fp = fopen(p, "a");
    fputs("not a manifest line\n", fp);
    fclose(fp);
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    size_t problems = 0;
    assert_int_equal(mrv_bundle_verify(f->out, &b, &problems, &f->err), MRV_EFORMAT);
    assert_non_null(strstr(f->err.msg, "SHA256SUMS:"));
    mrv_strbuf_free(&b);
    snprintf(p, sizeof p, "%s/nothing", f->dir);
    assert_int_equal(mrv_bundle_verify(p, &b, &problems, &f->err), MRV_ENOTFOUND);
}

static void test_safe_name(void **state)
{
    (void)state;
    char a[96], b[96], c[96];
    mrv_report_safe_name("../../etc/passwd", a, sizeof a);
    assert_null(strchr(a, '/'));
    assert_true(a[0] != '.');
    mrv_report_safe_name("..", b, sizeof b);
    assert_true(b[0] != '.' && strcmp(b, "..") != 0);
    mrv_report_safe_name("", c, sizeof c);
    assert_true(strlen(c) == 9 && c[0] == '-'); /* just the hash */
    /* Distinct keys that sanitize alike stay distinct. */
    mrv_report_safe_name("a/b", a, sizeof a);
    mrv_report_safe_name("a_b", b, sizeof b);
    assert_string_not_equal(a, b);
    assert_true(strncmp(a, "a_b-", 4) == 0);
    char longkey[400];
    memset(longkey, 'x', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    mrv_report_safe_name(longkey, a, sizeof a);
    assert_true(strlen(a) <= 90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_and_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_paths, setup, teardown),
        cmocka_unit_test(test_safe_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
