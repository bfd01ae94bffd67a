/* reports/report.h — what people read, made from the store only. */
#ifndef MRV_REPORTS_REPORT_H
#define MRV_REPORTS_REPORT_H

#include "store/store.h"

/* Write a self-contained HTML page (inline CSS, no external resources, no
 * scripts) to `path`: the runs with their provenance (software version, git
 * commit, host, seed, times), and per run a table of mean ± std (and n,
 * undefined and infinite counts) per metric per perturbation family and
 * severity, the clean input first. Every string from the store is
 * HTML-escaped. The page goes to a temporary file in the same folder, then
 * is renamed over `path`, so a failure never leaves half a report (an
 * existing file at `path` is replaced only on success). The generation
 * time is now, or SOURCE_DATE_EPOCH when set, so a store can give a
 * byte-identical report. MRV_EIO naming `path` when it cannot be written;
 * store errors are passed on. `s` may be read-only. */
enum mrv_status mrv_report_html(struct mrv_store *s, const char *path,
                                struct mrv_error *err);

#endif
