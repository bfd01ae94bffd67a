/* harness/engine_item.c — what one work item computes: load its case,
 * perturb the clean input once, run every model still missing the item on
 * it, score each output against the clean reference.
 *
 * Reconstruction: the input is multi-coil k-space; perturbations act on it,
 * the case's undersampling mask (or the mask an undersampling family chose)
 * zeroes the columns not acquired, models return an image scored against the
 * RSS reference with image metrics.
 * Segmentation: the input is the magnitude image (the case's reference);
 * k-space families act through perturbations/image.h (FFT, the family,
 * inverse FFT, magnitude) unless they handle images themselves; models
 * return class probabilities (classes, slices, y, x) f32 — the label map is
 * their arg-max — or a label map (slices, y, x) u8; label metrics are scored
 * per label present in the reference or the prediction ("dice:2"), and
 * probability metrics on the probabilities.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/strbuf.h"
#include "harness/engine_internal.h"
#include "perturbations/b0.h"
#include "perturbations/chain.h"
#include "metrics/calibration.h"
#include "perturbations/image.h"

const char *mrv_engine_family(const struct engine *e, const struct instance *in)
{
    return in->pert < 0 ? "none" : e->st->perts[in->pert].family;
}

void mrv_engine_item_free(struct item *it)
{
    if (!it)
        return;
    free(it->case_key);
    free(it->meta_json);
    free(it->params_json);
    for (size_t i = 0; i < it->nres; i++)
        free(it->res[i].reason);
    free(it->res);
    free(it);
}

/* Append one number (reason copied; NULL for a defined value). */
static void add_result(struct item *it, int model, const char *metric, double value,
                       const char *reason)
{
    if (it->nres == it->capres) {
        size_t cap = it->capres ? 2 * it->capres : 16;
        struct item_result *r = realloc(it->res, cap * sizeof *r);
        if (!r)
            return; /* the item then stores fewer rows; out of memory is logged by the OS */
        it->res = r;
        it->capres = cap;
    }
    struct item_result *r = &it->res[it->nres++];
    r->model = model;
    snprintf(r->metric, sizeof r->metric, "%s", metric);
    r->value = isnan(value) ? NAN : value;
    r->reason = isnan(value) ? strdup(reason ? reason : "undefined") : NULL;
}

/* Every metric of `model` (or of every model still to run, model < 0) is
 * NULL with `msg`: the item failed before it could be scored. */
static void set_failure(struct engine *e, struct item *it, int model, const char *msg)
{
    for (int m = 0; m < e->nm; m++) {
        if ((model >= 0 && m != model) || !(it->todo & (1u << m)))
            continue;
        for (int q = 0; q < e->nq; q++)
            add_result(it, m, e->metrics[q]->name, NAN, msg);
    }
    it->failed = 1;
}

static char *case_meta_json(const struct mrv_case *c)
{
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "{");
    for (int i = 0; i < c->nmeta; i++) {
        mrv_strbuf_json_string(&b, c->meta[i].key);
        mrv_strbuf_append(&b, ":");
        mrv_strbuf_json_string(&b, c->meta[i].value);
        mrv_strbuf_append(&b, ",");
    }
    mrv_strbuf_append(&b, "\"task\":");
    mrv_strbuf_json_string(&b, mrv_task_name(c->task));
    mrv_strbuf_printf(&b, ",\"spacing_mm\":[%.17g,%.17g,%.17g],\"shape\":[", c->spacing[0],
                      c->spacing[1], c->spacing[2]);
    const struct mrv_array *a = c->kspace.ndim ? &c->kspace : &c->reference;
    for (int d = 0; d < a->ndim; d++)
        mrv_strbuf_printf(&b, "%s%zu", d ? "," : "", a->dims[d]);
    mrv_strbuf_append(&b, "]}");
    if (!mrv_strbuf_ok(&b)) {
        mrv_strbuf_free(&b);
        return NULL;
    }
    return b.s;
}

