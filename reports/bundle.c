/* reports/bundle.c — write and verify the evidence bundle (bundle.h). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sha256.h"
#include "reports/bundle.h"
#include "reports/render.h"
#include "store/read.h"

/* ---- file helpers ------------------------------------------------------------ */

static enum mrv_status copy_file(const char *from, const char *to, struct mrv_error *err)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return mrv_error_set(err, MRV_EIO, "%s: cannot read: %s", from, strerror(errno));
    FILE *out = fopen(to, "wb");
    if (!out) {
        int e = errno;
        fclose(in);
        return mrv_error_set(err, MRV_EIO, "%s: cannot write: %s", to, strerror(e));
    }
    char buf[65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    fclose(in);
    if (fclose(out) != 0)
        ok = false;
    return ok ? MRV_OK : mrv_error_set(err, MRV_EIO, "%s: cannot copy to %s", from, to);
}

/* Relative paths of every regular file under dir/sub, depth-first, sorted
 * per folder (so the manifest order is stable). */
static enum mrv_status list_files(const char *dir, const char *sub, char ***out, size_t *n,
                                  int depth, struct mrv_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s%s%s", dir, *sub ? "/" : "", sub);
    struct dirent **ents = NULL;
    int ne = scandir(path, &ents, NULL, alphasort);
    if (ne < 0)
        return mrv_error_set(err, MRV_EIO, "%s: cannot list: %s", path, strerror(errno));
    enum mrv_status st = MRV_OK;
    for (int i = 0; i < ne; i++) {
        const char *name = ents[i]->d_name;
        if (st != MRV_OK || !strcmp(name, ".") || !strcmp(name, "..")) {
            free(ents[i]);
            continue;
        }
        char rel[4400], full[8800];
        snprintf(rel, sizeof rel, "%s%s%s", sub, *sub ? "/" : "", name);
        snprintf(full, sizeof full, "%s/%s", dir, rel);
        struct stat sb;
        if (lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode) && depth < 4) {
            st = list_files(dir, rel, out, n, depth + 1, err);
        } else {
            char **v = realloc(*out, (*n + 1) * sizeof *v);
            if (!v || !(v[*n] = strdup(rel))) {
                if (v)
                    *out = v;
                st = mrv_error_set(err, MRV_ENOMEM, "out of memory listing %s", dir);
            } else {
                *out = v;
                (*n)++;
            }
        }
        free(ents[i]);
    }
    free(ents);
    return st;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Escape a provenance name for one line of INPUTS.sha256. */
static void escape_line(struct mrv_strbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            mrv_strbuf_append(b, "\\\\");
        else if (*s == '\n')
            mrv_strbuf_append(b, "\\n");
        else {
            char c[2] = {*s, 0};
            mrv_strbuf_append(b, c);
        }
    }
}

