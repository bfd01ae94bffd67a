/* metrics/calibration.c — ECE, adaptive ECE, MCE, RMS-CE, Brier, NLL and
 * reliability bins (conventions in calibration.h; docs/metrics/calibration.md). */
#include "metrics/calibration.h"

#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void bin_finish(struct mrv_calib_bin *b, double sc, double sa)
{
    b->confidence = b->count ? sc / (double)b->count : NAN;
    b->accuracy = b->count ? sa / (double)b->count : NAN;
}

enum mrv_status mrv_calibration_compute(const double *conf, const uint8_t *correct,
                                        size_t n, int bins, enum mrv_bin_edges edges,
                                        struct mrv_calibration *r, struct mrv_error *err)
{
    if (!conf || !correct || !r)
        return mrv_error_set(err, MRV_EMISUSE, "calibration: NULL argument");
    if (n == 0)
        return mrv_error_set(err, MRV_EINVAL, "calibration: no samples; expected n >= 1");
    if (bins < 1 || bins > MRV_CALIB_MAX_BINS)
        return mrv_error_set(err, MRV_EINVAL, "calibration: %d bins; expected 1..%d", bins,
                             MRV_CALIB_MAX_BINS);
    if (edges != MRV_BINS_UPPER_CLOSED && edges != MRV_BINS_LOWER_CLOSED)
        return mrv_error_set(err, MRV_EINVAL, "calibration: unknown bin-edge convention %d",
                             (int)edges);
    for (size_t i = 0; i < n; i++)
        if (!(conf[i] >= 0 && conf[i] <= 1))
            return mrv_error_set(err, MRV_EINVAL,
                                 "calibration: confidence[%zu] = %g; expected a probability "
                                 "in [0, 1]",
                                 i, conf[i]);
    memset(r, 0, sizeof *r);
    r->bins = bins;
    r->edges = edges;
    r->n = n;

    double sc[MRV_CALIB_MAX_BINS] = {0}, sa[MRV_CALIB_MAX_BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        double c = conf[i], x = c * bins;
        int b;
        if (edges == MRV_BINS_UPPER_CLOSED)
            b = (int)ceil(x) - 1; /* (lo, hi]; 0 joins the first bin */
        else
            b = (int)floor(x); /* [lo, hi); 1 joins the last bin */
        b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
        r->bin[b].count++;
        sc[b] += c;
        sa[b] += correct[i] != 0;
    }
    double ece = 0, mce = 0, rms = 0;
    for (int b = 0; b < bins; b++) {
        r->bin[b].lo = (double)b / bins;
        r->bin[b].hi = (double)(b + 1) / bins;
        bin_finish(&r->bin[b], sc[b], sa[b]);
        if (!r->bin[b].count)
            continue;
        double gap = fabs(r->bin[b].accuracy - r->bin[b].confidence);
        double wgt = (double)r->bin[b].count / (double)n;
        ece += wgt * gap;
        rms += wgt * gap * gap;
        mce = fmax(mce, gap);
    }
    r->ece = ece;
    r->mce = mce;
    r->rmsce = sqrt(rms);

    /* Equal mass: sort by confidence, numpy array_split sizes. */
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return mrv_error_set(err, MRV_ENOMEM, "calibration: cannot allocate %zu indices", n);
    gsl_sort_index(idx, conf, 1, n);
    double aece = 0;
    size_t pos = 0, base = n / (size_t)bins, extra = n % (size_t)bins;
    for (int b = 0; b < bins; b++) {
        size_t len = base + ((size_t)b < extra ? 1 : 0);
        double c = 0, a = 0;
        struct mrv_calib_bin *ab = &r->abin[b];
        ab->count = len;
        ab->lo = len ? conf[idx[pos]] : NAN;
        ab->hi = len ? conf[idx[pos + len - 1]] : NAN;
        for (size_t k = pos; k < pos + len; k++) {
            c += conf[idx[k]];
            a += correct[idx[k]] != 0;
        }
        bin_finish(ab, c, a);
        if (len)
            aece += (double)len / (double)n * fabs(ab->accuracy - ab->confidence);
        pos += len;
    }
    r->aece = aece;
    free(idx);
    return MRV_OK;
}