void mrv_engine_load_slot(struct engine *e, struct case_slot *s)
{
    struct mrv_error err = {0};
    int seg = e->st->task == MRV_TASK_SEGMENTATION;
    enum mrv_status st = mrv_dataset_load(e->ds, s->index, &s->c, &err);
    if (st == MRV_OK && seg &&
        (s->c.reference.ndim != 3 || s->c.reference.dtype != MRV_F32 || s->c.labels.ndim != 3 ||
         s->c.labels.dtype != MRV_U8 || s->c.labels.dims[1] != s->c.reference.dims[1] ||
         s->c.labels.dims[2] != s->c.reference.dims[2]))
        st = mrv_error_set(&err, MRV_EFORMAT,
                           "case %s: a segmentation study needs an image (slices, y, x) f32 "
                           "and a label map of the same grid (slices, y, x) u8", s->c.id);
    if (st == MRV_OK && !seg && (s->c.kspace.ndim != 4 || s->c.kspace.dtype != MRV_C64))
        st = mrv_error_set(&err, MRV_EFORMAT,
                           "case %s: no multi-coil k-space (slices, coils, ky, kx) to "
                           "reconstruct", s->c.id);
    if (st == MRV_OK && !seg) {
        size_t nx = s->c.kspace.dims[3];
        st = mrv_array_alloc(&s->mask, MRV_U8, 1, &nx, &err);
        s->mask_seed = mrv_seed_derive(e->st->seed, s->c.id, "mask", 0, 0);
        if (st == MRV_OK)
            st = mrv_mask_random(nx, e->st->acceleration, e->st->center_fraction,
                                 s->mask_seed, s->mask.data, &s->mask_info, &err);
        /* the case carries its mask, so motion times only the lines sampled */
        if (st == MRV_OK && !s->c.mask.data)
            mrv_array_borrow(&s->c.mask, MRV_U8, 1, &nx, s->mask.data);
    }
    if (st == MRV_OK) {
        /* the fingerprint of what the models see clean: k-space, or the
         * image and its labels */
        struct mrv_sha256 *h;
        if ((st = mrv_sha256_create(&h, &err)) == MRV_OK) {
            if (seg) {
                mrv_sha256_update(h, s->c.reference.data, mrv_array_nbytes(&s->c.reference));
                mrv_sha256_update(h, s->c.labels.data, mrv_array_nbytes(&s->c.labels));
            } else {
                mrv_sha256_update(h, s->c.kspace.data, mrv_array_nbytes(&s->c.kspace));
            }
            mrv_sha256_final(h, NULL, s->sha);
            mrv_sha256_destroy(h);
        }
    }
    if (st == MRV_OK && !(s->meta_json = case_meta_json(&s->c)))
        st = mrv_error_set(&err, MRV_ENOMEM, "out of memory");
    if (st != MRV_OK)
        snprintf(s->failure, sizeof s->failure, "%s", err.msg);
    s->state = st == MRV_OK ? 2 : 3;
}

/* The plan of (perturbation, severity) for data shaped like `data`, made on
 * first use for each shape. */
static struct plan_entry *plan_for(struct engine *e, int pi, int sev,
                                   const struct mrv_array *data, struct mrv_error *err)
{
    pthread_mutex_lock(&e->plan_lock);
    struct plan_entry *p;
    for (p = e->plans; p; p = p->next)
        if (p->pert == pi && p->severity == sev && mrv_array_same_shape(&p->shape, data))
            break;
    if (!p && (p = calloc(1, sizeof *p))) {
        const struct mrv_perturbation *pert = e->perts[pi];
        const struct mrv_pert_spec *ps = &e->st->perts[pi];
        const double *params = pert->severity[sev - 1];
        p->pert = pi;
        p->severity = sev;
        mrv_array_borrow(&p->shape, data->dtype, data->ndim, data->dims, NULL);
        p->image = data->dtype == MRV_F32 && !(pert->layouts & MRV_LAYOUT_IMAGE);
        enum mrv_status s;
        if (ps->nlinks)
            s = mrv_chain_plan_severity((const char *const *)ps->links, ps->nlinks, sev, data,
                                        &p->plan, err);
        else if (ps->field_map)
            s = mrv_b0_plan_given(data, params,
                                  &(struct mrv_b0_given){&ps->field_map_hz, ps->field_map},
                                  &p->plan, err);
        else if (p->image)
            s = mrv_image_plan_create(pert, data, params, (struct mrv_image_plan **)&p->plan,
                                      err);
        else
            s = pert->plan(data, params, &p->plan, err);
        if (s == MRV_OK && pert->reshape) {
            /* a smaller matrix: outputs come back to this grid to be scored */
            size_t d[MRV_MAX_DIMS] = {0};
            int r = data->ndim;
            pert->reshape->dims(p->plan, d);
            if (d[r - 2] != data->dims[r - 2] || d[r - 1] != data->dims[r - 1])
                s = mrv_resize_plan_create(d[r - 2], d[r - 1], data->dims[r - 2],
                                           data->dims[r - 1], &p->resize, err);
            if (s != MRV_OK)
                pert->destroy(p->plan);
        }
        if (s != MRV_OK) {
            free(p);
            p = NULL;
        } else {
            p->next = e->plans;
            e->plans = p;
        }
    } else if (!p) {
        mrv_error_set(err, MRV_ENOMEM, "out of memory");
    }
    pthread_mutex_unlock(&e->plan_lock);
    return p;
}

