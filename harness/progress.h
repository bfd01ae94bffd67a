/* harness/progress.h — items done, rate and time left, on stderr.
 * On a terminal one line redrawn in place (at most 5 times a second);
 * otherwise (logs, CI) a plain line every 10 s and one at the end. */
#ifndef MRV_HARNESS_PROGRESS_H
#define MRV_HARNESS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct mrv_progress {
    size_t total;
    bool enabled, tty;
    double start, last;
    size_t done, failed;
};

void mrv_progress_start(struct mrv_progress *p, size_t total, bool enabled);
void mrv_progress_update(struct mrv_progress *p, size_t done, size_t failed);
void mrv_progress_end(struct mrv_progress *p);

#endif
