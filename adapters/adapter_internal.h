/* adapters/adapter_internal.h — the adapter kinds and the helpers they
 * share (private to adapters/). */
#ifndef MRV_ADAPTERS_ADAPTER_INTERNAL_H
#define MRV_ADAPTERS_ADAPTER_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "adapters/adapter.h"

struct mrv_strbuf;

extern const struct mrv_adapter_kind mrv_adapter_builtin;
extern const struct mrv_adapter_kind mrv_adapter_exec;
extern const struct mrv_adapter_kind mrv_adapter_plugin;
extern const struct mrv_adapter_kind mrv_adapter_bart;

/* The value of `key` in settings, or `def` when absent. */
const char *mrv_ad_setting(const struct mrv_kv *s, int n, const char *key, const char *def);

/* Setting `key` as a number in [min, max] (default `def` when absent).
 * MRV_EINVAL names the model, the key and the range. */
enum mrv_status mrv_ad_setting_double(const struct mrv_kv *s, int n, const char *key, double def,
                                      double min, double max, const char *model, double *out,
                                      struct mrv_error *err);

/* Split a command line into argv: words separated by blanks, with '...'
 * and "..." quoting and backslash escapes as in sh (no expansion).
 * *argv is one allocation (free it with free()); NULL-terminated.
 * MRV_EINVAL for an unterminated quote or an empty command. */
enum mrv_status mrv_ad_split_command(const char *cmd, char ***argv, int *argc,
                                     struct mrv_error *err);

/* A private temporary folder (mkdtemp, mode 0700) under `base`, or
 * $TMPDIR, or /tmp, into buf. */
enum mrv_status mrv_ad_mkdtemp(const char *base, const char *prefix, char *buf, size_t size,
                               struct mrv_error *err);

/* Remove a folder made by mrv_ad_mkdtemp and the files in it. */
void mrv_ad_rmtree(const char *dir);

/* Centre-crop (or pass through) a (slices, y, x) f32 image to (ny, nx);
 * in place into a new owned array. Returns MRV_OK without change when the
 * image is already that size or smaller in a dimension. */
enum mrv_status mrv_ad_center_crop(struct mrv_array *img, size_t ny, size_t nx,
                                   struct mrv_error *err);

/* The k-space and mask checks every reconstruction adapter makes. */
enum mrv_status mrv_ad_check_recon_input(const char *model, const struct mrv_model_input *in,
                                         struct mrv_error *err);

/* Tensor files of the exec adapter (adapters/tensors.c). */
enum mrv_status mrv_ad_write_input(const char *path, const struct mrv_model_input *in,
                                   struct mrv_error *err);
/* Read the output of `task` from `path` into `out` (owned). Errors are
 * MRV_EMODEL naming the path, the dataset and what was found. */
enum mrv_status mrv_ad_read_output(const char *path, enum mrv_task task, struct mrv_array *out,
                                   struct mrv_error *err);

/* A tensor file of exec protocol 2 (docs/adapters.md, "Protocol 2"): made
 * once with contiguous, early-allocated datasets in the host's byte order
 * and rewritten in place (pwrite at each dataset's offset) while its
 * layout holds. Zero-initialise with the path set; n = 0 means no usable
 * file yet. Not thread-safe: one request uses a file at a time. */
#define MRV_AD_TFILE_MAX 4
struct mrv_ad_tensor {
    char name[32];
    enum mrv_dtype dtype;
    int ndim;
    size_t dims[MRV_MAX_DIMS];
    uint64_t offset; /* of the dataset's bytes in the file */
};
struct mrv_ad_tfile {
    char path[4200];
    int n;
    struct mrv_ad_tensor t[MRV_AD_TFILE_MAX];
    enum mrv_task task; /* 0 for outputs */
    bool has_spacing;
    double spacing[3];
    /* Outputs: the file's bytes before the dataset's (all its HDF5
     * metadata) and its size, as made; head_len = 0 when not usable. */
    unsigned char head[4096];
    size_t head_len;
    uint64_t size;
};

/* The request's tensors (kspace, mask, sensitivity_maps, image; NULL or
 * empty ones left out) and attributes into f: in place when the layout is
 * f's, else in a new file. MRV_EIO naming the path. */
enum mrv_status mrv_ad_tfile_write_input(struct mrv_ad_tfile *f, const struct mrv_model_input *in,
                                         struct mrv_error *err);
