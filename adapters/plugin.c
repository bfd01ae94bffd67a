/* The plugin adapter: a shared library implementing adapters/mrvet_plugin.h,
 * loaded with dlopen. Calls are direct (no copies of the inputs); the
 * output is allocated by mrvet through alloc_output, so the overhead is a
 * function call. A plugin runs inside mrvet's process: a crash in it ends
 * the run (use the exec adapter to isolate untrusted code). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"
#include "adapters/mrvet_plugin.h"

struct plugin_state {
    void *lib;
    const struct mrv_plugin *p;
    void *instance;
    char name[128];
};

static const struct mrv_setting_doc plugin_settings[] = {
    {"*", "", "every setting is passed to the plugin's init() as key/value strings"},
    {NULL, NULL, NULL},
};

static enum mrv_status plugin_create(const char *model, const struct mrv_kv *set, int nset,
                                     void **state, struct mrv_error *err)
{
    struct plugin_state *ps = calloc(1, sizeof *ps);
    const char **keys = calloc((size_t)nset + 1, sizeof *keys);
    const char **values = calloc((size_t)nset + 1, sizeof *values);
    enum mrv_status s = MRV_OK;
    if (!ps || !keys || !values) {
        s = mrv_error_set(err, MRV_ENOMEM, "out of memory");
        goto fail;
    }
    snprintf(ps->name, sizeof ps->name, "%s", model);
    ps->lib = dlopen(model, RTLD_NOW | RTLD_LOCAL);
    if (!ps->lib) {
        const char *why = dlerror();
        s = mrv_error_set(err, MRV_ENOTFOUND, "plugin %s: cannot load: %s", model,
                          why ? why : "unknown reason");
        goto fail;
    }
    const struct mrv_plugin *(*entry)(int);
    void *sym = dlsym(ps->lib, "mrv_plugin_entry");
    if (!sym) {
        s = mrv_error_set(err, MRV_EFORMAT, "plugin %s: no symbol mrv_plugin_entry (see "
                          "adapters/mrvet_plugin.h)", model);
        goto fail;
    }
    /* POSIX guarantees a dlsym result converts to a function pointer. */
    memcpy(&entry, &sym, sizeof entry);
    ps->p = entry(MRV_PLUGIN_ABI_VERSION);
    if (!ps->p || ps->p->abi_version != MRV_PLUGIN_ABI_VERSION || !ps->p->init ||
        !ps->p->infer || !ps->p->release) {
        s = mrv_error_set(err, MRV_EFORMAT, "plugin %s: ABI version %d, expected %d with init, "
                          "infer and release set", model, ps->p ? ps->p->abi_version : -1,
                          MRV_PLUGIN_ABI_VERSION);
        goto fail;
    }
    for (int i = 0; i < nset; i++) {
        keys[i] = set[i].key;
        values[i] = set[i].value;
    }
    char msg[512] = "";
    if (ps->p->init(keys, values, nset, &ps->instance, msg, sizeof msg) != 0) {
        msg[sizeof msg - 1] = 0;
        s = mrv_error_set(err, MRV_EMODEL, "plugin %s: init failed: %s", model,
                          msg[0] ? msg : "(no message)");
        goto fail;
    }
    free(keys);
    free(values);
    *state = ps;
    return MRV_OK;
fail:
    if (ps && ps->lib)
        dlclose(ps->lib);
    free(ps);
    free(keys);
    free(values);
    return s;
}

struct host_ctx {
    struct mrv_array *out;
    int calls;
};

static void *alloc_output(void *host, int dtype, int ndim, const int64_t *dims)
{
    struct host_ctx *h = host;
    if (h->calls++ || ndim < 1 || ndim > MRV_MAX_DIMS || !dims)
        return NULL;
    size_t d[MRV_MAX_DIMS];
    for (int i = 0; i < ndim; i++) {
        if (dims[i] <= 0)
            return NULL;
        d[i] = (size_t)dims[i];
    }
    if (mrv_array_alloc(h->out, (enum mrv_dtype)dtype, ndim, d, NULL) != MRV_OK)
        return NULL;
    return h->out->data;
}

static void view(struct mrv_plugin_tensor *t, const struct mrv_array *a)
{
    if (!a || !a->ndim)
        return;
    t->dtype = (int)a->dtype;
    t->ndim = a->ndim;
    for (int i = 0; i < a->ndim; i++)
        t->dims[i] = (int64_t)a->dims[i];
    t->data = a->data;
}

static enum mrv_status plugin_infer(void *state, const struct mrv_model_input *in,
                                    struct mrv_array *output, struct mrv_error *err)
{
    struct plugin_state *ps = state;
    struct host_ctx h = {.out = output};
    struct mrv_plugin_inputs pi = {.task = (int)in->task, .alloc_output = alloc_output,
                                   .host = &h, .output_ndim = in->out_ndim};
    view(&pi.kspace, in->kspace);
    view(&pi.mask, in->mask);
    view(&pi.coil_maps, in->coil_maps);
    view(&pi.image, in->image);
    for (int i = 0; i < 3 && in->spacing; i++)
        pi.spacing[i] = in->spacing[i];
    for (int i = 0; i < in->out_ndim && i < MRV_MAX_DIMS; i++)
        pi.output_dims[i] = (int64_t)in->out_dims[i];
    char msg[512] = "";
    if (ps->p->infer(ps->instance, &pi, msg, sizeof msg) != 0) {
        msg[sizeof msg - 1] = 0;
        mrv_array_free(output);
        return mrv_error_set(err, MRV_EMODEL, "plugin %s: infer failed: %s", ps->name,
                             msg[0] ? msg : "(no message)");
    }
    if (!output->ndim)
        return mrv_error_set(err, MRV_EMODEL, "plugin %s: infer returned 0 without allocating "
                             "an output (alloc_output)", ps->name);
    return MRV_OK;
}

static void plugin_destroy(void *state)
{
    struct plugin_state *ps = state;
    if (!ps)
        return;
    ps->p->release(ps->instance);
    dlclose(ps->lib);
    free(ps);
}

static bool plugin_concurrent(const void *state)
{
    const struct plugin_state *ps = state;
    return ps->p->concurrent != 0;
}

/* Plugins declare their own concurrency (struct mrv_plugin.concurrent). */
const struct mrv_adapter_kind mrv_adapter_plugin = {
    .name = "plugin",
    .summary = "a shared library implementing the C ABI of adapters/mrvet_plugin.h (dlopen)",
    .create = plugin_create,
    .infer = plugin_infer,
    .destroy = plugin_destroy,
    .concurrent = false,
    .settings = plugin_settings,
    .instance_concurrent = plugin_concurrent,
};
