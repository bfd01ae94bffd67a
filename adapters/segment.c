/* The classical segmenter: Otsu's threshold (N. Otsu, IEEE Trans. SMC
 * 9:62, 1979) computed as scikit-image's threshold_otsu (256-bin histogram
 * over [min, max], bin centres, argmax of the between-class variance,
 * foreground = value > threshold), then the largest 6-connected component
 * (scipy.ndimage.label's default face connectivity), then holes filled
 * slice by slice as scipy.ndimage.binary_fill_holes does in 2-D (background
 * 4-connected regions not touching the slice border become foreground). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter_internal.h"

static double otsu(const float *v, size_t n)
{
    enum { NB = 256 };
    float lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (!(hi > lo))
        return lo; /* skimage: a constant image's threshold is its value */
    double counts[NB] = {0}, centres[NB];
    double width = ((double)hi - lo) / NB;
    for (int b = 0; b < NB; b++)
        centres[b] = lo + width * (b + 0.5);
    for (size_t i = 0; i < n; i++) {
        /* numpy.histogram: bins are half-open except the last, closed. */
        int b = (int)(((double)v[i] - lo) / ((double)hi - lo) * NB);
        counts[b >= NB ? NB - 1 : b] += 1;
    }
    double w1[NB], m1[NB], w2[NB], m2[NB], acc = 0, accm = 0;
    for (int b = 0; b < NB; b++) {
        acc += counts[b];
        accm += counts[b] * centres[b];
        w1[b] = acc;
        m1[b] = acc > 0 ? accm / acc : 0;
    }
    acc = accm = 0;
    for (int b = NB - 1; b >= 0; b--) {
        acc += counts[b];
        accm += counts[b] * centres[b];
        w2[b] = acc;
        m2[b] = acc > 0 ? accm / acc : 0;
    }
    int best = 0;
    double bestv = -1;
    for (int b = 0; b < NB - 1; b++) {
        double d = m1[b] - m2[b + 1], var = w1[b] * w2[b + 1] * d * d;
        if (var > bestv) { /* first maximum, as numpy.argmax */
            bestv = var;
            best = b;
        }
    }
    return centres[best];
}

/* Label the 6-connected components of mask==value with a queue; returns
 * the count, lab[i] = 1..count (0 elsewhere). */
static size_t components(const uint8_t *mask, uint8_t value, size_t nz, size_t ny, size_t nx,
                         int32_t *lab, size_t *queue, bool per_slice)
{
    size_t n = nz * ny * nx, count = 0;
    memset(lab, 0, n * sizeof *lab);
    for (size_t seed = 0; seed < n; seed++) {
        if (mask[seed] != value || lab[seed])
            continue;
        count++;
        size_t head = 0, tail = 0;
        queue[tail++] = seed;
        lab[seed] = (int32_t)count;
        while (head < tail) {
            size_t i = queue[head++];
            size_t z = i / (ny * nx), y = i / nx % ny, x = i % nx;
            size_t nb[6];
            int k = 0;
            if (x > 0) nb[k++] = i - 1;
            if (x + 1 < nx) nb[k++] = i + 1;
            if (y > 0) nb[k++] = i - nx;
            if (y + 1 < ny) nb[k++] = i + nx;
            if (!per_slice && z > 0) nb[k++] = i - ny * nx;
            if (!per_slice && z + 1 < nz) nb[k++] = i + ny * nx;
            for (int j = 0; j < k; j++)
                /* nb[j] < n = nz*ny*nx by the bounds tests above */
                // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
                if (mask[nb[j]] == value && !lab[nb[j]]) {
                    lab[nb[j]] = (int32_t)count;
                    queue[tail++] = nb[j];
                }
        }
    }
    return count;
}

