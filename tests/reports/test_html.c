/* tests/reports/test_html.c — the HTML report, made from a small store
 * whose cells are worked out by hand. */
#include "tests_util.h"

#include <dirent.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/report.h"
#include "store/store.h"

struct fx {
    char dir[512];
    char db[600];
    char html[600];
    struct mrv_store *s;
    struct mrv_error err;
    char *page; /* the rendered file */
};

/* Two runs; run 1 (model name hostile to HTML) holds:
 *   none/0  psnr 40                    ssim 0.99
 *   noise/1 psnr 30, 31, 32, 33, NaN   ssim 0.9, +inf
 *   noise/2 psnr +inf, +inf            (no ssim)
 * Hand-worked: noise/1 psnr mean 31.5, sample std sqrt(5/3) = 1.29099...
 * so the cell reads "31.50 ± 1.29", n = 4, 1 undefined. */
static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir());
    snprintf(f->db, sizeof f->db, "%s/study.db", f->dir);
    snprintf(f->html, sizeof f->html, "%s/report.html", f->dir);
    *state = f;
    struct mrv_error *err = &f->err;
    assert_ok(mrv_store_open(f->db, &f->s, err), err);
    struct mrv_run_info info = {.study = "knee & brain", .model = "<script>alert(1)</script>",
                                .model_version = "v\"2\"", .adapter = "builtin",
                                .software_version = "0.1.0", .git_commit = "abc123",
                                .host = "lab-01", .seed = 1234567890123ULL};
    int64_t run = 0, run2 = 0;
    assert_ok(mrv_store_run_begin(f->s, &info, &run, err), err);
    info.model = "zero-filled";
    assert_ok(mrv_store_run_begin(f->s, &info, &run2, err), err);

    const double psnr1[] = {30, 31, 32, 33, NAN};
    for (int i = 0; i < 5; i++) {
        char key[24];
        snprintf(key, sizeof key, "case-%d", i);
        int64_t c = 0, clean = 0, n1 = 0, n2 = 0;
        assert_ok(mrv_store_case(f->s, "phantom", key, NULL, NULL, &c, err), err);
        assert_ok(mrv_store_perturbation(f->s, c, "none", 0, 0, 1, NULL, &clean, err), err);
        assert_ok(mrv_store_perturbation(f->s, c, "noise", 1, 0, 2, NULL, &n1, err), err);
        assert_ok(mrv_store_perturbation(f->s, c, "noise", 2, 0, 3, NULL, &n2, err), err);
        assert_ok(mrv_store_result(f->s, run, c, n1, "psnr", psnr1[i], "empty mask", err), err);
        if (i == 0) {
            assert_ok(mrv_store_result(f->s, run, c, clean, "psnr", 40, NULL, err), err);
            assert_ok(mrv_store_result(f->s, run, c, clean, "ssim", 0.99, NULL, err), err);
            assert_ok(mrv_store_result(f->s, run, c, n1, "ssim", 0.9, NULL, err), err);
            assert_ok(mrv_store_result(f->s, run2, c, clean, "psnr", 25, NULL, err), err);
        }
        if (i == 1)
            assert_ok(mrv_store_result(f->s, run, c, n1, "ssim", INFINITY, NULL, err), err);
        if (i < 2)
            assert_ok(mrv_store_result(f->s, run, c, n2, "psnr", INFINITY, NULL, err), err);
    }
    assert_ok(mrv_store_run_end(f->s, run, "completed", err), err);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mrv_store_close(f->s);
    free(f->page);
    tu_rm_rf(f->dir);
    free(f);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void render(struct fx *f)
{
    assert_ok(mrv_report_html(f->s, f->html, &f->err), &f->err);
    f->page = slurp(f->html);
}

#define assert_has(page, text)                                                     \
    do {                                                                           \
        if (!strstr((page), (text)))                                               \
            fail_msg("report lacks: %s", (text));                                  \
    } while (0)

