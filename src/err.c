/*
 * err.c: error codes and messages (see err.h).
 */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

void err_init(struct err *e)
{
    if (e == NULL)
        return;
    e->code = 0;
    e->msg[0] = '\0';
}

static void mark_truncated(char *msg, size_t size)
{
    /* vsnprintf cut the text: end it with "..." so a reader knows. */
    if (size >= 4)
        memcpy(msg + size - 4, "...", 4);
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (e == NULL)
        return code;
    e->code = code;
    va_start(ap, fmt);
    n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        e->msg[0] = '\0';
    else if ((size_t)n >= sizeof(e->msg))
        mark_truncated(e->msg, sizeof(e->msg));
    return code;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
    char old[ERR_MSG_MAX];
    char prefix[ERR_MSG_MAX];
    va_list ap;
    int n;

    if (e == NULL)
        return;
    memcpy(old, e->msg, sizeof(old));
    va_start(ap, fmt);
    n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    if (n < 0)
        prefix[0] = '\0';
    n = snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
    if (n >= 0 && (size_t)n >= sizeof(e->msg))
        mark_truncated(e->msg, sizeof(e->msg));
}

const char *err_name(int code)
{
    switch (code) {
    case ERR_OK:
        return "ok";
    case ERR_NOMEM:
        return "nomem";
    case ERR_INVALID:
        return "invalid";
    case ERR_IO:
        return "io";
    case ERR_DB:
        return "db";
    case ERR_NOTFOUND:
        return "notfound";
    case ERR_TOOBIG:
        return "toobig";
    case ERR_USAGE:
        return "usage";
    case ERR_EXISTS:
        return "exists";
    case ERR_REFUSED:
        return "refused";
    case ERR_INTERRUPTED:
        return "interrupted";
    case ERR_CORRUPT:
        return "corrupt";
    case ERR_UNSUPPORTED:
        return "unsupported";
    default:
        return "unknown";
    }
}

int err_from_errno(int errnum)
{
    switch (errnum) {
    case 0:
        return ERR_OK;
    case ENOENT:
    case ENOTDIR:
        return ERR_NOTFOUND;
    case ENOMEM:
        return ERR_NOMEM;
    case EEXIST:
        return ERR_EXISTS;
    case EFBIG:
    case ENOSPC:
        return ERR_TOOBIG;
    case EINTR:
        return ERR_INTERRUPTED;
    default:
        return ERR_IO;
    }
}