void mrv_engine_plans_free(struct engine *e)
{
    for (struct plan_entry *p = e->plans, *next; p; p = next) {
        next = p->next;
        if (p->image)
            mrv_image_plan_destroy(p->plan);
        else
            e->perts[p->pert]->destroy(p->plan);
        mrv_resize_destroy(p->resize);
        free(p);
    }
    e->plans = NULL;
}

static enum mrv_status perturb(struct engine *e, struct item *it, struct mrv_array *data,
                               const struct plan_entry **used, struct mrv_error *err)
{
    *used = NULL;
    if (it->inst->pert < 0)
        return MRV_OK;
    const struct mrv_perturbation *p = e->perts[it->inst->pert];
    const struct plan_entry *pe = plan_for(e, it->inst->pert, it->inst->severity, data, err);
    if (!pe)
        return err->code ? err->code : MRV_EINTERNAL;
    *used = pe;
    if (p->reshape) /* runs later, on the whole input (prepare_recon) */
        return MRV_OK;
    if (pe->image)
        return mrv_image_execute(pe->plan, it->seed, &it->slot->c, data, &it->drawn, err);
    return p->execute(pe->plan, it->seed, &it->slot->c, data, &it->drawn, err);
}

static void apply_mask(struct mrv_array *k, const uint8_t *mask)
{
    size_t nx = k->dims[k->ndim - 1];
    size_t lines = mrv_array_count(k) / nx;
    float complex *d = k->data;
    for (size_t l = 0; l < lines; l++)
        for (size_t x = 0; x < nx; x++)
            if (!mask[x])
                d[l * nx + x] = 0.0f;
}

/* The zero-filled magnitude of an oversampled acquisition (640 x 368
 * against a 320 x 320 reference) on the reference's grid, as fastMRI's
 * center_crop does; model outputs are cropped by the adapter layer
 * (mrv_model_infer with out_dims). */
static enum mrv_status crop_to_reference(struct mrv_array *img, const struct mrv_array *ref,
                                         struct mrv_error *err)
{
    if (mrv_array_same_shape(img, ref) || img->ndim != 3 || ref->ndim != 3)
        return MRV_OK;
    struct mrv_array c;
    enum mrv_status s = mrv_array_center_crop(img, ref->dims[1], ref->dims[2], &c, err);
    if (s == MRV_OK) {
        mrv_array_free(img);
        *img = c;
    }
    return s;
}

static void score_image(struct engine *e, struct item *it, int m, const struct mrv_array *ref,
                        const struct mrv_array *out)
{
    for (int q = 0; q < e->nq; q++) {
        struct mrv_metric_value v = {NAN, NULL};
        struct mrv_error err = {0};
        if (e->metrics[q]->compute(ref, out, it->slot->c.spacing, &v, &err) != MRV_OK)
            v = (struct mrv_metric_value){NAN, err.msg};
        add_result(it, m, e->metrics[q]->name, v.value, v.null_reason);
    }
}

