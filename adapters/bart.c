/* The bart adapter: BART (the Berkeley Advanced Reconstruction Toolbox,
 * Uecker et al., https://mrirecon.github.io/bart/) as a reconstruction
 * model. Per slice, mrvet writes the k-space (and the coil maps) as cfl/hdr
 * in a private folder, runs the configured command (e.g.
 * `pics -S -l1 -r 0.01`) as `bart <command> kspace maps out`, and reads
 * `out` back; the magnitude is the image. Maps are the case's own
 * ("given") or estimated with `bart ecalib` (ESPIRiT, Uecker et al., MRM
 * 71:990, 2014).
 *
 * Layout: our slice (coils, ky, kx) in C order is BART's column-major
 * (READ = kx, PHS1 = ky, PHS2 = 1, COIL = coils): the same bytes, so no
 * transposition. BART's FFT is centred and, with pics -S, scaled like
 * fastMRI's orthonormal one (checked in tests/adapters/test_bart.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"
#include "core/strbuf.h"
#include "datasets/cfl.h"

static const struct mrv_setting_doc bart_settings[] = {
    {"bart", "bart", "the bart executable"},
    {"maps", "auto", "coil maps: given (the case's), ecalib (estimated), auto (given if any)"},
    {"ecalib", "-m1", "arguments of `bart ecalib` when maps are estimated"},
    {"timeout", "600", "seconds one bart command may take"},
    {NULL, NULL, NULL},
};

struct bart_model {
    char name[128];
    char **cmd;     /* bart, the command's words */
    int ncmd;
    char **ecalib;  /* bart, ecalib, its arguments */
    int necalib;
    int maps;       /* 0 auto, 1 given, 2 ecalib */
    double timeout;
};

static void bart_destroy(void *state)
{
    struct bart_model *b = state;
    if (!b)
        return;
    free(b->cmd);
    free(b->ecalib);
    free(b);
}

/* "bart" + words of `args` as one argv with `extra` free slots at the end. */
static enum mrv_status make_argv(const char *bart, const char *args, int extra, char ***out,
                                 int *n, struct mrv_error *err)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_json_string(&b, bart); /* a quoted word: "..." survives splitting */
    mrv_strbuf_printf(&b, " %s", args);
    for (int i = 0; i < extra; i++)
        mrv_strbuf_append(&b, " _");
    enum mrv_status s = mrv_strbuf_ok(&b) ? mrv_ad_split_command(mrv_strbuf_str(&b), out, n, err)
                                          : mrv_error_set(err, MRV_ENOMEM, "out of memory");
    mrv_strbuf_free(&b);
    return s;
}

static enum mrv_status bart_create(const char *model, const struct mrv_kv *set, int nset,
                                   void **state, struct mrv_error *err)
{
    struct bart_model *b = calloc(1, sizeof *b);
    if (!b)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    snprintf(b->name, sizeof b->name, "%s", model);
    const char *bart = mrv_ad_setting(set, nset, "bart", "bart");
    const char *maps = mrv_ad_setting(set, nset, "maps", "auto");
    enum mrv_status s = MRV_OK;
    /* "bart pics ..." and "pics ..." both name the pics command. */
    const char *args = model;
    while (*args == ' ')
        args++;
    if (strncmp(args, "bart ", 5) == 0)
        args += 5;
    if (strcmp(maps, "auto") == 0)
        b->maps = 0;
    else if (strcmp(maps, "given") == 0)
        b->maps = 1;
    else if (strcmp(maps, "ecalib") == 0)
        b->maps = 2;
    else
        s = mrv_error_set(err, MRV_EINVAL, "model %s: setting maps = '%s', expected auto, "
                          "given or ecalib", model, maps);
    if (s == MRV_OK)
        s = mrv_ad_setting_double(set, nset, "timeout", 600, 0.001, 1e6, model, &b->timeout,
                                  err);
    if (s == MRV_OK)
        s = make_argv(bart, args, 3, &b->cmd, &b->ncmd, err);
    if (s == MRV_OK) {
        struct mrv_strbuf e;
        mrv_strbuf_init(&e);
        mrv_strbuf_printf(&e, "ecalib %s", mrv_ad_setting(set, nset, "ecalib", "-m1"));
        s = make_argv(bart, mrv_strbuf_str(&e), 2, &b->ecalib, &b->necalib, err);
        mrv_strbuf_free(&e);
    }
    if (s != MRV_OK) {
        bart_destroy(b);
        return s;
    }
    *state = b;
    return MRV_OK;
}

/* Run one bart command; failures name it with the tail of its output. */
static enum mrv_status run(const struct bart_model *b, char **argv, const char *dir,
                           struct mrv_error *err)
{
    char log[1200], what[200];
    snprintf(log, sizeof log, "%s/bart.log", dir);
    enum mrv_status s = mrv_ad_run(b->name, argv, dir, log, b->timeout, what, sizeof what, err);
    if (s == MRV_OK && what[0]) {
        char tail[700];
        mrv_ad_file_tail(log, 600, tail, sizeof tail);
        s = mrv_error_set(err, MRV_EMODEL, "model bart %s: `bart %s` %s; output tail: %s",
                          b->name, argv[1], what, tail[0] ? tail : "(empty)");
    }
    return s;
}