enum mrv_status mrv_brier_nll(const double *p, const uint8_t *y, size_t n, int classes,
                              double *brier, double *nll, struct mrv_error *err)
{
    if (!p || !y || !brier || !nll)
        return mrv_error_set(err, MRV_EMISUSE, "brier/nll: NULL argument");
    if (n == 0 || classes < 1)
        return mrv_error_set(err, MRV_EINVAL,
                             "brier/nll: %zu samples of %d classes; expected >= 1 of each",
                             n, classes);
    double b = 0, l = 0;
    size_t C = (size_t)classes;
    for (size_t i = 0; i < n; i++) {
        if ((classes == 1 && y[i] > 1) || (classes > 1 && y[i] >= classes))
            return mrv_error_set(err, MRV_EINVAL, "brier/nll: label[%zu] = %d; expected 0..%d",
                                 i, y[i], classes == 1 ? 1 : classes - 1);
        double pt;
        if (classes == 1) {
            double q = p[i], d = q - (double)y[i];
            if (!(q >= 0 && q <= 1))
                return mrv_error_set(err, MRV_EINVAL,
                                     "brier/nll: p[%zu] = %g; expected [0, 1]", i, q);
            b += d * d;
            pt = y[i] ? q : 1 - q;
        } else {
            for (size_t k = 0; k < C; k++) {
                double q = p[i * C + k];
                if (!(q >= 0 && q <= 1))
                    return mrv_error_set(err, MRV_EINVAL,
                                         "brier/nll: p[%zu][%zu] = %g; expected [0, 1]", i, k,
                                         q);
                double d = q - (k == y[i] ? 1.0 : 0.0);
                b += d * d;
            }
            pt = p[i * C + y[i]];
        }
        l -= log(fmax(pt, MRV_NLL_EPS));
    }
    *brier = b / (double)n;
    *nll = l / (double)n;
    return MRV_OK;
}

/* ---- probability maps: the registered metrics --------------------------- */

enum which { W_ECE, W_AECE, W_MCE, W_BRIER, W_NLL };