/* What a reconstruction model is given for an item. */
struct recon_input {
    struct mrv_array k;        /* owned: perturbed and undersampled */
    struct mrv_array maps;     /* owned when a family changed the shapes */
    struct mrv_array own_mask; /* owned: a family's mask, or the study's made again */
    const struct mrv_array *mask, *coil_maps;
    const struct mrv_resize *resize; /* non-NULL: outputs go back to the full grid */
    size_t ny, nx;             /* the clean k-space's grid */
    struct mrv_model_input in;
};

static void recon_input_free(struct recon_input *ri)
{
    mrv_array_free(&ri->k);
    mrv_array_free(&ri->maps);
    mrv_array_free(&ri->own_mask);
}

/* A shape-changing family (perturbations/reshape.h) on the perturbed input:
 * the study's mask is given as the acquired columns (coil compression is
 * estimated from them) and made again, with the study's acceleration,
 * centre fraction and the case's mask seed, when the column count changed;
 * the coil maps are transformed with the k-space. */
static enum mrv_status reshape_input(struct engine *e, struct item *it,
                                     const struct mrv_perturbation *p,
                                     const struct plan_entry *pe, struct recon_input *ri,
                                     struct mrv_error *err)
{
    const struct case_slot *s = it->slot;
    struct mrv_array k2 = {0};
    struct mrv_reshape_io io = {.kspace = &ri->k,
                                .maps = &s->c.coil_maps,
                                .mask = s->mask.data,
                                .kspace_out = &k2,
                                .maps_out = &ri->maps};
    enum mrv_status st = mrv_reshape_run(p, pe->plan, it->seed, &s->c, &io, &it->drawn, err);
    if (st != MRV_OK)
        return st;
    mrv_array_free(&ri->k);
    ri->k = k2;
    if (ri->maps.ndim)
        ri->coil_maps = &ri->maps;
    it->reshaped = 1;
    memcpy(it->kdims, k2.dims, sizeof it->kdims);
    it->nkept = io.nkept;
    memcpy(it->kept, io.kept, io.nkept * sizeof io.kept[0]);
    size_t nx = k2.dims[3];
    if (nx != s->mask.dims[0]) {
        st = mrv_array_alloc(&ri->own_mask, MRV_U8, 1, &nx, err);
        if (st == MRV_OK)
            st = mrv_mask_random(nx, e->st->acceleration, e->st->center_fraction, s->mask_seed,
                                 ri->own_mask.data, &it->mask_info, err);
        ri->mask = &ri->own_mask;
        it->mask_nx = nx;
    }
    ri->resize = pe->resize;
    it->interpolated = pe->resize != NULL;
    return st;
}

/* Perturb the clean k-space of an item, undersample it and fill ri->in: the
 * model answers on the reference grid, or — after a family shrank the
 * matrix — on the whole grid it received (ri->resize brings it back). */
static enum mrv_status prepare_recon(struct engine *e, struct item *it, struct recon_input *ri,
                                     struct mrv_error *err)
{
    const struct case_slot *s = it->slot;
    *ri = (struct recon_input){.mask = &s->mask, .coil_maps = &s->c.coil_maps,
                               .ny = s->c.kspace.dims[2], .nx = s->c.kspace.dims[3]};
    const struct plan_entry *pe = NULL;
    enum mrv_status st = mrv_array_copy(&ri->k, &s->c.kspace, err);
    if (st == MRV_OK)
        st = perturb(e, it, &ri->k, &pe, err);
    const struct mrv_perturbation *p = it->inst->pert >= 0 ? e->perts[it->inst->pert] : NULL;
    if (st == MRV_OK && p && p->reshape && pe) {
        st = reshape_input(e, it, p, pe, ri, err);
    } else if (st == MRV_OK && p && p->mask && pe && !pe->image) {
        /* A family that chooses the sampling pattern (undersample) replaces
         * the study's mask: the model gets that family's mask, not both. */
        st = mrv_array_alloc(&ri->own_mask, MRV_U8, 1, &s->mask.dims[0], err);
        if (st == MRV_OK)
            st = p->mask(pe->plan, it->seed, s->mask.dims[0], ri->own_mask.data, err);
        if (st == MRV_OK) {
            ri->mask = &ri->own_mask;
            const uint8_t *mm = ri->own_mask.data;
            it->sampled = 0;
            for (size_t x = 0; x < ri->own_mask.dims[0]; x++)
                it->sampled += mm[x];
        }
    }
    if (st != MRV_OK)
        return st;
    apply_mask(&ri->k, ri->mask->data);
    ri->in = (struct mrv_model_input){
        .task = MRV_TASK_RECONSTRUCTION,
        .kspace = &ri->k,
        .mask = ri->mask,
        .coil_maps = ri->coil_maps,
        .spacing = s->c.spacing,
        .out_ndim = 3,
    };
    memcpy(ri->in.out_dims, s->c.reference.dims, 3 * sizeof ri->in.out_dims[0]);
    if (ri->resize) { /* the whole acquired grid: a crop could not be interpolated */
        ri->in.out_dims[1] = ri->k.dims[2];
        ri->in.out_dims[2] = ri->k.dims[3];
    }
    return MRV_OK;
}

