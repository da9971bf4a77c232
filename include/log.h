/*
 * log.h: levelled logging to standard error, without personal data.
 *
 * Like Redis's serverLog, the macros test the level before evaluating their
 * arguments, so a debug line costs nothing when debug is off. Lines look like
 * "tiphub: warning: 12 rows quarantined in 'police.csv'".
 *
 * Rule: a log line names record ids, fields, files, counts and timings. It never
 * carries a value from a record (name, birth date, note, free text). Reviewers
 * reject a log call whose arguments come from a record's fields.
 */
#ifndef TIPHUB_LOG_H
#define TIPHUB_LOG_H

enum log_level {
    LOG_QUIET = 0, /* nothing, not even errors (tests) */
    LOG_ERROR = 1,
    LOG_WARN = 2,
    LOG_INFO = 3,
    LOG_DEBUG = 4,
};

extern enum log_level log_current_level;

void log_set_level(enum log_level level);

/* Write one line at a level; use the macros below rather than calling this. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at_(level, ...)                                                                        \
    do {                                                                                           \
        if ((level) <= log_current_level)                                                          \
            log_write((level), __VA_ARGS__);                                                       \
    } while (0)

#define log_error(...) log_at_(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_at_(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_at_(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at_(LOG_DEBUG, __VA_ARGS__)

#endif
