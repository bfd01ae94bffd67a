/* harness/panels.c — the images behind the worst cases.
 *
 * After a reconstruction run, for every run and image metric, the `panels`
 * worst (case, family, severity) groups — ranked by the mean over repeats,
 * as the report ranks its worst cases — are recomputed (every item is a
 * pure function of the study and its indices, so this gives the very
 * images that were scored) and saved as NumPy .npy files (the middle slice,
 * float32, C order) in a folder next to the store: the clean reference per
 * case, and per (run, case, perturbation instance) the perturbed input as
 * its zero-filled magnitude and the model's output. They are recorded as
 * artifacts (kind reference / input / output, path relative to the store's
 * folder, SHA-256), which `mrvet report` turns into image panels.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/rng.h"
#include "core/strbuf.h"
#include "harness/engine_internal.h"

struct group {
    char case_key[MRV_CASE_ID_MAX];
    char family[64];
    int severity;
    double sum;
    int n;
};

struct groups {
    struct group *g;
    size_t n, cap;
    int oom;
};

static void collect(void *ctx, const struct mrv_value_row *row)
{
    struct groups *gs = ctx;
    if (gs->oom || !isfinite(row->value) || strcmp(row->family, "none") == 0)
        return;
    struct group *last = gs->n ? &gs->g[gs->n - 1] : NULL;
    /* rows come ordered by case, family, severity, repeat: groups are runs */
    if (last && last->severity == row->severity && !strcmp(last->family, row->family) &&
        !strcmp(last->case_key, row->case_key)) {
        last->sum += row->value;
        last->n++;
        return;
    }
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? 2 * gs->cap : 64;
        struct group *g = realloc(gs->g, cap * sizeof *g);
        if (!g) {
            gs->oom = 1;
            return;
        }
        gs->g = g;
        gs->cap = cap;
    }
    struct group *g = &gs->g[gs->n++];
    snprintf(g->case_key, sizeof g->case_key, "%s", row->case_key);
    snprintf(g->family, sizeof g->family, "%s", row->family);
    g->severity = row->severity;
    g->sum = row->value;
    g->n = 1;
}

static enum mrv_direction sort_dir;

/* worst first */
static int by_badness(const void *x, const void *y)
{
    double a = ((const struct group *)x)->sum / ((const struct group *)x)->n;
    double b = ((const struct group *)y)->sum / ((const struct group *)y)->n;
    if (sort_dir == MRV_ZERO_IS_BEST) {
        a = -fabs(a);
        b = -fabs(b);
    } else if (sort_dir == MRV_LOWER_IS_BETTER) {
        a = -a;
        b = -b;
    }
    return (a > b) - (a < b);
}

static void sanitize(char *out, size_t size, const char *s)
{
    size_t n = 0;
    for (; *s && n + 1 < size; s++)
        out[n++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')
                       ? *s
                       : '_';
    out[n] = '\0';
}

/* The middle slice of a (slices, y, x) f32 array as a 2D .npy file. */
static enum mrv_status write_npy(const char *path, const struct mrv_array *a,
                                 char sha[MRV_SHA256_HEX], struct mrv_error *err)
{
    size_t ny = a->dims[1], nx = a->dims[2];
    const float *d = (const float *)a->data + (a->dims[0] / 2) * ny * nx;
    char dict[128];
    int len = snprintf(dict, sizeof dict,
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", ny,
                       nx);
    /* NPY 1.0: magic, version, header length; header padded with spaces and
     * ending in \n so that the data starts at a multiple of 64 bytes. */
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    unsigned char head[256];
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result): binary magic, not a string
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    size_t hl = (size_t)len + pad + 1;
    head[8] = (unsigned char)(hl & 0xff);
    head[9] = (unsigned char)(hl >> 8);
    memcpy(head + 10, dict, (size_t)len);
    memset(head + 10 + len, ' ', pad);
    head[10 + (size_t)len + pad] = '\n';
    FILE *f = fopen(path, "wb");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot write: %s", path, strerror(errno));
    int ok = fwrite(head, 1, 10 + hl, f) == 10 + hl && fwrite(d, 4, ny * nx, f) == ny * nx;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        return mrv_error_set(err, MRV_EIO, "%s: cannot write", path);
    return mrv_sha256_file(path, sha, err);
}