/* An image on the grid the model received -> the reference grid: Fourier
 * interpolation to the clean k-space's matrix (perturbations/reshape.h)
 * when the family shrank it, then fastMRI's centre crop. */
static enum mrv_status to_reference_grid(const struct recon_input *ri,
                                         const struct mrv_array *ref, struct mrv_array *img,
                                         struct mrv_error *err)
{
    if (ri->resize) {
        struct mrv_array big;
        enum mrv_status s = mrv_array_alloc(&big, MRV_F32, 3,
                                            (size_t[]){img->dims[0], ri->ny, ri->nx}, err);
        if (s == MRV_OK && (s = mrv_resize_execute(ri->resize, img, &big, err)) != MRV_OK)
            mrv_array_free(&big);
        if (s != MRV_OK)
            return s;
        mrv_array_free(img);
        *img = big;
    }
    return crop_to_reference(img, ref, err);
}

static void run_recon(struct engine *e, struct item *it)
{
    const struct case_slot *s = it->slot;
    struct mrv_error err = {0};
    char msg[MRV_ERROR_MAX + 64];
    struct recon_input ri;
    if (prepare_recon(e, it, &ri, &err) != MRV_OK) {
        snprintf(msg, sizeof msg, "failed: perturbation: %s", err.msg);
        set_failure(e, it, -1, msg);
        recon_input_free(&ri);
        return;
    }
    for (int m = 0; m < e->nm; m++) {
        if (!(it->todo & (1u << m)))
            continue;
        struct mrv_array out = {0};
        mrv_error_clear(&err);
        /* out_dims: the adapter layer crops a larger image to the grid asked
         * for and refuses any other shape, dtype or NaN */
        enum mrv_status st = mrv_model_infer(e->models[m], &ri.in, &out, &err);
        if (st == MRV_OK && (st = to_reference_grid(&ri, &s->c.reference, &out, &err)) != MRV_OK)
            snprintf(msg, sizeof msg, "failed: scoring model %s: %s", e->st->models[m].name,
                     err.msg);
        else if (st != MRV_OK)
            snprintf(msg, sizeof msg, "failed: model %s: %s", e->st->models[m].name, err.msg);
        if (st != MRV_OK)
            set_failure(e, it, m, msg);
        else
            score_image(e, it, m, &s->c.reference, &out);
        mrv_array_free(&out);
    }
    recon_input_free(&ri);
}

/* Probabilities (classes, slices, y, x) -> arg-max label map; a label map
 * is taken as it is. MRV_EMODEL for anything else. */
