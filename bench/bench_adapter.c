/* Adapter overhead (issue 6, "Speed"): the exec adapter's per-call time
 * with an echo worker (bench/bench_adapter_echo.py) for a 320 x 320 image
 * and a 15-coil 640 x 368 k-space slice, against writing and reading the
 * same array once as an HDF5 file in /dev/shm, measured in the same run
 * (protocol 2, and protocol 1 for comparison: the same worker told to
 * speak only version 1);
 * and the plugin adapter's per-call overhead: mrv_model_infer on the
 * example plugin (mode magnitude) minus the same plugin's infer called
 * directly. Medians of N calls. Not a test.
 *
 * usage: bench_adapter ECHO_WORKER.py PLUGIN.so [N]
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "adapters/mrvet_plugin.h"
#include "datasets/h5util.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Write `a` as dataset "a" and read it back into a new array, as any
 * reader (h5py's f["a"][()] in the peer, mrvet reading a reply) must: the
 * baseline round trip. */
static void h5_roundtrip(const char *path, const struct mrv_array *a)
{
    struct mrv_array fresh;
    if (mrv_array_alloc(&fresh, a->dtype, a->ndim, a->dims, NULL) != MRV_OK)
        return;
    void *back = fresh.data;
    mrv_h5_lock();
    hsize_t dims[MRV_MAX_DIMS];
    for (int d = 0; d < a->ndim; d++)
        dims[d] = a->dims[d];
    hid_t t = a->dtype == MRV_C64 ? mrv_h5_complex_type() : H5Tcopy(H5T_NATIVE_FLOAT);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(a->ndim, dims, NULL);
    hid_t ds = H5Dcreate2(f, "a", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ds = H5Dopen2(f, "a", H5P_DEFAULT);
    H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, back);
    H5Dclose(ds);
    H5Fclose(f);
    H5Tclose(t);
    mrv_h5_unlock();
    unlink(path);
    mrv_array_free(&fresh);
}

static void fill(struct mrv_array *a)
{
    float *v = a->data;
    size_t n = mrv_array_nbytes(a) / sizeof(float);
    uint32_t s = 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        v[i] = (float)(s >> 8) / 16777216.0f;
    }
}

