/* mrvet_plugin.h — the C ABI of mrvet model plugins, version 1.
 *
 * A plugin is a shared library (built with any C or C++ compiler, linked
 * against nothing of mrvet) that exports one function:
 *
 *     const struct mrv_plugin *mrv_plugin_entry(int host_abi_version);
 *
 * mrvet calls it once after dlopen with MRV_PLUGIN_ABI_VERSION; the plugin
 * returns its descriptor, or NULL when it cannot serve that host version.
 * mrvet refuses a descriptor whose abi_version differs from its own.
 * This header is self-contained (standard C only) and is the whole
 * specification; docs/adapters.md has a worked example
 * (adapters/examples/plugin_example.c).
 *
 * Compatibility: version 1 structs are only ever extended at the end, and
 * a change that is not backward compatible bumps MRV_PLUGIN_ABI_VERSION.
 * Arrays are C order (last dimension fastest); complex64 is interleaved
 * (re, im) float pairs, as C99 float complex.
 */
#ifndef MRVET_PLUGIN_H
#define MRVET_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MRV_PLUGIN_ABI_VERSION 1
#define MRV_PLUGIN_MAX_DIMS 8

/* Element types; the values are those of mrvet's enum mrv_dtype. */
enum mrv_plugin_dtype {
    MRV_PLUGIN_F32 = 1,
    MRV_PLUGIN_C64 = 2,
    MRV_PLUGIN_U8 = 3,
    MRV_PLUGIN_I16 = 4,
    MRV_PLUGIN_I32 = 5,
    MRV_PLUGIN_F64 = 6
};

/* Tasks; the values are those of mrvet's enum mrv_task. */
enum mrv_plugin_task {
    MRV_PLUGIN_RECONSTRUCTION = 1,
    MRV_PLUGIN_SYNTHESIS = 2,
    MRV_PLUGIN_SEGMENTATION = 3,
    MRV_PLUGIN_CLASSIFICATION = 4
};

/* A borrowed view of an array. ndim == 0 means "absent". */
struct mrv_plugin_tensor {
    int dtype;                          /* enum mrv_plugin_dtype */
    int ndim;
    int64_t dims[MRV_PLUGIN_MAX_DIMS];
    const void *data;
};

/* What one call receives (docs/adapters.md, "Task contract"). Everything
 * is borrowed for the duration of the call only. */
struct mrv_plugin_inputs {
    int task;                                 /* enum mrv_plugin_task */
    struct mrv_plugin_tensor kspace;          /* reconstruction: (slices, coils, ky, kx) c64 */
    struct mrv_plugin_tensor mask;            /* reconstruction: (kx) u8 */
    struct mrv_plugin_tensor coil_maps;       /* optional (slices, coils, y, x) c64 */
    struct mrv_plugin_tensor image;           /* image tasks: (slices, y, x) f32 */
    double spacing[3];                        /* (dz, dy, dx) mm; 0 when unknown */
    int output_ndim;                          /* expected output shape; 0 = unknown */
    int64_t output_dims[MRV_PLUGIN_MAX_DIMS];
    /* Allocate the output: mrvet owns the memory (zero-filled, 64-byte
     * aligned) and it becomes the model's result when infer returns 0.
     * Call at most once per infer. Returns NULL when out of memory or for
     * a bad dtype/shape. Thread-safe. */
    void *(*alloc_output)(void *host, int dtype, int ndim, const int64_t *dims);
    void *host;                               /* pass to alloc_output */
};

struct mrv_plugin {
    int abi_version;             /* MRV_PLUGIN_ABI_VERSION the plugin was built with */
    const char *name;            /* short model name, for logs */
    /* Non-zero: infer may run on several threads at once with the same
     * instance. Zero: mrvet serializes calls. */
    int concurrent;
    /* Create an instance from settings (key/value strings from the study's
     * `models[].settings`, borrowed for the call). Return 0 and set
     * *instance, or non-zero with a message in errbuf (NUL-terminated,
     * at most errlen bytes). */
    int (*init)(const char *const *keys, const char *const *values, int nsettings,
                void **instance, char *errbuf, size_t errlen);
    /* Run the model: allocate the output with in->alloc_output and fill
     * it. Return 0 on success, non-zero with a message in errbuf. */
    int (*infer)(void *instance, const struct mrv_plugin_inputs *in, char *errbuf,
                 size_t errlen);
    /* Free the instance (NULL is allowed). */
    void (*release)(void *instance);
};

/* The one symbol a plugin exports. */
const struct mrv_plugin *mrv_plugin_entry(int host_abi_version);

#ifdef __cplusplus
}
#endif

#endif