static enum mrv_status save_group(struct engine *e, struct mrv_store *db, const int64_t *run_ids,
                                  const struct group *g, const char *dir, const char *reldir,
                                  struct mrv_error *err)
{
    size_t index = SIZE_MAX;
    for (size_t i = 0; i < e->ncases; i++)
        if (!strcmp(mrv_dataset_case_id(e->ds, e->cases[i]), g->case_key))
            index = e->cases[i];
    int pi = -1;
    for (int p = 0; p < e->st->nperts; p++)
        if (!strcmp(e->st->perts[p].family, g->family))
            pi = p;
    if (index == SIZE_MAX || pi < 0)
        return MRV_OK; /* not in this shard or not in this study: nothing to redo */
    struct case_slot *slot = calloc(1, sizeof *slot);
    if (!slot)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    slot->index = index;
    mrv_engine_load_slot(e, slot);
    enum mrv_status s = MRV_OK;
    char ck[80], path[8400], rel[8400], sha[MRV_SHA256_HEX];
    sanitize(ck, sizeof ck, g->case_key);
    int64_t case_id = 0;
    if (slot->state != 2)
        goto done;
    s = mrv_store_case(db, e->st->dataset, slot->c.id, slot->sha, slot->meta_json, &case_id, err);
    snprintf(path, sizeof path, "%s/%s__reference.npy", dir, ck);
    snprintf(rel, sizeof rel, "%s/%s__reference.npy", reldir, ck);
    if (s == MRV_OK)
        s = write_npy(path, &slot->c.reference, sha, err);
    for (int m = 0; s == MRV_OK && m < e->nm; m++)
        s = mrv_store_artifact(db, run_ids[m], case_id, 0, "reference", rel, sha, err);
    for (int r = 0; s == MRV_OK && r < e->st->perts[pi].repeats; r++) {
        struct instance in = {pi, g->severity, r};
        struct item it = {.slot = slot, .inst = &in, .todo = e->all_models};
        it.seed = mrv_seed_derive(e->st->seed, slot->c.id, g->family, g->severity, r);
        struct mrv_array input = {0}, outputs[MRV_STUDY_MAX_MODELS] = {{0}};
        s = mrv_engine_item_images(e, &it, &input, outputs, err);
        char *params = s == MRV_OK ? mrv_engine_params_json(e, &it) : NULL;
        int64_t pid = 0;
        if (s == MRV_OK && !params)
            s = mrv_error_set(err, MRV_ENOMEM, "out of memory");
        if (s == MRV_OK)
            s = mrv_store_perturbation(db, case_id, g->family, g->severity, r, it.seed, params,
                                       &pid, err);
        char stem[300];
        char fam[64];
        sanitize(fam, sizeof fam, g->family);
        snprintf(stem, sizeof stem, "%s__%s_s%d_r%d", ck, fam, g->severity, r);
        if (s == MRV_OK) {
            snprintf(path, sizeof path, "%s/%s__input.npy", dir, stem);
            snprintf(rel, sizeof rel, "%s/%s__input.npy", reldir, stem);
            s = write_npy(path, &input, sha, err);
        }
        for (int m = 0; s == MRV_OK && m < e->nm; m++)
            s = mrv_store_artifact(db, run_ids[m], case_id, pid, "input", rel, sha, err);
        for (int m = 0; s == MRV_OK && m < e->nm; m++) {
            if (!outputs[m].data)
                continue;
            char mn[64];
            sanitize(mn, sizeof mn, e->st->models[m].name);
            snprintf(path, sizeof path, "%s/%s__%s__output.npy", dir, stem, mn);
            snprintf(rel, sizeof rel, "%s/%s__%s__output.npy", reldir, stem, mn);
            if ((s = write_npy(path, &outputs[m], sha, err)) == MRV_OK)
                s = mrv_store_artifact(db, run_ids[m], case_id, pid, "output", rel, sha, err);
        }
        free(params);
        mrv_array_free(&input);
        for (int m = 0; m < e->nm; m++)
            mrv_array_free(&outputs[m]);
    }
done:
    mrv_case_free(&slot->c);
    mrv_array_free(&slot->mask);
    free(slot->meta_json);
    free(slot);
    return s;
}

enum mrv_status mrv_engine_save_panels(struct engine *e, struct mrv_store *db,
                                       const int64_t *run_ids, struct mrv_error *err)
{
    const struct mrv_study *st = e->st;
    if (st->panels <= 0 || st->task != MRV_TASK_RECONSTRUCTION || st->nperts == 0)
        return MRV_OK;
    /* <store without .db>.panels/, named relative to the store's folder */
    const char *db_path = mrv_store_path(db);
    char dir[4096], reldir[512];
    const char *slash = strrchr(db_path, '/');
    const char *base = slash ? slash + 1 : db_path;
    size_t blen = strlen(base);
    if (blen > 3 && !strcmp(base + blen - 3, ".db"))
        blen -= 3;
    snprintf(reldir, sizeof reldir, "%.*s.panels", (int)(blen > 400 ? 400 : blen), base);
    snprintf(dir, sizeof dir, "%.*s%s", slash ? (int)(slash - db_path + 1) : 0, db_path,
             reldir);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return mrv_error_set(err, MRV_EIO, "%s: cannot create: %s", dir, strerror(errno));

    struct groups chosen = {0};
    enum mrv_status s = MRV_OK;
    for (int m = 0; s == MRV_OK && m < e->nm; m++)
        for (int q = 0; s == MRV_OK && q < e->nq; q++) {
            struct groups gs = {0};
            s = mrv_store_values(db, run_ids[m], e->metrics[q]->name, collect, &gs, err);
            if (s == MRV_OK && gs.oom)
                s = mrv_error_set(err, MRV_ENOMEM, "out of memory");
            sort_dir = e->metrics[q]->direction;
            if (s == MRV_OK && gs.n)
                qsort(gs.g, gs.n, sizeof *gs.g, by_badness);
            for (size_t i = 0; s == MRV_OK && i < gs.n && i < (size_t)st->panels; i++) {
                int dup = 0;
                for (size_t j = 0; j < chosen.n; j++)
                    dup = dup || (!strcmp(chosen.g[j].case_key, gs.g[i].case_key) &&
                                  !strcmp(chosen.g[j].family, gs.g[i].family) &&
                                  chosen.g[j].severity == gs.g[i].severity);
                if (dup)
                    continue;
                struct mrv_value_row row = {.case_key = gs.g[i].case_key,
                                            .family = gs.g[i].family,
                                            .severity = gs.g[i].severity, .value = 0};
                collect(&chosen, &row); /* not a duplicate: appended */
            }
            free(gs.g);
        }
    if (s == MRV_OK && chosen.oom)
        s = mrv_error_set(err, MRV_ENOMEM, "out of memory");
    if (s == MRV_OK && (s = mrv_store_begin(db, err)) == MRV_OK) {
        for (size_t i = 0; s == MRV_OK && i < chosen.n; i++)
            s = save_group(e, db, run_ids, &chosen.g[i], dir, reldir, err);
        if (s == MRV_OK)
            s = mrv_store_commit(db, err);
        else
            mrv_store_rollback(db);
    }
    free(chosen.g);
    return s;
}