static void *bench_alloc(void *host, int dtype, int ndim, const int64_t *dims)
{
    struct mrv_array *o = host;
    size_t d[MRV_MAX_DIMS];
    for (int i = 0; i < ndim; i++)
        d[i] = (size_t)dims[i];
    return mrv_array_alloc(o, (enum mrv_dtype)dtype, ndim, d, NULL) == MRV_OK ? o->data : NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_adapter ECHO_WORKER.py PLUGIN.so [N]\n");
        return 2;
    }
    int n = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 20;
    if (n < 1 || n > 10000)
        n = 20;
    struct mrv_error err = {0};
    struct mrv_array img, ksp;
    if (mrv_array_alloc(&img, MRV_F32, 3, (size_t[]){1, 320, 320}, &err) ||
        mrv_array_alloc(&ksp, MRV_C64, 4, (size_t[]){1, 15, 640, 368}, &err))
        return 4;
    fill(&img);
    fill(&ksp);
    const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char path[256];
    snprintf(path, sizeof path, "%s/mrvet-bench-%d.h5", shm, (int)getpid());

    const struct mrv_array *arrs[2] = {&img, &ksp};
    /* The expected output shape is stated, as the harness does (the
     * reference's): under protocol 2 mrvet prepares the output file and the
     * echo is written into it in place. The k-space echo is its bytes as
     * float32 (slices, coils * ky, 2 * kx). */
    struct mrv_model_input in[2] = {
        {.task = MRV_TASK_SYNTHESIS, .image = &img, .out_ndim = 3, .out_dims = {1, 320, 320}},
        {.task = MRV_TASK_RECONSTRUCTION, .kspace = &ksp, .out_ndim = 3,
         .out_dims = {1, 15 * 640, 2 * 368}}};
    struct mrv_model *m, *echo[2]; /* protocol 2, protocol 1 */
    for (int v = 0; v < 2; v++) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s%s", argv[1], v ? " v1" : "");
        const struct mrv_kv set[] = {{"tmpdir", shm}};
        if (mrv_model_create_with("exec", cmd, set, 1, &echo[v], &err) != MRV_OK) {
            fprintf(stderr, "bench_adapter: %s\n", err.msg);
            exit(3);
        }
    }
    /* Interleaved: one baseline round trip, one call of each protocol per
     * round, so a change in the machine's load moves all three alike and
     * the ratios stay honest on a shared machine. */
    double base[2], call[2][2], inside[2][2]; /* [protocol 2, 1][array] */
    double *tb = malloc((size_t)n * sizeof *tb), *tc[2], *tw[2];
    for (int v = 0; v < 2; v++) {
        tc[v] = malloc((size_t)n * sizeof *tc[v]);
        tw[v] = malloc((size_t)n * sizeof *tw[v]);
    }
    for (int a = 0; a < 2; a++) {
        for (int i = 0; i < n + 2; i++) {
            double t0 = now();
            h5_roundtrip(path, arrs[a]);
            if (i >= 2)
                tb[i - 2] = now() - t0;
            for (int v = 0; v < 2; v++) {
                struct mrv_array out;
                t0 = now();
                if (mrv_model_infer(echo[v], &in[a], &out, &err) != MRV_OK) {
                    fprintf(stderr, "bench_adapter: %s\n", err.msg);
                    exit(3);
                }
                double dt = now() - t0;
                struct mrv_model_stats st;
                mrv_model_get_stats(echo[v], &st);
                if (i >= 2) { /* the first calls warm the worker's imports */
                    tc[v][i - 2] = dt;
                    tw[v][i - 2] = dt - st.last_seconds; /* mrvet's side: all but the worker's */
                }
                if (memcmp(out.data, arrs[a]->data, mrv_array_nbytes(arrs[a])) != 0) {
                    fprintf(stderr, "bench_adapter: the echo differs from the input\n");
                    exit(3);
                }
                mrv_array_free(&out);
            }
        }
        base[a] = median(tb, n);
        for (int v = 0; v < 2; v++) {
            call[v][a] = median(tc[v], n);
            inside[v][a] = median(tw[v], n);
        }
    }
    for (int v = 0; v < 2; v++) {
        mrv_model_destroy(echo[v]);
        free(tc[v]);
        free(tw[v]);
    }
    free(tb);

    /* Plugin: through mrvet vs the same infer called directly. */
    const struct mrv_kv pset[] = {{"mode", "magnitude"}};
    if (mrv_model_create_with("plugin", argv[2], pset, 1, &m, &err) != MRV_OK) {
        fprintf(stderr, "bench_adapter: %s\n", err.msg);
        exit(3);
    }
    void *lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    void *sym = lib ? dlsym(lib, "mrv_plugin_entry") : NULL;
    const struct mrv_plugin *(*entry)(int);
    memcpy(&entry, &sym, sizeof entry);
    const struct mrv_plugin *p = sym ? entry(MRV_PLUGIN_ABI_VERSION) : NULL;
    const char *k = "mode", *v = "magnitude";
    void *inst = NULL;
    char eb[256];
    if (!p || p->init(&k, &v, 1, &inst, eb, sizeof eb)) {
        fprintf(stderr, "bench_adapter: cannot load %s directly\n", argv[2]);
        exit(3);
    }
    const struct mrv_model_input pin = {.task = MRV_TASK_RECONSTRUCTION, .kspace = &ksp};
    int reps = 50 * n;
    double *tp = malloc((size_t)reps * sizeof *tp), *td = malloc((size_t)reps * sizeof *td);
    for (int i = 0; i < reps; i++) {
        struct mrv_array out;
        double t0 = now();
        if (mrv_model_infer(m, &pin, &out, &err) != MRV_OK) {
            fprintf(stderr, "bench_adapter: %s\n", err.msg);
            exit(3);
        }
        tp[i] = now() - t0;
        mrv_array_free(&out);
        struct mrv_array o2 = {0};
        struct mrv_plugin_inputs pi = {.task = MRV_PLUGIN_RECONSTRUCTION,
                                       .alloc_output = bench_alloc, .host = &o2};
        pi.kspace = (struct mrv_plugin_tensor){.dtype = MRV_PLUGIN_C64, .ndim = 4,
                                               .dims = {1, 15, 640, 368}, .data = ksp.data};
        t0 = now();
        p->infer(inst, &pi, eb, sizeof eb);
        td[i] = now() - t0;
        mrv_array_free(&o2);
    }
    double pm = median(tp, reps), dm = median(td, reps);
    p->release(inst);
    dlclose(lib);
    mrv_model_destroy(m);

    const char *what[2] = {"image 1x320x320 f32", "kspace 1x15x640x368 c64"};
    for (int a = 0; a < 2; a++)
        for (int v = 0; v < 2; v++)
            printf("%s: HDF5 write+read /dev/shm %.3f ms; protocol %d exec call %.3f ms "
                   "(ratio %.2f), of which mrvet's side (write request, hand over, read reply) "
                   "%.3f ms (ratio %.2f) and the echo worker's own time %.3f ms\n", what[a],
                   1e3 * base[a], 2 - v, 1e3 * call[v][a], call[v][a] / base[a],
                   1e3 * inside[v][a], inside[v][a] / base[a],
                   1e3 * (call[v][a] - inside[v][a]));
    printf("plugin (magnitude of coil 0, 640x368): via mrvet %.4f ms, direct %.4f ms, "
           "overhead %.4f ms\n", 1e3 * pm, 1e3 * dm, 1e3 * (pm - dm));

    free(tp);
    free(td);
    mrv_array_free(&img);
    mrv_array_free(&ksp);
    return 0;
}
