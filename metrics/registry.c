/* metrics/registry.c — the registered metrics: a static table ending in a
 * sentinel (FFTW's "repeated code: favor a table"). Adding a metric = one
 * descriptor in its family's file + one row here. The order is fixed: it is
 * the order of `mrvet list metrics` and of report columns. */
#include "metrics/metric.h"

#include <string.h>

#include "metrics/fidelity.h"

static const struct mrv_metric *const table[] = {
    &mrv_metric_psnr,
    &mrv_metric_ssim,
    &mrv_metric_nmse,
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
