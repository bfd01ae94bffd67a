/* mrvet perturb — write a perturbed copy of a test set, to look at. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/strbuf.h"
#include "datasets/dataset.h"
#include "datasets/fastmri.h"
#include "datasets/fieldmap.h"
#include "harness/cli.h"
#include "harness/perturb3d.h"
#include "perturbations/b0.h"
#include "perturbations/chain.h"
#include "perturbations/perturb.h"
#include "perturbations/reshape.h"

static const char perturb_help[] =
    "usage: mrvet perturb INPUT --perturbation NAME --severity S --seed N -o OUTPUT.h5\n"
    "\n"
    "Perturbs the fully sampled k-space of every case of INPUT (a fastMRI .h5 file\n"
    "or folder, a BART .cfl, an ISMRMRD file, or a built-in set: phantom, colin27)\n"
    "and writes it as a fastMRI-layout HDF5 file that h5py and fastMRI's tools open:\n"
    "kspace (slices, coils, ky, kx) complex64 with the perturbed data, and\n"
    "reconstruction_rss the clean reference. OUTPUT.json beside it lists, per case,\n"
    "the seed and every parameter drawn.\n"
    "\n"
    "Families that change the shapes (coil_compress, coil_subset, resolution) write\n"
    "the k-space the model would receive: fewer coils, or the smaller acquired\n"
    "matrix (reconstruction_rss stays the clean full-resolution reference). They\n"
    "estimate from the whole, fully sampled k-space here; `mrvet run` uses the\n"
    "acquired columns only, so coil_compress's energy_kept can differ slightly.\n"
    "\n"
    "Case i gets the seed a study with seed N gives it (SHA-256 of N, the case id,\n"
    "the family, S, repeat 0; core/rng.h), so this writes exactly what `mrvet run`\n"
    "with `seed: N` hands the model before undersampling.\n"
    "\n"
    "A BART .cfl holding 3D Cartesian k-space (PHS2 > 1) is perturbed as one case\n"
    "(1, coils, kz, ky, kx) by a 3D k-space family (motion3dk) and written as\n"
    "-o OUTPUT.cfl in BART's order, with OUTPUT.json beside it.\n"
    "\n"
    "options:\n"
    "  -p, --perturbation NAME  a family (`mrvet list perturbations`) or a chain\n"
    "                           written a+b (e.g. motion+noise)\n"
    "  -s, --severity S         1..5 (the family's severity table)\n"
    "      --seed N             the study seed (default 0)\n"
    "      --field-map FILE     b0 only: a field map in Hz (.nii, .nii.gz, or\n"
    "                           .h5[:/DATASET], default dataset /field_map) used\n"
    "                           instead of a drawn one, x 0.25..4 by severity\n"
    "                           (docs/perturbations/b0.md); its SHA-256 goes into\n"
    "                           OUTPUT.json\n"
    "  -o, --output FILE.h5     where to write\n"
    "  -h, --help               this text\n";

struct job {
    const char *family;       /* as given: "motion" or "motion+noise" */
    const struct mrv_perturbation *pert;
    char *links[MRV_CHAIN_MAX];
    int nlinks;
    int severity;
    void *plan;
    struct mrv_array shape;   /* the planned shape (dims only) */
    const char *field_map;    /* --field-map, or NULL */
    struct mrv_array map_hz;  /* read once, before the first plan */
    char map_sha256[MRV_SHA256_HEX];
};

static enum mrv_status plan(struct job *j, const struct mrv_array *k, struct mrv_error *err)
{
    if (j->plan && mrv_array_same_shape(&j->shape, k))
        return MRV_OK;
    if (j->plan)
        j->pert->destroy(j->plan);
    j->plan = NULL;
    mrv_array_borrow(&j->shape, k->dtype, k->ndim, k->dims, NULL);
    if (j->field_map)
        return mrv_b0_plan_given(k, j->pert->severity[j->severity - 1],
                                 &(struct mrv_b0_given){&j->map_hz, j->field_map}, &j->plan,
                                 err);
    return j->nlinks ? mrv_chain_plan_severity((const char *const *)j->links, j->nlinks,
                                               j->severity, k, &j->plan, err)
                     : j->pert->plan(k, j->pert->severity[j->severity - 1], &j->plan, err);
}

/* A shape-changing family: the case's k-space (and coil maps) replaced by
 * what the family hands the model, from the fully sampled k-space. */
static enum mrv_status reshape(struct job *j, uint64_t seed, struct mrv_case *cs,
                               struct mrv_reshape_io *io, struct mrv_drawn *drawn,
                               struct mrv_error *err)
{
    struct mrv_array k2 = {0}, m2 = {0};
    io->kspace = &cs->kspace;
    io->maps = &cs->coil_maps;
    io->kspace_out = &k2;
    io->maps_out = &m2;
    enum mrv_status s = mrv_reshape_run(j->pert, j->plan, seed, cs, io, drawn, err);
    io->kspace = io->maps = NULL;
    io->kspace_out = io->maps_out = NULL;
    if (s != MRV_OK)
        return s;
    mrv_array_free(&cs->kspace);
    cs->kspace = k2;
    if (m2.ndim) {
        mrv_array_free(&cs->coil_maps);
        cs->coil_maps = m2;
    }
    return MRV_OK;
}

