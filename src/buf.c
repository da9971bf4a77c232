/*
 * buf.c: growable byte buffer with a maximum size (see buf.h).
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

#include "banned.h"

/* Shared empty string so that data is never NULL before the first append. */
static char buf_empty[1];

void buf_init(struct buf *b, size_t max)
{
    b->data = buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_release(struct buf *b)
{
    if (b->cap > 0)
        free(b->data);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->data[0] = '\0';
}

int buf_grow(struct buf *b, size_t extra)
{
    size_t need;
    size_t cap;

    if (extra > b->max || b->len > b->max - extra)
        return ERR_TOOBIG;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need)
        cap = st_mult(cap, 2);
    if (cap > b->max + 1)
        cap = b->max + 1;
    if (b->cap == 0) {
        b->data = xmalloc(cap);
        b->data[0] = '\0';
    } else {
        b->data = xrealloc(b->data, cap);
    }
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    int rc = buf_grow(b, n);
    if (rc < 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, int c)
{
    char ch = (char)c;
    return buf_append(b, &ch, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;
    int rc;

    va_copy(cp, ap);
    n = vsnprintf(b->data + b->len, b->cap > b->len ? b->cap - b->len : 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return ERR_INVALID;
    if (b->cap > b->len && (size_t)n < b->cap - b->len) {
        if ((size_t)n > b->max - b->len) {
            b->data[b->len] = '\0';
            return ERR_TOOBIG;
        }
        b->len += (size_t)n;
        return 0;
    }
    rc = buf_grow(b, (size_t)n);
    if (rc < 0) {
        if (b->cap > 0)
            b->data[b->len] = '\0';
        return rc;
    }
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n < 0)
        return ERR_INVALID;
    b->len += (size_t)n;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void buf_truncate(struct buf *b, size_t len)
{
    if (len >= b->len)
        return;
    b->len = len;
    b->data[len] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p;

    if (b->cap == 0)
        p = xstrdup("");
    else
        p = b->data;
    if (len != NULL)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}
