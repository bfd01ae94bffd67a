/* bench/bench_datasets.c — read speed of mrvet's dataset readers on the same
 * files as the Python peer (bench_datasets_peer.py), one thread.
 *
 *   bench_datasets WORKDIR   writes WORKDIR/vol.h5 (a fastMRI-sized
 *                            multi-coil volume) and prints, per case,
 *                            "<name> <seconds> <checksum>"
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "datasets/fastmri.h"
#include "datasets/nifti.h"

#define S 8
#define C 15
#define H 640
#define W 368

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/vol.h5", argv[1]);
    struct mrv_error err = {0};
    struct mrv_array k = {0};
    size_t kd[4] = {S, C, H, W};
    if (mrv_array_alloc(&k, MRV_C64, 4, kd, &err) != MRV_OK)
        return 1;
    float complex *v = k.data;
    for (size_t i = 0; i < mrv_array_count(&k); i++)
        v[i] = (float)(i % 1000) * 1e-3f + I * (float)(i % 7);
    struct mrv_fastmri_volume vol = {.kspace = &k};
    if (mrv_fastmri_write(path, &vol, &err) != MRV_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    mrv_array_free(&k);

    /* every slice once, one at a time, as the run engine loads cases */
    float complex *slice = malloc((size_t)C * H * W * sizeof *slice);
    double best = INFINITY, sum = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        struct mrv_fastmri *f;
        if (mrv_fastmri_open(path, &f, &err) != MRV_OK)
            return 1;
        sum = 0;
        for (size_t s = 0; s < S; s++) {
            if (mrv_fastmri_read_kspace(f, s, slice, &err) != MRV_OK)
                return 1;
            sum += crealf(slice[12345]);
        }
        mrv_fastmri_close(f);
        best = fmin(best, now() - t0);
    }
    printf("fastmri_slices %.6f %.6g\n", best, sum);
    free(slice);

    const char *ch2 = "/usr/share/mricron/templates/ch2.nii.gz";
    best = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        struct mrv_array a = {0};
        double t0 = now();
        if (mrv_nifti_read(ch2, MRV_F32, &a, NULL, &err) != MRV_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        best = fmin(best, now() - t0);
        sum = 0;
        for (size_t i = 0; i < mrv_array_count(&a); i++)
            sum += ((float *)a.data)[i];
        mrv_array_free(&a);
    }
    printf("nifti_ch2_gz %.6f %.6g\n", best, sum);
    return 0;
}
