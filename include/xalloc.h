/*
 * xalloc.h: allocation that cannot fail, and size arithmetic that cannot overflow.
 *
 * tiphub is a program, not a library: when memory runs out it logs the size it
 * wanted and aborts, as Redis's zmalloc and jq's jv_alloc do. Every buffer that input
 * can grow has a limit (buf.h), so input alone cannot get us here.
 *
 * st_add() and st_mult() follow git's git-compat-util.h: they abort on size_t
 * overflow, which is a bug in our own code. Arithmetic on values that come from
 * input must check with str_* or __builtin_*_overflow and return a status instead.
 */
#ifndef TIPHUB_XALLOC_H
#define TIPHUB_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* Like realloc(); aborts instead of returning NULL. */
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
/* Copy len bytes of s and add a NUL. */
char *xstrndup(const char *s, size_t len);
void *xmemdup(const void *p, size_t len);

size_t st_add(size_t a, size_t b);
size_t st_mult(size_t a, size_t b);

/* ALLOC_ARRAY(p, n): p = xmalloc(n * sizeof(*p)), with the product checked. */
#define ALLOC_ARRAY(p, n)   ((p) = xmalloc(st_mult(sizeof(*(p)), (n))))
#define CALLOC_ARRAY(p, n)  ((p) = xcalloc((n), sizeof(*(p))))
#define REALLOC_ARRAY(p, n) ((p) = xrealloc((p), st_mult(sizeof(*(p)), (n))))

/*
 * ALLOC_GROW(p, nr, alloc): make room for nr elements in the array p that has
 * room for alloc, growing by half again each time (git's alloc_nr).
 */
#define ALLOC_GROW(p, nr, alloc)                                                                   \
    do {                                                                                           \
        if ((nr) > (alloc)) {                                                                      \
            size_t alloc_grow_new_ = st_add((alloc), (alloc) / 2 + 16);                            \
            if (alloc_grow_new_ < (size_t)(nr))                                                    \
                alloc_grow_new_ = (nr);                                                            \
            (alloc) = alloc_grow_new_;                                                             \
            REALLOC_ARRAY((p), (alloc));                                                           \
        }                                                                                          \
    } while (0)

#endif
