/*
 * progress.h: a progress bar on standard error for long work.
 *
 * The bar shows only when standard error is a terminal and progress was not turned
 * off (--quiet, --json or TIPHUB_NO_PROGRESS=1), so scripts and tests see clean
 * output. Updates are cheap: the bar is redrawn at most ten times a second.
 *
 *     struct progress p;
 *     progress_start(&p, "import police.csv", file_size);
 *     ... progress_update(&p, bytes_done); ...
 *     progress_finish(&p);
 */
#ifndef TIPHUB_PROGRESS_H
#define TIPHUB_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    char label[64];     /* what is being done, e.g. "linking" */
    uint64_t total;     /* amount of work, 0 if unknown */
    uint64_t done;      /* work done so far */
    uint64_t last_draw; /* monotonic ms of the last redraw */
    uint64_t started;   /* monotonic ms at progress_start */
    bool active;        /* drawing at all */
};

/* Turn all bars off (or on again) for this process. */
void progress_enable(bool on);

void progress_start(struct progress *p, const char *label, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_finish(struct progress *p);

/* Milliseconds from a monotonic clock; for timings in logs and benchmarks. */
uint64_t clock_ms(void);
/* Nanoseconds from a monotonic clock. */
uint64_t clock_ns(void);

#endif