static enum mrv_status parse_family(struct job *j, char *spec, struct mrv_error *err)
{
    j->family = spec;
    if (!strchr(spec, '+')) {
        if (!(j->pert = mrv_perturbation_find(spec)))
            return mrv_error_set(err, MRV_ENOTFOUND,
                                 "perturbation '%s' is unknown (see `mrvet list perturbations`)",
                                 spec);
        return MRV_OK;
    }
    j->pert = &mrv_pert_chain;
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return mrv_error_set(err, MRV_ENOMEM, "out of memory");
    for (char *t = strtok_r(copy, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
        if (j->nlinks == MRV_CHAIN_MAX || !mrv_perturbation_find(t)) {
            enum mrv_status s = mrv_error_set(err, MRV_EINVAL,
                                              "--perturbation %s: '%s' is not a family, or the "
                                              "chain is longer than %d", spec, t, MRV_CHAIN_MAX);
            free(copy);
            return s;
        }
        if (mrv_perturbation_find(t)->reshape) {
            enum mrv_status s = mrv_error_set(err, MRV_EINVAL,
                                              "--perturbation %s: '%s' changes the array shapes "
                                              "and runs alone, not in a chain", spec, t);
            free(copy);
            return s;
        }
        j->links[j->nlinks++] = strdup(t);
    }
    free(copy);
    return MRV_OK;
}

int mrv_cmd_perturb(int argc, char **argv)
{
    static const struct option opts[] = {
        {"perturbation", required_argument, NULL, 'p'},
        {"severity", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'},
        {"output", required_argument, NULL, 'o'},
        {"field-map", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *family = NULL;
    const char *out = NULL, *field_map = NULL;
    unsigned long long sev = 0, seed = 0;
    int c;
    while ((c = getopt_long(argc, argv, "p:s:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': family = optarg; break;
        case 's':
            if (!mrv_cli_parse_u64("perturb", "--severity", optarg, 5, &sev) || sev == 0) {
                fprintf(stderr, "mrvet perturb: --severity expects 1..5\n");
                return MRV_EXIT_USAGE;
            }
            break;
        case 'S':
            if (!mrv_cli_parse_u64("perturb", "--seed", optarg, 0x7fffffffffffffffULL, &seed))
                return MRV_EXIT_USAGE;
            break;
        case 'o': out = optarg; break;
        case 'F': field_map = optarg; break;
        case 'h': fputs(perturb_help, stdout); return MRV_EXIT_OK;
        default: fputs(perturb_help, stderr); return MRV_EXIT_USAGE;
        }
    }
    if (optind + 1 == argc && family && sev && !field_map && mrv_perturb3d_applies(argv[optind]))
        return mrv_perturb3d_run(argv[optind], family, (int)sev, seed, out);
    size_t olen = out ? strlen(out) : 0;
    if (optind + 1 != argc || !family || !sev || olen < 4 || strcmp(out + olen - 3, ".h5")) {
        fprintf(stderr, "mrvet perturb: expected INPUT, --perturbation, --severity and "
                        "-o OUTPUT.h5 (see `mrvet perturb --help`)\n");
        return MRV_EXIT_USAGE;
    }
    const char *input = argv[optind];
    struct mrv_error err = {0};
    struct job j = {.severity = (int)sev, .field_map = field_map};
    struct mrv_dataset *ds = NULL;
    struct mrv_array k = {0}, rss = {0};
    struct mrv_strbuf side;
    mrv_strbuf_init(&side);
    enum mrv_status s = parse_family(&j, family, &err);
    if (s == MRV_OK && field_map && strcmp(family, "b0") != 0)
        s = mrv_error_set(&err, MRV_EINVAL, "--field-map %s: a field map is for "
                          "--perturbation b0, not %s", field_map, family);
    else if (s == MRV_OK && field_map)
        s = mrv_fieldmap_read(field_map, &j.map_hz, j.map_sha256, &err);
    if (s == MRV_OK) {
        struct mrv_dataset_opts o;
        mrv_dataset_opts_default(&o);
        const char *kind = mrv_dataset_guess_kind(input);
        if (kind)
            o.path = input;
        else
            kind = input; /* a built-in set's name */
        s = mrv_dataset_open(kind, &o, &ds, &err);
    }
    size_t n = s == MRV_OK ? mrv_dataset_count(ds) : 0;
    if (s == MRV_OK && n == 0)
        s = mrv_error_set(&err, MRV_EINVAL, "%s: no cases to perturb", input);
    mrv_strbuf_printf(&side, "{\"input\":");
    mrv_strbuf_json_string(&side, input);
    mrv_strbuf_append(&side, ",\"perturbation\":");
    mrv_strbuf_json_string(&side, family);
    if (field_map) {
        mrv_strbuf_append(&side, ",\"field_map\":");
        mrv_strbuf_json_string(&side, field_map);
        mrv_strbuf_printf(&side, ",\"field_map_sha256\":\"%s\"", j.map_sha256);
    }
    mrv_strbuf_printf(&side, ",\"severity\":%llu,\"study_seed\":%llu,\"cases\":[", sev, seed);
    for (size_t i = 0; s == MRV_OK && i < n; i++) {
        struct mrv_case cs;
        if ((s = mrv_dataset_load(ds, i, &cs, &err)) != MRV_OK)
            break;
        if (cs.kspace.ndim != 4 || cs.kspace.dims[0] != 1 || cs.reference.ndim != 3) {
            s = mrv_error_set(&err, MRV_EFORMAT, "%s: case %s has no multi-coil k-space slice",
                              input, cs.id);
        } else if (i > 0 && (cs.kspace.dims[1] != j.shape.dims[1] ||
                             cs.kspace.dims[2] != j.shape.dims[2] ||
                             cs.kspace.dims[3] != j.shape.dims[3] ||
                             cs.reference.dims[1] != rss.dims[1] ||
                             cs.reference.dims[2] != rss.dims[2])) {
            s = mrv_error_set(&err, MRV_EFORMAT, "%s: case %s has another shape than case %s; "
                              "one output file needs one shape", input, cs.id,
                              mrv_dataset_case_id(ds, 0));
        }
        uint64_t cseed = mrv_seed_derive(seed, cs.id, family, (int)sev, 0);
        struct mrv_drawn drawn = {0};
        struct mrv_reshape_io io = {0};
        if (s == MRV_OK)
            s = plan(&j, &cs.kspace, &err);
        if (s == MRV_OK && j.pert->reshape)
            s = reshape(&j, cseed, &cs, &io, &drawn, &err);
        else if (s == MRV_OK)
            s = j.pert->execute(j.plan, cseed, &cs, &cs.kspace, &drawn, &err);
        if (s == MRV_OK && i == 0) {
            size_t kd[4] = {n, cs.kspace.dims[1], cs.kspace.dims[2], cs.kspace.dims[3]};
            size_t rd[3] = {n, cs.reference.dims[1], cs.reference.dims[2]};
            if ((s = mrv_array_alloc(&k, MRV_C64, 4, kd, &err)) == MRV_OK)
                s = mrv_array_alloc(&rss, MRV_F32, 3, rd, &err);
        }
        if (s == MRV_OK) {
            size_t kn = mrv_array_count(&cs.kspace), rn = mrv_array_count(&cs.reference);
            memcpy((float complex *)k.data + i * kn, cs.kspace.data, kn * sizeof(float complex));
            memcpy((float *)rss.data + i * rn, cs.reference.data, rn * sizeof(float));
            mrv_strbuf_append(&side, i ? ",{\"case\":" : "{\"case\":");
            mrv_strbuf_json_string(&side, cs.id);
            mrv_strbuf_printf(&side, ",\"slice\":%zu,\"seed\":%llu,\"drawn\":{", i,
                              (unsigned long long)cseed);
            for (int d = 0; d < drawn.n; d++) {
                mrv_strbuf_append(&side, d ? "," : "");
                mrv_strbuf_json_string(&side, drawn.names[d]);
                mrv_strbuf_append(&side, ":");
                mrv_strbuf_json_number(&side, drawn.values[d]);
            }
            mrv_strbuf_append(&side, "}");
            if (io.nkept) {
                mrv_strbuf_append(&side, ",\"kept_coils\":[");
                for (size_t v = 0; v < io.nkept; v++)
                    mrv_strbuf_printf(&side, "%s%zu", v ? "," : "", io.kept[v]);
                mrv_strbuf_append(&side, "]");
            }
            mrv_strbuf_append(&side, "}");
        }
        mrv_case_free(&cs);
    }
    mrv_strbuf_append(&side, "]}\n");
    if (s == MRV_OK) {
        struct mrv_fastmri_volume v = {.kspace = &k, .rss = &rss};
        s = mrv_fastmri_write(out, &v, &err);
    }
    if (s == MRV_OK) {
        char sidecar[4200];
        snprintf(sidecar, sizeof sidecar, "%.*s.json", (int)(olen - 3), out);
        FILE *f = fopen(sidecar, "w");
        if (!f || fputs(mrv_strbuf_str(&side), f) < 0 || fclose(f) != 0)
            s = mrv_error_set(&err, MRV_EIO, "%s: cannot write", sidecar);
        else
            printf("mrvet perturb: %zu cases, %s severity %llu, seed %llu\n%s\n%s\n", n, family,
                   sev, seed, out, sidecar);
    }
    if (j.plan)
        j.pert->destroy(j.plan);
    for (int i = 0; i < j.nlinks; i++)
        free(j.links[i]);
    mrv_array_free(&j.map_hz);
    mrv_array_free(&k);
    mrv_array_free(&rss);
    mrv_strbuf_free(&side);
    mrv_dataset_close(ds);
    return s == MRV_OK ? MRV_EXIT_OK : mrv_cli_fail("perturb", &err);
}