static void test_contents(void **state)
{
    struct fx *f = *state;
    render(f);
    const char *p = f->page;
    assert_true(strncmp(p, "<!DOCTYPE html>", 15) == 0);
    assert_has(p, "</html>");
    assert_has(p, "<th>psnr</th>");
    assert_has(p, "<th>ssim</th>");
    /* The hand-worked cell, its n and its undefined count. */
    assert_has(p, "31.50 \xC2\xB1 1.29</span><span class=\"n\">n = 4 \xC2\xB7 "
                  "<span class=\"warn\">1 undefined</span>");
    /* A single value, shown without a spread; 4 significant digits. */
    assert_has(p, "<span class=\"v\">40.00</span>");
    assert_has(p, "<span class=\"v\">0.99</span>");
    /* Only +inf: shown as such, with its count. */
    assert_has(p, "<span class=\"v\">+\xE2\x88\x9E</span><span class=\"n\">n = 0 \xC2\xB7 "
                  "2 \xC3\x97 +\xE2\x88\x9E</span>");
    /* A finite value beside an infinity: the infinity counted apart. */
    assert_has(p, "<span class=\"v\">0.9</span><span class=\"n\">n = 1 \xC2\xB7 "
                  "1 \xC3\x97 +\xE2\x88\x9E</span>");
    /* Runs table: provenance columns. */
    assert_has(p, "<code>abc123</code>");
    assert_has(p, "<td>lab-01</td>");
    assert_has(p, "<td class=\"num\">1234567890123</td>");
    assert_has(p, "<td>completed</td>");
    assert_has(p, "<td>running</td>");
    assert_has(p, "zero-filled");
    /* Clean row first within run 1's table. */
    const char *sec = strstr(p, "<section id=\"run-1\">");
    assert_non_null(sec);
    const char *clean = strstr(sec, "none (clean)");
    const char *noise = strstr(sec, "<th>noise</th>");
    assert_true(clean && noise && clean < noise);
    /* Self-contained: nothing fetched, nothing run. */
    assert_null(strstr(p, "<script"));
    assert_null(strstr(p, "<link"));
    assert_null(strstr(p, "src="));
    assert_null(strstr(p, "href=\"http"));
    assert_null(strstr(p, "url(http"));
    assert_null(strstr(p, "https://"));
    /* "http://" only as the SVG and XLink namespace names, which are
     * identifiers, never fetched. */
    for (const char *h = strstr(p, "http://"); h; h = strstr(h + 1, "http://"))
        assert_true(strncmp(h, "http://www.w3.org/2000/svg\"", 27) == 0 ||
                    strncmp(h, "http://www.w3.org/1999/xlink\"", 29) == 0);
}

/* Several inline SVG figures share one page: every id must be unique
 * (cairo names glyphs "glyph0-1" in each document), and every reference
 * (#id) must point at an id of the page. */
static void test_svg_ids(void **state)
{
    struct fx *f = *state;
    render(f);
    enum { MAXID = 4096 };
    static char ids[MAXID][64];
    size_t n = 0;
    for (const char *p = strstr(f->page, " id=\""); p && n < MAXID; p = strstr(p + 1, " id=\"")) {
        const char *q = strchr(p + 5, '"');
        assert_non_null(q);
        snprintf(ids[n++], sizeof ids[0], "%.*s", (int)(q - p - 5), p + 5);
    }
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (!strcmp(ids[i], ids[j]))
                fail_msg("id \"%s\" appears twice", ids[i]);
    size_t refs = 0;
    for (const char *p = strstr(f->page, "href=\"#f"); p; p = strstr(p + 1, "href=\"#f")) {
        const char *q = strchr(p + 7, '"');
        char ref[64];
        snprintf(ref, sizeof ref, "%.*s", (int)(q - p - 7), p + 7);
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = !strcmp(ids[i], ref);
        if (!found)
            fail_msg("reference #%s has no id", ref);
        refs++;
    }
    assert_true(refs > 10);
}