static enum mrv_status bart_infer(void *state, const struct mrv_model_input *in,
                                  struct mrv_array *output, struct mrv_error *err)
{
    struct bart_model *b = state;
    enum mrv_status s = mrv_ad_check_recon_input(b->name, in, err);
    if (s != MRV_OK)
        return s;
    const struct mrv_array *k = in->kspace;
    size_t ns = k->dims[0], nc = k->dims[1], ny = k->dims[2], nx = k->dims[3];
    size_t per = nc * ny * nx;
    bool have = in->coil_maps && in->coil_maps->ndim == 4 && in->coil_maps->dims[2] == ny &&
                in->coil_maps->dims[3] == nx;
    bool given = b->maps == 1 || (b->maps == 0 && have);
    if (given && !have)
        return mrv_error_set(err, MRV_EINVAL, "model bart %s: maps = given, but the case has "
                             "no coil maps of the k-space's size", b->name);
    char dir[1024];
    if ((s = mrv_ad_mkdtemp(NULL, "mrvet-bart", dir, sizeof dir, err)) != MRV_OK)
        return s;
    if ((s = mrv_array_alloc(output, MRV_F32, 3, (size_t[]){ns, ny, nx}, err)) != MRV_OK) {
        mrv_ad_rmtree(dir);
        return s;
    }
    long dims[4] = {(long)nx, (long)ny, 1, (long)nc};
    /* Relative names: bart runs inside `dir`. Each call fills its own
     * copies of the argv tables, so calls may run concurrently. */
    char ksp[] = "kspace", maps[] = "maps", out[] = "out";
    char **cmd = malloc(((size_t)b->ncmd + 1) * sizeof *cmd);
    char **ecal = malloc(((size_t)b->necalib + 1) * sizeof *ecal);
    if (!cmd || !ecal) {
        free(cmd);
        free(ecal);
        mrv_array_free(output);
        mrv_ad_rmtree(dir);
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    memcpy(cmd, b->cmd, ((size_t)b->ncmd + 1) * sizeof *cmd);
    memcpy(ecal, b->ecalib, ((size_t)b->necalib + 1) * sizeof *ecal);
    cmd[b->ncmd - 3] = ksp;
    cmd[b->ncmd - 2] = maps;
    cmd[b->ncmd - 1] = out;
    ecal[b->necalib - 2] = ksp;
    ecal[b->necalib - 1] = maps;
    char path[1100];
    for (size_t sl = 0; sl < ns && s == MRV_OK; sl++) {
        snprintf(path, sizeof path, "%s/kspace", dir);
        s = mrv_cfl_write(path, 4, dims, (const float complex *)k->data + sl * per, err);
        snprintf(path, sizeof path, "%s/maps", dir);
        if (s == MRV_OK && given)
            s = mrv_cfl_write(path, 4, dims,
                              (const float complex *)in->coil_maps->data + sl * per, err);
        else if (s == MRV_OK)
            s = run(b, ecal, dir, err);
        if (s == MRV_OK)
            s = run(b, cmd, dir, err);
        long od[MRV_CFL_DIMS];
        float complex *img = NULL;
        snprintf(path, sizeof path, "%s/out", dir);
        if (s == MRV_OK && (s = mrv_cfl_read(path, od, &img, err)) != MRV_OK) {
            char inner[MRV_ERROR_MAX];
            snprintf(inner, sizeof inner, "%s", err->msg);
            s = mrv_error_set(err, MRV_EMODEL, "model bart %s: %s", b->name, inner);
        }
        long count = 1;
        for (int d = 2; s == MRV_OK && d < MRV_CFL_DIMS; d++)
            count *= od[d];
        if (s == MRV_OK && (od[0] != (long)nx || od[1] != (long)ny || count != 1))
            s = mrv_error_set(err, MRV_EMODEL, "model bart %s: output is %ld x %ld x %ld more, "
                              "expected one %zu x %zu image (BART dims READ x PHS1)", b->name,
                              od[0], od[1], count, nx, ny);
        float *o = (float *)output->data + sl * ny * nx;
        for (size_t p = 0; s == MRV_OK && p < ny * nx; p++)
            o[p] = cabsf(img[p]);
        free(img);
    }
    free(cmd);
    free(ecal);
    mrv_ad_rmtree(dir);
    if (s != MRV_OK)
        mrv_array_free(output);
    return s;
}

const struct mrv_adapter_kind mrv_adapter_bart = {
    .name = "bart",
    .summary = "BART command line (e.g. pics) through cfl/hdr files, maps given or from ecalib",
    .create = bart_create,
    .infer = bart_infer,
    .destroy = bart_destroy,
    .concurrent = true, /* a private folder per call */
    .settings = bart_settings,
};
