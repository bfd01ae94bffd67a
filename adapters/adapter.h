/* adapters/adapter.h — how mrvet calls a model, whatever it is.
 *
 * A model receives a task-specific input and returns an output
 * (docs/adapters.md):
 *   reconstruction  in: kspace (slices, coils, ky, kx) c64 with unsampled
 *                       columns zeroed, mask (kx) u8, optional coil maps
 *                   out: image (slices, y, x) f32 magnitude
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
    const double *spacing;              /* (dz, dy, dx) mm */
};

struct mrv_adapter_kind {
    const char *name;     /* "builtin" */
    const char *summary;
    /* Create a model of this kind; `model` names it within the kind
     * ("zero_filled" for builtin). MRV_ENOTFOUND for an unknown model. */
    enum mrv_status (*create)(const char *model, void **state, struct mrv_error *err);
    /* Run the model; `output` is allocated by the adapter (owned by the
     * caller afterwards). MRV_EMODEL when the model fails. */
    enum mrv_status (*infer)(void *state, const struct mrv_model_input *in,
                             struct mrv_array *output, struct mrv_error *err);
    void (*destroy)(void *state);
    /* true: infer() may be called from several threads at once. */
    bool concurrent;
};

struct mrv_model;

/* The adapter kinds of this build; `*n` receives the count. */
const struct mrv_adapter_kind *const *mrv_adapter_kinds(int *n);

/* Create model `model` of adapter kind `kind`. */
enum mrv_status mrv_model_create(const char *kind, const char *model,
                                 struct mrv_model **out, struct mrv_error *err);
/* Run it; thread-safe when the kind is concurrent, serialized otherwise. */
enum mrv_status mrv_model_infer(struct mrv_model *m, const struct mrv_model_input *in,
                                struct mrv_array *output, struct mrv_error *err);
void mrv_model_destroy(struct mrv_model *m);
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

#endif
