/*
 * rec.c: the case record's storage (rec_init, rec_put, rec_release), the list of
 * issues a row collects, and the record digest that tells an unchanged row from an
 * update. Validation is in rec_set.c and rec_check.c, derived attributes in
 * rec_derive.c.
 */
#include "rec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec_int.h"
#include "xalloc.h"

#include "banned.h"

/*
 * A record's values live in chunks that belong to it, allocated as needed and
 * never moved, so that the pointers in val[] stay valid. A value that is replaced
 * leaves its old bytes in the chunk until the record is cleared.
 */
struct rec_chunk {
    struct rec_chunk *next;
    size_t used;
    size_t cap;
    char data[];
};

#define REC_CHUNK_SIZE 4096

void rec_init(struct rec *r)
{
    memset(r, 0, sizeof(*r));
}

void rec_clear(struct rec *r)
{
    struct rec_chunk *c;
    struct rec_chunk *next;

    memset(r->val, 0, sizeof(r->val));
    free(r->extra);
    r->extra = NULL;
    if (r->chunks == NULL)
        return;
    /* Keep the first chunk (the one a typical record fits in), free the rest. */
    for (c = r->chunks->next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    r->chunks->next = NULL;
    r->chunks->used = 0;
}

void rec_release(struct rec *r)
{
    struct rec_chunk *c;
    struct rec_chunk *next;

    rec_clear(r);
    for (c = r->chunks; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    rec_init(r);
}

char *rec__alloc(struct rec *r, size_t n)
{
    struct rec_chunk *c = r->chunks;
    char *p;

    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > REC_CHUNK_SIZE ? n : REC_CHUNK_SIZE;
        struct rec_chunk *fresh = xmalloc(st_add(sizeof(*fresh), cap));
        fresh->used = 0;
        fresh->cap = cap;
        if (c == NULL || cap > REC_CHUNK_SIZE) {
            /* A big value gets a chunk of its own, kept behind the current one. */
            fresh->next = c != NULL ? c->next : NULL;
            if (c != NULL)
                c->next = fresh;
            else
                r->chunks = fresh;
        } else {
            fresh->next = c;
            r->chunks = fresh;
        }
        c = fresh;
    }
    p = c->data + c->used;
    c->used += n;
    return p;
}

char *rec__strndup(struct rec *r, const char *s, size_t n)
{
    char *p = rec__alloc(r, st_add(n, 1));
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void rec_put(struct rec *r, int field, const char *canonical)
{
    r->val[field] = canonical != NULL ? rec__strndup(r, canonical, strlen(canonical)) : NULL;
}

/* ==== issues ==== */

void rec_issues_init(struct rec_issues *is)
{
    memset(is, 0, sizeof(*is));
}

void rec_issues_release(struct rec_issues *is)
{
    free(is->items);
    rec_issues_init(is);
}

void rec_issues_reset(struct rec_issues *is)
{
    is->n = 0;
}

void rec_issues_add(struct rec_issues *is, int field, size_t column, const char *fmt, ...)
{
    struct rec_issue *it = NULL;
    va_list ap;

    if (is == NULL)
        return;
    ALLOC_GROW(is->items, is->n + 1, is->alloc);
    it = &is->items[is->n++];
    it->field = field;
    it->column = column;
    va_start(ap, fmt);
    vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
    va_end(ap);
}