static enum mrv_status labels_of(const struct mrv_array *out, const struct mrv_array *ref_labels,
                                 struct mrv_array *labels, struct mrv_error *err)
{
    const size_t *rd = ref_labels->dims;
    if (out->dtype == MRV_U8 && mrv_array_same_shape(out, ref_labels)) {
        mrv_array_borrow(labels, MRV_U8, 3, rd, out->data);
        return MRV_OK;
    }
    if (out->dtype != MRV_F32 || out->ndim != 4 || out->dims[0] < 1 || out->dims[0] > 255 ||
        out->dims[1] != rd[0] || out->dims[2] != rd[1] || out->dims[3] != rd[2]) {
        char got[96], want[96];
        mrv_array_describe(out, got, sizeof got);
        mrv_array_describe(ref_labels, want, sizeof want);
        return mrv_error_set(err, MRV_EMODEL,
                             "output %s: expected probabilities (classes, %zu, %zu, %zu) f32 "
                             "or a label map %s", got, rd[0], rd[1], rd[2], want);
    }
    enum mrv_status s = mrv_array_alloc(labels, MRV_U8, 3, rd, err);
    if (s != MRV_OK)
        return s;
    size_t nvox = rd[0] * rd[1] * rd[2], ncls = out->dims[0];
    const float *p = out->data;
    uint8_t *l = labels->data;
    for (size_t v = 0; v < nvox; v++) {
        size_t best = 0;
        for (size_t c = 1; c < ncls; c++)
            if (p[c * nvox + v] > p[best * nvox + v])
                best = c;
        l[v] = (uint8_t)best;
    }
    return MRV_OK;
}

/* The reliability diagram behind ECE (Guo et al. 2017, 15 equal-width
 * bins (lower, upper], top-label confidence, voxels pooled per case), kept
 * as results named calib_bin_NN_count / _conf / _acc for the report to pool
 * over cases; only when the study scores a probability metric and the model
 * returned probabilities. Empty bins are left out. */
static void store_calibration_bins(struct engine *e, struct item *it, int m,
                                   const struct mrv_array *probs, const struct mrv_array *ref)
{
    int want = 0;
    for (int q = 0; q < e->nq; q++)
        want = want || e->metrics[q]->kind == MRV_METRIC_PROBS;
    if (!want || probs->dtype != MRV_F32 || probs->ndim != 4)
        return;
    size_t nvox = mrv_array_count(ref), ncls = probs->dims[0];
    double *conf = malloc(nvox * sizeof *conf);
    uint8_t *ok = malloc(nvox);
    struct mrv_calibration *cal = malloc(sizeof *cal);
    const float *p = probs->data;
    const uint8_t *y = ref->data;
    if (conf && ok && cal) {
        for (size_t v = 0; v < nvox; v++) {
            size_t best = 0;
            for (size_t k = 1; k < ncls; k++)
                if (p[k * nvox + v] > p[best * nvox + v])
                    best = k;
            double c = p[best * nvox + v];
            conf[v] = c < 0 ? 0 : c > 1 ? 1 : c;
            ok[v] = y[v] == best;
        }
        struct mrv_error err = {0};
        if (mrv_calibration_compute(conf, ok, nvox, 15, MRV_BINS_UPPER_CLOSED, cal, &err) ==
            MRV_OK) {
            for (int b = 0; b < cal->bins; b++) {
                if (!cal->bin[b].count)
                    continue;
                char name[64];
                snprintf(name, sizeof name, "calib_bin_%02d_count", b);
                add_result(it, m, name, (double)cal->bin[b].count, NULL);
                snprintf(name, sizeof name, "calib_bin_%02d_conf", b);
                add_result(it, m, name, cal->bin[b].confidence, "empty bin");
                snprintf(name, sizeof name, "calib_bin_%02d_acc", b);
                add_result(it, m, name, cal->bin[b].accuracy, "empty bin");
            }
        }
    }
    free(conf);
    free(ok);
    free(cal);
}

