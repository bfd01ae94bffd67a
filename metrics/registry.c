/* metrics/registry.c — the registered metrics: a static table ending in a
 * sentinel (FFTW's "repeated code: favor a table"). Adding a metric = one
 * descriptor in its family's file + one row here. The order is fixed: it is
 * the order of `mrvet list metrics` and of report columns. */
#include "metrics/metric.h"

#include <string.h>

#include "metrics/calibration.h"
#include "metrics/fidelity.h"
#include "metrics/segmentation.h"

static const struct mrv_metric *const table[] = {
    /* fidelity (images) */
    &mrv_metric_psnr,
    &mrv_metric_ssim,
    &mrv_metric_nmse,
    &mrv_metric_ssim_gauss,
    &mrv_metric_ssim3d,
    &mrv_metric_mae,
    &mrv_metric_hfen,
    &mrv_metric_hfen3d,
    /* segmentation (label maps, per label) */
    &mrv_metric_dice,
    &mrv_metric_iou,
    &mrv_metric_hd,
    &mrv_metric_hd95,
    &mrv_metric_assd,
    &mrv_metric_nsd,
    &mrv_metric_rvd,
    /* calibration (probability maps) */
    &mrv_metric_ece,
    &mrv_metric_aece,
    &mrv_metric_mce,
    &mrv_metric_brier,
    &mrv_metric_nll,
    NULL,
};

const struct mrv_metric *const *mrv_metric_list(int *n)
{
    if (n)
        *n = (int)(sizeof table / sizeof table[0]) - 1;
    return table;
}

const struct mrv_metric *mrv_metric_find(const char *name)
{
    if (!name)
        return NULL;
    for (const struct mrv_metric *const *m = table; *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}

void mrv_metric_args_init(struct mrv_metric_args *a, const struct mrv_array *reference,
                          const struct mrv_array *output, const double spacing[3])
{
    memset(a, 0, sizeof *a);
    a->reference = reference;
    a->output = output;
    for (int d = 0; d < 3; d++)
        a->spacing[d] = spacing ? spacing[d] : 1.0;
    a->mask = NULL;
    a->label = 0;
    a->tolerance_mm = 1.0;
    a->surface = MRV_SURFACE_MONAI;
    a->bins = 15;
}

int mrv_metric_labels_present(const struct mrv_array *reference,
                              const struct mrv_array *output, uint8_t labels[255])
{
    if (!reference || !output || reference->dtype != MRV_U8 ||
        !mrv_array_same_shape(reference, output) || !reference->data || !output->data)
        return -1;
    bool seen[256] = {false};
    const uint8_t *r = reference->data, *o = output->data;
    size_t n = mrv_array_count(reference);
    for (size_t i = 0; i < n; i++) {
        seen[r[i]] = true;
        seen[o[i]] = true;
    }
    int k = 0;
    for (int l = 1; l < 256; l++)
        if (seen[l])
            labels[k++] = (uint8_t)l;
    return k;
}
