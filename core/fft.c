#include "core/fft.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct mrv_fft {
    int rank;
    size_t n[3];
    size_t total;
    bool all_even;     /* centering by sign modulation instead of rolls */
    float sign;        /* (-1)^(sum n_d/2): global factor of the modulation */
    float scale;       /* 1/sqrt(total) */
    fftwf_plan fwd, inv;
};

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

enum mrv_status mrv_fft_plan_create(int rank, const size_t n[], struct mrv_fft **out,
                                    struct mrv_error *err)
{
    *out = NULL;
    if (rank < 1 || rank > 3)
        return mrv_error_set(err, MRV_EINVAL, "fft: rank %d, expected 1..3", rank);
    struct mrv_fft *p = calloc(1, sizeof *p);
    if (!p)
        return mrv_error_set(err, MRV_ENOMEM, "fft: out of memory");
    p->rank = rank;
    p->total = 1;
    p->all_even = true;
    int half_sum = 0;
    int dims[3];
    for (int d = 0; d < rank; d++) {
        if (n[d] == 0 || n[d] > (1u << 30)) {
            free(p);
            return mrv_error_set(err, MRV_EINVAL, "fft: axis %d has size %zu", d, n[d]);
        }
        p->n[d] = n[d];
        dims[d] = (int)n[d];
        p->total *= n[d];
        p->all_even = p->all_even && n[d] % 2 == 0;
        half_sum += (int)(n[d] / 2);
    }
    p->sign = (half_sum % 2) ? -1.0f : 1.0f;
    p->scale = (float)(1.0 / sqrt((double)p->total));

    /* Planning writes into the buffer it is given; plan on scratch memory
     * and execute later on the caller's arrays (new-array execute). */
    fftwf_complex *tmp = fftwf_malloc(p->total * sizeof *tmp);
    if (!tmp) {
        free(p);
        return mrv_error_set(err, MRV_ENOMEM, "fft: out of memory");
    }
    unsigned flags = FFTW_ESTIMATE | FFTW_UNALIGNED;
    pthread_mutex_lock(&planner_lock);
    p->fwd = fftwf_plan_dft(rank, dims, tmp, tmp, FFTW_FORWARD, flags);
    p->inv = fftwf_plan_dft(rank, dims, tmp, tmp, FFTW_BACKWARD, flags);
    pthread_mutex_unlock(&planner_lock);
    fftwf_free(tmp);
    if (!p->fwd || !p->inv) {
        mrv_fft_destroy(p);
        return mrv_error_set(err, MRV_EINTERNAL, "fft: FFTW could not plan");
    }
    *out = p;
    return MRV_OK;
}

size_t mrv_fft_size(const struct mrv_fft *p)
{
    return p->total;
}

void mrv_fft_destroy(struct mrv_fft *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&planner_lock);
    if (p->fwd)
        fftwf_destroy_plan(p->fwd);
    if (p->inv)
        fftwf_destroy_plan(p->inv);
    pthread_mutex_unlock(&planner_lock);
    free(p);
}

/* Multiply by (-1)^(i0+i1+i2) * factor. For even sizes this is how
 * fftshift/ifftshift act across a DFT: a shift by n/2 in one domain is a
 * sign alternation in the other. */
static void modulate(const struct mrv_fft *p, float complex *x, float factor)
{
    size_t nlast = p->n[p->rank - 1];
    size_t lines = p->total / nlast;
    for (size_t l = 0; l < lines; l++) {
        /* parity of the line's leading indices */
        size_t rem = l, parity = 0;
        for (int d = p->rank - 2; d >= 0; d--) {
            parity += rem % p->n[d];
            rem /= p->n[d];
        }
        float s = (parity & 1) ? -factor : factor;
        float complex *row = x + l * nlast;
        for (size_t i = 0; i < nlast; i += 2) {
            row[i] *= s;
            row[i + 1] *= -s;
        }
    }
}

static void reverse(float complex *x, size_t stride, size_t lo, size_t hi)
{
    while (lo < hi) {
        float complex t = x[lo * stride];
        x[lo * stride] = x[hi * stride];
        x[hi * stride] = t;
        lo++;
        hi--;
    }
}

/* Roll every line along axis `axis` right by `k` (0 <= k < len), in place,
 * by three reversals: no scratch memory. */
static void roll_axis(const struct mrv_fft *p, float complex *x, int axis, size_t k)
{
    size_t len = p->n[axis];
    if (k == 0 || len < 2)
        return;
    size_t stride = 1;
    for (int d = axis + 1; d < p->rank; d++)
        stride *= p->n[d];
    size_t outer = p->total / (len * stride);
    for (size_t o = 0; o < outer; o++) {
        for (size_t in = 0; in < stride; in++) {
            float complex *line = x + o * len * stride + in;
            reverse(line, stride, 0, len - 1);
            reverse(line, stride, 0, k - 1);
            reverse(line, stride, k, len - 1);
        }
    }
}

/* fftshift (forward = true) or ifftshift over all planned axes. */
static void shift(const struct mrv_fft *p, float complex *x, bool fwd)
{
    for (int d = 0; d < p->rank; d++) {
        size_t len = p->n[d];
        size_t k = fwd ? len / 2 : len - len / 2;
        roll_axis(p, x, d, k % len);
    }
}

static void scale_all(const struct mrv_fft *p, float complex *x, float s)
{
    for (size_t i = 0; i < p->total; i++)
        x[i] *= s;
}

static void execute(const struct mrv_fft *p, fftwf_plan plan, float complex *data,
                    size_t howmany)
{
    for (size_t b = 0; b < howmany; b++) {
        float complex *x = data + b * p->total;
        if (p->all_even) {
            modulate(p, x, p->scale);
            fftwf_execute_dft(plan, (fftwf_complex *)x, (fftwf_complex *)x);
            modulate(p, x, p->sign);
        } else {
            shift(p, x, false);
            fftwf_execute_dft(plan, (fftwf_complex *)x, (fftwf_complex *)x);
            shift(p, x, true);
            scale_all(p, x, p->scale);
        }
    }
}

void mrv_fft_forward(const struct mrv_fft *p, float complex *data, size_t howmany)
{
    execute(p, p->fwd, data, howmany);
}

void mrv_fft_inverse(const struct mrv_fft *p, float complex *data, size_t howmany)
{
    execute(p, p->inv, data, howmany);
}