static void score_segmentation(struct engine *e, struct item *it, int m,
                               const struct mrv_array *out)
{
    const struct mrv_case *c = &it->slot->c;
    struct mrv_error err = {0};
    struct mrv_array labels = {0};
    char msg[MRV_ERROR_MAX + 64];
    if (labels_of(out, &c->labels, &labels, &err) != MRV_OK) {
        snprintf(msg, sizeof msg, "failed: model %s: %s", e->st->models[m].name, err.msg);
        set_failure(e, it, m, msg);
        return;
    }
    uint8_t present[255];
    int np = mrv_metric_labels_present(&c->labels, &labels, present);
    for (int q = 0; q < e->nq; q++) {
        const struct mrv_metric *mt = e->metrics[q];
        struct mrv_metric_args a;
        struct mrv_metric_value v = {NAN, NULL};
        if (mt->kind == MRV_METRIC_PROBS) {
            mrv_metric_args_init(&a, &c->labels, out, c->spacing);
            if (out->dtype != MRV_F32)
                v.null_reason = "the model returned labels, not probabilities";
            else if (mt->eval(&a, &v, &err) != MRV_OK)
                v = (struct mrv_metric_value){NAN, err.msg};
            add_result(it, m, mt->name, v.value, v.null_reason);
            continue;
        }
        if (np <= 0) { /* both maps empty: undefined, as Metrics Reloaded */
            add_result(it, m, mt->name, NAN, "reference and prediction hold no label");
            continue;
        }
        for (int k = 0; k < np; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s:%d", mt->name, present[k]);
            mrv_metric_args_init(&a, &c->labels, &labels, c->spacing);
            a.label = present[k];
            v = (struct mrv_metric_value){NAN, NULL};
            if (mt->eval(&a, &v, &err) != MRV_OK)
                v = (struct mrv_metric_value){NAN, err.msg};
            add_result(it, m, name, v.value, v.null_reason);
        }
    }
    store_calibration_bins(e, it, m, out, &c->labels);
    mrv_array_free(&labels);
}

static void run_segmentation(struct engine *e, struct item *it)
{
    const struct case_slot *s = it->slot;
    struct mrv_error err = {0};
    char msg[MRV_ERROR_MAX + 64];
    struct mrv_array img = {0};
    const struct plan_entry *pe = NULL;
    enum mrv_status st = mrv_array_copy(&img, &s->c.reference, &err);
    if (st == MRV_OK)
        st = perturb(e, it, &img, &pe, &err);
    if (st != MRV_OK) {
        snprintf(msg, sizeof msg, "failed: perturbation: %s", err.msg);
        set_failure(e, it, -1, msg);
        mrv_array_free(&img);
        return;
    }
    struct mrv_model_input in = {
        .task = MRV_TASK_SEGMENTATION,
        .image = &img,
        .spacing = s->c.spacing,
    };
    for (int m = 0; m < e->nm; m++) {
        if (!(it->todo & (1u << m)))
            continue;
        struct mrv_array out = {0};
        mrv_error_clear(&err);
        if (mrv_model_infer(e->models[m], &in, &out, &err) != MRV_OK) {
            snprintf(msg, sizeof msg, "failed: model %s: %s", e->st->models[m].name, err.msg);
            set_failure(e, it, m, msg);
        } else {
            score_segmentation(e, it, m, &out);
        }
        mrv_array_free(&out);
    }
    mrv_array_free(&img);
}

void mrv_engine_run_item(struct engine *e, struct item *it)
{
    char msg[MRV_ERROR_MAX + 64];
    if (it->slot->state != 2) {
        snprintf(msg, sizeof msg, "failed: case could not be loaded: %s", it->slot->failure);
        set_failure(e, it, -1, msg);
    } else if (e->st->task == MRV_TASK_SEGMENTATION) {
        run_segmentation(e, it);
    } else {
        run_recon(e, it);
    }
}

/* "reshape": what a shape-changing family handed the model and how its
 * output was scored (the provenance of a number on another grid). */
static void reshape_json(struct mrv_strbuf *b, const struct item *it, const struct case_slot *s)
{
    const size_t *k = it->kdims;
    mrv_strbuf_printf(b, "\"reshape\":{\"kspace\":[%zu,%zu,%zu,%zu],\"coil_maps\":\"%s\"", k[0],
                      k[1], k[2], k[3],
                      s->c.coil_maps.ndim ? "transformed with the k-space" : "none");
    if (it->nkept) {
        mrv_strbuf_append(b, ",\"kept_coils\":[");
        for (size_t i = 0; i < it->nkept; i++)
            mrv_strbuf_printf(b, "%s%zu", i ? "," : "", it->kept[i]);
        mrv_strbuf_append(b, "]");
    }
    if (it->interpolated)
        mrv_strbuf_printf(b, ",\"output\":\"the model's %zu x %zu image Fourier-interpolated to "
                             "%zu x %zu (orthonormal zero-filling of its spectrum, Nyquist "
                             "split, real part), then centre-cropped to the reference\"",
                          k[2], k[3], s->c.kspace.dims[2], s->c.kspace.dims[3]);
    else
        mrv_strbuf_append(b, ",\"output\":\"scored as returned on the reference grid\"");
    mrv_strbuf_append(b, "},");
}

