#include "perturbations/mask.h"

#include <math.h>

#include "core/rng.h"

enum mrv_status mrv_mask_random(size_t ncols, double acceleration, double center_fraction,
                                uint64_t seed, uint8_t *mask, struct mrv_mask_info *info,
                                struct mrv_error *err)
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
    size_t nlow = (size_t)nearbyint((double)ncols * center_fraction);
    if (nlow < 1)
        nlow = 1;
    double wanted = (double)ncols / acceleration;
    if ((double)nlow > wanted + 1e-9)
        return mrv_error_set(err, MRV_EINVAL,
                             "undersampling: center_fraction %g keeps %zu of %zu columns, more "
                             "than acceleration %g allows (%.1f)",
                             center_fraction, nlow, ncols, acceleration, wanted);
    double prob = nlow < ncols ? (wanted - (double)nlow) / (double)(ncols - nlow) : 0.0;
    struct mrv_rng stream;
    gsl_rng *rng = mrv_rng_init(&stream, seed);
    /* Draw for every column (as fastMRI does), so the outer pattern does not
     * depend on where the centre falls. */
    for (size_t i = 0; i < ncols; i++)
        mask[i] = gsl_rng_uniform(rng) < prob;
    size_t pad = (ncols - nlow + 1) / 2;
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
    }
    return MRV_OK;
}
