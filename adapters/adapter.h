/* adapters/adapter.h — how mrvet calls a model, whatever it is.
 *
 * A model receives a task-specific input and returns an output
 * (docs/adapters.md, "Task contract"):
 *   reconstruction  in: kspace (slices, coils, ky, kx) c64 with unsampled
 *                       columns zeroed, mask (kx) u8, optional coil maps
 *                       (slices, coils, y, x) c64
 *                   out: image (slices, y, x) f32 magnitude
 *   synthesis       in: image (slices, y, x) f32    out: image (slices, y, x) f32
 *   segmentation    in: image (slices, y, x) f32
 *                   out: probabilities (classes, slices, y, x) f32 or
 *                        labels (slices, y, x) u8
 *   classification  in: image (slices, y, x) f32    out: probabilities (classes) f32
 * An adapter kind (builtin, exec, plugin, bart) is a table of functions;
 * a model is an instance of a kind with its settings.
 */
#ifndef MRV_ADAPTERS_ADAPTER_H
#define MRV_ADAPTERS_ADAPTER_H

#include <stdbool.h>

#include "core/case.h"

struct mrv_model_input {
    enum mrv_task task;
    const struct mrv_array *kspace;     /* reconstruction */
    const struct mrv_array *mask;       /* reconstruction: (kx) u8 */
    const struct mrv_array *coil_maps;  /* optional, may be NULL or empty */
    const struct mrv_array *image;      /* image tasks */
    const double *spacing;              /* (dz, dy, dx) mm, may be NULL */
    /* Optional: the output shape the caller will accept (usually the
     * reference's). 0 = unknown. When set, the adapter tells the model
     * (workers receive it as "output_shape"); an image output larger in y
     * and x (but not larger than the input k-space's grid) is
     * centre-cropped to it (fastMRI's center_crop); any other shape fails
     * with MRV_EMODEL naming both shapes. */
    int out_ndim;
    size_t out_dims[MRV_MAX_DIMS];
};

/* A setting of a model: a key and a string value ("timeout" = "30"). */
struct mrv_kv {
    const char *key;
    const char *value;
};

/* One documented setting of an adapter kind (drives validation, `mrvet
 * list adapters` and docs/adapters.md). */
struct mrv_setting_doc {
    const char *key;
    const char *def;  /* default, as text; "" when none */
    const char *doc;
};

/* What a model's process did so far (kinds without processes leave zeros). */
struct mrv_model_stats {
    long starts;    /* worker processes started */
    long restarts;  /* of which restarts after a failure */
    long pid;       /* the running worker's pid, -1 when none, 0 for no process */
    double last_seconds; /* the worker's own time for the last request, as it
                          * reported ("seconds" in its reply); -1 unknown */
};

struct mrv_adapter_kind {
    const char *name;     /* "builtin" */
    const char *summary;
    /* Create a model of this kind; `model` names it within the kind
     * ("zero_filled" for builtin, the command for exec, the library path
     * for plugin, the bart command for bart). Settings have been checked
     * against `settings` (unknown keys refused) before this is called.
     * MRV_ENOTFOUND for an unknown model, MRV_EINVAL for a bad setting. */
    enum mrv_status (*create)(const char *model, const struct mrv_kv *settings, int nsettings,
                              void **state, struct mrv_error *err);
    /* Run the model; `output` is allocated by the adapter (owned by the
     * caller afterwards). MRV_EMODEL when the model fails. */
    enum mrv_status (*infer)(void *state, const struct mrv_model_input *in,
                             struct mrv_array *output, struct mrv_error *err);
    void (*destroy)(void *state);
    /* true: infer() may be called from several threads at once. */
    bool concurrent;
    /* The settings this kind accepts, ending with {NULL}. */
    const struct mrv_setting_doc *settings;
    /* Optional: true when this instance's infer() may run concurrently
     * even though the kind is not `concurrent` (plugins declare it). */
    bool (*instance_concurrent)(const void *state);
    /* Optional: fill in the stats (NULL: nothing to report). */
    void (*stats)(const void *state, struct mrv_model_stats *st);
};

struct mrv_model;

/* The adapter kinds of this build; `*n` receives the count. */
const struct mrv_adapter_kind *const *mrv_adapter_kinds(int *n);

/* The kind called `name`, or NULL. */
const struct mrv_adapter_kind *mrv_adapter_kind_find(const char *name);

