#include "harness/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void draw(struct mrv_progress *p, int final)
{
    double el = now() - p->start;
    double rate = el > 0 ? (double)p->done / el : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    if (p->tty) {
        int width = 30;
        int fill = p->total ? (int)((double)width * (double)p->done / (double)p->total) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %zu/%zu items  %.1f/s  ETA %.0fs  %zu failed%s", bar, p->done,
                p->total, rate, eta, p->failed, final ? "\n" : "");
    } else {
        fprintf(stderr, "mrvet: %zu/%zu items, %.1f items/s, %.0f s elapsed, %.0f s left, "
                        "%zu failed\n", p->done, p->total, rate, el, eta, p->failed);
    }
    fflush(stderr);
}

void mrv_progress_start(struct mrv_progress *p, size_t total, bool enabled)
{
    p->total = total;
    p->enabled = enabled;
    p->tty = isatty(STDERR_FILENO);
    p->start = p->last = now();
    p->done = p->failed = 0;
}

void mrv_progress_update(struct mrv_progress *p, size_t done, size_t failed)
{
    p->done = done;
    p->failed = failed;
    if (!p->enabled)
        return;
    double t = now();
    if (t - p->last >= (p->tty ? 0.2 : 10.0)) {
        p->last = t;
        draw(p, 0);
    }
}

void mrv_progress_end(struct mrv_progress *p)
{
    if (p->enabled && p->total)
        draw(p, 1);
}
