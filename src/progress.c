/*
 * progress.c: a terminal progress bar on standard error (see progress.h).
 */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strutil.h"

#include "banned.h"

static bool progress_on = true;

void progress_enable(bool on)
{
    progress_on = on;
}

uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_ms(void)
{
    return clock_ns() / 1000000u;
}

static bool want_bar(void)
{
    const char *env = getenv("TIPHUB_NO_PROGRESS");
    if (!progress_on)
        return false;
    if (env != NULL && env[0] != '\0' && strcmp(env, "0") != 0)
        return false;
    return isatty(STDERR_FILENO) == 1;
}

static void draw(struct progress *p, bool final)
{
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    double secs = (double)(clock_ms() - p->started) / 1000.0;
    int i;

    if (p->total > 0) {
        uint64_t done = p->done > p->total ? p->total : p->done;
        int fill = (int)((done * WIDTH) / p->total);
        for (i = 0; i < WIDTH; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[WIDTH] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%% %.1fs%s", p->label, bar, (int)((done * 100) / p->total),
                secs, final ? "\n" : "");
    } else {
        fprintf(stderr, "\r%s %llu %.1fs%s", p->label, (unsigned long long)p->done, secs,
                final ? "\n" : "");
    }
    fflush(stderr);
}

void progress_start(struct progress *p, const char *label, uint64_t total)
{
    memset(p, 0, sizeof(*p));
    str_copy(p->label, label, sizeof(p->label));
    p->total = total;
    p->started = clock_ms();
    p->last_draw = 0;
    p->active = want_bar();
}

void progress_update(struct progress *p, uint64_t done)
{
    uint64_t now;

    p->done = done;
    if (!p->active)
        return;
    now = clock_ms();
    if (now - p->last_draw < 100)
        return;
    p->last_draw = now;
    draw(p, false);
}

void progress_finish(struct progress *p)
{
    if (!p->active)
        return;
    if (p->total > 0)
        p->done = p->total;
    draw(p, true);
    p->active = false;
}