char *mrv_engine_params_json(const struct engine *e, const struct item *it)
{
    const struct case_slot *s = it->slot;
    struct mrv_strbuf b;
    mrv_strbuf_init(&b);
    mrv_strbuf_append(&b, "{");
    for (int i = 0; i < it->drawn.n; i++) {
        mrv_strbuf_json_string(&b, it->drawn.names[i]);
        mrv_strbuf_append(&b, ":");
        mrv_strbuf_json_number(&b, it->drawn.values[i]);
        mrv_strbuf_append(&b, ",");
    }
    const struct mrv_pert_spec *ps = e->st->perts + (it->inst->pert >= 0 ? it->inst->pert : 0);
    if (it->inst->pert >= 0 && ps->field_map) { /* the map file the numbers came from */
        mrv_strbuf_append(&b, "\"field_map\":");
        mrv_strbuf_json_string(&b, ps->field_map);
        mrv_strbuf_printf(&b, ",\"field_map_sha256\":\"%s\",", ps->field_map_sha256);
    }
    if (it->reshaped)
        reshape_json(&b, it, s);
    if (s->state != 2) {
        mrv_strbuf_append(&b, "\"case_failed\":true}");
    } else if (e->st->task == MRV_TASK_SEGMENTATION) {
        mrv_strbuf_append(&b, "\"input\":\"magnitude image\"}");
    } else if (it->sampled) {
        mrv_strbuf_printf(&b, "\"undersampling\":{\"pattern\":\"by perturbation %s\","
                              "\"lines_sampled\":%zu,\"lines_total\":%zu}}",
                          mrv_engine_family(e, it->inst), it->sampled, s->mask.dims[0]);
    } else {
        /* the study's mask, or the same mask function on a new column count */
        const struct mrv_mask_info *mi = it->mask_nx ? &it->mask_info : &s->mask_info;
        mrv_strbuf_append(&b, "\"undersampling\":{\"pattern\":\"random\",\"acceleration\":");
        mrv_strbuf_json_number(&b, e->st->acceleration);
        mrv_strbuf_append(&b, ",\"center_fraction\":");
        mrv_strbuf_json_number(&b, e->st->center_fraction);
        mrv_strbuf_printf(&b, ",\"seed\":%llu,\"low_frequency_lines\":%zu,"
                              "\"lines_sampled\":%zu,\"lines_total\":%zu}}",
                          (unsigned long long)s->mask_seed, mi->low_frequency, mi->sampled,
                          it->mask_nx ? it->mask_nx : s->mask.dims[0]);
    }
    if (!mrv_strbuf_ok(&b)) {
        mrv_strbuf_free(&b);
        return NULL;
    }
    return b.s;
}

enum mrv_status mrv_engine_item_images(struct engine *e, struct item *it,
                                       struct mrv_array *input, struct mrv_array *outputs,
                                       struct mrv_error *err)
{
    const struct case_slot *s = it->slot;
    struct recon_input ri;
    enum mrv_status st = prepare_recon(e, it, &ri, err);
    if (st == MRV_OK) {
        /* what the model was given, as a person would look at it */
        st = mrv_recon_zero_filled(&ri.k, input, err);
        if (st == MRV_OK)
            st = to_reference_grid(&ri, &s->c.reference, input, err);
    }
    for (int m = 0; st == MRV_OK && m < e->nm; m++) {
        struct mrv_error merr = {0};
        outputs[m] = (struct mrv_array){0};
        if (mrv_model_infer(e->models[m], &ri.in, &outputs[m], &merr) != MRV_OK ||
            to_reference_grid(&ri, &s->c.reference, &outputs[m], &merr) != MRV_OK)
            mrv_array_free(&outputs[m]); /* no panel for a failed call */
    }
    recon_input_free(&ri);
    return st;
}