static void unescape_line(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1] == 'n') {
            *w++ = '\n';
            r++;
        } else if (*r == '\\' && r[1] == '\\') {
            *w++ = '\\';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static enum mrv_status write_text(const char *dir, const char *name, const char *text,
                                  struct mrv_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return mrv_render_write_atomic(path, text, strlen(text), err);
}

/* ---- writing ------------------------------------------------------------------ */

static enum mrv_status prepare_dir(const char *dir, struct mrv_error *err)
{
    if (mkdir(dir, 0755) == 0)
        return MRV_OK;
    if (errno != EEXIST)
        return mrv_error_set(err, MRV_EIO, "%s: cannot create bundle folder: %s", dir,
                             strerror(errno));
    DIR *d = opendir(dir);
    if (!d)
        return mrv_error_set(err, MRV_EIO, "%s: exists and is not a folder", dir);
    struct dirent *e;
    bool empty = true;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = false;
    closedir(d);
    return empty ? MRV_OK
                 : mrv_error_set(err, MRV_EIO, "%s: bundle folder is not empty; give a new "
                                               "or empty folder", dir);
}

static enum mrv_status configs(struct mrv_store *s, const struct mrv_analysis *a,
                               const char *dir, struct mrv_error *err)
{
    enum mrv_status st = MRV_OK;
    for (size_t i = 0; i < a->nruns && st == MRV_OK; i++) {
        char *json = NULL, sha[65], name[64];
        st = mrv_store_read_run_config(s, a->runs[i].id, &json, sha, err);
        if (st == MRV_OK) {
            snprintf(name, sizeof name, "config-run%lld.json", (long long)a->runs[i].id);
            st = write_text(dir, name, json, err);
        }
        free(json);
    }
    /* Study files named in provenance that exist here: copied, named
     * safely (the name is a path from the store). */
    for (size_t i = 0; i < a->nprov && st == MRV_OK; i++) {
        const struct mrv_read_provenance *p = &a->prov[i];
        struct stat sb;
        if ((strcmp(p->kind, "config") && strcmp(p->kind, "study_file")) ||
            stat(p->name, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        const char *base = strrchr(p->name, '/');
        char safe[128], to[4400];
        mrv_report_safe_name(base ? base + 1 : p->name, safe, sizeof safe);
        snprintf(to, sizeof to, "%s/study-%s", dir, safe);
        if (stat(to, &sb) != 0)
            st = copy_file(p->name, to, err);
    }
    return st;
}

static enum mrv_status inputs(const struct mrv_analysis *a, const char *dir,
                              struct mrv_error *err)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "");
    for (size_t i = 0; i < a->nprov; i++) {
        const struct mrv_read_provenance *p = &a->prov[i];
        if (!*p->sha256)
            continue;
        mrv_strbuf_printf(&b, "%s %s %lld ", p->sha256, p->kind, (long long)p->run_id);
        escape_line(&b, p->name);
        mrv_strbuf_append(&b, "\n");
    }
    enum mrv_status st = mrv_strbuf_ok(&b) ? write_text(dir, "INPUTS.sha256", mrv_strbuf_str(&b), err)
                                           : mrv_error_set(err, MRV_ENOMEM, "out of memory");
    mrv_strbuf_free(&b);
    return st;
}

static enum mrv_status manifest(const char *dir, size_t *nfiles, struct mrv_error *err)
{
    char **files = NULL;
    size_t n = 0;
    enum mrv_status st = list_files(dir, "", &files, &n, 0, err);
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    for (size_t i = 0; i < n && st == MRV_OK; i++) {
        char path[8800], hex[MRV_SHA256_HEX];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if ((st = mrv_sha256_file(path, hex, err)) == MRV_OK)
            mrv_strbuf_printf(&b, "%s  %s\n", hex, files[i]);
    }
    if (st == MRV_OK && !mrv_strbuf_ok(&b))
        st = mrv_error_set(err, MRV_ENOMEM, "out of memory");
    if (st == MRV_OK)
        st = write_text(dir, "SHA256SUMS", mrv_strbuf_str(&b), err);
    if (nfiles)
        *nfiles = n;
    mrv_strbuf_free(&b);
    free_list(files, n);
    return st;
}

enum mrv_status mrv_bundle_write(struct mrv_store *s, const struct mrv_report_options *opt,
                                 const char *dir, size_t *nfiles, struct mrv_error *err)
{
    if (!s || !dir || !*dir)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_bundle_write: NULL store or empty folder");
    enum mrv_status st = prepare_dir(dir, err);
    struct mrv_analysis *a = NULL;
    if (st == MRV_OK)
        st = mrv_analysis_create(s, opt, &a, err);
    char path[4400];
    if (st == MRV_OK) {
        snprintf(path, sizeof path, "%s/store.db", dir);
        st = mrv_store_copy_to(s, path, err);
    }
    static const struct {
        const char *name;
        enum mrv_report_format fmt;
    } rep[] = {{"report.html", MRV_REPORT_HTML}, {"report.pdf", MRV_REPORT_PDF},
               {"report.md", MRV_REPORT_MARKDOWN}, {"report.json", MRV_REPORT_JSON}};
    for (size_t i = 0; i < 4 && st == MRV_OK; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, rep[i].name);
        st = mrv_report_write_analysis(a, s, rep[i].fmt, path, err);
    }
    if (st == MRV_OK)
        st = configs(s, a, dir, err);
    if (st == MRV_OK)
        st = inputs(a, dir, err);
    if (st == MRV_OK)
        st = manifest(dir, nfiles, err);
    mrv_analysis_destroy(a);
    return st;
}

/* ---- verifying ---------------------------------------------------------------- */