/* Create model `model` of adapter kind `kind` with default settings. */
enum mrv_status mrv_model_create(const char *kind, const char *model,
                                 struct mrv_model **out, struct mrv_error *err);

/* Create it with settings (key/value strings, copied as needed; may be
 * NULL when nsettings is 0). A key the kind does not list is refused with
 * MRV_EINVAL naming the key and the accepted keys. The study file's
 * `models[].settings` mapping is passed here unchanged. */
enum mrv_status mrv_model_create_with(const char *kind, const char *model,
                                      const struct mrv_kv *settings, int nsettings,
                                      struct mrv_model **out, struct mrv_error *err);

/* Run it; thread-safe when the kind is concurrent, serialized otherwise.
 * Whatever the kind, the output is checked against the task contract (rank,
 * dtype, slices, and in->out_dims when given) and for NaN/Inf: a violation
 * is MRV_EMODEL with a message naming the model and what was wrong. On
 * error `output` is left empty. */
enum mrv_status mrv_model_infer(struct mrv_model *m, const struct mrv_model_input *in,
                                struct mrv_array *output, struct mrv_error *err);
void mrv_model_destroy(struct mrv_model *m);
/* Worker statistics (zeros for kinds without processes). Not thread-safe
 * with a concurrent mrv_model_infer on the same model. */
void mrv_model_get_stats(const struct mrv_model *m, struct mrv_model_stats *st);
const char *mrv_model_kind(const struct mrv_model *m);
const char *mrv_model_name(const struct mrv_model *m);

/* Built-in reference models: names and one-line summaries. */
struct mrv_builtin_model {
    const char *name;
    const char *summary;
    enum mrv_task task;
};
const struct mrv_builtin_model *mrv_builtin_models(int *n);

/* Zero-filled reconstruction as a plain function: centred inverse FFT of
 * each coil's k-space, root-sum-of-squares over coils, one image per slice.
 * out is (slices, ky, kx) f32, allocated here. */
enum mrv_status mrv_recon_zero_filled(const struct mrv_array *kspace, struct mrv_array *out,
                                      struct mrv_error *err);

/* CG-SENSE (Pruessmann et al., MRM 46:638, 2001): solves E^H E x = E^H y
 * with E = mask · F · S by conjugate gradients, per slice, starting from 0;
 * returns |x| · sqrt(sum_c |S_c|^2), the root-sum-of-squares of the coil
 * images S_c x (equal to |x| for maps normalized to unit RSS). kspace
 * (slices, coils, ky, kx) c64, mask (kx) u8 (NULL = the non-zero columns),
 * maps (slices, coils, ky, kx) c64. Stops after `iters` iterations or when
 * the residual norm falls below tol times the initial one.
 * out is (slices, ky, kx) f32, allocated here. */
enum mrv_status mrv_recon_cg_sense(const struct mrv_array *kspace, const struct mrv_array *mask,
                                   const struct mrv_array *maps, int iters, double tol,
                                   struct mrv_array *out, struct mrv_error *err);

/* Coil maps estimated from the fully sampled centre of k-space (the ACS
 * columns, contiguous around kx/2 with mask 1): each coil's low-resolution
 * image (centre columns only, Hann-windowed) divided by the low-resolution
 * root-sum-of-squares — the "ratio" estimate of Pruessmann 1999 / Walsh's
 * simplest form. maps (slices, coils, ky, kx) c64, allocated here. */
enum mrv_status mrv_coil_maps_estimate(const struct mrv_array *kspace, const struct mrv_array *mask,
                                       struct mrv_array *maps, struct mrv_error *err);

/* Classical segmenter (Otsu threshold over the volume with 256 bins as
 * scikit-image's threshold_otsu, largest 6-connected component, holes
 * filled as scipy.ndimage.binary_fill_holes with face connectivity).
 * image (slices, y, x) f32; labels (slices, y, x) u8 (may be NULL);
 * probs (2, slices, y, x) f32 (may be NULL). *threshold receives Otsu's
 * threshold when non-NULL. MRV_EINVAL for an image that is not (slices, y, x)
 * f32, is empty or holds NaN/Inf. */
enum mrv_status mrv_segment_otsu(const struct mrv_array *image, struct mrv_array *labels,
                                 struct mrv_array *probs, double *threshold,
                                 struct mrv_error *err);

#endif
