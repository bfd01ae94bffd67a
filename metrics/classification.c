/* metrics/classification.c — AUROC with DeLong or bootstrap CI, rates at a
 * threshold (conventions in classification.h). */
#include "metrics/classification.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/stats.h"

static const char reason_one_class[] =
    "the test set needs at least one positive and one negative case";

static enum mrv_status check(const char *fn, const double *score, const uint8_t *label,
                             size_t n, struct mrv_error *err)
{
    if (n > 0 && (!score || !label))
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL scores or labels", fn);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(score[i]))
            return mrv_error_set(err, MRV_EINVAL, "%s: score[%zu] = %g; expected finite", fn,
                                 i, score[i]);
        if (label[i] > 1)
            return mrv_error_set(err, MRV_EINVAL, "%s: label[%zu] = %d; expected 0 or 1", fn,
                                 i, label[i]);
    }
    return MRV_OK;
}

/* Midranks (1-based, ties averaged) of x[0..n-1] into rank, via idx. */
static void midranks(const double *x, size_t n, size_t *idx, double *rank)
{
    gsl_sort_index(idx, x, 1, n);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && x[idx[j + 1]] == x[idx[i]])
            j++;
        double r = (double)(i + j + 2) / 2.0;
        for (size_t k = i; k <= j; k++)
            rank[idx[k]] = r;
        i = j + 1;
    }
}

/* AUC and DeLong variance (Sun & Xu 2014): with Tz the midranks in the
 * pooled sample, Tx within positives, Ty within negatives,
 * V10_i = (Tz_i - Tx_i) / n, V01_j = 1 - (Tz_j - Ty_j) / m. */
static void delong(const double *score, const uint8_t *label, size_t n, double *work,
                   size_t *idx, double *auc, double *var)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += label[i];
    size_t k = n - m;
    double *tz = work, *x = work + n, *tx = work + 2 * n, *y = work + 3 * n,
           *ty = work + 4 * n;
    midranks(score, n, idx, tz);
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        if (label[i])
            x[a++] = score[i];
        else
            y[b++] = score[i];
    }
    midranks(x, m, idx, tx);
    midranks(y, k, idx, ty);
    double s_pos = 0;
    a = b = 0;
    double *v10 = x, *v01 = y; /* reuse */
    for (size_t i = 0; i < n; i++) {
        if (label[i]) {
            s_pos += tz[i];
            v10[a] = (tz[i] - tx[a]) / (double)k;
            a++;
        } else {
            v01[b] = 1.0 - (tz[i] - ty[b]) / (double)m;
            b++;
        }
    }
    *auc = (s_pos - (double)m * ((double)m + 1) / 2.0) / ((double)m * (double)k);
    double s10 = 0, s01 = 0;
    for (size_t i = 0; i < m; i++)
        s10 += (v10[i] - *auc) * (v10[i] - *auc);
    for (size_t j = 0; j < k; j++)
        s01 += (v01[j] - *auc) * (v01[j] - *auc);
    s10 = m > 1 ? s10 / (double)(m - 1) : 0;
    s01 = k > 1 ? s01 / (double)(k - 1) : 0;
    *var = s10 / (double)m + s01 / (double)k;
}

enum mrv_status mrv_auroc_compute(const double *score, const uint8_t *label, size_t n,
                                  enum mrv_auc_ci method, double level, int resamples,
                                  uint64_t seed, struct mrv_auroc *r, struct mrv_error *err)
{
    static const char fn[] = "AUROC";
    if (!r)
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL result", fn);
    memset(r, 0, sizeof *r);
    r->auc = r->se = r->lo = r->hi = NAN;
    r->level = level;
    enum mrv_status s = check(fn, score, label, n, err);
    if (s != MRV_OK)
        return s;
    if (!(level > 0 && level < 1) || (method == MRV_AUC_BOOTSTRAP && resamples < 1) ||
        (method != MRV_AUC_DELONG && method != MRV_AUC_BOOTSTRAP))
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: level %g, method %d, resamples %d; expected level in "
                             "(0, 1), DeLong or bootstrap, resamples >= 1",
                             fn, level, (int)method, resamples);
    for (size_t i = 0; i < n; i++)
        r->positives += label[i];
    r->negatives = n - r->positives;
    if (!r->positives || !r->negatives) {
        r->null_reason = reason_one_class;
        return MRV_OK;
    }
    double *work = malloc(5 * n * sizeof *work);
    size_t *idx = malloc(n * sizeof *idx);
    double *bs = NULL, *bscore = NULL;
    uint8_t *blab = NULL;
    if (!work || !idx) {
        s = mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate for %zu cases", fn, n);
        goto done;
    }
    double var;
    delong(score, label, n, work, idx, &r->auc, &var);
    r->se = sqrt(var);
    if (method == MRV_AUC_DELONG) {
        double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2);
        r->lo = fmax(0.0, r->auc - z * r->se);
        r->hi = fmin(1.0, r->auc + z * r->se);
        goto done;
    }
    bs = malloc((size_t)resamples * sizeof *bs);
    bscore = malloc(n * sizeof *bscore);
    blab = malloc(n);
    if (!bs || !bscore || !blab) {
        s = mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate %d resamples", fn, resamples);
        goto done;
    }
    struct mrv_rng rs;
    gsl_rng *g = mrv_rng_init(&rs, seed);
    for (int b = 0; b < resamples; b++) {
        size_t pos;
        do {
            pos = 0;
            for (size_t i = 0; i < n; i++) {
                size_t j = gsl_rng_uniform_int(g, (unsigned long)n);
                bscore[i] = score[j];
                blab[i] = label[j];
                pos += label[j];
            }
        } while (pos == 0 || pos == n);
        double v;
        delong(bscore, blab, n, work, idx, &bs[b], &v);
    }
    gsl_sort(bs, 1, (size_t)resamples);
    r->lo = mrv_stats_quantile_sorted(bs, (size_t)resamples, (1 - level) / 2);
    r->hi = mrv_stats_quantile_sorted(bs, (size_t)resamples, (1 + level) / 2);
done:
    free(work);
    free(idx);
    free(bs);
    free(bscore);
    free(blab);
    return s;
}

enum mrv_status mrv_binary_rates_compute(const double *score, const uint8_t *label,
                                         size_t n, double threshold,
                                         struct mrv_binary_rates *r, struct mrv_error *err)
{
    if (!r)
        return mrv_error_set(err, MRV_EMISUSE, "binary rates: NULL result");
    memset(r, 0, sizeof *r);
    r->sensitivity = r->specificity = r->accuracy = NAN;
    enum mrv_status s = check("binary rates", score, label, n, err);
    if (s != MRV_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        bool pred = score[i] >= threshold;
        if (label[i])
            pred ? r->tp++ : r->fn++;
        else
            pred ? r->fp++ : r->tn++;
    }
    if (r->tp + r->fn)
        r->sensitivity = (double)r->tp / (double)(r->tp + r->fn);
    if (r->tn + r->fp)
        r->specificity = (double)r->tn / (double)(r->tn + r->fp);
    if (n)
        r->accuracy = (double)(r->tp + r->tn) / (double)n;
    return MRV_OK;
}
