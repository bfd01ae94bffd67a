#include "perturbations/mask.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

const char *mrv_mask_kind_name(enum mrv_mask_kind kind)
{
    switch (kind) {
    case MRV_MASK_RANDOM: return "random";
    case MRV_MASK_EQUISPACED: return "equispaced";
    case MRV_MASK_EQUISPACED_FRACTION: return "equispaced_fraction";
    case MRV_MASK_POISSON: return "poisson";
    }
    return "unknown";
}

static enum mrv_status check(size_t ncols, double acceleration, double center_fraction,
                             size_t *nlow, struct mrv_error *err)
{
    if (!(acceleration >= 1.0 && acceleration <= 64.0))
        return mrv_error_set(err, MRV_EINVAL,
                             "undersampling: acceleration %g, expected 1..64", acceleration);
    if (!(center_fraction > 0.0 && center_fraction <= 1.0))
        return mrv_error_set(err, MRV_EINVAL,
                             "undersampling: center_fraction %g, expected in (0, 1]",
                             center_fraction);
    if (ncols < 2)
        return mrv_error_set(err, MRV_EINVAL, "undersampling: %zu columns, expected >= 2", ncols);
    /* nearbyint rounds half to even in the default rounding mode, as Python's round(). */
    *nlow = (size_t)nearbyint((double)ncols * center_fraction);
    if (*nlow < 1)
        *nlow = 1;
    double wanted = (double)ncols / acceleration;
    if ((double)*nlow > wanted + 1e-9)
        return mrv_error_set(err, MRV_EINVAL,
                             "undersampling: center_fraction %g keeps %zu of %zu columns, more "
                             "than acceleration %g allows (%.1f)",
                             center_fraction, *nlow, ncols, acceleration, wanted);
    return MRV_OK;
}

/* Poisson disc in 1D: see mask.h. `order` is a random permutation. */
static size_t poisson_pass(size_t n, size_t pad, size_t nlow, double s, const uint32_t *order,
                           uint8_t *mask)
{
    memset(mask, 0, n);
    for (size_t i = pad; i < pad + nlow; i++)
        mask[i] = 1;
    size_t kept = nlow;
    double c = (double)(n / 2), half = (double)n / 2.0;
    for (size_t j = 0; j < n; j++) {
        size_t x = order[j];
        if (mask[x])
            continue;
        double r = s * (1.0 + 3.0 * fabs((double)x - c) / half);
        long lo = (long)ceil((double)x - r + 1e-12), hi = (long)floor((double)x + r - 1e-12);
        int ok = 1; /* no kept column (centre included) closer than r */
        for (long y = lo < 0 ? 0 : lo; ok && y <= hi && y < (long)n; y++)
            ok = !mask[y];
        if (ok) {
            mask[x] = 1;
            kept++;
        }
    }
    return kept;
}

enum mrv_status mrv_mask_make(enum mrv_mask_kind kind, size_t ncols, double acceleration,
                              double center_fraction, uint64_t seed, uint8_t *mask,
                              struct mrv_mask_info *info, struct mrv_error *err)
{
    size_t nlow = 0;
    enum mrv_status s = check(ncols, acceleration, center_fraction, &nlow, err);
    if (s != MRV_OK)
        return s;
    size_t pad = (ncols - nlow + 1) / 2;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    double prob = 0.0, radius = 0.0;
    size_t offset = 0;
    memset(mask, 0, ncols);
    switch (kind) {
    case MRV_MASK_RANDOM: {
        double wanted = (double)ncols / acceleration;
        prob = nlow < ncols ? (wanted - (double)nlow) / (double)(ncols - nlow) : 0.0;
        /* Draw for every column (as fastMRI does), so the outer pattern does
         * not depend on where the centre falls. */
        for (size_t i = 0; i < ncols; i++)
            mask[i] = gsl_rng_uniform(rng) < prob;
        break;
    }
    case MRV_MASK_EQUISPACED: {
        size_t step = (size_t)nearbyint(acceleration);
        offset = (size_t)gsl_rng_uniform_int(rng, step);
        for (size_t i = offset; i < ncols; i += step)
            mask[i] = 1;
        break;
    }
    case MRV_MASK_EQUISPACED_FRACTION: {
        double lf = (double)nlow, W = (double)ncols;
        if (lf * acceleration >= W - 1e-9) { /* centre alone reaches W/R */
            break;
        }
        double adj = acceleration * (lf - W) / (lf * acceleration - W);
        size_t hi = (size_t)nearbyint(adj);
        offset = (size_t)gsl_rng_uniform_int(rng, hi ? hi : 1);
        /* np.arange(offset, W - 1, adj) as numpy fills it: ceil((stop -
         * start) / step) values start + k * ((start + step) - start). A
         * running x += adj drifts and can add a column (W 18, R 2, N_lf 2). */
        double len = ceil((W - 1 - (double)offset) / adj);
        double delta = ((double)offset + adj) - (double)offset;
        for (size_t k = 0; k < (len > 0 ? (size_t)len : 0); k++) {
            size_t i = (size_t)nearbyint((double)offset + (double)k * delta);
            if (i < ncols)
                mask[i] = 1;
        }
        break;
    }
    case MRV_MASK_POISSON: {
        if (ncols > 16384)
            return mrv_error_set(err, MRV_EINVAL,
                                 "undersampling: poisson mask of %zu columns, expected <= 16384",
                                 ncols);
        uint32_t order[16384];
        for (size_t i = 0; i < ncols; i++)
            order[i] = (uint32_t)i;
        for (size_t i = ncols - 1; i > 0; i--) { /* Fisher-Yates */
            size_t j = (size_t)gsl_rng_uniform_int(rng, i + 1);
            uint32_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        size_t target = (size_t)nearbyint((double)ncols / acceleration);
        if (target < nlow)
            target = nlow;
        double lo = 0.0, hi = 2.0 * (double)ncols / (double)target + 1.0;
        for (int it = 0; it < 40; it++) {
            double mid = 0.5 * (lo + hi);
            if (poisson_pass(ncols, pad, nlow, mid, order, mask) >= target)
                lo = mid;
            else
                hi = mid;
        }
        size_t kept = poisson_pass(ncols, pad, nlow, lo, order, mask);
        radius = lo;
        /* drop outer columns, in the (random) acceptance order reversed */
        for (size_t j = ncols; j-- > 0 && kept > target;) {
            size_t x = order[j];
            if (mask[x] && (x < pad || x >= pad + nlow)) {
                mask[x] = 0;
                kept--;
            }
        }
        break;
    }
    default:
        return mrv_error_set(err, MRV_EINVAL, "undersampling: mask kind %d, expected 0..3",
                             (int)kind);
    }
    for (size_t i = pad; i < pad + nlow; i++)
        mask[i] = 1;
    size_t kept = 0;
    for (size_t i = 0; i < ncols; i++)
        kept += mask[i];
    if (info) {
        info->low_frequency = nlow;
        info->pad = pad;
        info->sampled = kept;
        info->probability = prob;
        info->offset = offset;
        info->radius = radius;
    }
    return MRV_OK;
}

enum mrv_status mrv_mask_random(size_t ncols, double acceleration, double center_fraction,
                                uint64_t seed, uint8_t *mask, struct mrv_mask_info *info,
                                struct mrv_error *err)
{
    return mrv_mask_make(MRV_MASK_RANDOM, ncols, acceleration, center_fraction, seed, mask,
                         info, err);
}