static bool unsafe(const char *rel)
{
    if (!*rel || rel[0] == '/')
        return true;
    for (const char *p = rel; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && p[0] == '.') || n == 0)
            return true;
        p += n + (e ? 1 : 0);
    }
    return false;
}

static void check_inputs(const char *dir, struct mrv_strbuf *log, size_t *problems)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/INPUTS.sha256", dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    char line[8192];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        char *sp1 = strchr(line, ' ');
        char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        char *sp3 = sp2 ? strchr(sp2 + 1, ' ') : NULL;
        if (!sp3 || sp1 - line != 64)
            continue;
        *sp1 = '\0';
        char *name = sp3 + 1;
        unescape_line(name);
        struct stat sb;
        char hex[MRV_SHA256_HEX];
        if (stat(name, &sb) != 0 || !S_ISREG(sb.st_mode) ||
            mrv_sha256_file(name, hex, NULL) != MRV_OK)
            continue; /* not available here: nothing to compare */
        if (strcmp(hex, line) != 0) {
            mrv_strbuf_append(log, "input changed: ");
            mrv_strbuf_append(log, name);
            mrv_strbuf_printf(log, " (recorded %.12s\xE2\x80\xA6, now %.12s\xE2\x80\xA6)\n", line, hex);
            (*problems)++;
        }
    }
    fclose(fp);
}

enum mrv_status mrv_bundle_verify(const char *dir, struct mrv_strbuf *log, size_t *problems,
                                  struct mrv_error *err)
{
    if (!dir || !log || !problems)
        return mrv_error_set(err, MRV_EMISUSE, "mrv_bundle_verify: NULL argument");
    *problems = 0;
    char path[4400];
    snprintf(path, sizeof path, "%s/SHA256SUMS", dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return mrv_error_set(err, errno == ENOENT ? MRV_ENOTFOUND : MRV_EIO,
                             "%s: cannot read the bundle manifest: %s", path, strerror(errno));
    char **listed = NULL;
    size_t nlisted = 0, lineno = 0;
    char line[8192];
    enum mrv_status st = MRV_OK;
    while (st == MRV_OK && fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!*line)
            continue;
        if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ' ||
            strspn(line, "0123456789abcdef") != 64) {
            st = mrv_error_set(err, MRV_EFORMAT,
                               "%s:%zu: expected \"<64 hex digits>  <path>\" (sha256sum format)",
                               path, lineno);
            break;
        }
        const char *rel = line + 66;
        char **v = realloc(listed, (nlisted + 1) * sizeof *v);
        if (!v || !(v[nlisted] = strdup(rel))) {
            if (v)
                listed = v;
            st = mrv_error_set(err, MRV_ENOMEM, "out of memory");
            break;
        }
        listed = v;
        nlisted++;
        if (unsafe(rel)) {
            mrv_strbuf_printf(log, "unsafe path: %s\n", rel);
            (*problems)++;
            continue;
        }
        char full[8800], hex[MRV_SHA256_HEX];
        snprintf(full, sizeof full, "%s/%s", dir, rel);
        struct stat sb;
        if (stat(full, &sb) != 0) {
            mrv_strbuf_printf(log, "missing: %s\n", rel);
            (*problems)++;
        } else if (mrv_sha256_file(full, hex, NULL) != MRV_OK || strncmp(hex, line, 64) != 0) {
            mrv_strbuf_printf(log, "changed: %s\n", rel);
            (*problems)++;
        }
    }
    fclose(fp);
    char **files = NULL;
    size_t n = 0;
    if (st == MRV_OK)
        st = list_files(dir, "", &files, &n, 0, err);
    for (size_t i = 0; st == MRV_OK && i < n; i++) {
        if (!strcmp(files[i], "SHA256SUMS"))
            continue;
        bool found = false;
        for (size_t k = 0; k < nlisted && !found; k++)
            found = !strcmp(listed[k], files[i]);
        if (!found) {
            mrv_strbuf_printf(log, "unexpected: %s\n", files[i]);
            (*problems)++;
        }
    }
    if (st == MRV_OK)
        check_inputs(dir, log, problems);
    if (st == MRV_OK && *problems == 0)
        mrv_strbuf_printf(log, "ok: %zu files match SHA256SUMS\n", nlisted);
    free_list(files, n);
    free_list(listed, nlisted);
    return st;
}
