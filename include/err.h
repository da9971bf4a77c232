/*
 * err.h: error codes and the error message a person reads.
 *
 * A function that can fail returns int: 0 on success or a negative ERR_* code, as
 * libuv does. When a person must be told what went wrong, the caller passes a
 * struct err, which the failing function fills with a code and a message written the
 * way git writes them: lowercase, problem first, subject in quotes, no full stop.
 *
 * Messages name files, lines, columns, fields, record ids and counts. They never
 * contain a value from a record (a name, a birth date, a note): see docs/PRIVACY.md.
 */
#ifndef TIPHUB_ERR_H
#define TIPHUB_ERR_H

#include <stddef.h>

enum {
    ERR_OK = 0,
    ERR_NOMEM = -1,        /* out of memory (normally xmalloc aborts instead) */
    ERR_INVALID = -2,      /* bad input: a malformed file, value or argument */
    ERR_IO = -3,           /* a system call on a file failed */
    ERR_DB = -4,           /* the store (SQLite) failed */
    ERR_NOTFOUND = -5,     /* a named thing does not exist */
    ERR_TOOBIG = -6,       /* a size limit was reached */
    ERR_USAGE = -7,        /* the command line is wrong */
    ERR_EXISTS = -8,       /* the thing to create exists already */
    ERR_REFUSED = -9,      /* refused by policy (privacy budget, disclosure rule) */
    ERR_INTERRUPTED = -10, /* stopped by a signal */
    ERR_CORRUPT = -11,     /* stored data fails its own checks */
    ERR_UNSUPPORTED = -12, /* valid but not implemented (an unknown schema option) */
};

#define ERR_MSG_MAX 512

struct err {
    int code;              /* 0 or an ERR_* value */
    char msg[ERR_MSG_MAX]; /* always NUL-terminated; "" when code is 0 */
};

/* Set *e to "no error". e may be NULL. */
void err_init(struct err *e);

/*
 * Record an error in e (which may be NULL) and return code, so a caller can write
 * `return err_set(e, ERR_INVALID, "cannot parse '%s'", path);`. A message longer
 * than ERR_MSG_MAX is cut short with "...".
 */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix the message already in e with more context: "context: old message". */
void err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short stable name of an ERR_* code ("invalid", "io", ...), for --json output. */
const char *err_name(int code);

/* Map an errno value to an ERR_* code (ENOENT is ERR_NOTFOUND, ENOMEM ERR_NOMEM, ...). */
int err_from_errno(int errnum);

#endif