enum mrv_status mrv_segment_otsu(const struct mrv_array *image, struct mrv_array *labels,
                                 struct mrv_array *probs, double *threshold,
                                 struct mrv_error *err)
{
    if (image->dtype != MRV_F32 || image->ndim != 3)
        return mrv_error_set(err, MRV_EINVAL, "otsu_segmenter: image must be (slices, y, x) f32");
    size_t nz = image->dims[0], ny = image->dims[1], nx = image->dims[2], n = nz * ny * nx;
    if (!nz || !ny || !nx) /* otsu() reads v[0]; components() divides by nx */
        return mrv_error_set(err, MRV_EINVAL, "otsu_segmenter: image (%zu, %zu, %zu) is empty, "
                             "expected at least one voxel", nz, ny, nx);
    const float *v = image->data;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return mrv_error_set(err, MRV_EINVAL, "otsu_segmenter: image has NaN/Inf at flat "
                                 "index %zu", i);
    // NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI): n > 0, every dim checked above
    uint8_t *mask = malloc(n);
    int32_t *lab = malloc(n * sizeof *lab);
    size_t *queue = malloc(n * sizeof *queue);
    size_t *sizes = NULL;
    enum mrv_status s = MRV_OK;
    if (!mask || !lab || !queue) {
        s = mrv_error_set(err, MRV_ENOMEM, "otsu_segmenter: out of memory");
        goto done;
    }
    double t = otsu(v, n);
    for (size_t i = 0; i < n; i++)
        mask[i] = v[i] > t;
    size_t nc = components(mask, 1, nz, ny, nx, lab, queue, false);
    if (nc > 1) {
        if (!(sizes = calloc(nc + 1, sizeof *sizes))) {
            s = mrv_error_set(err, MRV_ENOMEM, "otsu_segmenter: out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            sizes[lab[i]]++;
        size_t big = 1;
        for (size_t c = 2; c <= nc; c++)
            if (sizes[c] > sizes[big]) /* the first largest, on ties */
                big = c;
        for (size_t i = 0; i < n; i++)
            mask[i] = lab[i] == (int32_t)big;
    }
    /* Background regions of each slice that do not reach its border are holes. */
    size_t nb = components(mask, 0, nz, ny, nx, lab, queue, true);
    if (nb > 0) {
        uint8_t *border = calloc(nb + 1, 1);
        if (!border) {
            s = mrv_error_set(err, MRV_ENOMEM, "otsu_segmenter: out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            size_t y = i / nx % ny, x = i % nx;
            if (lab[i] && (y == 0 || x == 0 || y + 1 == ny || x + 1 == nx))
                border[lab[i]] = 1;
        }
        for (size_t i = 0; i < n; i++)
            if (lab[i] && !border[lab[i]])
                mask[i] = 1;
        free(border);
    }
    if (threshold)
        *threshold = t;
    if (labels && (s = mrv_array_alloc(labels, MRV_U8, 3, image->dims, err)) == MRV_OK)
        memcpy(labels->data, mask, n);
    if (s == MRV_OK && probs &&
        (s = mrv_array_alloc(probs, MRV_F32, 4, (size_t[]){2, nz, ny, nx}, err)) == MRV_OK) {
        /* A calibrated-looking confidence: 0.5 at the threshold, towards 1
         * a twentieth of the intensity range away from it; always on the
         * side of the final mask, so argmax reproduces the labels. */
        float lo = v[0], hi = v[0];
        for (size_t i = 1; i < n; i++) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
        double scale = hi > lo ? ((double)hi - lo) / 20 : 1;
        float *p = probs->data;
        for (size_t i = 0; i < n; i++) {
            double conf = 0.01 + 0.48 * tanh(fabs((double)v[i] - t) / scale);
            p[n + i] = (float)(mask[i] ? 0.5 + conf : 0.5 - conf);
            p[i] = 1.0f - p[n + i];
        }
    }
    if (s != MRV_OK && labels)
        mrv_array_free(labels);
done:
    free(mask);
    free(lab);
    free(queue);
    free(sizes);
    return s;
}
