/* harness/engine_internal.h — the run engine's state, shared by engine.c
 * (scheduling, resume, the writer) and engine_item.c (what one work item
 * computes). Private to harness/. */
#ifndef MRV_HARNESS_ENGINE_INTERNAL_H
#define MRV_HARNESS_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "core/sha256.h"
#include "datasets/dataset.h"
#include "harness/engine.h"
#include "metrics/metric.h"
#include "perturbations/mask.h"
#include "perturbations/perturb.h"
#include "perturbations/reshape.h"
#include "store/store.h"

struct done_entry {
    char *key;       /* dataset \x1f case \x1f family \x1f severity \x1f repeat */
    uint32_t models; /* bit m: model m has this item */
};

struct done_set {
    struct done_entry *slots;
    size_t cap, n;
    int model; /* which model bit the store callback sets */
    int oom;
};

/* ---- engine state --------------------------------------------------------- */

struct instance {
    int pert;     /* index in study->perts, -1 = clean */
    int severity; /* 0 = clean */
    int repeat;
};

struct case_slot {
    size_t index;   /* in the dataset */
    int refs;       /* claimed, unfinished items */
    int state;      /* 0 not loaded, 1 loading, 2 ready, 3 failed */
    int exhausted;  /* the cursor has moved past this case */
    struct mrv_case c;
    struct mrv_array mask;
    struct mrv_mask_info mask_info;
    uint64_t mask_seed;
    char sha[MRV_SHA256_HEX];
    char *meta_json;
    char failure[MRV_ERROR_MAX];
    struct case_slot *next;
};

struct item {
    struct case_slot *slot;
    size_t sampled;         /* columns the model received; 0: the case's mask */
    const struct instance *inst;
    uint32_t todo;          /* models to run */
    uint64_t seed;
    struct mrv_drawn drawn;
    /* copied for the writer, which outlives the slot */
    char *case_key, *meta_json, *params_json;
    char sha[MRV_SHA256_HEX];
    /* a shape-changing family (perturbations/reshape.h): what the model got */
    int reshaped;
    size_t kdims[4];        /* the k-space it received */
    int interpolated;       /* outputs Fourier-interpolated to the full grid to be scored */
    size_t mask_nx;         /* > 0: the study's mask made again for this many columns */
    struct mrv_mask_info mask_info;             /* ... with this outcome */
    size_t kept[MRV_RESHAPE_MAX_COILS], nkept; /* coil_subset: the coils kept */
    struct item_result *res; /* what the models scored, in order */
    size_t nres, capres;
    int failed;
    struct item *next;
};

/* One stored number of an item: model index, metric name (a label map's
 * metric carries its label: "dice:2"), value (NaN: undefined, with reason). */
struct item_result {
    int model;
    char metric[64];
    double value;
    char *reason;
};

struct plan_entry {
    int pert, severity;
    int image;              /* an image-adapter plan (perturbations/image.h) */
    struct mrv_array shape; /* dims only (borrowed, no data) */
    void *plan;
    struct mrv_resize *resize; /* a family changing the matrix: output -> input grid */
    struct plan_entry *next;
};

struct engine {
    const struct mrv_study *st;
    struct mrv_dataset *ds;
    struct mrv_model *models[MRV_STUDY_MAX_MODELS];
    const struct mrv_perturbation *perts[MRV_STUDY_MAX_PERTS];
    const struct mrv_metric *metrics[MRV_STUDY_MAX_METRICS];
    int nm, nq; /* models, metrics */
    uint32_t all_models;
    struct instance *inst;
    size_t ninst;
    size_t *cases;  /* dataset indices in this shard */
    size_t ncases;
    struct done_set done;

    pthread_mutex_t lock;
    pthread_cond_t cond;       /* slot loaded, queue space, queue item, worker exit */
    size_t cur_case, cur_inst; /* the claim cursor */
    struct case_slot *slots;
    struct item *qhead, *qtail;
    size_t qlen, qcap;
    int workers;
    int abort;                 /* stop claiming (store error, strict failure, signal) */
    size_t skipped;
    struct mrv_error fatal;    /* first error that aborts the run */

    pthread_mutex_t plan_lock;
    struct plan_entry *plans;
};


/* engine_item.c */
const char *mrv_engine_family(const struct engine *e, const struct instance *in);
/* Load the case of a slot: its mask (reconstruction), fingerprint and
 * metadata JSON; sets s->state to 2 (ready) or 3 (failed, s->failure). */
void mrv_engine_load_slot(struct engine *e, struct case_slot *s);
/* Perturb once, run every model still missing the item, score. */
void mrv_engine_run_item(struct engine *e, struct item *it);
/* The drawn parameters (and the mask used) as JSON, malloc'd. */
char *mrv_engine_params_json(const struct engine *e, const struct item *it);
void mrv_engine_item_free(struct item *it);
/* Recompute a reconstruction item for its image panels: the zero-filled
 * magnitude of the perturbed, undersampled input and every model's output
 * (outputs[m] left empty when model m fails). */
enum mrv_status mrv_engine_item_images(struct engine *e, struct item *it,
                                       struct mrv_array *input, struct mrv_array *outputs,
                                       struct mrv_error *err);
/* panels.c: after a run, save the images behind the worst cases. */
enum mrv_status mrv_engine_save_panels(struct engine *e, struct mrv_store *db,
                                       const int64_t *run_ids, struct mrv_error *err);
void mrv_engine_plans_free(struct engine *e);

#endif