static void test_escaping(void **state)
{
    struct fx *f = *state;
    render(f);
    assert_has(f->page, "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert_has(f->page, "knee &amp; brain");
    assert_has(f->page, "v&quot;2&quot;");
    assert_null(strstr(f->page, "<script>"));
    assert_null(strstr(f->page, "knee & brain"));
}

static void test_replaces_atomically(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->html, "w");
    assert_non_null(fp);
    fputs("old report", fp);
    fclose(fp);
    render(f);
    assert_has(f->page, "<!DOCTYPE html>");
    struct stat sb;
    assert_int_equal(stat(f->html, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    /* No temporary file left beside it. */
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
}

static void test_reproducible(void **state)
{
    struct fx *f = *state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    render(f);
    char *first = f->page;
    f->page = NULL;
    render(f);
    unsetenv("SOURCE_DATE_EPOCH");
    assert_string_equal(first, f->page);
    assert_has(f->page, "2023-11-14T22:13:20Z");
    free(first);
}

static void test_unwritable(void **state)
{
    struct fx *f = *state;
    char bad[700];
    snprintf(bad, sizeof bad, "%s/no-such-folder/report.html", f->dir);
    assert_int_equal(mrv_report_html(f->s, bad, &f->err), MRV_EIO);
    assert_non_null(strstr(f->err.msg, bad));
    /* A directory in the way: the rename fails, and the temporary file
     * written next to it is cleaned up. */
    char sub[700];
    snprintf(sub, sizeof sub, "%s/taken", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    char inner[760];
    snprintf(inner, sizeof inner, "%s/x", sub);
    FILE *fp = fopen(inner, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(mrv_report_html(f->s, sub, &f->err), MRV_EIO);
    assert_non_null(strstr(f->err.msg, sub));
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
}

static void test_read_only_store(void **state)
{
    struct fx *f = *state;
    mrv_store_close(f->s);
    f->s = NULL;
    assert_ok(mrv_store_open_readonly(f->db, &f->s, &f->err), &f->err);
    render(f);
    assert_has(f->page, "31.50 \xC2\xB1 1.29");
}

/* The same hostile names in the other formats: Markdown cannot be broken
 * out of (table cells, inline HTML), JSON stays valid and exact. */
static void test_other_formats(void **state)
{
    struct fx *f = *state;
    char md[700], js[700], cmd[1600];
    snprintf(md, sizeof md, "%s/r.md", f->dir);
    snprintf(js, sizeof js, "%s/r.json", f->dir);
    assert_ok(mrv_report_write(f->s, NULL, MRV_REPORT_MARKDOWN, md, &f->err), &f->err);
    assert_ok(mrv_report_write(f->s, NULL, MRV_REPORT_JSON, js, &f->err), &f->err);
    char *m = slurp(md);
    assert_has(m, "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert_null(strstr(m, "<script"));
    assert_has(m, "| Model | Metric |");
    free(m);
    char *j = slurp(js);
    assert_has(j, "\"model\":\"<script>alert(1)</script>\"");
    assert_has(j, "\"model_version\":\"v\\\"2\\\"\"");
    free(j);
    /* Valid JSON, and the noise/1 psnr cell is the hand-worked 31.5 over
     * 4 cases (one undefined), as Python's json reads it. */
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
             "c=[c for c in d['cells'] if c['run_id']==1 and c['family']=='noise' and "
             "c['severity']==1 and c['metric']=='psnr'][0]; "
             "assert abs(c['mean']['estimate']-31.5)<1e-12 and c['mean']['n']==4 and "
             "c['undefined']==1, c\" %s",
             js);
    assert_int_equal(system(cmd), 0);
    enum mrv_report_format fmt;
    assert_int_equal(mrv_report_format_of("x.txt", &fmt, &f->err), MRV_EINVAL);
    assert_has(f->err.msg, "x.txt");
    assert_ok(mrv_report_format_of("X.PDF", &fmt, &f->err), &f->err);
    assert_int_equal(fmt, MRV_REPORT_PDF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_svg_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaces_atomically, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reproducible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_formats, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
