/*
 * xalloc.c: allocation that aborts on failure (see xalloc.h).
 */
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static void oom(size_t size)
{
    fprintf(stderr, "tiphub: fatal: out of memory allocating %zu bytes\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        oom(size);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (p == NULL)
        oom(st_mult(nmemb, size));
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL)
        oom(size);
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t len)
{
    char *p = xmalloc(st_add(len, 1));
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *xmemdup(const void *p, size_t len)
{
    void *q = xmalloc(len);
    if (len > 0)
        memcpy(q, p, len);
    return q;
}

size_t st_add(size_t a, size_t b)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        fprintf(stderr, "tiphub: BUG: size_t overflow: %zu + %zu\n", a, b);
        abort();
    }
    return r;
}

size_t st_mult(size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        fprintf(stderr, "tiphub: BUG: size_t overflow: %zu * %zu\n", a, b);
        abort();
    }
    return r;
}
