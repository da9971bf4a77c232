/*
 * log.c: levelled logging to standard error (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "banned.h"

#define LOG_MAX_LEN 1024

enum log_level log_current_level = LOG_WARN;

void log_set_level(enum log_level level)
{
    log_current_level = level;
}

static const char *level_word(enum log_level level)
{
    switch (level) {
    case LOG_ERROR:
        return "error";
    case LOG_WARN:
        return "warning";
    case LOG_INFO:
        return "info";
    case LOG_DEBUG:
        return "debug";
    default:
        return "";
    }
}

void log_write(enum log_level level, const char *fmt, ...)
{
    char msg[LOG_MAX_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* One fprintf per line so lines from threads do not interleave. */
    fprintf(stderr, "tiphub: %s: %s\n", level_word(level), msg);
}
