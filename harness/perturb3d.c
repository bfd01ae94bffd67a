/* `mrvet perturb` on a 3D BART cfl (harness/perturb3d.h). */
#include "harness/perturb3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/strbuf.h"
#include "datasets/cfl.h"
#include "harness/cli.h"
#include "perturbations/perturb.h"

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

bool mrv_perturb3d_applies(const char *input)
{
    if (!ends_with(input, ".cfl") && !ends_with(input, ".hdr"))
        return false;
    long dims[MRV_CFL_DIMS];
    struct mrv_error err = {0};
    return mrv_cfl_read_header(input, dims, &err) == MRV_OK && dims[MRV_CFL_PHS2] > 1;
}

/* BART (READ, PHS1, PHS2, COIL) column-major <-> C order (1, COIL, PHS2,
 * READ, PHS1): BART index r + R (p + P (z + Z c)). */
static void reorder(const long d[], const float complex *src, float complex *dst, bool to_c)
{
    size_t R = (size_t)d[0], P = (size_t)d[1], Z = (size_t)d[2], C = (size_t)d[3];
    for (size_t c = 0; c < C; c++)
        for (size_t z = 0; z < Z; z++)
            for (size_t r = 0; r < R; r++)
                for (size_t p = 0; p < P; p++) {
                    size_t ic = ((c * Z + z) * R + r) * P + p, ib = r + R * (p + P * (z + Z * c));
                    if (to_c)
                        dst[ic] = src[ib];
                    else
                        dst[ib] = src[ic];
                }
}

static enum mrv_status load(const char *input, struct mrv_case *cs, long dims[],
                            struct mrv_error *err)
{
    float complex *raw = NULL;
    enum mrv_status s = mrv_cfl_read(input, dims, &raw, err);
    for (int d = 4; s == MRV_OK && d < MRV_CFL_DIMS; d++)
        if (dims[d] != 1)
            s = mrv_error_set(err, MRV_EFORMAT,
                              "%s: dimension %d has size %ld, expected 1 (3D Cartesian "
                              "k-space: READ, PHS1, PHS2, COIL only)", input, d, dims[d]);
    size_t kd[5] = {1, (size_t)dims[3], (size_t)dims[2], (size_t)dims[0], (size_t)dims[1]};
    if (s == MRV_OK)
        s = mrv_array_alloc(&cs->kspace, MRV_C64, 5, kd, err);
    size_t n = s == MRV_OK ? mrv_array_count(&cs->kspace) : 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(crealf(raw[i])) || !isfinite(cimagf(raw[i]))) {
            s = mrv_error_set(err, MRV_EFORMAT, "%s: sample %zu is not finite, expected "
                              "finite k-space", input, i);
            break;
        }
    if (s == MRV_OK)
        reorder(dims, raw, cs->kspace.data, true);
    free(raw);
    return s;
}

static enum mrv_status write_side(const char *path, const char *input, const char *family,
                                  int severity, uint64_t seed, const char *id, uint64_t cseed,
                                  const struct mrv_drawn *d, struct mrv_error *err)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "{\"input\":");
    mrv_strbuf_json_string(&b, input);
    mrv_strbuf_append(&b, ",\"perturbation\":");
    mrv_strbuf_json_string(&b, family);
    mrv_strbuf_printf(&b, ",\"severity\":%d,\"study_seed\":%llu,\"cases\":[{\"case\":", severity,
                      (unsigned long long)seed);
    mrv_strbuf_json_string(&b, id);
    mrv_strbuf_printf(&b, ",\"seed\":%llu,\"drawn\":{", (unsigned long long)cseed);
    for (int i = 0; i < d->n; i++) {
        mrv_strbuf_append(&b, i ? "," : "");
        mrv_strbuf_json_string(&b, d->names[i]);
        mrv_strbuf_append(&b, ":");
        mrv_strbuf_json_number(&b, d->values[i]);
    }
    mrv_strbuf_append(&b, "}}]}\n");
    FILE *f = mrv_strbuf_ok(&b) ? fopen(path, "w") : NULL;
    enum mrv_status s = MRV_OK;
    if (!f || fputs(mrv_strbuf_str(&b), f) < 0)
        s = mrv_error_set(err, MRV_EIO, "%s: cannot write", path);
    if (f && fclose(f) != 0)
        s = mrv_error_set(err, MRV_EIO, "%s: cannot write", path);
    mrv_strbuf_free(&b);
    return s;
}

int mrv_perturb3d_run(const char *input, const char *family, int severity, uint64_t seed,
                      const char *out)
{
    struct mrv_error err = {0};
    const struct mrv_perturbation *pert = mrv_perturbation_find(family);
    if (!out || !ends_with(out, ".cfl")) {
        fprintf(stderr, "mrvet perturb: %s is 3D k-space; write it as BART's format: "
                        "-o OUTPUT.cfl\n", input);
        return MRV_EXIT_USAGE;
    }
    if (!pert) {
        mrv_error_set(&err, MRV_ENOTFOUND, "perturbation '%s' is unknown or a chain; 3D "
                      "k-space takes one family (motion3dk)", family);
        return mrv_cli_fail("perturb", &err);
    }
    struct mrv_case cs;
    mrv_case_init(&cs);
    long dims[MRV_CFL_DIMS];
    const char *slash = strrchr(input, '/');
    snprintf(cs.id, sizeof cs.id, "%.*s", (int)strlen(slash ? slash + 1 : input) - 4,
             slash ? slash + 1 : input);
    cs.task = MRV_TASK_RECONSTRUCTION;
    cs.spacing[0] = cs.spacing[1] = cs.spacing[2] = 1.0; /* cfl carries no geometry */
    uint64_t cseed = mrv_seed_derive(seed, cs.id, family, severity, 0);
    struct mrv_drawn drawn = {0};
    void *plan = NULL;
    float complex *raw = NULL;
    enum mrv_status s = load(input, &cs, dims, &err);
    if (s == MRV_OK)
        s = pert->plan(&cs.kspace, pert->severity[severity - 1], &plan, &err);
    if (s == MRV_OK)
        s = pert->execute(plan, cseed, &cs, &cs.kspace, &drawn, &err);
    if (s == MRV_OK && !(raw = malloc(mrv_array_nbytes(&cs.kspace))))
        s = mrv_error_set(&err, MRV_ENOMEM, "out of memory");
    if (s == MRV_OK) {
        reorder(dims, cs.kspace.data, raw, false);
        s = mrv_cfl_write(out, MRV_CFL_DIMS, dims, raw, &err);
    }
    char side[4200];
    snprintf(side, sizeof side, "%.*s.json", (int)strlen(out) - 4, out);
    if (s == MRV_OK)
        s = write_side(side, input, family, severity, seed, cs.id, cseed, &drawn, &err);
    if (s == MRV_OK)
        printf("mrvet perturb: 3D k-space %s, %s severity %d, seed %llu\n%s\n%s\n", cs.id,
               family, severity, (unsigned long long)seed, out, side);
    if (plan)
        pert->destroy(plan);
    free(raw);
    mrv_case_free(&cs);
    return s == MRV_OK ? MRV_EXIT_OK : mrv_cli_fail("perturb", &err);
}