/* Make f hold one f32 dataset `name` of `dims` (a new file only when the
 * layout changed; no fill) and mark it unwritten. */
enum mrv_status mrv_ad_tfile_prepare_output(struct mrv_ad_tfile *f, const char *name, int ndim,
                                            const size_t *dims, struct mrv_error *err);
/* Read the worker's output of `task` from f (whatever HDF5 layout the
 * worker left: written in place, or a file of its own, after which f
 * forgets its layout). MRV_EMODEL as mrv_ad_read_output, and when the
 * pre-made dataset was left unwritten. */
enum mrv_status mrv_ad_tfile_read_output(struct mrv_ad_tfile *f, enum mrv_task task,
                                         struct mrv_array *out, struct mrv_error *err);
/* f's datasets as a JSON object {"name": {"offset": N, "dtype": "<f4",
 * "shape": [...]}, ...} appended to b. */
void mrv_ad_tfile_layout_json(const struct mrv_ad_tfile *f, struct mrv_strbuf *b);

/* Monotonic seconds; sleep that resumes after signals. */
double mrv_ad_now(void);
void mrv_ad_sleep(double s);

/* Wait for child `pid` until `deadline` (mrv_ad_now() seconds): true and
 * *status when it ended (or is already reaped). */
bool mrv_ad_wait_until(pid_t pid, double deadline, int *status);

/* "exited with status 3", "killed by signal 11 (Segmentation fault)". */
void mrv_ad_describe_status(int status, char *buf, size_t size);

/* Fork and exec argv (PATH searched) in `workdir` (NULL or "": the
 * current one), stdin from in_fd, stdout to out_fd (-1: to the log),
 * stderr appended to err_path. The child leads its own process group, so
 * kill(-pid) reaches everything it starts. */
enum mrv_status mrv_ad_spawn(const char *name, const char *workdir, const char *err_path,
                             char *const argv[], int in_fd, int out_fd, pid_t *pid_out,
                             struct mrv_error *err);

/* Run argv (no shell) in `workdir` (NULL: the current one) with stdin
 * /dev/null and stdout+stderr appended to log_path, for at most `timeout`
 * seconds (then its process group is killed). MRV_OK when it ran: `what`
 * is "" on exit status 0, else says how it ended ("exited with status 2",
 * "killed by signal 11 (...)", "did not finish within timeout = 5 s").
 * An error status only when it could not be started at all. */
enum mrv_status mrv_ad_run(const char *name, char *const argv[], const char *workdir,
                           const char *log_path, double timeout, char *what, size_t wsize,
                           struct mrv_error *err);

/* The one-shot command line: `tmpl` with "{input}" and "{output}" in any
 * word replaced by the paths; *argv_out (NULL-terminated, argc words) is
 * freed with mrv_ad_free_argv, also after an error. */
enum mrv_status mrv_ad_fill_template(char *const tmpl[], int argc, const char *input,
                                     const char *output, char ***argv_out,
                                     struct mrv_error *err);
void mrv_ad_free_argv(char **argv, int argc);

/* The last `nbytes` of a text file, from a line start when possible, with
 * newlines shown as " | " so an error message stays on one line. */
void mrv_ad_file_tail(const char *path, size_t nbytes, char *buf, size_t size);

/* A 2-D (ny, nx) FFT plan from a process-wide cache (plans are made once
 * per shape and kept: inference never plans in the hot path). */
struct mrv_fft;
enum mrv_status mrv_ad_fft_plan(size_t ny, size_t nx, const struct mrv_fft **out,
                                struct mrv_error *err);

/* A minimal JSON reader for worker replies (adapters/json.c): one object
 * per line; values looked up by top-level key. */
/* True when `s` is exactly one JSON object (with optional blanks). */
bool mrv_ad_json_is_object(const char *s);
/* The value of top-level `key` in object `s` (start pointer, *len bytes),
 * or NULL when absent. */
const char *mrv_ad_json_get(const char *s, const char *key, size_t *len);
/* A string value unescaped into buf (\uXXXX above 0x7f becomes '?');
 * false when absent or not a string. */
bool mrv_ad_json_string(const char *s, const char *key, char *buf, size_t size);
/* A number; false when absent or not a number. */
bool mrv_ad_json_number(const char *s, const char *key, double *out);
/* 1 true, 0 false, -1 absent or not a boolean. */
int mrv_ad_json_bool(const char *s, const char *key);

#endif