static enum mrv_status probs_eval(enum which what, const char *name,
                                  const struct mrv_metric_args *a,
                                  struct mrv_metric_value *v, struct mrv_error *err)
{
    if (!a || !a->reference || !a->output || !v)
        return mrv_error_set(err, MRV_EMISUSE, "%s: NULL argument", name);
    *v = (struct mrv_metric_value){NAN, NULL};
    const struct mrv_array *lab = a->reference, *pr = a->output;
    char ls[128], ps[128];
    mrv_array_describe(lab, ls, sizeof ls);
    mrv_array_describe(pr, ps, sizeof ps);
    bool ok = lab->dtype == MRV_U8 && pr->dtype == MRV_F32 && lab->data && pr->data &&
              pr->ndim == lab->ndim + 1 && lab->ndim >= 1 && pr->dims[0] >= 1 &&
              mrv_array_count(lab) >= 1;
    for (int d = 0; ok && d < lab->ndim; d++)
        ok = lab->dims[d] == pr->dims[d + 1];
    if (!ok)
        return mrv_error_set(err, MRV_EINVAL,
                             "%s: reference %s and output %s; expected u8 labels (slices, "
                             "y, x) and f32 probabilities (classes, slices, y, x)",
                             name, ls, ps);
    size_t n = mrv_array_count(lab), C = pr->dims[0];
    int label = a->label;
    if (label < 0 || (C > 1 && (size_t)label >= C) || (C == 1 && label > 1))
        return mrv_error_set(err, MRV_EINVAL, "%s: label %d; expected 0..%zu", name, label,
                             C > 1 ? C - 1 : 1);
    bool binary = C == 1 || label > 0;
    int cls = C == 1 ? 1 : label;
    const uint8_t *y = lab->data;
    const float *p = pr->data;
    double *conf = malloc(n * sizeof *conf);
    uint8_t *corr = malloc(n);
    double *pp = (what == W_BRIER || what == W_NLL) && !binary ? malloc(n * C * sizeof *pp)
                                                                : NULL;
    enum mrv_status s = MRV_OK;
    if (!conf || !corr || ((what == W_BRIER || what == W_NLL) && !binary && !pp)) {
        s = mrv_error_set(err, MRV_ENOMEM, "%s: cannot allocate for %zu voxels", name, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (binary) {
            conf[i] = C == 1 ? p[i] : p[(size_t)cls * n + i];
            corr[i] = C == 1 ? y[i] != 0 : y[i] == cls;
        } else {
            size_t best = 0;
            for (size_t k = 0; k < C; k++) {
                double q = p[k * n + i];
                if (pp)
                    pp[i * C + k] = q;
                if (q > p[best * n + i])
                    best = k;
            }
            conf[i] = p[best * n + i];
            corr[i] = y[i] == best;
        }
        if (!isfinite(conf[i])) {
            v->null_reason = "output contains NaN or Inf";
            goto done;
        }
    }
    if (what == W_BRIER || what == W_NLL) {
        double b = NAN, l = NAN;
        s = binary ? mrv_brier_nll(conf, corr, n, 1, &b, &l, err)
                   : mrv_brier_nll(pp, y, n, (int)C, &b, &l, err);
        if (s == MRV_OK)
            v->value = what == W_BRIER ? b : l;
    } else {
        struct mrv_calibration *r = malloc(sizeof *r);
        if (!r) {
            s = mrv_error_set(err, MRV_ENOMEM, "%s: out of memory", name);
            goto done;
        }
        s = mrv_calibration_compute(conf, corr, n, a->bins, MRV_BINS_UPPER_CLOSED, r, err);
        if (s == MRV_OK)
            v->value = what == W_ECE ? r->ece : what == W_AECE ? r->aece : r->mce;
        free(r);
    }
done:
    free(conf);
    free(corr);
    free(pp);
    return s;
}

#define CAL_METRIC(field, W, sum, def)                                                  \
    static enum mrv_status field##_eval(const struct mrv_metric_args *a,               \
                                        struct mrv_metric_value *v,                    \
                                        struct mrv_error *err)                         \
    {                                                                                  \
        return probs_eval(W, #field, a, v, err);                                       \
    }                                                                                  \
    MRV_METRIC_COMPUTE_FROM_EVAL(field)                                                \
    const struct mrv_metric mrv_metric_##field = {                                     \
        .name = #field, .summary = (sum), .definition = (def), .unit = "",             \
        .higher_is_better = false, .direction = MRV_LOWER_IS_BETTER,                   \
        .kind = MRV_METRIC_PROBS, .compute = field##_compute, .eval = field##_eval}

CAL_METRIC(ece, W_ECE, "expected calibration error, 15 equal-width bins (lo, hi] (Guo 2017)",
           "sum_m |B_m|/n |acc_m - conf_m|, voxels pooled per case, top label");
CAL_METRIC(aece, W_AECE, "adaptive (equal-mass) expected calibration error, 15 bins",
           "ECE with bins holding n/15 samples each, sorted by confidence");
CAL_METRIC(mce, W_MCE, "maximum calibration error over non-empty bins (Guo 2017)",
           "max_m |acc_m - conf_m| over 15 equal-width bins");
CAL_METRIC(brier, W_BRIER, "Brier score (multi-class sum over classes, in [0, 2])",
           "(1/N) sum_i sum_k (p_ik - y_ik)^2; binary (1/N) sum (p - y)^2");
CAL_METRIC(nll, W_NLL, "negative log-likelihood of the true class, p clipped at 1e-10",
           "-mean log max(p_true, 1e-10)");
